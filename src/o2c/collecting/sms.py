"""Text messages: GSM-7 / UCS-2 segments, E.164 numbers, opt-outs and short reminder texts.

The pure part of SMS reminders (the adapters that send them are in :mod:`o2c.adapters.sms`).

- :func:`count_segments` says how a text travels and what it costs: GSM-7 when every character
  is in the GSM 03.38 alphabet (``^{}[]~|\\€`` and the form feed take two septets, being escaped),
  UCS-2 as soon as one character is not (an emoji, a ``ç``, a no-break space); 160 septets or 70
  UCS-2 units fit one message, a longer text is split into parts of 153 or 67 (each part gives
  room to the header that chains them), and carriers bill each part.
- :func:`normalise_number` writes a phone number in E.164 (``+4915112345678``) with
  ``phonenumbers`` (extra ``sms``), reading national numbers in a default region.
- :func:`render_sms_reminder` writes a short payment reminder in English, German or French,
  with amounts and dates per locale and only GSM-7 characters where the language allows.
- The :class:`~o2c.ports.Notifier` port's recipients are addresses with an ``@``; a text
  message's recipient is written ``+4915112345678@sms`` (:func:`sms_address`), the form of
  e-mail-to-SMS gateways, and :func:`sms_notification` builds the message.
- Opt-outs: the customer master has no SMS opt-out flag (its collection preferences hold the
  channel a customer wants to be reminded by), so the notifiers take the set of numbers that
  opted out (:func:`split_opted_out`), and :func:`sms_numbers` offers a customer's phone
  numbers only when its preferred channel is SMS.

>>> count_segments("Payment reminder: EUR 120.00 due.")
SmsLength(encoding=<SmsEncoding.GSM7: 'gsm7'>, units=33, segments=1)
>>> count_segments("Zahlung: 120 € fällig").units      # € is escaped: two septets
22
>>> count_segments("Merci 🙂").encoding.value, count_segments("x" * 161).segments
('ucs2', 2)
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import attrs

from o2c._optional import require
from o2c.collecting.dunning import DunningNotice
from o2c.collecting.reminders import Notification
from o2c.errors import DeliveryError, ValidationError
from o2c.ledger.customers import CustomerRecord
from o2c.ledger.facts import ContactChannel
from o2c.money import format_money

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "OptedOutError",
    "SEGMENT_LIMITS",
    "SMS_DOMAIN",
    "SMS_TEMPLATES",
    "SegmentLimits",
    "SmsEncoding",
    "SmsLength",
    "count_segments",
    "normalise_number",
    "number_region",
    "parse_sms_address",
    "render_sms_reminder",
    "sms_address",
    "sms_notification",
    "sms_numbers",
    "split_opted_out",
]

#: The GSM 03.38 default alphabet (3GPP TS 23.038, 6.2.1), in code order; position 0x1B is the
#: escape to the extension table, so it is left out here.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table's characters (3GPP TS 23.038, 6.2.1.1): escape + one septet each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

#: The address domain of a text-message recipient (``+4915112345678@sms``).
SMS_DOMAIN = "sms"


class SmsEncoding(enum.Enum):
    """How a text message is encoded: GSM-7 septets or UCS-2 (UTF-16) units."""

    GSM7 = "gsm7"
    UCS2 = "ucs2"


@attrs.frozen(kw_only=True)
class SegmentLimits:
    """How many units fit one message alone and one part of a concatenated message."""

    single: int
    concatenated: int


#: Per encoding.  A message carries 140 octets: 160 septets or 70 UCS-2 units (3GPP TS 23.038);
#: a part of a concatenated message spends 6 octets on the user-data header that chains the
#: parts (3GPP TS 23.040, 9.2.3.24.1, 8-bit reference), leaving 153 septets or 67 units.
SEGMENT_LIMITS: Mapping[SmsEncoding, SegmentLimits] = {
    SmsEncoding.GSM7: SegmentLimits(single=160, concatenated=153),
    SmsEncoding.UCS2: SegmentLimits(single=70, concatenated=67),
}


@attrs.frozen(kw_only=True)
class SmsLength:
    """A text's encoding, its length in that encoding's units and the messages it takes."""

    encoding: SmsEncoding
    #: Septets (GSM-7, escaped characters counting two) or UTF-16 units (UCS-2).
    units: int
    #: Messages billed (1 for an empty text).
    segments: int


def _costs(text: str) -> tuple[SmsEncoding, list[int]]:
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        return SmsEncoding.GSM7, [2 if c in GSM7_EXTENSION else 1 for c in text]
    # UCS-2 on the air is UTF-16: a character beyond the BMP (most emoji) takes two units.
    return SmsEncoding.UCS2, [2 if ord(c) > 0xFFFF else 1 for c in text]


def count_segments(text: str) -> SmsLength:
    """The encoding, length and number of messages of ``text``.

    A concatenated text is cut so that no escaped GSM-7 character and no UTF-16 surrogate pair
    is split between two parts (as handsets and gateways cut it), so a part may hold one unit
    less than its limit.

    >>> count_segments("€" * 80).segments        # 160 septets: one message
    1
    >>> count_segments("€" * 153).segments        # 306 septets, but no € is cut: 76 + 76 + 1
    3
    """
    if not isinstance(text, str):
        raise ValidationError(f"text={text!r} is not text", field="text", value=text)
    encoding, costs = _costs(text)
    limits = SEGMENT_LIMITS[encoding]
    units = sum(costs)
    if units <= limits.single:
        return SmsLength(encoding=encoding, units=units, segments=1)
    segments, room = 1, limits.concatenated
    for cost in costs:
        if cost > room:
            segments, room = segments + 1, limits.concatenated
        room -= cost
    return SmsLength(encoding=encoding, units=units, segments=segments)


# --------------------------------------------------------------------------------------------
# Numbers and addresses


def _phonenumbers() -> Any:
    return require("phonenumbers", extra="sms", feature="phone numbers for text messages")


def _check_region(region: str) -> str:
    pn = _phonenumbers()
    code = region.upper() if isinstance(region, str) else region
    if code not in pn.SUPPORTED_REGIONS:
        raise ValidationError(
            f"region={region!r} is not a region phone numbers are known for: pass an ISO 3166 "
            "alpha-2 code like 'DE' or 'FR'",
            field="region",
            value=region,
        )
    return str(code)


def normalise_number(number: str, *, region: str = "DE") -> str:
    """``number`` in E.164 form; a national number is read as one of ``region``.

    >>> normalise_number("0151 1234 5678")
    '+4915112345678'
    >>> normalise_number("+33 6 12 34 56 78", region="GB")
    '+33612345678'

    Raises:
        ValidationError: not a valid phone number (``field`` is ``number``), or an unknown
            ``region``.
    """
    pn = _phonenumbers()
    code = _check_region(region)
    try:
        parsed = pn.parse(number, code)
    except (pn.NumberParseException, TypeError) as exc:
        raise ValidationError(
            f"number={number!r} is not a phone number ({exc}): write it with its country "
            "code, like '+49 151 12345678'",
            field="number",
            value=number,
        ) from None
    if not pn.is_valid_number(parsed):
        raise ValidationError(
            f"number={number!r} is not a valid phone number (read in region {code}): check "
            "its digits and country code",
            field="number",
            value=number,
        )
    return str(pn.format_number(parsed, pn.PhoneNumberFormat.E164))


def number_region(e164: str) -> str:
    """The region (ISO 3166 alpha-2) of an E.164 number, e.g. for routing to a gateway.

    >>> number_region("+4915112345678")
    'DE'
    """
    pn = _phonenumbers()
    return str(pn.region_code_for_number(pn.parse(e164, None)) or "")


def sms_address(number: str, *, region: str = "DE") -> str:
    """The recipient address of a text message to ``number`` (``+<E.164>@sms``).

    >>> sms_address("0151 1234 5678")
    '+4915112345678@sms'
    """
    return f"{normalise_number(number, region=region)}@{SMS_DOMAIN}"


def parse_sms_address(address: str) -> str:
    """The number part of a recipient address (``+4915112345678@sms`` gives the number).

    Raises:
        ValidationError: not ``<number>@sms``.
    """
    number, at, domain = address.strip().rpartition("@")
    if not at or domain.lower() != SMS_DOMAIN or not number:
        raise ValidationError(
            f"recipient {address!r} is not a text-message address: write it "
            f"'+4915112345678@{SMS_DOMAIN}' (sms_address gives it)",
            field="recipients",
            value=address,
        )
    return number


def split_opted_out(
    numbers: Iterable[str], opted_out: Collection[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The numbers to send to and those that opted out (both E.164, each once, in order).

    >>> split_opted_out(["+4915112345678", "+33612345678"], {"+33612345678"})
    (('+4915112345678',), ('+33612345678',))
    """
    send: dict[str, None] = {}
    skipped: dict[str, None] = {}
    for number in numbers:
        (skipped if number in opted_out else send).setdefault(number, None)
    return tuple(send), tuple(skipped)


