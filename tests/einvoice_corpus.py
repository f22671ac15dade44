"""Every invoice and credit memo that the tax and terms vectors and the demo produce, as
e-invoices can carry them (issue 20).

:func:`invoices` returns ``(name, invoice)`` pairs: for each vector of ``tax.json`` and
``terms.json`` an invoice (and for each a credit memo of the whole), and the demo's invoices and
credit memo, each given the parties an e-invoice needs (seller, buyer with a valid VAT id and
Peppol endpoint, buyer reference, bank account).  Each is written in every format by
``tests/test_einvoice.py`` and checked against the official EN 16931 schematron by
``tests/test_einvoice_official.py``.

A vector's taxes become VATs named as a read e-invoice names them (:func:`vat_id`): a tax with
no category becomes standard-rated (``S``), zero-rated at 0 %, and a line without taxes exempt
(``E``, "not taxable").  What EN 16931 cannot say at all (fixed, compound, withholding and
price-included taxes, several taxes on a line, negative prices, VAT on a discounted base,
exemption certificates, currencies of three decimals or none) is not in :func:`invoices`:
:func:`refused` lists those vectors with the reason, and the test checks that writing them is
refused with :class:`o2c.errors.EInvoiceError`.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from decimal import Decimal
from typing import Any

import attrs

from o2c.cli.demos import DemoContext
from o2c.cli.demos import invoice as invoice_demo
from o2c.errors import EInvoiceError, O2CError
from o2c.invoice import (
    Address,
    BankAccount,
    Contact,
    Customer,
    ElectronicAddress,
    Invoice,
    InvoiceLine,
    Party,
    PaymentInstructions,
    References,
    credit_memo,
)
from o2c.invoice.einvoice.fields import to_fields, vat_id
from o2c.money import money
from o2c.tax import AllowanceCharge, ChargeKind, RoundingMethod, Tax, TaxCategory, TaxPolicy
from o2c.terms import PaymentTerms
from tests.conftest import load_vectors

__all__ = ["BUYER", "SELLER", "PAYMENT", "invoices", "refused"]

SELLER = Party(
    name="Acme SA",
    trading_name="Acme",
    vat_id="BE0477472701",
    legal_id="0477472701",
    legal_id_scheme="0208",
    address=Address(lines=("Rue Neuve 1",), city="Bruxelles", postal_code="1000", country="BE"),
    electronic_address=ElectronicAddress("0477472701", "0208"),
    contact=Contact(name="Jane Doe", phone="+32 2 123 45 67", email="billing@acme.example"),
)
BUYER = Customer(
    id="C-1001",
    name="Muster GmbH",
    tax_id="DE136695976",
    address=Address(lines=("Hauptstr. 1",), city="Berlin", postal_code="10115", country="DE"),
    electronic_address=ElectronicAddress("DE136695976", "9930"),
    contact=Contact(name="Max Muster", email="ap@muster.example"),
)
PAYMENT = PaymentInstructions(
    means_code="58",
    account=BankAccount(iban="BE71096123456769", name="Acme SA", bic="GKCCBEBB"),
)
#: The buyer reference (BT-10) XRechnung needs: a Leitweg-ID.
LEITWEG = "04011000-12345-34"
_NET30 = PaymentTerms.parse("net 30")


def _vat(spec: dict[str, Any]) -> Tax:
    """A vector's tax as the VAT an e-invoice carries (or EInvoiceError if it is none)."""
    if spec["kind"] != "percent" or spec["price_included"] or spec["compound"]:
        raise EInvoiceError(
            f"tax {spec['id']}: {spec['kind']}, price-included {spec['price_included']}, "
            f"compound {spec['compound']} is not a VAT percentage on a net price",
            location="BR-CO-04",
        )
    if spec.get("withholding"):
        raise EInvoiceError(f"tax {spec['id']} is a withholding", location="BR-CO-04")
    rate = Decimal(spec.get("rate", "0"))
    if "category" in spec:
        category = TaxCategory(spec["category"])
    else:
        category = TaxCategory.STANDARD if rate > 0 else TaxCategory.ZERO_RATED
    return Tax.vat(vat_id(category, rate), rate, category, reason=spec.get("exemption_reason"))


_NOT_TAXABLE = Tax.vat("E", 0, TaxCategory.EXEMPT, reason="not taxable")


def _tax_invoice(v: dict[str, Any]) -> Invoice:
    from tests.test_tax_vectors import _policy

    if "early_payment_discount" in v:
        raise EInvoiceError("VAT on a discounted base", location="BR-S-08")
    if "customer_exemption" in v:
        raise EInvoiceError("an exemption certificate", location="BR-E-10")
    code = v["currency"]
    lines = []
    by_id: dict[str, Tax] = {}
    for i, spec in enumerate(v["lines"]):
        taxes = [] if spec.get("taxable") is False else spec["taxes"]
        if len(taxes) > 1:
            raise EInvoiceError(f"line {i} has {len(taxes)} taxes", location="BR-CO-04")
        tax = _vat(taxes[0]) if taxes else _NOT_TAXABLE
        if taxes:
            by_id[taxes[0]["id"]] = tax
        lines.append(
            InvoiceLine(
                description=spec.get("description") or spec.get("line_type") or f"item {i + 1}",
                quantity=Decimal(spec["quantity"]),
                unit_price=money(spec["unit_price"], code),
                taxes=[tax],
                discount_percent=Decimal(spec.get("discount_percent", "0")),
            )
        )
    charges = [
        AllowanceCharge(
            kind=ChargeKind.CHARGE,
            amount=money(c["amount"], code),
            reason=c["reason"],
            taxes=tuple(by_id[i] for i in c["tax_ids"]),
        )
        for c in v.get("document_charges", [])
    ]
    return Invoice.create(
        number=f"T-{v['id']}"[:60],
        customer=BUYER,
        issue_date=dt.date.fromisoformat(v.get("invoice_date", "2026-03-02")),
        currency=code,
        lines=lines,
        charges=charges,
        terms=_NET30,
        references=References(buyer_reference=LEITWEG, customer_po="PO-4711"),
        policy=_policy(v),
        seller=SELLER,
        payment=PAYMENT,
    )


