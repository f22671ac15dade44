"""Reminders and statements of account, rendered per locale, and the messages a Notifier sends.

Templates are package data (``o2c/templates/<language>/``, Jinja2, text and HTML) and can be
overridden per name with ``templates={"en/reminder.txt.j2": "..."}``.  Amounts are formatted with
:func:`o2c.money.format_money` and dates with babel, both for the locale; the language of the
locale picks the templates (English when there are none for it).  Jinja2 is the ``notify``
extra, imported when a document is rendered.

:class:`InMemoryNotifier` is the :class:`~o2c.ports.Notifier` that ships in the core; the SMTP
adapter is :class:`o2c.adapters.smtp.SmtpNotifier`.

>>> import datetime as dt
>>> from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
>>> from o2c.money import money
>>> item = OpenItem(item_id=ItemId("INV-7"), customer_id=CustomerId("C1"),
...     kind=ItemKind.INVOICE, document_number="INV-7", document_date=dt.date(2026, 2, 1),
...     due_date=dt.date(2026, 3, 3), original_amount=money("1234.50", "EUR"),
...     open_amount=money("1234.50", "EUR"))
>>> doc = render_statement([item], dt.date(2026, 3, 31), locale="de_DE",
...                        customer="Muster GmbH", company="o2c Demo AG")
>>> doc.subject
'Kontoauszug zum 31.03.2026 – o2c Demo AG'
>>> "1.234,50\\xa0€" in doc.text and "<table>" in doc.html
True
>>> sent = InMemoryNotifier()
>>> sent.send(doc.to_notification(to=["ap@muster.example"], sender="ar@o2c.example"))
'memory-1'
>>> sent.outbox[0].recipients
('ap@muster.example',)
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

import attrs
from moneyed import Money

from o2c.collecting.dunning import DunningNotice, PromiseFollowUp
from o2c.errors import DeliveryError, ValidationError
from o2c.ledger import (
    ActivityKind,
    ActivityLine,
    ContactChannel,
    CustomerMaster,
    CustomerRecord,
    ItemKind,
    Ledger,
    OpenItem,
    read,
)
from o2c.money import currency, format_money
from o2c.receivables.aging import BucketScheme, age

__all__ = [
    "AccountActivity",
    "ActivityKind",
    "ActivityLine",
    "Attachment",
    "InMemoryNotifier",
    "MAX_ATTACHMENT_BYTES",
    "Notification",
    "Notifier",
    "RenderedDocument",
    "SendResult",
    "account_activity",
    "available_languages",
    "render_follow_up",
    "render_reminder",
    "render_statement",
    "send_reminders",
]


# --------------------------------------------------------------------------------------------
# Notifier (collections): sends a rendered message (reminder, statement of account).  In-memory:
# o2c.collecting.reminders.InMemoryNotifier; adapter: o2c.adapters.smtp.SmtpNotifier.  Contract:
# tests/test_smtp.py (parametrised over both).


@runtime_checkable
class Notifier(Protocol):
    """Sends a rendered :class:`Notification` (text, optional HTML) to recipients.

    The contract: :meth:`send` hands the message over for every recipient or raises
    :class:`~o2c.errors.DeliveryError` (an adapter wraps its transport's failure, never leaks a
    bare socket error), and returns an id for the message that is unique per send.
    """

    def send(self, message: Notification, /) -> str:
        """Send ``message``; returns its id (the ``Message-ID`` for e-mail)."""
        ...


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


#: The most bytes the attachments of one message may hold together: 10 MiB.  Base64 makes them
#: a third larger on the wire (about 13.4 MB), under the message limits of the large mailbox
#: providers (Gmail 25 MB, Microsoft 365 / Outlook.com 20 MB by default) with room for the text,
#: HTML and headers; a larger file belongs in an archive the message links to.
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

#: A file name: no directory part, no control characters (it becomes a MIME parameter).
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
#: A media type ``type/subtype`` (RFC 6838 names; parameters are not taken).
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")


def _file_name(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip() or _BAD_NAME.search(value):
        raise ValidationError(
            f"file_name={value!r}: give a file name without a directory or control characters, "
            "e.g. 'statement-2026-03-31.pdf'",
            field="file_name",
            value=value,
        )


def _media_type(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _MEDIA_TYPE.fullmatch(value):
        raise ValidationError(
            f"media_type={value!r}: give a media type like 'application/pdf' or 'text/html'",
            field="media_type",
            value=value,
        )


def _content(_: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if not isinstance(value, bytes):
        raise ValidationError(
            f"content must be bytes, not {type(value).__name__}", field="content", value=None
        )
    if len(value) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"content is {len(value):,} bytes: an attachment holds at most "
            f"{MAX_ATTACHMENT_BYTES:,} (MAX_ATTACHMENT_BYTES); archive the file and send a link",
            field="content",
            value=len(value),
        )


@attrs.frozen(kw_only=True)
class Attachment:
    """A file that goes with a message: its name, media type and bytes.

    >>> pdf = Attachment(file_name="statement.pdf", media_type="application/pdf",
    ...                  content=b"%PDF-1.7 ...")
    >>> pdf.size
    12
    >>> Attachment(file_name="../etc/passwd", media_type="text/plain", content=b"")
    Traceback (most recent call last):
    ...
    o2c.errors.ValidationError: file_name='../etc/passwd': give a file name without a ...

    Raises:
        ValidationError: a name with a directory part or control characters, a media type that
            is not ``type/subtype``, content that is not bytes or is larger than
            :data:`MAX_ATTACHMENT_BYTES`.
    """

    file_name: str = attrs.field(validator=_file_name)
    media_type: str = attrs.field(validator=_media_type)
    content: bytes = attrs.field(validator=_content, repr=False)

    @property
    def size(self) -> int:
        """The number of bytes."""
        return len(self.content)


def _attachments(value: Iterable[Attachment]) -> tuple[Attachment, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Notification:
    """A message to send: recipients, subject, plain text, optional HTML and attachments.

    The attachments hold at most :data:`MAX_ATTACHMENT_BYTES` together.  E-mail
    (:class:`o2c.adapters.smtp.SmtpNotifier`) sends each as a MIME part; a text message
    (:class:`o2c.adapters.sms.SmsNotifier`) cannot carry a file and refuses a notification with
    attachments.

    Raises:
        ValidationError: no recipient, an address without ``@``, something other than an
            :class:`Attachment` among the attachments, or attachments larger together than
            :data:`MAX_ATTACHMENT_BYTES`.
    """

    recipients: tuple[str, ...] = attrs.field(converter=_strings)
    subject: str
    text: str
    html: str | None = None
    sender: str | None = None
    reply_to: str | None = None
    #: Extra headers, e.g. ``(("X-O2C-Customer", "C1"),)``.
    headers: tuple[tuple[str, str], ...] = ()
    attachments: tuple[Attachment, ...] = attrs.field(default=(), converter=_attachments)

    @attachments.validator
    def _check_attachments(self, _attribute: object, value: tuple[Attachment, ...]) -> None:
        if any(not isinstance(a, Attachment) for a in value):
            raise ValidationError(
                "attachments must be Attachment values (file name, media type, bytes)",
                field="attachments",
                value=tuple(type(a).__name__ for a in value),
            )
        total = sum(a.size for a in value)
        if total > MAX_ATTACHMENT_BYTES:
            raise ValidationError(
                f"the attachments are {total:,} bytes together: a message carries at most "
                f"{MAX_ATTACHMENT_BYTES:,} (MAX_ATTACHMENT_BYTES); archive the files and send "
                "a link",
                field="attachments",
                value=total,
            )

    @recipients.validator
    def _check(self, _attribute: object, value: tuple[str, ...]) -> None:
        if not value or any("@" not in r for r in value):
            raise ValidationError(
                f"recipients={value!r}: give at least one address like 'ap@example.com'",
                field="recipients",
                value=value,
            )


class InMemoryNotifier:
    """A :class:`~o2c.ports.Notifier` that keeps what it is sent in :attr:`outbox`."""

    def __init__(self) -> None:
        self.outbox: list[Notification] = []
        self._lock = threading.Lock()

    def send(self, message: Notification, /) -> str:
        """Keep ``message``; returns ``memory-<n>``."""
        with self._lock:
            self.outbox.append(message)
            return f"memory-{len(self.outbox)}"


@attrs.frozen(kw_only=True)
class RenderedDocument:
    """A rendered reminder or statement: subject, text and HTML, and the locale used."""

    subject: str
    text: str
    html: str
    locale: str

    def to_notification(
        self,
        *,
        to: Iterable[str],
        sender: str | None = None,
        headers: Sequence[tuple[str, str]] = (),
        attachments: Sequence[Attachment] = (),
    ) -> Notification:
        """This document as a message to ``to`` (with ``attachments``, e.g. its PDF)."""
        return Notification(
            recipients=tuple(to),
            subject=self.subject,
            text=self.text,
            html=self.html,
            sender=sender,
            headers=tuple(headers),
            attachments=tuple(attachments),
        )


# --------------------------------------------------------------------------------------------
# Rendering


@lru_cache(maxsize=1)
def available_languages() -> tuple[str, ...]:
    """The languages with templates in the package (``("de", "en")``)."""
    from importlib.resources import files

    root = files("o2c").joinpath("templates")
    return tuple(sorted(p.name for p in root.iterdir() if p.is_dir()))


def _date_format(lang: str) -> str:
    return "dd.MM.yyyy" if lang == "de" else "medium"


@lru_cache(maxsize=64)
def _environment(overrides: tuple[tuple[str, str], ...], locale: str, lang: str) -> Any:
    """A Jinja2 environment for one locale (its ``money`` and ``date`` filters)."""
    from babel.dates import format_date

    from o2c._optional import require

    jinja2 = require("jinja2", extra="notify", feature="rendering reminders", package="Jinja2")
    loaders: list[Any] = [jinja2.PackageLoader("o2c", "templates")]
    if overrides:
        loaders.insert(0, jinja2.DictLoader(dict(overrides)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    date_format = _date_format(lang)

    def money_filter(value: Money) -> str:
        return format_money(value, locale)

    def date_filter(value: dt.date) -> str:
        return str(format_date(value, format=date_format, locale=locale))

    env.filters["money"] = money_filter
    env.filters["date"] = date_filter
    return env


def _language(locale: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(locale).language)
    except (ValueError, TypeError, UnknownLocaleError) as exc:
        raise ValidationError(
            f"locale={locale!r} is not a locale: use e.g. 'en_GB' or 'de_DE'",
            field="locale",
            value=locale,
        ) from exc


def _render(
    name: str,
    context: Mapping[str, Any],
    locale: str,
    templates: Mapping[str, str] | None,
) -> RenderedDocument:
    overrides = tuple(sorted((templates or {}).items()))
    lang = _language(locale)
    if lang not in available_languages() and not any(
        k.startswith(f"{lang}/") for k, _ in overrides
    ):
        lang = "en"
    env = _environment(overrides, locale, lang)

    def render(template: str, **extra: Any) -> str:
        # the language's own template, else the English one (an override may cover only some)
        tpl = env.get_or_select_template([f"{lang}/{template}", f"en/{template}"])
        return str(tpl.render(dict(context, lang=lang, **extra)))

    subject = render(f"{name}_subject.txt.j2").strip()
    return RenderedDocument(
        subject=subject,
        text=render(f"{name}.txt.j2"),
        html=render(f"{name}.html.j2", subject=subject),
        locale=locale,
    )


def render_reminder(
    notice: DunningNotice,
    *,
    locale: str = "en_GB",
    customer: str | None = None,
    company: str = "",
    address: Sequence[str] = (),
    payment_details: str = "",
    templates: Mapping[str, str] | None = None,
) -> RenderedDocument:
    """The reminder letter or e-mail for a dunning notice, in text and HTML.

    The wording follows the notice's level (1: friendly, 2: second reminder, 3+: final notice);
    the amounts are the notice's claim (overdue, interest, compensation, fee, total).
    """
    claim = notice.claim
    lines = [
        {
            "number": ln.item.document_number,
            "document_date": ln.item.document_date,
            "due_date": ln.item.due_date,
            "days": ln.days_overdue,
            "amount": ln.amount,
            "disputed": ln.disputed if ln.disputed.amount else None,
        }
        for ln in notice.lines
    ]
    context = {
        "company": company,
        "customer": customer or notice.customer_id,
        "address": tuple(address),
        "as_of": max((cl.debt.until for cl in claim.lines), default=None),
        "level": notice.level.level,
        "lines": lines,
        "overdue": claim.principal,
        "interest": claim.interest if claim.interest.amount else None,
        "compensation": claim.compensation if claim.compensation.amount else None,
        "fee": claim.fee if claim.fee.amount else None,
        "total": claim.total,
        "credits": notice.credits if notice.credits.amount else None,
        "payment_details": payment_details,
    }
    return _render("reminder", context, locale, templates)


def render_follow_up(
    follow_up: PromiseFollowUp,
    *,
    locale: str = "en_GB",
    customer: str | None = None,
    company: str = "",
    templates: Mapping[str, str] | None = None,
) -> RenderedDocument:
    """The message following up a promise to pay likely to break: the invoice, the open amount,
    the promised date, and a request to confirm it (templates ``promise_follow_up*``)."""
    item = follow_up.item
    if follow_up.warning.promised_date is None:
        raise ValidationError(
            f"the follow-up of {item.item_id} has no promised date: give the warning of a promise",
            field="warning",
            value=follow_up.warning,
        )
    context = {
        "company": company,
        "customer": customer or follow_up.customer_id,
        "number": item.document_number,
        "due_date": item.due_date,
        "open": item.open_amount,
        "promised_date": follow_up.warning.promised_date,
    }
    return _render("promise_follow_up", context, locale, templates)


@attrs.frozen(kw_only=True)
class AccountActivity:
    """A balance-forward account in one currency: opening balance, movements, closing balance.

    ``closing`` always equals ``opening`` plus the sum of the lines.
    """

    currency: str
    start: dt.date
    end: dt.date
    opening: Money
    lines: tuple[ActivityLine, ...]
    closing: Money


def account_activity(
    ledger: Ledger,
    customer_id: str,
    start: dt.date,
    end: dt.date,
    *,
    known_at: dt.datetime | None = None,
) -> tuple[AccountActivity, ...]:
    """The customer's balance-forward account per currency from the end of ``start`` to ``end``.

    The opening balance is the ledger's balance on ``start``, the lines are the facts effective
    after ``start`` up to ``end`` that move the balance (invoices, credit memos, payments,
    refunds, write-offs, and the discount, deduction and fee parts of allocations), and the
    closing balance is the ledger's balance on ``end``; the lines always reconcile the two.
    """
    read_model = read(ledger.facts(customer_id), end, known_at=known_at)
    opening = ledger.balance(start, known_at=known_at, customer_id=customer_id)
    closing = ledger.balance(end, known_at=known_at, customer_id=customer_id)
    lines: dict[str, list[ActivityLine]] = {}
    for line in read_model.activity(after=start):
        lines.setdefault(line.amount.currency.code, []).append(line)
    result = []
    for code in sorted(set(opening) | set(closing) | set(lines)):
        zero = Money(0, currency(code))
        result.append(
            AccountActivity(
                currency=code,
                start=start,
                end=end,
                opening=opening.get(code, zero),
                lines=tuple(sorted(lines.get(code, []), key=lambda ln: ln.on)),
                closing=closing.get(code, zero),
            )
        )
    return tuple(result)


_KIND_LABELS = {
    "en": {
        ItemKind.INVOICE: "invoice",
        ItemKind.CREDIT_MEMO: "credit memo",
        ItemKind.UNAPPLIED_CASH: "payment on account",
    },
    "de": {
        ItemKind.INVOICE: "Rechnung",
        ItemKind.CREDIT_MEMO: "Gutschrift",
        ItemKind.UNAPPLIED_CASH: "Zahlung a conto",
    },
}


_ACTIVITY_LABELS = {
    "en": {
        ActivityKind.INVOICE: "invoice",
        ActivityKind.CREDIT_MEMO: "credit memo",
        ActivityKind.PAYMENT: "payment",
        ActivityKind.ADJUSTMENT: "discount/deduction/fees",
        ActivityKind.REVERSAL: "allocation reversed",
        ActivityKind.REFUND: "refund",
        ActivityKind.WRITE_OFF: "write-off",
    },
    "de": {
        ActivityKind.INVOICE: "Rechnung",
        ActivityKind.CREDIT_MEMO: "Gutschrift",
        ActivityKind.PAYMENT: "Zahlung",
        ActivityKind.ADJUSTMENT: "Skonto/Abzug/Gebühren",
        ActivityKind.REVERSAL: "Ausgleich storniert",
        ActivityKind.REFUND: "Erstattung",
        ActivityKind.WRITE_OFF: "Ausbuchung",
    },
}


def render_statement(
    items: Iterable[OpenItem],
    as_of: dt.date,
    *,
    locale: str = "en_GB",
    customer: str = "",
    company: str = "",
    scheme: BucketScheme | None = None,
    templates: Mapping[str, str] | None = None,
    activity: Sequence[AccountActivity] = (),
) -> RenderedDocument:
    """A customer's statement of account as of ``as_of``: open items and the aging summary.

    ``items`` are the customer's open items on ``as_of`` (e.g. ``ledger.open_items(as_of,
    customer_id=...)``); the summary per currency comes from
    :func:`o2c.receivables.aging.age`.  With ``activity`` (from :func:`account_activity`) the
    statement also shows the period's opening balance, movements and closing balance (a
    balance-forward statement).
    """
    open_items = sorted(items, key=lambda i: (i.due_date, i.document_number, i.item_id))
    report = age(open_items, as_of, scheme=scheme, detail=False)
    lang = _language(locale)
    kinds = _KIND_LABELS.get(lang, _KIND_LABELS["en"])
    activity_labels = _ACTIVITY_LABELS.get(lang, _ACTIVITY_LABELS["en"])
    rows = [
        {
            "number": i.document_number,
            "kind": kinds[i.kind],
            "document_date": i.document_date,
            "due_date": i.due_date,
            "days": (as_of - i.due_date).days if i.kind is ItemKind.INVOICE else 0,
            "open": i.open_amount,
        }
        for i in open_items
    ]
    totals = [
        {
            "currency": t.currency,
            "columns": list(zip(report.column_labels, t.columns, strict=True)),
            "balance": t.balance,
        }
        for t in report.totals
    ]
    context = {
        "company": company,
        "customer": customer or (open_items[0].customer_id if open_items else ""),
        "as_of": as_of,
        "items": rows,
        "totals": totals,
        "activity": [
            {
                "currency": a.currency,
                "start": a.start,
                "end": a.end,
                "opening": a.opening,
                "lines": [
                    {
                        "on": ln.on,
                        "document": ln.document,
                        "kind": activity_labels[ln.kind],
                        "amount": ln.amount,
                    }
                    for ln in a.lines
                ],
                "closing": a.closing,
            }
            for a in activity
        ],
    }
    return _render("statement", context, locale, templates)


# --------------------------------------------------------------------------------------------
# Sending


@attrs.frozen(kw_only=True)
class SendResult:
    """What happened to one notice or follow-up: sent (with the message id) or not, and why."""

    customer_id: str
    message_id: str | None
    error: str | None = None
    #: What was sent: ``"reminder"`` (a dunning notice) or ``"promise_follow_up"``.
    kind: str = "reminder"


def _master_locale(record: CustomerRecord | None) -> str | None:
    if record is None or not record.locale:
        return None
    return record.locale.replace("-", "_")


def send_reminders(
    notices: Iterable[DunningNotice],
    notifier: Notifier,
    *,
    contacts: Mapping[str, Sequence[str]] | None = None,
    sender: str | None = None,
    locale: str | Mapping[str, str] | None = None,
    company: str = "",
    customer_names: Mapping[str, str] | None = None,
    master: CustomerMaster | None = None,
    follow_ups: Iterable[PromiseFollowUp] = (),
) -> tuple[SendResult, ...]:
    """Render and send each notice (then each follow-up) by e-mail; a missing contact, a customer
    who is not to be e-mailed or a failed delivery is a result, not a raise.

    What the caller does not give is read from ``master``, the customer master as of the run
    date (``ledger.read(as_of).customer_master()``): the recipients (the e-mail addresses of
    the customer's contacts) when ``contacts`` has none for it, the locale when ``locale`` is not
    one locale and has none for it, and the customer's name when ``customer_names`` has none.
    The master's collection preferences are obeyed: a customer with a dunning block is not sent
    reminders, and one whose preferred channel is not e-mail (letter, phone, SMS) is not
    e-mailed (the result says which channel it asked for).  ``locale`` is one locale or a
    mapping of customer id to locale; without either, ``en_GB``.
    """
    results = []
    names = customer_names or {}
    given = contacts or {}
    jobs: list[tuple[str, DunningNotice | PromiseFollowUp]] = [
        *(("reminder", n) for n in notices),
        *(("promise_follow_up", f) for f in follow_ups),
    ]
    for kind, job in jobs:
        cid = job.customer_id
        record = master.customer(cid) if master is not None else None
        refused = _refused(record, job.channel)
        to: Sequence[str] = given.get(cid) or (
            tuple(c.contact.email for c in record.contacts if c.contact.email)
            if record is not None
            else ()
        )
        if refused is None and not to:
            refused = "no contact"
        if refused is not None:
            results.append(SendResult(customer_id=cid, message_id=None, error=refused, kind=kind))
            continue
        if isinstance(locale, str):
            loc = locale
        else:
            loc = (locale or {}).get(cid) or _master_locale(record) or "en_GB"
        name = names.get(cid) or (record.name if record is not None and record.name else None)
        headers: tuple[tuple[str, str], ...]
        if isinstance(job, DunningNotice):
            doc = render_reminder(job, locale=loc, customer=name, company=company)
            headers = (
                ("X-O2C-Customer", cid),
                ("X-O2C-Dunning-Level", str(job.level.level)),
            )
        else:
            doc = render_follow_up(job, locale=loc, customer=name, company=company)
            headers = (("X-O2C-Customer", cid), ("X-O2C-Follow-Up", job.item.item_id))
        message = doc.to_notification(to=to, sender=sender, headers=headers)
        try:
            message_id = notifier.send(message)
        except DeliveryError as exc:
            results.append(SendResult(customer_id=cid, message_id=None, error=str(exc), kind=kind))
            continue
        results.append(SendResult(customer_id=cid, message_id=message_id, kind=kind))
    return tuple(results)


def _refused(record: CustomerRecord | None, channel: ContactChannel | None) -> str | None:
    """Why the master says not to e-mail the customer (``None``: e-mail it)."""
    if record is not None and record.collection.dunning_blocked:
        reason = record.collection.block_reason
        return f"dunning blocked: {reason}" if reason else "dunning blocked"
    wanted = channel or (record.collection.channel if record is not None else None)
    if wanted is not None and wanted is not ContactChannel.EMAIL:
        return f"prefers {wanted.value}: not sent by e-mail"
    return None
