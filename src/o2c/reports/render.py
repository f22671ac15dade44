"""Render any report to the bytes of a file: HTML (Jinja2), PDF (WeasyPrint), XLSX (XlsxWriter)
or CSV, in English, German or French.

Rendering is pure: it returns bytes and writes nothing (the CLI writes files).  Labels come from
the message tables of :mod:`o2c.reports.messages`; amounts are formatted by
:func:`o2c.money.format_money`, dates and numbers by babel, for the locale.  Charts
(:mod:`o2c.reports.charts`, the ``charts`` extra) are embedded in HTML and PDF as SVG.

- **HTML**: one self-contained page (inline CSS, charts as ``data:`` images, no network).
- **PDF**: that page printed by WeasyPrint (the ``pdf`` extra; it needs the system's Pango).
- **XLSX**: one sheet per table; amounts are numbers with their currency's number format,
  dates are dates, totals below the rows in bold; a sheet of the key figures.
- **CSV**: the main table's rows (no totals), a header of labels, amounts as plain decimals
  beside the currency column, ISO dates: for machines.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import enum
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from moneyed import Money

from o2c._optional import require
from o2c.errors import ValidationError
from o2c.money import format_money, minor_units, quantize
from o2c.reports.messages import format_date, format_number, language, region, text
from o2c.reports.model import Cell, Column, ColumnKind, Figure, Label, Renderable, Table

__all__ = [
    "FORMATS",
    "MAX_ROWS",
    "MAX_TEXT",
    "MEDIA_TYPES",
    "ReportFormat",
    "cell_text",
    "column_label",
    "figure_text",
    "render",
    "render_csv",
    "render_html",
    "render_pdf",
    "render_xlsx",
]


class ReportFormat(enum.Enum):
    """The file formats a report renders to."""

    HTML = "html"
    PDF = "pdf"
    XLSX = "xlsx"
    CSV = "csv"

    @property
    def media_type(self) -> str:
        """The format's registered media type (for an attachment or an HTTP answer).

        >>> ReportFormat.XLSX.media_type
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
        """
        return MEDIA_TYPES[self.value]


#: The format names, as the CLI takes them.
FORMATS = tuple(f.value for f in ReportFormat)
#: Each format's media type, as IANA registers it (CSV: RFC 7111 ``text/csv``; XLSX: ECMA-376's
#: Office Open XML spreadsheet type).
MEDIA_TYPES: dict[str, str] = {
    "html": "text/html",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def _format(value: ReportFormat | str) -> ReportFormat:
    if isinstance(value, ReportFormat):
        return value
    try:
        return ReportFormat(str(value).lower())
    except ValueError:
        raise ValidationError(
            f"format={value!r}: choose one of {', '.join(FORMATS)}", field="format", value=value
        ) from None


def render(
    report: Renderable,
    format: ReportFormat | str,
    locale: str = "en",
    *,
    charts: bool = True,
    max_rows: int | None = -1,
) -> bytes:
    """The report as the bytes of a file in ``format``, in ``locale``'s language.

    Args:
        report: any report of the catalogue.
        format: ``html``, ``pdf``, ``xlsx`` or ``csv`` (or a :class:`ReportFormat`).
        locale: ``en``, ``de`` or ``fr`` (or a locale of one of them, e.g. ``de_CH``).
        charts: draw the report's charts into HTML and PDF (needs the ``charts`` extra).
        max_rows: the most rows of a table HTML and PDF show (``None``: all; default
            :data:`MAX_ROWS` of the format); XLSX and CSV always hold every row.

    Raises:
        ValidationError: an unknown format or a language the reports do not speak.
        MissingExtraError: the format's (or the charts') optional package is not installed.
    """
    kind = _format(format)
    language(locale)
    if kind is ReportFormat.HTML:
        limit = MAX_ROWS["html"] if max_rows == -1 else max_rows
        return render_html(report, locale, charts=charts, max_rows=limit).encode("utf-8")
    if kind is ReportFormat.PDF:
        limit = MAX_ROWS["pdf"] if max_rows == -1 else max_rows
        return render_pdf(report, locale, charts=charts, max_rows=limit)
    if kind is ReportFormat.XLSX:
        return render_xlsx(report, locale)
    return render_csv(report, locale)


# --------------------------------------------------------------------------------------------
# Cells


def column_label(column: Column, locale: str) -> str:
    """The column's heading in ``locale``."""
    return column.label if column.label is not None else text(column.key, locale)


def cell_text(cell: Cell, kind: ColumnKind, locale: str) -> str:
    """A cell as the locale shows it."""
    if cell is None:
        return ""
    if isinstance(cell, Money):
        return format_money(cell, region(locale))
    if isinstance(cell, Label):
        return text(str(cell), locale)
    if isinstance(cell, dt.date):
        return format_date(cell, locale)
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int):
        return format_number(cell, locale)
    if isinstance(cell, Decimal):
        return format_number(cell, locale, 1)
    return str(cell)


