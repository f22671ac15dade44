"""SWIFT MT940 customer statement reader (with the ``:86:`` information to account owner).

Each message (from ``:20:`` to ``:62F:``/``:62M:``) is one statement; each ``:61:`` statement
line one :class:`~o2c.statement.Payment`.  The ``:61:`` line is decomposed with the pattern of
the maintained ``mt-940`` package (extra ``bank``), which knows the banks' variants; the rest
(signs, exact amounts, balances, ``:86:``) is read here so that every problem has its line.

Signs: ``C`` credit and ``RD`` (reversal of a debit) are positive, ``D`` debit and ``RC``
(reversal of a credit) negative; reversals are flagged.  ``:86:`` comes in three shapes, all
recognised:

* German structured (``166?00GUTSCHRIFT?20...?29?30BIC?31IBAN?32NAME``): ``?20``-``?29`` are the
  purpose, with SEPA keywords (``EREF+``, ``KREF+``, ``MREF+``, ``SVWZ+``, ``ABWA+`` ...);
* slash keywords (``/EREF/.../REMI/USTD//.../CNTP/IBAN/BIC/NAME/...``, ``/NAME/``, ``/IBAN/``);
* free text.

Sub-fields and ``:86:`` lines are joined without a space where the previous piece fills its
whole width (27 and 65 characters: the bank wrapped a word), with a space otherwise.  The lines
of a German ``:86:`` are positional: a blank at the end of a 65-character line is part of the
sub-field it falls in, so trailing blanks are kept when the lines are joined.  The statement
must balance (opening + lines = closing), so a truncated file is refused.

>>> text = '''{4:
... :20:STMT-0302
... :25:DE89370400440532013000
... :28C:61/1
... :60F:C260301EUR1000,00
... :61:2603020302C250,00NTRFNONREF//BANKREF-1
... :86:166?00GUTSCHRIFT?20EREF+E2E-77?21SVWZ+RE 4711?32ACME GMBH
... :62F:C260302EUR1250,00
... -}'''
>>> st = read_mt940(text)
>>> p = st.lines[0]
>>> p.amount, p.payer_name, p.remittance_info, p.end_to_end_id, p.bank_transaction_code
(Money('250.00', 'EUR'), 'ACME GMBH', 'RE 4711', 'E2E-77', '166')
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from typing import Any

import attrs
from moneyed import Money

from o2c.adapters import require
from o2c.adapters._bank import (
    Source,
    creditor_reference,
    decimal_text,
    exact_money,
    is_digits,
    only_statement,
    payer_country,
    read_text,
    shown,
    unique_ids,
)
from o2c.errors import StatementFormatError
from o2c.money import zero
from o2c.statement import Payment, Statement, StatementFormat

__all__ = ["read_mt940", "read_mt940_statements"]

_TAG = re.compile(r"^:(?P<tag>[0-9]{2}[A-Z]?|NS):(?P<value>.*)$")
_KNOWN_TAGS = frozenset(
    {"20", "21", "25", "28", "28C", "60F", "60M", "61", "86", "62F", "62M", "64", "65", "NS"}
    | {"13D", "34F", "90D", "90C"}
)
_BALANCE = re.compile(
    r"^(?P<mark>[CD])(?P<date>[0-9]{6})(?P<ccy>[A-Z]{3})(?P<amount>[0-9]+,[0-9]*)$"
)
_AMOUNT = re.compile(r"^[0-9]+,[0-9]*$")
_GERMAN = re.compile(r"^(?P<gvc>[0-9]{3})(?=\?[0-9]{2})")
_SUBFIELD = re.compile(r"\?([0-9]{2})")
_SEPA = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC |PURP|COAM|OAMT)\+")
_SLASH_KEYS = (
    "TRTP|TRCD|EREF|KREF|MARF|CSID|CNTP|REMI|PURP|ORDP|BENM|ULTC|ULTD|ULTB|IBAN|BIC|NAME|"
    "ADDR|ID|ISDT|RTRN|PREF|BUSP|EXCH|OCMT|CHGS|SVCL"
)
_SLASH = re.compile(rf"/({_SLASH_KEYS})/")
_SUBFIELD_WIDTH = 27
_LINE_WIDTH = 65
#: The longest ``:61:`` value read (the field is about 100 characters; some banks send long
#: supplementary details): a longer one is refused before the statement-line pattern runs.
_MAX_STATEMENT_LINE = 1000


def read_mt940(source: Source, *, encoding: str = "utf-8") -> Statement:
    """Read an MT940 file holding one statement (one ``:20:`` ... ``:62F:`` message).

    Args:
        source: a ``pathlib.Path``, the content as ``bytes`` or ``str``, or an open file.
        encoding: the encoding of ``bytes`` content (MT940 files are often ``latin-1``).

    Raises:
        StatementFormatError: for a malformed or unbalanced message (at its line), or a file
            with several statements (use :func:`read_mt940_statements`).
        MissingExtraError: when ``mt-940`` (extra ``bank``) is not installed.
    """
    return only_statement(
        read_mt940_statements(source, encoding=encoding),
        what="statements",
        plural="read_mt940_statements",
        location="line 1",
    )


def read_mt940_statements(source: Source, *, encoding: str = "utf-8") -> tuple[Statement, ...]:
    """Read every statement (message) of an MT940 file, in file order."""
    text = read_text(source, encoding)
    messages = list(_messages(_tags(text)))
    if not messages:
        raise StatementFormatError("no :20: tag: this is not an MT940 file", location="line 1")
    return tuple(_statement(m) for m in messages)


@attrs.frozen(eq=False)
class _Tag:
    name: str
    #: The value's lines joined with newlines, each without its trailing blanks.
    value: str
    line: int
    #: The value's lines as written, trailing blanks kept (``:86:`` lines are positional).
    pieces: tuple[str, ...]

    @classmethod
    def of(cls, name: str, line: int, pieces: list[str]) -> _Tag:
        return cls(name, "\n".join(p.rstrip() for p in pieces), line, tuple(pieces))


def _tags(text: str) -> Iterator[_Tag]:
    """The tags of the file with their line numbers; envelope blocks and preambles skipped."""
    current: list[Any] | None = None  # [name, line, pieces]
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        line = raw
        if "{4:" in line:
            line = line.split("{4:", 1)[1]
        stripped = line.strip()
        ends = stripped == "-" or stripped.startswith("-}")
        if ends or stripped.startswith("{"):
            if current is not None:
                yield _Tag.of(current[0], current[1], current[2])
                current = None
            if ends:
                yield _Tag("-", "", number, ())
            continue
        match = _TAG.match(line)
        if match:
            if current is not None:
                yield _Tag.of(current[0], current[1], current[2])
            tag = match.group("tag")
            if tag not in _KNOWN_TAGS:
                raise StatementFormatError(
                    f"unknown MT940 tag :{tag}:", location=f"line {number}", value=tag
                )
            current = [tag, number, [match.group("value")]]
        elif current is not None:
            if stripped:
                current[2].append(line)
        elif stripped:
            continue  # a bank's preamble before the first tag ("ABNANL2A", "940" ...)
    if current is not None:
        yield _Tag.of(current[0], current[1], current[2])


def _messages(tags: Iterator[_Tag]) -> Iterator[list[_Tag]]:
    message: list[_Tag] = []
    for tag in tags:
        if tag.name == "20" and message:
            yield message
            message = []
        if tag.name == "-":
            if message:
                yield message
            message = []
            continue
        if not message and tag.name != "20":
            raise StatementFormatError(
                f"tag :{tag.name}: before the message's :20:", location=f"line {tag.line}"
            )
        message.append(tag)
    if message:
        yield message


@lru_cache(maxsize=1)
def _statement_line_pattern() -> re.Pattern[str]:
    tags = require("mt940.tags", extra="bank", feature="reading MT940 files", package="mt-940")
    pattern: re.Pattern[str] = tags.Statement().re
    return pattern


def _one(message: list[_Tag], names: tuple[str, ...], what: str) -> _Tag:
    found = [t for t in message if t.name in names]
    if len(found) != 1:
        at = found[1].line if found else message[-1].line
        count = "no" if not found else str(len(found))
        raise StatementFormatError(
            f"the message has {count} {what} ({'/'.join(':' + n + ':' for n in names)}), "
            "needs exactly one",
            location=f"line {at}",
        )
    return found[0]


def _balance(tag: _Tag) -> tuple[Money, dt.date]:
    match = _BALANCE.match(tag.value.strip())
    if match is None:
        raise StatementFormatError(
            f":{tag.name}: {shown(tag.value)!r} is not a balance (C/D, YYMMDD, currency, amount)",
            location=f"line {tag.line}",
            field=tag.name,
            value=shown(tag.value),
        )
    at = f"line {tag.line}"
    amount = _decimal(match.group("amount"), at, "balance")
    value = exact_money(amount, match.group("ccy"), location=at, field="balance")
    return (value if match.group("mark") == "C" else -value), _yymmdd(match.group("date"), at)


def _decimal(text: str, at: str, field: str = "amount") -> Decimal:
    """An MT940 amount (``1234,5``: ASCII digits, one decimal comma) within the amount limit."""
    return decimal_text(text.replace(",", "."), location=at, field=field)


def _yymmdd(text: str, at: str) -> dt.date:
    try:
        if len(text) != 6 or not is_digits(text):
            raise ValueError(text)
        return dt.date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise StatementFormatError(
            f"{shown(text)!r} is not a date (YYMMDD)",
            location=at,
            field="date",
            value=shown(text),
        ) from None


def _statement(message: list[_Tag]) -> Statement:
    statement_id = message[0].value.strip()
    account_tag = _one(message, ("25",), "account")
    sequence_tag = _one(message, ("28C", "28"), "statement number")
    opening_tag = _one(message, ("60F", "60M"), "opening balance")
    closing_tag = _one(message, ("62F", "62M"), "closing balance")
    opening, opening_date = _balance(opening_tag)
    closing, closing_date = _balance(closing_tag)
    if opening.currency != closing.currency:
        raise StatementFormatError(
            f"the closing balance is in {closing.currency.code}, the opening one in "
            f"{opening.currency.code}",
            location=f"line {closing_tag.line}",
        )
    code = opening.currency.code
    sequence = sequence_tag.value.strip()
    account = account_tag.value.strip()
    lines: list[Payment] = []
    total = zero(code)
    index = next(i for i, t in enumerate(message) if t is closing_tag)
    for position, tag in enumerate(message):
        if tag.name != "61":
            continue
        if position > index:
            raise StatementFormatError(
                ":61: after the closing balance", location=f"line {tag.line}"
            )
        details = message[position + 1] if position + 1 < len(message) else None
        info = details if details is not None and details.name == "86" else None
        number = len(lines) + 1
        payment = _payment(tag, info, code, f"{account}/{closing_date:%Y%m%d}", number)
        total += payment.amount
        lines.append(payment)
    if opening + total != closing:
        raise StatementFormatError(
            f"opening balance {opening.amount} plus the lines {total.amount} is not the "
            f"closing balance {closing.amount}: the statement is incomplete",
            location=f"line {closing_tag.line}",
            value=str(closing.amount),
        )
    return Statement(
        statement_id=statement_id,
        account=account,
        currency=code,
        lines=tuple(unique_ids(lines)),
        opening_balance=opening,
        closing_balance=closing,
        format=StatementFormat.MT940,
        sequence_number=sequence,
        from_date=opening_date,
        to_date=closing_date,
    )


def _payment(tag: _Tag, info: _Tag | None, code: str, prefix: str, number: int) -> Payment:
    """The payment of a ``:61:`` line; its id is ``<account>/<statement date>/<bank ref or n>``."""
    at = f"line {tag.line}"
    too_long = len(tag.value) > _MAX_STATEMENT_LINE
    # Digits that are not ASCII ('²', '٣') would be read by the pattern's \d, or slip into
    # the reference: the SWIFT character set has none.
    foreign = not tag.value.isascii() and any(
        ch.isnumeric() and not ch.isascii() for ch in tag.value
    )
    match = None if too_long or foreign else _statement_line_pattern().match(tag.value)
    if match is None or not all(
        is_digits(match.group(g)) for g in ("year", "month", "day") if match.group(g)
    ):
        raise StatementFormatError(
            f":61: {shown(tag.value)!r} is not a statement line "
            "(YYMMDD[MMDD]C|D|RC|RD amount type reference[//bank reference])"
            + (f" of at most {_MAX_STATEMENT_LINE} characters" if too_long else ""),
            location=at,
            field="61",
            value=shown(tag.value),
        )
    groups = match.groupdict()
    mark = groups["status"].upper()
    amount_text = groups["amount"]
    if not _AMOUNT.match(amount_text):
        raise StatementFormatError(
            f":61: amount {amount_text!r} needs exactly one decimal comma",
            location=at,
            field="amount",
            value=amount_text,
        )
    amount = exact_money(_decimal(amount_text, at), code, location=at)
    negative = mark in {"D", "RC"}
    value_date = _yymmdd(groups["year"] + groups["month"] + groups["day"], at)
    booking = _entry_date(groups.get("entry_month"), groups.get("entry_day"), value_date, at)
    customer_ref = (groups.get("customer_reference") or "").strip()
    if customer_ref.upper() == "NONREF":
        customer_ref = ""
    bank_ref = (groups.get("bank_reference") or "").strip()
    type_code = (groups.get("id") or "").strip()
    fields = _details(info) if info is not None else {}
    end_to_end = fields.get("eref", "")
    if end_to_end.upper() == "NOTPROVIDED":
        end_to_end = ""
    creditor_ref = fields.get("creditor_reference", "") or next(
        (r for c in (fields.get("kref", ""), customer_ref) if (r := creditor_reference(c))), ""
    )
    text = fields.get("text", "")
    extra = (groups.get("extra_details") or "").strip()
    if not text and extra:
        text = extra
    stated = _slash_amounts(extra)
    stated.update((k, fields[k]) for k in ("OCMT", "CHGS") if k in fields)
    instructed = _stated_amount(stated.get("OCMT", ""), at, "OCMT")
    charges = _stated_amount(stated.get("CHGS", ""), at, "CHGS")
    account = fields.get("account", "")
    return Payment(
        payment_id=f"{prefix}/{bank_ref}"
        if bank_ref and bank_ref.upper() != "NONREF"
        else f"{prefix}/{number}",
        value_date=value_date,
        booking_date=booking,
        amount=-amount if negative else amount,
        payer_name=fields.get("name", ""),
        payer_account=account,
        reference=creditor_ref or end_to_end or fields.get("kref", "") or customer_ref,
        remittance_info=text,
        end_to_end_id=end_to_end,
        creditor_reference=creditor_ref,
        bank_transaction_code=fields.get("gvc", "") or type_code,
        bank_reference=bank_ref,
        ultimate_payer_name=fields.get("ultimate", ""),
        is_reversal=mark.startswith("R"),
        instructed_amount=instructed,
        charges=charges,
        payer_bic=fields.get("bic", ""),
        payer_country=payer_country("", account),
    )


#: A stated amount in the slash keywords ``/OCMT/`` (original amount) and ``/CHGS/`` (charges):
#: the currency and the amount with a decimal comma (``EUR2,50``).
_STATED_AMOUNT = re.compile(r"(?P<ccy>[A-Z]{3})(?P<amount>[0-9]+,[0-9]*)")
_SLASH_AMOUNT = re.compile(r"/(OCMT|CHGS)/([^/]*)")
#: A BIC (ISO 9362 form): German ``?30`` holds a bank code (BLZ) or a BIC, only the latter kept.
_BIC = re.compile(r"[A-Z]{6}[0-9A-Z]{2}(?:[0-9A-Z]{3})?")


def _slash_amounts(text: str) -> dict[str, str]:
    """``/OCMT/`` and ``/CHGS/`` in a ``:61:`` line's supplementary details."""
    return {m.group(1): m.group(2).strip() for m in _SLASH_AMOUNT.finditer(text)}


