"""The parties of an invoice (issue 20): checked shapes, carried by invoices and credit memos."""

from __future__ import annotations

import attrs
import pytest

from o2c.errors import InvalidInvoiceError
from o2c.invoice import (
    Address,
    BankAccount,
    Contact,
    Customer,
    DirectDebit,
    ElectronicAddress,
    Invoice,
    Party,
    Payee,
    PaymentInstructions,
    TaxRepresentative,
    credit_memo,
    document,
    parties,
    validate,
)
from tests.einvoice_corpus import BUYER, PAYMENT, SELLER, invoices

DEMO = dict(invoices())["demo:INV-2026-0042"]


def test_document_keeps_exporting_address_and_customer() -> None:
    assert document.Address is parties.Address
    assert document.Customer is parties.Customer


def test_text_is_stripped_and_ids_compacted() -> None:
    party = Party(name="  Acme SA ", vat_id=" be 0477 472 701 ", trading_name="  ")
    assert party.name == "Acme SA"
    assert party.vat_id == "BE0477472701"
    assert party.trading_name is None
    account = BankAccount(iban="be71 0961 2345 6769", bic=" gkcc bebb ")
    assert (account.iban, account.bic) == ("BE71096123456769", "GKCCBEBB")
    assert DirectDebit(
        mandate="M-1",
        creditor_id="BE69ZZZ050D000000008",
        debited_account="DE89 3704 0044 0532 0130 00",
    ).debited_account == ("DE89370400440532013000")


@pytest.mark.parametrize(
    "make",
    [
        lambda: Party(name=42),
        lambda: Party(name="x", address="Rue Neuve 1"),
        lambda: Party(name="x", electronic_address=("0208", "0477472701")),
        lambda: Customer(id="C", contact="Jane"),
        lambda: TaxRepresentative(name="x", vat_id="BE0477472701", address=None),
        lambda: PaymentInstructions(account="BE71096123456769"),
        lambda: ElectronicAddress(None, "0208"),
    ],
)
def test_wrong_shapes_are_refused_naming_the_field(make: object) -> None:
    with pytest.raises(InvalidInvoiceError):
        make()  # type: ignore[operator]


def test_invoice_create_checks_the_party_types() -> None:
    for name, wrong in [
        ("seller", BUYER),
        ("payee", SELLER),
        ("payment", "58"),
        ("tax_representative", SELLER),
    ]:
        with pytest.raises(InvalidInvoiceError, match=name):
            attrs.evolve(DEMO, **{name: wrong})
        with pytest.raises(InvalidInvoiceError, match=name):
            Invoice.create(
                number="X",
                customer=BUYER,
                issue_date=DEMO.issue_date,
                currency="EUR",
                lines=DEMO.lines,
                **{name: wrong},
            )


def test_parties_travel_with_the_invoice() -> None:
    payee = Payee(name="Factor NV", identifier="0123456749", identifier_scheme="0208")
    rep = TaxRepresentative(
        name="Rep GmbH",
        vat_id="DE136695976",
        address=Address(lines=("Weg 2",), city="Köln", country="DE"),
    )
    invoice = attrs.evolve(DEMO, payee=payee, tax_representative=rep)
    assert invoice.recompute() == invoice
    memo = credit_memo(invoice, number="CM-9", issue_date=invoice.issue_date)
    assert (memo.seller, memo.payee, memo.tax_representative, memo.payment) == (
        SELLER,
        payee,
        rep,
        PAYMENT,
    )
    assert memo.references.buyer_reference == invoice.references.buyer_reference
    assert validate(invoice) == ()
    assert Invoice.from_json(invoice.to_json()) == invoice


def test_an_invoice_without_parties_is_as_before() -> None:
    plain = Invoice.create(
        number="X",
        customer=Customer(id="C", name="n"),
        issue_date=DEMO.issue_date,
        currency="EUR",
        lines=DEMO.lines,
    )
    assert (plain.seller, plain.payee, plain.tax_representative, plain.payment) == (None,) * 4


def test_contact_and_means_defaults() -> None:
    assert PaymentInstructions().means_code == "58"
    assert Contact().name is None
