"""Reports over the ledger: a catalogue of typed results, and renderers to HTML, PDF, XLSX, CSV.

:func:`build_report` builds a report by name from a :class:`~o2c.ledger.Ledger` (as of a date,
as known at a time, optionally for one customer); :func:`render` turns any report into the
bytes of a file in a format and a language (en, de, fr).  Every report reads the ledger through
its read model and lays out what the domain computes; it never recomputes a rule.
"""

from o2c.reports.catalogue import REPORTS, build_report, report_names
from o2c.reports.model import Chart, Column, ColumnKind, Figure, Table
from o2c.reports.render import FORMATS, ReportFormat, render
from o2c.reports.report import Report

__all__ = [
    "Chart",
    "Column",
    "ColumnKind",
    "FORMATS",
    "Figure",
    "REPORTS",
    "Report",
    "ReportFormat",
    "Table",
    "build_report",
    "render",
    "report_names",
]
