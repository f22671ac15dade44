"""Idempotency: a fact id is its content.  A retry is a no-op, other content is refused.

Every writer (``Ledger.append``, ``cash_application.apply``, ``post_invoice``, migration)
compares with one rule, :func:`o2c.ledger.facts.same_content`: everything but ``recorded_at``.
The race tests (a writer overtaken by an identical batch, or by a stream that moved past its
recording time, gets the retryable ``ConcurrencyError``) run on every store in
``tests/test_storage_contract.py``.
"""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.cash_application import CustomerProfile, apply, match_payments
from o2c.errors import DuplicateFactError, InvalidFactError
from o2c.invoice import Customer, Invoice, InvoiceLine
from o2c.ledger import Fact, InvoiceIssued, Ledger, PaymentReceived
from o2c.ledger.facts import same_content
from o2c.ledger.migration import MigrationPlan, plan_migration, post_migration
from o2c.ledger.posting import post_invoice
from o2c.money import money
from o2c.statement import Payment
from o2c.terms import Instalment, PaymentTerms
from tests.strategies import ledger_streams
from tests.test_ledger import at, day, invoice, payment

LATER = dt.timedelta(days=3)


# ------------------------------------------------------------------------------ Ledger.append


def test_a_resent_payment_with_another_amount_is_refused_not_unchanged() -> None:
    ledger = Ledger()
    ledger.append([invoice("i", "I", "100.00"), payment("p", "P", "100.00", recorded=1)])
    with pytest.raises(DuplicateFactError) as info:
        ledger.append([payment("p", "P", "90.00", recorded=2)])
    assert (info.value.field, info.value.value) == ("fact_id", "p")
    stored = ledger.get("p")
    assert isinstance(stored, PaymentReceived)
    assert stored.amount == money("100.00", "EUR")
    assert ledger.version("C1") == 2


def test_an_identical_resend_recorded_later_is_a_no_op_and_the_first_recording_stands() -> None:
    ledger = Ledger()
    first = payment("p", "P", "100.00", recorded=1)
    ledger.append([first])
    again = ledger.append([attrs.evolve(first, recorded_at=first.recorded_at + LATER)])
    assert (again.appended, again.unchanged) == ((), ("p",))
    assert ledger.get("p").recorded_at == first.recorded_at
    assert ledger.version("C1") == 1


def test_the_same_id_twice_in_one_batch_is_one_fact_unless_the_content_differs() -> None:
    ledger = Ledger()
    first = payment("p", "P", "100.00", recorded=1)
    result = ledger.append([first, attrs.evolve(first, recorded_at=at(5))])
    assert [f.fact_id for f in result.appended] == ["p"]
    with pytest.raises(DuplicateFactError):
        ledger.append([payment("q", "Q", "1.00", recorded=6), payment("q", "Q", "2.00")])
    assert ledger.version("C1") == 1


def test_every_field_but_recorded_at_is_content() -> None:
    fact = payment("p", "P", "100.00", recorded=1)
    assert same_content(fact, attrs.evolve(fact, recorded_at=at(99)))
    for change in (
        {"amount": money("100.01", "EUR")},
        {"effective": day(1)},
        {"value_date": day(1)},
        {"customer_id": "C2"},
        {"reference": "other"},
        {"recorded_by": "someone else"},
    ):
        assert not same_content(fact, attrs.evolve(fact, **change)), change
    assert not same_content(fact, invoice("p", "P", "100.00"))


# Each example builds two ledgers and appends every fact three times: 400 examples keep it
# under 2 s in the ci profile.
@settings(max_examples=400)
@given(ledger_streams(), st.integers(0, 10_000))
def test_property_appending_any_batch_again_later_changes_nothing(
    facts: list[Fact], minutes: int
) -> None:
    ledger = Ledger()
    accepted: list[Fact] = []
    for fact in facts:
        try:
            ledger.append([fact])
        except InvalidFactError:
            continue
        accepted.append(fact)
    before = (ledger.open_items(day(7)), ledger.version("C1"), list(ledger.facts()))
    retry = [
        attrs.evolve(f, recorded_at=f.recorded_at + dt.timedelta(minutes=minutes)) for f in facts
    ]
    result = ledger.append([f for f in retry if f.fact_id in {a.fact_id for a in accepted}])
    assert result.appended == ()
    assert set(result.unchanged) == {f.fact_id for f in accepted}
    assert (ledger.open_items(day(7)), ledger.version("C1"), list(ledger.facts())) == before
    # The whole accepted stream as one batch into an empty ledger, twice: the same ledger.
    fresh = Ledger()
    fresh.append(accepted)
    fresh.append(accepted)
    assert list(fresh.facts()) == list(ledger.facts())


# ------------------------------------------------------------------------------ cash application