def _stated_amount(text: str, at: str, field: str) -> Money | None:
    """An ``/OCMT/`` or ``/CHGS/`` amount (``EUR2,50``), or ``None`` when not stated."""
    if not text:
        return None
    match = _STATED_AMOUNT.fullmatch(text.replace(" ", ""))
    if match is None:
        raise StatementFormatError(
            f"/{field}/ {shown(text)!r} is not a currency and an amount (EUR2,50)",
            location=at,
            field=field,
            value=shown(text),
        )
    return exact_money(_decimal(match["amount"], at, field), match["ccy"], location=at)


def _entry_date(month: str | None, day: str | None, value: dt.date, at: str) -> dt.date | None:
    if not month or not day or not month.strip() or not day.strip():
        return None
    if not is_digits(month + day):
        raise StatementFormatError(
            f"entry date {month}{day} is not a date (MMDD)", location=at, value=month + day
        )
    best: dt.date | None = None
    for year in (value.year - 1, value.year, value.year + 1):
        try:
            candidate = dt.date(year, int(month), int(day))
        except ValueError:
            continue
        if best is None or abs(candidate - value) < abs(best - value):
            best = candidate
    if best is None:
        raise StatementFormatError(
            f"entry date {month}{day} is not a date (MMDD)", location=at, value=month + day
        )
    return best


