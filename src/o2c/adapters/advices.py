"""Remittance advice files: ``.eml`` e-mails, plain ``.txt`` and ``.csv`` files, a folder of them.

The text is read here and handed to :func:`o2c.cash_application.advices.parse_advice` (the core
reads no files).  An e-mail is read with the standard library's :mod:`email` package: its
``From`` (sender name and address), ``Date`` and ``Subject``; every ``text/plain`` part (or the
``text/html`` part stripped of its markup when there is no plain one); and CSV or text
attachments, whatever their transfer encoding (base64, quoted-printable) and charset.

Hostile input is refused with one :class:`~o2c.errors.ValidationError` naming the file: a file
larger than ``max_bytes``, more MIME parts than ``max_parts``, a charset Python does not know,
bytes that are not valid in the declared charset, NUL characters.

>>> import datetime as dt
>>> raw = b'''From: Accounts Payable Acme GmbH <ap@acme.example>
... Date: Mon, 02 Mar 2026 10:00:00 +0100
... Subject: Payment advice 4711
... Content-Type: text/plain; charset=utf-8
...
... We have transferred EUR 1,190.00 for invoice INV-2026-100042.
... '''
>>> advice = read_advice(raw, name="A1.eml")
>>> advice.advice_id, advice.sender_name, advice.sender_email, advice.sent
('A1', 'Acme GmbH', 'ap@acme.example', datetime.date(2026, 3, 2))
>>> str(advice.stated_total), advice.currency, advice.advice_number
('1190.00', 'EUR', '4711')
"""

from __future__ import annotations

import codecs
import datetime as dt
import email
import email.policy
import email.utils
import html
import os
import re
from collections.abc import Iterable
from email.message import Message
from pathlib import Path

from o2c.cash_application.advices import AdvicePolicy, RemittanceAdvice, parse_advice
from o2c.errors import O2CError, ValidationError

__all__ = ["ADVICE_SUFFIXES", "MAX_BYTES", "MAX_PARTS", "read_advice", "read_advice_folder"]

#: The largest advice file read (bytes).  An advice e-mail with a CSV or PDF-text attachment is
#: tens of kilobytes; 10 MB leaves room for a large payment run and refuses a mail bomb.
MAX_BYTES = 10_000_000
#: The most MIME parts read from one e-mail (a body, its HTML twin and a few attachments).
MAX_PARTS = 200
#: The file suffixes read from a folder.
ADVICE_SUFFIXES = (".eml", ".txt", ".csv")
#: Words said before the company in a sender's display name ("Accounts Payable Acme GmbH").
_SENDER_PREFIX = re.compile(
    r"^(?:ACCOUNTS?\s+PAYABLE|AP\s+DEPT\.?|KREDITORENBUCHHALTUNG|BUCHHALTUNG|"
    r"COMPTABILITE\s+FOURNISSEURS|PAYMENTS?|TREASURY)\s*[-:|]?\s*",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]{0,2000}>")
