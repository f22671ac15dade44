"""What the bank-format readers share: reading a source, exact amounts, error locations.

Every reader takes the same ``source``: a :class:`pathlib.Path` (or any ``os.PathLike``) is a
file to read; ``bytes`` and ``str`` are the file's content; a binary or text file object is
read to its end.  A ``str`` is never taken for a file name (``Path("x.xml")`` is).

Whatever the bytes, a reader raises nothing but :class:`~o2c.errors.O2CError` (in practice
:class:`~o2c.errors.StatementFormatError`, naming the line or path): text is checked here once
(encoding, UTF-16/UTF-32 byte-order marks, NUL characters, lone surrogates), numbers and dates
are read from ASCII digits only (``'²'`` or ``'٣'`` are no digits of a bank file), and every
amount goes through the documented amount limit and the currency's minor unit.

>>> decimal_text("1234.50", location="line 3")
Decimal('1234.50')
>>> decimal_text("12٣.50", location="line 3")
Traceback (most recent call last):
...
o2c.errors.StatementFormatError: amount '12٣.50' is not a decimal number of ASCII digits ...
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, TypeAlias

import attrs
from moneyed import Money

from o2c._checks import shown
from o2c.errors import (
    InvalidAmountError,
    StatementFormatError,
    UnknownCurrencyError,
    ValidationError,
)
from o2c.invoice import references as rf
from o2c.money import check_amount, currency, minor_unit, minor_units, quantize_decimal
from o2c.statement import Payment, Statement, iban_country

__all__ = [
    "Source",
    "content_id",
    "creditor_reference",
    "decimal_text",
    "exact_money",
    "integer_text",
    "is_digits",
    "only_statement",
    "payer_country",
    "read_raw",
    "read_text",
    "shown",
    "unique_ids",
]

#: What every reader accepts: a path, the content as bytes or str, or an open file.
Source: TypeAlias = "str | bytes | bytearray | os.PathLike[str] | IO[bytes] | IO[str]"

#: Byte-order marks that say which encoding the bytes are in, longest first (UTF-32 LE starts
#: with the UTF-16 LE mark).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: A plain decimal number: ASCII digits, one optional point (no sign, exponent or grouping).
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+", re.ASCII)
#: The longest number text read as an amount or count (the amount limit is 25 digits).
_MAX_NUMBER = 40
#: How much of a long value an error message shows.


def read_raw(source: Source) -> bytes | str:
    """The content of ``source`` as given: bytes for paths, bytes and binary files; else str.

    Raises:
        TypeError: for anything that is not a source.
    """
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if isinstance(source, str):
        return source
    if isinstance(source, os.PathLike):
        with open(os.fspath(source), "rb") as fh:
            return fh.read()
    read = getattr(source, "read", None)
    if read is None:
        raise TypeError(
            f"source has type {type(source).__name__}: pass a pathlib.Path, bytes, str "
            "(the file's content) or an open file"
        )
    data = read()
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if isinstance(data, str):
        return data
    raise TypeError(f"source.read() returned {type(data).__name__}, not bytes or str")


def check_encoding(encoding: object, *, field: str = "encoding") -> str:
    """The codec name of ``encoding``, or a :class:`ValidationError` naming the option."""
    if not isinstance(encoding, str):
        raise ValidationError(
            f"{field}={encoding!r} must be the name of a text encoding (e.g. 'latin-1')",
            field=field,
            value=encoding,
        )
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ValidationError(
            f"{field}={shown(encoding)!r} is not a known text encoding (e.g. 'utf-8', 'latin-1')",
            field=field,
            value=shown(encoding),
        ) from None


def read_text(source: Source, encoding: str) -> str:
    """The content of ``source`` as text; bytes are decoded with ``encoding``.

    A byte-order mark decides the encoding of bytes that start with one (UTF-8, UTF-16 and
    UTF-32, little and big endian) and is dropped.  Text holding a NUL character (UTF-16 read
    as UTF-8, a binary file) or a lone surrogate is refused at its line.

    Raises:
        StatementFormatError: when the bytes are not valid in ``encoding`` (at the line), or the
            text holds a NUL character or a lone surrogate.
        ValidationError: for an unknown ``encoding``.
    """
    codec = check_encoding(encoding)
    raw = read_raw(source)
    if isinstance(raw, str):
        text = raw.removeprefix("\ufeff")
    else:
        for bom, name in _BOMS:
            if raw.startswith(bom):
                codec = name
                break
        try:
            text = raw.decode(codec).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            hint = (
                "the file looks like UTF-16 without a byte-order mark (NUL bytes): pass "
                "encoding='utf-16-le' or 'utf-16-be'"
                if b"\x00" in raw[:4096]
                else "pass the file's encoding (e.g. encoding='latin-1')"
            )
            raise StatementFormatError(
                f"byte {raw[exc.start : exc.start + 1]!r} is not valid {encoding}: {hint}",
                location=f"line {line}",
                field="encoding",
                value=raw[exc.start : exc.start + 1],
            ) from None
    _check_characters(text)
    return text


def _check_characters(text: str) -> None:
    nul = text.find("\x00")
    if nul >= 0:
        raise StatementFormatError(
            "the text holds a NUL character: a binary file, or UTF-16/UTF-32 without a "
            "byte-order mark (pass encoding='utf-16-le' or the file's encoding)",
            location=f"line {text.count(chr(10), 0, nul) + 1}",
            field="encoding",
            value="\\x00",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StatementFormatError(
            f"the text holds a lone surrogate {text[exc.start]!r}, which is no character: "
            "decode the file with its encoding, or pass its bytes",
            location=f"line {text.count(chr(10), 0, exc.start) + 1}",
            field="encoding",
            value=repr(text[exc.start]),
        ) from None


def content_id(content: bytes | str) -> str:
    """A stable id for a file that carries none: 12 hex digits of its SHA-256."""
    data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()[:12]


def is_digits(text: str) -> bool:
    """Whether ``text`` is one or more ASCII digits (``str.isdigit`` also takes ``'²'``, ``'٣'``).

    >>> is_digits("0042"), is_digits("4²"), is_digits("٤٢"), is_digits("")
    (True, False, False, False)
    """
    return text.isascii() and text.isdigit()


def decimal_text(text: str, *, location: str, field: str = "amount") -> Decimal:
    """``text`` (ASCII digits with an optional ``.``, no sign) as a Decimal within the limit.

    Raises:
        StatementFormatError: for anything else, or an amount beyond the documented limit.
    """
    if len(text) > _MAX_NUMBER or not _DECIMAL.fullmatch(text):
        raise StatementFormatError(
            f"{field} {shown(text)!r} is not a decimal number of ASCII digits",
            location=location,
            field=field,
            value=shown(text),
        )
    return _limited(Decimal(text), location=location, field=field)


def integer_text(text: str, *, location: str, field: str, signed: bool = False) -> int:
    """``text`` (ASCII digits, a sign if ``signed``) as an int of at most 40 digits.

    Raises:
        StatementFormatError: for anything else.
    """
    body = text[1:] if signed and text[:1] in {"+", "-"} else text
    if len(body) > _MAX_NUMBER or not is_digits(body):
        raise StatementFormatError(
            f"{field} {shown(text)!r} is not {'an' if signed else 'an unsigned'} integer "
            f"of at most {_MAX_NUMBER} ASCII digits",
            location=location,
            field=field,
            value=shown(text),
        )
    return int(text)


def _limited(amount: Decimal, *, location: str, field: str) -> Decimal:
    try:
        return check_amount(amount, field=field)
    except InvalidAmountError as exc:
        raise StatementFormatError(
            exc.message, location=location, field=field, value=str(amount)
        ) from None


def exact_money(amount: Decimal, code: str, *, location: str, field: str = "amount") -> Money:
    """``amount`` in ``code`` at the currency's minor unit, refusing extra decimals.

    ``100.0`` EUR becomes ``100.00``; ``100.001`` EUR or ``10.5`` JPY are refused, never
    rounded; so is an amount beyond the documented limit (:func:`o2c.money.check_amount`).

    Raises:
        StatementFormatError: for an unknown currency, more decimals than it has, or an amount
            beyond the limit.
    """
    amount = _limited(amount, location=location, field=field)
    try:
        cur = currency(code)
    except UnknownCurrencyError:
        raise StatementFormatError(
            f"{field}: unknown currency code {shown(code)!r}",
            location=location,
            field=field,
            value=shown(code),
        ) from None
    step = minor_unit(cur)
    exact = quantize_decimal(amount, step)
    if exact != amount:
        raise StatementFormatError(
            f"{field}: {amount} {cur.code} has more decimals than the currency's "
            f"{minor_units(cur)}",
            location=location,
            field=field,
            value=str(amount),
        )
    return Money(exact, cur)


def creditor_reference(text: str) -> str:
    """``text`` as a compact ISO 11649 reference if it is a valid one, else ``""``.

    >>> creditor_reference("rf18 5390 0754 7034"), creditor_reference("INV-1001")
    ('RF18539007547034', '')
    """
    candidate = text.strip()
    if candidate[:2].upper() != "RF" or len(candidate) > 60 or not rf.is_valid(candidate):
        return ""
    return rf.compact(candidate)


_COUNTRY = re.compile(r"[A-Z]{2}")


def payer_country(stated: str, account: str) -> str:
    """The payer's country: ``stated`` (the file's ISO 3166 code) when it is two letters, else
    the country of ``account`` when that is a valid IBAN, else ``""``.

    >>> payer_country(" at ", "DE89370400440532013000"), payer_country("", "DE89370400440532013000")
    ('AT', 'DE')
    >>> payer_country("Austria", "12345678")
    ''
    """
    code = stated.strip().upper()
    if _COUNTRY.fullmatch(code):
        return code
    return iban_country(account) if account else ""


def unique_ids(lines: Iterable[Payment]) -> list[Payment]:
    """The lines with a repeated payment id made unique by a ``#2``, ``#3`` ... suffix.

    The suffix counts earlier lines only, so a line's id never depends on the lines after it.
    """
    seen: dict[str, int] = {}
    result = []
    for p in lines:
        count = seen.get(p.payment_id, 0) + 1
        seen[p.payment_id] = count
        result.append(p if count == 1 else attrs.evolve(p, payment_id=f"{p.payment_id}#{count}"))
    return result


def only_statement(
    statements: tuple[Statement, ...], *, what: str, plural: str, location: str
) -> Statement:
    """The one statement of a file read by a single-statement reader.

    Args:
        statements: what the file's plural reader returned.
        what: what the format calls one statement, plural (``"statements"``, ``"accounts"``).
        plural: the name of the reader that returns them all, named in the error.
        location: where in the file the error points.

    Raises:
        StatementFormatError: when the file holds none or several.
    """
    if len(statements) != 1:
        raise StatementFormatError(
            f"the file holds {len(statements)} {what}, not one: use {plural}()",
            location=location,
            value=len(statements),
        )
    return statements[0]
