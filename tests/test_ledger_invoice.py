"""Recording o2c.invoice documents in the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from o2c.invoice import Customer, Invoice, InvoiceLine, credit_memo
from o2c.ledger import CreditMemoIssued, InvoiceIssued, ItemKind, Ledger
from o2c.ledger.posting import invoice_fact
from o2c.money import money
from o2c.tax import Tax
from o2c.terms import PaymentTerms

AT = dt.datetime(2026, 3, 9, 17, tzinfo=dt.UTC)


def _invoice(terms: str | None) -> Invoice:
    return Invoice.create(
        number="INV-7",
        customer=Customer(id="C-7", name="Muster GmbH"),
        issue_date=dt.date(2026, 3, 2),
        currency="EUR",
        terms=PaymentTerms.parse(terms) if terms else None,
        lines=[
            InvoiceLine(
                description="Widget",
                quantity=10,
                unit_price=money("100.00", "EUR"),
                taxes=[Tax.vat("S19", "19")],
            )
        ],
    )


def test_an_invoice_with_a_schedule_is_one_item_per_instalment() -> None:
    inv = _invoice("50% net 30, 50% net 60")
    fact = invoice_fact(inv, recorded_at=AT)
    assert isinstance(fact, InvoiceIssued)
    assert fact.total == inv.totals.amount_due
    assert fact.instalments == inv.schedule.instalments  # type: ignore[union-attr]
    assert fact.payment_reference == inv.references.payment_reference
    ledger = Ledger()
    ledger.append([fact])
    items = ledger.open_items(dt.date(2026, 3, 2))
    assert [(i.item_id, i.instalment, i.open_amount.amount) for i in items] == [
        ("INV-7#1", 1, Decimal("595.00")),
        ("INV-7#2", 2, Decimal("595.00")),
    ]
    assert ledger.append([invoice_fact(inv, recorded_at=AT)]).appended == ()


def test_an_invoice_without_terms_is_due_on_its_issue_date() -> None:
    fact = invoice_fact(_invoice(None), recorded_at=AT, customer_id="LEDGER-7")
    assert isinstance(fact, InvoiceIssued)
    assert fact.customer_id == "LEDGER-7"
    assert [(i.due_date, i.amount) for i in fact.instalments] == [
        (dt.date(2026, 3, 2), money("1190.00", "EUR"))
    ]


def test_a_credit_memo_is_a_negative_item_naming_its_invoice() -> None:
    inv = _invoice("net 30")
    memo = credit_memo(inv, number="CM-7", issue_date=dt.date(2026, 3, 9))
    fact = invoice_fact(memo, recorded_at=AT)
    assert isinstance(fact, CreditMemoIssued)
    assert fact.amount == money("1190.00", "EUR")
    assert fact.credits_item_id == "INV-7"
    ledger = Ledger()
    ledger.append([invoice_fact(inv, recorded_at=AT), fact])
    kinds = {
        i.item_id: (i.kind, i.open_amount.amount) for i in ledger.open_items(dt.date(2026, 3, 9))
    }
    assert kinds == {
        "INV-7": (ItemKind.INVOICE, Decimal("1190.00")),
        "CM-7": (ItemKind.CREDIT_MEMO, Decimal("-1190.00")),
    }