AT = dt.datetime(2026, 4, 1, 9, tzinfo=dt.UTC)
CUSTOMERS = [CustomerProfile("C1", "Baltic Steel Inc.")]


def _ledger_with_invoice() -> Ledger:
    ledger = Ledger()
    ledger.append(
        [
            InvoiceIssued.from_instalments(
                fact_id="invoice:INV-7",
                customer_id="C1",
                item_id="INV-7",
                document_number="INV-2026-100007",
                document_date=dt.date(2026, 3, 1),
                recorded_at=AT - dt.timedelta(days=30),
                instalments=[
                    Instalment(
                        number=1, due_date=dt.date(2026, 3, 31), amount=money("500.00", "EUR")
                    )
                ],
            )
        ]
    )
    return ledger


def _bank(amount: str) -> Payment:
    return Payment(
        payment_id="BANK-1",
        value_date=dt.date(2026, 3, 20),
        amount=money(amount, "EUR"),
        payer_name="Baltic Steel Inc.",
        reference="INV-2026-100007",
    )


def test_apply_refuses_a_resent_payment_with_another_amount() -> None:
    ledger = _ledger_with_invoice()
    when = dt.date(2026, 3, 25)
    first = match_payments([_bank("500.00")], ledger.open_items(when), customers=CUSTOMERS)
    report = apply(first, ledger, recorded_at=AT)
    assert report.appended == 2
    before = list(ledger.facts())
    # The bank re-sends BANK-1 for 450.00 (a correction on its side): the difference must not
    # vanish as "unchanged"; the ledger refuses it and keeps what it had.
    resent = match_payments(
        [_bank("450.00")], ledger.open_items(dt.date(2026, 3, 19)), customers=CUSTOMERS
    )
    with pytest.raises(DuplicateFactError, match="payment:BANK-1"):
        apply(resent, ledger, recorded_at=AT + LATER)
    assert list(ledger.facts()) == before


def test_apply_of_an_identical_resend_later_is_unchanged() -> None:
    ledger = _ledger_with_invoice()
    results = match_payments(
        [_bank("500.00")], ledger.open_items(dt.date(2026, 3, 25)), customers=CUSTOMERS
    )
    apply(results, ledger, recorded_at=AT)
    again = apply(results, ledger, recorded_at=AT + LATER)
    assert (again.appended, again.unchanged) == (0, 2)
    assert ledger.get("payment:BANK-1").recorded_at == AT


# ------------------------------------------------------------------------------ post_invoice


def _document(price: str) -> Invoice:
    return Invoice.create(
        number="INV-9",
        customer=Customer(id="C9", name="Muster GmbH"),
        issue_date=dt.date(2026, 3, 2),
        currency="EUR",
        terms=PaymentTerms.parse("net 30"),
        lines=[InvoiceLine(description="Widget", quantity=1, unit_price=money(price, "EUR"))],
    )


def test_posting_an_invoice_twice_is_a_no_op_and_another_amount_is_refused() -> None:
    ledger = Ledger()
    post_invoice(_document("100.00"), ledger, recorded_at=AT)
    again = post_invoice(_document("100.00"), ledger, recorded_at=AT + LATER)
    assert (again.appended, again.unchanged) == ((), ("invoice:INV-9",))
    with pytest.raises(DuplicateFactError, match="invoice:INV-9"):
        post_invoice(_document("120.00"), ledger, recorded_at=AT + LATER)
    stored = ledger.get("invoice:INV-9")
    assert isinstance(stored, InvoiceIssued)
    assert stored.total == money("100.00", "EUR")


# ------------------------------------------------------------------------------ migration


def _plan(amount: str, recorded_at: dt.datetime) -> MigrationPlan:
    return plan_migration(
        customers=[{"customer_id": "C1"}],
        open_items=[],
        payments=[
            {
                "customer_id": "C1",
                "payment_id": "PAY-1",
                "value_date": "2026-03-02",
                "currency": "EUR",
                "amount": amount,
                "unapplied_amount": amount,
            }
        ],
        cutover=dt.date(2026, 3, 31),
        recorded_at=recorded_at,
    )


def test_migration_rerun_is_a_no_op_and_another_amount_is_refused() -> None:
    ledger = Ledger()
    post_migration(_plan("100.00", AT), ledger)
    again = post_migration(_plan("100.00", AT + LATER), ledger)
    assert (again.appended, again.unchanged) == ((), ("migration:customer:C1", "migration:PAY-1"))
    with pytest.raises(DuplicateFactError, match="migration:PAY-1"):
        post_migration(_plan("90.00", AT + LATER), ledger)
    stored = ledger.get("migration:PAY-1")
    assert isinstance(stored, PaymentReceived)
    assert (stored.amount, stored.recorded_at) == (money("100.00", "EUR"), AT)
