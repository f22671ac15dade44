"""Credit reports: exposure against limits, the weekly cash-in forecast with its intervals, and
the IFRS 9 provision matrix.

They lay out :func:`o2c.credit.exposure.compute_exposure` (open receivables against the limits
of the customer master), :func:`o2c.credit.forecast.forecast_from_ledger` and
:func:`o2c.credit.provisioning.provision_from_ledger`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

import attrs
from moneyed import Money

from o2c.credit.exposure import CreditLimits, OpenReceivables, compute_exposure
from o2c.credit.forecast import WeeklyForecast, forecast_from_ledger
from o2c.credit.provisioning import (
    DEFAULT_BUCKETS,
    CohortLossRates,
    ProvisionMatrix,
    provision_from_ledger,
)
from o2c.ledger import Ledger, OpenItem
from o2c.ledger.customers import CustomerMaster
from o2c.money import CONTEXT, currency, from_minor
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
from o2c.reports.receivables import main_currency, main_currency_of, report_currency
from o2c.reports.report import DatedReport, LedgerReport

if TYPE_CHECKING:
    from o2c.portfolio import Engine

__all__ = [
    "ExposureReport",
    "ExposureRow",
    "ForecastReport",
    "ProvisionReport",
    "exposure",
    "forecast",
    "provision",
]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


# --------------------------------------------------------------------------------------------
# Exposure against limits


@attrs.frozen(kw_only=True)
class ExposureRow:
    """A customer's exposure (open receivables less disputed amounts, in the limit's currency)
    against its limit; ``limit`` is ``None`` for a customer without one."""

    customer_id: str
    customer_name: str
    exposure: Money
    limit: Money | None

    @property
    def headroom(self) -> Money | None:
        """Limit less exposure (negative: over the limit)."""
        return None if self.limit is None else self.limit - self.exposure

    @property
    def utilisation_percent(self) -> Decimal | None:
        """Exposure / limit x 100 (``None`` without a positive limit), unrounded."""
        if self.limit is None or self.limit.amount <= 0:
            return None
        return CONTEXT.divide(self.exposure.amount * _HUNDRED, self.limit.amount)


@attrs.frozen(kw_only=True)
class ExposureReport(LedgerReport):
    """Every customer with a limit or open receivables: exposure, limit, headroom and use,
    the most used limits first."""

    name: ClassVar[str] = "exposure"
    rows: tuple[ExposureRow, ...]

    def table(self) -> Table:
        columns = (
            Column("customer_id"),
            Column("customer_name"),
            Column("currency"),
            Column("limit", ColumnKind.MONEY),
            Column("exposure", ColumnKind.MONEY),
            Column("headroom", ColumnKind.MONEY),
            Column("utilisation", ColumnKind.PERCENT),
        )
        rows: tuple[tuple[Cell, ...], ...] = tuple(
            (
                r.customer_id,
                r.customer_name,
                r.exposure.currency.code,
                r.limit,
                r.exposure,
                r.headroom,
                r.utilisation_percent,
            )
            for r in self.rows
        )
        totals = tuple(
            (Label("total"), "", c, None, Money(v, currency(c)), None, None)
            for c, v in sum_by_currency(r.exposure for r in self.rows).items()
        )
        return Table(columns=columns, rows=rows, totals=totals)

    def figures(self) -> tuple[Figure, ...]:
        over = sum(1 for r in self.rows if r.headroom is not None and r.headroom.amount < 0)
        return (Figure(key="figure.over_limit", value=Decimal(over), unit="count"),)


def _limits_from_master(master: CustomerMaster) -> CreditLimits:
    return CreditLimits(
        customer={
            cid: rec.credit_limit
            for cid, rec in master.customers.items()
            if rec.credit_limit is not None
        },
        groups={
            cid: rec.credit_group
            for cid, rec in master.customers.items()
            if rec.credit_group is not None
        },
    )


def exposure(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    limits: CreditLimits | None = None,
    currency_code: str | None = None,
    engine: Engine | None = None,
    columns: LedgerColumns | None = None,
) -> ExposureReport:
    """Each customer's open receivables (disputed amounts left out, as
    :class:`o2c.credit.exposure.OpenReceivables` counts them) against its limit: ``limits``, or
    the credit limits of the customer master.  The exposure is in the limit's currency (items
    in other currencies are not converted: they are left out); a customer without a limit is
    shown in ``currency_code`` (default: the ledger's most used currency).

    With an ``engine`` (and ``columns``, see :func:`o2c.reports.receivables.aged_balance`) the
    open sums per customer and currency come from the engine; the columnar model carries
    neither the customer master nor disputes, so both come from the ledger's read model as on
    the domain path (a customer with a disputed item is summed there), and the report is the
    domain's.  The default currency is then the one most of the read model's items are in
    (:func:`o2c.reports.receivables.main_currency_of`).
    """
    if engine is not None:
        return _exposure_on(
            engine,
            columns_for(ledger, customer_id, columns),
            ledger,
            as_of=as_of,
            known_at=known_at,
            limits=limits,
            currency_code=currency_code,
        )
    history = ledger.read(as_of, known_at=known_at, customer_id=customer_id)
    by_customer: dict[str, list[OpenItem]] = {}
    for item in history.open_items():
        by_customer.setdefault(item.customer_id, []).append(item)
    fallback = report_currency(currency_code, lambda: main_currency(history))

    def open_receivables(cid: str, code: str) -> Money:
        items = [i for i in by_customer.get(cid, ()) if i.open_amount.currency.code == code]
        return _open_receivables(cid, code, items, as_of)

    return _exposure_report(
        as_of,
        known_at,
        customer_id,
        history.customer_master(),
        limits,
        set(by_customer),
        fallback,
        open_receivables,
    )


def _open_receivables(cid: str, code: str, items: list[OpenItem], as_of: dt.date) -> Money:
    """The domain's exposure of one customer in ``code`` (open items less disputed parts)."""
    found = compute_exposure(cid, as_of=as_of, currency=code, components=[OpenReceivables(items)])
    return found.total


def _exposure_report(
    as_of: dt.date,
    known_at: dt.datetime | None,
    customer_id: str | None,
    master: CustomerMaster,
    limits: CreditLimits | None,
    with_items: set[str],
    fallback: str,
    open_receivables: Callable[[str, str], Money],
) -> ExposureReport:
    """The report's rows: each customer with open items or a limit, in its limit's currency
    (``fallback`` without one), ``open_receivables`` its exposure; the most used first."""
    limits = limits or _limits_from_master(master)
    names: dict[str, str] = {cid: rec.name for cid, rec in master.customers.items()}
    customers = sorted({*with_items, *limits.customer} - {""})
    if customer_id is not None:
        customers = [c for c in customers if c == customer_id]
    rows = []
    for cid in customers:
        limit = limits.resolve(cid).amount
        code = limit.currency.code if limit is not None else fallback
        rows.append(
            ExposureRow(
                customer_id=cid,
                customer_name=names.get(cid, ""),
                exposure=open_receivables(cid, code),
                limit=limit,
            )
        )
    rows.sort(key=lambda r: (-(r.utilisation_percent or Decimal(-1)), r.customer_id))
    return ExposureReport(as_of=as_of, known_at=known_at, rows=tuple(rows), customer_id=customer_id)


def _exposure_on(
    engine: Engine,
    columns: LedgerColumns,
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None,
    limits: CreditLimits | None,
    currency_code: str | None,
) -> ExposureReport:
    """:func:`exposure` with the open sums from the engine (see there)."""
    from o2c.portfolio import run
    from o2c.portfolio.items import check_not_over_applied
    from o2c.reports.kernels import open_sums_kernel

    table = run(engine, open_sums_kernel(as_of, known_at=known_at), columns.model).to_pylist()
    check_not_over_applied([r["over_applied"] for r in table], as_of)
    sums = {(r["customer"], r["currency"]): int(r["open"]) for r in table}
    # the columnar model carries neither the customer master nor disputes: the ledger's read
    # model gives both, and the open items of the customers with an open dispute
    history = ledger.read(as_of, known_at=known_at, customer_id=columns.customer_id)
    by_customer: dict[str, list[OpenItem]] = {}
    for item in history.open_items():
        by_customer.setdefault(item.customer_id, []).append(item)
    disputing = {cid for cid, items in by_customer.items() if any(i.disputed_amount for i in items)}

    def open_receivables(cid: str, code: str) -> Money:
        if cid in disputing:  # the disputed parts are the domain's
            items = [i for i in by_customer[cid] if i.open_amount.currency.code == code]
            return _open_receivables(cid, code, items, as_of)
        return from_minor(sums.get((cid, code), 0), code)

    fallback = report_currency(currency_code, lambda: main_currency_of(columns.model))
    return _exposure_report(
        as_of,
        known_at,
        columns.customer_id,
        history.customer_master(),
        limits,
        {cid for cid, _ in sums},
        fallback,
        open_receivables,
    )


# --------------------------------------------------------------------------------------------
# Cash-in forecast


@attrs.frozen(kw_only=True)
class ForecastReport(DatedReport):
    """The weekly cash-in forecast (:class:`o2c.credit.forecast.WeeklyForecast`): expected
    cash-in per week with its interval, and what is expected later."""

    name: ClassVar[str] = "forecast"
    forecast: WeeklyForecast

    def table(self) -> Table:
        columns = (
            Column("week_start", ColumnKind.DATE),
            Column("week_end", ColumnKind.DATE),
            Column("currency"),
            Column("expected", ColumnKind.MONEY),
            Column("low", ColumnKind.MONEY),
            Column("high", ColumnKind.MONEY),
            Column("point", ColumnKind.MONEY),
        )
        code = self.forecast.currency
        rows = tuple(
            (w.start, w.end, code, w.expected, w.low, w.high, w.point) for w in self.forecast.weeks
        )
        total = self.forecast.total_expected
        point = Money(sum((w.point.amount for w in self.forecast.weeks), _ZERO), currency(code))
        totals = ((Label("total"), None, code, total, None, None, point),)
        return Table(columns=columns, rows=rows, totals=totals)

    def figures(self) -> tuple[Figure, ...]:
        code = self.forecast.currency
        return (
            Figure(key="figure.expected", value=self.forecast.total_expected.amount, unit=code),
            Figure(key="figure.beyond", value=self.forecast.beyond.amount, unit=code),
        )

    def charts(self) -> tuple[Chart, ...]:
        weeks = self.forecast.weeks
        return (
            Chart(
                key="chart.forecast",
                kind=ChartKind.BAND,
                categories=tuple(w.start for w in weeks),
                series=(
                    Series(key="series.expected", values=tuple(w.expected.amount for w in weeks)),
                    Series(key="series.low", values=tuple(w.low.amount for w in weeks)),
                    Series(key="series.high", values=tuple(w.high.amount for w in weeks)),
                ),
                unit=self.forecast.currency,
            ),
        )


def forecast(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    currency_code: str | None = None,
    weeks: int = 13,
) -> ForecastReport:
    """The cash-in forecast of the next ``weeks`` weeks after ``as_of`` in ``currency_code``
    (default: the ledger's most used currency), from
    :func:`o2c.credit.forecast.forecast_from_ledger` (the whole portfolio's payment history
    teaches the model; ``customer_id`` is not a filter of this report)."""
    code = report_currency(
        currency_code, lambda: main_currency(ledger.read(as_of, known_at=known_at))
    )
    _, found = forecast_from_ledger(
        ledger, as_of=as_of, currency_code=code, known_at=known_at, weeks=weeks
    )
    return ForecastReport(as_of=as_of, known_at=known_at, forecast=found)


# --------------------------------------------------------------------------------------------
# Provision matrix


@attrs.frozen(kw_only=True)
class ProvisionReport(DatedReport):
    """The IFRS 9 provision matrix on ``as_of`` with the cohort loss rates behind it."""

    name: ClassVar[str] = "provision"
    rates: CohortLossRates
    matrix: ProvisionMatrix
    cohort_from: dt.date
    cohort_to: dt.date

    def table(self) -> Table:
        columns = (
            Column("bucket"),
            Column("currency"),
            Column("gross", ColumnKind.MONEY),
            Column("loss_rate", ColumnKind.PERCENT),
            Column("adjusted_rate", ColumnKind.PERCENT),
            Column("provision", ColumnKind.MONEY),
        )
        code = self.matrix.currency
        rows = tuple(
            (
                Label("not_due") if r.bucket == "current" else r.bucket,
                code,
                r.gross,
                r.loss_rate * _HUNDRED,
                r.adjusted_rate * _HUNDRED,
                r.provision,
            )
            for r in self.matrix.rows
        )
        totals = (
            (
                Label("total"),
                code,
                self.matrix.total_gross,
                None,
                self.matrix.coverage * _HUNDRED,
                self.matrix.total_provision,
            ),
        )
        return Table(columns=columns, rows=rows, totals=totals)

    def figures(self) -> tuple[Figure, ...]:
        total = self.matrix.total_provision
        return (
            Figure(key="figure.provision", value=total.amount, unit=self.matrix.currency),
            Figure(
                key="figure.coverage", value=self.matrix.coverage * _HUNDRED, unit="%", places=2
            ),
        )


def provision(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    currency_code: str | None = None,
    cohort_from: dt.date | None = None,
    cohort_to: dt.date | None = None,
    open_as_loss_after_days: int | None = 365,
    engine: Engine | None = None,
    columns: LedgerColumns | None = None,
) -> ProvisionReport:
    """The provision matrix on ``as_of`` in ``currency_code`` (default: the ledger's most used
    currency) from :func:`o2c.credit.provisioning.provision_from_ledger`, the loss rates
    learned from the invoices issued from ``cohort_from`` to ``cohort_to`` (default: the year
    before ``as_of``).

    With an ``engine`` (and ``columns``, see :func:`o2c.reports.receivables.aged_balance`) the
    cohort's flows and the bucket balances are sums the engine makes
    (:func:`o2c.reports.kernels.cohort_flows_kernel`, :func:`o2c.portfolio.portfolio_provision`);
    the loss rates and the matrix are the domain's arithmetic on them, so the report is the
    domain's.  The default currency is then the one most of the read model's items are in.
    """
    cohort_to = cohort_to or as_of
    cohort_from = cohort_from or cohort_to - dt.timedelta(days=365)
    if engine is not None:
        found = columns_for(ledger, None, columns)  # the whole ledger's, as the domain's
        code = report_currency(currency_code, lambda: main_currency_of(found.model))
        rates, matrix = _provision_on(
            engine,
            found,
            as_of=as_of,
            known_at=known_at,
            currency_code=code,
            cohort=(cohort_from, cohort_to),
            open_as_loss_after_days=open_as_loss_after_days,
        )
    else:
        code = report_currency(
            currency_code, lambda: main_currency(ledger.read(as_of, known_at=known_at))
        )
        rates, matrix = provision_from_ledger(
            ledger,
            as_of=as_of,
            currency_code=code,
            cohort_from=cohort_from,
            cohort_to=cohort_to,
            known_at=known_at,
            open_as_loss_after_days=open_as_loss_after_days,
        )
    return ProvisionReport(
        as_of=as_of,
        known_at=known_at,
        rates=rates,
        matrix=matrix,
        cohort_from=cohort_from,
        cohort_to=cohort_to,
    )


def _provision_on(
    engine: Engine,
    columns: LedgerColumns,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None,
    currency_code: str,
    cohort: tuple[dt.date, dt.date],
    open_as_loss_after_days: int | None,
) -> tuple[CohortLossRates, ProvisionMatrix]:
    """:func:`o2c.credit.provisioning.provision_from_ledger` with the engine's sums: the loss
    rates of the pooled cohort (:func:`o2c.portfolio.cohorts.portfolio_cohort_loss_rates`), the
    matrix by :func:`o2c.portfolio.portfolio_provision` (the domain's ``provision_matrix``)."""
    from o2c.portfolio import portfolio_provision
    from o2c.portfolio.cohorts import portfolio_cohort_loss_rates

    rates = portfolio_cohort_loss_rates(
        columns.model,
        as_of,
        engine,
        currency_code=currency_code,
        issued_from=cohort[0],
        issued_to=cohort[1],
        known_at=known_at,
        buckets=DEFAULT_BUCKETS,
        open_as_loss_after_days=open_as_loss_after_days,
    ).pooled
    matrix = portfolio_provision(
        columns.model,
        as_of,
        engine,
        rates.as_mapping(),
        currency_code=currency_code,
        known_at=known_at,
        buckets=DEFAULT_BUCKETS,
    )
    return rates, matrix
