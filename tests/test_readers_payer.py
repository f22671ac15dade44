"""The payer's bank (BIC), country and stated charges, as each bank format carries them."""

from __future__ import annotations

from pathlib import Path

import pytest

from o2c.adapters.bai2 import read_bai2_statements
from o2c.adapters.camt import read_camt053, read_camt054
from o2c.adapters.csv import CsvMapping, read_csv
from o2c.adapters.mt940 import read_mt940
from o2c.errors import StatementFormatError
from o2c.money import money
from o2c.statement import iban_country

DATA = Path(__file__).parent / "data" / "bank"


def _camt(parties: str, agents: str = "", charges: str = "", version: str = "08") -> str:
    return (
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"><BkToCstmrStmt>'
        "<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-03-03T06:00:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>S</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        '<Ntry><Amt Ccy="EUR">900.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        "<BookgDt><Dt>2026-03-02</Dt></BookgDt><NtryDtls><TxDtls>"
        f"{charges}<RltdPties>{parties}</RltdPties>{agents}"
        "<RmtInf><Ustrd>INV 1</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt>"
        "</BkToCstmrStmt></Document>"
    )


DEBTOR_V08 = (
    "<Dbtr><Pty><Nm>Acme SARL</Nm><PstlAdr><Ctry>fr</Ctry></PstlAdr></Pty></Dbtr>"
    "<DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>"
)
AGENT_V08 = (
    "<RltdAgts><DbtrAgt><FinInstnId><BICFI>bnpafrpp</BICFI></FinInstnId></DbtrAgt></RltdAgts>"
)


def test_camt_v08_reads_the_payers_bic_and_address_country() -> None:
    p = read_camt053(_camt(DEBTOR_V08, AGENT_V08)).lines[0]
    assert p.payer_name == "Acme SARL"
    assert p.payer_bic == "BNPAFRPP"
    # the stated address wins over the IBAN's country
    assert p.payer_country == "FR"


def test_camt_v02_reads_bic_and_country_without_the_party_wrapper() -> None:
    parties = (
        "<Dbtr><Nm>Acme AG</Nm><PstlAdr><Ctry>CH</Ctry></PstlAdr></Dbtr>"
        "<DbtrAcct><Id><IBAN>CH9300762011623852957</IBAN></Id></DbtrAcct>"
    )
    agents = (
        "<RltdAgts><DbtrAgt><FinInstnId><BIC>UBSWCHZH80A</BIC></FinInstnId></DbtrAgt></RltdAgts>"
    )
    p = read_camt053(_camt(parties, agents, version="02")).lines[0]
    assert (p.payer_bic, p.payer_country) == ("UBSWCHZH80A", "CH")


def test_camt_falls_back_to_the_iban_country_and_else_leaves_it_empty() -> None:
    no_address = (
        "<Dbtr><Nm>Acme</Nm></Dbtr>"
        "<DbtrAcct><Id><IBAN>GB29NWBK60161331926819</IBAN></Id></DbtrAcct>"
    )
    p = read_camt053(_camt(no_address)).lines[0]
    assert (p.payer_country, p.payer_bic) == ("GB", "")
    bad_iban = no_address.replace("GB29", "GB28")  # check digits fail: no country from it
    assert read_camt053(_camt(bad_iban)).lines[0].payer_country == ""
    other = (
        "<Dbtr><Nm>Acme</Nm></Dbtr><DbtrAcct><Id><Othr><Id>0012345678</Id></Othr></Id></DbtrAcct>"
    )
    assert read_camt053(_camt(other)).lines[0].payer_country == ""


def test_camt_residence_country_when_there_is_no_address() -> None:
    parties = "<Dbtr><Pty><Nm>Acme</Nm><CtryOfRes>AT</CtryOfRes></Pty></Dbtr>"
    assert read_camt053(_camt(parties)).lines[0].payer_country == "AT"


def test_camt_stated_charges_of_the_transaction() -> None:
    charges = (
        '<Chrgs><TtlChrgsAndTaxAmt Ccy="EUR">12.50</TtlChrgsAndTaxAmt>'
        '<Rcrd><Amt Ccy="EUR">12.50</Amt></Rcrd></Chrgs>'
    )
    p = read_camt053(_camt(DEBTOR_V08, AGENT_V08, charges=charges)).lines[0]
    assert p.charges == money("12.50", "EUR")
    assert read_camt053(_camt(DEBTOR_V08, AGENT_V08)).lines[0].charges is None


