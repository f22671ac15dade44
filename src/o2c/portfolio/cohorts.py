"""Cohort loss rates of a whole portfolio: invoices grouped by the month they were issued in.

For every issue-month cohort the engine sums, in integer minor units, what
:func:`~o2c.credit.provisioning.cohort_loss_rates` sums over the cohort's
:func:`~o2c.credit.provisioning.cohort_items`: the amount still open on entering each
days-past-due bucket (each item's amount less what was collected before the bucket's first day
past due; the whole amount for the not-yet-due bucket) and the amount never collected (what no
collection covered).  The rates are the domain's own :func:`~o2c.credit.provisioning.
loss_rates_from_flows` over those sums, so a cohort's rates are the ledger's to the last digit.

What a cohort holds is the domain's rule (:func:`~o2c.credit.provisioning.cohort_items` over
the ledger's settlement trails as of ``as_of``, known at ``known_at``): the invoices of one
currency issued in the month (not a migration's stand-ins, which have no trail), each closed one
with its collections (kept allocations less their write-off parts), and each one still open
only once it is more than ``open_as_loss_after_days`` past due (its open part then never
collected).  Pooling the months gives the cohort of the whole range: the loss rates
:func:`~o2c.credit.provisioning.provision_from_ledger` takes from ``cohort_from`` to
``cohort_to``.

>>> import datetime as dt
>>> import pyarrow as pa
>>> from decimal import Decimal
>>> from o2c.adapters.duckdb import DuckDBEngine
>>> from o2c.portfolio import from_tables
>>> items = pa.table({"customer": ["A", "A", "B"], "kind": ["invoice"] * 3,
...     "document": [dt.date(2025, 1, 10), dt.date(2025, 1, 20), dt.date(2025, 2, 5)],
...     "due": [dt.date(2025, 2, 9), dt.date(2025, 2, 19), dt.date(2025, 3, 7)],
...     "amount": pa.array([100_000, 50_000, 20_000], pa.int64())})
>>> paid = pa.table({"item": pa.array([0, 1, 1, 2], pa.int64()),
...     "on": [dt.date(2025, 2, 9), dt.date(2025, 3, 1), dt.date(2025, 6, 1),
...            dt.date(2025, 3, 1)],
...     "amount": pa.array([100_000, 30_000, 20_000, 20_000], pa.int64()),
...     "cause": ["allocation", "allocation", "write_off", "allocation"],
...     "written_off": pa.array([0, 0, 20_000, 0], pa.int64())})
>>> model = from_tables(items, paid, currency_code="EUR")
>>> cohorts = portfolio_cohort_loss_rates(model, dt.date(2025, 12, 31), DuckDBEngine(threads=1),
...     currency_code="EUR", issued_from=dt.date(2025, 1, 1), issued_to=dt.date(2025, 2, 28))
>>> [(c.month.isoformat(), c.items, str(c.rates.never_collected)) for c in cohorts.months]
[('2025-01-01', 2, '200.00'), ('2025-02-01', 1, '0.00')]
>>> [str(a) for a in cohorts.months[0].rates.open_on_entering]
['1500.00', '500.00', '200.00', '200.00', '200.00']
>>> [str(r.quantize(Decimal("0.0001"))) for r in cohorts.pooled.rates]
['0.1176', '0.4000', '1.0000', '1.0000', '1.0000']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs

from o2c.credit.provisioning import (
    DEFAULT_BUCKETS,
    AgeBucket,
    CohortLossRates,
    loss_rates_from_flows,
)
from o2c.errors import ValidationError
from o2c.money import currency, from_minor
from o2c.portfolio.engine import Engine, Kernel, run
from o2c.portfolio.items import date_sql, known_filter
from o2c.portfolio.model import CAUSE_CODES, KIND_CODES, ReadModel

__all__ = [
    "CohortMonth",
    "MonthlyCohorts",
    "cohort_kernel",
    "cohort_table",
    "portfolio_cohort_loss_rates",
]


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _undone(alias: str, as_of: dt.date, known_at: dt.datetime | None) -> str:
    """The condition "the allocation row ``alias`` was undone by a reversal effective by
    ``as_of`` and recorded by ``known_at``" (the ledger's trails then drop it)."""
    recorded = known_filter(alias, known_at).replace(
        f"{alias}.recorded", f"{alias}.reversed_recorded"
    )
    return (
        f"({alias}.reversed_on IS NOT NULL AND {alias}.reversed_on <= {date_sql(as_of)} "
        f"AND {recorded})"
    )


