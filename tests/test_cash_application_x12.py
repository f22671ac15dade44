"""X12 820 remittance in BAI2 CTX addenda: read as documents, weighed as structured remittance."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from o2c.cash_application import CustomerProfile, MatchDecision, ResidualKind, match_payments
from o2c.cash_application.x12 import read_820
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money
from o2c.statement import Payment

DAY = dt.date(2026, 3, 10)


def item(item_id: str, customer: str, number: str, amount: str) -> OpenItem:
    return OpenItem(
        item_id=ItemId(item_id),
        customer_id=CustomerId(customer),
        kind=ItemKind.INVOICE,
        document_number=number,
        document_date=dt.date(2026, 2, 1),
        due_date=dt.date(2026, 3, 3),
        original_amount=money(amount, "USD"),
        open_amount=money(amount, "USD"),
    )


CUSTOMERS = [
    CustomerProfile("C1", "Megamat Inc", frozenset({"111"})),
    CustomerProfile("C2", "Clarke Manufacturing Inc", frozenset({"222"})),
]
ITEMS = [
    item("I1", "C1", "INV/2026/016827", "3798.00"),
    item("I2", "C1", "INV/2026/016828", "5645.31"),
    item("I3", "C2", "INV/2026/016829", "5645.31"),
    item("I4", "C1", "INV/2026/016830", "120.00"),
]

HEAD = "ORIG CO NAME:MEGAMAT INC ORIG ID:1146326001 SEC:CTX BPR*C*1*C*ACH*CTX~REF*VR*25215~"


def ctx_payment(amount: str, segments: str, account: str = "111") -> Payment:
    return Payment(
        payment_id="P1",
        value_date=DAY,
        amount=money(amount, "USD"),
        payer_name="MEGAMAT INC",
        payer_account=account,
        remittance_info=HEAD + segments,
    )


def test_rmr_and_adx_become_a_document_with_its_reason_code() -> None:
    [doc] = read_820("RMR*IV*INV-1*PI*2720.51*3798.00~ADX*-1077.49*01*IV*INV-1~", "USD")
    assert (doc.number, doc.amount_paid, doc.amount_due) == (
        "INV-1",
        money("2720.51", "USD"),
        money("3798.00", "USD"),
    )
    assert (doc.adjustment, doc.adjustment_reason) == (money("1077.49", "USD"), "01")
    assert not doc.adjustments[0].increases


def test_adjustment_without_a_reference_belongs_to_the_document_before_it() -> None:
    docs = read_820("RMR*IV*A*PI*10.00~RMR*IV*B*PI*20.00~ADX*-5.00*DAMG~ADX*2.00*PRIC~", "USD")
    assert [(d.number, d.adjustment) for d in docs] == [
        ("A", None),
        ("B", money("3.00", "USD")),
    ]


def test_credit_memo_counts_negatively_whatever_its_sign() -> None:
    for amount in ("-30.00", "30.00"):
        [_, cm] = read_820(f"RMR*IV*A*PI*100.00~RMR*CM*CN-7*PI*{amount}~", "USD")
        assert (cm.is_credit_note, cm.signed_amount_paid) == (True, money("-30.00", "USD"))


def test_other_segments_and_qualifiers_are_not_documents() -> None:
    assert read_820("REF*VR*25215~DTM*003*20260212~RMR*PO*4711*PI*10.00~", "USD") == ()
    assert read_820("no remittance here", "USD") == ()


@given(st.text(alphabet="RMADXIVPC*~\\.-0123456789 ", max_size=80))
def test_any_text_reads_without_error(text: str) -> None:
    for doc in read_820("RMR*" + text, "USD"):
        assert doc.amount_paid is not None


def test_ctx_deduction_with_reason_code_closes_the_invoice() -> None:
    segments = "RMR*IV*INV-2026-016827*PI*2720.51*3798.00~ADX*-1077.49*01*IV*INV-2026-016827~"
    [r] = match_payments([ctx_payment("2720.51", segments)], ITEMS, customers=CUSTOMERS)
    assert (r.decision, [a.item_id for a in r.allocations]) == (MatchDecision.AUTO, ["I1"])
    [a] = r.allocations
    assert a.applied == money("3798.00", "USD")
    assert [(x.kind, x.amount, x.reason) for x in a.residuals] == [
        (ResidualKind.DEDUCTION, money("1077.49", "USD"), "price difference (01)")
    ]
    # The payment is reported as given: the documents were read for matching only.
    assert r.payment.documents == ()


def test_payer_document_number_names_the_item_by_its_stated_amount() -> None:
    # The payer's own voucher number; its stated amount due is one open item of the payer.
    segments = "RMR*IV*1973187700*PI*5561.76*5645.31~ADX*-83.55*DAMG*IV*1973187700~"
    [r] = match_payments([ctx_payment("5561.76", segments)], ITEMS, customers=CUSTOMERS)
    assert (r.decision, [a.item_id for a in r.allocations]) == (MatchDecision.AUTO, ["I2"])
    assert r.allocations[0].applied == money("5645.31", "USD")


def test_stated_amount_needs_a_known_payer_and_a_single_item() -> None:
    segments = "RMR*IV*1973187700*PI*5561.76*5645.31~ADX*-83.55*DAMG*IV*1973187700~"
    unknown = ctx_payment("5561.76", segments, account="999")
    unknown = Payment(
        payment_id="P1",
        value_date=DAY,
        amount=unknown.amount,
        payer_name="SOMEONE ELSE LLC",
        remittance_info=unknown.remittance_info,
    )
    alone = [i for i in ITEMS if i.item_id != "I3"]  # I2 is the only item of that amount
    [r] = match_payments([unknown], alone, customers=CUSTOMERS)
    assert r.decision is not MatchDecision.AUTO
    twice = [*ITEMS, item("I5", "C1", "INV/2026/016831", "5645.31")]
    [r] = match_payments([ctx_payment("5561.76", segments)], twice, customers=CUSTOMERS)
    assert r.decision is not MatchDecision.AUTO
