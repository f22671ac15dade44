"""The customer's purchase order on open items, weighed like a reference to its item."""

from __future__ import annotations

import datetime as dt

from o2c.cash_application import CustomerProfile, MatchDecision, match_payments
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money
from o2c.statement import Payment

DAY = dt.date(2026, 3, 1)
CUSTOMERS = [CustomerProfile("C1", "Baltic Steel Inc."), CustomerProfile("C2", "Orion Ltd")]


def item(item_id: str, number: str, amount: str, customer: str = "C1") -> OpenItem:
    value = money(amount, "EUR")
    return OpenItem(
        item_id=ItemId(item_id),
        customer_id=CustomerId(customer),
        kind=ItemKind.INVOICE,
        document_number=number,
        document_date=DAY,
        due_date=DAY + dt.timedelta(days=30),
        original_amount=value,
        open_amount=value,
    )


ITEMS = [
    item("I1", "INV/2026/000101", "500.00"),
    item("I2", "INV/2026/000102", "500.00"),
    item("I3", "INV/2026/000103", "700.00", "C2"),
]
POS = {"I1": "4543125093", "I2": "4543125094", "I3": "123456"}


def pay(amount: str, text: str, payer: str = "Unknown Payments Ltd") -> Payment:
    return Payment(
        payment_id="P1",
        value_date=DAY,
        amount=money(amount, "EUR"),
        payer_name=payer,
        remittance_info=text,
    )


def test_a_quoted_po_names_its_item() -> None:
    # Two items of the same amount: only the PO tells them apart.
    [without] = match_payments([pay("500.00", "Bestellung 4543125094")], ITEMS, customers=CUSTOMERS)
    [r] = match_payments(
        [pay("500.00", "Bestellung 4543125094")], ITEMS, customers=CUSTOMERS, purchase_orders=POS
    )
    assert without.decision is not MatchDecision.AUTO
    assert r.decision is MatchDecision.AUTO
    assert [a.item_id for a in r.allocations] == ["I2"]
    assert any("4543125094" in e for e in r.explanation)


def test_a_short_po_counts_only_when_labelled() -> None:
    labelled = pay("700.00", "PO 123456")
    bare = pay("700.00", "Ref 123456")
    [a, b] = match_payments([labelled, bare], ITEMS, customers=CUSTOMERS, purchase_orders=POS)
    assert [x.item_id for x in a.allocations] == ["I3"]
    assert all("123456" not in e for e in b.explanation)


def test_a_po_shared_by_items_names_none_alone() -> None:
    pos = {"I1": "4543125093", "I2": "4543125093"}
    [r] = match_payments(
        [pay("500.00", "PO 4543125093")], ITEMS, customers=CUSTOMERS, purchase_orders=pos
    )
    assert r.decision is not MatchDecision.AUTO


def test_a_shared_payer_suggests_its_customers_never_one() -> None:
    from o2c.cash_application import ConfirmedPayment, learn_payers

    hist = [
        ConfirmedPayment(payer_name="Payflow Ltd", payer_account="GB1", customer_ids=frozenset({c}))
        for c in ("C1", "C2")
    ]
    known = learn_payers(CUSTOMERS, hist)
    assert dict(known.serves) == {
        "GB1": frozenset({"C1", "C2"}),
        "PAYFLOW": frozenset({"C1", "C2"}),
    }
    p = Payment(
        payment_id="P1",
        value_date=DAY,
        amount=money("700.00", "EUR"),
        payer_name="Payflow Ltd",
        payer_account="GB1",
    )
    [r] = match_payments([p], ITEMS, customers=known.customers, shared_payers=known.serves)
    # The only open item of this amount among the customers the service pays for.
    assert [a.item_id for a in r.allocations or r.suggestions[0].allocations] == ["I3"]
    assert any("pays for 2 customers" in e for e in r.explanation)
    # Never one customer on the payer alone: a service account is learnt for nobody.
    assert all(not c.accounts for c in known.customers)
