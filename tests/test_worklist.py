"""The worklist of incoming cash and the decisions on it (issue 18 item 4).

A small ledger: two registered customers, one payer account on file, open invoices.  Payments go
through :func:`o2c.cash_application.intake.plan_intake`, their exceptions are read by
:func:`worklist`, and the decisions are appended as facts; the read model is checked each time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from o2c.cash_application.intake import LineOutcome, plan_intake
from o2c.cash_application.worklist import (
    ExceptionKind,
    LoopPolicy,
    confirm,
    reassign,
    reject,
    worklist,
    write_off,
)
from o2c.errors import ValidationError
from o2c.ledger import (
    CustomerDetails,
    CustomerRegistered,
    InvoiceIssued,
    ItemKind,
    Ledger,
    PayerAccountLinked,
    PaymentDecided,
    PaymentDecision,
)
from o2c.money import money
from o2c.receivables.aging import age
from o2c.statement import Payment
from o2c.terms import Instalment

AT = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
ACME_ACCOUNT = "DE89370400440532013000"
STRANGER = "GB33BUKB20201555555555"


def _invoice(customer: str, item: str, number: str, amount: str) -> InvoiceIssued:
    day = dt.date(2026, 2, 1)
    return InvoiceIssued.from_instalments(
        fact_id=f"inv:{item}",
        customer_id=customer,
        item_id=item,
        document_number=number,
        document_date=day,
        recorded_at=AT,
        instalments=[
            Instalment(number=1, due_date=day + dt.timedelta(days=30), amount=money(amount, "EUR"))
        ],
    )


@pytest.fixture
def ledger() -> Ledger:
    book = Ledger()
    since = dt.date(2026, 1, 1)
    book.append(
        [
            CustomerRegistered(
                fact_id="reg:C1",
                customer_id="C1",
                effective=since,
                recorded_at=AT,
                details=CustomerDetails(name="Acme GmbH"),
            ),
            CustomerRegistered(
                fact_id="reg:C2",
                customer_id="C2",
                effective=since,
                recorded_at=AT,
                details=CustomerDetails(name="Borealis AB"),
            ),
            PayerAccountLinked(
                fact_id="acc:C1",
                customer_id="C1",
                effective=since,
                recorded_at=AT,
                account=ACME_ACCOUNT,
                holder_name="Acme GmbH",
            ),
            _invoice("C1", "I1", "INV-1001", "1190.00"),
            _invoice("C1", "I2", "INV-1002", "530.40"),
            _invoice("C2", "I4", "INV-2001", "2400.00"),
            _invoice("C2", "I5", "INV-2002", "318.25"),
        ]
    )
    return book


def _pay(
    pid: str,
    amount: str,
    reference: str = "",
    *,
    name: str = "Hamilton Trading Ltd",
    account: str = STRANGER,
    day: int = 3,
) -> Payment:
    return Payment(
        payment_id=pid,
        value_date=dt.date(2026, 3, day),
        amount=money(amount, "EUR"),
        payer_name=name,
        payer_account=account,
        reference=reference,
        bank_reference=pid,
    )


def _import(ledger: Ledger, *payments: Payment, hour: int = 9) -> dict[str, LineOutcome]:
    plan = plan_intake(payments, ledger.read(), recorded_at=AT.replace(day=3, hour=hour))
    ledger.append(list(plan.facts))
    return {line.payment_id: line.outcome for line in plan.lines}


def _at(day: int) -> dt.datetime:
    return AT.replace(day=day, hour=12)


def test_unapplied_and_suspense_cash_are_open_items_that_aging_shows(ledger: Ledger) -> None:
    outcomes = _import(
        ledger,
        _pay("B1", "100.00", "no idea", name="ACME GMBH", account=ACME_ACCOUNT),
        _pay("B2", "75.00", "thanks", name="Nobody Known"),
    )
    assert outcomes == {"B1": LineOutcome.UNAPPLIED, "B2": LineOutcome.SUSPENSE}
    cash = {
        (i.customer_id, i.item_id): i.open_amount.amount
        for i in ledger.read().open_items()
        if i.kind is ItemKind.UNAPPLIED_CASH
    }
    assert cash == {("C1", "B1"): Decimal("-100.00"), ("SUSPENSE", "B2"): Decimal("-75.00")}
    report = age(ledger.open_items(dt.date(2026, 3, 31)), dt.date(2026, 3, 31))
    by_customer = {row.customer_id: row.balance.amount for row in report.rows}
    assert by_customer["SUSPENSE"] == Decimal("-75.00")
    assert by_customer["C1"] == Decimal("1190.00") + Decimal("530.40") - Decimal("100.00")


def test_the_worklist_is_ordered_by_value_then_age(ledger: Ledger) -> None:
    _import(
        ledger,
        _pay("SMALL", "20.00", "x", name="Nobody A", account="", day=2),
        _pay("BIG", "900.00", "y", name="Nobody B", account="", day=3),
        _pay("OLD", "20.00", "z", name="Nobody C", account="", day=1),
    )
    items = worklist(ledger.read(), as_of=dt.date(2026, 3, 10))
    assert [w.payment_id for w in items] == ["BIG", "OLD", "SMALL"]
    assert [w.age_days for w in items] == [7, 9, 8]
    assert {w.kind for w in items} == {ExceptionKind.SUSPENSE}


def test_confirming_a_suggestion_posts_it_and_the_next_similar_payment_is_auto_applied(
    ledger: Ledger,
) -> None:
    assert _import(ledger, _pay("B2", "2400.00")) == {"B2": LineOutcome.UNAPPLIED}
    [item] = worklist(ledger.read(), as_of=dt.date(2026, 3, 4))
    assert (item.kind, item.customer_id) == (ExceptionKind.SUGGESTED, "C2")
    assert [(ln.item_id, ln.applied.amount) for ln in item.candidates[0].lines] == [
        ("I4", Decimal("2400.00"))
    ]
    # Before the confirmation, a similar payment from that payer is only suggested.
    early = plan_intake([_pay("B3", "318.25")], ledger.read(), recorded_at=_at(4))
    assert early.lines[0].outcome is LineOutcome.UNAPPLIED
    facts = confirm(
        ledger.read(), "B2", recorded_at=_at(4), recorded_by="alice", reason="the customer said"
    )
    assert [f.kind.value for f in facts] == [
        "payment_allocated",
        "payer_account_linked",
        "customer_alias_added",
        "payment_decided",
    ]
    ledger.append(list(facts))
    history = ledger.read()
    assert not [i for i in history.open_items() if i.item_id in ("I4", "B2")]
    assert history.customer_master().customers_of_account(STRANGER) == ("C2",)
    decided = [f for f in facts if isinstance(f, PaymentDecided)]
    assert (decided[0].recorded_by, decided[0].reason) == ("alice", "the customer said")
    assert worklist(history, as_of=dt.date(2026, 3, 4)) == ()
    later = plan_intake([_pay("B3", "318.25")], history, recorded_at=_at(5))
    assert later.lines[0].outcome is LineOutcome.AUTO_POSTED


def test_rejecting_leaves_the_cash_unapplied_and_clears_the_suggestion(ledger: Ledger) -> None:
    _import(ledger, _pay("B2", "2400.00"))
    ledger.append(list(reject(ledger.read(), "B2", recorded_at=_at(4), recorded_by="bob")))
    [item] = worklist(ledger.read(), as_of=dt.date(2026, 3, 4))
    assert (item.kind, item.candidates) == (ExceptionKind.UNAPPLIED, ())
    assert item.amount == money("2400.00", "EUR")
    with pytest.raises(ValidationError, match="who"):
        reject(ledger.read(), "B2", recorded_at=_at(4), recorded_by=" ")


def test_suspense_cash_reassigned_then_confirmed_with_a_chosen_allocation(ledger: Ledger) -> None:
    _import(ledger, _pay("B7", "600.00", "misc", name="Nobody Known"))
    facts = reassign(
        ledger.read(), "B7", "C1", recorded_at=_at(4), recorded_by="carol", reason="phoned"
    )
    ledger.append(list(facts))
    [item] = worklist(ledger.read(), as_of=dt.date(2026, 3, 4))
    assert (item.kind, item.customer_id) == (ExceptionKind.UNAPPLIED, "C1")
    chosen = {"I2": money("530.40", "EUR")}
    ledger.append(list(confirm(ledger.read(), "B7", chosen, recorded_at=_at(5), recorded_by="c")))
    history = ledger.read()
    assert "I2" not in {i.item_id for i in history.open_items()}
    [rest] = worklist(history, as_of=dt.date(2026, 3, 5))
    assert (rest.customer_id, rest.amount) == ("C1", money("69.60", "EUR"))
    with pytest.raises(ValidationError, match="write-off limit"):
        write_off(history, "B7", recorded_at=_at(6), recorded_by="c")
    generous = LoopPolicy(write_off_limit=Decimal("100"))
    ledger.append(
        list(write_off(history, "B7", recorded_at=_at(6), recorded_by="c", policy=generous))
    )
    assert worklist(ledger.read(), as_of=dt.date(2026, 3, 6)) == ()


def test_a_chosen_allocation_across_two_customers_moves_each_its_part(ledger: Ledger) -> None:
    _import(ledger, _pay("B9", "1508.25", "two invoices", name="Nobody Known"))
    chosen = {"I1": money("1190.00", "EUR"), "I5": money("318.25", "EUR")}
    facts = confirm(ledger.read(), "B9", chosen, recorded_at=_at(4), recorded_by="dora")
    ledger.append(list(facts))
    history = ledger.read()
    assert not {"I1", "I5"} & {i.item_id for i in history.open_items()}
    moved = {(f.customer_id, f.kind.value) for f in facts if f.kind.value == "payment_received"}
    assert moved == {("C1", "payment_received"), ("C2", "payment_received")}
    assert worklist(history, as_of=dt.date(2026, 3, 4)) == ()


def test_confirm_refuses_what_it_cannot_do(ledger: Ledger) -> None:
    _import(ledger, _pay("B2", "100.00", "x", name="Nobody Known"))
    history = ledger.read()
    with pytest.raises(ValidationError, match="no suggestion"):
        confirm(history, "B2", recorded_at=_at(4), recorded_by="e")
    with pytest.raises(ValidationError, match=r"has 100\.00 left"):
        confirm(history, "B2", {"I1": money("500", "EUR")}, recorded_at=_at(4), recorded_by="e")
    with pytest.raises(ValidationError, match="not an open item"):
        confirm(history, "B2", {"NOPE": money("5", "EUR")}, recorded_at=_at(4), recorded_by="e")
    with pytest.raises(ValidationError, match="no payment received"):
        confirm(history, "B404", recorded_at=_at(4), recorded_by="e")


def test_a_decision_is_a_fact_that_names_who() -> None:
    with pytest.raises(ValidationError, match="who"):
        PaymentDecided(
            fact_id="d",
            customer_id="C1",
            effective=dt.date(2026, 3, 1),
            recorded_at=AT,
            payment_id="B1",
            decision=PaymentDecision.REJECTED,
        )


def test_the_audit_trail_of_a_payment_holds_its_screening_suggestion_and_decisions(
    ledger: Ledger,
) -> None:
    _import(ledger, _pay("B2", "2400.00"))
    ledger.append(list(reject(ledger.read(), "B2", recorded_at=_at(4), recorded_by="bob")))
    ledger.append(list(reassign(ledger.read(), "B2", "C1", recorded_at=_at(5), recorded_by="b")))
    kinds = [f.kind.value for f in ledger.history("B2")]
    assert kinds == [
        "payment_received",
        "payment_suggested",
        "payment_screened",
        "payment_decided",
        "payment_reassigned",
        "payment_received",
        "payment_decided",
    ]
    moves = [m for m in ledger.read(customer_id="C2").activity() if m.document == "B2"]
    assert [(m.kind.value, m.amount.amount) for m in moves] == [
        ("payment", Decimal("-2400.00")),
        ("reassigned", Decimal("2400.00")),
    ]
