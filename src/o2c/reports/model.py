"""What every report is: a typed result that can show itself as a table, figures and charts.

A report is a frozen value built from the domain's own results (an aging, a forecast, a dunning
run ...).  Its :meth:`Report.table` lays those results out as rows of typed cells
(:class:`Table`): text, dates, integers, exact numbers and ``Money``; totals live apart from the
rows, one per currency, so a sum over the rows never counts a total twice nor mixes currencies.
Its :meth:`Report.figures` are the headline numbers (:class:`Figure`: the exact value kept,
rounded only for display) and its :meth:`Report.charts` the data of its charts (:class:`Chart`).

The renderers (:mod:`o2c.reports.render`) and the DataFrame view (:meth:`Report.to_frame`) read
only these three, so every report renders in every format the same way.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

import attrs
from moneyed import Money

from o2c._optional import require
from o2c.money import quantize_decimal, to_minor

_ZERO = Decimal(0)

__all__ = [
    "Cell",
    "Chart",
    "ChartKind",
    "Column",
    "ColumnKind",
    "Figure",
    "Label",
    "Renderable",
    "Series",
    "Table",
    "sum_by_currency",
    "table_frame",
]


class Label(str):
    """Text that is a message key: renderers show it in the report's language (a DataFrame
    keeps the key, e.g. ``kind.invoice``)."""

    __slots__ = ()


#: One value of a table: text, a date, a count, an exact number, an amount, or nothing.
Cell = str | int | Decimal | dt.date | Money | None


class ColumnKind(enum.Enum):
    """What a column holds, which decides how it is formatted and how a DataFrame stores it."""

    TEXT = "text"
    DATE = "date"
    #: A count or a number of days (int64 in a DataFrame).
    INTEGER = "integer"
    #: An exact number that is not money (a rate, a KPI in days); a DataFrame holds it as
    #: float64 for analysis (the exact value stays on the report).
    NUMBER = "number"
    #: A percentage, in percent (float64 in a DataFrame, like NUMBER).
    PERCENT = "percent"
    #: ``Money`` cells: int64 minor units in a DataFrame (column ``<key>_minor``) beside a
    #: ``currency`` column.
    MONEY = "money"


@attrs.frozen
class Column:
    """A column: its key (also the message key of its label) and what it holds."""

    key: str
    kind: ColumnKind = ColumnKind.TEXT
    #: A fixed label (not translated), e.g. an aging bucket's "31-60".
    label: str | None = None


@attrs.frozen(kw_only=True)
class Table:
    """Rows of cells under columns, and totals apart (one row per currency, same columns)."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[tuple[Cell, ...], ...] = ()
    #: A title key for the table when a report has several (the statement's lines and aging).
    title: str = ""


@attrs.frozen(kw_only=True)
class Figure:
    """A headline number: the exact ``value`` kept, shown rounded to ``places`` decimals.

    ``unit`` is ``"days"``, ``"%"``, ``"count"`` or a currency code (then ``value`` is an
    amount in it).
    """

    key: str
    value: Decimal
    unit: str
    places: int = 1

    @property
    def rounded(self) -> Decimal:
        """The value rounded half-up for display (the exact one stays in :attr:`value`)."""
        return quantize_decimal(self.value, Decimal(1).scaleb(-self.places))


class ChartKind(enum.Enum):
    """How a chart draws its series."""

    BAR = "bar"
    LINE = "line"
    #: The first series a line, the next two the low and high edges of a band around it.
    BAND = "band"


@attrs.frozen(kw_only=True)
class Series:
    """One series of a chart: a label key and one exact value per category."""

    key: str
    values: tuple[Decimal, ...]


@attrs.frozen(kw_only=True)
class Chart:
    """The data of one chart: categories (already labels, e.g. bucket names or dates), series."""

    key: str
    kind: ChartKind
    categories: tuple[str | dt.date, ...]
    series: tuple[Series, ...]
    unit: str = ""


class Renderable(Protocol):
    """What the renderers read of a report (every :class:`o2c.reports.Report` has it)."""

    @property
    def name(self) -> str:
        """The report's name in the catalogue."""
        ...

    @property
    def as_of(self) -> dt.date:
        """The date the report is as of."""
        ...

    @property
    def known_at(self) -> dt.datetime | None:
        """The knowledge time (``None``: everything recorded)."""
        ...

    def table(self) -> Table:
        """The main table."""
        ...

    def tables(self) -> tuple[Table, ...]:
        """Every table (the main one first)."""
        ...

    def figures(self) -> tuple[Figure, ...]:
        """The headline numbers."""
        ...

    def charts(self) -> tuple[Chart, ...]:
        """The charts' data."""
        ...

    def subject(self) -> str:
        """Who the report is about ("" for the whole ledger)."""
        ...


def sum_by_currency(amounts: Iterable[Money]) -> dict[str, Decimal]:
    """The amounts summed exactly per currency code, the codes in order (a report's totals).

    >>> from o2c.money import money
    >>> sum_by_currency([money("1.10", "USD"), money("2.50", "EUR"), money("0.90", "USD")])
    {'EUR': Decimal('2.50'), 'USD': Decimal('2.00')}
    """
    out: dict[str, Decimal] = {}
    for amount in amounts:
        code = amount.currency.code
        out[code] = out.get(code, _ZERO) + amount.amount
    return dict(sorted(out.items()))


def _minor(cell: Cell) -> int | None:
    if cell is None:
        return None
    if not isinstance(cell, Money):
        raise TypeError(f"a money column holds Money, not {cell!r}")
    return to_minor(cell)


def table_frame(table: Table) -> Any:
    """A DataFrame of ``table``'s rows (see :meth:`o2c.reports.Report.to_frame`)."""
    pd = require("pandas", extra="reports", feature="report DataFrames")
    data: dict[str, Any] = {}
    has_currency = any(c.key == "currency" for c in table.columns)
    currencies: list[str | None] | None = None
    for index, column in enumerate(table.columns):
        values = [row[index] for row in table.rows]
        if column.kind is not ColumnKind.TEXT:  # a total's label in a date or number column
            values = [None if isinstance(v, Label) else v for v in values]
        if column.kind is ColumnKind.MONEY:
            data[f"{column.key}_minor"] = pd.array([_minor(v) for v in values], dtype="Int64")
            if not has_currency and currencies is None:
                currencies = [v.currency.code if isinstance(v, Money) else None for v in values]
        elif column.kind is ColumnKind.INTEGER:
            data[column.key] = pd.array(values, dtype="Int64")
        elif column.kind in (ColumnKind.NUMBER, ColumnKind.PERCENT):
            data[column.key] = pd.array(
                [None if v is None else float(v) for v in values],  # type: ignore[arg-type]
                dtype="Float64",
            )
        elif column.kind is ColumnKind.DATE:
            data[column.key] = pd.to_datetime(pd.Series(values, dtype="object"))
        else:
            data[column.key] = pd.Series(
                [str(v) if isinstance(v, Label) else v for v in values], dtype="object"
            )
    if currencies is not None:
        data["currency"] = pd.Series(currencies, dtype="object")
    return pd.DataFrame(data)
