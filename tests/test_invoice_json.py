"""Invoice.to_json / Invoice.from_json: lossless for every invoice o2c makes (issue 20)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from o2c.errors import InvalidInvoiceError
from o2c.invoice import Invoice, InvoiceLine, credit_memo
from o2c.money import money
from o2c.tax import ExemptionCertificate
from o2c.terms import PaymentTerms
from tests.conftest import load_vectors
from tests.einvoice_corpus import BUYER, PAYMENT, SELLER, invoices
from tests.test_tax_vectors import _charges, _line_taxes, _policy

TAX_VECTORS = load_vectors("tax.json")["vectors"]


def _vector_invoice(v: dict[str, Any]) -> Invoice:
    """A tax vector as an invoice with its own taxes (withholding, compound, included ...)."""
    code = v["currency"]
    lines = [
        InvoiceLine(
            description=f"line {i}",
            quantity=Decimal(spec["quantity"]),
            unit_price=money(spec["unit_price"], code),
            taxes=[] if spec.get("taxable") is False else _line_taxes(spec["taxes"]),
            discount_percent=Decimal(spec.get("discount_percent", "0")),
        )
        for i, spec in enumerate(v["lines"])
    ]
    options: dict[str, Any] = {}
    if "customer_exemption" in v:
        spec = v["customer_exemption"]
        options["exemptions"] = [
            ExemptionCertificate(
                certificate_id=spec["certificate_id"],
                jurisdictions=frozenset(spec["jurisdictions"]),
                valid_from=dt.date.fromisoformat(spec["valid_from"]),
                valid_to=dt.date.fromisoformat(spec["valid_to"]),
            )
        ]
    if "early_payment_discount" in v:
        options["tax_base_discount_percent"] = Decimal(v["early_payment_discount"]["percent"])
    return Invoice.create(
        number=f"J-{v['id']}",
        customer=BUYER,
        issue_date=dt.date.fromisoformat(v.get("invoice_date", "2026-03-02")),
        currency=code,
        lines=lines,
        charges=_charges(v),
        terms=PaymentTerms.parse("2/10 net 30"),
        policy=_policy(v),
        seller=SELLER,
        payment=PAYMENT,
        **options,
    )


@pytest.mark.parametrize("v", [pytest.param(v, id=v["id"]) for v in TAX_VECTORS])
def test_every_tax_vector_invoice_round_trips(v: dict[str, Any]) -> None:
    invoice = _vector_invoice(v)
    assert Invoice.from_json(invoice.to_json()) == invoice
    memo = credit_memo(invoice, number="CM-1", issue_date=invoice.issue_date)
    assert Invoice.from_json(memo.to_json()) == memo


def test_every_corpus_invoice_round_trips() -> None:
    for _name, invoice in invoices():
        assert Invoice.from_json(invoice.to_json()) == invoice


def test_no_float_touches_money() -> None:
    invoice = dict(invoices())["demo:INV-2026-0042"]
    data = json.loads(invoice.to_json())
    assert data["totals"]["amount_due"] == format(invoice.totals.amount_due.amount, "f")
    data["lines"][0]["quantity"] = 3.0
    with pytest.raises(InvalidInvoiceError, match=r"lines\[0\]\.quantity"):
        Invoice.from_json(json.dumps(data))


def test_stored_totals_are_checked() -> None:
    invoice = dict(invoices())["demo:INV-2026-0042"]
    data = json.loads(invoice.to_json())
    data["totals"]["amount_due"] = str(invoice.totals.amount_due.amount + Decimal("0.01"))
    with pytest.raises(InvalidInvoiceError, match=r"totals\.amount_due"):
        Invoice.from_json(json.dumps(data))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.update(version=2), "version"),
        (lambda d: d.update(colour="red"), "unknown keys"),
        (lambda d: d["customer"].update(shoe_size="9"), "customer: unknown keys"),
        (lambda d: d.update(kind="RECEIPT"), "kind"),
        (lambda d: d.update(issue_date="2026-13-01"), "issue_date"),
        (lambda d: d["lines"][0]["taxes"][0].update(category="X"), "category"),
    ],
)
def test_bad_json_names_the_key(change: Any, match: str) -> None:
    data = json.loads(dict(invoices())["demo:INV-2026-0042"].to_json())
    change(data)
    with pytest.raises(InvalidInvoiceError, match=match):
        Invoice.from_json(json.dumps(data))


def test_not_json_is_refused() -> None:
    with pytest.raises(InvalidInvoiceError, match="not JSON"):
        Invoice.from_json("{")
    with pytest.raises(InvalidInvoiceError, match="object"):
        Invoice.from_json("[]")
