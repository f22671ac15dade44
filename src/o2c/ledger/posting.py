"""Posting a billed document: an :class:`o2c.invoice.Invoice` as a ledger fact.

One verb pattern across o2c: a *builder* is named after what it returns and appends nothing
(:func:`invoice_fact`, :func:`o2c.cash_application.payment_facts`); an *appender* is a verb that
takes the ledger and appends (:func:`post_invoice`, :func:`o2c.cash_application.apply`).  Build
the facts when they should go into one batch with others; post when the document stands alone.

An invoice becomes an :class:`~o2c.ledger.facts.InvoiceIssued` with its schedule's instalments
(one open item each, with their discount offers); without a schedule (no terms) it is one
instalment of the amount due, due on the issue date.  A credit memo becomes a
:class:`~o2c.ledger.facts.CreditMemoIssued` for its amount due (a negative open item), naming
the invoice it credits.  Fact ids are ``invoice:<number>`` and ``credit_memo:<number>``, so
recording a document twice is a no-op.

>>> import datetime as dt
>>> from o2c.invoice import Customer, Invoice, InvoiceLine, credit_memo
>>> from o2c.ledger import Ledger
>>> from o2c.money import money
>>> from o2c.tax import Tax
>>> from o2c.terms import PaymentTerms
>>> inv = Invoice.create(
...     number="INV-2026-0042", customer=Customer(id="C-42", name="Muster GmbH"),
...     issue_date=dt.date(2026, 3, 2), currency="EUR", terms=PaymentTerms.parse("2/10 net 30"),
...     lines=[InvoiceLine(description="Widget", quantity=3, unit_price=money("19.99", "EUR"),
...                        taxes=[Tax.vat("S19", "19")])])
>>> memo = credit_memo(inv, number="CM-1", issue_date=dt.date(2026, 3, 9))
>>> at = dt.datetime(2026, 3, 9, 17, tzinfo=dt.timezone.utc)
>>> ledger = Ledger()
>>> _ = ledger.append([invoice_fact(inv, recorded_at=at), invoice_fact(memo, recorded_at=at)])
>>> [(i.item_id, i.open_amount.amount, i.discounts[0].amount.amount if i.discounts else None)
...  for i in ledger.open_items(dt.date(2026, 3, 9))]                    # by due date
[('CM-1', Decimal('-71.36'), None), ('INV-2026-0042', Decimal('71.36'), Decimal('1.43'))]
>>> post_invoice(inv, ledger, recorded_at=at).unchanged                  # posted already
('invoice:INV-2026-0042',)
"""

from __future__ import annotations

import datetime as dt

from o2c.invoice import DocumentKind, Invoice
from o2c.ledger.facts import CreditMemoIssued, InvoiceIssued
from o2c.ledger.ids import CustomerId, FactId, ItemId
from o2c.ledger.ledger import AppendResult, Ledger
from o2c.terms import Instalment

__all__ = ["invoice_fact", "post_invoice"]


def invoice_fact(
    invoice: Invoice,
    *,
    recorded_at: dt.datetime,
    customer_id: str | None = None,
    effective: dt.date | None = None,
    recorded_by: str = "billing",
    reason: str = "",
) -> InvoiceIssued | CreditMemoIssued:
    """The fact that records ``invoice`` (or credit memo) in the ledger; it appends nothing.

    Args:
        invoice: the document, as built by :meth:`o2c.invoice.Invoice.create`.
        recorded_at: when it is recorded (timezone-aware).
        customer_id: the ledger's customer id (default: the document's customer id).
        effective: when it counts (default: its issue date).

    Raises:
        InvalidFactError: nothing is due on it (a fully prepaid invoice), or it is malformed.
    """
    number = str(invoice.number)
    customer = CustomerId(customer_id if customer_id is not None else invoice.customer.id)
    when = invoice.issue_date if effective is None else effective
    due = invoice.totals.amount_due
    reference = invoice.references.payment_reference
    if invoice.kind is DocumentKind.CREDIT_MEMO:
        preceding = invoice.references.preceding_invoice
        return CreditMemoIssued(
            fact_id=FactId(f"credit_memo:{number}"),
            customer_id=customer,
            effective=when,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
            reason=reason,
            item_id=ItemId(number),
            document_number=number,
            document_date=invoice.issue_date,
            amount=-due,
            credits_item_id=ItemId(preceding) if preceding else None,
            payment_reference=reference,
        )
    if invoice.schedule is not None:
        instalments = invoice.schedule.instalments
    else:
        instalments = (Instalment(number=1, due_date=invoice.issue_date, amount=due),)
    return InvoiceIssued.from_instalments(
        fact_id=f"invoice:{number}",
        customer_id=customer,
        item_id=number,
        document_number=number,
        document_date=invoice.issue_date,
        instalments=instalments,
        recorded_at=recorded_at,
        effective=when,
        payment_reference=reference,
        recorded_by=recorded_by,
        reason=reason,
    )


def post_invoice(
    invoice: Invoice,
    ledger: Ledger,
    *,
    recorded_at: dt.datetime,
    customer_id: str | None = None,
    effective: dt.date | None = None,
    recorded_by: str = "billing",
    reason: str = "",
) -> AppendResult:
    """Append the fact of ``invoice`` (or credit memo) to ``ledger``: :func:`invoice_fact`, posted.

    Posting the same document again changes nothing (the fact is reported ``unchanged``).

    Raises:
        InvalidFactError: as :func:`invoice_fact`, or the ledger refuses the fact.
        DuplicateFactError: a document of the same number is posted with other content.
    """
    fact = invoice_fact(
        invoice,
        recorded_at=recorded_at,
        customer_id=customer_id,
        effective=effective,
        recorded_by=recorded_by,
        reason=reason,
    )
    return ledger.append([fact])