def _terms_invoice(v: dict[str, Any]) -> Invoice:
    from tests.test_terms_vectors import to_terms

    terms, kwargs = to_terms(v)
    code = v["currency"]
    if "invoice_untaxed" in v:
        untaxed = Decimal(v["invoice_untaxed"])
        rate = Decimal(v["invoice_tax"]) / untaxed * 100
        tax = Tax.vat(vat_id(TaxCategory.STANDARD, rate), rate)
        price = untaxed
    else:
        tax = Tax.vat("Z", 0, TaxCategory.ZERO_RATED)
        price = Decimal(v["invoice_total"])
    policy = TaxPolicy(cash_rounding=kwargs["cash_rounding"]) if "cash_rounding" in kwargs else None
    return Invoice.create(
        number=f"P-{v['id']}"[:60],
        customer=BUYER,
        issue_date=dt.date.fromisoformat(v["invoice_date"]),
        currency=code,
        lines=[
            InvoiceLine(description="goods", quantity=1, unit_price=money(price, code), taxes=[tax])
        ],
        terms=terms,
        references=References(buyer_reference=LEITWEG, order="SO-1"),
        policy=policy,
        seller=SELLER,
        payment=PAYMENT,
    )


def _demo() -> list[tuple[str, Invoice]]:
    """The demo's invoice, its per-line-rounded twin and its credit memo, with parties."""
    ctx = DemoContext(out=io.StringIO(), db_path=None)  # type: ignore[arg-type]
    invoice_demo.run(ctx)
    shown: Invoice = ctx.state["invoice"]
    buyer = attrs.evolve(BUYER, id=shown.customer.id, name=shown.customer.name)
    invoice = attrs.evolve(
        shown,
        customer=buyer,
        seller=SELLER,
        payment=PAYMENT,
        references=attrs.evolve(shown.references, buyer_reference=LEITWEG),
    )
    # As the demo builds it (the demo keeps only the first invoice in its state).
    per_line = Invoice.create(
        number="INV-2026-0043",
        customer=buyer,
        issue_date=invoice.issue_date,
        currency="EUR",
        lines=[
            InvoiceLine(
                description="Cable",
                quantity="12.12",
                unit_price=money("12.12", "EUR"),
                taxes=[Tax.vat("S23", "23")],
            )
        ]
        * 2,
        terms=invoice.terms,
        policy=TaxPolicy(method=RoundingMethod.PER_LINE),
        references=References(buyer_reference=LEITWEG),
        seller=SELLER,
        payment=PAYMENT,
    )
    memo = credit_memo(invoice, number="CM-2026-0007", issue_date=ctx.today, quantities={1: 2})
    return [
        ("demo:INV-2026-0042", invoice),
        ("demo:INV-2026-0043", per_line),
        ("demo:CM-2026-0007", memo),
    ]


@functools.cache
def _build() -> tuple[tuple[tuple[str, Invoice], ...], tuple[tuple[str, str], ...]]:
    good: list[tuple[str, Invoice]] = []
    bad: list[tuple[str, str]] = []
    sources = [("tax", v, _tax_invoice) for v in load_vectors("tax.json")["vectors"]] + [
        ("terms", v, _terms_invoice) for v in load_vectors("terms.json")
    ]
    for kind, v, build in sources:
        name = f"{kind}:{v['id']}"
        try:
            invoice = build(v)
            to_fields(invoice)  # what EN 16931 cannot say is refused here
        except EInvoiceError as exc:
            bad.append((name, str(exc)))
            continue
        good.append((name, invoice))
        if invoice.totals.amount_due.amount > 0:
            memo = credit_memo(
                invoice, number=f"CN-{invoice.number}"[:60], issue_date=invoice.issue_date
            )
            good.append((f"{name}:credit", memo))
    good.extend(_demo())
    return tuple(good), tuple(bad)


def invoices() -> tuple[tuple[str, Invoice], ...]:
    """``(name, invoice)`` for every invoice and credit memo of the vectors and the demo that
    an e-invoice can carry."""
    return _build()[0]


def refused() -> tuple[tuple[str, str], ...]:
    """``(name, reason)`` for the vectors whose invoices EN 16931 cannot express."""
    return _build()[1]


def _check() -> None:  # pragma: no cover - a quick look: python -m tests.einvoice_corpus
    for name, reason in refused():
        print("refused", name, reason[:100])
    print(len(invoices()), "invoices")


if __name__ == "__main__":  # pragma: no cover
    try:
        _check()
    except O2CError as exc:
        print(exc)
