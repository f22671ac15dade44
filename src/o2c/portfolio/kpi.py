"""The receivables KPIs of a whole portfolio on an engine, per period and per customer.

The KPIs are the domain's (:mod:`o2c.receivables.kpi`: DSO simple, on the average balance and
by countback, best possible DSO, average days delinquent, CEI, AR turnover, days to collect,
share current, bad-debt ratio, average and weighted days to pay, weighted days late); the engine
only sums, in integer minor units, the figures they are computed from, for every period and
customer (and currency) at once, with the same meaning as the domain path's
:func:`~o2c.receivables.kpi.period_figures_from_ledger`,
:func:`~o2c.receivables.kpi.paid_items_from_ledger` and
:func:`~o2c.receivables.kpi.monthly_sales_from_ledger`:

- periods are given by their bounds ``d0 < d1 < ... < dn``: period ``k`` runs from the end of
  ``d(k-1)`` to the end of ``dk``; everything is as known at ``known_at``;
- *receivables* on a day are the open amounts on it (credits netted), *current receivables* the
  not-due column of the aging on the period's end (the scheme's due-today rule), *credit sales*
  the invoices less the credit memos issued in the period, *write-offs* the write-offs effective
  in it;
- a *paid item* is an invoice item (per instalment; not a migration's stand-in) settled in full by
  kept allocations with nothing written off, paid on the date of its last kept allocation
  (:attr:`o2c.ledger.SettlementTrail.collected_on`, read as of the period's end), counted in the
  period that date falls in;
- countback DSO takes the net credit sales of each calendar month back from the period's end.

:func:`kpi_table` answers an Arrow table of those figures (one row per customer, currency and
period, or per currency and period), for millions of customers; :func:`portfolio_kpis` answers
o2c's own :class:`PortfolioKpis` (the :class:`~o2c.receivables.kpi.PeriodFigures` and the
:class:`~o2c.receivables.kpi.Kpi` values of :func:`~o2c.receivables.kpi.kpi_summary`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
from moneyed import Money

from o2c.errors import ValidationError
from o2c.ledger.ids import CustomerId
from o2c.money import CONTEXT, currency, from_minor, minor_units
from o2c.portfolio.engine import Engine, Kernel, run
from o2c.portfolio.items import date_sql
from o2c.portfolio.model import CAUSE_CODES, CREDIT_CODES, KIND_CODES, ReadModel
from o2c.receivables.aging import BucketScheme
from o2c.receivables.kpi import Kpi, PeriodFigures, SalesConvention, kpi_summary

__all__ = [
    "DaysToPay",
    "PortfolioKpis",
    "figure_columns",
    "kpi_kernel",
    "kpi_table",
    "month_ends",
    "portfolio_kpis",
]

_ZERO = Decimal(0)

#: The figures of a period, in the answer's order (minor units, or counts and days).
FIGURES = (
    "beginning",
    "ending",
    "ending_current",
    "sales",
    "write_offs",
    "paid_items",
    "paid_amount",
    "paid_days",
    "paid_amount_days",
    "paid_amount_days_late",
)


def figure_columns(countback: int = 0) -> tuple[str, ...]:
    """The answer's figure columns: :data:`FIGURES`, then ``sales_m1`` ... (the net credit
    sales of each calendar month back from the period's end, newest first)."""
    return (*FIGURES, *(f"sales_m{j}" for j in range(1, countback + 1)))


