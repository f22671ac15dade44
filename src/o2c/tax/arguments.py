"""The arguments of :func:`o2c.tax.compute` checked: the lines (read into
:class:`~o2c.tax.inputs.TaxableLine` unless of a checked type), charges, exemptions, the
document date and a tax-base discount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from o2c._checks import as_tuple, shown
from o2c.errors import InvalidTaxError
from o2c.money import to_decimal
from o2c.tax.inputs import CHECKED_LINES, Taxable, TaxableLine
from o2c.tax.kinds import HUNDRED

__all__ = []


def _document_date(on: object) -> dt.date:
    if on is None:
        raise InvalidTaxError(
            "exemption certificates need the document date: pass on=<invoice date>",
            field="on",
            value=None,
        )
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise InvalidTaxError(
            f"on={shown(on)!r} must be a date (not a datetime)", field="on", value=shown(on)
        )
    return on


def _tax_base_discount(percent: object) -> Decimal:
    epd = to_decimal(percent, field="tax_base_discount_percent")
    if epd < 0 or epd > HUNDRED:
        raise InvalidTaxError(
            f"tax_base_discount_percent={epd} must be between 0 and 100",
            field="tax_base_discount_percent",
            value=epd,
        )
    return epd


def _checked_lines(lines: object) -> Sequence[Taxable]:
    given = (
        lines
        if type(lines) is list or type(lines) is tuple
        else as_tuple(lines, "lines", "items", InvalidTaxError)
    )
    checked = CHECKED_LINES
    if checked.issuperset(map(type, given)):  # every line of a checked type (a loop in C)
        return given
    return [
        line if type(line) in checked else _taxable_line(i, line) for i, line in enumerate(given)
    ]


def _taxable_line(i: int, line: Any) -> TaxableLine:
    """``line`` read into a :class:`TaxableLine` (which checks every field)."""
    try:
        values = (line.quantity, line.unit_price, line.taxes, line.discount_percent)
    except AttributeError:
        raise InvalidTaxError(
            f"lines[{i}]={shown(line)!r} is not a line: it needs quantity, unit_price, "
            "taxes and discount_percent (use TaxableLine)",
            field=f"lines[{i}]",
            value=shown(line),
        ) from None
    return TaxableLine(
        quantity=values[0], unit_price=values[1], taxes=values[2], discount_percent=values[3]
    )


def _checked_all(values: object, kind: type, field: str) -> tuple[Any, ...]:
    given = as_tuple(values, field, "items", InvalidTaxError)
    for i, value in enumerate(given):
        if not isinstance(value, kind):
            raise InvalidTaxError(
                f"{field}[{i}]={shown(value)!r} must be a {kind.__name__}",
                field=f"{field}[{i}]",
                value=shown(value),
            )
    return given
