"""Taxes on lines and documents, right to the cent under a stated rounding policy.

A :class:`Tax` is one definition (percent, fixed per unit, or division) with the flags every ERP
uses: price-included, whether its amount joins the base of later taxes, whether its own base is
affected by earlier ones, compound (tax on tax), withholding, and an EN 16931 VAT category with the
exemption reason it requires.  :func:`compute` turns :class:`TaxableLine` values (and document
allowances and charges) into a :class:`TaxResult`: line nets, amounts per tax, the VAT breakdown
per category and rate, withholding kept apart, and totals.  The :class:`TaxPolicy` used travels
with the result, so a recomputation from the result is always identical.

The model: on a line, every tax amount is an affine function of the line's net ``N`` (``rate x
base`` where the base is ``N`` plus the earlier taxes that feed it, or a fixed amount per unit).
Price-included taxes are the ones contained in the priced amount ``G``, so ``N`` solves
``G = N + sum(included taxes)``; excluded taxes are then added on top.

>>> from decimal import Decimal
>>> from o2c.money import money
>>> vat21 = Tax.percent_of("VAT21", "21", price_included=True)
>>> lines = [TaxableLine(quantity=Decimal("1"), unit_price=money("11.90", "EUR"), taxes=[vat21]),
...          TaxableLine(quantity=Decimal("1"), unit_price=money("2.80", "EUR"), taxes=[vat21])]
>>> result = compute(lines, "EUR")                       # global rounding (EN 16931)
>>> result.untaxed.amount, result.tax_total.amount, result.total.amount
(Decimal('12.15'), Decimal('2.55'), Decimal('14.70'))
>>> per_line = compute(lines, "EUR", policy=TaxPolicy(method=RoundingMethod.PER_LINE))
>>> per_line.untaxed.amount, per_line.tax_total.amount, per_line.total.amount
(Decimal('12.14'), Decimal('2.56'), Decimal('14.70'))
>>> result.policy.method
<RoundingMethod.GLOBAL: 'global'>
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any, NewType, Protocol

import attrs
from moneyed import Currency, Money

from o2c._build import builder
from o2c._checks import as_tuple, shown
from o2c.errors import CurrencyMismatchError, InvalidTaxError
from o2c.money import (
    AMOUNT_FRACTION_DIGITS,
    AMOUNT_INTEGER_DIGITS,
    CONTEXT,
    CashRounding,
    Rounding,
    RoundingPolicy,
    allocate_decimal,
    check_amount,
    currency,
    minor_unit,
    quantize_decimal,
    rounder,
    to_decimal,
)

__all__ = [
    "AllowanceCharge",
    "AppliedExemption",
    "ChargeKind",
    "CompoundBase",
    "ExemptionCertificate",
    "GlobalBase",
    "IncludedRounding",
    "JurisdictionRounding",
    "LineTaxResult",
    "RateQuote",
    "RestateMethod",
    "RestatedTax",
    "RoundingMethod",
    "Tax",
    "TaxAmount",
    "TaxBreakdown",
    "TaxCategory",
    "TaxGroup",
    "TaxId",
    "TaxKind",
    "TaxPolicy",
    "TaxRestatement",
    "TaxResult",
    "TaxTotal",
    "Taxable",
    "TaxableLine",
    "compute",
    "flatten",
    "line_taxes",
    "restate",
]

TaxId = NewType("TaxId", str)

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)

#: Every amount o2c computes stays below this (the documented amount limit of o2c.money: at most
#: AMOUNT_INTEGER_DIGITS digits before the decimal point); beyond it, InvalidTaxError.
_LIMIT = Decimal(10) ** AMOUNT_INTEGER_DIGITS
#: The finest rounding step a policy may use: amounts carry at most AMOUNT_FRACTION_DIGITS
#: significant decimals, so a finer step rounds nothing (and would push a rounded amount of
#: 15 + more than 45 digits past CONTEXT's 60-digit precision).
_MIN_STEP = Decimal(1).scaleb(-AMOUNT_FRACTION_DIGITS)
#: The most taxes one line may carry: a compound tax's base sums every earlier tax, so a line's
#: cost grows with the square of its taxes (no tax system stacks more than a handful).
_MAX_TAXES = 64
#: ``sequence`` numbers stay within a signed 64-bit integer (as in every ERP's database column).
_MAX_SEQUENCE = 2**63


# --------------------------------------------------------------------------------------------
# Options


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


class ChargeKind(enum.Enum):
    """A document-level allowance (BG-20, reduces the base) or charge (BG-21, adds to it)."""

    ALLOWANCE = "allowance"
    CHARGE = "charge"


# --------------------------------------------------------------------------------------------
# Tax definitions


def _percent(value: object) -> Decimal:
    return to_decimal(value, field="percent")


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


@attrs.frozen(kw_only=True, cache_hash=True)
class Tax:
    """One tax definition.  ``percent`` is in percent (``Decimal("19")`` for 19 %).

    ``affects_base_of_subsequent`` adds this tax's amount to the base of later taxes whose
    ``base_affected_by_previous`` is true (Odoo's include_base_amount / is_base_affected);
    ``compound`` makes this tax's base the net plus every earlier tax (tax on tax).
    A ``withholding`` tax is usually negative and is kept apart from the tax totals.

    Raises:
        InvalidTaxError: for a rate on a zero-rate-only category (Z, E, AE, K, G, O), a
            ``DIVISION`` rate of 100 % or more, an empty id, or an unknown kind.
    """

    id: TaxId
    kind: TaxKind = TaxKind.PERCENT
    percent: Decimal = attrs.field(default=_ZERO, converter=_percent)
    amount_per_unit: Decimal = attrs.field(default=_ZERO, converter=_per_unit)
    price_included: bool = attrs.field(default=False, validator=_is_bool)
    affects_base_of_subsequent: bool = attrs.field(default=False, validator=_is_bool)
    base_affected_by_previous: bool = attrs.field(default=True, validator=_is_bool)
    compound: bool = attrs.field(default=False, validator=_is_bool)
    sequence: int = attrs.field(default=0, converter=_sequence)
    withholding: bool = attrs.field(default=False, validator=_is_bool)
    category: TaxCategory | None = None
    exemption_reason: str | None = attrs.field(default=None, converter=_optional_text)
    exemption_reason_code: str | None = attrs.field(default=None, converter=_optional_text)
    jurisdiction: str | None = attrs.field(default=None, converter=_optional_text)
    name: str = attrs.field(default="", converter=_text)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise InvalidTaxError(
                f"tax id {shown(self.id)!r} must be non-empty text",
                field="id",
                value=shown(self.id),
            )
        if not isinstance(self.kind, TaxKind):
            raise InvalidTaxError(
                f"kind={shown(self.kind)!r} is not a TaxKind",
                field="kind",
                value=shown(self.kind),
            )
        if self.category is not None:
            if not isinstance(self.category, TaxCategory):
                raise InvalidTaxError(
                    f"category={shown(self.category)!r} is not a TaxCategory "
                    "(e.g. TaxCategory.STANDARD)",
                    field="category",
                    value=shown(self.category),
                )
            if self.category.zero_rate_only and (self.percent != 0 or self.amount_per_unit != 0):
                raise InvalidTaxError(
                    f"tax {self.id}: category {self.category.value} is zero-rated by definition, "
                    f"percent={self.percent} is impossible; use TaxCategory.STANDARD for a rate",
                    field="percent",
                    value=self.percent,
                )
        if self.kind is TaxKind.DOCUMENT_FIXED and (
            self.price_included or self.affects_base_of_subsequent or self.compound
        ):
            raise InvalidTaxError(
                f"tax {self.id}: a document-level fixed tax is known only for the whole document, "
                "so it cannot be price-included, compound or feed the base of a line's taxes",
                field="kind",
                value=self.kind,
            )
        if self.kind is TaxKind.DIVISION and self.percent >= _HUNDRED:
            raise InvalidTaxError(
                f"tax {self.id}: a division tax of {self.percent}% has no finite gross-up; "
                "use a rate below 100",
                field="percent",
                value=self.percent,
            )

    # -- named constructors ------------------------------------------------------------------

    @classmethod
    def percent_of(cls, tax_id: str, percent: str | int | Decimal, **options: Any) -> Tax:
        """A percent tax (``options`` are the other fields, e.g. ``price_included=True``)."""
        return cls(id=TaxId(tax_id), kind=TaxKind.PERCENT, percent=percent, **options)

    @classmethod
    def fixed(cls, tax_id: str, amount_per_unit: str | int | Decimal, **options: Any) -> Tax:
        """A fixed amount per unit (eco-tax, excise); its sign follows the unit price."""
        return cls(
            id=TaxId(tax_id),
            kind=TaxKind.FIXED,
            amount_per_unit=amount_per_unit,
            **options,
        )

    @classmethod
    def document_fixed(cls, tax_id: str, amount: str | int | Decimal, **options: Any) -> Tax:
        """A fixed amount for the whole document, spread over its lines pro rata to their nets.

        ``amount`` is stored in ``amount_per_unit`` (per document rather than per unit).
        """
        return cls(id=TaxId(tax_id), kind=TaxKind.DOCUMENT_FIXED, amount_per_unit=amount, **options)

    @classmethod
    def division(cls, tax_id: str, percent: str | int | Decimal, **options: Any) -> Tax:
        """A division (gross-up) tax: the tax is ``percent`` of the amount including it."""
        return cls(id=TaxId(tax_id), kind=TaxKind.DIVISION, percent=percent, **options)

    @classmethod
    def vat(
        cls,
        tax_id: str,
        percent: str | int | Decimal,
        category: TaxCategory = TaxCategory.STANDARD,
        *,
        reason: str | None = None,
        reason_code: str | None = None,
        **options: Any,
    ) -> Tax:
        """A VAT with its EN 16931 category; exempt-like categories need a ``reason`` or code.

        >>> Tax.vat("E", 0, TaxCategory.EXEMPT)
        Traceback (most recent call last):
        ...
        o2c.errors.InvalidTaxError: tax E: category E needs an exemption reason text or code ...
        """
        if not isinstance(category, TaxCategory):
            raise InvalidTaxError(
                f"category={shown(category)!r} is not a TaxCategory (e.g. TaxCategory.STANDARD)",
                field="category",
                value=shown(category),
            )
        if category.needs_exemption_reason and not (
            _optional_text(reason) or _optional_text(reason_code)
        ):
            raise InvalidTaxError(
                f"tax {tax_id}: category {category.value} needs an exemption reason text or code "
                "(EN 16931 BT-120/BT-121); pass reason='...' or reason_code='VATEX-...'",
                field="exemption_reason",
                value=reason,
            )
        return cls(
            id=TaxId(tax_id),
            kind=TaxKind.PERCENT,
            percent=percent,
            category=category,
            exemption_reason=reason,
            exemption_reason_code=reason_code,
            **options,
        )

    @classmethod
    def gst(
        cls,
        percent: str | int | Decimal,
        *,
        intra_state: bool,
        prefix: str = "",
        **options: Any,
    ) -> tuple[Tax, ...]:
        """India GST: CGST + SGST at half the rate each (intra-state), or IGST at the full rate.

        >>> [(t.id, t.percent) for t in Tax.gst(18, intra_state=True)]
        [('CGST9', Decimal('9')), ('SGST9', Decimal('9'))]
        >>> [(t.id, t.percent) for t in Tax.gst(18, intra_state=False)]
        [('IGST18', Decimal('18'))]
        """
        rate = _percent(percent)
        prefix = _text(prefix)
        if not intra_state:
            return (cls.percent_of(f"{prefix}IGST{rate.normalize():f}", rate, **options),)
        half = rate / 2
        label = f"{half.normalize():f}"
        return (
            cls.percent_of(f"{prefix}CGST{label}", half, jurisdiction="central", **options),
            cls.percent_of(f"{prefix}SGST{label}", half, jurisdiction="state", **options),
        )

    # -- the uniform verb --------------------------------------------------------------------

    def amount_on(
        self,
        base: Decimal,
        *,
        quantity: Decimal = _ONE,
        price_sign: int = 1,
        batch_percent: Decimal | None = None,
    ) -> Decimal:
        """The exact (unrounded) amount of this tax on ``base``, for every kind.

        ``batch_percent`` is the sum of the division rates computed together (this tax's
        own rate when ``None``).

        >>> Tax.percent_of("T", 10).amount_on(Decimal("200"))
        Decimal('20.0')
        >>> Tax.division("D", 10).amount_on(Decimal("200"))
        Decimal('22.2222...')
        >>> Tax.fixed("F", "1.50").amount_on(Decimal("0"), quantity=Decimal(-2))
        Decimal('-3.00')
        """
        base = to_decimal(base, field="base")
        quantity = to_decimal(quantity, field="quantity")
        if type(price_sign) is not int or price_sign not in (1, -1):
            raise InvalidTaxError(
                f"price_sign={shown(price_sign)!r} must be 1 or -1",
                field="price_sign",
                value=shown(price_sign),
            )
        if batch_percent is not None:
            batch_percent = to_decimal(batch_percent, field="batch_percent")
        with decimal.localcontext(CONTEXT):
            factor, constant = _coefficients(self, batch_percent)
            if self.kind is TaxKind.FIXED:
                return constant * quantity * price_sign
            if self.kind is TaxKind.DOCUMENT_FIXED:
                return self.amount_per_unit  # the document's amount, before it is spread
            return base * factor


_AMOUNT_KINDS = frozenset({TaxKind.FIXED, TaxKind.DOCUMENT_FIXED})


def _coefficients(tax: Tax, batch_percent: Decimal | None) -> tuple[Decimal, Decimal]:
    """``(factor, per_unit)``: amount = factor x base, or per_unit x quantity x sign."""
    if tax.kind is TaxKind.PERCENT:
        return tax.percent / _HUNDRED, _ZERO
    if tax.kind is TaxKind.DIVISION:
        total = tax.percent if batch_percent is None else batch_percent
        if total >= _HUNDRED:
            raise InvalidTaxError(
                f"division taxes computed together sum to {total}%: no finite gross-up",
                field="percent",
                value=total,
            )
        return tax.percent / (_HUNDRED - total), _ZERO
    if tax.kind is TaxKind.DOCUMENT_FIXED:
        return _ZERO, _ZERO  # nothing per line: the document amount is spread at the end
    return _ZERO, tax.amount_per_unit


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


# --------------------------------------------------------------------------------------------
# Policy and inputs


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
    if not _MIN_STEP <= step < _LIMIT:
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


@attrs.frozen(kw_only=True)
class TaxPolicy:
    """Every choice that changes a tax cent, recorded with each :class:`TaxResult`.

    Defaults: global rounding over rounded line nets (EN 16931), half-up to the currency's minor
    unit, earlier taxes compounding rounded, jurisdictions rounded separately.  For price-included
    taxes the default is :attr:`IncludedRounding.NET_FROM_GROSS` per line and
    :attr:`IncludedRounding.INDEPENDENT` (with a stated rounding adjustment) under global rounding.
    ``cash_rounding`` rounds the amount due only (a separate rounding amount; taxes never change).
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

    def step_for(self, currency_code: str | Currency) -> Decimal:
        """The rounding step in ``currency_code`` (the minor unit unless the policy sets one)."""
        return self.rounding.step_for(currency_code)


_DEFAULT_POLICY = TaxPolicy()


def _quantity(value: object) -> Decimal:
    return to_decimal(value, field="quantity")


def _discount(value: object) -> Decimal:
    d = to_decimal(value, field="discount_percent")
    if d < 0 or d > _HUNDRED:
        raise InvalidTaxError(
            f"discount_percent={d} must be between 0 and 100", field="discount_percent", value=d
        )
    return d


def line_taxes(value: Iterable[Tax | TaxGroup]) -> tuple[Tax, ...]:
    """A line's taxes: :func:`flatten`, as one shared tuple per combination of tax objects.

    Lines that carry the same :class:`Tax` objects get the very same tuple, which lets the tax
    engine group lines by identity; nothing else changes (the tuple holds the same objects).
    Converter of ``taxes`` on :class:`TaxableLine`, :class:`AllowanceCharge` and
    :class:`o2c.invoice.InvoiceLine`.

    >>> vat = Tax.vat("S19", "19")
    >>> line_taxes([vat]) is line_taxes((vat,))
    True
    """
    taxes = flatten(value)
    # By the taxes' identities: the cached tuple keeps its taxes alive, so no other object can
    # carry those ids while the entry exists.
    key = tuple(map(id, taxes))
    shared = _SHARED_TAXES.get(key)
    if shared is not None:
        return shared
    if len(_SHARED_TAXES) >= 4096:
        _SHARED_TAXES.clear()
    _SHARED_TAXES[key] = taxes
    return taxes


_SHARED_TAXES: dict[tuple[int, ...], tuple[Tax, ...]] = {}


#: Line classes whose constructors check every field :func:`compute` reads (o2c.invoice adds
#: its InvoiceLine); any other object is read into a TaxableLine, which checks it.
_CHECKED_LINES: set[type] = set()


def _money_field(field: str) -> Callable[[Any, Any, Any], None]:
    def check(_instance: object, _attribute: object, value: object) -> None:
        if not isinstance(value, Money):
            raise InvalidTaxError(
                f"{field}={shown(value)!r} must be a Money (o2c.money.money(amount, currency))",
                field=field,
                value=shown(value),
            )
        check_amount(value.amount, field=field)

    return check


def _check_line_amount(quantity: Decimal, unit_price: Money, discount_percent: Decimal) -> None:
    """Refuse a line whose amount ``quantity x unit_price`` is beyond the amount limit.

    Internal (shared with :class:`o2c.invoice.InvoiceLine`); the factors are checked already.
    """
    with decimal.localcontext(CONTEXT):
        amount = quantity * unit_price.amount
        if -_LIMIT < amount < _LIMIT:
            return
    raise InvalidTaxError(
        f"quantity {quantity} x unit_price {unit_price.amount} is beyond o2c's amount limit "
        f"({AMOUNT_INTEGER_DIGITS} digits before the decimal point); split the line",
        field="quantity",
        value=quantity,
    )


@attrs.frozen(kw_only=True)
class TaxableLine:
    """A priced line: ``quantity x unit_price``, less ``discount_percent``, with its taxes.

    ``taxes`` may contain :class:`TaxGroup` values; they are flattened and sorted by sequence.

    Raises:
        InvalidAmountError: for a unit price beyond the amount limit.
        InvalidTaxError: for a line amount beyond it, or inputs of the wrong kind.
    """

    quantity: Decimal = attrs.field(converter=_quantity)
    unit_price: Money = attrs.field(validator=_money_field("unit_price"))
    taxes: tuple[Tax, ...] = attrs.field(default=(), converter=line_taxes)
    discount_percent: Decimal = attrs.field(default=_ZERO, converter=_discount)

    def __attrs_post_init__(self) -> None:
        _check_line_amount(self.quantity, self.unit_price, self.discount_percent)


_CHECKED_LINES.add(TaxableLine)


class Taxable(Protocol):
    """What :func:`compute` reads from a line (a :class:`TaxableLine` or an invoice line)."""

    @property
    def quantity(self) -> Decimal: ...

    @property
    def unit_price(self) -> Money: ...

    @property
    def taxes(self) -> tuple[Tax, ...]: ...

    @property
    def discount_percent(self) -> Decimal: ...


@attrs.frozen(kw_only=True)
class AllowanceCharge:
    """A document-level allowance or charge (EN 16931 BG-20/BG-21).

    ``amount`` is positive on an invoice; a credit memo carries it negated (same kind).

    ``taxes``: the taxes on it (price-excluded; for EN 16931 one VAT), ``()`` for none, or
    ``None`` to apportion it over the document's tax sets pro rata to their line nets.
    """

    kind: ChargeKind
    amount: Money = attrs.field(validator=_money_field("amount"))
    reason: str = attrs.field(default="", converter=_text)
    reason_code: str | None = attrs.field(default=None, converter=_optional_text)
    taxes: tuple[Tax, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(line_taxes)
    )

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, ChargeKind):
            raise InvalidTaxError(
                f"kind={shown(self.kind)!r} must be ChargeKind.ALLOWANCE or ChargeKind.CHARGE",
                field="kind",
                value=shown(self.kind),
            )

    @property
    def signed(self) -> Decimal:
        """The amount as it enters the base: negative for an allowance."""
        return -self.amount.amount if self.kind is ChargeKind.ALLOWANCE else self.amount.amount


