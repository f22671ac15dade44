"""BAI2 (Cash Management Balance Reporting Specification, version 2) reader.

A BAI2 file holds groups (``02``) of accounts (``03``); each account becomes one
:class:`~o2c.statement.Statement` and each transaction detail (``16``) one
:class:`~o2c.statement.Payment`.  Continuation records (``88``) are joined to the record they
continue; the text of a ``16`` continued over ``88`` records is joined with a space (banks put
one remittance line per ``88``), except after a physical record that fills the physical record
length the ``01`` header declares (e.g. ``80``): the bank cut the text there, maybe inside a
word, so it goes on without a space.

Amounts are integers in the currency's minor unit (``150000`` USD is 1,500.00; JPY has none).
The sign of a ``16`` comes from its type code: the type-code table of the maintained ``bai2``
package (extra ``bank``) says credit or debit; bank-specific codes follow the ranges of the
specification (900-919 credit, 920-999 debit).  Non-monetary details (type code 890) are not
payments and are left out.  Account opening and closing ledger balances are the ``03`` summary
codes 010 and 015.

Every count and control total (``49``, ``98``, ``99``) is checked, so a truncated or edited
file is refused with the line of the first record that does not add up.  The parser is this
module's own (the ``bai2`` package's parser reports no line numbers and refuses bank-specific
type codes).

>>> text = '''01,BANKUS33,ACMECORP,260302,0800,F42,,,2/
... 02,ACMECORP,BANKUS33,1,260302,0800,USD,2/
... 03,0012345678,USD,010,1000000,,,015,1150000,,/
... 16,195,150000,0,BR-1,INV-1001,ACME CORP WIRE
... 88,INVOICE 1001 1500.00
... 49,2300000,4/
... 98,2300000,1,6/
... 99,2300000,1,8/'''
>>> st = read_bai2(text)
>>> p = st.lines[0]
>>> p.amount, p.reference, p.remittance_info, p.bank_transaction_code
(Money('1500.00', 'USD'), 'INV-1001', 'ACME CORP WIRE INVOICE 1001 1500.00', '195')
>>> st.opening_balance, st.closing_balance
(Money('10000.00', 'USD'), Money('11500.00', 'USD'))
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from moneyed import Money

from o2c.adapters import require
from o2c.adapters._bank import (
    Source,
    creditor_reference,
    integer_text,
    is_digits,
    only_statement,
    read_text,
    shown,
    unique_ids,
)
from o2c.errors import InvalidAmountError, StatementFormatError, UnknownCurrencyError
from o2c.money import currency, from_minor
from o2c.statement import Payment, Statement, StatementFormat

__all__ = ["read_bai2", "read_bai2_statements"]

_CODES = frozenset({"01", "02", "03", "16", "49", "88", "98", "99"})
_OPENING_LEDGER = "010"
_CLOSING_LEDGER = "015"
_NON_MONETARY = "890"
#: Group statuses whose groups must not be imported as payments (1 update, 3 correction are).
_NOT_PAYMENTS = {"2": "deletion", "4": "test only"}
#: Where ACH and wire texts name the originator; the name ends at the next ``KEY:`` / ``KEY=``.
_ORIGINATOR = re.compile(
    r"(?:ORIG CO NAME|ORIGINATOR|BY ORDER OF|B/O|ORG)\s*[:=]\s*(.+?)"
    r"(?=\s+(?:ORIG |DESC |CO ENTRY |ENTRY |IND |SEC )?"
    r"(?:ID|DATE|DESCR|NAME|REF|NO|TRACE|SEC|OBI|BNF|INFO|REMITTANCE)\s?[:=]|$)"
)


def read_bai2(source: Source, *, encoding: str = "utf-8") -> Statement:
    """Read a BAI2 file reporting one account.

    Args:
        source: a ``pathlib.Path``, the content as ``bytes`` or ``str``, or an open file.
        encoding: the encoding of ``bytes`` content.

    Raises:
        StatementFormatError: for a malformed file (at its line) or a file with several
            accounts (use :func:`read_bai2_statements`).
        MissingExtraError: when ``bai2`` (extra ``bank``) is not installed.
    """
    return only_statement(
        read_bai2_statements(source, encoding=encoding),
        what="accounts",
        plural="read_bai2_statements",
        location="line 1",
    )


def read_bai2_statements(source: Source, *, encoding: str = "utf-8") -> tuple[Statement, ...]:
    """Read every account (``03`` ... ``49``) of a BAI2 file as a statement, in file order."""
    text = read_text(source, encoding)
    return _Parser(list(_records(text))).file()


#: A logical record: code, first physical text, line, continuation texts, and the length of
#: each physical record (first included) as written, trailing blanks left out.
_Record = tuple[str, str, int, list[str], list[int]]


def _records(text: str) -> Iterator[_Record]:
    """The logical records of the file."""
    current: _Record | None = None
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        code, _, rest = line.partition(",")
        if code not in _CODES:
            raise StatementFormatError(
                f"{shown(code)!r} is not a BAI2 record code ({', '.join(sorted(_CODES))})",
                location=f"line {number}",
                field="record_code",
                value=shown(code),
            )
        if code == "88":
            if current is None:
                raise StatementFormatError(
                    "a continuation record (88) with nothing to continue",
                    location=f"line {number}",
                )
            current[3].append(rest)
            current[4].append(len(raw.rstrip()))
            continue
        if current is not None:
            yield current
        current = (code, rest, number, [], [len(raw.rstrip())])
    if current is not None:
        yield current


def _join_fields(first: str, continuations: list[str]) -> str:
    """Join a record's physical pieces: a piece ending in ``/`` ends a field."""
    out = [first]
    for piece in continuations:
        if out[-1].endswith("/"):
            out[-1] = out[-1][:-1]
            out.append(",")
        out.append(piece)
    return "".join(out).removesuffix("/")