def test_camt054_reads_the_same_fields() -> None:
    xml = (
        _camt(DEBTOR_V08, AGENT_V08)
        .replace("camt.053.001.08", "camt.054.001.08")
        .replace("BkToCstmrStmt", "BkToCstmrDbtCdtNtfctn")
        .replace("<Stmt>", "<Ntfctn>")
        .replace("</Stmt>", "</Ntfctn>")
    )
    p = read_camt054(xml).lines[0]
    assert (p.payer_bic, p.payer_country) == ("BNPAFRPP", "FR")


# --------------------------------------------------------------------------------------------
# MT940


def test_mt940_slash_counterparty_gives_bic_and_iban_country() -> None:
    first, second, _ = read_mt940(DATA / "mt940_nl_slash.sta").lines
    assert (first.payer_bic, first.payer_country) == ("ABNANL2A", "NL")
    assert (second.payer_bic, second.payer_country) == ("INGBNL2A", "")  # not a valid IBAN
    assert first.charges is None
    assert first.instructed_amount is None


STA = """{4:
:20:STMT
:25:NL44RABO0123456789EUR
:28C:1
:60F:C260301EUR1000,00
:61:260302C97,50NTRFNONREF//B1
/OCMT/USD110,00//CHGS/EUR2,50/
:86:/EREF/E1//CNTP/GB29NWBK60161331926819/NWBKGB2L/ACME LTD/LONDON//REMI/USTD//INV 7/
:62F:C260302EUR1097,50
-}"""


def test_mt940_charges_and_original_amount_from_the_statement_line() -> None:
    p = read_mt940(STA).lines[0]
    assert p.charges == money("2.50", "EUR")
    assert p.instructed_amount == money("110.00", "USD")
    assert (p.payer_bic, p.payer_country) == ("NWBKGB2L", "GB")


def test_mt940_charges_in_the_information_field() -> None:
    text = STA.replace("/OCMT/USD110,00//CHGS/EUR2,50/\n", "").replace(
        "/REMI/", "/CHGS/EUR1,25//REMI/"
    )
    p = read_mt940(text).lines[0]
    assert p.charges == money("1.25", "EUR")
    assert p.instructed_amount is None


def test_mt940_malformed_charges_are_refused_with_their_line() -> None:
    with pytest.raises(StatementFormatError, match="CHGS") as caught:
        read_mt940(STA.replace("EUR2,50", "2.50 EUR"))
    assert caught.value.location == "line 6"


def test_mt940_german_bic_subfield_kept_only_when_it_is_a_bic() -> None:
    text = """{4:
:20:STMT
:25:DE89370400440532013000
:28C:1
:60F:C260301EUR1000,00
:61:2603020302C250,00NTRFNONREF//B1
:86:166?00GUTSCHRIFT?20SVWZ+RE 1?30COBADEFFXXX?31DE89370400440532013000?32ACME GMBH
:61:2603020302C50,00NTRFNONREF//B2
:86:166?00GUTSCHRIFT?20SVWZ+RE 2?3037040044?310532013000?32BETA GMBH
:62F:C260302EUR1300,00
-}"""
    first, second = read_mt940(text).lines
    assert (first.payer_bic, first.payer_country) == ("COBADEFFXXX", "DE")
    assert (second.payer_bic, second.payer_country) == ("", "")  # a bank code, an account no.


# --------------------------------------------------------------------------------------------
# CSV and BAI2


def test_csv_columns_for_bic_country_and_charges() -> None:
    mapping = CsvMapping(
        value_date="date",
        amount="amount",
        payer_account="iban",
        payer_bic="bic",
        payer_country="country",
        charges="fees",
        default_currency="EUR",
    )
    text = (
        "date,amount,iban,bic,country,fees\n"
        "2026-03-02,97.50,GB29NWBK60161331926819,nwbkgb2l,,2.50\n"
        "2026-03-02,100.00,GB29NWBK60161331926819,,IE,\n"
    )
    first, second = read_csv(text, mapping).lines
    assert (first.payer_bic, first.payer_country, first.charges) == (
        "NWBKGB2L",
        "GB",
        money("2.50", "EUR"),
    )
    assert (second.payer_bic, second.payer_country, second.charges) == ("", "IE", None)


def test_bai2_carries_no_payer_bank_or_country() -> None:
    p = read_bai2_statements(DATA / "bai2_two_accounts.bai")[0].lines[0]
    assert (p.payer_bic, p.payer_country, p.charges) == ("", "", None)


def test_iban_country_needs_a_valid_iban() -> None:
    assert iban_country("NL91 ABNA 0417 1643 00") == "NL"
    assert iban_country("NL91ABNA0417164301") == ""
    assert iban_country("0012345678") == ""
