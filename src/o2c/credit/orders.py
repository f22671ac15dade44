"""Sales orders: lines, delivery and billing status, and taking an order through the credit check.

An order's status is derived from its lines' quantities: ordered, partially delivered,
delivered, partially invoiced, invoiced.  Billing follows delivery (a line cannot be invoiced
beyond what was delivered).  Each line's amount is ``quantity x unit price`` rounded half-up to
the minor unit; the value of a part of a line is that amount pro rata, rounded the same way, and
the three parts (undelivered, delivered but not invoiced, invoiced) always sum exactly to it.

Taking an order runs the credit check (:func:`take_order`): the order comes back released or on
credit hold with the full :class:`~o2c.credit.CreditCheck` attached.

>>> import datetime as dt
>>> from o2c.credit import CreditLimits
>>> from o2c.money import money
>>> order = Order.create("SO-1", "C1", dt.date(2026, 3, 2), "EUR",
...     [("widget", "10", "25.00"), ("gadget", "4", "12.50")])
>>> order.amount, order.status
(Money('300.00', 'EUR'), <OrderStatus.ORDERED: 'ordered'>)
>>> taken = take_order(order, as_of=dt.date(2026, 3, 2),
...     limits=CreditLimits(default=money("250", "EUR")))
>>> taken.credit_status, taken.credit_check.decision
(<CreditStatus.ON_HOLD: 'on_hold'>, <CreditDecision.BLOCK: 'block'>)
>>> released = taken.release(by="credit.manager", on=dt.date(2026, 3, 3))
>>> shipped = released.deliver({1: "6"}, on=dt.date(2026, 3, 4))
>>> shipped.status, shipped.uninvoiced_value.amount, shipped.undelivered_value().amount
(<OrderStatus.PARTIALLY_DELIVERED: 'partially_delivered'>, Decimal('150.00'), Decimal('150.00'))
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import NewType

import attrs
from moneyed import Money

from o2c.credit.exposure import (
    CreditCheck,
    CreditDecision,
    CreditLimits,
    CreditPolicy,
    ExposureComponent,
    OpenReceivables,
    Release,
    check_credit,
)
from o2c.errors import CurrencyMismatchError, InvalidOrderError
from o2c.ledger import CustomerId, CustomerMaster, OpenItem
from o2c.money import Rounding, currency, minor_unit, quantize_decimal, to_decimal

__all__ = [
    "CreditStatus",
    "Order",
    "OrderId",
    "OrderLine",
    "OrderStatus",
    "UnbilledOrders",
    "UninvoicedDeliveries",
    "take_order",
]

OrderId = NewType("OrderId", str)

_ZERO = Decimal(0)


class OrderStatus(enum.Enum):
    """Where an order stands between ordered and invoiced (derived from its lines)."""

    ORDERED = "ordered"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    PARTIALLY_INVOICED = "partially_invoiced"
    INVOICED = "invoiced"


class CreditStatus(enum.Enum):
    """The order's credit state: not yet checked, released (by the check or a person), on hold."""

    NOT_CHECKED = "not_checked"
    RELEASED = "released"
    ON_HOLD = "on_hold"


def _quantity(value: object) -> Decimal:
    q = to_decimal(value, field="quantity")
    if q < 0:
        raise InvalidOrderError(f"quantity={q} must not be negative", field="quantity", value=value)
    return q


