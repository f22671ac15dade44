"""Orders: status from ordered to invoiced, partial delivery and billing, taking an order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.credit import CreditDecision, CreditLimits, CreditPolicy, FixedAmount, Rule
from o2c.credit.orders import (
    CreditStatus,
    Order,
    OrderLine,
    OrderStatus,
    UnbilledOrders,
    UninvoicedDeliveries,
    take_order,
)
from o2c.errors import CurrencyMismatchError, InvalidOrderError
from o2c.money import money
from tests.strategies import currency_codes

DAY = dt.date(2026, 3, 2)


def order() -> Order:
    return Order.create("SO-1", "C1", DAY, "EUR", [("a", "10", "10.00"), ("b", "3", "0.333")])


def test_status_walks_from_ordered_to_invoiced() -> None:
    o = order()
    assert o.amount == money("101.00", "EUR")  # 100.00 + 3 x 0.333 = 0.999 -> 1.00
    assert o.status is OrderStatus.ORDERED
    o = o.deliver({1: "4"}, on=DAY)
    assert o.status is OrderStatus.PARTIALLY_DELIVERED
    o = o.deliver({1: "6", 2: "3"}, on=DAY)
    assert o.status is OrderStatus.DELIVERED
    o = o.invoice({2: "1"})
    assert o.status is OrderStatus.PARTIALLY_INVOICED
    assert o.invoiced_value == money("0.33", "EUR")
    o = o.invoice({1: "10", 2: "2"})
    assert o.status is OrderStatus.INVOICED
    assert o.invoiced_value == o.amount
    assert o.unbilled_value == money("0", "EUR")


def test_impossible_deliveries_and_billing_are_refused() -> None:
    o = order()
    with pytest.raises(InvalidOrderError, match="exceeds the ordered"):
        o.deliver({1: "11"}, on=DAY)
    with pytest.raises(InvalidOrderError, match="deliver before billing"):
        o.invoice({1: "1"})
    with pytest.raises(InvalidOrderError, match="no line 7"):
        o.deliver({7: "1"}, on=DAY)
    with pytest.raises(InvalidOrderError, match="precedes"):
        o.deliver({1: "1"}, on=DAY - dt.timedelta(days=1))
    with pytest.raises(InvalidOrderError, match="no lines"):
        Order.create("SO-2", "C1", DAY, "EUR", [])
    with pytest.raises(InvalidOrderError, match="positive"):
        Order.create("SO-2", "C1", DAY, "EUR", [("a", "0", "1")])
    with pytest.raises(CurrencyMismatchError):
        Order(
            order_id="SO-3",  # type: ignore[arg-type]
            customer_id="C1",  # type: ignore[arg-type]
            order_date=DAY,
            currency="EUR",
            lines=[
                OrderLine(line_no=1, description="a", quantity="1", unit_price=money("1", "USD"))
            ],
        )


@given(
    currency_codes,
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=1000),
            st.integers(min_value=0, max_value=10**7),
            st.integers(min_value=0, max_value=1000),
            st.integers(min_value=0, max_value=1000),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_line_parts_always_sum_to_the_order_amount(
    code: str, lines: list[tuple[int, int, int, int]]
) -> None:
    o = Order.create(
        "SO",
        "C1",
        DAY,
        code,
        [(f"l{n}", q, Decimal(p).scaleb(-3)) for n, (q, p, _, _) in enumerate(lines)],
    )
    deliveries = {n: min(q, d) for n, (q, _, d, _) in enumerate(lines, start=1)}
    o = o.deliver(deliveries, on=DAY)
    o = o.invoice({n: min(deliveries[n], i) for n, (_, _, _, i) in enumerate(lines, start=1)})
    parts = o.undelivered_value().amount + o.uninvoiced_value.amount + o.invoiced_value.amount
    assert parts == o.amount.amount
    assert min(o.undelivered_value().amount, o.uninvoiced_value.amount) >= 0
    assert o.unbilled_value.amount == o.amount.amount - o.invoiced_value.amount


def test_order_components_feed_the_exposure() -> None:
    o = order().deliver({1: "5"}, on=DAY).invoice({1: "2"})
    other = Order.create("SO-X", "C2", DAY, "EUR", [("z", "1", "999")])
    unbilled, uninvoiced = UnbilledOrders([o, other]), UninvoicedDeliveries([o, other])
    assert unbilled.amount(o.customer_id, DAY, "EUR", None) == money("51.00", "EUR")
    assert uninvoiced.amount(o.customer_id, DAY, "EUR", None) == money("30.00", "EUR")
    assert unbilled.amount(o.customer_id, DAY - dt.timedelta(1), "EUR", None).amount == 0
    with pytest.raises(CurrencyMismatchError):
        unbilled.amount(o.customer_id, DAY, "USD", None)


def test_taking_an_order_runs_the_check_and_holds_a_blocked_one() -> None:
    limits = CreditLimits(default=money("1000", "EUR"))
    ar = FixedAmount("gl", {"C1": money("950", "EUR")})
    taken = take_order(order(), as_of=DAY, limits=limits, extra_components=[ar])
    assert taken.credit_status is CreditStatus.ON_HOLD
    assert taken.credit_check is not None
    assert taken.credit_check.decision is CreditDecision.BLOCK
    assert taken.credit_check.document_id == "SO-1"
    with pytest.raises(InvalidOrderError, match="credit hold"):
        taken.deliver({1: "1"}, on=DAY)
    released = taken.release(by="anna", on=DAY)
    assert released.credit_status is CreditStatus.RELEASED
    assert released.deliver({1: "1"}, on=DAY).status is OrderStatus.PARTIALLY_DELIVERED
    # Re-taking the released order: still within the deviation, so not held again.
    again = take_order(released, as_of=DAY, limits=limits, extra_components=[ar])
    assert again.credit_status is CreditStatus.RELEASED
    assert again.credit_check is not None
    assert again.credit_check.decision is CreditDecision.WARN
    assert any(r.rule is Rule.RELEASE and r.applied for r in again.credit_check.rules)
    # The customer adds more than 10 %: the release lapses and the order is held again.
    bigger = Order.create("SO-1", "C1", DAY, "EUR", [("a", "12", "10.00")])
    bigger = attrs.evolve(bigger, release_record=released.release_record)
    held = take_order(bigger, as_of=DAY, limits=limits, extra_components=[ar])
    assert held.credit_status is CreditStatus.ON_HOLD


def test_other_orders_count_but_the_order_itself_does_not_twice() -> None:
    limits = CreditLimits(default=money("250", "EUR"))
    first = order()
    second = Order.create("SO-2", "C1", DAY, "EUR", [("x", "1", "100")])
    taken = take_order(second, as_of=DAY, limits=limits, other_orders=[first, second])
    assert taken.credit_check is not None
    assert taken.credit_check.exposure.total == money("101.00", "EUR")
    assert taken.credit_check.decision is CreditDecision.APPROVE  # 201 of 250 = 80.4 % < 90 %
    policy = CreditPolicy(warn_utilisation=Decimal("0.8"))
    warned = take_order(second, as_of=DAY, limits=limits, other_orders=[first], policy=policy)
    assert warned.credit_check is not None
    assert warned.credit_check.decision is CreditDecision.WARN
    assert warned.credit_status is CreditStatus.RELEASED  # a warning does not hold the order
