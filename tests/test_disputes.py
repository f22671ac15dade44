"""Disputes and deductions: reasons, workflow, ledger facts, dunning exclusion and KPIs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from o2c.collecting import DunningLevel, DunningPolicy, ExclusionReason, propose_dunning
from o2c.collecting.disputes import (
    DAMAGED_GOODS,
    PRICING,
    SHORT_SHIPMENT,
    STANDARD_REASONS,
    Dispute,
    DisputeKind,
    DisputeOutcome,
    DisputeState,
    ReasonCatalog,
    average_days_to_resolve,
    disputes_from_ledger,
    mark_disputed,
    open_disputes,
    opened_fact,
    recovery_percent,
    resolution_facts,
)
from o2c.errors import DisputeStateError, NotFoundError, ValidationError
from o2c.ledger import InvoiceIssued, Ledger, PaymentAllocated, PaymentReceived
from o2c.money import money
from o2c.terms import Instalment

UTC = dt.UTC


def _at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=UTC)


def _ledger_with_invoice(amount: str = "500.00") -> Ledger:
    ledger = Ledger()
    ledger.append(
        [
            InvoiceIssued.from_instalments(
                fact_id="inv-1",
                customer_id="C1",
                item_id="INV-1",
                document_number="INV-1",
                document_date=dt.date(2026, 2, 1),
                recorded_at=_at(1),
                instalments=[
                    Instalment(number=1, due_date=dt.date(2026, 3, 3), amount=money(amount, "EUR"))
                ],
            )
        ]
    )
    return ledger


def _dispute(dispute_id: str = "D1", amount: str = "120.00") -> Dispute:
    return Dispute.open(
        dispute_id=dispute_id,
        customer_id="C1",
        item_id="INV-1",
        reason=PRICING,
        amount=money(amount, "EUR"),
        on=dt.date(2026, 3, 5),
    )


def test_reason_codes_standard_and_user_defined() -> None:
    assert [r.code for r in STANDARD_REASONS] == [
        "damaged_goods",
        "pricing",
        "short_shipment",
        "promotion",
        "returns",
        "duplicate_billing",
        "freight",
        "other",
    ]
    catalog = ReasonCatalog().with_reason("late_delivery", "Delivered late")
    assert catalog.get("late_delivery").label == "Delivered late"
    with pytest.raises(NotFoundError):
        ReasonCatalog().get("late_delivery")
    with pytest.raises(ValidationError):
        catalog.with_reason("pricing", "again")


def test_workflow_allows_only_the_documented_moves() -> None:
    d = _dispute()
    with pytest.raises(DisputeStateError):
        d.resolve(DisputeOutcome.CREDIT_MEMO, dt.date(2026, 3, 6))  # decide first
    with pytest.raises(DisputeStateError):
        d.move_to(DisputeState.RESOLVED, dt.date(2026, 3, 6))
    invalid = d.move_to(DisputeState.INVALID, dt.date(2026, 3, 6))
    with pytest.raises(DisputeStateError):
        invalid.resolve(DisputeOutcome.WRITE_OFF, dt.date(2026, 3, 7))
    collected = invalid.resolve(DisputeOutcome.COLLECT, dt.date(2026, 3, 20))
    assert collected.resolution is not None
    assert collected.resolution.recovered == money("120.00", "EUR")
    assert [e.state for e in collected.events] == [
        DisputeState.OPEN,
        DisputeState.INVALID,
        DisputeState.RESOLVED,
    ]
    with pytest.raises(DisputeStateError):
        d.move_to(DisputeState.UNDER_REVIEW, dt.date(2026, 3, 1))  # before it was opened
    with pytest.raises(ValidationError):
        _dispute(amount="0")


def test_dispute_in_the_ledger_is_left_out_of_dunning_then_credited() -> None:
    ledger = _ledger_with_invoice()
    d = _dispute()
    ledger.append([opened_fact(d, recorded_at=_at(5))])
    [item] = ledger.open_items(dt.date(2026, 3, 31))
    assert item.disputed_amount == money("120.00", "EUR")
    policy = DunningPolicy(levels=[DunningLevel(level=1, days_after_due=1)])
    run = propose_dunning(ledger.open_items(dt.date(2026, 3, 31)), dt.date(2026, 3, 31), policy)
    assert run.notice_for("C1").overdue == money("380.00", "EUR")
    assert [e.reason for e in run.exclusions] == [ExclusionReason.DISPUTED]

    resolved = d.move_to(DisputeState.VALID, dt.date(2026, 3, 9)).resolve(
        DisputeOutcome.CREDIT_MEMO, dt.date(2026, 3, 10)
    )
    facts = resolution_facts(resolved, recorded_at=_at(10))
    assert [type(f).__name__ for f in facts] == [
        "DisputeResolved",
        "CreditMemoIssued",
        "PaymentAllocated",
    ]
    ledger.append(facts)
    [item] = ledger.open_items(dt.date(2026, 3, 31))
    assert item.open_amount == money("380.00", "EUR")
    assert not item.disputed_amount
    # the ledger's facts give the dispute back, resolved with its outcome
    [back] = disputes_from_ledger(ledger.facts("C1"))
    assert back.state is DisputeState.RESOLVED
    assert back.resolution is not None
    assert back.resolution.outcome is DisputeOutcome.CREDIT_MEMO
    assert back.days_to_resolve == 5


def test_write_off_and_collect_outcomes_in_the_ledger() -> None:
    ledger = _ledger_with_invoice()
    written = _dispute("D1", "100.00")
    collected = _dispute("D2", "50.00")
    ledger.append(
        [opened_fact(written, recorded_at=_at(5)), opened_fact(collected, recorded_at=_at(5))]
    )
    written = written.move_to(DisputeState.VALID, dt.date(2026, 3, 8)).resolve(
        DisputeOutcome.WRITE_OFF, dt.date(2026, 3, 8)
    )
    collected = collected.move_to(DisputeState.INVALID, dt.date(2026, 3, 8)).resolve(
        DisputeOutcome.COLLECT, dt.date(2026, 3, 8)
    )
    ledger.append(
        [
            *resolution_facts(written, recorded_at=_at(8)),
            *resolution_facts(collected, recorded_at=_at(8)),
        ]
    )
    [item] = ledger.open_items(dt.date(2026, 3, 31))
    assert item.open_amount == money("400.00", "EUR")
    assert not item.disputed_amount


def test_deductions_from_allocations_and_kpis() -> None:
    ledger = _ledger_with_invoice()
    ledger.append(
        [
            PaymentReceived(
                fact_id="pay-1",
                customer_id="C1",
                effective=dt.date(2026, 3, 6),
                recorded_at=_at(6),
                payment_id="P1",
                amount=money("470.00", "EUR"),
                value_date=dt.date(2026, 3, 6),
            ),
            PaymentAllocated(
                fact_id="alloc-1",
                customer_id="C1",
                effective=dt.date(2026, 3, 6),
                recorded_at=_at(6),
                source_id="P1",
                item_id="INV-1",
                applied=money("470.00", "EUR"),
                deduction=money("30.00", "EUR"),
                deduction_reason="damaged_goods",
            ),
        ]
    )
    [deduction] = disputes_from_ledger(ledger.facts("C1"))
    assert deduction.kind is DisputeKind.DEDUCTION
    assert deduction.reason == DAMAGED_GOODS
    summary = open_disputes([deduction])
    assert summary["EUR"].count == 1
    assert summary["EUR"].amount == money("30.00", "EUR")
    resolved = deduction.move_to(DisputeState.INVALID, dt.date(2026, 3, 16)).resolve(
        DisputeOutcome.RE_BILL, dt.date(2026, 3, 26), recovered=money("20.00", "EUR")
    )
    assert resolution_facts(resolved, recorded_at=_at(26)) == ()
    other = (
        _dispute("D9", "70.00")
        .move_to(DisputeState.VALID, dt.date(2026, 3, 6))
        .resolve(DisputeOutcome.CREDIT_MEMO, dt.date(2026, 3, 11))
    )
    assert open_disputes([resolved, other]) == {}
    assert average_days_to_resolve([resolved, other]) == Decimal("13")  # (20 + 6) / 2
    assert recovery_percent([resolved, other]) == Decimal(20)  # 20 of 100
    with pytest.raises(ValidationError):
        recovery_percent([_dispute()])


def test_mark_disputed_for_disputes_outside_the_ledger() -> None:
    ledger = _ledger_with_invoice()
    items = ledger.open_items(dt.date(2026, 3, 31))
    d = Dispute.open(
        dispute_id="X",
        customer_id="C1",
        item_id="INV-1",
        reason=SHORT_SHIPMENT,
        amount=money("600.00", "EUR"),
        on=dt.date(2026, 3, 5),
    )
    [marked] = mark_disputed(items, [d])
    assert marked.disputed_amount == money("500.00", "EUR")  # capped at the open amount
    policy = DunningPolicy(levels=[DunningLevel(level=1, days_after_due=1)])
    run = propose_dunning([marked], dt.date(2026, 3, 31), policy)
    assert run.notices == ()
