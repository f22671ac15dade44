"""The tax definition: :class:`Tax`, with its kinds and EN 16931 categories (in
:mod:`o2c.tax.kinds`), its named constructors and its checks.  The rest of the model lives
beside it by concept: :mod:`o2c.tax.policy` (the :class:`TaxPolicy` that decides every cent),
:mod:`o2c.tax.groups` (tax groups and the tax tuple of a line) and :mod:`o2c.tax.inputs` (the
inputs of :func:`o2c.tax.compute`: lines, allowances and charges, exemption certificates).

>>> Tax.vat("S19", "19").percent
Decimal('19')
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

import attrs

from o2c._checks import shown
from o2c.errors import InvalidTaxError
from o2c.money import CONTEXT, to_decimal
from o2c.tax.kinds import (
    HUNDRED,
    ONE,
    ZERO,
    TaxCategory,
    TaxId,
    TaxKind,
    _is_bool,
    _optional_id,
    _optional_percent,
    _optional_text,
    _per_unit,
    _percent,
    _sequence,
    _text,
)

__all__ = ["Tax"]


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
