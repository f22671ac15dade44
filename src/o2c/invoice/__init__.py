"""Invoices: the document (:mod:`o2c.invoice.document`: :class:`Invoice`, lines, totals,
validation), its parties (:mod:`o2c.invoice.parties`: seller, buyer, payee, tax
representative, payment instructions) and ISO 11649 creditor references
(:mod:`o2c.invoice.references`).

Invoices and credit memos: lines, taxes, totals, payment schedule, validation.

:meth:`Invoice.create` takes what billing needs (number, customer with name, address and tax id,
issue date, currency, lines, document allowances and charges, terms, delivery date, references)
and derives the rest once: line nets, taxes per category and rate (:mod:`o2c.tax`), withholding
kept apart, the totals of EN 16931 (BT-106 ... BT-115, with cash rounding as the separate
rounding amount BT-114), the payment schedule from the terms (:mod:`o2c.terms`) and an ISO 11649
RF payment reference made from the invoice number.  :func:`credit_memo` negates an invoice (or
some of its lines and quantities) exactly, and :func:`validate` returns every violation with its
code and field.

>>> import datetime as dt
>>> from decimal import Decimal
>>> from o2c.money import money
>>> from o2c.tax import Tax
>>> from o2c.terms import PaymentTerms
>>> vat19 = Tax.vat("S19", "19")
>>> customer = Customer(id="C-42", name="Muster GmbH", tax_id="DE123456789",
...                     address=Address(lines=("Hauptstr. 1",), city="Berlin",
...                                     postal_code="10115", country="DE"))
>>> inv = Invoice.create(
...     number="INV-2026-0042", customer=customer, issue_date=dt.date(2026, 3, 2),
...     currency="EUR", terms=PaymentTerms.parse("2/10 net 30"),
...     lines=[InvoiceLine(description="Widget", quantity=3, unit_price=money("19.99", "EUR"),
...                        taxes=[vat19])])
>>> inv.totals.untaxed.amount, inv.totals.tax_total.amount, inv.totals.amount_due.amount
(Decimal('59.97'), Decimal('11.39'), Decimal('71.36'))
>>> inv.references.payment_reference
'RF73INV20260042'
>>> [(i.due_date.isoformat(), i.amount.amount) for i in inv.schedule.instalments]
[('2026-04-01', Decimal('71.36'))]
>>> validate(inv)
()
>>> memo = credit_memo(inv, number="CM-1", issue_date=dt.date(2026, 3, 9))
>>> memo.totals.amount_due.amount
Decimal('-71.36')
"""

from __future__ import annotations

from o2c.invoice.document import (
    Address,
    Customer,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceNumber,
    InvoiceTotals,
    References,
    Violation,
    credit_memo,
    validate,
)
from o2c.invoice.parties import (
    BankAccount,
    Contact,
    DirectDebit,
    ElectronicAddress,
    Party,
    Payee,
    PaymentInstructions,
    TaxRepresentative,
)

__all__ = [
    "Address",
    "BankAccount",
    "Contact",
    "Customer",
    "DirectDebit",
    "DocumentKind",
    "ElectronicAddress",
    "Invoice",
    "InvoiceLine",
    "InvoiceNumber",
    "InvoiceTotals",
    "Party",
    "Payee",
    "PaymentInstructions",
    "References",
    "TaxRepresentative",
    "Violation",
    "credit_memo",
    "validate",
]