class OptedOutError(DeliveryError):
    """Every recipient of a text message opted out of text messages: nothing was sent."""

    def __init__(self, transport: str, numbers: tuple[str, ...]) -> None:
        super().__init__(
            transport,
            f"every recipient opted out of text messages ({', '.join(numbers)}); remind them "
            "by another channel",
            numbers=numbers,
        )
        self.numbers = numbers


def sms_numbers(record: CustomerRecord, *, region: str = "DE") -> tuple[str, ...]:
    """A customer's phone numbers (E.164) to text reminders to, from its master record.

    Only when the customer's collection preferences name SMS as its channel (the master's only
    consent to text messages); numbers that do not parse are left out.
    """
    if record.collection.channel is not ContactChannel.SMS:
        return ()
    found: dict[str, None] = {}
    for entry in record.contacts:
        if entry.contact.phone:
            try:
                found.setdefault(normalise_number(entry.contact.phone, region=region), None)
            except ValidationError:
                continue
    return tuple(found)


def sms_notification(
    text: str,
    numbers: Iterable[str],
    *,
    region: str = "DE",
    sender: str | None = None,
    customer_id: str | None = None,
) -> Notification:
    """The :class:`~o2c.ports.Notifier` message that texts ``text`` to ``numbers``.

    >>> sms_notification("Hi", ["0151 1234 5678"]).recipients
    ('+4915112345678@sms',)

    Raises:
        ValidationError: a number that is not valid, or no number.
    """
    recipients = tuple(sms_address(n, region=region) for n in numbers)
    if not recipients:
        raise ValidationError(
            "a text message needs at least one number", field="numbers", value=recipients
        )
    headers = (("X-O2C-Customer", customer_id),) if customer_id else ()
    return Notification(
        recipients=recipients, subject="SMS", text=text, sender=sender, headers=headers
    )


