"""Round trips: a generated statement written as camt.053 / CSV / MT940 / BAI2 reads back the same.

The writers here are deliberately tiny and independent of the readers: they know the formats,
not the reader's code.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import attrs
from hypothesis import given
from hypothesis import strategies as st

from o2c.adapters.bai2 import read_bai2
from o2c.adapters.camt import read_camt053, read_camt054
from o2c.adapters.csv import CsvMapping, read_csv
from o2c.adapters.mt940 import read_mt940
from o2c.money import minor_units, to_minor
from o2c.statement import Payment, Statement, iter_payments
from tests.strategies import statements


def _amount(value: Any) -> str:
    return f"{abs(value.amount):f}"


def _money(tag: str, value: Any) -> str:
    return f"<{tag} Ccy={quoteattr(value.currency.code)}>{_amount(value)}</{tag}>"


def _camt_entry(p: Payment, version: int) -> str:
    credit = p.amount.amount > 0
    party, account = ("Dbtr", "DbtrAcct") if credit else ("Cdtr", "CdtrAcct")
    name = escape(p.payer_name)
    if version >= 8:
        party_xml = f"<{party}><Pty><Nm>{name}</Nm></Pty></{party}>"
    else:
        party_xml = f"<{party}><Nm>{name}</Nm></{party}>"
    if p.payer_account:
        party_xml += f"<{account}><Id><IBAN>{p.payer_account}</IBAN></Id></{account}>"
    strd = "".join(
        "<Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>"
        + ("CREN" if d.is_credit_note else "CINV")
        + f"</Cd></CdOrPrtry></Tp><Nb>{escape(d.number)}</Nb></RfrdDocInf>"
        + f"<RfrdDocAmt>{_money('RmtdAmt', d.amount_paid)}</RfrdDocAmt></Strd>"
        for d in p.documents
    )
    ustrd = f"<Ustrd>{escape(p.remittance_info)}</Ustrd>" if p.remittance_info else ""
    status = "<Sts><Cd>BOOK</Cd></Sts>" if version >= 8 else "<Sts>BOOK</Sts>"
    assert p.booking_date is not None
    return (
        f"<Ntry>{_money('Amt', p.amount)}<CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd>"
        f"{status}<BookgDt><Dt>{p.booking_date.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{p.value_date.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>{escape(p.payment_id)}</AcctSvcrRef>"
        f"<NtryDtls><TxDtls><Refs><EndToEndId>{escape(p.end_to_end_id or 'NOTPROVIDED')}"
        f"</EndToEndId></Refs><RltdPties>{party_xml}</RltdPties>"
        f"<RmtInf>{ustrd}{strd}</RmtInf></TxDtls></NtryDtls></Ntry>"
    )


def _balance(code: str, value: Any) -> str:
    indicator = "DBIT" if value.amount < 0 else "CRDT"
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>{_money('Amt', value)}"
        f"<CdtDbtInd>{indicator}</CdtDbtInd><Dt><Dt>2026-01-01</Dt></Dt></Bal>"
    )


def camt053_xml(statement: Statement, version: int) -> str:
    """A camt.053.001.0<version> document with one statement."""
    entries = "".join(_camt_entry(p, version) for p in statement.lines)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}">'
        "<BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{escape(statement.statement_id)}</Id>"
        f"<Acct><Id><IBAN>{statement.account}</IBAN></Id><Ccy>{statement.currency}</Ccy></Acct>"
        f"{_balance('OPBD', statement.opening_balance)}"
        f"{_balance('CLBD', statement.closing_balance)}"
        f"{entries}</Stmt></BkToCstmrStmt></Document>"
    )


def _seen(p: Payment) -> tuple[object, ...]:
    return (
        p.payment_id,
        p.value_date,
        p.booking_date,
        p.amount,
        p.payer_name,
        p.payer_account,
        p.remittance_info,
        p.end_to_end_id,
        p.documents,
    )


@given(statements(), st.integers(min_value=2, max_value=8))
def test_camt053_round_trip(statement: Statement, version: int) -> None:
    read = read_camt053(camt053_xml(statement, version).encode("utf-8"))
    assert [_seen(p) for p in read.lines] == [_seen(p) for p in statement.lines]
    assert read.statement_id == statement.statement_id
    assert read.currency == statement.currency
    assert (read.opening_balance, read.closing_balance) == (
        statement.opening_balance,
        statement.closing_balance,
    )
    assert list(iter_payments(read)) == [p for p in read.lines if p.amount.amount > 0]


CSV_MAPPING = CsvMapping(
    payment_id="id",
    value_date="value",
    booking_date="booked",
    amount="amount",
    currency="currency",
    payer_name="payer",
    payer_account="account",
    remittance_info="text",
    end_to_end_id="e2e",
)


@given(statements(), st.sampled_from([".", ","]), st.sampled_from([",", ";", "\t"]))
def test_csv_round_trip(statement: Statement, decimal_mark: str, delimiter: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(
        ["id", "value", "booked", "amount", "currency", "payer", "account", "text", "e2e"]
    )
    for p in statement.lines:
        assert p.booking_date is not None
        writer.writerow(
            [
                p.payment_id,
                p.value_date.isoformat(),
                p.booking_date.isoformat(),
                f"{p.amount.amount:f}".replace(".", decimal_mark),
                p.amount.currency.code,
                p.payer_name,
                p.payer_account,
                p.remittance_info,
                p.end_to_end_id,
            ]
        )
    mapping = attrs.evolve(
        CSV_MAPPING,
        decimal_mark=decimal_mark,
        delimiter=delimiter,
        default_currency=statement.currency,
    )
    read = read_csv(out.getvalue(), mapping, statement_id=statement.statement_id)
    assert [_seen(p)[:8] for p in read.lines] == [_seen(p)[:8] for p in statement.lines]
    assert read.currency == statement.currency


def _mt940_amount(value: Any) -> str:
    return _amount(value).replace(".", ",") if minor_units(value.currency) else _amount(value) + ","


@given(statements(plain=True))
def test_mt940_round_trip_of_amounts_dates_and_references(statement: Statement) -> None:
    opening, closing = statement.opening_balance, statement.closing_balance
    assert opening is not None
    assert closing is not None
    lines = [
        ":20:" + statement.statement_id[:16],
        ":25:" + statement.account,
        ":28C:1/1",
        f":60F:{'D' if opening.amount < 0 else 'C'}260101{statement.currency}"
        + _mt940_amount(opening),
    ]
    for p in statement.lines:
        mark = "C" if p.amount.amount > 0 else "D"
        lines.append(
            f":61:{p.value_date:%y%m%d}{p.value_date:%m%d}{mark}{_mt940_amount(p.amount)}"
            f"NTRFNONREF//{p.payment_id}"
        )
    lines.append(
        f":62F:{'D' if closing.amount < 0 else 'C'}260101{statement.currency}"
        + _mt940_amount(closing)
    )
    read = read_mt940("\r\n".join(lines) + "\r\n-\r\n")
    assert [(p.bank_reference, p.value_date, p.booking_date, p.amount) for p in read.lines] == [
        (p.payment_id, p.value_date, p.booking_date, p.amount) for p in statement.lines
    ]
    prefix = f"{statement.account}/20260101/"
    assert [p.payment_id for p in read.lines] == [prefix + p.payment_id for p in statement.lines]
    assert (read.opening_balance, read.closing_balance) == (opening, closing)


@given(statements(plain=True))
def test_bai2_round_trip_of_amounts_and_value_dates(statement: Statement) -> None:
    details = []
    total = 0
    for p in statement.lines:
        units = abs(to_minor(p.amount))
        total += units
        code = "195" if p.amount.amount > 0 else "495"
        details.append(f"16,{code},{units},V,{p.value_date:%y%m%d},,{p.payment_id},,")
    records = [
        "01,BANK,CUST,260101,0000,FILE1,,,2/",
        f"02,CUST,BANK,1,260101,0000,{statement.currency},2/",
        f"03,{statement.account},{statement.currency}/",
        *details,
        f"49,{total},{len(details) + 2}/",
        f"98,{total},1,{len(details) + 4}/",
        f"99,{total},1,{len(details) + 6}/",
    ]
    read = read_bai2("\n".join(records))
    assert [(p.bank_reference, p.value_date, p.amount) for p in read.lines] == [
        (p.payment_id, p.value_date, p.amount) for p in statement.lines
    ]
    assert all(isinstance(p.amount.amount, Decimal) for p in read.lines)


def _party(p: Payment, version: int) -> str:
    credit = p.amount.amount > 0
    party, account = ("Dbtr", "DbtrAcct") if credit else ("Cdtr", "CdtrAcct")
    name = escape(p.payer_name)
    xml = (
        f"<{party}><Pty><Nm>{name}</Nm></Pty></{party}>"
        if version >= 8
        else f"<{party}><Nm>{name}</Nm></{party}>"
    )
    if p.payer_account:
        xml += f"<{account}><Id><IBAN>{p.payer_account}</IBAN></Id></{account}>"
    return xml


def camt054_batches(statement: Statement, sizes: list[int], version: int) -> str:
    """A camt.054 notification booking the lines in batches of the given sizes."""
    lines = list(statement.lines)
    entries = []
    for size in sizes:
        batch, lines = lines[:size], lines[size:]
        if not batch:
            break
        net = sum((p.amount.amount for p in batch), Decimal(0))
        code = statement.currency
        txs = "".join(
            f"<TxDtls><Refs><AcctSvcrRef>{escape(p.payment_id)}</AcctSvcrRef></Refs>"
            f"{_money('Amt', p.amount)}"
            f"<CdtDbtInd>{'CRDT' if p.amount.amount > 0 else 'DBIT'}</CdtDbtInd>"
            f"<RltdPties>{_party(p, version)}</RltdPties>"
            f"<RmtInf><Ustrd>{escape(p.remittance_info)}</Ustrd></RmtInf></TxDtls>"
            for p in batch
        )
        first = batch[0]
        entries.append(
            f'<Ntry><Amt Ccy="{code}">{abs(net):f}</Amt>'
            f"<CdtDbtInd>{'DBIT' if net < 0 else 'CRDT'}</CdtDbtInd><Sts>BOOK</Sts>"
            f"<BookgDt><Dt>{first.value_date.isoformat()}</Dt></BookgDt>"
            f"<NtryDtls><Btch><NbOfTxs>{len(batch)}</NbOfTxs></Btch>{txs}</NtryDtls></Ntry>"
        )
    return (
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version:02d}">'
        "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm>"
        f"</GrpHdr><Ntfctn><Id>{statement.statement_id}</Id><Acct><Id><IBAN>{statement.account}"
        f"</IBAN></Id><Ccy>{statement.currency}</Ccy></Acct>{''.join(entries)}</Ntfctn>"
        "</BkToCstmrDbtCdtNtfctn></Document>"
    )


@given(
    statements(),
    st.lists(st.integers(min_value=2, max_value=4), min_size=4, max_size=4),
    st.integers(min_value=2, max_value=8),
)
def test_camt054_batches_split_into_their_transactions(
    statement: Statement, sizes: list[int], version: int
) -> None:
    read = read_camt054(camt054_batches(statement, sizes, version))
    assert [
        (p.payment_id, p.amount, p.payer_name, p.payer_account, p.remittance_info)
        for p in read.lines
    ] == [
        (p.payment_id, p.amount, p.payer_name, p.payer_account, p.remittance_info)
        for p in statement.lines[: sum(sizes)]
    ]


@given(statements(max_lines=4), st.integers(min_value=20, max_value=65))
def test_mt940_wrapped_details_read_back_as_the_text(statement: Statement, width: int) -> None:
    """``:86:`` text wrapped by the bank (at 65, inside words) or by hand reads back the same."""
    opening = statement.opening_balance
    closing = statement.closing_balance
    assert opening is not None
    assert closing is not None
    lines = [":20:X", ":25:ACC", ":28C:1"]
    lines.append(f":60F:{'D' if opening.amount < 0 else 'C'}260101{statement.currency}")
    lines[-1] += _mt940_amount(opening)
    for p in statement.lines:
        mark = "C" if p.amount.amount > 0 else "D"
        lines.append(f":61:{p.value_date:%y%m%d}{mark}{_mt940_amount(p.amount)}NTRFNONREF")
        text = p.remittance_info
        if text:
            # the bank cuts at 65 characters; shorter lines end at a word boundary
            pieces = [text[i : i + 65] for i in range(0, len(text), 65)] if width == 65 else []
            if not pieces:
                current = ""
                for word in text.split(" "):
                    if current and len(current) + 1 + len(word) > width:
                        pieces.append(current)
                        current = word
                    else:
                        current = f"{current} {word}" if current else word
                pieces.append(current)
            lines.append(":86:" + "\n".join(pieces))
    lines.append(f":62F:{'D' if closing.amount < 0 else 'C'}260101{statement.currency}")
    lines[-1] += _mt940_amount(closing)
    read = read_mt940("\n".join(lines))
    assert [p.remittance_info for p in read.lines] == [p.remittance_info for p in statement.lines]
