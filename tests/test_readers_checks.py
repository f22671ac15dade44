"""Control checks, exact amounts, CSV trailers and options, positional text, stable payment ids."""

from __future__ import annotations

import hashlib
from pathlib import Path

import attrs
import pytest

from o2c.adapters.bai2 import read_bai2
from o2c.adapters.camt import read_camt053
from o2c.adapters.csv import CsvMapping, CsvTrailer, SignConvention, read_csv
from o2c.adapters.mt940 import read_mt940, read_mt940_statements
from o2c.errors import O2CError, StatementFormatError, ValidationError
from o2c.money import money

DATA = Path(__file__).parent / "data" / "bank"


def sample(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def replaced(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# --------------------------------------------------------------------------------------------
# camt: balances and TxsSummry (entries: +1190.00, +2450.00, -12.50; 10000.00 -> 13627.50)

V02 = sample("camt053_v02_single.xml")
SUMMARY = (
    "<TxsSummry>\n        <TtlNtries><NbOfNtries>3</NbOfNtries></TtlNtries>\n      </TxsSummry>"
)
FULL_SUMMARY = (
    "<TxsSummry><TtlNtries><NbOfNtries>3</NbOfNtries><Sum>3652.50</Sum>"
    "<TtlNetNtryAmt>3627.50</TtlNetNtryAmt><CdtDbtInd>CRDT</CdtDbtInd></TtlNtries>"
    "<TtlCdtNtries><NbOfNtries>2</NbOfNtries><Sum>3640.00</Sum></TtlCdtNtries>"
    "<TtlDbtNtries><NbOfNtries>1</NbOfNtries><Sum>12.50</Sum></TtlDbtNtries></TxsSummry>"
)
STMT = "/Document/BkToCstmrStmt/Stmt[1]"


def with_summary(summary: str) -> str:
    return replaced(V02, SUMMARY, summary)


def test_a_summary_that_adds_up_is_accepted() -> None:
    st = read_camt053(with_summary(FULL_SUMMARY))
    assert len(st.lines) == 3
    net_v08 = FULL_SUMMARY.replace(
        "<TtlNetNtryAmt>3627.50</TtlNetNtryAmt><CdtDbtInd>CRDT</CdtDbtInd>",
        "<TtlNetNtry><Amt>3627.50</Amt><CdtDbtInd>CRDT</CdtDbtInd></TtlNetNtry>",
    )
    assert read_camt053(with_summary(net_v08)) == st


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            "<NbOfNtries>3</NbOfNtries>",
            "<NbOfNtries>4</NbOfNtries>",
            "TtlNtries/NbOfNtries",
            "counts 4 entries but the statement has 3",
        ),
        ("<Sum>3652.50</Sum>", "<Sum>3652.51</Sum>", "TtlNtries/Sum", "sum of the entries"),
        (
            "<TtlNetNtryAmt>3627.50</TtlNetNtryAmt>",
            "<TtlNetNtryAmt>3640.00</TtlNetNtryAmt>",
            "TtlNtries/TtlNetNtryAmt",
            "net of the entries",
        ),
        (
            "<CdtDbtInd>CRDT</CdtDbtInd></TtlNtries>",
            "<CdtDbtInd>DBIT</CdtDbtInd></TtlNtries>",
            "TtlNtries/TtlNetNtryAmt",
            "-3627.50 as the net",
        ),
        (
            "<NbOfNtries>2</NbOfNtries>",
            "<NbOfNtries>3</NbOfNtries>",
            "TtlCdtNtries/NbOfNtries",
            "counts 3 credit entries",
        ),
        ("<Sum>3640.00</Sum>", "<Sum>3639.00</Sum>", "TtlCdtNtries/Sum", "credit entries"),
        (
            "<NbOfNtries>1</NbOfNtries>",
            "<NbOfNtries>0</NbOfNtries>",
            "TtlDbtNtries/NbOfNtries",
            "counts 0 debit entries",
        ),
        ("<Sum>12.50</Sum>", "<Sum>12.5001</Sum>", "TtlDbtNtries/Sum", "debit entries"),
    ],
)
def test_a_summary_that_does_not_add_up_is_refused(
    old: str, new: str, path: str, message: str
) -> None:
    with pytest.raises(StatementFormatError, match=message) as info:
        read_camt053(with_summary(replaced(FULL_SUMMARY, old, new)))
    assert info.value.location == f"{STMT}/TxsSummry/{path}"


