"""The tax model: :class:`Tax` definitions with their kinds and EN 16931 categories, groups,
the :class:`TaxPolicy` that decides every cent, and the inputs of :func:`o2c.tax.compute`
(:class:`TaxableLine`, :class:`AllowanceCharge`, :class:`ExemptionCertificate`).

>>> Tax.vat("S19", "19").percent
Decimal('19')
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NewType, Protocol, TypeVar

import attrs
from moneyed import Currency, Money

from o2c._checks import as_tuple, shown
from o2c.errors import InvalidTaxError
from o2c.money import (
    AMOUNT_FRACTION_DIGITS,
    AMOUNT_INTEGER_DIGITS,
    CONTEXT,
    CashRounding,
    Rounding,
    RoundingPolicy,
    check_amount,
    currency,
    to_decimal,
)

__all__ = [
    "AllowanceCharge",
    "ChargeKind",
    "CompoundBase",
    "DEFAULT_POLICY",
    "ExemptionCertificate",
    "GlobalBase",
    "IncludedRounding",
    "JurisdictionRounding",
    "LOW_LIMIT",
    "RoundingMethod",
    "Tax",
    "TaxCategory",
    "TaxGroup",
    "TaxId",
    "TaxKind",
    "TaxPolicy",
    "Taxable",
    "TaxableLine",
    "check_line_amount",
    "checked_line",
    "document_currency",
    "flatten",
    "line_taxes",
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
    percent: Decimal = attrs.field(default=ZERO, converter=_percent)
    amount_per_unit: Decimal = attrs.field(default=ZERO, converter=_per_unit)
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
    #: Reverse charge (category AE): the rate at which the buyer self-assesses the tax.  The
    #: invoice shows 0 tax; :attr:`o2c.tax.TaxResult.self_assessed` reports base x this rate
    #: beside it, never in its totals.  ``None`` for every other tax.
    self_assessed_percent: Decimal | None = attrs.field(default=None, converter=_optional_percent)
    #: An item-level rate override of the tax ``id`` (made by :meth:`at`): the same tax at
    #: another rate on some lines.  It keeps the id; the engine keeps it apart by :attr:`key`.
    overridden: bool = attrs.field(default=False, validator=_is_bool)
    #: What the engine keeps one row per document of: the id, or for a rate override the id and
    #: its rate (``"S19@7"``).  Set from the other fields (not compared, not given).
    key: str = attrs.field(init=False, eq=False, repr=False)
    #: ERPNext's "On Previous Row Amount": the base is the amount of the earlier tax of this id
    #: on the line (not the net).
    previous_row: TaxId | None = attrs.field(default=None, converter=_optional_id)
    #: ERPNext's "On Previous Row Total": the base is the net plus every tax on the line up to
    #: and including the earlier tax of this id (the running total at that row).
    previous_total: TaxId | None = attrs.field(default=None, converter=_optional_id)

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
        object.__setattr__(
            self, "key", f"{self.id}@{self.percent.normalize():f}" if self.overridden else self.id
        )
        if self.overridden and self.kind not in (TaxKind.PERCENT, TaxKind.DIVISION):
            raise InvalidTaxError(
                f"tax {self.id}: only a rate can be overridden on a line, not a {self.kind.value} "
                "amount",
                field="overridden",
                value=self.kind,
            )
        if self.previous_row is not None or self.previous_total is not None:
            if self.kind is not TaxKind.PERCENT or self.compound or self.price_included:
                raise InvalidTaxError(
                    f"tax {self.id}: a tax on a previous row is a price-excluded percent tax, "
                    "and not compound (its base is the row's)",
                    field="kind",
                    value=self.kind,
                )
            if self.previous_row is not None and self.previous_total is not None:
                raise InvalidTaxError(
                    f"tax {self.id}: give previous_row or previous_total, not both",
                    field="previous_total",
                    value=self.previous_total,
                )
        if self.self_assessed_percent is not None and (
            self.category is not TaxCategory.REVERSE_CHARGE or self.kind is not TaxKind.PERCENT
        ):
            raise InvalidTaxError(
                f"tax {self.id}: self_assessed_percent is for a reverse-charge percent tax "
                "(category AE); use Tax.reverse_charge(id, percent)",
                field="self_assessed_percent",
                value=self.self_assessed_percent,
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
        if self.kind is TaxKind.DIVISION and self.percent >= HUNDRED:
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
    def on_previous_row(
        cls, tax_id: str, percent: str | int | Decimal, *, row: str, **options: Any
    ) -> Tax:
        """A percent of the amount of the earlier tax ``row`` on the same line (ERPNext's
        ``charge_type`` "On Previous Row Amount"); the row is named by its tax id.

        >>> Tax.on_previous_row("SURCHARGE", 10, row="VAT19").previous_row
        'VAT19'
        """
        return cls(
            id=TaxId(tax_id), kind=TaxKind.PERCENT, percent=percent, previous_row=row, **options
        )

    @classmethod
    def on_previous_total(
        cls, tax_id: str, percent: str | int | Decimal, *, row: str, **options: Any
    ) -> Tax:
        """A percent of the running total at the earlier tax ``row``: the net plus every tax on
        the line up to and including it (ERPNext's "On Previous Row Total")."""
        return cls(
            id=TaxId(tax_id), kind=TaxKind.PERCENT, percent=percent, previous_total=row, **options
        )

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
    def reverse_charge(
        cls,
        tax_id: str,
        percent: str | int | Decimal,
        *,
        reason: str | None = "Reverse charge",
        reason_code: str | None = "VATEX-EU-AE",
        **options: Any,
    ) -> Tax:
        """A reverse-charge VAT (EN 16931 category AE): 0 on the invoice, and the buyer
        self-assesses ``percent`` of the base (reported by
        :attr:`o2c.tax.TaxResult.self_assessed`, never added to the invoice's totals).

        >>> rc = Tax.reverse_charge("AE19", "19")
        >>> rc.category.value, rc.percent, rc.self_assessed_percent, rc.exemption_reason_code
        ('AE', Decimal('0'), Decimal('19'), 'VATEX-EU-AE')
        """
        return cls.vat(
            tax_id,
            0,
            TaxCategory.REVERSE_CHARGE,
            reason=reason,
            reason_code=reason_code,
            self_assessed_percent=percent,
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

    def at(self, percent: str | int | Decimal) -> Tax:
        """This tax at another rate on the lines that carry the result (an item-level rate
        override): it keeps its id (``result.tax(id)`` sums both), and its rate makes its own
        row of the document's taxes and of the VAT breakdown (EN 16931 groups by category and
        rate, BG-23).

        >>> s19 = Tax.vat("S19", "19")
        >>> s19.at(7).id, s19.at(7).percent, s19.at(7).key, s19.key
        ('S19', Decimal('7'), 'S19@7', 'S19')
        """
        base = attrs.evolve(self, overridden=False)
        return attrs.evolve(base, percent=percent, overridden=True)

    # -- the uniform verb --------------------------------------------------------------------

    def amount_on(
        self,
        base: Decimal,
        *,
        quantity: Decimal = ONE,
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
        return tax.percent / HUNDRED, ZERO
    if tax.kind is TaxKind.DIVISION:
        total = tax.percent if batch_percent is None else batch_percent
        if total >= HUNDRED:
            raise InvalidTaxError(
                f"division taxes computed together sum to {total}%: no finite gross-up",
                field="percent",
                value=total,
            )
        return tax.percent / (HUNDRED - total), ZERO
    if tax.kind is TaxKind.DOCUMENT_FIXED:
        return ZERO, ZERO  # nothing per line: the document amount is spread at the end
    return ZERO, tax.amount_per_unit


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


def _quantity(value: object) -> Decimal:
    return to_decimal(value, field="quantity")


def _discount(value: object) -> Decimal:
    d = to_decimal(value, field="discount_percent")
    if d < 0 or d > HUNDRED:
        raise InvalidTaxError(
            f"discount_percent={d} must be between 0 and 100", field="discount_percent", value=d
        )
    return d


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


#: Line classes whose constructors check every field :func:`o2c.tax.compute` reads (see
#: :func:`checked_line`); any other object is read into a TaxableLine, which checks it.
CHECKED_LINES: set[type] = set()

_T = TypeVar("_T")


def checked_line(cls: type[_T]) -> type[_T]:
    """Declare that ``cls`` checks in its constructor every field the tax engine reads.

    A class decorator for line types of documents (:class:`o2c.invoice.InvoiceLine`): the
    engine then takes their instances as they are instead of reading them into a
    :class:`TaxableLine`.  Its constructor must refuse what :class:`TaxableLine`'s refuses
    (use :func:`check_line_amount` for the line amount).
    """
    CHECKED_LINES.add(cls)
    return cls


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


def check_line_amount(quantity: Decimal, unit_price: Money) -> None:
    """Refuse a line whose amount ``quantity x unit_price`` is beyond the amount limit.

    For line types of documents (see :func:`checked_line`); the factors are checked already.

    Raises:
        InvalidTaxError: when the line amount has more than ``AMOUNT_INTEGER_DIGITS`` digits
            before the decimal point.
    """
    with decimal.localcontext(CONTEXT):
        amount = quantity * unit_price.amount
        if -LIMIT < amount < LIMIT:
            return
    raise InvalidTaxError(
        f"quantity {quantity} x unit_price {unit_price.amount} is beyond o2c's amount limit "
        f"({AMOUNT_INTEGER_DIGITS} digits before the decimal point); split the line",
        field="quantity",
        value=quantity,
    )


@checked_line
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
    discount_percent: Decimal = attrs.field(default=ZERO, converter=_discount)

    def __attrs_post_init__(self) -> None:
        check_line_amount(self.quantity, self.unit_price)


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


def document_currency(code: object) -> Currency:
    """The document currency from an ISO 4217 code or a :class:`~moneyed.Currency`.

    Raises:
        InvalidTaxError: for a value that is neither.
    """
    if isinstance(code, Currency):
        return code
    if not isinstance(code, str):
        raise InvalidTaxError(
            f"currency={shown(code)!r} must be an ISO 4217 code or a Currency",
            field="currency",
            value=shown(code),
        )
    return currency(code)
