"""The one reason table: words and codes that explain a difference, whatever the channel."""

from __future__ import annotations

import datetime as dt

import pytest

from o2c.cash_application import CustomerProfile, MatchDecision, MatchPolicy, match_payments
from o2c.cash_application.reasons import DEFAULT_REASONS, Reason, ReasonKind, ReasonTable
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money
from o2c.statement import Adjustment, Payment, RemittanceDocument

DAY = dt.date(2026, 3, 1)
CUSTOMERS = [CustomerProfile("C1", "Baltic Steel Inc.", frozenset({"DE001"}))]


def item(item_id: str, number: str, amount: str, customer: str = "C1") -> OpenItem:
    value = money(amount, "EUR")
    return OpenItem(
        item_id=ItemId(item_id),
        customer_id=CustomerId(customer),
        kind=ItemKind.CREDIT_MEMO if value.amount < 0 else ItemKind.INVOICE,
        document_number=number,
        document_date=DAY,
        due_date=DAY + dt.timedelta(days=30),
        original_amount=value,
        open_amount=value,
    )


def pay(amount: str, text: str = "", **kw: object) -> Payment:
    return Payment(
        payment_id="P1",
        value_date=DAY + dt.timedelta(days=10),
        amount=money(amount, "EUR"),
        payer_name="Baltic Steel Inc.",
        payer_account="DE001",
        remittance_info=text,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("text", "kind", "label"),
    [
        ("Rg 4711 ./. aktionsrabatt 12,34", ReasonKind.DEDUCTION, "promotion or rebate"),
        ("Ware beschaedigt", ReasonKind.DEDUCTION, "damaged goods"),
        ("abzgl. Skonto", ReasonKind.DEDUCTION, "discount"),
        ("moins remise 3%", ReasonKind.DEDUCTION, "promotion or rebate"),
        ("short shipped 2 pcs", ReasonKind.DEDUCTION, "short delivery"),
        ("damaged in transit", ReasonKind.DEDUCTION, "damaged goods"),
        ("deduit avoir AV-2026-12", ReasonKind.CREDIT_NOTE, "credit note deducted"),
        ("less credit note -CN/2026/12", ReasonKind.CREDIT_NOTE, "credit note deducted"),
        ("abzgl. Gutschrift 4711", ReasonKind.CREDIT_NOTE, "credit note deducted"),
        ("less 15.00 bank charges", ReasonKind.FEE, "bank charges"),
        ("Teilzahlung Rechnung 4711", ReasonKind.PARTIAL, "partial payment"),
        ("Saldo fattura 4711", ReasonKind.SETTLED, "settled in full by the payer"),
    ],
)
def test_words_in_three_languages(text: str, kind: ReasonKind, label: str) -> None:
    row = DEFAULT_REASONS.in_text(text)
    assert row is not None
    assert (row.kind, row.label) == (kind, label)


def test_words_inside_other_words_do_not_count() -> None:
    assert DEFAULT_REASONS.in_text("Payment INV 4711 ACME CNC GmbH SHAKESPEARE") is None


@pytest.mark.parametrize(
    ("code", "kind", "label"),
    [
        ("DAMG", ReasonKind.DEDUCTION, "damaged goods (DAMG)"),
        ("04", ReasonKind.DEDUCTION, "damaged goods (04)"),
        ("11", ReasonKind.FEE, "bank charges (11)"),
        ("07", ReasonKind.PARTIAL, "partial payment (07)"),
        ("CM", ReasonKind.CREDIT_NOTE, "credit note deducted (CM)"),
    ],
)
def test_codes_of_camt_and_x12(code: str, kind: ReasonKind, label: str) -> None:
    row = DEFAULT_REASONS.for_code(code)
    assert row is not None
    assert row.kind is kind
    assert DEFAULT_REASONS.label(code) == label


def test_unknown_code_reads_as_itself() -> None:
    assert DEFAULT_REASONS.for_code("ZZ9") is None
    assert DEFAULT_REASONS.label("ZZ9") == "adjustment reason ZZ9"