def test_a_dropped_entry_fails_the_summary_even_when_balances_are_absent() -> None:
    text = with_summary(FULL_SUMMARY)
    start = text.index("<Bal>")
    end = text.rindex("</Bal>") + len("</Bal>")
    no_balances = text[:start] + text[end:]
    assert len(read_camt053(no_balances).lines) == 3
    first = no_balances.index("<Ntry>")
    last = no_balances.index("</Ntry>") + len("</Ntry>")
    with pytest.raises(StatementFormatError, match="counts 3 entries but the statement has 2"):
        read_camt053(no_balances[:first] + no_balances[last:])


def test_balances_in_another_currency_are_refused() -> None:
    text = replaced(V02, '<Amt Ccy="EUR">13627.50</Amt>', '<Amt Ccy="USD">13627.50</Amt>')
    with pytest.raises(StatementFormatError, match="closing balance is in USD") as info:
        read_camt053(text)
    assert info.value.location == f"{STMT}/Bal"
    both = replaced(text, '<Amt Ccy="EUR">10000.00</Amt>', '<Amt Ccy="USD">10000.00</Amt>')
    with pytest.raises(StatementFormatError, match="opening balance is in USD"):
        read_camt053(both)


def test_the_balance_check_holds_without_an_account_currency() -> None:
    text = replaced(V02, "<Ccy>EUR</Ccy>", "")
    assert read_camt053(text).currency == "EUR"
    with pytest.raises(StatementFormatError, match="is not the closing balance"):
        read_camt053(replaced(text, "13627.50", "13627.40"))


def test_a_balance_that_does_not_add_up_is_refused_and_one_that_does_is_not() -> None:
    assert read_camt053(V02).closing_balance == money("13627.50", "EUR")
    with pytest.raises(StatementFormatError, match="is not the closing balance"):
        read_camt053(replaced(V02, "13627.50", "13627.51"))


# --------------------------------------------------------------------------------------------
# Amounts are never rounded on the way in

MORE_DECIMALS = [
    (read_camt053, V02, '<Amt Ccy="EUR">1190.00</Amt>', '<Amt Ccy="EUR">1190.001</Amt>'),
    (read_mt940_statements, sample("mt940_de_two_days.sta"), "C1190,00N", "C1190,001N"),
]


@pytest.mark.parametrize(("reader", "text", "old", "new"), MORE_DECIMALS)
def test_more_decimals_than_the_currency_are_refused_not_rounded(
    reader: object, text: str, old: str, new: str
) -> None:
    with pytest.raises(StatementFormatError, match=r"1190\.001 EUR has more decimals") as info:
        reader(replaced(text, old, new))  # type: ignore[operator]
    assert info.value.value == "1190.001"
    assert info.value.location


def test_csv_more_decimals_and_amounts_beyond_the_limit_are_refused() -> None:
    text = "date,amount\n2026-03-02,10.005\n"
    mapping = CsvMapping(value_date="date", amount="amount", default_currency="EUR")
    with pytest.raises(StatementFormatError, match="more decimals") as info:
        read_csv(text, mapping)
    assert info.value.location == "line 2"
    with pytest.raises(StatementFormatError, match="at most 15 digits") as info:
        read_csv(text.replace("10.005", "1" * 16), mapping)
    assert info.value.location == "line 2"
    assert read_csv(text.replace("10.005", "9" * 15), mapping).lines[0].amount.amount == int(
        "9" * 15
    )


# --------------------------------------------------------------------------------------------
# CSV trailer and options