def _jurisdictions(value: object) -> frozenset[Any]:
    items = (
        as_tuple(value, "jurisdictions", "items", InvalidTaxError)
        if not isinstance(value, frozenset)
        else value
    )
    for item in items:
        _text(item)
    return frozenset(items)


def _is_date(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidTaxError(
            f"{attribute.name}={shown(value)!r} must be a date (not a datetime)",
            field=attribute.name,
            value=shown(value),
        )


def _is_optional_date(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _is_date(instance, attribute, value)


@attrs.frozen(kw_only=True)
class ExemptionCertificate:
    """A customer's exemption certificate for some jurisdictions, valid between two dates."""

    certificate_id: str = attrs.field(converter=_text)
    jurisdictions: frozenset[str] = attrs.field(converter=_jurisdictions)
    valid_from: dt.date = attrs.field(validator=_is_date)
    valid_to: dt.date | None = attrs.field(default=None, validator=_is_optional_date)

    def covers(self, tax: Tax, on: dt.date) -> bool:
        """Whether this certificate exempts ``tax`` on the date ``on`` (both ends inclusive)."""
        if tax.jurisdiction is None or tax.jurisdiction not in self.jurisdictions:
            return False
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


# --------------------------------------------------------------------------------------------
# Results


@attrs.frozen(kw_only=True)
class TaxAmount:
    """One tax on one line: its base and amount."""

    tax: Tax
    base: Money
    amount: Money


@attrs.frozen(kw_only=True)
class LineTaxResult:
    """One line (or document allowance/charge) after tax: its net (BT-131) and its taxes.

    Under global rounding a line's taxes are the document's rounded tax spread back over the
    lines (largest remainder), so the lines always sum to the document.
    """

    index: int
    gross: Money
    net: Money
    taxes: tuple[TaxAmount, ...]
    rounding_adjustment: Money
    charge: ChargeKind | None = None


@attrs.frozen(kw_only=True)
class TaxTotal:
    """One tax over the document: base, rounded amount, and the exact unrounded amount."""

    tax: Tax
    base: Money
    amount: Money
    raw_amount: Decimal


@attrs.frozen(kw_only=True)
class TaxBreakdown:
    """One VAT breakdown group (EN 16931 BG-23): category and rate, base, amount."""

    category: TaxCategory | None
    percent: Decimal | None
    base: Money
    amount: Money
    exemption_reason: str | None = None
    exemption_reason_code: str | None = None
    tax_ids: tuple[TaxId, ...] = ()


@attrs.frozen(kw_only=True)
class AppliedExemption:
    """A tax removed by an exemption certificate, with the amount that would have applied."""

    certificate_id: str
    tax_id: TaxId
    forgone: Money


#: One computed line, compact: ``(index, charge, gross, net, adjustment, taxes, bases, raws,
#: amounts)``; ``amounts`` is ``None`` under global rounding (spread when the lines are read),
#: ``bases`` and ``raws`` are ``None`` for a simple line (every base is the net, every raw
#: amount is rate x net).
_Row = tuple[
    int,
    "ChargeKind | None",
    Decimal,
    Decimal,
    Decimal,
    "tuple[Tax, ...]",
    "tuple[Decimal, ...] | None",
    "tuple[Decimal, ...] | None",
    "tuple[Decimal, ...] | None",
]
#: One tax over the document: ``(tax, base, amount, raw amount)``.
_TaxRow = tuple["Tax", Decimal, Decimal, Decimal]


@attrs.frozen(kw_only=True)
class TaxResult:
    """Taxes of a document under ``policy``; amounts are rounded, lines sum to the document.

    ``total`` is ``untaxed + tax_total + withholding_total + rounding_adjustment``: what the
    customer owes before cash rounding.  ``total_with_tax`` leaves withholding out (EN 16931
    BT-112 plus the rounding adjustment).  Amounts are kept as exact Decimals inside and given
    out as :class:`~moneyed.Money`; the per-line view (:attr:`lines`) is built when read.
    """

    currency: Currency
    policy: TaxPolicy
    _rows: tuple[_Row, ...] = attrs.field(repr=False)
    _tax_rows: tuple[_TaxRow, ...] = attrs.field(repr=False)
    _line_count: int = attrs.field(repr=False)
    _line_total: Decimal
    _allowance_total: Decimal
    _charge_total: Decimal
    _untaxed: Decimal
    _tax_total: Decimal
    _withholding_total: Decimal
    _rounding_adjustment: Decimal
    _exempt_sales: Decimal
    exemptions: tuple[AppliedExemption, ...] = ()
    notes: tuple[str, ...] = ()
    #: The percent of a "mixed" early-payment discount the tax bases were reduced by.
    tax_base_discount_percent: Decimal | None = None

    def _m(self, amount: Decimal) -> Money:
        return Money(amount, self.currency)

    @property
    def line_total(self) -> Money:
        """The sum of the line nets (EN 16931 BT-106)."""
        return self._m(self._line_total)

    @property
    def allowance_total(self) -> Money:
        """The document-level allowances (BT-107)."""
        return self._m(self._allowance_total)

    @property
    def charge_total(self) -> Money:
        """The document-level charges (BT-108)."""
        return self._m(self._charge_total)

    @property
    def untaxed(self) -> Money:
        """``line_total - allowance_total + charge_total`` (BT-109)."""
        return self._m(self._untaxed)

    @property
    def tax_total(self) -> Money:
        """Every tax but withholding (BT-110)."""
        return self._m(self._tax_total)

    @property
    def withholding_total(self) -> Money:
        """The withholding taxes (negative), kept apart from ``tax_total``."""
        return self._m(self._withholding_total)

    @property
    def rounding_adjustment(self) -> Money:
        """The difference left by rounding price-included taxes and net independently."""
        return self._m(self._rounding_adjustment)

    @property
    def total(self) -> Money:
        """``untaxed + tax_total + withholding_total + rounding_adjustment``."""
        return self._m(
            self._untaxed + self._tax_total + self._withholding_total + self._rounding_adjustment
        )

    @property
    def total_with_tax(self) -> Money:
        """``untaxed + tax_total + rounding_adjustment`` (withholding left out)."""
        return self._m(self._untaxed + self._tax_total + self._rounding_adjustment)

    @property
    def exempt_sales(self) -> Money:
        """The nets of lines that carry no tax (no taxes, or all removed by a certificate)."""
        return self._m(self._exempt_sales)

    @property
    def taxes(self) -> tuple[TaxTotal, ...]:
        """One :class:`TaxTotal` per tax, in the order the taxes first appear."""
        m = self._m
        return tuple(
            TaxTotal(tax=t, base=m(base), amount=m(amount), raw_amount=raw)
            for t, base, amount, raw in self._tax_rows
        )

    def tax(self, tax_id: str) -> Money:
        """The rounded amount of the tax ``tax_id`` (zero when the document does not have it)."""
        for t, _base, amount, _raw in self._tax_rows:
            if t.id == tax_id:
                return self._m(amount)
        return self._m(_ZERO)

    @property
    def lines(self) -> tuple[LineTaxResult, ...]:
        """The lines after tax, in input order."""
        return self._line_results()[: self._line_count]

    @property
    def charges(self) -> tuple[LineTaxResult, ...]:
        """The document allowances and charges after tax (apportioned ones split by tax set)."""
        return self._line_results()[self._line_count :]

    def _line_results(self) -> tuple[LineTaxResult, ...]:
        rows = self._rows
        step = _canonical_step(self.policy.step_for(self.currency))
        spread: list[list[Decimal]] = []
        if rows and rows[0][8] is None:  # global rounding: spread each tax over its lines
            spread = _tax_parts(
                [(t.id, amount) for t, _base, amount, _raw in self._tax_rows],
                [row[5] for row in rows],
                [_row_raws(row) for row in rows],
                step,
            )
        m = self._m
        mode = self.policy.rounding.rounding
        out = []
        for r, (index, charge, gross, net, adjustment, taxes, bases, _raws, amounts) in enumerate(
            rows
        ):
            if bases is None:
                bases = (net,) * len(taxes)
            if amounts is None:
                amounts = tuple(spread[r])
                bases = tuple(quantize_decimal(b, step, mode) for b in bases)
            out.append(
                LineTaxResult(
                    index=index,
                    gross=m(gross),
                    net=m(net),
                    taxes=tuple(
                        TaxAmount(tax=t, base=m(bases[i]), amount=m(amounts[i]))
                        for i, t in enumerate(taxes)
                    ),
                    rounding_adjustment=m(adjustment),
                    charge=charge,
                )
            )
        return tuple(out)

    @property
    def breakdown(self) -> tuple[TaxBreakdown, ...]:
        """The VAT breakdown: non-withholding taxes grouped by category and rate, in order."""
        groups: dict[tuple[TaxCategory | None, Decimal | None], list[_TaxRow]] = {}
        for row in self._tax_rows:
            t = row[0]
            if t.withholding:
                continue
            pct = None if t.kind in _AMOUNT_KINDS else t.percent.normalize()
            groups.setdefault((t.category, pct), []).append(row)
        out = []
        for (category, pct), members in groups.items():
            first = members[0][0]
            out.append(
                TaxBreakdown(
                    category=category,
                    percent=pct,
                    base=self._m(sum((m[1] for m in members), _ZERO)),
                    amount=self._m(sum((m[2] for m in members), _ZERO)),
                    exemption_reason=first.exemption_reason,
                    exemption_reason_code=first.exemption_reason_code,
                    tax_ids=tuple(m[0].id for m in members),
                )
            )
        return tuple(out)

    @property
    def cash_rounding_amount(self) -> Money:
        """What cash rounding (``policy.cash_rounding``) adds to ``total``; zero without it."""
        return Money(self.amount_due.amount - self.total.amount, self.currency)

    @property
    def amount_due(self) -> Money:
        """``total`` cash-rounded under ``policy.cash_rounding`` (``total`` when none)."""
        return _cash_round(self.policy.cash_rounding, self.total)

    def recompute(
        self,
        lines: Sequence[Taxable],
        charges: Sequence[AllowanceCharge] = (),
        **options: Any,
    ) -> TaxResult:
        """The same computation again under this result's policy (identical by construction)."""
        return compute(lines, self.currency, policy=self.policy, charges=charges, **options)


#: ``TaxResult`` from every attribute, positionally, unchecked (see :mod:`o2c._build`).
_new_tax_result = builder(TaxResult)


def _row_raws(row: _Row) -> tuple[Decimal, ...]:
    """The exact tax amounts of a row (a simple row stores none: they are rate x net)."""
    raws = row[7]
    if raws is None:
        net = row[3]
        return tuple(f * net for f in _plan_of(row[5], False).factors)
    return raws


def _cash_round(cash: CashRounding | None, value: Money) -> Money:
    """``value`` rounded to the cash step (unchanged without cash rounding)."""
    if cash is None:
        return value
    step = _canonical_step(cash.increment(value.currency))
    rounded = quantize_decimal(value.amount, step, cash.rounding)
    return Money(quantize_decimal(rounded, minor_unit(value.currency)), value.currency)


# --------------------------------------------------------------------------------------------
# Plans: per tax tuple, the structure that does not depend on amounts (cached)


@attrs.frozen
class _Plan:
    taxes: tuple[Tax, ...]
    factors: tuple[Decimal, ...]
    per_unit: tuple[Decimal, ...]
    fixed: tuple[bool, ...]
    included: tuple[bool, ...]
    contrib: tuple[tuple[int, ...], ...]
    any_included: bool
    last_included: int
    #: Only price-excluded percent/division taxes on the net alone, none above 100 % (so no
    #: line tax exceeds its net): the common case.
    simple: bool
    #: Whether a tax with a non-zero rate or amount is on the line.
    taxed: bool
    #: Positions of document-level fixed taxes ...
    document_fixed: tuple[int, ...] = ()
    #: ... and whether a later tax's base includes one of them (the line is then evaluated
    #: again once its share of the document amount is known).
    feeds_on_document_fixed: bool = False


_PLANS_BY_IDENTITY: dict[int, tuple[tuple[Tax, ...], _Plan]] = {}


def _plan(taxes: tuple[Tax, ...]) -> _Plan:
    """The plan of a line's taxes; the same tuple object is looked up by identity (fast)."""
    hit = _PLANS_BY_IDENTITY.get(id(taxes))
    if hit is not None and hit[0] is taxes:
        return hit[1]
    plan = _plan_of(taxes, False)
    if len(_PLANS_BY_IDENTITY) > 4096:
        _PLANS_BY_IDENTITY.clear()
    _PLANS_BY_IDENTITY[id(taxes)] = (taxes, plan)
    return plan


@lru_cache(maxsize=4096)
def _plan_of(taxes: tuple[Tax, ...], force_excluded: bool) -> _Plan:
    n = len(taxes)
    seen: set[str] = set()
    for t in taxes:
        if t.id in seen:
            raise InvalidTaxError(
                f"tax {t.id} appears twice on one line; give each tax once",
                field="taxes",
                value=t.id,
            )
        seen.add(t.id)
    # Division batches: consecutive division taxes with the same inclusion, none feeding the next.
    batch_total: list[Decimal | None] = [None] * n
    i = 0
    while i < n:
        t = taxes[i]
        if t.kind is not TaxKind.DIVISION:
            i += 1
            continue
        j = i
        while (
            j + 1 < n
            and taxes[j + 1].kind is TaxKind.DIVISION
            and taxes[j + 1].price_included == t.price_included
            and not taxes[j].affects_base_of_subsequent
        ):
            j += 1
        total = sum((taxes[k].percent for k in range(i, j + 1)), _ZERO)
        for k in range(i, j + 1):
            batch_total[k] = total
        i = j + 1
    factors = []
    per_unit = []
    contrib = []
    for i, t in enumerate(taxes):
        f, c = _coefficients(t, batch_total[i])
        factors.append(f)
        per_unit.append(c)
        if t.compound:
            contrib.append(tuple(range(i)))
        elif t.base_affected_by_previous:
            contrib.append(tuple(j for j in range(i) if taxes[j].affects_base_of_subsequent))
        else:
            contrib.append(())
    included = tuple(t.price_included and not force_excluded for t in taxes)
    last = max((i for i in range(n) if included[i]), default=-1)
    # Which taxes have a document-level fixed amount in their base (directly or through an
    # earlier tax): known only once the document amount is spread, after the line's net.
    on_fixed = [False] * n
    for i in range(n):
        on_fixed[i] = any(
            taxes[j].kind is TaxKind.DOCUMENT_FIXED or on_fixed[j] for j in contrib[i]
        )
        if on_fixed[i] and included[i]:
            raise InvalidTaxError(
                f"tax {taxes[i].id} is price-included but its base includes a document-level "
                "fixed amount, which is known only for the whole document: the line's net "
                "cannot be recovered from its price; make it price-excluded",
                field="taxes",
                value=taxes[i].id,
            )
    return _Plan(
        taxes=taxes,
        factors=tuple(factors),
        per_unit=tuple(per_unit),
        fixed=tuple(t.kind is TaxKind.FIXED for t in taxes),
        included=included,
        contrib=tuple(contrib),
        any_included=last >= 0,
        last_included=last,
        simple=last < 0
        and not any(contrib)
        and not any(t.kind in _AMOUNT_KINDS for t in taxes)
        and all(-_ONE <= f <= _ONE for f in factors),
        taxed=any(
            (t.amount_per_unit != 0 if t.kind in _AMOUNT_KINDS else t.percent != 0) for t in taxes
        ),
        document_fixed=tuple(i for i, t in enumerate(taxes) if t.kind is TaxKind.DOCUMENT_FIXED),
        feeds_on_document_fixed=any(on_fixed),
    )


def _solve_net(plan: _Plan, gross: Decimal, quantity: Decimal, sign: int) -> list[Decimal]:
    """Exact amounts ``[N, A_0, A_1, ...]`` such that ``gross = N + sum(included A_i)``."""
    n = len(plan.taxes)
    a = [_ZERO] * n
    c = [_ZERO] * n
    inc_a = _ZERO
    inc_c = _ZERO
    for i in range(n):
        if plan.fixed[i]:
            c[i] = plan.per_unit[i] * quantity * sign
        else:
            ba = _ONE
            bc = _ZERO
            for j in plan.contrib[i]:
                ba += a[j]
                bc += c[j]
            f = plan.factors[i]
            a[i] = f * ba
            c[i] = f * bc
        if plan.included[i]:
            inc_a += a[i]
            inc_c += c[i]
    denominator = _ONE + inc_a
    if denominator == 0:
        raise InvalidTaxError(
            "the price-included taxes of a line sum to -100%: the net cannot be recovered",
            field="taxes",
            value=tuple(t.id for t in plan.taxes),
        )
    net = (gross - inc_c) / denominator
    return [net, *[a[i] * net + c[i] for i in range(n)]]


# --------------------------------------------------------------------------------------------
# Evaluation


@attrs.define
class _Acc:
    """Running per-tax sums over the document."""

    tax: Tax
    raw: Decimal = _ZERO
    base: Decimal = _ZERO
    amount: Decimal = _ZERO  # rounded (per-line sums)
    extracted: bool = False


@attrs.define
class _Line:
    index: int
    charge: ChargeKind | None
    plan: _Plan
    gross: Decimal
    net: Decimal
    raw_net: Decimal
    raw: list[Decimal]
    bases: list[Decimal]
    amounts: list[Decimal]
    adjustment: Decimal = _ZERO
    #: What the line was evaluated from (to evaluate it again with its document-fixed shares).
    amount: Decimal = _ZERO
    quantity: Decimal = _ONE
    sign: int = 1
    per_unit: bool = False


def _within(value: Decimal, what: str) -> Decimal:
    """``value`` when it is inside the amount limit, else a clear error."""
    if -_LIMIT < value < _LIMIT:
        return value
    raise InvalidTaxError(
        f"{what} comes to {value:.6E}, beyond o2c's amount limit ({AMOUNT_INTEGER_DIGITS} "
        "digits before the decimal point): check the rates and quantities, or split the document",
        field=what,
        value=value,
    )


class _Ctx:
    __slots__ = (
        "compound_raw",
        "decimal_mode",
        "epd",
        "global_rounded",
        "method",
        "mode",
        "per_line",
        "per_unit",
        "pow10",
        "q",
        "simple_global",
        "step",
        "zero",
    )

    def __init__(self, policy: TaxPolicy, step: Decimal, epd: Decimal | None) -> None:
        self.step = _canonical_step(step)
        self.mode = policy.rounding.rounding
        #: Rounds a Decimal to ``step`` under ``mode`` (the step inspected once).
        self.q = rounder(self.step, self.mode)
        #: Whether ``step`` is a power of ten: ``q(x)`` is then ``x.quantize(step, decimal_mode,
        #: CONTEXT)``, which a hot loop may call directly.
        self.pow10 = self.step.as_tuple().digits == (1,)
        self.decimal_mode = self.mode.value
        #: Zero with the step's exponent (0.00 in EUR).
        self.zero = _ZERO * self.step
        self.per_line = policy.method is not RoundingMethod.GLOBAL
        self.per_unit = policy.method is RoundingMethod.PER_UNIT
        self.global_rounded = policy.global_base is GlobalBase.ROUNDED_LINES
        #: EN 16931 global rounding on rounded line nets, jurisdictions apart (the fast path's).
        self.simple_global = (
            policy.method is RoundingMethod.GLOBAL
            and self.global_rounded
            and policy.jurisdictions is JurisdictionRounding.SEPARATE
        )
        self.compound_raw = policy.compound_base is CompoundBase.RAW
        self.method = policy.included
        self.epd = None if epd is None else _ONE - epd / _HUNDRED


def _canonical_step(step: Decimal) -> Decimal:
    """``step`` with a canonical exponent when it is a power of ten (``1.00`` -> ``1``).

    o2c.money.quantize_decimal caches "is this step a power of ten" by Decimal value, and
    ``Decimal("1.00") == Decimal("1")``: a non-canonical power of ten could then be used as an
    exponent template and round nothing.  Canonical steps side-step that.
    """
    normal = step.normalize(CONTEXT)
    if normal.as_tuple().digits == (1,):
        return normal
    return step


def _q(ctx: _Ctx, value: Decimal) -> Decimal:
    return ctx.q(value)


#: The evaluation context of each (policy, currency) seen without a tax-base discount, by the
#: policy's identity (policies are immutable; the entry keeps the policy alive).
_CONTEXTS: dict[tuple[int, str], tuple[TaxPolicy, _Ctx]] = {}


def _ctx_for(policy: TaxPolicy, code: str, epd: Decimal | None) -> _Ctx:
    if epd is not None:
        return _Ctx(policy, policy.step_for(code), epd)
    key = (id(policy), code)
    hit = _CONTEXTS.get(key)
    if hit is not None and hit[0] is policy:
        return hit[1]
    ctx = _Ctx(policy, policy.step_for(code), None)
    if len(_CONTEXTS) >= 1024:
        _CONTEXTS.clear()
    _CONTEXTS[key] = (policy, ctx)
    return ctx


def _eval_line(
    ctx: _Ctx,
    plan: _Plan,
    index: int,
    charge: ChargeKind | None,
    gross_raw: Decimal,
    quantity: Decimal,
    sign: int,
    shares: dict[int, Decimal] | None = None,
) -> _Line:
    """Evaluate one line; ``shares`` are its parts of document-level fixed taxes, by position.

    Checked lines and charges stay inside the amount limit; what their taxes make of them is
    checked here before anything is rounded (so no value can outgrow CONTEXT).
    """
    n = len(plan.taxes)
    per_line = ctx.per_line
    # The priced amount is always a rounded amount; only a base may stay raw (RAW_LINES).
    gross = _q(ctx, gross_raw)
    if plan.simple and ctx.epd is None:  # fast path: every tax is rate x net
        net = gross if (per_line or ctx.global_rounded) else gross_raw
        raws = [f * net for f in plan.factors]
        return _Line(
            index,
            charge,
            plan,
            gross,
            net,
            net,
            raws,
            [net] * n,
            [_q(ctx, r) for r in raws] if per_line else [_ZERO] * n,
        )
    adjustment = _ZERO
    raw: list[Decimal] = [_ZERO] * n
    amounts: list[Decimal] = [_ZERO] * n
    fixed_ = plan.fixed
    if plan.any_included:
        solved = _solve_net(plan, gross, quantity, sign)
        raw_net = _within(solved[0], f"the net of line {index}")
        included = plan.included
        for i in range(n):
            if included[i]:
                raw[i] = _within(solved[i + 1], f"tax {plan.taxes[i].id} on line {index}")
        if per_line:
            for i in range(n):
                if included[i]:
                    amounts[i] = _q(ctx, raw[i])
            inc_sum = sum((amounts[i] for i in range(n) if included[i]), _ZERO)
            if ctx.method is IncludedRounding.NET_FROM_GROSS:
                net = gross - inc_sum
            else:
                net = _q(ctx, raw_net)
                rest = gross - net - inc_sum
                if ctx.method is IncludedRounding.TAX_FROM_GROSS:
                    amounts[plan.last_included] += rest
                else:
                    adjustment = rest
        else:
            net = raw_net
    else:
        raw_net = gross if (per_line or ctx.global_rounded) else gross_raw
        net = raw_net
        included = plan.included
    # Forward pass: bases of every tax, amounts of the computed (not extracted) ones.
    bases: list[Decimal] = [_ZERO] * n
    values: list[Decimal] = [_ZERO] * n
    epd = ctx.epd
    net_base = net if epd is None else net * epd
    for i in range(n):
        b = net_base
        for j in plan.contrib[i]:
            b += values[j]
        extracted = included[i] and epd is None
        if not extracted:
            if fixed_[i]:
                raw[i] = plan.per_unit[i] * quantity * sign
            elif shares is not None and i in shares:
                raw[i] = shares[i]
            else:
                raw[i] = plan.factors[i] * b
            _within(raw[i], f"tax {plan.taxes[i].id} on line {index}")
            if per_line:
                amounts[i] = _q(ctx, raw[i])
        if per_line:
            bases[i] = _q(ctx, b)
            values[i] = raw[i] if (ctx.compound_raw and not extracted) else amounts[i]
        else:
            bases[i] = b
            values[i] = raw[i]
    return _Line(
        index=index,
        charge=charge,
        plan=plan,
        gross=gross,
        net=net,
        raw_net=raw_net,
        raw=raw,
        bases=bases,
        amounts=amounts,
        adjustment=adjustment,
        amount=gross_raw,
        quantity=quantity,
        sign=sign,
    )


def _eval_per_unit(
    ctx: _Ctx,
    plan: _Plan,
    index: int,
    amount: Decimal,
    quantity: Decimal,
    sign: int,
    shares: dict[int, Decimal] | None = None,
) -> _Line:
    """Evaluate one unit (rounded as a line), then multiply by the quantity.

    A document-level fixed share is the line's, not a unit's: a unit carries its quotient.
    """
    unit_shares = None if shares is None else {i: v / quantity for i, v in shares.items()}
    unit = _eval_line(ctx, plan, index, None, amount / quantity, _ONE, sign, unit_shares)
    gross = _q(ctx, amount)
    amounts = [_q(ctx, _within(a * quantity, f"a tax on line {index}")) for a in unit.amounts]
    bases = [_q(ctx, _within(b * quantity, f"a tax base on line {index}")) for b in unit.bases]
    adjustment = _q(ctx, unit.adjustment * quantity)
    raws = [r * quantity for r in unit.raw]
    if shares is not None:
        for i, v in shares.items():
            amounts[i] = raws[i] = v
    if plan.any_included:
        net = (
            gross
            - adjustment
            - sum((amounts[i] for i in range(len(amounts)) if plan.included[i]), _ZERO)
        )
    else:
        net = gross
    return _Line(
        index=index,
        charge=None,
        plan=plan,
        gross=gross,
        net=net,
        raw_net=unit.raw_net * quantity,
        raw=raws,
        bases=bases,
        amounts=amounts,
        adjustment=adjustment,
        amount=amount,
        quantity=quantity,
        sign=sign,
        per_unit=True,
    )


def _spread(total: Decimal, raws: Sequence[Decimal], step: Decimal) -> list[Decimal]:
    """Split ``total`` over parts near ``raws`` so they sum exactly (largest remainder).

    Positive and negative raw parts are allocated separately so each part keeps its sign.
    """
    n = len(raws)
    if n == 1:
        return [total]
    pos = [r if r > 0 else _ZERO for r in raws]
    neg = [-r if r < 0 else _ZERO for r in raws]
    pos_sum = sum(pos, _ZERO)
    neg_sum = sum(neg, _ZERO)
    if neg_sum == 0:
        if pos_sum == 0:
            return allocate_decimal(total, [1] * n, step)
        return allocate_decimal(total, pos, step)
    if pos_sum == 0:
        return allocate_decimal(total, neg, step)
    # The larger side (ties: the side of the first part) is rounded on its own, the other side
    # takes the rest, so negating every raw part negates every result exactly.
    first_positive = next(r for r in raws if r != 0) > 0
    if pos_sum > neg_sum or (pos_sum == neg_sum and first_positive):
        pos_total = quantize_decimal(pos_sum, step)
        neg_total = total - pos_total
    else:
        neg_total = -quantize_decimal(neg_sum, step)
        pos_total = total - neg_total
    a = allocate_decimal(pos_total, pos, step)
    b = allocate_decimal(neg_total, neg, step)
    return [a[i] if raws[i] > 0 else b[i] for i in range(n)]


def _apportion(
    charge: AllowanceCharge, groups: dict[tuple[Tax, ...], Decimal], step: Decimal
) -> list[tuple[tuple[Tax, ...], Decimal]]:
    keys = [k for k, v in groups.items() if v != 0]
    if not keys:
        return [((), charge.signed)]
    weights = [abs(groups[k]) for k in keys]
    parts = allocate_decimal(charge.signed, weights, step)
    return list(zip(keys, parts, strict=True))


def compute(
    lines: Sequence[Taxable],
    currency_code: str | Currency,
    *,
    policy: TaxPolicy | None = None,
    charges: Sequence[AllowanceCharge] = (),
    exemptions: Sequence[ExemptionCertificate] = (),
    on: dt.date | None = None,
    tax_base_discount_percent: Decimal | None = None,
) -> TaxResult:
    """The taxes of ``lines`` and document ``charges`` in ``currency_code`` under ``policy``.

    Args:
        lines: the priced lines with their taxes (:class:`TaxableLine`, or anything with the
            same four attributes, such as :class:`o2c.invoice.InvoiceLine`).
        currency_code: the document currency; every amount must be in it.
        policy: the rounding policy (EN 16931 global rounding by default).
        charges: document-level allowances and charges.
        exemptions: customer exemption certificates; a covered tax becomes zero and the amount
            it would have been is kept in ``exemptions`` and ``notes``.
        on: the date certificates are checked against (required with ``exemptions``).
        tax_base_discount_percent: a "mixed" early-payment discount (Belgium): percent and
            division taxes are computed on the net reduced by this percentage.

    Raises:
        CurrencyMismatchError: for an amount in another currency.
        InvalidTaxError: for impossible tax combinations (a tax twice on a line, included
            taxes of -100 %, certificates without a date ...).
    """
    policy = _DEFAULT_POLICY if policy is None else policy
    if type(policy) is not TaxPolicy:
        raise InvalidTaxError(
            f"policy={shown(policy)!r} must be a TaxPolicy", field="policy", value=shown(policy)
        )
    cur = _document_currency(currency_code)
    lines = _checked_lines(lines)
    if charges != ():
        charges = _checked_all(charges, AllowanceCharge, "charges")
    if exemptions != ():
        exemptions = _checked_all(exemptions, ExemptionCertificate, "exemptions")
    if exemptions:
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
        return _compute_with_exemptions(
            lines, cur, policy, charges, exemptions, on, tax_base_discount_percent
        )
    epd = None
    if tax_base_discount_percent is not None:
        epd = to_decimal(tax_base_discount_percent, field="tax_base_discount_percent")
        if epd < 0 or epd > _HUNDRED:
            raise InvalidTaxError(
                f"tax_base_discount_percent={epd} must be between 0 and 100",
                field="tax_base_discount_percent",
                value=epd,
            )
    return _computed(lines, cur, policy, charges, epd)


def _document_currency(code: object) -> Currency:
    if isinstance(code, Currency):
        return code
    if not isinstance(code, str):
        raise InvalidTaxError(
            f"currency={shown(code)!r} must be an ISO 4217 code or a Currency",
            field="currency",
            value=shown(code),
        )
    return currency(code)


def _checked_lines(lines: object) -> Sequence[Taxable]:
    given = (
        lines
        if type(lines) is list or type(lines) is tuple
        else as_tuple(lines, "lines", "items", InvalidTaxError)
    )
    checked = _CHECKED_LINES
    for line in given:
        if type(line) not in checked:
            break
    else:
        return given
    out: list[Any] = []
    for i, line in enumerate(given):
        if type(line) in checked:
            out.append(line)
            continue
        try:
            values = (line.quantity, line.unit_price, line.taxes, line.discount_percent)
        except AttributeError:
            raise InvalidTaxError(
                f"lines[{i}]={shown(line)!r} is not a line: it needs quantity, unit_price, "
                "taxes and discount_percent (use TaxableLine)",
                field=f"lines[{i}]",
                value=shown(line),
            ) from None
        out.append(
            TaxableLine(
                quantity=values[0],
                unit_price=values[1],
                taxes=values[2],
                discount_percent=values[3],
            )
        )
    return out


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


def _computed(
    lines: Sequence[Taxable],
    cur: Currency,
    policy: TaxPolicy,
    charges: Sequence[AllowanceCharge],
    epd: Decimal | None,
) -> TaxResult:
    """:func:`compute` once its arguments are checked (no exemption certificates)."""
    with decimal.localcontext(CONTEXT):
        return _compute(lines, cur, policy, charges, epd)


def _compute_with_exemptions(
    lines: Sequence[Taxable],
    cur: Currency,
    policy: TaxPolicy,
    charges: Sequence[AllowanceCharge],
    exemptions: Sequence[ExemptionCertificate],
    on: dt.date,
    epd: Decimal | None,
) -> TaxResult:
    full = compute(lines, cur, policy=policy, charges=charges, tax_base_discount_percent=epd)
    covered: dict[TaxId, str] = {}
    for t in full.taxes:
        for cert in exemptions:
            if cert.covers(t.tax, on):
                covered[t.tax.id] = cert.certificate_id
                break
    if not covered:
        return full

    def strip(taxes: tuple[Tax, ...]) -> tuple[Tax, ...]:
        return tuple(
            attrs.evolve(
                t,
                kind=TaxKind.PERCENT,
                percent=_ZERO,
                amount_per_unit=_ZERO,
                category=None,
            )
            if t.id in covered
            else t
            for t in taxes
        )

    exempt_lines = [
        TaxableLine(
            quantity=line.quantity,
            unit_price=line.unit_price,
            taxes=strip(line.taxes),
            discount_percent=line.discount_percent,
        )
        for line in lines
    ]
    exempt_charges = [
        c if c.taxes is None else attrs.evolve(c, taxes=strip(c.taxes)) for c in charges
    ]
    result = compute(
        exempt_lines, cur, policy=policy, charges=exempt_charges, tax_base_discount_percent=epd
    )
    applied = []
    by_cert: dict[str, Decimal] = {}
    for t in full.taxes:
        if t.tax.id in covered:
            cert_id = covered[t.tax.id]
            applied.append(
                AppliedExemption(certificate_id=cert_id, tax_id=t.tax.id, forgone=t.amount)
            )
            by_cert[cert_id] = by_cert.get(cert_id, _ZERO) + t.amount.amount
    notes = tuple(
        f"exempt by certificate; tax that would have applied: {amount}"
        for amount in by_cert.values()
    )
    # Report the original tax definitions (zero amounts), not the stripped stand-ins.
    originals = {t.tax.id: t.tax for t in full.taxes}
    tax_rows = tuple(
        (originals.get(t.id, t), base, amount, raw) for t, base, amount, raw in result._tax_rows
    )
    rows = tuple(
        (*row[:5], tuple(originals.get(t.id, t) for t in row[5]), *row[6:]) for row in result._rows
    )
    return attrs.evolve(
        result,
        rows=rows,
        tax_rows=tax_rows,
        exemptions=tuple(applied),
        notes=result.notes + notes,
    )


def _compute(
    lines: Sequence[Taxable],
    cur: Currency,
    policy: TaxPolicy,
    charges: Sequence[AllowanceCharge],
    epd: Decimal | None,
) -> TaxResult:
    code = cur.code
    ctx = _ctx_for(policy, code, epd)
    if _FAST_PATH and not charges and epd is None and ctx.simple_global:
        quick = _compute_simple(lines, cur, policy, ctx)
        if quick is not None:
            return quick
    evaluated: list[_Line] = []
    append = evaluated.append
    per_unit = ctx.per_unit
    per_line = ctx.per_line
    step = ctx.step
    mode = ctx.mode
    fast = epd is None and not per_unit
    net_rounded = per_line or ctx.global_rounded
    for index, line in enumerate(lines):
        price = line.unit_price
        if price.currency is not cur and price.currency != cur:
            raise CurrencyMismatchError(code, price.currency.code, operation="tax a line in")
        quantity = line.quantity
        amount = price.amount * quantity
        if line.discount_percent:
            amount = amount * (_HUNDRED - line.discount_percent) / _HUNDRED
        plan = _plan(line.taxes)
        if fast and plan.simple:  # inline fast path: every tax is rate x net
            gross = quantize_decimal(amount, step, mode)
            net = gross if net_rounded else amount
            n = len(plan.taxes)
            raws = [f * net for f in plan.factors]
            append(
                _Line(
                    index,
                    None,
                    plan,
                    gross,
                    net,
                    net,
                    raws,
                    [net] * n,
                    [quantize_decimal(r, step, mode) for r in raws] if per_line else [_ZERO] * n,
                )
            )
            continue
        sign = -1 if price.amount < 0 else 1
        if per_unit and quantity != 1 and quantity != 0:
            append(_eval_per_unit(ctx, plan, index, amount, quantity, sign))
        else:
            append(_eval_line(ctx, plan, index, None, amount, quantity, sign))
    charge_lines: list[_Line] = []
    groups: dict[tuple[Tax, ...], Decimal] | None = None
    for index, charge in enumerate(charges):
        if charge.amount.currency != cur:
            raise CurrencyMismatchError(
                code, charge.amount.currency.code, operation="add a charge in"
            )
        if charge.taxes is None:
            if groups is None:
                groups = {}
                for ln in evaluated:
                    groups[ln.plan.taxes] = groups.get(ln.plan.taxes, _ZERO) + ln.net
            parts = _apportion(charge, groups, minor_unit(code))
        else:
            parts = [(charge.taxes, charge.signed)]
        for taxes, part in parts:
            plan = _plan_of(taxes, True)
            charge_lines.append(_eval_line(ctx, plan, index, charge.kind, part, _ONE, 1))
    return _finish(ctx, cur, policy, evaluated, charge_lines, epd)


#: Whether :func:`compute` may take the fast path for documents of simple lines (tests switch
#: it off to check that both paths give equal results).
_FAST_PATH = True
#: ``TaxKind.PERCENT`` as a module global (an enum member looked up on its class costs more).
_PERCENT_KIND = TaxKind.PERCENT


def _compute_simple(
    lines: Sequence[Taxable], cur: Currency, policy: TaxPolicy, ctx: _Ctx
) -> TaxResult | None:
    """EN 16931 global rounding of price-excluded percent/division lines, with no charges.

    The common case, done on Decimals in one pass; ``None`` when a line needs the general path.
    """
    q = ctx.q
    # q(amount), inlined for a power-of-ten step (the usual minor unit).
    step = ctx.step if ctx.pow10 else None
    mode = ctx.decimal_mode
    zero = ctx.zero
    rows: list[_Row] = []
    append = rows.append
    # Net sums per tax tuple, by identity: lines share a few tuples (see line_taxes); equal
    # tuples that are different objects get entries of their own and meet again per tax below.
    sums: dict[int, list[Any]] = {}
    for index, line in enumerate(lines):
        taxes = line.taxes
        price = line.unit_price
        if price.currency is not cur and price.currency != cur:
            raise CurrencyMismatchError(cur.code, price.currency.code, operation="tax a line in")
        amount = price.amount * line.quantity
        if line.discount_percent:
            amount = amount * (_HUNDRED - line.discount_percent) / _HUNDRED
        net = q(amount) if step is None else amount.quantize(step, mode, CONTEXT)
        entry = sums.get(id(taxes))
        if entry is None:
            sums[id(taxes)] = [taxes, net]
        else:
            entry[1] += net
        append((index, None, net, net, zero, taxes, None, None, None))
    # Sums of rounded nets are exact (CONTEXT's precision), so the order of addition is free.
    line_total = zero
    exempt = zero
    accs: dict[str, list[Any]] = {}
    for taxes, net_sum in sums.values():
        plan = _plan(taxes)
        if not plan.simple:
            return None
        line_total += net_sum
        if not plan.taxed:
            exempt += net_sum
        # A plan has one factor per tax (no strict zip: its keyword costs more than the loop).
        for t, f in zip(plan.taxes, plan.factors):  # noqa: B905
            acc = accs.get(t.id)
            if acc is None:
                accs[t.id] = [t, net_sum, f * net_sum]
            elif acc[0] is not t and acc[0] != t:
                raise InvalidTaxError(
                    f"two different taxes share the id {t.id}: give each definition its own id",
                    field="taxes",
                    value=t.id,
                )
            else:
                acc[1] += net_sum
                acc[2] += f * net_sum
    tax_rows = []
    tax_total = zero
    withholding = zero
    for t, base_sum, raw in accs.values():
        # A simple plan's taxes are at most their base (|rate| <= 100 %): the base bounds them.
        if not -_LIMIT < base_sum < _LIMIT:
            _within(base_sum, f"the base of tax {t.id}")
        if step is None:
            base = q(base_sum)
            amount = q(base * t.percent / _HUNDRED) if t.kind is _PERCENT_KIND else q(raw)
        else:
            base = base_sum.quantize(step, mode, CONTEXT)
            amount = (base * t.percent / _HUNDRED if t.kind is _PERCENT_KIND else raw).quantize(
                step, mode, CONTEXT
            )
        tax_rows.append((t, base, amount, raw))
        if t.withholding:
            withholding += amount
        else:
            tax_total += amount
    if not (-_LIMIT < line_total < _LIMIT and -_LIMIT < tax_total + withholding < _LIMIT):
        _check_totals(line_total, tax_total, withholding, zero)
    return _new_tax_result(
        cur,  # currency
        policy,  # policy
        tuple(rows),  # rows
        tuple(tax_rows),  # tax_rows
        len(rows),  # line_count
        line_total,  # line_total
        zero,  # allowance_total
        zero,  # charge_total
        line_total,  # untaxed
        tax_total,  # tax_total
        withholding,  # withholding_total
        zero,  # rounding_adjustment
        exempt,  # exempt_sales
        (),  # exemptions
        (),  # notes
        None,  # tax_base_discount_percent
    )


def _finish(
    ctx: _Ctx,
    cur: Currency,
    policy: TaxPolicy,
    evaluated: list[_Line],
    charge_lines: list[_Line],
    epd: Decimal | None,
) -> TaxResult:
    step = ctx.step
    all_lines = evaluated + charge_lines
    _place_document_fixed(ctx, all_lines)
    accs: dict[TaxId, _Acc] = {}
    # Sum per plan first (lines share few tax sets), then per tax.
    # Under global rounding a simple plan's taxes are rate x net: summing the nets is enough.
    fast = not ctx.per_line and epd is None
    per_plan: dict[int, list[Any]] = {}
    for ln in all_lines:
        plan = ln.plan
        entry = per_plan.get(id(plan))
        if entry is None:
            entry = per_plan[id(plan)] = [plan, _ZERO, None]
        if fast and plan.simple:
            entry[1] += ln.net
        elif entry[2] is None:
            entry[2] = [list(ln.raw), list(ln.bases), list(ln.amounts)]
        else:
            for target, values in zip(entry[2], (ln.raw, ln.bases, ln.amounts), strict=True):
                for i, v in enumerate(values):
                    target[i] += v
    for plan, net_sum, sums in per_plan.values():
        n = len(plan.taxes)
        if sums is None:
            raws = [f * net_sum for f in plan.factors]
            bases = [net_sum] * n
            amounts = [_ZERO] * n
        else:
            raws, bases, amounts = sums
            if net_sum:
                for i, f in enumerate(plan.factors):
                    raws[i] += f * net_sum
                    bases[i] += net_sum
        for i, t in enumerate(plan.taxes):
            acc = accs.get(t.id)
            if acc is None:
                acc = accs[t.id] = _Acc(tax=t)
            elif acc.tax is not t and acc.tax != t:
                raise InvalidTaxError(
                    f"two different taxes share the id {t.id}: give each definition its own id",
                    field="taxes",
                    value=t.id,
                )
            acc.raw += raws[i]
            acc.base += bases[i]
            acc.amount += amounts[i]
            if plan.included[i] and epd is None:
                acc.extracted = True
    adjustment = _ZERO
    split = False
    if ctx.per_line:
        if policy.jurisdictions is JurisdictionRounding.AGGREGATE:
            for ln in all_lines:
                _aggregate_line(ln, step)
            for acc in accs.values():
                acc.amount = _ZERO
            for ln in all_lines:
                for i, t in enumerate(ln.plan.taxes):
                    accs[t.id].amount += ln.amounts[i]
        adjustment = sum((ln.adjustment for ln in all_lines), _ZERO)
    else:
        adjustment, split = _round_globally(ctx, policy, evaluated, charge_lines, accs)
    # Totals (a zero carries the step's exponent: 0.00 in EUR, never -0).
    zero = _ZERO * step
    adjustment += zero
    line_total = sum((ln.net for ln in evaluated), zero)
    allowance_total = zero - sum(
        (ln.net for ln in charge_lines if ln.charge is ChargeKind.ALLOWANCE), zero
    )
    charge_total = sum((ln.net for ln in charge_lines if ln.charge is ChargeKind.CHARGE), zero)
    untaxed = line_total - allowance_total + charge_total
    tax_total = zero
    withholding = zero
    for acc in accs.values():
        if acc.tax.withholding:
            withholding += acc.amount
        else:
            tax_total += acc.amount
    for name, value in (
        ("line_total", line_total),
        ("allowance_total", allowance_total),
        ("charge_total", charge_total),
    ):
        _within(value, name)
    _check_totals(untaxed, tax_total, withholding, adjustment)
    exempt_sales = sum((ln.net for ln in evaluated if not _taxed(ln)), zero)
    per_line = ctx.per_line
    plain = not per_line and ctx.global_rounded and epd is None
    mode = ctx.mode
    rows = tuple(
        (
            ln.index,
            ln.charge,
            ln.gross,
            ln.net,
            ln.adjustment,
            ln.plan.taxes,
            None
            if plain and ln.plan.simple
            else tuple(
                # Lines split here store rounded bases, as TaxResult.lines shows them.
                quantize_decimal(b, step, mode)
                for b in ln.bases
            )
            if split
            else tuple(ln.bases),
            None if plain and ln.plan.simple else tuple(ln.raw),
            tuple(ln.amounts) if per_line or split else None,
        )
        for ln in all_lines
    )
    return TaxResult(
        currency=cur,
        policy=policy,
        rows=rows,
        tax_rows=tuple((a.tax, a.base, a.amount, a.raw) for a in accs.values()),
        line_count=len(evaluated),
        line_total=line_total,
        allowance_total=allowance_total,
        charge_total=charge_total,
        untaxed=untaxed,
        tax_total=tax_total,
        withholding_total=withholding,
        rounding_adjustment=adjustment,
        exempt_sales=exempt_sales,
        tax_base_discount_percent=epd,
    )


def _check_totals(
    untaxed: Decimal, tax_total: Decimal, withholding: Decimal, adjustment: Decimal
) -> None:
    """Refuse a document whose totals are beyond the amount limit (each line may be within)."""
    _within(untaxed, "untaxed")
    _within(tax_total, "tax_total")
    _within(withholding, "withholding_total")
    _within(untaxed + tax_total + withholding + adjustment, "total")


def _place_document_fixed(ctx: _Ctx, lines: list[_Line]) -> None:
    """Spread each document-level fixed tax over its lines by base, in the order they appear.

    A line whose later taxes include it in their base (a compound tax, or one affected by an
    earlier tax that is) is evaluated again with its share, so those bases hold the share exactly
    as they hold a per-unit fixed amount.  The one rule for both: a tax's base is the net plus
    the amounts its definition includes, whatever their kind.
    """
    first: dict[TaxId, Tax] = {}
    for ln in lines:
        for i in ln.plan.document_fixed:
            t = ln.plan.taxes[i]
            first.setdefault(t.id, t)
    if not first:
        return
    step = ctx.step
    shares: dict[int, dict[int, Decimal]] = {}
    for tax_id, tax in first.items():
        holders = [
            (k, i)
            for k, ln in enumerate(lines)
            for i in ln.plan.document_fixed
            if ln.plan.taxes[i].id == tax_id
        ]
        bases = [lines[k].bases[i] for k, i in holders]
        sign = -1 if sum(bases, _ZERO) < 0 else 1
        amount = quantize_decimal(sign * tax.amount_per_unit, step, ctx.mode)
        for (k, i), part in zip(holders, _spread(amount, bases, step), strict=True):
            shares.setdefault(k, {})[i] = part
        for k, own in shares.items():
            ln = lines[k]
            if ln.plan.feeds_on_document_fixed:
                _evaluate_again(ctx, ln, own)
            for i, part in own.items():
                ln.raw[i] = part
                ln.amounts[i] = part


def _evaluate_again(ctx: _Ctx, ln: _Line, shares: dict[int, Decimal]) -> None:
    """Evaluate ``ln`` again from its inputs with its document-fixed ``shares`` (in place)."""
    if ln.per_unit:
        again = _eval_per_unit(ctx, ln.plan, ln.index, ln.amount, ln.quantity, ln.sign, shares)
    else:
        again = _eval_line(
            ctx, ln.plan, ln.index, ln.charge, ln.amount, ln.quantity, ln.sign, shares
        )
    ln.net = again.net
    ln.raw_net = again.raw_net
    ln.raw = again.raw
    ln.bases = again.bases
    ln.amounts = again.amounts
    ln.adjustment = again.adjustment


def _taxed(ln: _Line) -> bool:
    """Whether a line carries a tax with a non-zero rate or amount."""
    return ln.plan.taxed


def _aggregate_line(ln: _Line, step: Decimal) -> None:
    idx = [i for i, t in enumerate(ln.plan.taxes) if t.jurisdiction is not None]
    if len(idx) < 2:
        return
    total = quantize_decimal(sum((ln.raw[i] for i in idx), _ZERO), step)
    parts = _allocate_jurisdictions(total, [(ln.plan.taxes[i], ln.raw[i]) for i in idx], step)
    for i, part in zip(idx, parts, strict=True):
        ln.amounts[i] = part


def _allocate_jurisdictions(
    total: Decimal, members: list[tuple[Tax, Decimal]], step: Decimal
) -> list[Decimal]:
    """Split an aggregate over jurisdictions by largest remainder, ties to the higher rate."""
    order = sorted(range(len(members)), key=lambda k: -members[k][0].percent)
    shares = _spread(total, [members[k][1] for k in order], step)
    out = [_ZERO] * len(members)
    for pos, k in enumerate(order):
        out[k] = shares[pos]
    return out


def _round_globally(
    ctx: _Ctx,
    policy: TaxPolicy,
    evaluated: list[_Line],
    charge_lines: list[_Line],
    accs: dict[TaxId, _Acc],
) -> tuple[Decimal, bool]:
    """Round each tax once over the document, then the line nets; the rounding adjustment, and
    whether the lines' taxes were split here (documents with price-included lines)."""
    step = ctx.step
    # 1. One rounding per tax: extracted (price-included) taxes from their exact sum; computed
    #    percent taxes as rate x rounded base (EN 16931 BT-117 = BT-116 x rate).
    for acc in accs.values():
        t = acc.tax
        _within(acc.base, f"the base of tax {t.id}")
        _within(acc.raw, f"tax {t.id}")
        base = quantize_decimal(acc.base, step, ctx.mode)
        if (
            not acc.extracted
            and t.kind is TaxKind.PERCENT
            and policy.global_base is GlobalBase.ROUNDED_LINES
        ):
            acc.amount = quantize_decimal(base * t.percent / _HUNDRED, step, ctx.mode)
        else:
            acc.amount = quantize_decimal(acc.raw, step, ctx.mode)
        acc.base = base
    if policy.jurisdictions is JurisdictionRounding.AGGREGATE:
        members = [(a.tax, a.raw) for a in accs.values() if a.tax.jurisdiction is not None]
        if len(members) > 1:
            total = quantize_decimal(sum((r for _, r in members), _ZERO), step, ctx.mode)
            parts = _allocate_jurisdictions(total, members, step)
            for (t, _), part in zip(members, parts, strict=True):
                accs[t.id].amount = part
    # 2. Line nets.
    adjustment = _ZERO
    incl_lines = [ln for ln in evaluated if ln.plan.any_included]
    if not ctx.global_rounded:
        plain = [ln for ln in evaluated if not ln.plan.any_included] + charge_lines
        if plain:
            total = quantize_decimal(sum((ln.raw_net for ln in plain), _ZERO), step, ctx.mode)
            for ln, net in zip(
                plain, _spread(total, [ln.raw_net for ln in plain], step), strict=True
            ):
                ln.net = net
    if incl_lines and ctx.epd is None:
        return _split_included(ctx, evaluated + charge_lines, incl_lines, accs), True
    if incl_lines:  # taxes on a discounted base: the gross does not hold them
        untaxed = quantize_decimal(sum((ln.raw_net for ln in incl_lines), _ZERO), step, ctx.mode)
        nets = _spread(untaxed, [ln.raw_net for ln in incl_lines], step)
        for ln, net in zip(incl_lines, nets, strict=True):
            ln.net = net
    return adjustment, False


def _split_included(
    ctx: _Ctx, lines: list[_Line], incl_lines: list[_Line], accs: dict[TaxId, _Acc]
) -> Decimal:
    """Lines with price-included taxes under global rounding: net + included taxes = gross.

    The remainder rule: every tax's document amount is spread over its lines by largest
    remainder of their exact amounts (as on every document); a line's net is its gross less its
    included taxes.  Then, by :class:`IncludedRounding`:

    - ``NET_FROM_GROSS``: that is the net; the untaxed total is their sum.
    - ``INDEPENDENT``: the untaxed total is the exact one rounded; the difference to the sum of
      those nets is the rounding adjustment, one step at a time to the lines whose net is
      furthest from its exact value in its direction (ties to the earlier line); each line
      states its part, so net + included taxes + adjustment = gross on every line.
    - ``TAX_FROM_GROSS``: the untaxed total is the exact one rounded and spread over the lines
      by largest remainder; what a line's gross leaves goes to its last included tax, whose
      document amount is the sum of its lines.

    Returns the document's rounding adjustment.
    """
    step = ctx.step
    parts = _tax_parts(
        [(a.tax.id, a.amount) for a in accs.values()],
        [ln.plan.taxes for ln in lines],
        [ln.raw for ln in lines],
        step,
    )
    for ln, amounts in zip(lines, parts, strict=True):
        ln.amounts = amounts
    left = []
    for ln in incl_lines:
        included = ln.plan.included
        left.append(
            ln.gross - sum((a for a, inc in zip(ln.amounts, included, strict=True) if inc), _ZERO)
        )
    method = ctx.method
    if method is IncludedRounding.NET_FROM_GROSS:
        for ln, net in zip(incl_lines, left, strict=True):
            ln.net = net
        return _ZERO
    raw_nets = [ln.raw_net for ln in incl_lines]
    untaxed = quantize_decimal(sum(raw_nets, _ZERO), step, ctx.mode)
    if method is IncludedRounding.TAX_FROM_GROSS:
        nets = _spread(untaxed, raw_nets, step)
        for ln, net, rest in zip(incl_lines, nets, left, strict=True):
            ln.net = net
            last = ln.plan.last_included
            ln.amounts[last] += rest - net
            accs[ln.plan.taxes[last].id].amount += rest - net
        return _ZERO
    rest = sum(left, _ZERO) - untaxed
    shares = _steps(rest, [x - r for x, r in zip(left, raw_nets, strict=True)], step)
    for ln, x, share in zip(incl_lines, left, shares, strict=True):
        ln.net = x - share
        ln.adjustment = share
    return rest


def _steps(total: Decimal, excess: list[Decimal], step: Decimal) -> list[Decimal]:
    """``total`` (a multiple of ``step``) in steps to the parts with the largest ``excess`` in
    its direction (ties to the earlier part); evenly first when there are more steps than parts."""
    n = len(excess)
    out = [_ZERO * step] * n
    units = int(total / step)
    if units == 0:
        return out
    direction = 1 if units > 0 else -1
    each, extra = divmod(abs(units), n)
    order = sorted(range(n), key=lambda i: (-(excess[i] * direction), i))
    for rank, i in enumerate(order):
        out[i] = direction * (each + (1 if rank < extra else 0)) * step
    return out


def _tax_parts(
    totals: Sequence[tuple[TaxId, Decimal]],
    taxes: Sequence[tuple[Tax, ...]],
    raws: Sequence[Sequence[Decimal]],
    step: Decimal,
) -> list[list[Decimal]]:
    """Each tax's document amount spread over the lines carrying it (largest remainder of their
    exact amounts, see :func:`_spread`): one list of amounts per line, by tax position."""
    out = [[_ZERO] * len(t) for t in taxes]
    for tax_id, amount in totals:
        holders = [
            (r, i) for r, row in enumerate(taxes) for i, x in enumerate(row) if x.id == tax_id
        ]
        parts = _spread(amount, [raws[r][i] for r, i in holders], step)
        for (r, i), part in zip(holders, parts, strict=True):
            out[r][i] = part
    return out


# --------------------------------------------------------------------------------------------
# Tax in another currency (EU VAT Directive Art. 230)


class RateQuote(enum.Enum):
    """What a conversion rate means."""

    #: Units of the document currency per one unit of the company currency (ECB style:
    #: 1 EUR = 1.0823 USD for a USD invoice of a EUR company).
    DOCUMENT_PER_COMPANY = "document_per_company"
    #: Units of the company currency per one unit of the document currency.
    COMPANY_PER_DOCUMENT = "company_per_document"


class RestateMethod(enum.Enum):
    """How an amount of tax is restated in the company currency."""

    #: Convert each stated (rounded) tax amount and round (Art. 230: the VAT on the invoice).
    CONVERT_STATED = "convert_stated"
    #: Convert the exact unrounded tax and round (Odoo's company-currency tax details).
    CONVERT_RAW = "convert_raw"
    #: Convert the base, round it, then apply the rate and round again.
    TAX_CONVERTED_BASE = "tax_converted_base"


class _HasValue(Protocol):
    @property
    def value(self) -> Decimal: ...


@attrs.frozen(kw_only=True)
class RestatedTax:
    """One tax restated: base and amount in the company currency."""

    tax: Tax
    base: Money
    amount: Money


@attrs.frozen(kw_only=True)
class TaxRestatement:
    """The document's tax restated in another currency, with the rate and rounding rule."""

    currency: Currency
    rate: Decimal
    quote: RateQuote
    method: RestateMethod
    rounding: RoundingPolicy
    taxes: tuple[RestatedTax, ...]
    untaxed: Money
    tax_total: Money

    @property
    def rule(self) -> str:
        """The rounding rule in words, for the invoice footer."""
        return (
            f"tax restated in {self.currency.code} at {self.rate} ({self.quote.value}), "
            f"{self.method.value}, rounded {self.rounding.rounding.name.lower()} to "
            f"{self.rounding.step_for(self.currency)} per tax"
        )

    def tax(self, tax_id: str) -> Money:
        """The restated amount of the tax ``tax_id`` (zero when absent)."""
        for t in self.taxes:
            if t.tax.id == tax_id:
                return t.amount
        return Money(_ZERO, self.currency)


def restate(
    result: TaxResult,
    currency_code: str | Currency,
    rate: Decimal | _HasValue,
    *,
    quote: RateQuote,
    method: RestateMethod = RestateMethod.CONVERT_STATED,
    rounding: RoundingPolicy | None = None,
) -> TaxRestatement:
    """Restate the taxes of ``result`` in ``currency_code`` at ``rate`` (EU VAT Art. 230).

    ``rate`` is a Decimal or an object with a Decimal ``.value`` (an o2c.fx rate); ``quote`` says
    which way it reads.  Each tax is converted and rounded on its own; the total is their sum.

    >>> from o2c.money import money
    >>> r = compute([TaxableLine(quantity=1, unit_price=money("87.65", "USD"),
    ...                          taxes=(Tax.percent_of("VAT19", 19),))], "USD")
    >>> s = restate(r, "EUR", Decimal("1.0823"), quote=RateQuote.DOCUMENT_PER_COMPANY)
    >>> s.tax_total.amount, s.untaxed.amount
    (Decimal('15.38'), Decimal('80.98'))
    >>> restate(r, "EUR", Decimal("1.0823"), quote=RateQuote.DOCUMENT_PER_COMPANY,
    ...         method=RestateMethod.CONVERT_RAW).tax_total.amount
    Decimal('15.39')

    Raises:
        InvalidTaxError: for a rate that is not positive.
    """
    if not isinstance(result, TaxResult):
        raise InvalidTaxError(
            f"result={shown(result)!r} must be a TaxResult", field="result", value=shown(result)
        )
    value = rate if isinstance(rate, Decimal) else getattr(rate, "value", rate)
    value = to_decimal(value, field="rate")
    if value <= 0:
        raise InvalidTaxError(f"rate={value} must be positive", field="rate", value=value)
    if not isinstance(quote, RateQuote):
        raise InvalidTaxError(
            f"quote={shown(quote)!r} must be a RateQuote", field="quote", value=shown(quote)
        )
    if not isinstance(method, RestateMethod):
        raise InvalidTaxError(
            f"method={shown(method)!r} must be a RestateMethod",
            field="method",
            value=shown(method),
        )
    rounding = RoundingPolicy() if rounding is None else rounding
    _rounding_policy(None, None, rounding)
    target = _document_currency(currency_code)
    step = rounding.step_for(target)

    with decimal.localcontext(CONTEXT):

        def convert(amount: Decimal) -> Decimal:
            exact = amount / value if quote is RateQuote.DOCUMENT_PER_COMPANY else amount * value
            _within(exact, f"an amount restated in {target.code}")
            return quantize_decimal(exact, step, rounding.rounding)

        restated = []
        for t in result.taxes:
            base = convert(t.base.amount)
            if method is RestateMethod.CONVERT_STATED:
                amount = convert(t.amount.amount)
            elif method is RestateMethod.CONVERT_RAW:
                amount = convert(t.raw_amount)
            elif t.tax.kind is TaxKind.PERCENT:
                amount = quantize_decimal(base * t.tax.percent / _HUNDRED, step, rounding.rounding)
            else:
                amount = convert(t.amount.amount)
            restated.append(
                RestatedTax(tax=t.tax, base=Money(base, target), amount=Money(amount, target))
            )
        tax_total = sum((r.amount.amount for r in restated if not r.tax.withholding), _ZERO)
        return TaxRestatement(
            currency=target,
            rate=value,
            quote=quote,
            method=method,
            rounding=rounding,
            taxes=tuple(restated),
            untaxed=Money(convert(result.untaxed.amount), target),
            tax_total=Money(tax_total, target),
        )
