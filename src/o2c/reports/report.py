"""The base of every report: the DataFrame views and the notebook view over its tables."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import attrs

from o2c.reports.model import Chart, Figure, Table, table_frame
from o2c.reports.render import render_html

__all__ = ["DatedReport", "LedgerReport", "Report"]


class Report:
    """The common behaviour of the reports: the frames and the notebook view.

    Each report is a frozen attrs class with ``as_of`` and ``known_at`` fields and implements
    :meth:`table` (and, where it has them, :meth:`figures`, :meth:`charts` and
    :meth:`tables`).
    """

    __slots__ = ()

    #: The report's name in the registry (``aged-balance``, ``statement`` ...).
    name: ClassVar[str] = ""
    as_of: dt.date
    known_at: dt.datetime | None

    def table(self) -> Table:
        """The report's main table."""
        raise NotImplementedError

    def tables(self) -> tuple[Table, ...]:
        """Every table the report shows (the main one first)."""
        return (self.table(),)

    def figures(self) -> tuple[Figure, ...]:
        """The headline numbers."""
        return ()

    def charts(self) -> tuple[Chart, ...]:
        """The data of the report's charts."""
        return ()

    def subject(self) -> str:
        """Who or what the report is about, when not the whole ledger (a customer id)."""
        return ""

    def to_frame(self) -> Any:
        """The main table's rows as a pandas DataFrame (totals apart: :meth:`totals_frame`).

        Money columns are int64 minor units named ``<key>_minor`` beside the row's
        ``currency`` column, so they sum exactly; dates are ``datetime64``; counts int64;
        ratios and days (not money) float64, the exact values staying on the report.
        """
        return table_frame(self.table())

    def totals_frame(self) -> Any:
        """The main table's total rows (one per currency) as a DataFrame, columns as
        :meth:`to_frame`."""
        table = self.table()
        return table_frame(attrs.evolve(table, rows=table.totals))

    def _repr_html_(self) -> str:
        return render_html(self, "en", fragment=True)


@attrs.frozen(kw_only=True)
class DatedReport(Report):
    """A report of the ledger on ``as_of`` as known at ``known_at`` (``None``: everything
    recorded)."""

    as_of: dt.date
    known_at: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class LedgerReport(DatedReport):
    """A dated report of one customer (``customer_id``) or of the whole ledger (``None``), the
    customer being its subject."""

    customer_id: str | None = None

    def subject(self) -> str:
        return self.customer_id or ""