@attrs.frozen(kw_only=True)
class OrderLine:
    """One order line: quantity and unit price, and how much was delivered and invoiced."""

    line_no: int
    description: str
    quantity: Decimal = attrs.field(converter=_quantity)
    unit_price: Money
    delivered: Decimal = attrs.field(default=_ZERO, converter=_quantity)
    invoiced: Decimal = attrs.field(default=_ZERO, converter=_quantity)
    #: The scheduled delivery date (for the dynamic credit check's horizon).
    delivery_date: dt.date | None = None

    @quantity.validator
    def _check_quantity(self, _attr: object, value: Decimal) -> None:
        if value <= 0:
            raise InvalidOrderError(
                f"line {self.line_no}: quantity={value} must be positive; "
                "drop the line instead of ordering nothing",
                field="quantity",
                value=value,
            )

    def __attrs_post_init__(self) -> None:
        if self.delivered > self.quantity:
            raise InvalidOrderError(
                f"line {self.line_no}: delivered {self.delivered} exceeds the ordered "
                f"{self.quantity}; amend the order first",
                field="delivered",
                value=self.delivered,
            )
        if self.invoiced > self.delivered:
            raise InvalidOrderError(
                f"line {self.line_no}: invoiced {self.invoiced} exceeds the delivered "
                f"{self.delivered}; deliver before billing",
                field="invoiced",
                value=self.invoiced,
            )

    @property
    def amount(self) -> Money:
        """``quantity x unit_price``, rounded half-up to the minor unit."""
        return Money(self._value(self.quantity), self.unit_price.currency)

    def _value(self, qty: Decimal) -> Decimal:
        step = minor_unit(self.unit_price.currency.code)
        total = quantize_decimal(self.quantity * self.unit_price.amount, step, Rounding.HALF_UP)
        if qty == self.quantity:
            return total
        return quantize_decimal(total * qty / self.quantity, step, Rounding.HALF_UP)

    @property
    def undelivered_value(self) -> Decimal:
        """Value not yet delivered (and therefore not invoiced)."""
        return self._value(self.quantity) - self._value(self.delivered)

    @property
    def uninvoiced_value(self) -> Decimal:
        """Value delivered but not yet invoiced."""
        return self._value(self.delivered) - self._value(self.invoiced)

    @property
    def invoiced_value(self) -> Decimal:
        """Value invoiced."""
        return self._value(self.invoiced)


