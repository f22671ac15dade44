"""What the bank-format readers share: reading a source, exact amounts, error locations.

Every reader takes the same ``source``: a :class:`pathlib.Path` (or any ``os.PathLike``) is a
file to read; ``bytes`` and ``str`` are the file's content; a binary or text file object is
read to its end.  A ``str`` is never taken for a file name (``Path("x.xml")`` is).
"""

from __future__ import annotations

import codecs
import hashlib
import os
from decimal import Decimal
from typing import IO, TypeAlias

from moneyed import Money

from o2c import creditor_reference as rf
from o2c.errors import StatementFormatError, UnknownCurrencyError
from o2c.money import currency, minor_unit, minor_units, quantize_decimal

__all__ = ["Source", "content_id", "creditor_reference", "exact_money", "read_raw", "read_text"]

#: What every reader accepts: a path, the content as bytes or str, or an open file.
Source: TypeAlias = "str | bytes | bytearray | os.PathLike[str] | IO[bytes] | IO[str]"


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


def read_text(source: Source, encoding: str) -> str:
    """The content of ``source`` as text; bytes are decoded with ``encoding`` (a BOM is dropped).

    Raises:
        StatementFormatError: when the bytes are not valid in ``encoding`` (at the line).
    """
    raw = read_raw(source)
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    if codecs.lookup(encoding).name == "utf-8" and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise StatementFormatError(
            f"byte {raw[exc.start : exc.start + 1]!r} is not valid {encoding}: "
            "pass the file's encoding (e.g. encoding='latin-1')",
            location=f"line {line}",
            value=raw[exc.start : exc.start + 1],
        ) from None


def content_id(content: bytes | str) -> str:
    """A stable id for a file that carries none: 12 hex digits of its SHA-256."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()[:12]


def exact_money(amount: Decimal, code: str, *, location: str, field: str = "amount") -> Money:
    """``amount`` in ``code`` at the currency's minor unit, refusing extra decimals.

    ``100.0`` EUR becomes ``100.00``; ``100.001`` EUR or ``10.5`` JPY are refused.

    Raises:
        StatementFormatError: for an unknown currency or more decimals than it has.
    """
    try:
        cur = currency(code)
    except UnknownCurrencyError:
        raise StatementFormatError(
            f"{field}: unknown currency code {code!r}", location=location, field=field, value=code
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
    if candidate[:2].upper() != "RF" or not rf.is_valid(candidate):
        return ""
    return rf.compact(candidate)