def month_ends(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    """Month ends from ``first``'s month to ``last``'s, for monthly periods.

    >>> month_ends(dt.date(2026, 1, 15), dt.date(2026, 3, 2))
    (datetime.date(2026, 1, 31), datetime.date(2026, 2, 28), datetime.date(2026, 3, 31))
    """
    ends = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        ends.append(nxt - dt.timedelta(days=1))
        year, month = nxt.year, nxt.month
    return tuple(ends)


def _bounds(bounds: Sequence[dt.date]) -> tuple[dt.date, ...]:
    days = tuple(bounds)
    if len(days) < 2 or any(b <= a for a, b in itertools.pairwise(days)):
        raise ValidationError(
            f"bounds={[d.isoformat() for d in days]}: give at least two dates, increasing (period "
            "k runs from the end of bound k-1 to the end of bound k)",
            field="bounds",
            value=days,
        )
    return days


def _months_back(end: dt.date, months: int) -> list[tuple[dt.date, dt.date]]:
    """``(day before, last day)`` of each calendar month back from ``end`` (its month up to it),
    newest first: the months of :func:`o2c.receivables.kpi.monthly_sales_from_ledger`."""
    out = []
    last = end
    for _ in range(months):
        first = last.replace(day=1)
        out.append((first - dt.timedelta(days=1), last))
        last = first - dt.timedelta(days=1)
    return out


def _known(column: str, known_at: dt.datetime | None) -> str:
    """The condition "``column`` (a recording time) is by ``known_at``"."""
    if known_at is None:
        return "TRUE"
    if known_at.tzinfo is None or known_at.utcoffset() is None:
        raise ValidationError(
            f"known_at={known_at!r} must be timezone-aware (recording times are), e.g. "
            "datetime(..., tzinfo=timezone.utc)",
            field="known_at",
            value=known_at,
        )
    moment = known_at.astimezone(dt.UTC).isoformat()
    return f"({column} IS NULL OR {column} <= TIMESTAMPTZ '{moment}')"


def _same(alias: str) -> str:
    """The join of a per-period figure (``alias``) to the answer's row (``g``)."""
    return f"{alias}.customer = g.customer AND {alias}.currency = g.currency AND {alias}.k = g.k"


def kpi_kernel(
    bounds: Sequence[dt.date],
    *,
    known_at: dt.datetime | None = None,
    scheme: BucketScheme | None = None,
    countback: int = 0,
    by_customer: bool = True,
) -> Kernel:
    """The KPI figures kernel: per customer (when ``by_customer``), currency and period.

    The answer has ``customer``, ``currency``, ``period`` (1 ... n), ``start`` and ``end`` (the
    period's bounds), then :func:`figure_columns` (int64).  ``scheme`` gives the due-today rule
    of the current receivables (default: the standard scheme, due today is not due);
    ``countback`` the number of calendar months of sales for the countback DSO.

    Raises:
        ValidationError: bounds not increasing, a negative ``countback``, a naive ``known_at``.
    """
    days = _bounds(bounds)
    if countback < 0:
        raise ValidationError(
            f"countback={countback} must be 0 or more months", field="countback", value=countback
        )
    first_day = (scheme or BucketScheme.standard()).first_day
    last = date_sql(days[-1])
    periods = ", ".join(
        f"({k}, {'NULL::DATE' if k == 0 else date_sql(days[k - 1])}, {date_sql(d)})"
        for k, d in enumerate(days)
    )

    def k_of(value: str) -> str:  # the period a date falls in (0: by d0; NULL: after dn)
        whens = " ".join(f"WHEN {value} <= {date_sql(d)} THEN {k}" for k, d in enumerate(days))
        return f"CASE {whens} END"

    allocation, write_off = CAUSE_CODES["allocation"], CAUSE_CODES["write_off"]
    invoice = KIND_CODES["invoice"]
    sales_kinds = f"{invoice}, {KIND_CODES['credit_memo']}"
    debit = f"kind NOT IN ({', '.join(str(c) for c in CREDIT_CODES)})"
    undone = (
        f"sj.reversed_on IS NOT NULL AND sj.reversed_on <= b.hi "
        f"AND {_known('sj.reversed_recorded', known_at)}"
    )
    months = [
        f"({k}, {j}, {date_sql(lo)}, {date_sql(hi)})"
        for k, d in enumerate(days)
        if k
        for j, (lo, hi) in enumerate(_months_back(d, countback), start=1)
    ]
    month_cte = (
        f"""mb(k, j, lo, hi) AS (VALUES {", ".join(months)}),
        msales AS (
            SELECT it.customer, it.currency, mb.k,
                   {
            ", ".join(
                f"SUM(it.amount) FILTER (WHERE mb.j = {j}) AS m{j}" for j in range(1, countback + 1)
            )
        }
            FROM it JOIN mb ON it.issued > mb.lo AND it.issued <= mb.hi
            WHERE it.kind IN ({sales_kinds}) GROUP BY ALL
        ),"""
        if countback
        else ""
    )
    month_join = f"LEFT JOIN msales m ON {_same('m')}" if countback else ""
    month_cols = "".join(
        f", CAST(COALESCE(m.m{j}, 0) AS BIGINT) AS sales_m{j}" for j in range(1, countback + 1)
    )
    sql = f"""
        WITH b(k, lo, hi) AS (VALUES {periods}),
        it AS (
            SELECT item, customer, currency, kind, stand_in, issued, document, due, amount
            FROM items i WHERE i.issued <= {last} AND {_known("i.recorded", known_at)}
        ),
        st AS (
            SELECT item, "on", amount, cause, written_off, reversed_on, reversed_recorded
            FROM settlements s WHERE s."on" <= {last} AND {_known("s.recorded", known_at)}
        ),
        sj AS (
            SELECT st.*, it.customer, it.currency, it.kind, it.stand_in, it.issued,
                   it.amount AS full_amount
            FROM st JOIN it ON it.item = st.item
        ),
        steps AS (
            SELECT customer, currency, k, SUM(delta) AS d FROM (
                SELECT customer, currency, {k_of("issued")} AS k, amount AS delta FROM it
                UNION ALL
                SELECT customer, currency, {k_of('GREATEST("on", issued)')} AS k,
                       CASE WHEN full_amount >= 0 THEN -amount ELSE amount END AS delta
                FROM sj
            ) GROUP BY ALL
        ),
        balances AS (
            SELECT g.customer, g.currency, g.k, g.lo, g.hi,
                   SUM(COALESCE(s.d, 0)) OVER (
                       PARTITION BY g.customer, g.currency ORDER BY g.k
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS balance
            FROM (SELECT p.customer, p.currency, b.k, b.lo, b.hi
                  FROM (SELECT DISTINCT customer, currency FROM it) p CROSS JOIN b) g
            LEFT JOIN steps s USING (customer, currency, k)
        ),
        cur_items AS (
            SELECT it.item, it.customer, it.currency, it.amount, b.k, b.hi
            FROM it JOIN b ON b.k >= 1 AND it.issued <= b.hi AND it.due > b.hi - {first_day}
            WHERE it.{debit}
        ),
        cur AS (
            SELECT c.customer, c.currency, c.k, SUM(c.amount - COALESCE(x.done, 0)) AS current
            FROM cur_items c LEFT JOIN (
                SELECT c2.item, c2.k, SUM(st.amount) AS done
                FROM cur_items c2 JOIN st ON st.item = c2.item AND st."on" <= c2.hi
                GROUP BY ALL
            ) x ON x.item = c.item AND x.k = c.k
            GROUP BY ALL
        ),
        sales AS (
            SELECT customer, currency, {k_of("issued")} AS k, SUM(amount) AS sales
            FROM it WHERE kind IN ({sales_kinds}) GROUP BY ALL
        ),
        wo AS (
            SELECT customer, currency, {k_of('GREATEST("on", issued)')} AS k,
                   SUM(amount) AS write_offs
            FROM sj WHERE cause = {write_off} GROUP BY ALL
        ),
        cand AS (
            SELECT DISTINCT item, {k_of('"on"')} AS k FROM sj
            WHERE cause = {allocation} AND kind = {invoice} AND NOT stand_in
        ),
        state AS (
            SELECT c.item, c.k, b.lo, b.hi, SUM(sj.amount) AS done,
                   COALESCE(SUM(sj.written_off), 0) AS wo,
                   MAX(sj."on") FILTER (WHERE sj.cause = {allocation} AND NOT ({undone}))
                       AS paid_on
            FROM cand c JOIN b ON b.k = c.k JOIN sj ON sj.item = c.item AND sj."on" <= b.hi
            GROUP BY c.item, c.k, b.lo, b.hi
        ),
        paid AS (
            SELECT it.customer, it.currency, s.k, COUNT(*) AS n, SUM(it.amount) AS amount,
                   SUM(s.paid_on - it.document) AS days,
                   SUM(it.amount * (s.paid_on - it.document)) AS amount_days,
                   SUM(it.amount * GREATEST(s.paid_on - it.due, 0)) AS amount_late
            FROM state s JOIN it ON it.item = s.item
            WHERE it.issued <= s.hi AND it.amount - s.done <= 0 AND s.wo = 0
              AND s.paid_on > s.lo
            GROUP BY ALL
        ),
        {month_cte}
        answer AS (
            SELECT g.customer, g.currency, CAST(g.k AS INTEGER) AS period, g.lo AS start,
                   g.hi AS "end",
                   CAST(p.balance AS BIGINT) AS beginning,
                   CAST(g.balance AS BIGINT) AS ending,
                   CAST(COALESCE(c.current, 0) AS BIGINT) AS ending_current,
                   CAST(COALESCE(sa.sales, 0) AS BIGINT) AS sales,
                   CAST(COALESCE(w.write_offs, 0) AS BIGINT) AS write_offs,
                   CAST(COALESCE(pd.n, 0) AS BIGINT) AS paid_items,
                   CAST(COALESCE(pd.amount, 0) AS BIGINT) AS paid_amount,
                   CAST(COALESCE(pd.days, 0) AS BIGINT) AS paid_days,
                   CAST(COALESCE(pd.amount_days, 0) AS BIGINT) AS paid_amount_days,
                   CAST(COALESCE(pd.amount_late, 0) AS BIGINT) AS paid_amount_days_late
                   {month_cols}
            FROM balances g
            JOIN balances p ON p.customer = g.customer AND p.currency = g.currency
                           AND p.k = g.k - 1
            LEFT JOIN cur c ON {_same("c")}
            LEFT JOIN sales sa ON {_same("sa")}
            LEFT JOIN wo w ON {_same("w")}
            LEFT JOIN paid pd ON {_same("pd")}
            {month_join}
            WHERE g.k >= 1
        )
        SELECT * FROM answer ORDER BY customer, currency, period
    """
    names = figure_columns(countback)
    sums = ", ".join(f"CAST(SUM({n}) AS BIGINT) AS {n}" for n in names)
    combine = None
    if not by_customer:
        combine = f"""
            SELECT currency, period, start, "end", {sums} FROM partial
            GROUP BY currency, period, start, "end" ORDER BY currency, period
        """
    return Kernel(name="kpi", sql=sql, order=("customer", "currency", "period"), combine=combine)


def kpi_table(
    model: ReadModel,
    bounds: Sequence[dt.date],
    engine: Engine,
    *,
    known_at: dt.datetime | None = None,
    scheme: BucketScheme | None = None,
    countback: int = 0,
    by_customer: bool = True,
) -> Any:
    """The KPI figures as an Arrow table (see :func:`kpi_kernel`): one row per customer,
    currency and period (or per currency and period without ``by_customer``).

    Raises:
        ValidationError: see :func:`kpi_kernel`.
    """
    kernel = kpi_kernel(
        bounds, known_at=known_at, scheme=scheme, countback=countback, by_customer=by_customer
    )
    return run(engine, kernel, model)


@attrs.frozen(kw_only=True)
class DaysToPay:
    """The paid items of a period summed: how many, their amount, their days to pay, and their
    amounts weighted by the days to pay and by the days late (currency units x days)."""

    items: int
    amount: Money
    days: int
    amount_days: Decimal
    amount_days_late: Decimal

    def kpis(self) -> tuple[Kpi, ...]:
        """Average and weighted days to pay, weighted days late (none without paid items).

        The formulas of :func:`o2c.receivables.kpi.average_days_to_pay`,
        :func:`~o2c.receivables.kpi.weighted_days_to_pay` and
        :func:`~o2c.receivables.kpi.weighted_days_late`, over sums instead of items (those take
        the items themselves, which the engine does not send back): a second copy of three
        divisions, kept equal to them by the property test in ``tests/test_portfolio_kpi.py``.
        """
        if not self.items:
            return ()
        return (
            Kpi(
                name="average days to pay",
                value=_div(Decimal(self.days), Decimal(self.items)),
                unit="days",
                formula="mean(paid on - document date)",
            ),
            Kpi(
                name="weighted days to pay",
                value=_div(self.amount_days, self.amount.amount),
                unit="days",
                formula="sum(amount x days to pay) / sum(amount)",
            ),
            Kpi(
                name="weighted days late",
                value=_div(self.amount_days_late, self.amount.amount),
                unit="days",
                formula="sum(amount x days late) / sum(amount)",
            ),
        )


def _div(numerator: Decimal, denominator: Decimal) -> Decimal:
    result = CONTEXT.divide(numerator, denominator)
    return result if result else _ZERO  # a plain 0, as the domain's KPIs give


@attrs.frozen(kw_only=True)
class PortfolioKpis:
    """A period's figures and KPIs for one customer (``None``: the portfolio) in one currency.

    ``kpis`` are :func:`~o2c.receivables.kpi.kpi_summary`'s (with the countback DSO when monthly
    sales were asked for) followed by the days-to-pay KPIs when items were paid; when the figures
    leave a ratio undefined (no credit sales in the period, say) ``kpis`` is empty and
    ``undefined`` says why, as the domain's error would.
    """

    customer_id: CustomerId | None
    currency: str
    period: int
    figures: PeriodFigures
    paid: DaysToPay
    monthly_sales: tuple[tuple[Money, int], ...] = ()
    kpis: tuple[Kpi, ...] = ()
    undefined: str | None = None

    def kpi(self, name: str) -> Kpi | None:
        """The KPI named ``name``, or ``None``."""
        return next((k for k in self.kpis if k.name == name), None)


def portfolio_kpis(
    model: ReadModel,
    bounds: Sequence[dt.date],
    engine: Engine,
    *,
    known_at: dt.datetime | None = None,
    scheme: BucketScheme | None = None,
    convention: SalesConvention = SalesConvention.PERIOD_TOTAL,
    months: int = 1,
    countback: int = 0,
    by_customer: bool = False,
) -> tuple[PortfolioKpis, ...]:
    """The KPIs of every period, per currency for the portfolio, and per customer too when
    ``by_customer`` (customers first, by customer, currency and period; then the portfolio's).

    ``months`` is the months a period spans (for CEI's :class:`SalesConvention`), ``countback``
    how many calendar months the countback DSO looks back (0: no countback DSO).

    Raises:
        ValidationError: see :func:`kpi_kernel`.
    """
    names = figure_columns(countback)
    table = kpi_table(
        model,
        bounds,
        engine,
        known_at=known_at,
        scheme=scheme,
        countback=countback,
        by_customer=by_customer,
    )
    data = table.to_pydict()
    keyed: list[tuple[CustomerId | None, str, int, list[int]]] = []
    totals: dict[tuple[str, int], list[int]] = {}
    for n in range(table.num_rows):
        code = data["currency"][n]
        period = data["period"][n]
        values = [data[name][n] for name in names]
        if by_customer:
            keyed.append((CustomerId(data["customer"][n]), code, period, values))
            acc = totals.setdefault((code, period), [0] * len(names))
            for i, v in enumerate(values):
                acc[i] += v
        else:
            totals[(code, period)] = values
    keyed += [(None, code, period, values) for (code, period), values in sorted(totals.items())]
    days = _bounds(bounds)
    return tuple(
        _result(who, code, period, values, days, convention, months, countback)
        for who, code, period, values in keyed
    )


def _result(
    who: CustomerId | None,
    code: str,
    period: int,
    values: list[int],
    days: tuple[dt.date, ...],
    convention: SalesConvention,
    months: int,
    countback: int,
) -> PortfolioKpis:
    cur = currency(code)
    exponent = -minor_units(cur)
    f = dict(zip(figure_columns(countback), values, strict=True))

    def money_of(units: int) -> Money:
        return from_minor(units, cur.code)

    figures = PeriodFigures(
        start=days[period - 1],
        end=days[period],
        beginning_receivables=money_of(f["beginning"]),
        ending_receivables=money_of(f["ending"]),
        ending_current_receivables=money_of(f["ending_current"]),
        credit_sales=money_of(f["sales"]),
        write_offs=money_of(f["write_offs"]),
        months=months,
    )
    paid = DaysToPay(
        items=f["paid_items"],
        amount=money_of(f["paid_amount"]),
        days=f["paid_days"],
        amount_days=Decimal(f["paid_amount_days"]).scaleb(exponent),
        amount_days_late=Decimal(f["paid_amount_days_late"]).scaleb(exponent),
    )
    monthly = tuple(
        (money_of(f[f"sales_m{j}"]), (hi - lo).days)
        for j, (lo, hi) in enumerate(_months_back(days[period], countback), start=1)
    )
    try:
        kpis = (
            *kpi_summary(figures, convention=convention, monthly_sales=monthly),
            *paid.kpis(),
        )
    except ValidationError as exc:
        return PortfolioKpis(
            customer_id=who,
            currency=cur.code,
            period=period,
            figures=figures,
            paid=paid,
            monthly_sales=monthly,
            undefined=str(exc),
        )
    return PortfolioKpis(
        customer_id=who,
        currency=cur.code,
        period=period,
        figures=figures,
        paid=paid,
        monthly_sales=monthly,
        kpis=kpis,
    )
