"""Tax groups (several taxes under one name) flattened, and the tax tuple of a line: shared
by equal lines, so that the engine groups lines by their tuple at the cost of one lookup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from o2c._checks import as_tuple, shown
from o2c.errors import InvalidTaxError
from o2c.tax.kinds import _MAX_TAXES, _sequence, _text
from o2c.tax.model import Tax

__all__ = ["TaxGroup", "flatten", "line_taxes"]


def _group_taxes(value: object) -> tuple[Tax, ...]:
    taxes = as_tuple(value, "taxes", "items", InvalidTaxError)
    for t in taxes:
        if not isinstance(t, Tax):
            raise InvalidTaxError(
                f"{shown(t)!r} in a TaxGroup is not a Tax", field="taxes", value=shown(t)
            )
    return taxes


@attrs.frozen(kw_only=True)
class TaxGroup:
    """Taxes applied together (e.g. CGST + SGST); flattened into its children by sequence."""

    id: str = attrs.field(converter=_text)
    taxes: tuple[Tax, ...] = attrs.field(converter=_group_taxes)
    sequence: int = attrs.field(default=0, converter=_sequence)


def flatten(items: Iterable[Tax | TaxGroup]) -> tuple[Tax, ...]:
    """Taxes in evaluation order: items sorted by sequence (stable), groups expanded in place.

    >>> g = TaxGroup(id="G", taxes=(Tax.percent_of("B", 1, sequence=2),
    ...                             Tax.percent_of("A", 1, sequence=1)), sequence=5)
    >>> [t.id for t in flatten([Tax.percent_of("Z", 1, sequence=9), g])]
    ['A', 'B', 'Z']
    """
    given: tuple[Any, ...] = as_tuple(items, "taxes", "items", InvalidTaxError)
    if len(given) > _MAX_TAXES:
        raise InvalidTaxError(
            f"{len(given)} taxes on one line: o2c takes at most {_MAX_TAXES}",
            field="taxes",
            value=len(given),
        )
    plain = True
    last = None
    for item in given:
        if type(item) is not Tax:
            plain = False
            if not isinstance(item, (Tax, TaxGroup)):
                raise InvalidTaxError(
                    f"{shown(item)!r} is neither a Tax nor a TaxGroup",
                    field="taxes",
                    value=shown(item),
                )
        elif last is not None and item.sequence < last:
            plain = False
        else:
            last = item.sequence
    if plain:  # already flat and in order (the common case)
        return given
    result: list[Tax] = []
    for item in sorted(given, key=lambda i: i.sequence):
        if isinstance(item, TaxGroup):
            result.extend(sorted(item.taxes, key=lambda t: t.sequence))
        else:
            result.append(item)
    if len(result) > _MAX_TAXES:
        raise InvalidTaxError(
            f"{len(result)} taxes on one line: o2c takes at most {_MAX_TAXES}",
            field="taxes",
            value=len(result),
        )
    return tuple(result)


def line_taxes(value: Iterable[Tax | TaxGroup]) -> tuple[Tax, ...]:
    """A line's taxes: :func:`flatten`, as one shared tuple for the lines that carry the very
    same :class:`Tax` objects (converter of ``taxes`` on :class:`TaxableLine`,
    :class:`AllowanceCharge` and :class:`o2c.invoice.InvoiceLine`).

    The tax engine groups a document's lines by their tuple; sharing it lets that grouping look
    at the tuple alone.  Nothing else changes: the tuple holds the objects given.

    >>> vat = Tax.vat("S19", "19")
    >>> line_taxes([vat]) == line_taxes((vat,)) == (vat,)
    True
    >>> line_taxes([vat]) is line_taxes((vat,))
    True
    """
    taxes = flatten(value)
    # Looked up by value, shared only when it holds the same objects: equal taxes need not be
    # alike (a percent of 19 and one of 19.0 are equal and print differently).  A tuple of
    # other objects takes the entry over (the latest taxes are the ones lines are made with).
    shared = _SHARED_TAXES.get(taxes)
    if shared is not None:
        for mine, theirs in zip(taxes, shared):  # noqa: B905 (equal tuples: equal lengths)
            if mine is not theirs:
                break
        else:
            return shared
    elif len(_SHARED_TAXES) >= _MAX_SHARED:
        _SHARED_TAXES.clear()
    _SHARED_TAXES[taxes] = taxes
    return taxes


#: The shared tuples of :func:`line_taxes`, by value (each keeps its taxes alive).
_SHARED_TAXES: dict[tuple[Tax, ...], tuple[Tax, ...]] = {}


#: The most tuples kept (a business has a few dozen tax sets); the cache empties past it.
_MAX_SHARED = 4096
