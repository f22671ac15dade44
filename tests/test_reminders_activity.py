"""Balance-forward statements: the account's movements reconcile opening and closing balances."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from o2c.collecting.reminders import ActivityKind, account_activity, render_statement
from o2c.ledger import (
    AllocationReversed,
    CreditMemoIssued,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
    Refunded,
    WrittenOff,
)
from o2c.money import money
from tests.test_aging_ledger import _Clock, _invoice, _ledgers, _pay


def _scenario() -> tuple[Ledger, _Clock]:
    clock = _Clock()
    ledger = Ledger()
    ledger.append(
        [
            _invoice(clock, "A", dt.date(2025, 12, 1), (30, "600.00")),
            _invoice(clock, "B", dt.date(2026, 1, 10), (30, "1000.00")),
            _invoice(clock, "C", dt.date(2026, 1, 20), (30, "400.00")),
        ]
    )
    ledger.append(_pay(clock, "1", dt.date(2026, 1, 5), "600.00", "A"))
    facts = _pay(clock, "2", dt.date(2026, 2, 8), "950.00", "B")
    at = facts[0].recorded_at
    facts[1] = PaymentAllocated(
        fact_id="alloc-2",
        customer_id="C1",
        effective=dt.date(2026, 2, 8),
        recorded_at=at,
        source_id="P2",
        item_id="B",
        applied=money("950.00", "EUR"),
        discount=money("20.00", "EUR"),
        deduction=money("30.00", "EUR"),
        deduction_reason="damaged_goods",
    )
    ledger.append(facts)
    at = clock.tick()
    ledger.append(
        [
            CreditMemoIssued(
                fact_id="cm-1",
                customer_id="C1",
                effective=dt.date(2026, 2, 10),
                recorded_at=at,
                item_id="CM-1",
                document_number="CM-1",
                document_date=dt.date(2026, 2, 10),
                amount=money("50.00", "EUR"),
            ),
            WrittenOff(
                fact_id="wo-1",
                customer_id="C1",
                effective=dt.date(2026, 2, 11),
                recorded_at=at,
                item_id="C",
                amount=money("10.00", "EUR"),
            ),
        ]
    )
    ledger.append(
        [
            PaymentReceived(
                fact_id="pay-3",
                customer_id="C1",
                effective=dt.date(2026, 2, 12),
                recorded_at=clock.tick(),
                payment_id="P3",
                amount=money("100.00", "EUR"),
                value_date=dt.date(2026, 2, 12),
            )
        ]
    )
    at = clock.tick()
    ledger.append(
        [
            Refunded(
                fact_id="ref-1",
                customer_id="C1",
                effective=dt.date(2026, 2, 14),
                recorded_at=at,
                source_id="P3",
                amount=money("60.00", "EUR"),
            ),
            AllocationReversed(
                fact_id="rev-2",
                customer_id="C1",
                effective=dt.date(2026, 2, 15),
                recorded_at=at,
                allocation_id="alloc-2",
            ),
        ]
    )
    return ledger, clock


def test_every_kind_of_movement_reconciles() -> None:
    ledger, _ = _scenario()
    [account] = account_activity(ledger, "C1", dt.date(2026, 1, 31), dt.date(2026, 2, 28))
    assert account.opening == money("1400.00", "EUR")  # B + C
    assert [(ln.kind, ln.amount.amount) for ln in account.lines] == [
        (ActivityKind.PAYMENT, Decimal("-950.00")),
        (ActivityKind.ADJUSTMENT, Decimal("-50.00")),  # discount + deduction
        (ActivityKind.CREDIT_MEMO, Decimal("-50.00")),
        (ActivityKind.WRITE_OFF, Decimal("-10.00")),
        (ActivityKind.PAYMENT, Decimal("-100.00")),
        (ActivityKind.REFUND, Decimal("60.00")),
        (ActivityKind.REVERSAL, Decimal("50.00")),
    ]
    assert account.closing == money("350.00", "EUR")
    assert account.closing.amount == account.opening.amount + sum(
        ln.amount.amount for ln in account.lines
    )


def test_balance_forward_statement_renders() -> None:
    ledger, _ = _scenario()
    start, end = dt.date(2026, 1, 31), dt.date(2026, 2, 28)
    activity = account_activity(ledger, "C1", start, end)
    doc = render_statement(
        ledger.open_items(end, customer_id="C1"), end, locale="en_GB", activity=activity
    )
    assert "Account activity (EUR) 31 Jan 2026 – 28 Feb 2026:" in doc.text
    assert "  Opening balance: €1,400.00" in doc.text
    assert "  14 Feb 2026  P3  refund  €60.00" in doc.text
    assert "  Closing balance: €350.00" in doc.text
    assert "<caption>Account activity (EUR)" in doc.html
    de = render_statement([], end, locale="de_DE", activity=activity)
    assert "  Endsaldo: 350,00\xa0€" in de.text
    assert "Skonto/Abzug/Gebühren" in de.text


@given(
    _ledgers(),
    st.dates(min_value=dt.date(2025, 12, 1), max_value=dt.date(2026, 6, 30)),
    st.integers(min_value=0, max_value=200),
)
def test_movements_always_reconcile_opening_and_closing(
    data: tuple[Ledger, _Clock, list[tuple[str, Decimal]]], start: dt.date, days: int
) -> None:
    ledger, _, _ = data
    end = start + dt.timedelta(days=days)
    for customer in ("C1", "C2"):
        for account in account_activity(ledger, customer, start, end):
            moved = sum((ln.amount.amount for ln in account.lines), Decimal(0))
            assert account.opening.amount + moved == account.closing.amount
            assert all(start < ln.on <= end for ln in account.lines)
