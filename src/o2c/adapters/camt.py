"""ISO 20022 camt.053 (statement) and camt.054 (debit/credit notification) readers.

Versions ``.001.02`` to ``.001.08`` are recognised by their namespace.  XML is parsed with
``defusedxml`` (extra ``bank``) and a document type declaration is refused outright, so neither
entity expansion ("billion laughs") nor external entities can happen.

Each ``Ntry`` becomes one :class:`~o2c.statement.Payment`, or one per ``TxDtls`` for a batch
booked as one entry (their amounts must add up to the entry's).  Credits are positive, debits
negative; reversals keep the direction the bank booked and are flagged.  Structured remittance
(``RmtInf/Strd``) becomes :class:`~o2c.statement.RemittanceDocument` values: the referred
document's number, type (``CREN`` marks a credit note) and date, and its amounts: due
(``DuePyblAmt``), discount applied (``DscntApldAmt``), credit note (``CdtNoteAmt``),
adjustments with reason (``AdjstmntAmtAndRsn``) and remitted (``RmtdAmt``); creditor references
(``CdtrRefInf``, e.g. ISO 11649 ``RF...``) are kept on the document and the payment.

A malformed file raises :class:`~o2c.errors.StatementFormatError` whose ``location`` is the XML
path (``/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt``) or, for XML that does not parse, the
line and column.  A reader returns whole statements or raises: nothing is half imported.

>>> xml = '''<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
... <BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-03-03T08:00:00</CreDtTm></GrpHdr>
... <Stmt><Id>S1</Id><CreDtTm>2026-03-03T08:00:00</CreDtTm>
... <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
... <Ntry><Amt Ccy="EUR">1500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
... <BookgDt><Dt>2026-03-02</Dt></BookgDt><ValDt><Dt>2026-03-02</Dt></ValDt>
... <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Acme GmbH</Nm></Dbtr></RltdPties>
... <RmtInf><Ustrd>INV-1001</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
... </Stmt></BkToCstmrStmt></Document>'''
>>> st = read_camt053(xml)
>>> p = st.lines[0]
>>> p.amount, p.payer_name, p.remittance_info
(Money('1500.00', 'EUR'), 'Acme GmbH', 'INV-1001')
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from moneyed import Money

from o2c.adapters import require
from o2c.adapters._bank import (
    Source,
    decimal_text,
    exact_money,
    integer_text,
    only_statement,
    payer_country,
    read_raw,
    shown,
    unique_ids,
)
from o2c.errors import StatementFormatError
from o2c.money import zero
from o2c.statement import (
    Adjustment,
    Payment,
    RemittanceDocument,
    Statement,
    StatementFormat,
)

__all__ = [
    "SUPPORTED_VERSIONS",
    "read_camt053",
    "read_camt053_statements",
    "read_camt054",
    "read_camt054_statements",
]

#: The message versions recognised (``camt.053.001.02`` ... ``camt.053.001.08``, same for 054).
SUPPORTED_VERSIONS = (2, 3, 4, 5, 6, 7, 8)

_NAMESPACE = re.compile(r"^\{urn:iso:std:iso:20022:tech:xsd:camt\.(\d{3})\.001\.(\d{2})\}Document$")
_MESSAGES = {
    "053": ("BkToCstmrStmt", "Stmt", StatementFormat.CAMT053),
    "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn", StatementFormat.CAMT054),
}
_WIDE_BOMS = frozenset(
    {codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE}
)
#: The longest namespace URI accepted (camt's are 45 characters): a parser keeps one copy of
#: the URI per element name, so a megabyte URI would cost megabytes per name.
_MAX_NAMESPACE = 200
_CREDIT_NOTE_TYPES = frozenset({"CREN", "CNFA"})
_OPENING = ("OPBD", "PRCD")
_CLOSING = ("CLBD",)


def read_camt053(source: Source) -> Statement:
    """Read a camt.053 bank-to-customer statement holding one statement.

    Args:
        source: a ``pathlib.Path``, the XML as ``bytes`` or ``str``, or an open file.

    Raises:
        StatementFormatError: for malformed XML or content, a DTD or entity declaration, another
            message type, or a file with several statements (use
            :func:`read_camt053_statements`).
        MissingExtraError: when ``defusedxml`` (extra ``bank``) is not installed.
    """
    return only_statement(
        read_camt053_statements(source),
        what="statements",
        plural="read_camt053_statements",
        location="/Document",
    )


def read_camt053_statements(source: Source) -> tuple[Statement, ...]:
    """Read every statement (``Stmt``) of a camt.053 file, in file order."""
    return _read(source, "053")


def read_camt054(source: Source) -> Statement:
    """Read a camt.054 debit/credit notification holding one notification (``Ntfctn``).

    A notification has no balances; otherwise it reads like :func:`read_camt053`.
    """
    return only_statement(
        read_camt054_statements(source),
        what="statements",
        plural="read_camt054_statements",
        location="/Document",
    )


def read_camt054_statements(source: Source) -> tuple[Statement, ...]:
    """Read every notification (``Ntfctn``) of a camt.054 file, in file order."""
    return _read(source, "054")


# --------------------------------------------------------------------------------------------
# XML


class _NamespaceTooLongError(Exception):
    def __init__(self, uri: str, line: int, column: int) -> None:
        super().__init__(uri)
        self.uri, self.line, self.column = uri, line, column


def _parse_xml(source: Source) -> ET.Element:
    dxml = require("defusedxml.ElementTree", extra="bank", feature="reading camt files safely")
    defused = require("defusedxml", extra="bank", feature="reading camt files safely")
    data = read_raw(source)
    if isinstance(data, bytes) and (data[:4] in _WIDE_BOMS or data[:2] in _WIDE_BOMS):
        # UTF-16/UTF-32 with a byte-order mark: the mark decides, whatever the declaration says.
        codec = "utf-32" if data[:4] in _WIDE_BOMS else "utf-16"
        try:
            data = data.decode(codec) if isinstance(data, bytes) else data
        except UnicodeDecodeError as exc:
            raise StatementFormatError(
                f"the bytes are not valid {codec} although they start with its byte-order mark",
                location="line 1",
                field="encoding",
                value=str(exc),
            ) from None
    if isinstance(data, str):
        try:
            data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise StatementFormatError(
                f"the text holds a lone surrogate {data[exc.start]!r}, which is no character",
                location=f"line {data.count(chr(10), 0, exc.start) + 1}",
                field="encoding",
                value=repr(data[exc.start]),
            ) from None
    parser = dxml.DefusedXMLParser(target=ET.TreeBuilder(), forbid_dtd=True)
    expat = parser.parser

    def namespace(prefix: str | None, uri: str | None) -> None:
        if uri is not None and len(uri) > _MAX_NAMESPACE:
            raise _NamespaceTooLongError(uri, expat.CurrentLineNumber, expat.CurrentColumnNumber)

    expat.StartNamespaceDeclHandler = namespace
    try:
        parser.feed(data)
        root: ET.Element = parser.close()
    except _NamespaceTooLongError as exc:
        raise StatementFormatError(
            f"a namespace URI of {len(exc.uri)} characters (camt's have about 45): "
            "this is not a camt file",
            location=f"line {exc.line}, column {exc.column}",
            field="namespace",
            value=shown(exc.uri),
        ) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise StatementFormatError(
            f"not well-formed XML: {exc}", location=f"line {line}, column {column}"
        ) from None
    except defused.DefusedXmlException as exc:
        raise StatementFormatError(
            f"refused XML with a document type, entity or external reference ({exc}): "
            "camt files need none",
            location="line 1",
        ) from None
    except (LookupError, UnicodeError) as exc:
        raise StatementFormatError(
            f"the XML cannot be decoded: {exc}", location="line 1", value=str(exc)
        ) from None
    return root


@lru_cache(maxsize=1024)
def _qualify(ns: str, path: str) -> tuple[str, ...]:
    return tuple(f"{{{ns}}}{part}" for part in path.split("/"))


class _Reader:
    """Reads one camt document; ``ns`` is its namespace, paths are built for errors only.

    Paths are walked one qualified tag at a time (``Element.find`` with a single tag runs in C;
    a multi-step path would go through the slower ``ElementPath``).
    """

    def __init__(self, ns: str) -> None:
        self.ns = ns

    # small accessors -------------------------------------------------------------------------

    def find(self, el: ET.Element, path: str) -> ET.Element | None:
        found = el
        for tag in _qualify(self.ns, path):
            step = found.find(tag)
            if step is None:
                return None
            found = step
        return found

    def findall(self, el: ET.Element, path: str) -> list[ET.Element]:
        *parents, last = _qualify(self.ns, path)
        nodes = [el]
        for tag in parents:
            nodes = [child for node in nodes for child in node.findall(tag)]
        return [child for node in nodes for child in node.findall(last)]

    def text(self, el: ET.Element, path: str) -> str:
        found = self.find(el, path)
        if found is None or found.text is None:
            return ""
        return found.text.strip()

    def first_text(self, el: ET.Element, *paths: str) -> str:
        for path in paths:
            value = self.text(el, path)
            if value:
                return value
        return ""

    def required(self, el: ET.Element, path: str, at: str) -> str:
        value = self.text(el, path)
        if not value:
            raise StatementFormatError(f"{path} is missing or empty", location=f"{at}/{path}")
        return value

    # values -----------------------------------------------------------------------------------

    def amount(self, el: ET.Element, at: str, field: str = "amount") -> Money:
        ccy = el.get("Ccy", "").strip()
        text = (el.text or "").strip()
        # A non-negative xs:decimal (1500, 1500., .50, +12.5); no exponent, no minus sign.
        try:
            value = decimal_text(text.removeprefix("+"), location=at, field=field)
        except StatementFormatError:
            raise StatementFormatError(
                f"{field} {shown(text)!r} is not a non-negative decimal amount",
                location=at,
                field=field,
                value=shown(text),
            ) from None
        if not ccy:
            raise StatementFormatError(
                f"{field} has no Ccy attribute", location=at, field=field, value=shown(text)
            )
        return exact_money(value, ccy, location=at, field=field)

    def number(self, el: ET.Element, path: str, at: str, field: str) -> Decimal | None:
        """A plain decimal (``TxsSummry`` sums carry no currency), or None when absent."""
        text = self.text(el, path)
        if not text:
            return None
        return decimal_text(text.removeprefix("+"), location=f"{at}/{path}", field=field)

    def amount_at(self, el: ET.Element, path: str, at: str, field: str) -> Money | None:
        found = self.find(el, path)
        if found is None:
            return None
        # DscntApldAmt, TaxAmt ... are a bare amount before .04 and a type + Amt after.
        inner = self.find(found, "Amt")
        if inner is not None:
            return self.amount(inner, f"{at}/{path}/Amt", field)
        return self.amount(found, f"{at}/{path}", field)

    def sum_amounts(self, el: ET.Element, path: str, at: str, field: str) -> Money | None:
        total: Money | None = None
        for i, found in enumerate(self.findall(el, path), 1):
            inner = self.find(found, "Amt")
            here = f"{at}/{path}[{i}]"
            value = (
                self.amount(inner, f"{here}/Amt", field)
                if inner is not None
                else self.amount(found, here, field)
            )
            total = value if total is None else _add(total, value, here, field)
        return total

    def date(self, el: ET.Element, path: str, at: str) -> dt.date | None:
        found = self.find(el, path)
        if found is None:
            return None
        for tag in ("Dt", "DtTm"):
            text = self.text(found, tag)
            if text:
                return _date(text, f"{at}/{path}/{tag}")
        text = (found.text or "").strip()
        return _date(text, f"{at}/{path}") if text else None

    def datetime(self, el: ET.Element, path: str, at: str) -> dt.datetime | None:
        text = self.text(el, path)
        if not text:
            return None
        try:
            if len(text) > 40 or not text.isascii():
                raise ValueError(text)
            return dt.datetime.fromisoformat(text)
        except ValueError:
            raise StatementFormatError(
                f"{shown(text)!r} is not an ISO date-time",
                location=f"{at}/{path}",
                field="date",
                value=shown(text),
            ) from None

    def debit_credit(self, el: ET.Element, at: str, default: str | None = None) -> int:
        code = self.text(el, "CdtDbtInd") or default
        if code == "CRDT":
            return 1
        if code == "DBIT":
            return -1
        raise StatementFormatError(
            f"CdtDbtInd must be CRDT or DBIT, not {shown(code)!r}",
            location=f"{at}/CdtDbtInd",
            field="CdtDbtInd",
            value=shown(code),
        )

    def party_name(self, el: ET.Element, party: str) -> str:
        return self.first_text(el, f"{party}/Nm", f"{party}/Pty/Nm")

    def account_id(self, el: ET.Element, path: str) -> str:
        return self.first_text(el, f"{path}/Id/IBAN", f"{path}/Id/Othr/Id")

    def bic(self, el: ET.Element, agent: str) -> str:
        """An agent's BIC (``BICFI`` since camt.053.001.03, ``BIC`` before), upper case."""
        return self.first_text(el, f"{agent}/FinInstnId/BICFI", f"{agent}/FinInstnId/BIC").upper()

    def country(self, el: ET.Element, party: str) -> str:
        """A party's country: its postal address's (``Pty/`` from version .08), else residence."""
        return self.first_text(
            el,
            f"{party}/PstlAdr/Ctry",
            f"{party}/Pty/PstlAdr/Ctry",
            f"{party}/CtryOfRes",
            f"{party}/Pty/CtryOfRes",
        )

    def bank_code(self, el: ET.Element) -> str:
        domain = self.text(el, "BkTxCd/Domn/Cd")
        family = self.text(el, "BkTxCd/Domn/Fmly/Cd")
        sub = self.text(el, "BkTxCd/Domn/Fmly/SubFmlyCd")
        if domain:
            return "/".join(part for part in (domain, family, sub) if part)
        return self.text(el, "BkTxCd/Prtry/Cd")

    # the document ------------------------------------------------------------------------------

    def statements(self, root: ET.Element, kind: str) -> tuple[Statement, ...]:
        message, item, fmt = _MESSAGES[kind]
        body = self.find(root, message)
        if body is None:
            raise StatementFormatError(f"{message} is missing", location=f"/Document/{message}")
        base = f"/Document/{message}"
        page = self.text(body, "GrpHdr/MsgPgntn/PgNb")
        paginated = self.text(body, "GrpHdr/MsgPgntn/LastPgInd").lower() in {"false", "0"} or (
            page not in {"", "1"}
        )
        result = []
        for i, stmt in enumerate(self.findall(body, item), 1):
            result.append(
                self.statement(stmt, f"{base}/{item}[{i}]", fmt, (page or "1") if paginated else "")
            )
        if not result:
            raise StatementFormatError(f"no {item} in the file", location=f"{base}/{item}")
        return tuple(result)

    def statement(self, stmt: ET.Element, at: str, fmt: StatementFormat, page: str) -> Statement:
        """One ``Stmt``/``Ntfctn``; ``page`` is the page number of a paginated message, else ''.

        Lines without a bank reference get ``<Id>[/p<page>]/<entry>[/<transaction>]`` ids.
        """
        statement_id = self.required(stmt, "Id", at)
        positional = f"{statement_id}/p{page}" if page else statement_id
        account = self.account_id(stmt, "Acct")
        opening, closing = self.balances(stmt, at)
        entries = self.findall(stmt, "Ntry")
        currency = self.statement_currency(stmt, at, opening or closing, entries)
        for name, balance in (("opening", opening), ("closing", closing)):
            if balance is not None and balance.currency.code != currency:
                raise StatementFormatError(
                    f"the {name} balance is in {balance.currency.code} but the account in "
                    f"{currency}",
                    location=f"{at}/Bal",
                    field="currency",
                    value=balance.currency.code,
                )
        read = self.entries(entries, at, positional, currency)
        if opening is not None and closing is not None:
            _check_balances(opening, closing, read.booked_total, at)
        if not page:
            self.check_summary(stmt, at, read.summary)
        created = self.datetime(stmt, "CreDtTm", at)
        from_dt = self.datetime(stmt, "FrToDt/FrDtTm", at)
        to_dt = self.datetime(stmt, "FrToDt/ToDtTm", at)
        return Statement(
            statement_id=statement_id,
            account=account,
            currency=currency,
            lines=tuple(unique_ids(read.lines)),
            opening_balance=opening,
            closing_balance=closing,
            created=created,
            format=fmt,
            sequence_number=self.first_text(stmt, "ElctrncSeqNb", "LglSeqNb"),
            from_date=from_dt.date() if from_dt else None,
            to_date=to_dt.date() if to_dt else None,
        )

    def statement_currency(
        self, stmt: ET.Element, at: str, balance: Money | None, entries: list[ET.Element]
    ) -> str:
        """The account's currency (upper case): ``Acct/Ccy``, else a balance's, else the first
        entry's."""
        currency = self.text(stmt, "Acct/Ccy")
        if not currency:
            if balance is not None:
                currency = balance.currency.code
            elif entries:
                currency = entries[0].get("Ccy", "") or self.find_ccy(entries[0])
        if not currency:
            raise StatementFormatError(
                "the account's currency is given nowhere (Acct/Ccy, Bal, Ntry)",
                location=f"{at}/Acct/Ccy",
            )
        return currency.upper()

    def entries(
        self, entries: list[ET.Element], at: str, statement_id: str, currency: str
    ) -> _EntriesRead:
        """The statement's entries as payments, counted for the summary and the balances."""
        read = _EntriesRead()
        for n, entry in enumerate(entries, 1):
            entry_at = f"{at}/Ntry[{n}]"
            payments = self.entry(entry, entry_at, statement_id, n)
            entry_ccy = payments[0].amount.currency.code
            if entry_ccy != currency:
                raise StatementFormatError(
                    f"the entry is in {entry_ccy} but the account in {currency}",
                    location=f"{entry_at}/Amt",
                    value=entry_ccy,
                )
            read.add(payments, entry_at)
        return read

    def check_summary(self, stmt: ET.Element, at: str, summary: _Summary) -> None:
        """Compare ``TxsSummry`` (counts, sums, net amount) with the entries read.

        ``Sum`` is the sum of the entries' (unsigned) amounts, the net amount credits minus
        debits; every entry counts, booked or not, as every entry is in the report.
        """
        root = self.find(stmt, "TxsSummry")
        if root is None:
            return
        base = f"{at}/TxsSummry"
        parts = (
            ("TtlNtries", "entries", summary.count, summary.total),
            ("TtlCdtNtries", "credit entries", summary.credits, summary.credit_total),
            ("TtlDbtNtries", "debit entries", summary.debits, summary.debit_total),
        )
        for tag, what, count, total in parts:
            here = f"{base}/{tag}"
            found = self.text(root, f"{tag}/NbOfNtries")
            if found:
                stated = integer_text(found, location=f"{here}/NbOfNtries", field="NbOfNtries")
                if stated != count:
                    raise StatementFormatError(
                        f"the summary counts {stated} {what} but the statement has {count}",
                        location=f"{here}/NbOfNtries",
                        field="NbOfNtries",
                        value=found,
                    )
            stated_sum = self.number(root, f"{tag}/Sum", base, "Sum")
            if stated_sum is not None and stated_sum != total:
                raise StatementFormatError(
                    f"the summary gives {stated_sum} as the sum of the {what} but they add up "
                    f"to {total}",
                    location=f"{here}/Sum",
                    field="Sum",
                    value=str(stated_sum),
                )
        net_at, net_text = "TtlNtries/TtlNetNtry/Amt", "TtlNtries/TtlNetNtry"
        if self.find(root, net_at) is None:  # .02: TtlNetNtryAmt and CdtDbtInd in TtlNtries
            net_at, net_text = "TtlNtries/TtlNetNtryAmt", "TtlNtries"
        net = self.number(root, net_at, base, "TtlNetNtry")
        if net is not None:
            holder = self.find(root, net_text)
            assert holder is not None
            sign = self.debit_credit(holder, f"{base}/{net_text}", default="CRDT")
            stated_net = net if sign > 0 else -net
            if stated_net != summary.net:
                raise StatementFormatError(
                    f"the summary gives {stated_net} as the net of the entries but they add up "
                    f"to {summary.net}",
                    location=f"{base}/{net_at}",
                    field="TtlNetNtry",
                    value=str(stated_net),
                )

    def find_ccy(self, entry: ET.Element) -> str:
        amt = self.find(entry, "Amt")
        return "" if amt is None else amt.get("Ccy", "")

    def balances(self, stmt: ET.Element, at: str) -> tuple[Money | None, Money | None]:
        found: dict[str, Money] = {}
        for i, bal in enumerate(self.findall(stmt, "Bal"), 1):
            here = f"{at}/Bal[{i}]"
            code = self.first_text(bal, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
            amt = self.find(bal, "Amt")
            if amt is None:
                raise StatementFormatError("Amt is missing", location=f"{here}/Amt")
            value = self.amount(amt, f"{here}/Amt", "balance")
            sign = self.debit_credit(bal, here)
            found.setdefault(code, value if sign > 0 else -value)
        opening = next((found[c] for c in _OPENING if c in found), None)
        closing = next((found[c] for c in _CLOSING if c in found), None)
        return opening, closing

    def entry(self, entry: ET.Element, at: str, statement_id: str, n: int) -> list[Payment]:
        """One ``Ntry`` as its payments: one per transaction (``TxDtls``), or the entry itself
        when it details none."""
        head = self.entry_head(entry, at)
        # AcctSvcrRef is unique at the bank; NtryRef only within the statement, so not an id.
        entry_ref = self.text(entry, "AcctSvcrRef")
        entry_code = self.bank_code(entry)
        entry_text = self.text(entry, "AddtlNtryInf")
        txs = [
            _Tx(tx, f"{at}/NtryDtls[{d}]/TxDtls[{t}]")
            for d, details in enumerate(self.findall(entry, "NtryDtls"), 1)
            for t, tx in enumerate(self.findall(details, "TxDtls"), 1)
        ]
        if not txs:
            return [
                Payment(
                    payment_id=entry_ref or f"{statement_id}/{n}",
                    amount=head.amount,
                    remittance_info=entry_text,
                    bank_transaction_code=entry_code,
                    bank_reference=entry_ref,
                    instructed_amount=self.amount_at(
                        entry, "AmtDtls/InstdAmt/Amt", at, "instructed amount"
                    ),
                    charges=self.charges(entry, at),
                    value_date=head.value_date,
                    booking_date=head.booking_date,
                    booked=head.booked,
                    is_reversal=head.is_reversal,
                )
            ]
        amounts = self.tx_amounts(txs, head, at)
        single = len(txs) == 1
        payments = []
        for k, (tx, tx_amount) in enumerate(zip(txs, amounts, strict=True), 1):
            tx_ref = self.text(tx.element, "Refs/AcctSvcrRef")
            if tx_ref:
                payment_id = tx_ref
            elif entry_ref:
                payment_id = entry_ref if single else f"{entry_ref}/{k}"
            else:
                payment_id = f"{statement_id}/{n}" if single else f"{statement_id}/{n}/{k}"
            payments.append(
                self.transaction(
                    tx.element,
                    tx.at,
                    payment_id=payment_id,
                    amount=tx_amount,
                    incoming=tx_amount.amount >= 0,
                    bank_code=self.bank_code(tx.element) or entry_code,
                    bank_reference=tx_ref or entry_ref,
                    fallback_text=entry_text,
                    head=head,
                    entry=_Tx(entry, at) if single else None,
                )
            )
        return payments

    def entry_head(self, entry: ET.Element, at: str) -> _EntryHead:
        """What an entry says of all its payments: the signed amount, status and dates."""
        amt_el = self.find(entry, "Amt")
        if amt_el is None:
            raise StatementFormatError("Amt is missing", location=f"{at}/Amt")
        amount = self.amount(amt_el, f"{at}/Amt")
        sign = self.debit_credit(entry, at)
        status = self.first_text(entry, "Sts/Cd", "Sts", "Sts/Prtry")
        reversal = self.text(entry, "RvslInd").lower() in {"true", "1"}
        booking = self.date(entry, "BookgDt", at)
        value = self.date(entry, "ValDt", at) or booking
        if value is None:
            raise StatementFormatError(
                "the entry has neither a value date nor a booking date", location=f"{at}/ValDt"
            )
        return _EntryHead(
            amount=amount if sign > 0 else -amount,
            sign=sign,
            value_date=value,
            booking_date=booking,
            booked=status in {"", "BOOK"},
            is_reversal=reversal,
        )

    def tx_amounts(self, txs: list[_Tx], head: _EntryHead, at: str) -> list[Money]:
        """Each transaction's signed amount: a single one's is the entry's; a batch's are its
        own and must add up to the entry's."""
        if len(txs) == 1:
            return [head.amount]
        amounts = [self.tx_amount(tx.element, tx.at, head.sign) for tx in txs]
        total = amounts[0]
        for a in amounts[1:]:
            total = _add(total, a, at)
        if total != head.amount:
            raise StatementFormatError(
                f"the batch's {len(txs)} transactions add up to {total.amount}, "
                f"not the entry's {head.amount.amount}",
                location=f"{at}/Amt",
                value=str(head.amount.amount),
            )
        return amounts

    def tx_amount(self, tx: ET.Element, at: str, entry_sign: int) -> Money:
        amt = self.find(tx, "Amt")
        here = f"{at}/Amt"
        if amt is None:
            amt = self.find(tx, "AmtDtls/TxAmt/Amt")
            here = f"{at}/AmtDtls/TxAmt/Amt"
        if amt is None:
            raise StatementFormatError(
                "a transaction of a batched entry has no amount (Amt or AmtDtls/TxAmt)",
                location=f"{at}/Amt",
            )
        value = self.amount(amt, here)
        sign = self.debit_credit(tx, at, default="CRDT" if entry_sign > 0 else "DBIT")
        return value if sign > 0 else -value

    def transaction(
        self,
        tx: ET.Element,
        at: str,
        *,
        payment_id: str,
        amount: Money,
        incoming: bool,
        bank_code: str,
        bank_reference: str,
        fallback_text: str,
        head: _EntryHead,
        entry: _Tx | None = None,
    ) -> Payment:
        """One ``TxDtls`` as a payment; ``entry`` (a single transaction's entry and path) is
        where amount details and charges are looked up when the transaction has none."""
        end_to_end = self.text(tx, "Refs/EndToEndId")
        if end_to_end.upper() == "NOTPROVIDED":
            end_to_end = ""
        party, account = ("Dbtr", "DbtrAcct") if incoming else ("Cdtr", "CdtrAcct")
        ultimate = "UltmtDbtr" if incoming else "UltmtCdtr"
        other, other_account = ("Cdtr", "CdtrAcct") if incoming else ("Dbtr", "DbtrAcct")
        payer = self.party_name(tx, f"RltdPties/{party}") or self.party_name(
            tx, f"RltdPties/{other}"
        )
        payer_account = self.account_id(tx, f"RltdPties/{account}") or self.account_id(
            tx, f"RltdPties/{other_account}"
        )
        ultimate_name = self.party_name(tx, f"RltdPties/{ultimate}")
        agent, other_agent = ("DbtrAgt", "CdtrAgt") if incoming else ("CdtrAgt", "DbtrAgt")
        payer_bic = self.bic(tx, f"RltdAgts/{agent}") or self.bic(tx, f"RltdAgts/{other_agent}")
        country = self.country(tx, f"RltdPties/{party}") or self.country(tx, f"RltdPties/{other}")
        texts, documents, creditor_ref = self.remittance(tx, at)
        text = _join_texts(texts) or self.text(tx, "AddtlTxInf") or fallback_text
        instructed = self.amount_at(tx, "AmtDtls/InstdAmt/Amt", at, "instructed amount")
        charges = self.charges(tx, at)
        if entry is not None:
            entry_el, entry_at = entry.element, entry.at
            if instructed is None:
                instructed = self.amount_at(
                    entry_el, "AmtDtls/InstdAmt/Amt", entry_at, "instructed amount"
                )
            if charges is None:
                charges = self.charges(entry_el, entry_at)
        return Payment(
            payment_id=payment_id,
            amount=amount,
            payer_name=payer,
            payer_account=payer_account,
            reference=creditor_ref or end_to_end,
            remittance_info=text,
            documents=documents,
            end_to_end_id=end_to_end,
            creditor_reference=creditor_ref,
            bank_transaction_code=bank_code,
            bank_reference=bank_reference,
            instructed_amount=instructed,
            charges=charges,
            ultimate_payer_name=ultimate_name,
            payer_bic=payer_bic,
            payer_country=payer_country(country, payer_account),
            value_date=head.value_date,
            booking_date=head.booking_date,
            booked=head.booked,
            is_reversal=head.is_reversal,
        )

    def charges(self, tx: ET.Element, at: str) -> Money | None:
        total = self.amount_at(tx, "Chrgs/TtlChrgsAndTaxAmt", at, "charges")
        if total is not None:
            return total
        records = self.sum_amounts(tx, "Chrgs/Rcrd", at, "charges")
        if records is not None:
            return records
        return self.sum_amounts(tx, "Chrgs", at, "charges")  # .02: Chrgs repeats with Amt

    def remittance(
        self, tx: ET.Element, at: str
    ) -> tuple[list[str], tuple[RemittanceDocument, ...], str]:
        rmt = self.find(tx, "RmtInf")
        if rmt is None:
            return [], (), ""
        rmt_at = f"{at}/RmtInf"
        texts = [t for u in self.findall(rmt, "Ustrd") if (t := u.text or "").strip()]
        documents: list[RemittanceDocument] = []
        creditor_ref = ""
        for s, strd in enumerate(self.findall(rmt, "Strd"), 1):
            strd_at = f"{rmt_at}/Strd[{s}]"
            ref = self.text(strd, "CdtrRefInf/Ref")
            invoicee = self.party_name(strd, "Invcee")
            creditor_ref = creditor_ref or ref
            texts.extend(
                t for a in self.findall(strd, "AddtlRmtInf") if (t := (a.text or "").strip())
            )
            block = self.remitted_amounts(strd, "RfrdDocAmt", strd_at)
            infos = self.findall(strd, "RfrdDocInf")
            if not infos:
                if ref or block:
                    documents.append(
                        RemittanceDocument(
                            number="", creditor_reference=ref, invoicee_name=invoicee, **block
                        )
                    )
                continue
            for d, info in enumerate(infos, 1):
                info_at = f"{strd_at}/RfrdDocInf[{d}]"
                if len(infos) == 1:
                    amounts = block
                else:  # several documents in one block: per-document line amounts (.07+)
                    lines = self.findall(info, "LineDtls")
                    amounts = (
                        self.remitted_amounts(lines[0], "Amt", f"{info_at}/LineDtls[1]")
                        if len(lines) == 1
                        else {}
                    )
                doc_type = self.first_text(info, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry")
                documents.append(
                    RemittanceDocument(
                        number=self.text(info, "Nb"),
                        document_type=doc_type,
                        is_credit_note=doc_type.upper() in _CREDIT_NOTE_TYPES,
                        document_date=self.date(info, "RltdDt", info_at),
                        creditor_reference=ref,
                        invoicee_name=invoicee,
                        **amounts,
                    )
                )
        return texts, tuple(documents), creditor_ref

    def remitted_amounts(self, parent: ET.Element, path: str, at: str) -> dict[str, Any]:
        el = self.find(parent, path)
        if el is None:
            return {}
        here = f"{at}/{path}"
        adjustments = []
        for i, adj in enumerate(self.findall(el, "AdjstmntAmtAndRsn"), 1):
            adj_at = f"{here}/AdjstmntAmtAndRsn[{i}]"
            amt = self.find(adj, "Amt")
            if amt is None:
                raise StatementFormatError("Amt is missing", location=f"{adj_at}/Amt")
            direction = self.text(adj, "CdtDbtInd")
            if direction not in {"", "CRDT", "DBIT"}:
                raise StatementFormatError(
                    f"CdtDbtInd must be CRDT or DBIT, not {direction!r}",
                    location=f"{adj_at}/CdtDbtInd",
                    value=direction,
                )
            adjustments.append(
                Adjustment(
                    amount=self.amount(amt, f"{adj_at}/Amt", "adjustment"),
                    reason=self.text(adj, "Rsn"),
                    additional_info=self.text(adj, "AddtlInf"),
                    increases=direction == "CRDT",
                )
            )
        net: Money | None = None
        for a in adjustments:
            net = a.deduction if net is None else _add(net, a.deduction, here)
        reason = next((a.reason for a in adjustments if a.reason), None)
        values: dict[str, Any] = {
            "amount_due": self.amount_at(el, "DuePyblAmt", here, "due amount"),
            "discount": self.sum_amounts(el, "DscntApldAmt", here, "discount"),
            "credit_note_amount": self.amount_at(el, "CdtNoteAmt", here, "credit note amount"),
            "amount_paid": self.amount_at(el, "RmtdAmt", here, "remitted amount"),
            "adjustment": net,
            "adjustment_reason": reason,
            "adjustments": tuple(adjustments),
        }
        return {k: v for k, v in values.items() if v not in (None, ())}


def _read(source: Source, kind: str) -> tuple[Statement, ...]:
    root = _parse_xml(source)
    match = _NAMESPACE.match(root.tag)
    if match is None:
        raise StatementFormatError(
            f"the root element {root.tag!r} is not a camt Document "
            "(namespace urn:iso:std:iso:20022:tech:xsd:camt.05x.001.0N)",
            location="/" + root.tag.rpartition("}")[2],
            value=root.tag,
        )
    message, version = match.group(1), int(match.group(2))
    if message != kind:
        hint = f"; use read_camt{message}" if message in _MESSAGES else ""
        raise StatementFormatError(
            f"this is a camt.{message} file, not camt.{kind}{hint}",
            location="/Document",
            value=message,
        )
    if version not in SUPPORTED_VERSIONS:
        raise StatementFormatError(
            f"camt.{kind}.001.{version:02d} is not supported: versions .02 to .08 are",
            location="/Document",
            value=version,
        )
    ns = root.tag[1:].partition("}")[0]
    return _Reader(ns).statements(root, kind)


#: The length of an ``Ustrd``: a piece this long was cut by the bank, maybe inside a word.
_USTRD_WIDTH = 140


def _join_texts(pieces: list[str]) -> str:
    """Remittance pieces as one text: a full-width ``Ustrd`` goes on without a space."""
    out: list[str] = []
    for i, piece in enumerate(pieces):
        if i and len(pieces[i - 1]) < _USTRD_WIDTH:
            out.append(" ")
        out.append(piece)
    return " ".join("".join(out).split())


def _date(text: str, at: str) -> dt.date:
    try:
        if len(text) > 40 or not text.isascii():
            raise ValueError(text)
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise StatementFormatError(
            f"{shown(text)!r} is not an ISO date", location=at, field="date", value=shown(text)
        ) from None


class _Tx(NamedTuple):
    """An element (a ``TxDtls``, or the entry of a single transaction) and its path."""

    element: ET.Element
    at: str


class _EntryHead(NamedTuple):
    """What an entry says of all its payments."""

    #: The entry's amount, negative for a debit.
    amount: Money
    #: 1 for a credit, -1 for a debit: a batch's transactions default to it.
    sign: int
    value_date: dt.date
    booking_date: dt.date | None
    booked: bool
    is_reversal: bool


class _EntriesRead:
    """A statement's entries read so far: their payments, the summary's counts and the booked
    total the balances must agree with."""

    __slots__ = ("booked_total", "lines", "summary")

    def __init__(self) -> None:
        self.lines: list[Payment] = []
        self.summary = _Summary()
        self.booked_total: Money | None = None

    def add(self, payments: list[Payment], at: str) -> None:
        entry_total = payments[0].amount
        for p in payments[1:]:
            entry_total = _add(entry_total, p.amount, at)
        self.summary.add(entry_total.amount)
        for p in payments:
            if p.booked:
                self.booked_total = (
                    p.amount if self.booked_total is None else _add(self.booked_total, p.amount, at)
                )
        self.lines.extend(payments)


def _check_balances(opening: Money, closing: Money, booked: Money | None, at: str) -> None:
    """The opening balance plus the booked entries must be the closing balance."""
    moved = booked if booked is not None else zero(opening.currency)
    if opening + moved != closing:
        raise StatementFormatError(
            f"opening balance {opening.amount} plus the booked entries {moved.amount} "
            f"is not the closing balance {closing.amount}: the file is incomplete",
            location=f"{at}/Bal",
            value=str(closing.amount),
        )


class _Summary:
    """What ``TxsSummry`` states, counted from the entries: counts, unsigned sums, the net."""

    def __init__(self) -> None:
        self.credits = self.debits = 0
        self.credit_total = self.debit_total = Decimal(0)

    def add(self, signed: Decimal) -> None:
        if signed >= 0:
            self.credits += 1
            self.credit_total += signed
        else:
            self.debits += 1
            self.debit_total -= signed

    @property
    def count(self) -> int:
        return self.credits + self.debits

    @property
    def total(self) -> Decimal:
        return self.credit_total + self.debit_total

    @property
    def net(self) -> Decimal:
        return self.credit_total - self.debit_total


def _add(a: Money, b: Money, at: str, field: str = "amount") -> Money:
    if a.currency != b.currency:
        raise StatementFormatError(
            f"{field}: {a.currency.code} and {b.currency.code} amounts in one total",
            location=at,
            field=field,
            value=b.currency.code,
        )
    return a + b