# --------------------------------------------------------------------------------------------
# Reminder texts

#: Short payment reminders by language, with ``{company}``, ``{amount}`` (the notice's total),
#: ``{due}`` (the oldest dunned item's due date), ``{reference}`` (its document number) and
#: ``{more}`` (how many other items).  Each stays within one GSM-7 message for usual values
#: (no ``ç``, ``ê`` or ``â`` in the French text: they would switch it to UCS-2).
SMS_TEMPLATES: Mapping[str, str] = {
    "en": (
        "{company}: payment reminder. {amount} is due, overdue since {due} (ref. {reference}"
        "{more}). Please pay or tell us if you already have."
    ),
    "de": (
        "{company}: Zahlungserinnerung. {amount} offen, fällig seit {due} (Ref. {reference}"
        "{more}). Bitte zahlen Sie oder melden Sie uns Ihre Zahlung."
    ),
    "fr": (
        "{company} : rappel de paiement. {amount} à régler, échu le {due} (réf. {reference}"
        "{more}). Merci de payer ou de nous signaler votre paiement."
    ),
}

_MORE: Mapping[str, str] = {"en": " +{n} more", "de": " +{n} weitere", "fr": " +{n} autres"}

#: Spaces CLDR puts in amounts and dates that GSM-7 lacks (no-break, narrow no-break, thin).
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


def render_sms_reminder(
    notice: DunningNotice,
    *,
    locale: str = "en_GB",
    company: str,
    templates: Mapping[str, str] | None = None,
) -> str:
    """A short payment-reminder text for ``notice`` in ``locale``'s language.

    English for a language without a template; ``templates`` overrides them by language.
    Amounts and dates are formatted for the locale, with plain spaces.

    Raises:
        ValidationError: a notice without items, or an unknown locale.
    """
    if not notice.lines:
        raise ValidationError(
            f"the notice of {notice.customer_id} has no items to remind of",
            field="notice",
            value=notice.customer_id,
        )
    from babel.dates import format_date

    table = {**SMS_TEMPLATES, **(templates or {})}
    lang = locale.replace("-", "_").split("_")[0].lower()
    lang = lang if lang in table else "en"
    oldest = min(notice.lines, key=lambda ln: (ln.item.due_date, ln.item.document_number))
    others = len(notice.lines) - 1
    due: dt.date = oldest.item.due_date
    text = table[lang].format(
        company=company,
        amount=format_money(notice.total, locale),
        due=format_date(due, "medium", locale=locale),
        reference=oldest.item.document_number,
        more=_MORE.get(lang, _MORE["en"]).format(n=others) if others else "",
    )
    return text.translate(_SPACES)