CSV = "date,amount,payer\n2026-03-02,100.00,Acme\n2026-03-02,-12.50,Bank\n2026-03-03,250.00,Beta\n"
PLAIN = CsvMapping(value_date="date", amount="amount", payer_name="payer", default_currency="EUR")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_trailer_with_count_sum_and_digest_is_verified() -> None:
    mapping = attrs.evolve(
        PLAIN, trailer=CsvTrailer(marker="EOF", count_field=1, total_field=2, sha256_field=3)
    )
    good = CSV + f"EOF,3,337.50,{_digest(CSV)}\n"
    assert len(read_csv(good, mapping).lines) == 3
    assert len(read_csv(good.replace("\n", "\r\n"), mapping).lines) == 3
    for bad, message in [
        (good.replace("EOF,3,", "EOF,4,"), "counts 4 rows but the file has 3"),
        (good.replace(",337.50,", ",337.51,"), "control sum is 337.51"),
        (good.replace("Beta", "Bota", 1), "SHA-256 digest"),
    ]:
        with pytest.raises(StatementFormatError, match=message) as info:
            read_csv(bad, mapping)
        assert info.value.location == "line 5"


def test_a_file_cut_before_its_trailer_is_refused() -> None:
    mapping = attrs.evolve(PLAIN, trailer=CsvTrailer(marker="EOF", count_field=1))
    with pytest.raises(StatementFormatError, match="not the trailer"):
        read_csv(CSV, mapping)  # the trailer is gone
    rows = CSV.splitlines(keepends=True)
    with pytest.raises(StatementFormatError, match="counts 3 rows but the file has 2"):
        read_csv("".join(rows[:-1]) + "EOF,3\n", mapping)
    with pytest.raises(StatementFormatError, match="ends before its trailer"):
        read_csv("", mapping)


def test_without_a_trailer_a_cut_file_reads_as_a_shorter_one() -> None:
    rows = CSV.splitlines(keepends=True)
    assert len(read_csv("".join(rows[:-1]), PLAIN).lines) == 2  # documented: undetectable


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"value_date": 5}, "value_date"),
        ({"amount": ["a"]}, "amount"),
        ({"remittance_info": 7}, "remittance_info"),
        ({"sign": "sideways"}, "sign"),
        ({"sign": 3}, "sign"),
        ({"skip_lines": "2"}, "skip_lines"),
        ({"footer_lines": -1}, "footer_lines"),
        ({"skip_lines": True}, "skip_lines"),
        ({"delimiter": ";;"}, "delimiter"),
        ({"delimiter": '"'}, "delimiter"),
        ({"decimal_mark": None}, "decimal_mark"),
        ({"thousands_separator": ".."}, "thousands_separator"),
        ({"date_format": 1}, "date_format"),
        ({"encoding": "no-such-codec"}, "encoding"),
        ({"encoding": b"utf-8"}, "encoding"),
        ({"default_currency": "XYZ"}, "default_currency"),
        ({"default_currency": 978}, "default_currency"),
        ({"credit_markers": "C"}, "credit_markers"),
        ({"credit_markers": {"C", 1}}, "credit_markers"),
        ({"debit_markers": {"C"}}, "debit_markers"),
        ({"credit": "c"}, "credit"),
        ({"indicator": "i"}, "indicator"),
        ({"trailer": "TOTAL"}, "trailer"),
    ],
)
def test_bad_mapping_options_are_validation_errors_naming_the_option(
    options: dict[str, object], field: str
) -> None:
    base: dict[str, object] = {"value_date": "d", "amount": "a", "default_currency": "EUR"}
    with pytest.raises(ValidationError) as info:
        CsvMapping(**{**base, **options})  # type: ignore[arg-type]
    assert info.value.field == field
    assert field in str(info.value)