_BLOCK = re.compile(r"<\s*(?:br|/p|/div|/tr|/li|/h\d)\s*/?>", re.IGNORECASE)
_CELL = re.compile(r"<\s*/t[dh]\s*>", re.IGNORECASE)
_SCRIPT = re.compile(r"<(script|style)[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def _error(name: str, message: str, value: object = None) -> ValidationError:
    return ValidationError(f"advice {name}: {message}", field=name, value=value)


def _html_text(markup: str) -> str:
    """The text of an HTML part: scripts dropped, cells and blocks kept apart, tags removed."""
    text = _SCRIPT.sub(" ", markup)
    text = _BLOCK.sub("\n", text)
    text = _CELL.sub("   ", text)
    return html.unescape(_TAG.sub("", text))


def _decode(payload: bytes, charset: str, name: str) -> str:
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        raise _error(name, f"unknown charset {charset[:40]!r}", charset[:40]) from None
    try:
        text = payload.decode(codec)
    except UnicodeDecodeError as exc:
        raise _error(
            name, f"byte {payload[exc.start : exc.start + 1]!r} is not valid {codec}", codec
        ) from None
    if "\x00" in text:
        raise _error(name, "the text holds a NUL character (a binary file?)")
    return text


def _part_text(part: Message, name: str) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    return _decode(payload, charset, name)


def _header(message: Message, key: str) -> str:
    """A header's text (encoded words and raw UTF-8 decoded); empty when absent or unreadable."""
    try:
        value = message.get(key)
        text = "" if value is None else str(value)
    except (ValueError, LookupError, TypeError, IndexError):
        return ""
    # Raw 8-bit bytes that the parser kept as surrogates: read them as UTF-8.
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _sender(message: Message) -> tuple[str, str]:
    display, address = email.utils.parseaddr(_header(message, "From"))
    return _SENDER_PREFIX.sub("", display).strip(), address


def _sent(message: Message) -> dt.date | None:
    raw = _header(message, "Date")
    if not raw:
        return None
    try:
        return email.utils.parsedate_to_datetime(raw).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _read_email(data: bytes, name: str, policy: AdvicePolicy) -> RemittanceAdvice:
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; this is a last guard
        raise _error(name, f"not an e-mail ({type(exc).__name__})") from None
    plain: list[str] = []
    markup: list[str] = []
    attachments: list[str] = []
    for count, part in enumerate(message.walk(), start=1):
        if count > MAX_PARTS:
            raise _error(name, f"more than {MAX_PARTS} MIME parts", count)
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        filename = (part.get_filename() or "").lower()
        disposition = str(part.get("Content-Disposition", "")).lower()
        attached = "attachment" in disposition or bool(filename)
        textual = ctype.startswith("text/") or filename.endswith((".csv", ".txt"))
        if not textual:
            continue  # images, PDFs without their text, signatures: nothing to read here
        text = _part_text(part, name)
        if attached:
            attachments.append(_html_text(text) if ctype == "text/html" else text)
        elif ctype == "text/html":
            markup.append(_html_text(text))
        else:
            plain.append(text)
    body = "\n".join(plain) if plain else "\n".join(markup)
    sender_name, sender_email = _sender(message)
    return parse_advice(
        body,
        advice_id=_stem(name),
        sender_name=sender_name,
        sender_email=sender_email,
        sent=_sent(message),
        subject=_header(message, "Subject"),
        attachments=attachments,
        policy=policy,
    )


def _stem(name: str) -> str:
    base = os.path.basename(name)
    for suffix in ADVICE_SUFFIXES:
        if base.lower().endswith(suffix):
            return base[: -len(suffix)]
    return base


def read_advice(
    source: bytes | str | os.PathLike[str],
    *,
    name: str | None = None,
    policy: AdvicePolicy | None = None,
) -> RemittanceAdvice:
    """One advice from a file (a path) or its content (``bytes``; ``str`` is content too).

    ``.eml`` files (or content that starts like an e-mail) are read as e-mails; anything else as
    text (a ``.txt`` advice, a ``.csv`` table).  The advice id is the file name without suffix.

    Raises:
        ValidationError: the file is too large, is no text in its charset, holds NUL characters
            or too many parts, or its text is longer than the policy allows (naming the file).
    """
    policy = policy or AdvicePolicy()
    if isinstance(source, os.PathLike):
        path = Path(source)
        label = name or path.name
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise _error(label, f"cannot be read: {exc.strerror}") from None
        if size > MAX_BYTES:
            raise _error(label, f"is {size:,} bytes, more than {MAX_BYTES:,}", size)
        data: bytes = path.read_bytes()
    else:
        label = name or "advice"
        data = source.encode("utf-8") if isinstance(source, str) else bytes(source)
    if len(data) > MAX_BYTES:
        raise _error(label, f"is {len(data):,} bytes, more than {MAX_BYTES:,}", len(data))
    try:
        if label.lower().endswith(".eml") or _looks_like_email(data):
            return _read_email(data, label, policy)
        text = _decode(data.removeprefix(codecs.BOM_UTF8), "utf-8", label)
        return parse_advice(text, advice_id=_stem(label), policy=policy)
    except ValidationError as exc:
        if exc.field == label:
            raise
        raise _error(label, str(exc), exc.value) from None
    except O2CError:
        raise
    except (ValueError, LookupError, TypeError) as exc:  # defensive: one clear error per file
        raise _error(label, f"cannot be read ({type(exc).__name__}: {exc})") from None


def _looks_like_email(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith((b"from:", b"received:", b"return-path:", b"mime-version:", b"date:"))


def read_advice_folder(
    folder: str | os.PathLike[str],
    *,
    policy: AdvicePolicy | None = None,
    errors: list[ValidationError] | None = None,
) -> tuple[RemittanceAdvice, ...]:
    """Every advice file (``.eml``, ``.txt``, ``.csv``) under ``folder``, by file name.

    Args:
        folder: the folder (read recursively).
        policy: limits and thresholds.
        errors: when given, a file that cannot be read is appended here and skipped; otherwise
            its error is raised.

    Raises:
        ValidationError: ``folder`` is not a folder, or a file cannot be read (without
            ``errors``).
    """
    root = Path(folder)
    if not root.is_dir():
        raise ValidationError(
            f"{root} is not a folder of advices", field="advices", value=str(root)
        )
    out = []
    for path in _files(root):
        try:
            out.append(read_advice(path, policy=policy))
        except ValidationError as exc:
            if errors is None:
                raise
            errors.append(exc)
    return tuple(out)


def _files(root: Path) -> Iterable[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in ADVICE_SUFFIXES)