def _join_detail(
    first: str, continuations: list[str], lengths: list[int], record_length: int | None
) -> str:
    """Join a ``16``'s pieces: after a ``/`` a new field starts, else the text goes on.

    The text goes on with a space, or without one after a physical record as long as the
    declared ``record_length`` (the bank cut the text at the record's end).
    """
    out = [first]
    previous = first
    for piece, length in zip(continuations, lengths, strict=False):
        if previous.endswith("/"):
            out[-1] = out[-1][:-1]
            out.append(",")
        elif previous and piece and (record_length is None or length < record_length):
            out.append(" ")
        out.append(piece)
        previous = piece
    return "".join(out)


@lru_cache(maxsize=1)
def _type_codes() -> dict[str, Any]:
    constants = require("bai2.constants", extra="bank", feature="reading BAI2 files")
    codes: dict[str, Any] = constants.TypeCodes
    return codes


def _direction(code: str, at: str) -> int:
    """+1 credit, -1 debit, 0 non-monetary."""
    known = _type_codes().get(code)
    if known is not None:
        kind = getattr(known.transaction, "value", None)
        level = getattr(known.level, "value", None)
        if kind == "credit":
            return 1
        if kind == "debit":
            return -1
        if kind == "misc":
            return 0
        raise StatementFormatError(
            f"type code {code} ({known.description}) is a {level} code, not a transaction",
            location=at,
            field="type_code",
            value=code,
        )
    if is_digits(code) and len(code) == 3:
        n = int(code)
        if 100 <= n <= 399 or 900 <= n <= 919:
            return 1
        if 400 <= n <= 699 or 920 <= n <= 999:
            return -1
    raise StatementFormatError(
        f"type code {shown(code)!r} is neither a known BAI2 detail code nor in a credit "
        "(100-399, 900-919) or debit (400-699, 920-999) range",
        location=at,
        field="type_code",
        value=shown(code),
    )