def test_conflicting_sign_columns_and_trailer_options_are_refused() -> None:
    with pytest.raises(ValidationError, match="conflicts with sign=SPLIT") as info:
        CsvMapping(
            value_date="d", amount="a", credit="c", debit="x", sign="split", default_currency="EUR"
        )
    assert info.value.field == "amount"
    for bad in (
        {},
        {"count_field": 1, "total_field": 1},
        {"marker": "T", "count_field": 0},
        {"count_field": -1},
        {"count_field": "1"},
    ):
        with pytest.raises(ValidationError, match="trailer"):
            CsvTrailer(**bad)  # type: ignore[arg-type]


def test_mapping_from_options_refuses_unknown_names() -> None:
    options = {"value_date": "date", "amount": "amount", "default_currency": "EUR"}
    mapping = CsvMapping.from_dict({**options, "sign": "inverted", "trailer": {"count_field": 1}})
    assert mapping.sign is SignConvention.INVERTED
    assert mapping.trailer == CsvTrailer(count_field=1)
    for bad, field in [
        ({**options, "payer": "Payer"}, "payer"),
        ({"amount": "amount", "default_currency": "EUR"}, "value_date"),
        ({**options, "trailer": {"rows": 1}}, "trailer.rows"),
    ]:
        with pytest.raises(ValidationError) as info:
            CsvMapping.from_dict(bad)
        assert info.value.field == field


# --------------------------------------------------------------------------------------------
# MT940 :86: trailing blanks, BAI2 88 continuations

MT940 = """:20:STMT
:25:DE89370400440532013000
:28C:1/1
:60F:C260301EUR1000,00
:61:2603020302C250,00NTRFNONREF//B1
{details}
:62F:C260302EUR1250,00
-"""


def test_mt940_german_details_keep_the_blank_that_ends_a_65_character_line() -> None:
    first = ":86:166?00GUTSCHRIFT?20EREF+E2E-77?21SVWZ+Rechnung 4711 vom  "
    first = first + " " * (65 - len(first))
    assert len(first) == 65
    details = first + "\n01.03.2026?32ACME GMBH"
    p = read_mt940(MT940.format(details=details)).lines[0]
    assert p.remittance_info == "Rechnung 4711 vom 01.03.2026"
    assert p.payer_name == "ACME GMBH"
    glued = details.replace("vom  " + " " * (65 - len(first.rstrip()) - 2), "vom")
    assert read_mt940(MT940.format(details=glued)).lines[0].remittance_info == (
        "Rechnung 4711 vom01.03.2026"  # no blank written: the text goes on
    )


def test_mt940_trailing_blanks_are_kept_with_crlf_too() -> None:
    first = ":86:166?00GUTSCHRIFT?21SVWZ+RE 4711 UND"
    details = first + " " * (65 - len(first)) + "\n4712?32ACME GMBH"
    text = MT940.format(details=details).replace("\n", "\r\n")
    assert read_mt940(text).lines[0].remittance_info == "RE 4711 UND 4712"


def _bai2(record_length: str, detail: list[str]) -> str:
    count = 6 + len(detail)
    return "\n".join(
        [
            f"01,BANK,CUST,260302,0800,F1,{record_length},,2/",
            "02,CUST,BANK,1,260302,0800,USD,2/",
            "03,ACC-1,USD,010,100000,,/",
            *detail,
            f"49,250000,{2 + len(detail)}/",
            f"98,250000,1,{4 + len(detail)}/",
            f"99,250000,1,{count}/",
        ]
    )


def test_bai2_continuations_follow_the_declared_record_length() -> None:
    first = "16,195,150000,0,BR1,INV-1,REMITTANCE FOR INVOICE 100"
    first = first + "1" * (80 - len(first))
    assert len(first) == 80  # the record is full: the bank cut "10011..." there
    detail = [first, "88,234 AND 1002", "88,THANK YOU"]
    text = first.split(",", 6)[6]
    cut = read_bai2(_bai2("80", detail)).lines[0].remittance_info
    assert cut == text + "234 AND 1002 THANK YOU"
    padded = [detail[0], detail[1] + " " * 65, detail[2]]  # padding to 80 is no text
    assert read_bai2(_bai2("80", padded)).lines[0].remittance_info == cut
    undeclared = read_bai2(_bai2("", detail)).lines[0].remittance_info
    assert undeclared == text + " 234 AND 1002 THANK YOU"
    with pytest.raises(StatementFormatError, match="physical record length"):
        read_bai2(_bai2("8O", detail))