def _lines(value: Iterable[OrderLine]) -> tuple[OrderLine, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Order:
    """A sales order; changes (delivery, billing, release) return a new order."""

    order_id: OrderId
    customer_id: CustomerId
    order_date: dt.date
    currency: str
    lines: tuple[OrderLine, ...] = attrs.field(converter=_lines)
    credit_status: CreditStatus = CreditStatus.NOT_CHECKED
    credit_check: CreditCheck | None = None
    release_record: Release | None = None

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise InvalidOrderError(
                f"order {self.order_id} has no lines", field="lines", value=self.lines
            )
        numbers = [ln.line_no for ln in self.lines]
        if len(set(numbers)) != len(numbers):
            raise InvalidOrderError(
                f"order {self.order_id}: line numbers {numbers} repeat",
                field="line_no",
                value=numbers,
            )
        for ln in self.lines:
            if ln.unit_price.currency.code != self.currency:
                raise CurrencyMismatchError(
                    self.currency, ln.unit_price.currency.code, operation="order lines in"
                )

    @classmethod
    def create(
        cls,
        order_id: str,
        customer_id: str,
        order_date: dt.date,
        currency_code: str,
        lines: Sequence[tuple[str, str | int | Decimal, str | int | Decimal]],
        *,
        delivery_date: dt.date | None = None,
    ) -> Order:
        """An order from ``(description, quantity, unit price)`` lines numbered from 1.

        Raises:
            InvalidOrderError: for no lines or a non-positive quantity.
        """
        code = currency(currency_code).code
        built = tuple(
            OrderLine(
                line_no=n,
                description=desc,
                quantity=_quantity(qty),
                unit_price=Money(to_decimal(price, field="unit_price"), code),
                delivery_date=delivery_date,
            )
            for n, (desc, qty, price) in enumerate(lines, start=1)
        )
        return cls(
            order_id=OrderId(order_id),
            customer_id=CustomerId(customer_id),
            order_date=order_date,
            currency=code,
            lines=built,
        )

    # ------------------------------------------------------------------ values and status

    @property
    def amount(self) -> Money:
        """The order's total: the sum of its line amounts."""
        return Money(sum((ln.amount.amount for ln in self.lines), _ZERO), self.currency)

    def undelivered_value(self, horizon: dt.date | None = None) -> Money:
        """Value not yet delivered; with ``horizon``, only lines scheduled on or before it
        (a line without a delivery date is scheduled on the order date)."""
        total = sum(
            (
                ln.undelivered_value
                for ln in self.lines
                if horizon is None or (ln.delivery_date or self.order_date) <= horizon
            ),
            _ZERO,
        )
        return Money(total, self.currency)

    @property
    def uninvoiced_value(self) -> Money:
        """Value delivered but not yet invoiced."""
        return Money(sum((ln.uninvoiced_value for ln in self.lines), _ZERO), self.currency)

    @property
    def invoiced_value(self) -> Money:
        """Value invoiced."""
        return Money(sum((ln.invoiced_value for ln in self.lines), _ZERO), self.currency)

    @property
    def unbilled_value(self) -> Money:
        """Everything not yet invoiced (undelivered plus delivered-not-invoiced)."""
        return Money(self.amount.amount - self.invoiced_value.amount, self.currency)

    @property
    def status(self) -> OrderStatus:
        """Derived from the quantities: billing first, then delivery."""
        if all(ln.invoiced == ln.quantity for ln in self.lines):
            return OrderStatus.INVOICED
        if any(ln.invoiced > 0 for ln in self.lines):
            return OrderStatus.PARTIALLY_INVOICED
        if all(ln.delivered == ln.quantity for ln in self.lines):
            return OrderStatus.DELIVERED
        if any(ln.delivered > 0 for ln in self.lines):
            return OrderStatus.PARTIALLY_DELIVERED
        return OrderStatus.ORDERED

    @property
    def first_delivery_date(self) -> dt.date:
        """The earliest scheduled delivery of an undelivered line (the order date if none)."""
        dates = [
            ln.delivery_date or self.order_date for ln in self.lines if ln.delivered < ln.quantity
        ]
        return min(dates, default=self.order_date)

    # ------------------------------------------------------------------ changes

    def _update(self, quantities: Mapping[int, object], field: str) -> Order:
        by_no = {ln.line_no: ln for ln in self.lines}
        for no in quantities:
            if no not in by_no:
                raise InvalidOrderError(
                    f"order {self.order_id} has no line {no} (lines {sorted(by_no)})",
                    field="line_no",
                    value=no,
                )
        new_lines = []
        for ln in self.lines:
            if ln.line_no in quantities:
                qty = _quantity(quantities[ln.line_no])
                ln = attrs.evolve(ln, **{field: getattr(ln, field) + qty})
            new_lines.append(ln)
        return attrs.evolve(self, lines=tuple(new_lines))

    def deliver(self, quantities: Mapping[int, str | int | Decimal], *, on: dt.date) -> Order:
        """Record a delivery of ``quantities`` by line number (a partial delivery is fine).

        Raises:
            InvalidOrderError: while the order is on credit hold, before the order date, or for
                more than was ordered.
        """
        if self.credit_status is CreditStatus.ON_HOLD:
            raise InvalidOrderError(
                f"order {self.order_id} is on credit hold: release it before delivering",
                field="credit_status",
                value=self.credit_status,
            )
        if on < self.order_date:
            raise InvalidOrderError(
                f"delivery on {on} precedes the order date {self.order_date}",
                field="on",
                value=on,
            )
        return self._update(quantities, "delivered")

    def invoice(self, quantities: Mapping[int, str | int | Decimal]) -> Order:
        """Record billing of delivered ``quantities`` by line number (partial billing is fine).

        Raises:
            InvalidOrderError: for more than was delivered.
        """
        return self._update(quantities, "invoiced")

    def release(self, *, by: str, on: dt.date) -> Order:
        """Release the order from credit hold; the release is remembered for re-checks."""
        record = Release(
            document_id=self.order_id, amount=self.unbilled_value, released_on=on, released_by=by
        )
        return attrs.evolve(self, credit_status=CreditStatus.RELEASED, release_record=record)


# -------------------------------------------------------------------------- exposure components


def _orders(value: Iterable[Order]) -> tuple[Order, ...]:
    return tuple(value)


def _sum_orders(
    orders: Iterable[Order],
    customer_id: CustomerId,
    as_of: dt.date,
    currency: str,
    value: Callable[[Order], Money],
) -> Money:
    """``value`` summed over the customer's orders dated by ``as_of``, all in ``currency``."""
    total = _ZERO
    for o in orders:
        if o.customer_id != customer_id or o.order_date > as_of:
            continue
        if o.currency != currency:
            raise CurrencyMismatchError(currency, o.currency, operation="add an order to")
        total += value(o).amount
    return Money(total, currency)


@attrs.frozen
class UnbilledOrders:
    """Exposure from open orders: the undelivered value of the customer's orders.

    With a horizon (dynamic check) only lines scheduled on or before it count.  Orders dated after
    ``as_of`` are ignored.
    """

    orders: tuple[Order, ...] = attrs.field(converter=_orders)
    name: str = "unbilled_orders"

    def amount(
        self, customer_id: CustomerId, as_of: dt.date, currency: str, horizon: dt.date | None
    ) -> Money:
        """The undelivered value of the customer's orders."""
        return _sum_orders(
            self.orders, customer_id, as_of, currency, lambda o: o.undelivered_value(horizon)
        )


@attrs.frozen
class UninvoicedDeliveries:
    """Exposure from deliveries not yet invoiced (always within any horizon: goods have left)."""

    orders: tuple[Order, ...] = attrs.field(converter=_orders)
    name: str = "uninvoiced_deliveries"

    def amount(
        self, customer_id: CustomerId, as_of: dt.date, currency: str, horizon: dt.date | None
    ) -> Money:
        """The delivered-not-invoiced value of the customer's orders."""
        return _sum_orders(self.orders, customer_id, as_of, currency, lambda o: o.uninvoiced_value)


def take_order(
    order: Order,
    *,
    as_of: dt.date,
    limits: CreditLimits | None = None,
    open_items: Sequence[OpenItem] = (),
    other_orders: Sequence[Order] = (),
    extra_components: Sequence[ExposureComponent] = (),
    policy: CreditPolicy | None = None,
    dunning_level: int = 0,
    master: CustomerMaster | None = None,
) -> Order:
    """Take ``order``: run the credit check and return it released or on credit hold.

    Exposure = open receivables of ``open_items`` + unbilled orders + uninvoiced deliveries of
    ``other_orders`` (this order excluded) + ``extra_components``; the amount checked is this
    order's unbilled value.  A block puts the order on hold; approve and warn release it.  An
    order that was released before keeps its release while the policy's deviation allows it
    (re-taking a changed order is the re-check).  The customer's own limit and group come from
    ``master`` (the customer master as of ``as_of``) where ``limits`` names none.
    """
    pol = policy or CreditPolicy()
    others = [o for o in other_orders if o.order_id != order.order_id]
    components: list[ExposureComponent] = [
        OpenReceivables(open_items, exclude_disputed=pol.exclude_disputed),
        UnbilledOrders(others),
        UninvoicedDeliveries(others),
        *extra_components,
    ]
    check = check_credit(
        order.customer_id,
        as_of=as_of,
        amount=order.unbilled_value,
        limits=limits,
        components=components,
        open_items=open_items,
        policy=pol,
        dunning_level=dunning_level,
        release=order.release_record,
        delivery_date=order.first_delivery_date,
        document_id=order.order_id,
        master=master,
    )
    status = (
        CreditStatus.ON_HOLD if check.decision is CreditDecision.BLOCK else CreditStatus.RELEASED
    )
    return attrs.evolve(order, credit_status=status, credit_check=check)