def _checked(issued_from: dt.date, issued_to: dt.date, open_as_loss_after_days: int | None) -> None:
    if issued_to < issued_from:
        raise ValidationError(
            f"issued_to={issued_to} is before issued_from={issued_from}: give the cohort's first "
            "and last issue dates",
            field="issued_to",
            value=issued_to,
        )
    if open_as_loss_after_days is not None and open_as_loss_after_days < 0:
        raise ValidationError(
            f"open_as_loss_after_days={open_as_loss_after_days} must be 0 or more days (None: "
            "open items never count)",
            field="open_as_loss_after_days",
            value=open_as_loss_after_days,
        )


def cohort_kernel(
    as_of: dt.date,
    *,
    currency_code: str,
    issued_from: dt.date,
    issued_to: dt.date,
    known_at: dt.datetime | None = None,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
    open_as_loss_after_days: int | None = 365,
) -> Kernel:
    """Per customer and issue month (``month``, its first day): the cohort's ``items``, the
    amount open on entering each bucket (``e0`` ...) and the amount ``never`` collected (minor
    units); combined into one row per month.

    Raises:
        ValidationError: ``issued_to`` before ``issued_from``, a negative
            ``open_as_loss_after_days`` or a naive ``known_at``.
    """
    _checked(issued_from, issued_to, open_as_loss_after_days)
    code = currency(currency_code).code
    day = date_sql(as_of)
    allocation = CAUSE_CODES["allocation"]
    entered = ", ".join(
        f"CAST(SUM(amount) AS BIGINT) AS e{i}"
        if b.min_days is None
        else f"CAST(SUM(GREATEST(amount - COALESCE(before{i}, 0), 0)) AS BIGINT) AS e{i}"
        for i, b in enumerate(buckets)
    )
    befores = "".join(
        f', SUM(st.collected) FILTER (WHERE st."on" - it.due < {int(b.min_days)}) AS before{i}'
        for i, b in enumerate(buckets)
        if b.min_days is not None
    )
    counted = "closed"
    if open_as_loss_after_days is not None:
        counted = f"(closed OR {day} - due > {int(open_as_loss_after_days)})"
    sql = f"""
        WITH it AS (
            SELECT i.item, i.customer, i.amount, i.due,
                   CAST(date_trunc('month', i.document) AS DATE) AS month
            FROM items i
            WHERE i.kind = {KIND_CODES["invoice"]} AND i.currency = {_quoted(code)}
              AND NOT i.stand_in AND i.issued <= {day} AND {known_filter("i", known_at)}
              AND i.document >= {date_sql(issued_from)} AND i.document <= {date_sql(issued_to)}
        ),
        st AS (
            SELECT s.item, s."on", s.amount,
                   CASE WHEN s.cause = {allocation} AND NOT {_undone("s", as_of, known_at)}
                        THEN s.amount - COALESCE(s.written_off, 0) ELSE 0 END AS collected
            FROM settlements s
            WHERE s."on" <= {day} AND {known_filter("s", known_at)}
        ),
        per_item AS (
            SELECT it.item, it.customer, it.month, it.amount, it.due,
                   it.amount - COALESCE(SUM(st.amount), 0) <= 0 AS closed,
                   COALESCE(SUM(st.collected), 0) AS collected_all{befores}
            FROM it LEFT JOIN st ON st.item = it.item
            GROUP BY it.item, it.customer, it.month, it.amount, it.due
        )
        SELECT customer, month, COUNT(*) AS items, {entered},
               CAST(SUM(GREATEST(amount - collected_all, 0)) AS BIGINT) AS never
        FROM per_item
        WHERE {counted}
        GROUP BY customer, month
        ORDER BY customer, month
    """
    names = [f"e{i}" for i in range(len(buckets))]
    sums = ", ".join(f"CAST(SUM({n}) AS BIGINT) AS {n}" for n in names)
    combine = f"""
        SELECT month, CAST(SUM(items) AS BIGINT) AS items, {sums},
               CAST(SUM(never) AS BIGINT) AS never
        FROM partial GROUP BY month ORDER BY month
    """
    return Kernel(name="cohorts", sql=sql, order=("customer", "month"), combine=combine)


