"""The receivables dashboard: headline figures, the aging, the DSO / ADD trend, the cash-in
forecast and the top of the collector's worklist, as one report (one self-contained HTML page
when rendered).

It is made of the catalogue's own reports (:func:`~o2c.reports.receivables.aged_balance`,
:func:`~o2c.reports.receivables.dso_trend`, :func:`~o2c.reports.credit.forecast`,
:func:`~o2c.reports.collecting.worklist_report`, :func:`~o2c.reports.cash.unapplied_report`),
so each figure is the one those reports show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from o2c.errors import ValidationError
from o2c.ledger import Ledger
from o2c.reports.cash import Unapplied, unapplied_report
from o2c.reports.collecting import WorklistReport, worklist_report
from o2c.reports.columns import LedgerColumns, columns_for
from o2c.reports.credit import ForecastReport, forecast
from o2c.reports.model import Chart, Figure, Table
from o2c.reports.receivables import AgedBalance, DsoTrend, aged_balance, dso_trend
from o2c.reports.report import DatedReport

if TYPE_CHECKING:
    from o2c.portfolio import Engine

__all__ = ["Dashboard", "dashboard"]


@attrs.frozen(kw_only=True)
class Dashboard(DatedReport):
    """The dashboard's parts; ``worklist`` is ``None`` when the ledger's items are in several
    currencies and no rates were given to rank them on one scale."""

    name: ClassVar[str] = "dashboard"
    aged: AgedBalance
    trend: DsoTrend
    forecast: ForecastReport
    worklist: WorklistReport | None
    unapplied: Unapplied

    def table(self) -> Table:
        """The aging's totals per currency."""
        table = self.aged.table()
        return attrs.evolve(table, rows=table.totals, totals=(), title="chart.aging")

    def tables(self) -> tuple[Table, ...]:
        parts = [self.table()]
        if self.worklist is not None:
            parts.append(attrs.evolve(self.worklist.table(), title="title.worklist"))
        return tuple(parts)

    def figures(self) -> tuple[Figure, ...]:
        out = list(self.aged.figures())
        for total in self.aged.aging.totals:
            if total.balance.amount > 0:
                share = total.overdue.amount * 100 / total.balance.amount
                out.append(Figure(key="figure.overdue_share", value=share, unit="%"))
        out += self.trend.figures()
        out += [f for f in self.unapplied.figures() if f.unit != "count"]
        if self.worklist is not None:
            out += [f for f in self.worklist.figures() if f.unit != "count"]
        out += [f for f in self.forecast.figures() if f.key == "figure.expected"]
        return tuple(out)

    def charts(self) -> tuple[Chart, ...]:
        return (*self.aged.charts(), *self.trend.charts(), *self.forecast.charts())


def dashboard(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    months: int = 12,
    weeks: int = 13,
    top: int = 20,
    currency_code: str | None = None,
    rates: Mapping[str, Decimal] | None = None,
    engine: Engine | None = None,
    columns: LedgerColumns | None = None,
) -> Dashboard:
    """The dashboard of the ledger on ``as_of`` as known at ``known_at``: the trend over
    ``months`` months, the forecast over ``weeks`` weeks and the ``top`` rows of the worklist.

    With an ``engine`` the aged balance, the trend and the worklist run on it over one read of
    the ledger as columns (``columns``, or read here; see
    :func:`o2c.reports.receivables.aged_balance`): the worklist then ranks without a payment
    model (:func:`o2c.reports.collecting.worklist_report`).  The forecast and the unapplied
    cash are the domain path's.
    """
    if customer_id is not None:
        raise ValidationError(
            "the dashboard is of the whole ledger: leave the customer out",
            field="customer_id",
            value=customer_id,
        )
    on: dict[str, Any] = {}
    if engine is not None:
        on = {"engine": engine, "columns": columns_for(ledger, None, columns)}
    trend = dso_trend(
        ledger, as_of=as_of, known_at=known_at, months=months, currency_code=currency_code, **on
    )
    try:
        ranked: WorklistReport | None = worklist_report(
            ledger,
            as_of=as_of,
            known_at=known_at,
            limit=top,
            currency_code=currency_code,
            rates=rates,
            **on,
        )
    except ValidationError:  # several currencies and no rates: no common scale to rank on
        ranked = None
    return Dashboard(
        as_of=as_of,
        known_at=known_at,
        aged=aged_balance(ledger, as_of=as_of, known_at=known_at, **on),
        trend=trend,
        forecast=forecast(
            ledger, as_of=as_of, known_at=known_at, currency_code=trend.currency, weeks=weeks
        ),
        worklist=ranked,
        unapplied=unapplied_report(ledger, as_of=as_of, known_at=known_at),
    )
