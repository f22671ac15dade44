"""Demo section: a multi-line, multi-rate invoice with its schedule and RF reference.

Reads ``ctx.state["terms"]`` (the :class:`o2c.terms.PaymentTerms` left by the terms section; "2/10
net 30" is parsed when it is missing).  Sets ``ctx.state["invoice"]``: the
:class:`o2c.invoice.Invoice` the ledger section records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from o2c.cli.demos import DemoContext
from o2c.invoice import Address, Customer, Invoice, InvoiceLine, References, credit_memo, validate
from o2c.money import Money, format_money, money
from o2c.tax import (
    AllowanceCharge,
    ChargeKind,
    RateQuote,
    RoundingMethod,
    Tax,
    TaxCategory,
    TaxPolicy,
    restate,
)
from o2c.terms import PaymentTerms

LOCALE = "de_DE"


def _m(value: Money) -> str:
    return format_money(value, LOCALE)


def run(ctx: DemoContext) -> None:
    """Build, total, schedule, validate and credit an invoice."""
    ctx.heading("Invoice: taxes per rate, EN 16931 totals, schedule, RF reference")
    terms = ctx.state.get("terms")
    if not isinstance(terms, PaymentTerms):
        terms = PaymentTerms.parse("2/10 net 30")
    invoice = _invoice(ctx, terms)
    _show_invoice(ctx, invoice)
    _show_schedule(ctx, invoice, terms)
    _per_line(ctx, invoice, terms)
    _credit_and_restate(ctx, invoice)
    ctx.state["invoice"] = invoice


def _invoice(ctx: DemoContext, terms: PaymentTerms) -> Invoice:
    """The demo's invoice: four lines at three rates, a shipping charge, ``terms``."""
    s19 = Tax.vat("S19", "19")
    s7 = Tax.vat("S7", "7")
    export = Tax.vat("G", "0", TaxCategory.EXPORT, reason="Export outside the EU")
    buyer = Customer(
        id="C-1001",
        name="Muster GmbH",
        tax_id="DE123456789",
        address=Address(lines=("Hauptstr. 1",), city="Berlin", postal_code="10115", country="DE"),
    )
    eur = "EUR"
    lines = [
        InvoiceLine(description="Widget", quantity=3, unit_price=money("19.99", eur), taxes=[s19]),
        InvoiceLine(description="Handbook", quantity=7, unit_price=money("4.49", eur), taxes=[s7]),
        InvoiceLine(
            description="Installation (hours)",
            quantity="2.5",
            unit_price=money("80.00", eur),
            taxes=[s19],
            discount_percent=10,
        ),
        InvoiceLine(
            description="Spare parts (shipped to Norway)",
            quantity=1,
            unit_price=money("120.00", eur),
            taxes=[export],
        ),
    ]
    shipping = AllowanceCharge(
        kind=ChargeKind.CHARGE, amount=money("9.90", eur), reason="shipping", taxes=(s19,)
    )
    issue = ctx.today - dt.timedelta(days=29)
    return Invoice.create(
        number="INV-2026-0042",
        customer=buyer,
        issue_date=issue,
        currency=eur,
        lines=lines,
        charges=[shipping],
        terms=terms,
        delivery_date=issue - dt.timedelta(days=1),
        references=References(order="SO-981", customer_po="PO-4711"),
    )


def _show_invoice(ctx: DemoContext, invoice: Invoice) -> None:
    """The invoice's lines, VAT breakdown, totals and payment reference."""
    buyer, issue = invoice.customer, invoice.issue_date
    [shipping] = invoice.charges
    ctx.say(f"{invoice.number} to {buyer.name} ({buyer.tax_id}), dated {issue:%d %b %Y}")
    for line, result in zip(invoice.lines, invoice.tax.lines, strict=True):
        rate = ", ".join(t.id for t in line.taxes)
        ctx.say(
            f"  {line.description:34} {line.quantity:>5} x {_m(line.unit_price):>10}"
            f"  net {_m(result.net):>11}  [{rate}]"
        )
    ctx.say(f"  {'shipping (charge)':34} {'':>5}   {'':>10}  net {_m(shipping.amount):>11}  [S19]")
    ctx.say("VAT breakdown (one rounding per category and rate, EN 16931):")
    for b in invoice.tax.breakdown:
        category = b.category.value if b.category else "-"
        reason = f"  ({b.exemption_reason})" if b.exemption_reason else ""
        ctx.say(f"  {category} {b.percent}%: base {_m(b.base):>11}  tax {_m(b.amount):>9}{reason}")
    t = invoice.totals
    ctx.say(
        f"  untaxed {_m(t.untaxed)} + tax {_m(t.tax_total)} = {_m(t.total_with_tax)}; "
        f"amount due {_m(t.amount_due)}"
    )
    ctx.say(f"payment reference (ISO 11649): {invoice.payment_reference_grouped}")


def _show_schedule(ctx: DemoContext, invoice: Invoice, terms: PaymentTerms) -> None:
    """The schedule of the invoice under ``terms`` and what validate() says."""
    ctx.say(f"terms {terms}:")
    assert invoice.schedule is not None
    for inst in invoice.schedule.instalments:
        ctx.say(f"  due {inst.due_date:%d %b %Y}: {_m(inst.amount)}")
        for offer in inst.discounts:
            due = offer.amount_due if offer.amount_due is not None else inst.amount
            ctx.say(
                f"    or {_m(due)} if paid by {offer.deadline:%d %b %Y} "
                f"(discount {_m(offer.amount)})"
            )
    ctx.say(f"validate(invoice): {list(validate(invoice)) or 'no violations'}")


def _per_line(ctx: DemoContext, invoice: Invoice, terms: PaymentTerms) -> None:
    """The same cent under two policies: per-line rounding and what validate() says of it."""
    buyer, issue, eur = invoice.customer, invoice.issue_date, invoice.currency.code
    per_line = Invoice.create(
        number="INV-2026-0043",
        customer=buyer,
        issue_date=issue,
        currency=eur,
        lines=[
            InvoiceLine(
                description="Cable",
                quantity="12.12",
                unit_price=money("12.12", eur),
                taxes=[Tax.vat("S23", "23")],
            )
        ]
        * 2,
        terms=terms,
        policy=TaxPolicy(method=RoundingMethod.PER_LINE),
    )
    ctx.say(
        "the same cent, two policies: 2 x 12.12 x 12.12 at 23% rounded per line gives tax "
        f"{_m(per_line.totals.tax_total)}, and validate says:"
    )
    for v in validate(per_line):
        ctx.say(f"  {v.code} {v.field}: {v.message}")


def _credit_and_restate(ctx: DemoContext, invoice: Invoice) -> None:
    """A credit memo for two handbooks, and the VAT restated in CHF."""
    memo = credit_memo(invoice, number="CM-2026-0007", issue_date=ctx.today, quantities={1: 2})
    ctx.say(
        f"credit memo {memo.number} for 2 handbooks: untaxed {_m(memo.totals.untaxed)}, "
        f"tax {_m(memo.totals.tax_total)}, due {_m(memo.totals.amount_due)}"
    )
    chf = restate(invoice.tax, "CHF", Decimal("0.9412"), quote=RateQuote.COMPANY_PER_DOCUMENT)
    ctx.say(f"VAT in CHF (Art. 230): {format_money(chf.tax_total, 'de_CH')}; {chf.rule}")