def figure_text(figure: Figure, locale: str) -> str:
    """A figure's value for display: rounded, with its unit."""
    unit = figure.unit
    if unit == "count":
        return format_number(figure.value, locale)
    if unit == "%":
        return format_number(figure.rounded, locale, figure.places) + " %"
    if unit == "days":
        return (
            format_number(figure.rounded, locale, figure.places) + " " + text("unit.days", locale)
        )
    return format_money(Money(figure.value, unit), region(locale))


def _header(report: Renderable, locale: str) -> list[tuple[str, str]]:
    lines = [(text("as_of", locale), format_date(report.as_of, locale))]
    if report.known_at is not None:
        lines.append((text("known_at", locale), report.known_at.isoformat(timespec="minutes")))
    if report.subject():
        lines.append((text("customer", locale), report.subject()))
    return lines


# --------------------------------------------------------------------------------------------
# HTML and PDF

_NUMERIC = (ColumnKind.MONEY, ColumnKind.INTEGER, ColumnKind.NUMBER, ColumnKind.PERCENT)


#: How many rows of a table HTML and PDF show by default (the totals always cover every row):
#: a page people read, not a data file; WeasyPrint lays out a few hundred to a thousand cells a
#: second on a busy two-core machine, so a PDF of 200 rows of 12 columns takes a few seconds.
#: The XLSX and CSV files hold every row.
MAX_ROWS = {"html": 5_000, "pdf": 200}
#: The most characters of a text cell HTML and PDF show (the rest is cut, marked with "…"):
#: long explanations cost WeasyPrint most of its time.  XLSX, CSV and frames keep every one.
MAX_TEXT = 100


def _table_context(table: Table, locale: str, max_rows: int | None = None) -> dict[str, Any]:
    numeric = [c.kind in _NUMERIC for c in table.columns]
    shown = table.rows if max_rows is None else table.rows[:max_rows]
    left_out = ""
    if len(shown) < len(table.rows):
        left_out = (
            text("rows_left_out", locale)
            .replace("{shown}", format_number(len(shown), locale))
            .replace("{total}", format_number(len(table.rows), locale))
        )

    def cells(row: Sequence[Cell]) -> list[tuple[str, bool]]:
        return [
            (_cut(cell_text(cell, col.kind, locale)), num)
            for cell, col, num in zip(row, table.columns, numeric, strict=True)
        ]

    return {
        "title": text(table.title, locale) if table.title else "",
        "headers": [
            (column_label(c, locale), n) for c, n in zip(table.columns, numeric, strict=True)
        ],
        "rows": [cells(r) for r in shown],
        "totals": [cells(r) for r in table.totals],
        "left_out": left_out,
    }


def _cut(value: str) -> str:
    return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 1] + "…"


def _chart_images(report: Renderable, locale: str) -> list[dict[str, str]]:
    from o2c.reports.charts import chart_svg

    out = []
    for chart in report.charts():
        svg = chart_svg(chart, locale)
        out.append(
            {
                "title": text(chart.key, locale) + (f" ({chart.unit})" if chart.unit else ""),
                "src": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
            }
        )
    return out


def _environment() -> Any:
    jinja2 = require("jinja2", extra="reports", feature="HTML reports", package="Jinja2")
    return jinja2.Environment(
        loader=jinja2.PackageLoader("o2c.reports", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=jinja2.StrictUndefined,
    )


def page_context(
    report: Renderable, locale: str, *, charts: bool = True, max_rows: int | None = None
) -> dict[str, Any]:
    """What the HTML templates show of a report (at most ``max_rows`` rows per table)."""
    return {
        "lang": language(locale),
        "title": text(f"title.{report.name}", locale),
        "header": _header(report, locale),
        "figures_title": text("figures", locale),
        "figures": [(text(f.key, locale), figure_text(f, locale)) for f in report.figures()],
        "charts": _chart_images(report, locale) if charts else [],
        "tables": [_table_context(t, locale, max_rows) for t in report.tables()],
        "totals_label": text("totals", locale),
        "no_rows": text("no_rows", locale),
        "extra_svg": getattr(report, "qr_svg", ""),
        "qr_label": text("pay_by_qr", locale),
    }


def render_html(
    report: Renderable,
    locale: str = "en",
    *,
    charts: bool = True,
    fragment: bool = False,
    max_rows: int | None = MAX_ROWS["html"],
) -> str:
    """The report as one self-contained HTML page (or a fragment for a notebook), showing at
    most ``max_rows`` rows of each table (``None``: all) and saying how many it left out."""
    env = _environment()
    context = page_context(report, locale, charts=charts and not fragment, max_rows=max_rows)
    template = env.get_template("fragment.html.j2" if fragment else "report.html.j2")
    return str(template.render(fragment=fragment, **context))


def render_pdf(
    report: Renderable,
    locale: str = "en",
    *,
    charts: bool = True,
    max_rows: int | None = MAX_ROWS["pdf"],
) -> bytes:
    """The report's HTML page printed to PDF by WeasyPrint (the ``pdf`` extra), at most
    ``max_rows`` rows of each table (``None``: all)."""
    weasyprint = require("weasyprint", extra="pdf", feature="PDF reports")
    html = render_html(report, locale, charts=charts, max_rows=max_rows)
    return bytes(weasyprint.HTML(string=html).write_pdf())


# --------------------------------------------------------------------------------------------
# CSV


def _csv_value(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Money):
        return str(quantize(cell).amount)
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell)


