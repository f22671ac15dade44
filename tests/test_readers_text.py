"""MT940, BAI2 and CSV readers: samples, sign conventions, malformed files with their lines."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from o2c.adapters.bai2 import read_bai2, read_bai2_statements
from o2c.adapters.csv import CsvMapping, SignConvention, read_csv
from o2c.adapters.mt940 import read_mt940, read_mt940_statements
from o2c.errors import StatementFormatError, ValidationError
from o2c.money import money
from o2c.statement import StatementFormat, iter_payments

DATA = Path(__file__).parent / "data" / "bank"


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def replaced(name: str, old: str, new: str) -> str:
    text = sample(name)
    assert old in text, old
    return text.replace(old, new, 1)


def line_of(text: str, needle: str) -> str:
    return f"line {next(i for i, t in enumerate(text.splitlines(), 1) if needle in t)}"


# --------------------------------------------------------------------------------------------
# MT940


def test_mt940_german_two_statements() -> None:
    first, second = read_mt940_statements(DATA / "mt940_de_two_days.sta")
    assert first.format is StatementFormat.MT940
    assert (first.statement_id, first.sequence_number) == ("STARTUMS", "00001/001")
    assert first.account == "37040044/0532013000"
    assert (first.opening_balance, first.closing_balance) == (
        money("10000.00", "EUR"),
        money("11177.50", "EUR"),
    )
    assert (first.from_date, first.to_date) == (dt.date(2026, 3, 1), dt.date(2026, 3, 3))
    assert second.opening_balance == first.closing_balance
    with pytest.raises(StatementFormatError, match="read_mt940_statements"):
        read_mt940(DATA / "mt940_de_two_days.sta")


def test_mt940_german_structured_details() -> None:
    first, _ = read_mt940_statements(DATA / "mt940_de_two_days.sta")
    p = first.lines[0]
    assert p.payment_id == "37040044/0532013000/20260303/8327000090031789"
    assert p.amount == money("1190.00", "EUR")
    assert p.value_date == p.booking_date == dt.date(2026, 3, 2)
    assert p.payer_name == "MUELLER MASCHINENBAU GMBH"
    assert p.payer_account == "DE02120300000000202051"
    assert p.end_to_end_id == p.reference == "E2E-INV-1001"
    assert p.remittance_info == "RE-1001 KD 4711"
    assert p.bank_transaction_code == "166"
    fee = first.lines[1]
    assert fee.amount == money("-12.50", "EUR")
    assert fee.remittance_info == "KONTOFUEHRUNG 02/2026"
    assert fee.bank_reference == ""
    assert fee.payment_id == "37040044/0532013000/20260303/2"  # account, statement date, line


def test_mt940_wrapped_purpose_keywords_and_reversal() -> None:
    _, second = read_mt940_statements(DATA / "mt940_de_two_days.sta")
    p, reversal = second.lines
    # ?22 fills its 27 characters, so ?23 continues the word without a space
    assert p.remittance_info == "Rechnung INV-1002 abzgl. 2 Prozent Skonto"
    assert p.end_to_end_id == ""  # NOTPROVIDED
    assert p.reference == "KREF-77"
    assert p.ultimate_payer_name == "Beta Holding AG"
    assert p.payer_account == "DE44500105175407324931"
    assert reversal.is_reversal
    assert reversal.amount == money("-150.00", "EUR")  # RC: reversal of a credit
    assert [q.bank_reference for q in iter_payments(second)] == ["8327000090031790"]


def test_mt940_slash_keywords_in_a_swift_envelope() -> None:
    st = read_mt940(DATA / "mt940_nl_slash.sta")
    assert (st.statement_id, st.sequence_number, st.currency) == ("940S260302", "00042", "EUR")
    first, second, fee = st.lines
    assert first.payer_name == "ACME BV"
    assert first.payer_account == "NL91ABNA0417164300"
    assert first.end_to_end_id == "E2E-2026-77"
    assert first.remittance_info == "INV 2026-0042 INV 2026-0043"
    assert first.bank_transaction_code == "NTRF"
    assert first.booking_date is None
    assert second.creditor_reference == second.reference == "RF18539007547034"
    assert second.payer_name == "KLEIN BV"
    assert fee.amount == money("-35.00", "EUR")
    assert fee.remittance_info == "BANK CHARGES FEBRUARY"


def test_mt940_reversal_of_a_debit_is_positive() -> None:
    text = replaced("mt940_nl_slash.sta", ":61:260302D35,00NMSC", ":61:260302RD35,00NMSC")
    text = text.replace(":62F:C260302EUR4215,00", ":62F:C260302EUR4285,00")
    fee = read_mt940(text).lines[2]
    assert fee.amount == money("35.00", "EUR")
    assert fee.is_reversal
    assert not fee.is_incoming


def test_mt940_free_text_lines_join_by_width() -> None:
    full = "X" * 59 + "INV-10"  # 65 characters: the bank wrapped inside a word
    text = replaced(
        "mt940_nl_slash.sta",
        ":86:/REMI/USTD//BANK CHARGES FEBRUARY/",
        f":86:{full}\n01 AND\nINV-1002",
    )
    assert read_mt940(text).lines[2].remittance_info == f"{full}01 AND INV-1002"


def test_mt940_latin1_bytes_need_their_encoding() -> None:
    raw = sample("mt940_nl_slash.sta").replace("ACME BV", "ÄCME BV").encode("latin-1")
    assert read_mt940(raw, encoding="latin-1").lines[0].payer_name == "ÄCME BV"
    with pytest.raises(StatementFormatError, match="not valid utf-8") as info:
        read_mt940(raw)
    assert info.value.location == line_of(raw.decode("latin-1"), "ÄCME")


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        pytest.param(
            ":62F:C260302EUR4215,00",
            ":62F:C260302EUR4215,01",
            ":62F:",
            "is not the closing balance 4215.01",
            id="unbalanced",
        ),
        pytest.param(
            ":61:260302C250,00NTRF",
            ":61:260302C250.00NTRF",
            ":61:260302C250.00",
            "needs exactly one decimal comma",
            id="dot-decimal",
        ),
        pytest.param(
            ":61:260302C250,00NTRF",
            ":61:260302X250,00NTRF",
            ":61:260302X",
            "not a statement line",
            id="bad-mark",
        ),
        pytest.param(
            ":61:260302C250,00NTRF",
            ":61:260231C250,00NTRF",
            ":61:260231",
            "not a date",
            id="impossible-date",
        ),
        pytest.param(
            ":61:260302C250,00NTRF",
            ":61:260302C250,005NTRF",
            ":61:260302C250,005",
            "more decimals",
            id="three-decimals",
        ),
        pytest.param(
            ":60F:C260301EUR2500,00",
            ":60F:C260301EU2500,00",
            ":60F:",
            "is not a balance",
            id="bad-balance",
        ),
        pytest.param(":28C:00042", ":99X:00042", ":99X:", "unknown MT940 tag", id="unknown-tag"),
        pytest.param(":25:NL44", ":25:NL44", ":62F:", "", id="control"),
    ],
)
def test_mt940_malformed_lines(old: str, new: str, needle: str, message: str) -> None:
    text = replaced("mt940_nl_slash.sta", old, new)
    if old == new:
        assert read_mt940(text).statement_id == "940S260302"  # the control case reads
        return
    with pytest.raises(StatementFormatError, match=message) as info:
        read_mt940(text)
    assert info.value.location == line_of(text, needle)


def test_mt940_missing_closing_balance_is_a_truncated_file() -> None:
    text = sample("mt940_nl_slash.sta")
    truncated = text[: text.index(":62F:")]
    with pytest.raises(StatementFormatError, match="no closing balance") as info:
        read_mt940(truncated)
    assert info.value.location == line_of(truncated, ":86:/REMI/USTD//BANK")


def test_mt940_not_an_mt940_file() -> None:
    with pytest.raises(StatementFormatError, match="not an MT940 file"):
        read_mt940("hello\nworld\n")


# --------------------------------------------------------------------------------------------
# BAI2


def test_bai2_accounts_lines_and_balances() -> None:
    usd, cad = read_bai2_statements(DATA / "bai2_two_accounts.bai")
    assert usd.format is StatementFormat.BAI2
    assert (usd.account, usd.currency, cad.account, cad.currency) == (
        "0012345678",
        "USD",
        "0098765432",
        "CAD",
    )
    assert usd.statement_id == "F0303/0012345678/20260302"
    assert (usd.opening_balance, usd.closing_balance) == (
        money("50000.00", "USD"),
        money("62250.00", "USD"),
    )
    # 890 (non-monetary) is not a payment; 475 (check paid) is a debit
    assert [p.amount for p in usd.lines] == [
        money("12500.00", "USD"),
        money("2000.00", "USD"),
        money("-2250.00", "USD"),
    ]
    assert cad.lines[0].amount == money("750.00", "CAD")
    with pytest.raises(StatementFormatError, match="read_bai2_statements"):
        read_bai2(DATA / "bai2_two_accounts.bai")


def test_bai2_continuation_text_references_and_value_date() -> None:
    usd, _ = read_bai2_statements(DATA / "bai2_two_accounts.bai")
    wire, lockbox, check = usd.lines
    assert wire.bank_reference == "BR0001"
    assert wire.payment_id == "0012345678/20260302/BR0001"
    assert wire.reference == "INV-2001"
    assert wire.payer_name == "ACME CORP"
    assert wire.remittance_info == (
        "ORIG CO NAME:ACME CORP ORIG ID:1234567890 REMITTANCE INV 2001 12500.00"
    )
    assert wire.bank_transaction_code == "195"
    assert lockbox.value_date == dt.date(2026, 3, 3)  # funds type V
    assert lockbox.booking_date == dt.date(2026, 3, 2)
    assert lockbox.remittance_info == "LOCKBOX DEPOSIT INV 2002 1500.00 INV 2003 500.00"
    assert check.remittance_info == "CHECK PAID 5521"


def test_bai2_minor_units_follow_the_currency() -> None:
    text = (
        "01,B,C,260302,0800,F1,,,2/\n"
        "02,C,B,1,260302,0800,JPY,2/\n"
        "03,ACC-1,,010,500000,,/\n"
        "16,195,150000,0,R1,INV-JP-7,TANAKA\n"
        "49,650000,3/\n"
        "98,650000,1,5/\n"
        "99,650000,1,7/\n"
    )
    st = read_bai2(text)
    assert st.currency == "JPY"
    assert st.lines[0].amount == money("150000", "JPY")
    assert st.opening_balance == money("500000", "JPY")


def test_bai2_custom_type_codes_follow_the_ranges() -> None:
    text = sample("bai2_two_accounts.bai").replace("16,142,75000", "16,905,75000")
    assert read_bai2_statements(text)[1].lines[0].amount == money("750.00", "CAD")
    text = sample("bai2_two_accounts.bai").replace("16,142,75000", "16,925,75000")
    assert read_bai2_statements(text)[1].lines[0].amount == money("-750.00", "CAD")


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        pytest.param("49,350000,3/", "49,350001,3/", "49,350001", "account control total", id="49"),
        pytest.param("49,350000,3/", "49,350000,4/", "49,350000", "number of records", id="49n"),
        pytest.param("98,13250000,2,13/", "98,13250000,3,13/", "98,", "accounts", id="98"),
        pytest.param("99,13250000,1,15/", "99,13250000,1,16/", "99,", "number of records", id="99"),
        pytest.param("16,142,75000", "16,142,75O00", "16,142,75O00", "not an unsigned", id="amt"),
        pytest.param("16,142,75000", "16,015,75000", "16,015", "status code", id="status-code"),
        pytest.param("16,142,75000", "16,ABC,75000", "16,ABC", "type code 'ABC'", id="type"),
        pytest.param("16,142,75000,1", "16,142,75000,Q", "16,142,75000,Q", "funds type", id="ft"),
        pytest.param(
            "02,ACMECORP,BANKUS33,1,260302",
            "02,ACMECORP,BANKUS33,1,260231",
            "02,",
            "as-of date",
            id="date",
        ),
        pytest.param("03,0098765432,CAD", "03,0098765432,XYZ", "03,0098765432", "XYZ", id="ccy"),
        pytest.param("49,350000,3/", "47,350000,3/", "47,", "not a BAI2 record code", id="code"),
    ],
)
def test_bai2_malformed_lines(old: str, new: str, needle: str, message: str) -> None:
    text = replaced("bai2_two_accounts.bai", old, new)
    with pytest.raises(StatementFormatError, match=message) as info:
        read_bai2_statements(text)
    assert info.value.location == line_of(text, needle)


def test_bai2_truncated_file() -> None:
    text = sample("bai2_two_accounts.bai")
    truncated = text[: text.index("98,")]
    with pytest.raises(StatementFormatError, match="truncated") as info:
        read_bai2_statements(truncated)
    assert info.value.location == "line 13"


def test_bai2_continuation_without_a_record() -> None:
    with pytest.raises(StatementFormatError, match="nothing to continue") as info:
        read_bai2_statements("88,ORPHAN\n")
    assert info.value.location == "line 1"


# --------------------------------------------------------------------------------------------
# CSV

GERMAN = CsvMapping(
    value_date="Valuta",
    booking_date="Buchungstag",
    payer_name="Auftraggeber",
    payer_account="IBAN",
    remittance_info="Verwendungszweck",
    credit="Haben",
    debit="Soll",
    sign=SignConvention.SPLIT,
    currency="Währung",
    date_format="%d.%m.%Y",
    decimal_mark=",",
    thousands_separator=".",
    delimiter=";",
    skip_lines=2,
)

US = CsvMapping(
    payment_id="id",
    value_date="date",
    indicator="type",
    amount="amount",
    currency="currency",
    payer_name="payer",
    reference="reference",
    remittance_info=("memo", "reference"),
    sign=SignConvention.INDICATOR,
    thousands_separator=",",
)


def test_csv_german_export_with_preamble_and_split_columns() -> None:
    st = read_csv(DATA / "payments_de.csv", GERMAN, statement_id="DE-2026-03", account="DE89")
    assert st.format is StatementFormat.CSV
    assert (st.statement_id, st.account, st.currency) == ("DE-2026-03", "DE89", "EUR")
    assert [p.payment_id for p in st.lines] == ["DE-2026-03/4", "DE-2026-03/5", "DE-2026-03/6"]
    assert [p.amount for p in st.lines] == [
        money("1190.00", "EUR"),
        money("-12.50", "EUR"),
        money("2450.00", "EUR"),
    ]
    beta = st.lines[2]
    assert beta.payer_name == "Beta Handels GmbH; Zweigniederlassung Süd"
    assert beta.remittance_info == "INV-1002, INV-1003 abzgl. Skonto"  # a quoted line break
    assert beta.value_date == dt.date(2026, 3, 4)


def test_csv_default_statement_id_is_stable() -> None:
    a = read_csv(DATA / "payments_de.csv", GERMAN)
    b = read_csv((DATA / "payments_de.csv").read_bytes(), GERMAN)
    assert a == b
    assert len(a.statement_id) == 12


def test_csv_indicator_and_currency_columns() -> None:
    st = read_csv(DATA / "payments_us.csv", US)
    assert st.currency == "USD"  # the first row's, without a default currency
    assert [p.payment_id for p in st.lines] == ["TX-1", "TX-2", "TX-3", "TX-4"]
    assert [p.amount for p in st.lines] == [
        money("1500.00", "USD"),
        money("150000", "JPY"),
        money("-25.00", "USD"),
        money("12.345", "KWD"),
    ]
    assert st.lines[0].remittance_info == "Invoice 2001, 2002 INV-2001"
    assert [p.payment_id for p in iter_payments(st)] == ["TX-1", "TX-2", "TX-4"]


@pytest.mark.parametrize(
    ("sign", "text", "expected"),
    [
        (SignConvention.SIGNED, "-12.50", "-12.50"),
        (SignConvention.SIGNED, "12.50-", "-12.50"),
        (SignConvention.SIGNED, "(12.50)", "-12.50"),
        (SignConvention.SIGNED, "+12.50", "12.50"),
        (SignConvention.INVERTED, "-12.50", "12.50"),
        (SignConvention.INVERTED, "12.50", "-12.50"),
    ],
)
def test_csv_sign_conventions(sign: SignConvention, text: str, expected: str) -> None:
    mapping = CsvMapping(value_date="d", amount="a", sign=sign, default_currency="EUR")
    st = read_csv(f"d,a\n2026-03-02,{text}\n", mapping)
    assert st.lines[0].amount == money(expected, "EUR")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        pytest.param("2026-03-02,12.345", "more decimals", id="three-decimals"),
        pytest.param("2026-03-02,12,50", "fields", id="field-count"),
        pytest.param("02.03.2026,12.50", "not a date", id="date-format"),
        pytest.param("2026-03-02,1.2.3", "not an amount", id="amount"),
        pytest.param("2026-03-02,", "not an amount", id="empty-amount"),
        pytest.param("2026-03-02,12.5e3", "not an amount", id="exponent"),
    ],
)
def test_csv_bad_rows_name_their_line(row: str, message: str) -> None:
    mapping = CsvMapping(value_date="d", amount="a", default_currency="EUR")
    text = f"d,a\n2026-03-01,1.00\n\n{row}\n2026-03-03,2.00\n"
    with pytest.raises(StatementFormatError, match=message) as info:
        read_csv(text, mapping)
    assert info.value.location == "line 4"


def test_csv_comma_decimal_refuses_a_stray_point() -> None:
    mapping = CsvMapping(value_date="d", amount="a", default_currency="EUR", decimal_mark=",")
    with pytest.raises(StatementFormatError, match="not an amount"):
        read_csv('d,a\n2026-03-02,"1.234,50"\n', mapping)
    assert read_csv('d,a\n2026-03-02,"1234,50"\n', mapping).lines[0].amount == money(
        "1234.50", "EUR"
    )


def test_csv_missing_column_is_located_at_the_header() -> None:
    mapping = attrs_evolve(GERMAN, payer_name="Name")
    with pytest.raises(StatementFormatError, match="column 'Name' is not in the header") as info:
        read_csv(DATA / "payments_de.csv", mapping)
    assert info.value.location == "line 3"


def test_csv_split_columns_need_exactly_one_value() -> None:
    text = replaced("payments_de.csv", "Kontoführung 02/2026;12,50;;", "Kontoführung;12,50;1,00;")
    with pytest.raises(StatementFormatError, match="exactly one of the columns") as info:
        read_csv(text, GERMAN)
    assert info.value.location == "line 5"


def test_csv_unknown_indicator_is_refused() -> None:
    text = sample("payments_us.csv").replace("TX-3,2026-03-03,DEBIT", "TX-3,2026-03-03,REFUND")
    with pytest.raises(StatementFormatError, match="'REFUND' is neither") as info:
        read_csv(text, US)
    assert info.value.location == "line 4"


def test_csv_repeated_id_is_refused() -> None:
    text = sample("payments_us.csv").replace("TX-4,", "TX-1,")
    with pytest.raises(StatementFormatError, match="repeats the one on line 2") as info:
        read_csv(io.StringIO(text), US)
    assert info.value.location == "line 5"


def test_csv_mapping_is_checked_when_built() -> None:
    with pytest.raises(ValidationError, match="needs the 'amount' column"):
        CsvMapping(value_date="d", default_currency="EUR")
    with pytest.raises(ValidationError, match="needs the 'debit' column"):
        CsvMapping(value_date="d", credit="c", sign=SignConvention.SPLIT, default_currency="EUR")
    with pytest.raises(ValidationError, match="currency column or give default_currency"):
        CsvMapping(value_date="d", amount="a")
    with pytest.raises(ValidationError, match="must differ"):
        CsvMapping(value_date="d", amount="a", default_currency="EUR", thousands_separator=".")


def attrs_evolve(mapping: CsvMapping, **changes: object) -> CsvMapping:
    import attrs

    return attrs.evolve(mapping, **changes)


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("RF18 5390 0754 7034", "RF18539007547034"),
        ("rf18539007547034", "RF18539007547034"),
        ("RF19539007547034", ""),  # wrong check digits: not a creditor reference
        ("INV-2001", ""),
    ],
)
def test_valid_rf_references_become_creditor_references(reference: str, expected: str) -> None:
    csv_text = sample("payments_us.csv").replace("INV-2001", reference)
    assert read_csv(csv_text, US).lines[0].creditor_reference == expected
    bai = sample("bai2_two_accounts.bai").replace("BR0001,INV-2001", f"BR0001,{reference}")
    assert read_bai2_statements(bai)[0].lines[0].creditor_reference == expected
    mt = replaced("mt940_nl_slash.sta", "C250,00NTRFNONREF", f"C250,00NTRF{reference[:16]}")
    mt = mt.replace("/REMI/STRD/CUR/RF18539007547034/", "/REMI/USTD//X/")
    if " " not in reference:
        assert read_mt940(mt).lines[1].creditor_reference == expected


def test_mt940_year_end_entry_dates_free_text_and_other_tags() -> None:
    st = read_mt940(DATA / "mt940_gb_year_end.sta")
    assert (st.statement_id, st.sequence_number, st.currency) == ("GB-YE-2025", "365", "GBP")
    payment, refund, fee = st.lines
    # booked on 2 January for value 31 December: the entry date is in the next year
    assert payment.value_date == dt.date(2025, 12, 31)
    assert payment.booking_date == dt.date(2026, 1, 2)
    assert payment.reference == "INV-88123"  # the :61: customer reference
    assert payment.remittance_info == (
        "PAYMENT FROM NORTHWIND TRADING LTD INVOICES INV-88123 AND INV-88124 "
        "LESS CREDIT NOTE CN-311"
    )
    assert refund.amount == money("20.00", "GBP")
    assert refund.is_reversal  # RD: a reversed charge, not a customer payment
    assert refund.remittance_info == "REVERSAL OF CHARGE"  # :61: supplementary details
    assert fee.amount == money("-4.50", "GBP")
    assert [p.reference for p in iter_payments(st)] == ["INV-88123"]


@pytest.mark.parametrize(("status", "meaning"), [("2", "deletion"), ("4", "test only")])
def test_bai2_deletion_and_test_groups_are_not_imported(status: str, meaning: str) -> None:
    header = "02,ACMECORP,BANKUS33,"
    text = replaced("bai2_two_accounts.bai", f"{header}1,", f"{header}{status},")
    with pytest.raises(StatementFormatError, match=meaning) as info:
        read_bai2_statements(text)
    assert info.value.location == "line 2"


def test_csv_footer_lines_are_skipped() -> None:
    text = sample("payments_de.csv") + "\nSumme;;;;;12,50;3.640,00;EUR\n\n"
    with pytest.raises(StatementFormatError, match="exactly one of the columns") as info:
        read_csv(text, GERMAN)
    assert info.value.location == "line 9"
    st = read_csv(text, attrs_evolve(GERMAN, footer_lines=1))
    assert len(st.lines) == 3