def test_a_stated_reason_closes_beyond_the_unexplained_tolerance() -> None:
    # 20% short: beyond the 15% an unexplained short payment closes, within the 30% a stated
    # reason allows (German, written the way AP departments write it).
    items = [item("I1", "INV-2026-100042", "1000.00")]
    [r] = match_payments(
        [pay("800.00", "INV-2026-100042 ./. aktionsrabatt 200,00")], items, customers=CUSTOMERS
    )
    assert r.decision is MatchDecision.AUTO
    [a] = r.allocations
    assert (str(a.applied.amount), a.partial) == ("1000.00", False)
    assert [(x.kind.value, x.reason.split(":")[0]) for x in a.residuals] == [
        ("deduction", "promotion or rebate")
    ]


def test_without_a_reason_the_same_short_payment_stays_partial() -> None:
    items = [item("I1", "INV-2026-100042", "1000.00")]
    [r] = match_payments([pay("800.00", "INV-2026-100042")], items, customers=CUSTOMERS)
    proposal = r.allocations or r.suggestions[0].allocations
    assert [a.partial for a in proposal] == [True]


def test_a_word_added_to_the_policy_table_counts_everywhere() -> None:
    items = [item("I1", "INV-2026-100042", "1000.00")]
    text = "INV-2026-100042 minus kulanz"
    table = ReasonTable(
        rows=(*DEFAULT_REASONS.rows, Reason(ReasonKind.DEDUCTION, "goodwill", words=(r"KULANZ",)))
    )
    [before] = match_payments([pay("800.00", text)], items, customers=CUSTOMERS)
    [after] = match_payments(
        [pay("800.00", text)], items, customers=CUSTOMERS, policy=MatchPolicy(reasons=table)
    )
    assert before.decision is not MatchDecision.AUTO or before.allocations[0].partial
    assert after.decision is MatchDecision.AUTO
    assert after.allocations[0].residuals[0].reason.startswith("goodwill")


@pytest.mark.parametrize(
    "text",
    [
        "Rechnungen INV/2026/003465 INV/2026/003519 abzgl. Gutschrift CN 000576",
        "Settlement of INV/26/003465 INV/26/003519 CN/26/000576 -150.00",
        "INV20263465 + INV20263519 less credit note -CN/2026/576",
    ],
)
def test_loosely_written_credit_notes_are_netted(text: str) -> None:
    items = [
        item("I1", "INV/2026/003465", "1000.00"),
        item("I2", "INV/2026/003519", "500.00"),
        item("M1", "CN/2026/000576", "-150.00"),
        item("M2", "CN/2026/000577", "-150.00"),
    ]
    [r] = match_payments([pay("1350.00", text)], items, customers=CUSTOMERS)
    assert r.decision is MatchDecision.AUTO, r.explanation
    assert {a.item_id: str(a.applied.amount) for a in r.allocations} == {
        "I1": "1000.00",
        "I2": "500.00",
        "M1": "-150.00",
    }


def test_structured_credit_note_with_its_amount_due_written_positive() -> None:
    items = [item("I1", "INV/2026/003465", "1000.00"), item("M1", "CN/2026/000576", "-150.00")]
    docs = (
        RemittanceDocument(
            number="INV/2026/003465",
            amount_paid=money("1000.00", "EUR"),
            amount_due=money("1000.00", "EUR"),
        ),
        RemittanceDocument(
            number="CN/2026/000576",
            amount_paid=money("150.00", "EUR"),
            amount_due=money("150.00", "EUR"),
            is_credit_note=True,
        ),
    )
    [r] = match_payments([pay("850.00", documents=docs)], items, customers=CUSTOMERS)
    assert r.decision is MatchDecision.AUTO, r.explanation
    assert {a.item_id for a in r.allocations} == {"I1", "M1"}


def test_a_fee_code_in_camt_is_a_bank_fee() -> None:
    items = [item("I1", "INV/2026/003465", "1000.00")]
    adj = Adjustment(amount=money("15.00", "EUR"), reason="11")
    docs = (
        RemittanceDocument(
            number="INV/2026/003465",
            amount_paid=money("985.00", "EUR"),
            amount_due=money("1000.00", "EUR"),
            adjustment=adj.amount,
            adjustment_reason="11",
            adjustments=(adj,),
        ),
    )
    [r] = match_payments([pay("985.00", documents=docs)], items, customers=CUSTOMERS)
    assert r.decision is MatchDecision.AUTO
    assert [(x.kind.value, x.reason) for x in r.allocations[0].residuals] == [
        ("bank_fee", "bank charges (11)")
    ]
