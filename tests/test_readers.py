"""camt.053 / camt.054 readers: samples, structured remittance, safety, malformed files."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from o2c.adapters.camt import (
    read_camt053,
    read_camt053_statements,
    read_camt054,
    read_camt054_statements,
)
from o2c.errors import StatementFormatError
from o2c.money import money
from o2c.statement import StatementFormat, iter_payments

DATA = Path(__file__).parent / "data" / "bank"


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# camt.053.001.02: single entries, a discount, a creditor reference, a fee


def test_v02_statement_header_and_balances() -> None:
    st = read_camt053(DATA / "camt053_v02_single.xml")
    assert st.format is StatementFormat.CAMT053
    assert (st.statement_id, st.account, st.currency) == (
        "STMT-2026-061",
        "DE89370400440532013000",
        "EUR",
    )
    assert st.opening_balance == money("10000.00", "EUR")
    assert st.closing_balance == money("13627.50", "EUR")
    assert st.sequence_number == "61"
    assert st.created == dt.datetime(2026, 3, 3, 6, 15, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert (st.from_date, st.to_date) == (dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    assert [p.amount for p in st.lines] == [
        money("1190.00", "EUR"),
        money("2450.00", "EUR"),
        money("-12.50", "EUR"),
    ]


def test_v02_unstructured_payment() -> None:
    p = read_camt053(DATA / "camt053_v02_single.xml").lines[0]
    assert p.payment_id == "2026030200001"
    assert p.payer_name == "Müller Maschinenbau GmbH"
    assert p.payer_account == "DE02120300000000202051"
    assert p.end_to_end_id == p.reference == "E2E-INV-1001"
    assert p.remittance_info == "RE-1001 KD 4711"
    assert p.bank_transaction_code == "PMNT/RCDT/ESCT"
    assert p.value_date == p.booking_date == dt.date(2026, 3, 2)
    assert p.documents == ()
    assert p.is_incoming


def test_v02_structured_discount_and_creditor_reference() -> None:
    p = read_camt053(DATA / "camt053_v02_single.xml").lines[1]
    assert p.end_to_end_id == ""  # NOTPROVIDED is no reference
    assert p.creditor_reference == p.reference == "RF18539007547034"
    assert p.payer_account == "0532099999"  # Othr/Id when there is no IBAN
    (doc,) = p.documents
    assert doc.number == "INV-1002"
    assert doc.document_type == "CINV"
    assert not doc.is_credit_note
    assert doc.document_date == dt.date(2026, 2, 10)
    assert doc.amount_due == money("2500.00", "EUR")
    assert doc.discount == money("50.00", "EUR")  # .02: a bare amount
    assert doc.amount_paid == money("2450.00", "EUR")
    assert doc.creditor_reference == "RF18539007547034"


def test_v02_fee_without_details_is_a_debit_with_its_entry_text() -> None:
    st = read_camt053(DATA / "camt053_v02_single.xml")
    fee = st.lines[2]
    assert fee.payment_id == "STMT-2026-061/3"
    assert fee.amount == money("-12.50", "EUR")
    assert fee.remittance_info == "KONTOFUEHRUNG 02/2026"
    assert fee.bank_transaction_code == "ACMT/MDOP/CHRG"
    assert not fee.is_incoming
    assert [p.payment_id for p in st.incoming] == ["2026030200001", "2026030200002"]


# --------------------------------------------------------------------------------------------
# camt.053.001.08: a batch, adjustments with reasons, credit notes, FX, reversal, pending


@pytest.fixture(scope="module")
def v08() -> object:
    return read_camt053(DATA / "camt053_v08_structured.xml")


def test_v08_batch_becomes_one_payment_per_transaction(v08: object) -> None:
    lines = v08.lines  # type: ignore[attr-defined]
    batch = [p for p in lines if p.bank_reference.startswith("B20260304-0001")]
    assert [p.payment_id for p in batch] == [
        "B20260304-0001-01",
        "B20260304-0001-02",
        "B20260304-0001-03",
    ]
    assert sum((p.amount for p in batch), money("0", "EUR")) == money("3605.00", "EUR")
    assert [p.payer_name for p in batch] == ["Alpha SARL", "Beta SA", "Gamma Services SAS"]


def test_v08_discount_and_adjustment_with_reason(v08: object) -> None:
    p = v08.lines[0]  # type: ignore[attr-defined]
    (doc,) = p.documents
    assert doc.number == "F-2026-001"
    assert doc.amount_due == money("1025.00", "EUR")
    assert doc.discount == money("20.50", "EUR")  # .08: DscntApldAmt/Amt
    assert doc.adjustment == money("4.50", "EUR")
    assert doc.adjustment_reason == "DAMG"
    (adj,) = doc.adjustments
    assert adj.additional_info == "carton damaged on delivery"
    assert not adj.increases
    assert adj.deduction == money("4.50", "EUR")
    # the remittance explains the payment exactly
    assert doc.amount_due - doc.discount - doc.adjustment == doc.amount_paid == p.amount


def test_v08_credit_note_is_netted(v08: object) -> None:
    p = v08.lines[1]  # type: ignore[attr-defined]
    invoice, credit_note = p.documents
    assert (invoice.number, invoice.is_credit_note) == ("F-2026-002", False)
    assert (credit_note.number, credit_note.is_credit_note) == ("AV-2026-007", True)
    assert credit_note.document_type == "CREN"
    assert credit_note.signed_amount_paid == money("-200.00", "EUR")
    net = invoice.signed_amount_paid + credit_note.signed_amount_paid
    assert net == p.amount == money("1605.00", "EUR")


def test_v08_creditor_reference_only_and_ultimate_debtor(v08: object) -> None:
    p = v08.lines[2]  # type: ignore[attr-defined]
    assert p.creditor_reference == p.reference == "RF72F2026003"
    (doc,) = p.documents
    assert doc.number == ""
    assert doc.creditor_reference == "RF72F2026003"
    assert p.ultimate_payer_name == "Gamma Holding SE"
    assert p.end_to_end_id == ""


def test_v08_foreign_currency_instructed_amount_and_charges(v08: object) -> None:
    p = v08.lines[3]  # type: ignore[attr-defined]
    assert p.amount == money("917.40", "EUR")
    assert p.instructed_amount == money("1000.00", "USD")
    assert p.charges == money("2.60", "EUR")
    assert p.payer_account == "US-000123456789"
    assert p.bank_transaction_code == "PMNT/RCDT/XBCT"


def test_v08_reversal_and_pending_are_not_incoming_payments(v08: object) -> None:
    st = v08
    reversal, pending = st.lines[4], st.lines[5]  # type: ignore[attr-defined]
    assert reversal.is_reversal
    assert reversal.amount == money("-150.00", "EUR")
    assert reversal.payer_name == "Epsilon GmbH"  # the counterparty of a debit
    assert not pending.booked
    assert pending.amount == money("500.00", "EUR")
    assert pending.booking_date is None
    assert pending.value_date == dt.date(2026, 3, 5)
    incoming = [p.payment_id for p in iter_payments(st)]  # type: ignore[arg-type]
    assert incoming == [
        "B20260304-0001-01",
        "B20260304-0001-02",
        "B20260304-0001-03",
        "B20260304-0002",
    ]


# --------------------------------------------------------------------------------------------
# Several statements, other currencies, camt.054


def test_two_accounts_in_one_file() -> None:
    eur, jpy = read_camt053_statements(DATA / "camt053_v04_two_accounts.xml")
    assert (eur.currency, jpy.currency) == ("EUR", "JPY")
    assert eur.lines[0].payment_id == "EUR-20260302/1"
    assert eur.lines[0].booking_date == dt.date(2026, 3, 2)  # from BookgDt/DtTm
    assert jpy.account == "JP-0001-7654321"
    assert jpy.lines[0].amount == money("250000", "JPY")
    assert jpy.lines[0].amount.amount.as_tuple().exponent == 0
    with pytest.raises(StatementFormatError, match="read_camt053_statements") as info:
        read_camt053(DATA / "camt053_v04_two_accounts.xml")
    assert info.value.location == "/Document"


def test_camt054_batch_with_amounts_in_amount_details() -> None:
    st = read_camt054(DATA / "camt054_v06_notification.xml")
    assert st.format is StatementFormat.CAMT054
    assert st.opening_balance is None
    assert st.closing_balance is None
    first, second = st.lines
    assert (first.payment_id, second.payment_id) == ("CH-QR-0302-01/1", "CH-QR-0302-01/2")
    assert first.amount == money("500.00", "CHF")
    assert second.amount == money("250.05", "CHF")
    assert first.creditor_reference == "210000000003139471430009017"  # Swiss QR reference
    assert second.reference == "QR-000002"
    assert len(read_camt054_statements(DATA / "camt054_v06_notification.xml")) == 1


def test_message_type_is_checked() -> None:
    wrong = r"camt\.054 file, not camt\.053; use read_camt054"
    with pytest.raises(StatementFormatError, match=wrong):
        read_camt053(DATA / "camt054_v06_notification.xml")
    with pytest.raises(StatementFormatError, match=r"camt\.053 file, not camt\.054"):
        read_camt054(DATA / "camt053_v02_single.xml")


@pytest.mark.parametrize("version", ["02", "03", "04", "05", "06", "07", "08"])
def test_every_supported_version_is_read(version: str) -> None:
    xml = sample("camt053_v02_single.xml").replace("camt.053.001.02", f"camt.053.001.{version}")
    assert len(read_camt053(xml).lines) == 3


@pytest.mark.parametrize("version", ["01", "09", "13"])
def test_unsupported_versions_are_refused(version: str) -> None:
    xml = sample("camt053_v02_single.xml").replace("camt.053.001.02", f"camt.053.001.{version}")
    with pytest.raises(StatementFormatError, match="not supported"):
        read_camt053(xml)


# --------------------------------------------------------------------------------------------
# Sources: path, bytes, str, binary and text files all read the same


def test_every_kind_of_source_gives_the_same_statement() -> None:
    path = DATA / "camt053_v08_structured.xml"
    raw = path.read_bytes()
    expected = read_camt053(path)
    assert read_camt053(raw) == expected
    assert read_camt053(raw.decode("utf-8")) == expected
    assert read_camt053(io.BytesIO(raw)) == expected
    with path.open(encoding="utf-8") as fh:
        assert read_camt053(fh) == expected


def test_a_str_is_content_not_a_file_name() -> None:
    with pytest.raises(StatementFormatError, match="not well-formed"):
        read_camt053(str(DATA / "camt053_v02_single.xml"))


def test_a_non_source_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"pathlib\.Path"):
        read_camt053(42)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Safety


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(StatementFormatError, match="refused XML") as info:
        read_camt053(DATA / "billion_laughs.xml")
    assert info.value.location == "line 1"


def test_external_entity_is_refused() -> None:
    with pytest.raises(StatementFormatError, match="refused XML"):
        read_camt053(DATA / "external_entity.xml")


def test_a_plain_doctype_is_refused_too() -> None:
    xml = sample("camt053_v02_single.xml").replace(
        "<Document", '<!DOCTYPE Document SYSTEM "http://example.invalid/x.dtd">\n<Document', 1
    )
    with pytest.raises(StatementFormatError, match="refused XML"):
        read_camt053(xml)


# --------------------------------------------------------------------------------------------
# Malformed files: exact locations, nothing half imported

STMT = "/Document/BkToCstmrStmt/Stmt[1]"


def _broken(old: str, new: str, name: str = "camt053_v02_single.xml", count: int = 1) -> str:
    text = sample(name)
    assert old in text, old
    return text.replace(old, new, count)


@pytest.mark.parametrize(
    ("old", "new", "location", "message"),
    [
        pytest.param(
            '<Amt Ccy="EUR">2450.00</Amt>',
            '<Amt Ccy="EUR">2450.001</Amt>',
            f"{STMT}/Ntry[2]/Amt",
            "more decimals than the currency's 2",
            id="three-decimals-eur",
        ),
        pytest.param(
            '<Amt Ccy="EUR">1190.00</Amt>',
            '<Amt Ccy="EUR">1,190.00</Amt>',
            f"{STMT}/Ntry[1]/Amt",
            "not a non-negative decimal amount",
            id="comma-in-amount",
        ),
        pytest.param(
            '<Amt Ccy="EUR">1190.00</Amt>',
            '<Amt Ccy="EUX">1190.00</Amt>',
            f"{STMT}/Ntry[1]/Amt",
            "unknown currency code 'EUX'",
            id="unknown-currency",
        ),
        pytest.param(
            '<Amt Ccy="EUR">1190.00</Amt>',
            "<Amt>1190.00</Amt>",
            f"{STMT}/Ntry[1]/Amt",
            "no Ccy attribute",
            id="no-currency",
        ),
        pytest.param(
            '<Amt Ccy="EUR">1190.00</Amt>',
            '<Amt Ccy="USD">1190.00</Amt>',
            f"{STMT}/Ntry[1]/Amt",
            "the entry is in USD but the account in EUR",
            id="entry-in-other-currency",
        ),
        pytest.param(
            "<CdtDbtInd>DBIT</CdtDbtInd>",
            "<CdtDbtInd>DEBIT</CdtDbtInd>",
            f"{STMT}/Ntry[3]/CdtDbtInd",
            "CRDT or DBIT",
            id="bad-indicator",
        ),
        pytest.param(
            "<ValDt><Dt>2026-03-02</Dt></ValDt>",
            "<ValDt><Dt>2026-02-30</Dt></ValDt>",
            f"{STMT}/Ntry[1]/ValDt/Dt",
            "not an ISO date",
            id="impossible-date",
        ),
        pytest.param(
            "<Id>STMT-2026-061</Id>",
            "<Id></Id>",
            f"{STMT}/Id",
            "Id is missing or empty",
            id="no-statement-id",
        ),
        pytest.param(
            '<Amt Ccy="EUR">13627.50</Amt>',
            '<Amt Ccy="EUR">13627.51</Amt>',
            f"{STMT}/Bal",
            "the file is incomplete",
            id="unbalanced",
        ),
        pytest.param(
            "<NbOfNtries>3</NbOfNtries>",
            "<NbOfNtries>4</NbOfNtries>",
            f"{STMT}/TxsSummry/TtlNtries/NbOfNtries",
            "counts 4 entries",
            id="entry-count",
        ),
        pytest.param(
            '<DscntApldAmt Ccy="EUR">50.00</DscntApldAmt>',
            '<DscntApldAmt Ccy="EUR">-50.00</DscntApldAmt>',
            f"{STMT}/Ntry[2]/NtryDtls[1]/TxDtls[1]/RmtInf/Strd[1]/RfrdDocAmt/DscntApldAmt[1]",
            "discount '-50.00'",
            id="negative-discount",
        ),
        pytest.param(
            "<RltdDt>2026-02-10</RltdDt>",
            "<RltdDt>10.02.2026</RltdDt>",
            f"{STMT}/Ntry[2]/NtryDtls[1]/TxDtls[1]/RmtInf/Strd[1]/RfrdDocInf[1]/RltdDt",
            "not an ISO date",
            id="document-date",
        ),
    ],
)
def test_malformed_content_is_located(old: str, new: str, location: str, message: str) -> None:
    with pytest.raises(StatementFormatError, match=message) as info:
        read_camt053(_broken(old, new))
    assert info.value.location == location
    assert location in str(info.value)


def test_not_well_formed_xml_gives_line_and_column() -> None:
    xml = _broken("<Nm>Beta Handels GmbH</Nm>", "<Nm>Beta Handels GmbH</Name>")
    with pytest.raises(StatementFormatError, match="not well-formed") as info:
        read_camt053(xml)
    line = next(i for i, t in enumerate(xml.splitlines(), 1) if "</Name>" in t)
    assert info.value.location.startswith(f"line {line}, column ")


def test_batch_that_does_not_add_up_is_refused() -> None:
    xml = _broken(
        '<Amt Ccy="EUR">1605.00</Amt>',
        '<Amt Ccy="EUR">1605.01</Amt>',
        "camt053_v08_structured.xml",
    )
    with pytest.raises(StatementFormatError, match=r"add up to 3605\.01") as info:
        read_camt053(xml)
    assert info.value.location == f"{STMT}/Ntry[1]/Amt"


def test_batched_transaction_without_amount_is_located() -> None:
    xml = _broken(
        '<AmtDtls><TxAmt><Amt Ccy="CHF">250.05</Amt></TxAmt></AmtDtls>',
        "",
        "camt054_v06_notification.xml",
    )
    with pytest.raises(StatementFormatError, match="has no amount") as info:
        read_camt054(xml)
    assert info.value.location == (
        "/Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Ntry[1]/NtryDtls[1]/TxDtls[2]/Amt"
    )


def test_not_a_camt_document() -> None:
    with pytest.raises(StatementFormatError, match="not a camt Document") as info:
        read_camt053("<Document><Stmt/></Document>")
    assert info.value.location == "/Document"


def test_structural_errors_are_value_errors_with_context() -> None:
    with pytest.raises(ValueError, match="more decimals") as info:
        read_camt053(_broken('<Amt Ccy="EUR">1190.00</Amt>', '<Amt Ccy="JPY">1190.50</Amt>'))
    assert isinstance(info.value, StatementFormatError)
    assert info.value.value == "1190.50"


def test_amounts_are_exact_decimals_never_floats() -> None:
    st = read_camt053(DATA / "camt053_v08_structured.xml")
    for p in st.lines:
        assert isinstance(p.amount.amount, Decimal)
        assert p.amount.amount.as_tuple().exponent == -2


# --------------------------------------------------------------------------------------------
# Less common remittance shapes, built inline


def _one_entry(strd: str, *, ccy_element: str = "<Ccy>EUR</Ccy>", header: str = "") -> str:
    return (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-03-03T06:00:00</CreDtTm>{header}</GrpHdr>"
        "<Stmt><Id>S</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id>"
        f"{ccy_element}</Acct>"
        "<TxsSummry><TtlNtries><NbOfNtries>7</NbOfNtries></TtlNtries></TxsSummry>"
        '<Ntry><Amt Ccy="EUR">900.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        "<BookgDt><Dt>2026-03-02</Dt></BookgDt><NtryDtls><TxDtls>"
        f"<RmtInf>{strd}</RmtInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"
    )


PAGE_2 = "<MsgPgntn><PgNb>2</PgNb><LastPgInd>true</LastPgInd></MsgPgntn>"


def test_credit_note_amount_increasing_adjustment_and_additional_text() -> None:
    strd = (
        "<Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>INV-7</Nb>"
        "<RltdDt>2026-02-01</RltdDt></RfrdDocInf><RfrdDocAmt>"
        '<DuePyblAmt Ccy="EUR">1000.00</DuePyblAmt><CdtNoteAmt Ccy="EUR">110.00</CdtNoteAmt>'
        '<AdjstmntAmtAndRsn><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        "<Rsn>INTR</Rsn></AdjstmntAmtAndRsn>"
        '<AdjstmntAmtAndRsn><Amt Ccy="EUR">0.50</Amt><Rsn>ROUN</Rsn></AdjstmntAmtAndRsn>'
        '<RmtdAmt Ccy="EUR">900.00</RmtdAmt></RfrdDocAmt>'
        "<AddtlRmtInf>see credit note CN-3</AddtlRmtInf></Strd>"
    )
    # a paginated page 2: the entry count of the summary is not this page's
    p = read_camt053(_one_entry(strd, header=PAGE_2)).lines[0]
    (doc,) = p.documents
    assert doc.credit_note_amount == money("110.00", "EUR")
    increase, rounding = doc.adjustments
    assert increase.increases
    assert increase.deduction == money("-10.00", "EUR")
    assert not rounding.increases  # no indicator: a deduction
    assert doc.adjustment == money("-9.50", "EUR")  # net: the payer added 9.50
    assert doc.adjustment_reason == "INTR"
    assert p.remittance_info == "see credit note CN-3"
    with pytest.raises(StatementFormatError, match="counts 7 entries"):
        read_camt053(_one_entry(strd))  # not paginated: the count is checked


def test_several_documents_in_one_block_take_their_line_amounts() -> None:
    strd = (
        "<Strd>"
        "<RfrdDocInf><Nb>INV-1</Nb><LineDtls><Id><Nb>1</Nb></Id><Amt>"
        '<RmtdAmt Ccy="EUR">600.00</RmtdAmt></Amt></LineDtls></RfrdDocInf>'
        "<RfrdDocInf><Nb>INV-2</Nb><LineDtls><Id><Nb>1</Nb></Id><Amt>"
        '<RmtdAmt Ccy="EUR">300.00</RmtdAmt></Amt></LineDtls></RfrdDocInf>'
        '<RfrdDocAmt><RmtdAmt Ccy="EUR">900.00</RmtdAmt></RfrdDocAmt>'
        "</Strd>"
    )
    p = read_camt053(_one_entry(strd, header=PAGE_2)).lines[0]
    assert [(d.number, d.amount_paid) for d in p.documents] == [
        ("INV-1", money("600.00", "EUR")),
        ("INV-2", money("300.00", "EUR")),
    ]
    assert all(d.document_type == "" for d in p.documents)


def test_currency_comes_from_the_entries_without_account_currency() -> None:
    st = read_camt053(_one_entry("<Ustrd>x</Ustrd>", ccy_element="", header=PAGE_2))
    assert st.currency == "EUR"
    assert st.lines[0].value_date == dt.date(2026, 3, 2)  # the booking date, without ValDt


@pytest.mark.parametrize(("text", "expected"), [("1190.", "1190.00"), ("+1190.0", "1190.00")])
def test_amounts_in_any_xsd_decimal_spelling(text: str, expected: str) -> None:
    xml = _broken('<Amt Ccy="EUR">1190.00</Amt>', f'<Amt Ccy="EUR">{text}</Amt>')
    assert read_camt053(xml).lines[0].amount == money(expected, "EUR")


def test_invoicee_names_the_party_a_parent_pays_for() -> None:
    strd = (
        "<Strd><RfrdDocInf><Nb>INV-9</Nb></RfrdDocInf>"
        '<RfrdDocAmt><RmtdAmt Ccy="EUR">900.00</RmtdAmt></RfrdDocAmt>'
        "<Invcee><Nm>Gamma Services SAS</Nm></Invcee></Strd>"
    )
    (doc,) = read_camt053(_one_entry(strd, header=PAGE_2)).lines[0].documents
    assert doc.invoicee_name == "Gamma Services SAS"


def test_a_full_width_unstructured_piece_continues_without_a_space() -> None:
    first = "A" * 134 + "INV-10"  # 140 characters: the bank cut inside a word
    rmt = f"<Ustrd>{first}</Ustrd><Ustrd>01 and</Ustrd><Ustrd>INV-1002</Ustrd>"
    p = read_camt053(_one_entry(rmt, header=PAGE_2)).lines[0]
    assert p.remittance_info == f"{first}01 and INV-1002"


def test_pages_of_a_statement_give_distinct_positional_ids() -> None:
    st = read_camt053(_one_entry("<Ustrd>x</Ustrd>", header=PAGE_2))
    assert st.lines[0].payment_id == "S/p2/1"


def test_entry_reference_within_the_statement_is_not_an_id() -> None:
    xml = _broken("<AcctSvcrRef>2026030200001</AcctSvcrRef>", "")
    p = read_camt053(xml).lines[0]
    assert p.payment_id == "STMT-2026-061/1"  # NtryRef 1 is unique only in this statement
    assert p.bank_reference == ""


def test_amount_details_and_charges_of_a_single_transaction_entry() -> None:
    xml = _one_entry("<Ustrd>x</Ustrd>", header=PAGE_2).replace(
        "<NtryDtls>",
        '<AmtDtls><InstdAmt><Amt Ccy="USD">990.00</Amt></InstdAmt></AmtDtls>'
        '<Chrgs><TtlChrgsAndTaxAmt Ccy="EUR">1.50</TtlChrgsAndTaxAmt></Chrgs><NtryDtls>',
    )
    p = read_camt053(xml).lines[0]
    assert p.instructed_amount == money("990.00", "USD")
    assert p.charges == money("1.50", "EUR")


def test_amount_details_of_an_entry_without_transactions() -> None:
    xml = _broken(
        "<AddtlNtryInf>",
        '<AmtDtls><InstdAmt><Amt Ccy="CHF">12.00</Amt></InstdAmt></AmtDtls><AddtlNtryInf>',
    )
    fee = read_camt053(xml).lines[2]
    assert fee.instructed_amount == money("12.00", "CHF")
    assert fee.charges is None