def _join(pieces: list[str], width: int) -> str:
    """Join wrapped pieces: no space after a piece that fills ``width`` (a wrapped word).

    A piece's trailing blanks count towards its width (they are part of the text).
    """
    out: list[str] = []
    for i, piece in enumerate(pieces):
        if i and len(pieces[i - 1]) < width:
            out.append(" ")
        out.append(piece)
    return " ".join("".join(out).split())


def _details(tag: _Tag) -> dict[str, str]:
    """The fields of an ``:86:`` (German ?-subfields, slash keywords, or free text)."""
    german = _GERMAN.match(tag.pieces[0]) if tag.pieces else None
    if german:
        return _german(tag)
    joined = _join(list(tag.pieces), _LINE_WIDTH)
    if _SLASH.search(joined):
        return _slash(joined)
    return {"text": joined}


def _german(tag: _Tag) -> dict[str, str]:
    raw = "".join(tag.pieces)  # sub-fields are self-delimiting; line breaks are wrapping
    gvc = raw[:3]
    parts = _SUBFIELD.split(raw[3:])
    fields: dict[str, list[str]] = {}
    for key, value in zip(parts[1::2], parts[2::2], strict=False):
        fields.setdefault(key, []).append(value)
    purpose_pieces = [v for k in (f"2{i}" for i in range(10)) for v in fields.get(k, [])]
    purpose_pieces += [v for k in ("60", "61", "62", "63") for v in fields.get(k, [])]
    purpose = _join(purpose_pieces, _SUBFIELD_WIDTH)
    result: dict[str, str] = {"gvc": gvc}
    sepa = _sepa(purpose)
    if sepa:
        result["text"] = sepa.get("SVWZ", "") or sepa.get("", "")
        result["eref"] = sepa.get("EREF", "")
        result["kref"] = sepa.get("KREF", "")
        result["ultimate"] = sepa.get("ABWA", "")
    else:
        result["text"] = purpose
    result["name"] = _join(fields.get("32", []) + fields.get("33", []), _SUBFIELD_WIDTH)
    result["account"] = "".join(fields.get("31", [])).strip()
    bank = "".join(fields.get("30", [])).strip().upper()
    result["bic"] = bank if _BIC.fullmatch(bank) else ""
    return result