def render_csv(report: Renderable, locale: str = "en") -> bytes:
    """The main table's rows as UTF-8 CSV (header of labels; totals left out)."""
    table = report.table()
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column_label(c, locale) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_value(cell) for cell in row])
    return out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------------------------
# XLSX


class _Formats:
    """XlsxWriter formats, one per currency (its minor units and code) and kind."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.cache: dict[tuple[str, bool], Any] = {}
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.date_bold = workbook.add_format({"num_format": "yyyy-mm-dd", "bold": True})
        self.bold = workbook.add_format({"bold": True})
        self.header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.number = workbook.add_format({"num_format": "#,##0.0"})
        self.integer = workbook.add_format({"num_format": "#,##0"})

    def money(self, code: str, bold: bool = False) -> Any:
        key = (code, bold)
        if key not in self.cache:
            digits = minor_units(code)
            pattern = "#,##0" + ("." + "0" * digits if digits else "") + f' "{code}"'
            self.cache[key] = self.workbook.add_format({"num_format": pattern, "bold": bold})
        return self.cache[key]


def _sheet_name(title: str, used: set[str]) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"
    base, n = name, 2
    while name in used:
        suffix = f" {n}"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def _write_row(
    sheet: Any, r: int, row: Sequence[Cell], table: Table, fmt: _Formats, bold: bool, locale: str
) -> None:
    for c, (cell, _column) in enumerate(zip(row, table.columns, strict=True)):
        if cell is None:
            continue
        if isinstance(cell, Money):
            # Excel keeps numbers as binary doubles: exact for amounts of up to 15 digits
            sheet.write_number(r, c, float(cell.amount), fmt.money(cell.currency.code, bold))
        elif isinstance(cell, dt.date):
            sheet.write_datetime(
                r, c, dt.datetime.combine(cell, dt.time()), fmt.date_bold if bold else fmt.date
            )
        elif isinstance(cell, Label):
            sheet.write_string(r, c, text(str(cell), locale), fmt.bold if bold else None)
        elif isinstance(cell, bool | str):
            sheet.write_string(r, c, str(cell), fmt.bold if bold else None)
        elif isinstance(cell, int):
            sheet.write_number(r, c, cell, fmt.integer)
        else:
            sheet.write_number(r, c, float(cell), fmt.number)


def render_xlsx(report: Renderable, locale: str = "en") -> bytes:
    """The report as an XLSX workbook: one sheet per table, then the key figures."""
    xlsxwriter = require(
        "xlsxwriter", extra="reports", feature="XLSX reports", package="XlsxWriter"
    )
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    fmt = _Formats(workbook)
    used: set[str] = set()
    title = text(f"title.{report.name}", locale)
    for table in report.tables():
        sheet = workbook.add_worksheet(
            _sheet_name(text(table.title, locale) if table.title else title, used)
        )
        sheet.write_string(0, 0, title, fmt.title)
        r = 1
        for label, value in _header(report, locale):
            sheet.write_string(r, 0, label, fmt.bold)
            sheet.write_string(r, 1, value)
            r += 1
        r += 1
        for c, column in enumerate(table.columns):
            sheet.write_string(r, c, column_label(column, locale), fmt.header)
            sheet.set_column(c, c, 14)
        sheet.freeze_panes(r + 1, 0)
        r += 1
        for row in table.rows:
            _write_row(sheet, r, row, table, fmt, False, locale)
            r += 1
        if table.totals:
            r += 1
            for row in table.totals:
                _write_row(sheet, r, row, table, fmt, True, locale)
                r += 1
    figures = report.figures()
    if figures:
        sheet = workbook.add_worksheet(_sheet_name(text("figures", locale), used))
        for r, figure in enumerate(figures):
            sheet.write_string(r, 0, text(figure.key, locale))
            if figure.unit in ("count", "%", "days"):
                sheet.write_number(r, 1, float(figure.rounded), fmt.number)
                sheet.write_string(r, 2, figure.unit)
            else:
                sheet.write_number(r, 1, float(figure.value), fmt.money(figure.unit))
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 18)
    workbook.close()
    return buffer.getvalue()