# --------------------------------------------------------------------------------------------
# Payment ids do not depend on line endings, trailing blanks or the rows after a line


def _ids(statements: object) -> list[str]:
    items = statements if isinstance(statements, tuple) else (statements,)
    return [p.payment_id for s in items for p in s.lines]  # type: ignore[attr-defined]


def _same_ids_for_common_lines(base: list[str], other: list[str]) -> None:
    assert other[: len(base)] == base


def test_camt_ids_are_stable_when_re_exported() -> None:
    base = _ids(read_camt053(V02))
    assert _ids(read_camt053(V02.replace("\n", "\r\n"))) == base
    extra = (
        '<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2026-03-02</Dt></BookgDt></Ntry>\n    </Stmt>"
    )
    more = replaced(replaced(V02, "</Stmt>", extra), "13627.50", "13632.50")
    more = replaced(more, "<NbOfNtries>3</NbOfNtries>", "<NbOfNtries>4</NbOfNtries>")
    ids = _ids(read_camt053(more))
    assert len(ids) == 4
    _same_ids_for_common_lines(base, ids)


def test_mt940_ids_are_stable_when_re_exported() -> None:
    text = sample("mt940_de_two_days.sta")
    base = _ids(read_mt940_statements(text))
    assert _ids(read_mt940_statements(text.replace("\n", "\r\n"))) == base
    trailing = "\n".join(line + "  " for line in text.split("\n"))
    assert _ids(read_mt940_statements(trailing)) == base
    extra = ":61:2603050305C10,00N166NONREF\n:86:166?00GUTSCHRIFT?20NACHTRAG\n"
    more = replaced(text, ":62F:C260305EUR13477,50", extra + ":62F:C260305EUR13487,50")
    ids = _ids(read_mt940_statements(more))
    assert len(ids) == len(base) + 1
    _same_ids_for_common_lines(base, ids)


def test_bai2_ids_are_stable_when_re_exported() -> None:
    detail = ["16,195,150000,0,BR1,INV-1,ACME", "16,195,0,0,,INV-2,NO REFERENCE"]
    base = _ids(read_bai2(_bai2("80", detail)))
    assert _ids(read_bai2(_bai2("80", detail).replace("\n", "\r\n"))) == base
    text = _bai2("80", [*detail, "16,399,0,0,,INV-3,LATE"])
    ids = _ids(read_bai2(text))
    assert len(ids) == 3
    _same_ids_for_common_lines(base, ids)


@pytest.mark.parametrize("statement_id", [None, "DE-2026-03"])
def test_csv_ids_are_stable_when_re_exported(statement_id: str | None) -> None:
    mapping = CsvMapping(
        value_date="Valuta",
        payer_name="Auftraggeber",
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
    text = sample("payments_de.csv")

    def ids(content: str) -> list[str]:
        return _ids(read_csv(content, mapping, statement_id=statement_id))

    base = ids(text)
    assert len(set(base)) == 3
    assert ids(text.replace("\n", "\r\n")) == base
    assert ids("\n".join(line + " " for line in text.split("\n"))) == base
    more = text.rstrip("\n") + "\n05.03.2026;05.03.2026;Gamma AG;;RE-1009;;10,00;EUR\n"
    ids_more = ids(more)
    assert len(ids_more) == 4
    _same_ids_for_common_lines(base, ids_more)
    twice = more + "05.03.2026;05.03.2026;Gamma AG;;RE-1009;;10,00;EUR\n"
    assert len(set(ids(twice))) == 5  # the same row twice: two payments, two ids


def test_errors_raised_here_are_o2c_errors() -> None:
    assert issubclass(StatementFormatError, O2CError)
    assert issubclass(ValidationError, O2CError)
