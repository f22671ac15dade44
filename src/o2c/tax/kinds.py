"""What every tax module shares: the kinds of tax, the EN 16931 VAT categories, tax ids,
allowance/charge kinds, the numbers (zero, one, a hundred, the amount limit) and the field
converters and checks of the tax types.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any, NewType

import attrs

from o2c._checks import shown
from o2c.errors import InvalidTaxError
from o2c.money import AMOUNT_INTEGER_DIGITS, check_amount, to_decimal

__all__ = [
    "ChargeKind",
    "HUNDRED",
    "LIMIT",
    "LOW_LIMIT",
    "ONE",
    "TaxCategory",
    "TaxId",
    "TaxKind",
    "ZERO",
]


TaxId = NewType("TaxId", str)


ZERO = Decimal(0)


ONE = Decimal(1)


HUNDRED = Decimal(100)


#: Every amount o2c computes stays below this (the documented amount limit of o2c.money: at most
#: AMOUNT_INTEGER_DIGITS digits before the decimal point); beyond it, InvalidTaxError.
LIMIT = Decimal(10) ** AMOUNT_INTEGER_DIGITS


#: ``-LIMIT``, made once (a negation makes a new Decimal each time it is evaluated).
LOW_LIMIT = -LIMIT


class TaxKind(enum.Enum):
    """How a tax amount follows from its base (every kind computes through the same verb)."""

    #: ``base x percent / 100``.
    PERCENT = "percent"
    #: ``amount_per_unit x quantity``, with the sign of the unit price (+1 when the price is 0).
    FIXED = "fixed"
    #: Gross-up: ``base x r / (1 - sum of r in its batch)`` (the tax is ``r`` of the gross).
    DIVISION = "division"
    #: A fixed amount for the whole document (ERPNext "Actual"), spread over the lines that
    #: carry it pro rata to their nets; its sign follows the sum of those nets.
    DOCUMENT_FIXED = "document_fixed"


class TaxCategory(enum.Enum):
    """EN 16931 VAT category codes (UNCL5305 subset, BT-118/BT-151)."""

    STANDARD = "S"
    ZERO_RATED = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_COMMUNITY = "K"
    EXPORT = "G"
    OUTSIDE_SCOPE = "O"
    CANARY_ISLANDS = "L"
    CEUTA_MELILLA = "M"

    @property
    def needs_exemption_reason(self) -> bool:
        """Whether EN 16931 requires an exemption reason (BR-E-10, BR-AE-10, BR-IC-10 ...)."""
        return self in _REASON_REQUIRED

    @property
    def zero_rate_only(self) -> bool:
        """Whether the category's rate must be 0 (BR-Z-05, BR-E-05, BR-AE-05, BR-IC-05 ...)."""
        return self in _ZERO_ONLY


_REASON_REQUIRED = frozenset(
    {
        TaxCategory.EXEMPT,
        TaxCategory.REVERSE_CHARGE,
        TaxCategory.INTRA_COMMUNITY,
        TaxCategory.EXPORT,
        TaxCategory.OUTSIDE_SCOPE,
    }
)


_ZERO_ONLY = _REASON_REQUIRED | {TaxCategory.ZERO_RATED}


class ChargeKind(enum.Enum):
    """A document-level allowance (BG-20, reduces the base) or charge (BG-21, adds to it)."""

    ALLOWANCE = "allowance"
    CHARGE = "charge"


_AMOUNT_KINDS = frozenset({TaxKind.FIXED, TaxKind.DOCUMENT_FIXED})


# The field converters and checks of the tax types.


#: The most taxes one line may carry: a compound tax's base sums every earlier tax, so a line's
#: cost grows with the square of its taxes (no tax system stacks more than a handful).
_MAX_TAXES = 64


#: ``sequence`` numbers stay within a signed 64-bit integer (as in every ERP's database column).
_MAX_SEQUENCE = 2**63


def _percent(value: object) -> Decimal:
    return to_decimal(value, field="percent")


def _optional_percent(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, field="self_assessed_percent")


def _optional_id(value: object) -> TaxId | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidTaxError(
            f"row={shown(value)!r} must be the id of an earlier tax on the line",
            field="row",
            value=shown(value),
        )
    return TaxId(value)


def _per_unit(value: object) -> Decimal:
    return check_amount(to_decimal(value, field="amount_per_unit"), field="amount_per_unit")


def _optional_text(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidTaxError(
            f"expected text, got {type(value).__name__}", field="text", value=shown(value)
        )
    return value.strip() or None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidTaxError(
            f"expected text, got {type(value).__name__}", field="text", value=shown(value)
        )
    return value


def _sequence(value: object) -> int:
    if type(value) is not int or not -_MAX_SEQUENCE <= value < _MAX_SEQUENCE:
        raise InvalidTaxError(
            f"sequence={shown(value)!r} must be an integer of at most 64 bits",
            field="sequence",
            value=shown(value),
        )
    return value


def _is_bool(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not bool:
        raise InvalidTaxError(
            f"{attribute.name}={shown(value)!r} must be True or False",
            field=attribute.name,
            value=shown(value),
        )
