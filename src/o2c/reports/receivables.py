"""Receivables reports: the aged trial balance, the statement of account, open items and the
monthly DSO / CEI / ADD trend.

Each reads the ledger once through its read model (:meth:`o2c.ledger.Ledger.read`) and lays out
what :mod:`o2c.receivables` computes (the aging, the period figures and KPIs).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
from moneyed import Money

from o2c.errors import ValidationError
from o2c.ledger import ActivityKind, ActivityLine, History, Ledger, read
from o2c.ledger.history import Projection
from o2c.money import currency
from o2c.receivables.aging import AgedItem, AgingReport, AgingRow, BucketScheme, age
from o2c.receivables.kpi import (
    Kpi,
    PeriodFigures,
    kpi_summary,
    net_credit_sales_and_write_offs,
)
from o2c.reports.columns import LedgerColumns, columns_for
from o2c.reports.model import (
    Cell,
    Chart,
    ChartKind,
    Column,
    ColumnKind,
    Figure,
    Label,
    Series,
    Table,
    sum_by_currency,
)
from o2c.reports.report import DatedReport, LedgerReport

if TYPE_CHECKING:
    from o2c.portfolio import Engine, ReadModel

__all__ = [
    "AgedBalance",
    "AgedItems",
    "DsoMonth",
    "DsoTrend",
    "OpenItems",
    "StatementLine",
    "StatementOfAccount",
    "aged_balance",
    "aging_columns",
    "detail_table",
    "dso_trend",
    "main_currency",
    "main_currency_of",
    "open_items_report",
    "report_currency",
    "statement",
]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


def _bucket_key(label: str) -> str:
    return "days_" + label.replace("-", "_").replace("+", "_plus")


def aging_columns(scheme: BucketScheme) -> tuple[Column, ...]:
    """The money columns of an aging row: not due, one per bucket (its label), credits."""
    buckets = tuple(Column(_bucket_key(b), ColumnKind.MONEY, label=b) for b in scheme.labels)
    return (
        Column("not_due", ColumnKind.MONEY),
        *buckets,
        Column("credits", ColumnKind.MONEY),
    )


def _row_cells(row: AgingRow) -> tuple[Cell, ...]:
    return (*row.columns, row.balance)


def _aging_figures(aging: AgingReport) -> tuple[Figure, ...]:
    out = []
    for total in aging.totals:
        out.append(Figure(key="figure.balance", value=total.balance.amount, unit=total.currency))
        out.append(Figure(key="figure.overdue", value=total.overdue.amount, unit=total.currency))
    return tuple(out)


def _aging_charts(aging: AgingReport) -> tuple[Chart, ...]:
    labels = (Label("not_due"), *aging.scheme.labels, Label("credits"))
    return tuple(
        Chart(
            key="chart.aging",
            kind=ChartKind.BAR,
            categories=labels,
            series=(Series(key="series.amount", values=tuple(c.amount for c in t.columns)),),
            unit=t.currency,
        )
        for t in aging.totals
    )


def _bucket_label(labels: Sequence[str], column: int) -> str:
    if column < 0:
        return Label("not_due")
    if column == len(labels) - 2:
        return Label("credits")
    return labels[column + 1]


def detail_table(items: Sequence[AgedItem], labels: Sequence[str]) -> Table:
    columns = (
        Column("customer_id"),
        Column("document_number"),
        Column("item_id"),
        Column("kind"),
        Column("document_date", ColumnKind.DATE),
        Column("due_date", ColumnKind.DATE),
        Column("currency"),
        Column("original", ColumnKind.MONEY),
        Column("open_amount", ColumnKind.MONEY),
        Column("disputed", ColumnKind.MONEY),
        Column("age_days", ColumnKind.INTEGER),
        Column("bucket"),
    )
    rows = tuple(
        (
            a.item.customer_id,
            a.item.document_number,
            a.item.item_id,
            Label(f"kind.{a.item.kind.value}"),
            a.item.document_date,
            a.item.due_date,
            a.item.open_amount.currency.code,
            a.item.original_amount,
            a.item.open_amount,
            a.item.disputed_amount,
            a.age_days,
            _bucket_label(labels, a.column),
        )
        for a in items
    )
    totals = sum_by_currency(a.item.open_amount for a in items)
    total_rows = tuple(
        (
            Label("total"),
            "",
            "",
            "",
            None,
            None,
            code,
            None,
            Money(amount, currency(code)),
            None,
            None,
            "",
        )
        for code, amount in totals.items()
    )
    return Table(columns=columns, rows=rows, totals=total_rows, title="items")


# --------------------------------------------------------------------------------------------
# Aged trial balance


@attrs.frozen(kw_only=True)
class AgedBalance(LedgerReport):
    """The aged trial balance: per customer and currency the aging columns and the balance
    (:class:`o2c.receivables.AgingReport`); with ``detail`` the aged items too."""

    name: ClassVar[str] = "aged-balance"
    aging: AgingReport
    detail: bool = False

    def table(self) -> Table:
        columns = (
            Column("customer_id"),
            Column("currency"),
            *aging_columns(self.aging.scheme),
            Column("balance", ColumnKind.MONEY),
            Column("items", ColumnKind.INTEGER),
        )
        rows = tuple(
            (r.customer_id, r.currency, *_row_cells(r), r.item_count) for r in self.aging.rows
        )
        totals = tuple(
            (Label("total"), r.currency, *_row_cells(r), r.item_count) for r in self.aging.totals
        )
        return Table(columns=columns, rows=rows, totals=totals)

    def tables(self) -> tuple[Table, ...]:
        if not self.detail:
            return (self.table(),)
        return (self.table(), detail_table(self.aging.items, self.aging.column_labels))

    def figures(self) -> tuple[Figure, ...]:
        return _aging_figures(self.aging)

    def charts(self) -> tuple[Chart, ...]:
        return _aging_charts(self.aging)


def aged_balance(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    detail: bool = False,
    scheme: BucketScheme | None = None,
    engine: Engine | None = None,
    columns: LedgerColumns | None = None,
) -> AgedBalance:
    """The aged trial balance of the ledger on ``as_of`` as known at ``known_at``.

    With an ``engine`` (:mod:`o2c.portfolio`: DuckDB embedded, Dask distributed) the ledger is
    read as columns and aged there, for ledgers of millions of items; the answer is the same
    (a property test holds the portfolio aging equal to the domain's), without item detail.
    ``columns`` is the ledger read so already (:func:`o2c.reports.columns.ledger_columns`, of
    the same ``customer_id``), for several reports on one read.
    """
    if engine is not None:
        if detail:
            raise ValidationError(
                "the item detail comes from the domain path: leave out the engine or the detail",
                field="detail",
                value=detail,
            )
        from o2c.portfolio import age_portfolio

        model = columns_for(ledger, customer_id, columns).model
        aging = age_portfolio(model, as_of, engine, known_at=known_at, scheme=scheme)
        return AgedBalance(as_of=as_of, known_at=known_at, aging=aging, customer_id=customer_id)
    items = ledger.open_items(as_of, known_at=known_at, customer_id=customer_id)
    aging = age(items, as_of, scheme=scheme, detail=detail, known_at=known_at)
    return AgedBalance(
        as_of=as_of, known_at=known_at, aging=aging, detail=detail, customer_id=customer_id
    )


# --------------------------------------------------------------------------------------------
# Open items


@attrs.frozen(kw_only=True)
class AgedItems(LedgerReport):
    """Items open on ``as_of``, one row each with its age and bucket (an aging's detail):
    the base of :class:`OpenItems` and :class:`o2c.reports.cash.Unapplied`."""

    aging: AgingReport

    def table(self) -> Table:
        return detail_table(self.aging.items, self.aging.column_labels)


@attrs.frozen(kw_only=True)
class OpenItems(AgedItems):
    """Every item open on ``as_of`` with its age and bucket (credits negative)."""

    name: ClassVar[str] = "open-items"

    def figures(self) -> tuple[Figure, ...]:
        count = Figure(key="figure.items", value=Decimal(len(self.aging.items)), unit="count")
        return (count, *_aging_figures(self.aging))


def open_items_report(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    scheme: BucketScheme | None = None,
) -> OpenItems:
    """The items open on ``as_of`` as known at ``known_at``, aged."""
    items = ledger.open_items(as_of, known_at=known_at, customer_id=customer_id)
    aging = age(items, as_of, scheme=scheme, detail=True, known_at=known_at)
    return OpenItems(as_of=as_of, known_at=known_at, aging=aging, customer_id=customer_id)


# --------------------------------------------------------------------------------------------
# Statement of account


@attrs.frozen(kw_only=True)
class StatementLine:
    """One movement of the statement with the running balance (in its currency) after it."""

    on: dt.date
    document: str
    kind: ActivityKind
    amount: Money
    balance: Money


@attrs.frozen(kw_only=True)
class StatementOfAccount(DatedReport):
    """A customer's statement of account: balance forward on the day before ``start``, the
    movements from ``start`` to ``as_of`` with running balances, the closing balance and its
    aging, per currency.

    The aging's columns of each currency sum to that currency's closing balance (the closing
    balance is the forward balance plus the movements; the aging ages the open items of the same
    read model).
    """

    name: ClassVar[str] = "statement"
    customer_id: str
    customer_name: str = ""
    start: dt.date
    forward: tuple[Money, ...]
    lines: tuple[StatementLine, ...]
    closing: tuple[Money, ...]
    aging: AgingReport
    #: An EPC / Swiss QR payment code (SVG) for the closing balance, when one was asked for.
    qr_svg: str = ""

    def table(self) -> Table:
        columns = (
            Column("on", ColumnKind.DATE),
            Column("document"),
            Column("kind"),
            Column("currency"),
            Column("amount", ColumnKind.MONEY),
            Column("balance", ColumnKind.MONEY),
        )
        rows: list[tuple[Cell, ...]] = []
        before = self.start - dt.timedelta(days=1)
        for amount in self.forward:
            code = amount.currency.code
            rows.append((before, "", Label("balance_forward"), code, None, amount))
        rows.extend(
            (
                line.on,
                line.document,
                Label(f"kind.{line.kind.value}"),
                line.amount.currency.code,
                line.amount,
                line.balance,
            )
            for line in self.lines
        )
        totals = tuple(
            (Label("closing_balance"), "", "", m.currency.code, None, m) for m in self.closing
        )
        return Table(columns=columns, rows=tuple(rows), totals=totals, title="statement_lines")

    def aging_table(self) -> Table:
        """The aging of the closing balance, one row per currency."""
        columns = (
            Column("currency"),
            *aging_columns(self.aging.scheme),
            Column("balance", ColumnKind.MONEY),
        )
        rows = tuple((r.currency, *_row_cells(r)) for r in self.aging.totals)
        return Table(columns=columns, rows=rows, title="statement_aging")

    def tables(self) -> tuple[Table, ...]:
        return (self.table(), self.aging_table())

    def figures(self) -> tuple[Figure, ...]:
        out = [
            Figure(key="closing_balance", value=m.amount, unit=m.currency.code)
            for m in self.closing
        ]
        out += [
            Figure(key="figure.overdue", value=t.overdue.amount, unit=t.currency)
            for t in self.aging.totals
        ]
        return tuple(out)

    def charts(self) -> tuple[Chart, ...]:
        return _aging_charts(self.aging)

    def subject(self) -> str:
        return f"{self.customer_id} {self.customer_name}".strip()


def statement(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    start: dt.date | None = None,
    scheme: BucketScheme | None = None,
    payee_name: str | None = None,
    payee_iban: str | None = None,
) -> StatementOfAccount:
    """The statement of account of ``customer_id`` from ``start`` (default: the first day of
    ``as_of``'s month) to ``as_of``, as known at ``known_at``.

    With ``payee_name`` and ``payee_iban`` (your account) a statement whose closing balance in
    euro is due carries an EPC QR code (:func:`o2c.invoice.qr.epc_payload`, the ``qr`` extra)
    for a SEPA transfer of that balance.

    Raises:
        ValidationError: no customer named, or ``start`` after ``as_of``.
        QRCodeError: a payee the EPC code does not allow (a bad IBAN, a name too long).
    """
    if not customer_id:
        raise ValidationError(
            "a statement is of one customer: name it (customer_id, --customer)",
            field="customer_id",
            value=customer_id,
        )
    start = start or as_of.replace(day=1)
    if start > as_of:
        raise ValidationError(
            f"start={start} is after as_of={as_of}", field="start", value=start.isoformat()
        )
    history = ledger.read(as_of, known_at=known_at, customer_id=customer_id)
    found = statement_from_history(
        history, customer_id, as_of=as_of, known_at=known_at, start=start, scheme=scheme
    )
    if payee_name and payee_iban:
        found = attrs.evolve(found, qr_svg=_epc_svg(found, payee_name, payee_iban))
    return found


def _epc_svg(found: StatementOfAccount, name: str, iban: str) -> str:
    """The EPC QR code of the statement's closing balance in euro ("" when none is due)."""
    from o2c.invoice.qr import epc_payload, render_svg

    due = next((m for m in found.closing if m.currency.code == "EUR" and m.amount > 0), None)
    if due is None:
        return ""
    payload = epc_payload(
        name=name, iban=iban, amount=due, text=f"{found.customer_id} {found.as_of.isoformat()}"
    )
    return render_svg(payload).decode("utf-8")


def statement_from_history(
    history: History,
    customer_id: str,
    *,
    as_of: dt.date,
    start: dt.date,
    known_at: dt.datetime | None = None,
    scheme: BucketScheme | None = None,
) -> StatementOfAccount:
    """The statement of a customer from its read model (see :func:`statement`)."""
    movements = [m for m in history.movements if m.on <= as_of]
    before = [m for m in movements if m.on < start]
    forward = sum_by_currency(m.amount for m in before)
    running = dict(forward)
    lines = []
    for m in sorted((m for m in movements if m.on >= start), key=lambda m: m.on):
        code = m.amount.currency.code
        running[code] = running.get(code, _ZERO) + m.amount.amount
        lines.append(
            StatementLine(
                on=m.on,
                document=m.document,
                kind=m.kind,
                amount=m.amount,
                balance=Money(running[code], m.amount.currency),
            )
        )
    aging = age(history.open_items(), as_of, scheme=scheme, detail=False, known_at=known_at)
    codes = sorted({*running, *aging.currencies})
    record = history.customer_master().customers.get(customer_id)  # type: ignore[call-overload]
    return StatementOfAccount(
        as_of=as_of,
        known_at=known_at,
        customer_id=customer_id,
        customer_name=record.name if record is not None else "",
        start=start,
        forward=tuple(Money(forward[c], currency(c)) for c in sorted(forward)),
        lines=tuple(lines),
        closing=tuple(Money(running.get(c, _ZERO), currency(c)) for c in codes),
        aging=aging,
    )


# --------------------------------------------------------------------------------------------
# DSO / CEI / ADD trend


@attrs.frozen(kw_only=True)
class DsoMonth:
    """One month of the trend: its figures and the KPIs (``None`` where undefined)."""

    figures: PeriodFigures
    dso: Decimal | None
    best_dso: Decimal | None
    add: Decimal | None
    cei: Decimal | None


@attrs.frozen(kw_only=True)
class DsoTrend(DatedReport):
    """DSO, best possible DSO, ADD (average days delinquent) and CEI per calendar month, from
    :func:`o2c.receivables.kpi.kpi_summary` over each month's figures."""

    name: ClassVar[str] = "dso-trend"
    currency: str
    months: tuple[DsoMonth, ...]

    def table(self) -> Table:
        columns = (
            Column("month", ColumnKind.DATE),
            Column("currency"),
            Column("credit_sales", ColumnKind.MONEY),
            Column("receivables", ColumnKind.MONEY),
            Column("current_receivables", ColumnKind.MONEY),
            Column("dso", ColumnKind.NUMBER),
            Column("best_dso", ColumnKind.NUMBER),
            Column("add", ColumnKind.NUMBER),
            Column("cei", ColumnKind.PERCENT),
        )
        rows = tuple(
            (
                m.figures.end,
                self.currency,
                m.figures.credit_sales,
                m.figures.ending_receivables,
                m.figures.ending_current_receivables,
                m.dso,
                m.best_dso,
                m.add,
                m.cei,
            )
            for m in self.months
        )
        return Table(columns=columns, rows=rows)

    def figures(self) -> tuple[Figure, ...]:
        if not self.months:
            return ()
        last = self.months[-1]
        out = []
        for key, value, unit in (
            ("figure.dso", last.dso, "days"),
            ("figure.cei", last.cei, "%"),
            ("figure.add", last.add, "days"),
        ):
            if value is not None:
                out.append(Figure(key=key, value=value, unit=unit))
        return tuple(out)

    def charts(self) -> tuple[Chart, ...]:
        if not self.months:
            return ()
        return (
            Chart(
                key="chart.trend",
                kind=ChartKind.LINE,
                categories=tuple(m.figures.end for m in self.months),
                series=(
                    Series(key="series.dso", values=tuple(m.dso or _ZERO for m in self.months)),
                    Series(key="series.add", values=tuple(m.add or _ZERO for m in self.months)),
                ),
                unit="days",
            ),
        )


def _month_ends(as_of: dt.date, months: int) -> list[dt.date]:
    """The last ``months`` month ends up to ``as_of`` (``as_of`` itself last), oldest first,
    preceded by the end of the month before the first."""
    ends = [as_of]
    first = as_of.replace(day=1)
    for _ in range(months):
        first = first - dt.timedelta(days=1)
        ends.append(first)
        first = first.replace(day=1)
    return ends[::-1]


def _kpi(kpis: Sequence[Kpi], name: str) -> Decimal | None:
    return next((k.value for k in kpis if k.name == name), None)


def report_currency(currency_code: str | None, default: Callable[[], str]) -> str:
    """``currency_code`` in capitals, or ``default()`` when none is given (the ledger's main
    currency: read only when it is needed)."""
    return currency_code.upper() if currency_code else default()


def main_currency(history: History) -> str:
    """The currency most of the history's items and payments are in (EUR for an empty one)."""
    counts: dict[str, int] = {}
    for item in history.items.values():
        counts[item.currency] = counts.get(item.currency, 0) + 1
    if not counts:
        return "EUR"
    return max(sorted(counts), key=lambda c: counts[c])


def dso_trend(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    months: int = 12,
    currency_code: str | None = None,
    engine: Engine | None = None,
    columns: LedgerColumns | None = None,
) -> DsoTrend:
    """DSO, CEI and ADD for each of the ``months`` calendar months up to ``as_of`` (the last
    month ends on ``as_of``), in ``currency_code`` (default: the ledger's most used currency).

    Each month's figures are those of
    :func:`o2c.receivables.kpi.period_figures_from_ledger` (balances at both ends, net credit
    sales and write-offs effective in the month), from the facts read once: each month end's
    open items (the read model's projection) and the movements of one read as of ``as_of``.
    With an ``engine`` (and ``columns``) as :func:`aged_balance`.
    """
    if not 1 <= months <= 120:
        raise ValidationError(f"months={months} must be 1 to 120", field="months", value=months)
    if engine is not None:
        model = columns_for(ledger, customer_id, columns).model
        return _dso_trend_on(engine, model, as_of, known_at, months, currency_code)
    facts = list(ledger.facts(customer_id))
    ends = _month_ends(as_of, months)
    history = read(facts, as_of, known_at=known_at)
    code = report_currency(currency_code, lambda: main_currency(history))
    cur = currency(code)
    # net credit sales and write-offs by month, from the movements of one read as of as_of
    # (a movement is dated by its fact's effective date: those of a read as of a month's end
    # after its start are the month's, as period_figures_from_ledger reads them)
    sales, write_offs = _monthly_sales(history.movements, ends, code)
    previous: AgingReport | None = None
    out = []
    for i, end in enumerate(ends):
        items = Projection().feed_all(facts, end, known_at=known_at).open_items()
        aging = age(items, end, detail=False, known_at=known_at)
        if previous is not None:
            figures = PeriodFigures.from_agings(
                previous,
                aging,
                credit_sales=Money(sales[i - 1], cur),
                write_offs=Money(write_offs[i - 1], cur),
            )
            out.append(_month(figures))
        previous = aging
    return DsoTrend(as_of=as_of, known_at=known_at, currency=code, months=tuple(out))


def _dso_trend_on(
    engine: Engine,
    model: ReadModel,
    as_of: dt.date,
    known_at: dt.datetime | None,
    months: int,
    currency_code: str | None,
) -> DsoTrend:
    """The DSO trend from the portfolio engine's period figures (:func:`o2c.portfolio.
    portfolio_kpis`, property-tested equal to the domain's), each month's KPIs by the same
    :func:`_month`."""
    from o2c.portfolio import portfolio_kpis

    code = report_currency(currency_code, lambda: main_currency_of(model))
    periods = portfolio_kpis(model, _month_ends(as_of, months), engine, known_at=known_at)
    figures = sorted(
        (p.period, p.figures) for p in periods if p.customer_id is None and p.currency == code
    )
    return DsoTrend(
        as_of=as_of,
        known_at=known_at,
        currency=code,
        months=tuple(_month(f) for _, f in figures),
    )


def main_currency_of(model: ReadModel) -> str:
    """:func:`main_currency`'s rule over every item the read model holds (instalments, credit
    memos and payments' cash, whenever issued)."""
    counts: dict[str, int] = {}
    column: Any = model.items.column("currency")
    for code in column.to_pylist():
        counts[code] = counts.get(code, 0) + 1
    if not counts:
        return "EUR"
    return max(sorted(counts), key=lambda c: counts[c])


def _monthly_sales(
    movements: Sequence[ActivityLine], ends: Sequence[dt.date], code: str
) -> tuple[list[Decimal], list[Decimal]]:
    """Per month ``(ends[i], ends[i + 1]]``: the net credit sales and the write-offs in ``code``
    (:func:`o2c.receivables.kpi.net_credit_sales_and_write_offs` over the month's movements)."""
    sales: list[Decimal] = []
    write_offs: list[Decimal] = []
    for start, end in itertools.pairwise(ends):
        month = [m for m in movements if start < m.on <= end]
        dated, written = net_credit_sales_and_write_offs(month, code)
        sales.append(sum((a for _, a in dated), _ZERO))
        write_offs.append(written)
    return sales, write_offs


def _month(figures: PeriodFigures) -> DsoMonth:
    try:
        kpis = kpi_summary(figures)
    except ValidationError:  # no credit sales in the month: the ratios are undefined
        return DsoMonth(figures=figures, dso=None, best_dso=None, add=None, cei=None)
    return DsoMonth(
        figures=figures,
        dso=_kpi(kpis, "DSO"),
        best_dso=_kpi(kpis, "best possible DSO"),
        add=_kpi(kpis, "average days delinquent"),
        cei=_kpi(kpis, "CEI"),
    )