def _sepa(purpose: str) -> dict[str, str]:
    """SEPA keywords (``EREF+``, ``SVWZ+`` ...) in a German purpose; text before them is ``''``."""
    matches = list(_SEPA.finditer(purpose))
    if not matches:
        return {}
    values: dict[str, str] = {}
    lead = purpose[: matches[0].start()].strip()
    if lead:
        values[""] = lead
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(purpose)
        values.setdefault(m.group(1).strip(), purpose[m.end() : end].strip())
    return values


def _slash(raw: str) -> dict[str, str]:
    """Slash keywords (``/EREF/x/REMI/USTD//text/CNTP/IBAN/BIC/NAME/CITY/``)."""
    matches = list(_SLASH.finditer(raw))
    values: dict[str, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(raw)
        values.setdefault(m.group(1), raw[m.end() : end].strip().strip("/").strip())
    result: dict[str, str] = {}
    remi = values.get("REMI", "")
    if remi.startswith("USTD/"):
        remi = remi[5:].lstrip("/")
    elif remi.startswith("STRD/"):
        parts = [p for p in remi[5:].split("/") if p]
        result["creditor_reference"] = parts[-1] if parts else ""
        remi = ""
    result["text"] = " ".join(remi.split())
    result["eref"] = values.get("EREF", "")
    result["kref"] = values.get("KREF", "")
    cntp = values.get("CNTP", "").split("/")
    result["account"] = values.get("IBAN", "") or (cntp[0] if cntp else "")
    result["name"] = values.get("NAME", "") or (cntp[2] if len(cntp) > 2 else "")
    result["gvc"] = values.get("TRCD", "")
    bic = (values.get("BIC", "") or (cntp[1] if len(cntp) > 1 else "")).strip().upper()
    result["bic"] = bic if _BIC.fullmatch(bic) else ""
    for key in ("OCMT", "CHGS"):
        if values.get(key):
            result[key] = values[key]
    return result