class _Parser:
    def __init__(self, records: list[_Record]) -> None:
        self.records = records
        self.pos = 0
        self.file_id = ""
        #: The physical record length the file header declares (None: not declared).
        self.record_length: int | None = None
        self.statements: list[Statement] = []

    # helpers --------------------------------------------------------------------------------

    def peek(self) -> str | None:
        return self.records[self.pos][0] if self.pos < len(self.records) else None

    def take(self, code: str, what: str) -> tuple[list[str], int, int]:
        if self.pos >= len(self.records):
            last = self.records[-1][2] + len(self.records[-1][3]) if self.records else 1
            raise StatementFormatError(
                f"the file ends before the {what} ({code}): it is truncated",
                location=f"line {last}",
            )
        got, first, line, more, _ = self.records[self.pos]
        if got != code:
            raise StatementFormatError(
                f"expected the {what} ({code}), found a {got} record",
                location=f"line {line}",
                value=got,
            )
        self.pos += 1
        return _join_fields(first, more).split(","), line, 1 + len(more)

    @staticmethod
    def integer(text: str, at: str, field: str, *, signed: bool = False) -> int:
        return integer_text(text.strip(), location=at, field=field, signed=signed)

    @staticmethod
    def money(units: int, code: str, at: str, field: str) -> Money:
        """``units`` minor units of ``code``, within the documented amount limit."""
        try:
            return from_minor(units, code)
        except InvalidAmountError as exc:
            raise StatementFormatError(
                f"{field}: {exc.message}", location=at, field=field, value=str(units)
            ) from None

    @staticmethod
    def date(text: str, at: str, field: str) -> dt.date:
        text = text.strip()
        try:
            if len(text) != 6 or not is_digits(text):
                raise ValueError(text)
            return dt.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
        except ValueError:
            raise StatementFormatError(
                f"{field} {shown(text)!r} is not a date (YYMMDD)",
                location=at,
                field=field,
                value=shown(text),
            ) from None

    @staticmethod
    def currency_code(text: str, default: str, at: str) -> str:
        code = text.strip().upper() or default
        try:
            return currency(code).code
        except UnknownCurrencyError:
            raise StatementFormatError(
                f"unknown currency code {shown(code)!r}",
                location=at,
                field="currency",
                value=shown(code),
            ) from None

    def check(self, expected: int, actual: int, what: str, at: str) -> None:
        if expected != actual:
            raise StatementFormatError(
                f"the {what} is {expected} but the records give {actual}: the file is "
                "truncated or edited",
                location=at,
                value=expected,
            )

    # structure ------------------------------------------------------------------------------

    def file(self) -> tuple[Statement, ...]:
        if not self.records:
            raise StatementFormatError("the file is empty", location="line 1")
        fields, line, count = self.take("01", "file header")
        at = f"line {line}"
        if len(fields) < 5:
            raise StatementFormatError("the file header has too few fields", location=at)
        self.date(fields[2], at, "creation date")
        self.file_id = fields[4].strip()
        length = fields[5].strip() if len(fields) > 5 else ""
        if length:
            self.record_length = self.integer(length, at, "physical record length")
        version = fields[7].strip() if len(fields) > 7 else ""
        if version not in {"", "2"}:
            raise StatementFormatError(
                f"version {version!r}: only BAI2 (version 2) is read", location=at, value=version
            )
        records, groups, total = count, 0, 0
        while self.peek() == "02":
            group_total, group_records = self.group()
            groups += 1
            total += group_total
            records += group_records
        fields, line, count = self.take("99", "file trailer")
        records += count
        at = f"line {line}"
        self.check(
            self.integer(fields[0], at, "file control total", signed=True),
            total,
            "file control total",
            at,
        )
        if len(fields) > 1 and fields[1].strip():
            self.check(
                self.integer(fields[1], at, "number of groups"), groups, "number of groups", at
            )
        if len(fields) > 2 and fields[2].strip():
            self.check(
                self.integer(fields[2], at, "number of records"), records, "number of records", at
            )
        if self.pos != len(self.records):
            raise StatementFormatError(
                "records after the file trailer (99)",
                location=f"line {self.records[self.pos][2]}",
            )
        return tuple(self.statements)

    def group(self) -> tuple[int, int]:
        fields, line, records = self.take("02", "group header")
        at = f"line {line}"
        if len(fields) < 4:
            raise StatementFormatError("the group header has too few fields", location=at)
        status = fields[2].strip()
        if status in _NOT_PAYMENTS:
            raise StatementFormatError(
                f"group status {status} ({_NOT_PAYMENTS[status]}): the group reports no payments "
                "to import",
                location=at,
                field="group_status",
                value=status,
            )
        as_of = self.date(fields[3], at, "as-of date")
        code = self.currency_code(fields[5] if len(fields) > 5 else "", "USD", at)
        accounts, total = 0, 0
        while self.peek() == "03":
            account_total, account_records = self.account(as_of, code)
            accounts += 1
            total += account_total
            records += account_records
        fields, line, count = self.take("98", "group trailer")
        records += count
        at = f"line {line}"
        self.check(
            self.integer(fields[0], at, "group control total", signed=True),
            total,
            "group control total",
            at,
        )
        if len(fields) > 1 and fields[1].strip():
            self.check(
                self.integer(fields[1], at, "number of accounts"),
                accounts,
                "number of accounts",
                at,
            )
        if len(fields) > 2 and fields[2].strip():
            self.check(
                self.integer(fields[2], at, "number of records"), records, "number of records", at
            )
        return total, records

    def account(self, as_of: dt.date, group_currency: str) -> tuple[int, int]:
        fields, line, records = self.take("03", "account identifier")
        at = f"line {line}"
        account = fields[0].strip()
        if not account:
            raise StatementFormatError("the account number is empty", location=at)
        code = self.currency_code(fields[1] if len(fields) > 1 else "", group_currency, at)
        total = 0
        balances: dict[str, Money] = {}
        summary = fields[2:]
        # The last field that is not empty: trailing empty fields hold nothing.
        end = len(summary)
        while end and not summary[end - 1].strip():
            end -= 1
        i = 0
        while i < end:
            type_code = summary[i].strip()
            amount_text = summary[i + 1].strip() if i + 1 < end else ""
            funds = summary[i + 3].strip().upper() if i + 3 < end else ""
            i += 4 + _availability_width(funds, summary[i + 4 : i + 5], at)
            if not type_code:
                continue
            if amount_text:
                field = f"amount of type code {shown(type_code)}"
                units = self.integer(amount_text, at, field, signed=True)
                total += units
                balances.setdefault(type_code, self.money(units, code, at, field))
        statement_id = f"{self.file_id}/{account}/{as_of:%Y%m%d}"
        lines: list[Payment] = []
        while self.peek() == "16":
            prefix = f"{account}/{as_of:%Y%m%d}"
            payment, units, count = self.detail(code, as_of, prefix, len(lines) + 1)
            total += units
            records += count
            if payment is not None:
                lines.append(payment)
        fields, line, count = self.take("49", "account trailer")
        records += count
        at = f"line {line}"
        self.check(
            self.integer(fields[0], at, "account control total", signed=True),
            total,
            "account control total",
            at,
        )
        if len(fields) > 1 and fields[1].strip():
            self.check(
                self.integer(fields[1], at, "number of records"), records, "number of records", at
            )
        self.statements.append(
            Statement(
                statement_id=statement_id,
                account=account,
                currency=code,
                lines=tuple(unique_ids(lines)),
                opening_balance=balances.get(_OPENING_LEDGER),
                closing_balance=balances.get(_CLOSING_LEDGER),
                format=StatementFormat.BAI2,
                from_date=as_of,
                to_date=as_of,
            )
        )
        return total, records

    def detail(
        self, code: str, as_of: dt.date, prefix: str, number: int
    ) -> tuple[Payment | None, int, int]:
        """The payment of a ``16``; its id is ``<account>/<as-of date>/<bank ref or n>``."""
        _, first, line, more, lengths = self.records[self.pos]
        self.pos += 1
        at = f"line {line}"
        text = _join_detail(first, more, lengths, self.record_length)
        head = text.split(",", 3)
        if len(head) < 3:
            raise StatementFormatError(
                "a transaction detail needs a type code, an amount and a funds type",
                location=at,
            )
        type_code = head[0].strip()
        units = self.integer(head[1], at, "amount") if head[1].strip() else 0
        funds = head[2].strip().upper()
        rest = head[3] if len(head) > 3 else ""
        value_date = as_of
        if funds == "V":
            parts = rest.split(",", 2)
            if len(parts) < 2:
                raise StatementFormatError("funds type V needs a value date and time", location=at)
            value_date = self.date(parts[0], at, "value date")
            rest = parts[2] if len(parts) > 2 else ""
        elif funds in {"S", "D"}:
            pieces = rest.split(",")
            width = _availability_width(funds, pieces[:1], at)
            rest = ",".join(pieces[width:])
        elif funds not in {"", "0", "1", "2", "Z"}:
            raise StatementFormatError(
                f"funds type {shown(funds)!r} is not 0, 1, 2, S, V, D or Z",
                location=at,
                field="funds_type",
                value=shown(funds),
            )
        refs = rest.split(",", 2)
        bank_ref = refs[0].strip() if refs else ""
        customer_ref = refs[1].strip() if len(refs) > 1 else ""
        remittance = refs[2].strip() if len(refs) > 2 else ""
        remittance = " ".join(remittance.removesuffix("/").split())
        direction = _direction(type_code, at)
        if direction == 0:
            return None, units, 1 + len(more)
        amount = self.money(units * direction, code, at, "amount")
        payment = Payment(
            payment_id=f"{prefix}/{bank_ref or number}",
            payer_name=_payer_name(remittance),
            value_date=value_date,
            booking_date=as_of,
            amount=amount,
            reference=customer_ref,
            creditor_reference=creditor_reference(customer_ref),
            remittance_info=remittance,
            bank_transaction_code=type_code,
            bank_reference=bank_ref,
        )
        return payment, units, 1 + len(more)


def _payer_name(text: str) -> str:
    """The originator a bank wrote into a detail's text (``ORIG CO NAME:``, ``B/O:``, ``ORG=``)."""
    match = _ORIGINATOR.search(text)
    return match.group(1).strip() if match else ""


def _availability_width(funds: str, rest: list[str], at: str) -> int:
    """How many fields the availability of funds type ``funds`` takes; ``rest`` starts with
    the first of them."""
    if funds == "S":
        return 3
    if funds == "V":
        return 2
    if funds == "D":
        count = rest[0].strip() if rest else ""
        if not is_digits(count) or len(count) > 6:
            raise StatementFormatError(
                f"funds type D needs the number of distributions, not {shown(count)!r}",
                location=at,
                field="funds_type",
                value=shown(count),
            )
        return 1 + 2 * int(count)
    return 0