def cohort_table(
    model: ReadModel,
    as_of: dt.date,
    engine: Engine,
    *,
    currency_code: str,
    issued_from: dt.date,
    issued_to: dt.date,
    known_at: dt.datetime | None = None,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
    open_as_loss_after_days: int | None = 365,
    by_customer: bool = False,
) -> Any:
    """The cohorts' flows as an Arrow table (minor units): one row per issue month (per
    customer and month with ``by_customer``), see :func:`cohort_kernel`."""
    kernel = cohort_kernel(
        as_of,
        currency_code=currency_code,
        issued_from=issued_from,
        issued_to=issued_to,
        known_at=known_at,
        buckets=buckets,
        open_as_loss_after_days=open_as_loss_after_days,
    )
    if by_customer:
        kernel = attrs.evolve(kernel, combine=None)
    return run(engine, kernel, model)


@attrs.frozen(kw_only=True)
class CohortMonth:
    """One issue-month cohort: its first day, how many invoice items it holds, its loss rates
    (the domain's :class:`~o2c.credit.provisioning.CohortLossRates`, with the flows)."""

    month: dt.date
    items: int
    rates: CohortLossRates


@attrs.frozen(kw_only=True)
class MonthlyCohorts:
    """The issue-month cohorts from ``issued_from`` to ``issued_to`` (every month, empty ones
    too) and the pooled cohort of the whole range."""

    currency: str
    months: tuple[CohortMonth, ...]
    pooled: CohortLossRates


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out = []
    day = first.replace(day=1)
    while day <= last:
        out.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def _rates(
    labels: tuple[str, ...], entered: Sequence[int], never: int, code: str
) -> CohortLossRates:
    flows = tuple(from_minor(units, code).amount for units in entered)
    lost = from_minor(never, code).amount
    return CohortLossRates(
        buckets=labels,
        open_on_entering=flows,
        never_collected=lost,
        rates=loss_rates_from_flows(flows, lost),
    )


def portfolio_cohort_loss_rates(
    model: ReadModel,
    as_of: dt.date,
    engine: Engine,
    *,
    currency_code: str,
    issued_from: dt.date,
    issued_to: dt.date,
    known_at: dt.datetime | None = None,
    buckets: Sequence[AgeBucket] = DEFAULT_BUCKETS,
    open_as_loss_after_days: int | None = 365,
) -> MonthlyCohorts:
    """The loss rates of each issue-month cohort and of the range pooled.

    Month ``m``'s rates are :func:`~o2c.credit.provisioning.cohort_loss_rates` over
    :func:`~o2c.credit.provisioning.cohort_items` of the ledger's trails (as of ``as_of``, known
    at ``known_at``, in ``currency_code``) issued in ``m`` (within ``issued_from`` ..
    ``issued_to``); the pooled rates are those of the whole range.

    Raises:
        ValidationError: see :func:`cohort_kernel`.
    """
    code = currency(currency_code).code
    table = cohort_table(
        model,
        as_of,
        engine,
        currency_code=code,
        issued_from=issued_from,
        issued_to=issued_to,
        known_at=known_at,
        buckets=buckets,
        open_as_loss_after_days=open_as_loss_after_days,
    )
    labels = tuple(b.label for b in buckets)
    width = len(buckets)
    rows = {r["month"]: r for r in table.to_pylist()}
    months = []
    pooled = [0] * width
    pooled_never = 0
    for month in _months(issued_from, issued_to):
        row = rows.get(month)
        entered = [int(row[f"e{i}"]) for i in range(width)] if row else [0] * width
        never = int(row["never"]) if row else 0
        pooled = [a + b for a, b in zip(pooled, entered, strict=True)]
        pooled_never += never
        months.append(
            CohortMonth(
                month=month,
                items=int(row["items"]) if row else 0,
                rates=_rates(labels, entered, never, code),
            )
        )
    return MonthlyCohorts(
        currency=code, months=tuple(months), pooled=_rates(labels, pooled, pooled_never, code)
    )
