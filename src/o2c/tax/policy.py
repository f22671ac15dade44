"""The :class:`TaxPolicy` that decides every tax cent (rounding method, step and tie rule,
global base, price-included taxes, compounding, jurisdictions, cash rounding), its choices as
enums, and :data:`DEFAULT_POLICY` (EN 16931 global rounding).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
from moneyed import Currency

from o2c._checks import shown
from o2c.errors import InvalidTaxError
from o2c.money import (
    AMOUNT_FRACTION_DIGITS,
    AMOUNT_INTEGER_DIGITS,
    CashRounding,
    Rounding,
    RoundingPolicy,
)
from o2c.tax.kinds import LIMIT, _is_bool

__all__ = [
    "CompoundBase",
    "DEFAULT_POLICY",
    "GlobalBase",
    "IncludedRounding",
    "JurisdictionRounding",
    "RoundingMethod",
    "TaxPolicy",
]


#: The finest rounding step a policy may use: amounts carry at most AMOUNT_FRACTION_DIGITS
#: significant decimals, so a finer step rounds nothing (and would push a rounded amount of
#: 15 + more than 45 digits past CONTEXT's 60-digit precision).
_MIN_STEP = Decimal(1).scaleb(-AMOUNT_FRACTION_DIGITS)


class RoundingMethod(enum.Enum):
    """Where taxes are rounded."""

    #: Each line's net and each line tax are rounded; document totals are sums.
    PER_LINE = "per_line"
    #: EN 16931: line nets are rounded, each tax is computed once on the document's sum.
    GLOBAL = "global"
    #: Each unit's tax is rounded and multiplied by the quantity (US "item basis" on unit
    #: prices: 3 x 0.99 at 8.25 % is 3 x 0.08).  Totals are sums, as per line.
    PER_UNIT = "per_unit"


class GlobalBase(enum.Enum):
    """Under global rounding, what the per-tax base is the sum of."""

    #: Rounded line nets (EN 16931 BT-131, the default).
    ROUNDED_LINES = "rounded_lines"
    #: Raw, unrounded line amounts (Odoo's ``round_globally``).
    RAW_LINES = "raw_lines"


class IncludedRounding(enum.Enum):
    """How a price-included tax and the net are rounded out of a gross amount."""

    #: Round each tax; the net is the gross minus the rounded taxes (Odoo 17+). Gross preserved.
    NET_FROM_GROSS = "net_from_gross"
    #: Round the net; the taxes are the gross minus the net (Odoo <= 16). Gross preserved; a
    #: cent left between several included taxes goes to the last of them.
    TAX_FROM_GROSS = "tax_from_gross"
    #: Round net and taxes independently from the exact values; the difference to the gross is
    #: a stated ``rounding_adjustment`` (ERPNext), so the total still equals the gross.
    INDEPENDENT = "independent"


class CompoundBase(enum.Enum):
    """Under per-line rounding, whether an earlier tax enters later bases rounded or raw."""

    ROUNDED = "rounded"
    RAW = "raw"


class JurisdictionRounding(enum.Enum):
    """Whether taxes with a ``jurisdiction`` are rounded each on its own or as one aggregate."""

    SEPARATE = "separate"
    #: Round the sum of every jurisdiction's tax, then allocate it back by largest remainder
    #: (ties to the higher rate) - US Streamlined Sales Tax rounding.
    AGGREGATE = "aggregate"


def _default_included(policy: TaxPolicy) -> IncludedRounding:
    return (
        IncludedRounding.INDEPENDENT
        if policy.method is RoundingMethod.GLOBAL
        else IncludedRounding.NET_FROM_GROSS
    )


def _one_of(kind: type[enum.Enum]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            raise InvalidTaxError(
                f"{attribute.name}={shown(value)!r} must be a {kind.__name__}",
                field=attribute.name,
                value=shown(value),
            )

    return check


def _check_step(step: Decimal, field: str) -> None:
    if not _MIN_STEP <= step < LIMIT:
        raise InvalidTaxError(
            f"{field}={step} is out of range: a rounding step is between {_MIN_STEP} and "
            f"{AMOUNT_INTEGER_DIGITS} digits",
            field=field,
            value=step,
        )


def _rounding_policy(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, RoundingPolicy) or not isinstance(value.rounding, Rounding):
        raise InvalidTaxError(
            f"rounding={shown(value)!r} must be a RoundingPolicy with a Rounding",
            field="rounding",
            value=shown(value),
        )
    if value.step is not None:
        _check_step(value.step, "rounding.step")


def _cash_rounding(_instance: object, _attribute: object, value: CashRounding | None) -> None:
    if value is None:
        return
    if not isinstance(value, CashRounding) or not isinstance(value.rounding, Rounding):
        raise InvalidTaxError(
            f"cash_rounding={shown(value)!r} must be None or a CashRounding",
            field="cash_rounding",
            value=shown(value),
        )
    for step in value.overrides.values():
        _check_step(step, "cash_rounding.overrides")


@attrs.frozen(kw_only=True, cache_hash=True)
class TaxPolicy:
    """Every choice that changes a tax cent, recorded with each :class:`TaxResult`.

    Defaults: global rounding over rounded line nets (EN 16931), half-up to the currency's minor
    unit, earlier taxes compounding rounded, jurisdictions rounded separately.  For price-included
    taxes the default is :attr:`IncludedRounding.NET_FROM_GROSS` per line and
    :attr:`IncludedRounding.INDEPENDENT` (with a stated rounding adjustment) under global rounding.
    ``cash_rounding`` rounds the amount due only (a separate rounding amount; taxes never change)
    unless ``cash_rounding_in_biggest_tax`` folds it into the biggest tax (non-compliant, for
    systems that require it).
    """

    method: RoundingMethod = attrs.field(
        default=RoundingMethod.GLOBAL, validator=_one_of(RoundingMethod)
    )
    rounding: RoundingPolicy = attrs.field(factory=RoundingPolicy, validator=_rounding_policy)
    global_base: GlobalBase = attrs.field(
        default=GlobalBase.ROUNDED_LINES, validator=_one_of(GlobalBase)
    )
    included: IncludedRounding = attrs.field(
        default=attrs.Factory(_default_included, takes_self=True),
        validator=_one_of(IncludedRounding),
    )
    compound_base: CompoundBase = attrs.field(
        default=CompoundBase.ROUNDED, validator=_one_of(CompoundBase)
    )
    jurisdictions: JurisdictionRounding = attrs.field(
        default=JurisdictionRounding.SEPARATE, validator=_one_of(JurisdictionRounding)
    )
    cash_rounding: CashRounding | None = attrs.field(default=None, validator=_cash_rounding)
    #: Fold cash rounding's difference into the tax with the biggest amount (Odoo's cash
    #: rounding strategy "biggest tax"), for systems that require it: an explicit option, off
    #: by default.  Not compliant with EN 16931: that tax is then no longer its base x its rate
    #: (BR-CO-17), and the rounding belongs in the rounding amount, BT-114.
    cash_rounding_in_biggest_tax: bool = attrs.field(default=False, validator=_is_bool)

    def __attrs_post_init__(self) -> None:
        if self.cash_rounding_in_biggest_tax and self.cash_rounding is None:
            raise InvalidTaxError(
                "cash_rounding_in_biggest_tax=True needs cash_rounding=CashRounding()",
                field="cash_rounding_in_biggest_tax",
                value=True,
            )

    def step_for(self, currency_code: str | Currency) -> Decimal:
        """The rounding step in ``currency_code`` (the minor unit unless the policy sets one)."""
        return self.rounding.step_for(currency_code)


#: The policy of a document that names none (EN 16931 global rounding): one object, so the
#: compiled rules cached per policy find it by identity.
DEFAULT_POLICY = TaxPolicy()
