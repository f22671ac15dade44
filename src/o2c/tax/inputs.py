"""The inputs of :func:`o2c.tax.compute`: priced lines (:class:`TaxableLine`, or any
:class:`Taxable` of a :func:`checked_line` type), document allowances and charges, customer
exemption certificates, and the document currency.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import attrs
from moneyed import Currency, Money

from o2c._checks import as_tuple, shown
from o2c.errors import InvalidTaxError
from o2c.money import AMOUNT_INTEGER_DIGITS, CONTEXT, check_amount, currency, to_decimal
from o2c.tax.groups import line_taxes
from o2c.tax.kinds import HUNDRED, LIMIT, ZERO, ChargeKind, _optional_text, _text
from o2c.tax.model import Tax

__all__ = [
    "AllowanceCharge",
    "CHECKED_LINES",
    "ExemptionCertificate",
    "Taxable",
    "TaxableLine",
    "check_line_amount",
    "checked_line",
    "document_currency",
]


def _quantity(value: object) -> Decimal:
    return to_decimal(value, field="quantity")


def _discount(value: object) -> Decimal:
    d = to_decimal(value, field="discount_percent")
    if d < 0 or d > HUNDRED:
        raise InvalidTaxError(
            f"discount_percent={d} must be between 0 and 100", field="discount_percent", value=d
        )
    return d


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
