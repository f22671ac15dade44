"""Text messages, the pure part: GSM-7 / UCS-2 segments, E.164 numbers, opt-outs, texts."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.collecting.sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SEGMENT_LIMITS,
    SMS_TEMPLATES,
    SmsEncoding,
    count_segments,
    normalise_number,
    number_region,
    parse_sms_address,
    render_sms_reminder,
    sms_address,
    sms_notification,
    sms_numbers,
    split_opted_out,
)
from o2c.errors import ValidationError
from o2c.invoice.parties import Contact
from o2c.ledger import CollectionPreferences, ContactChannel, CustomerContact, CustomerId
from o2c.ledger.customers import CustomerRecord
from tests.test_reminders import _notice

GSM = sorted(GSM7_BASIC | GSM7_EXTENSION)


def test_the_alphabet_is_the_standards() -> None:
    # 128 code points less the escape; the extension table's ten characters.
    assert len(GSM7_BASIC) == 127
    assert len(GSM7_EXTENSION) == 10
    assert GSM7_BASIC.isdisjoint(GSM7_EXTENSION)
    assert {"@", "£", "¤", "§", "¿", "à", "É", "Δ"} <= GSM7_BASIC
    assert not {"ç", "ê", "â", "`", "\u00a0", "\x1b"} & GSM7_BASIC


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", SmsEncoding.GSM7, 0, 1),
        ("a" * 160, SmsEncoding.GSM7, 160, 1),
        ("a" * 161, SmsEncoding.GSM7, 161, 2),
        ("a" * 306, SmsEncoding.GSM7, 306, 2),
        ("a" * 307, SmsEncoding.GSM7, 307, 3),
        ("€" * 80, SmsEncoding.GSM7, 160, 1),
        ("{" * 81, SmsEncoding.GSM7, 162, 2),
        ("€" * 153, SmsEncoding.GSM7, 306, 3),  # 76 + 76 + 1: an escape is never cut
        ("ç" * 70, SmsEncoding.UCS2, 70, 1),
        ("ç" * 71, SmsEncoding.UCS2, 71, 2),
        ("ç" * 134, SmsEncoding.UCS2, 134, 2),
        ("ç" * 135, SmsEncoding.UCS2, 135, 3),
        ("🙂" * 35, SmsEncoding.UCS2, 70, 1),
        ("🙂" * 67, SmsEncoding.UCS2, 134, 3),  # 33 + 33 + 1: a surrogate pair is never cut
        ("a" * 159 + "\u00a0", SmsEncoding.UCS2, 160, 3),  # one no-break space: all UCS-2
    ],
)
def test_segments(text: str, encoding: SmsEncoding, units: int, segments: int) -> None:
    length = count_segments(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


@given(st.text(alphabet=st.sampled_from(GSM), max_size=700))
def test_gsm_text_stays_gsm_and_its_parts_hold_it(text: str) -> None:
    length = count_segments(text)
    assert length.encoding is SmsEncoding.GSM7
    assert length.units == len(text) + sum(c in GSM7_EXTENSION for c in text)
    limits = SEGMENT_LIMITS[SmsEncoding.GSM7]
    if length.units <= limits.single:
        assert length.segments == 1
    else:
        # At least the plain count; at most one septet lost per part to an uncut escape.
        assert math.ceil(length.units / limits.concatenated) <= length.segments
        assert length.segments <= math.ceil(length.units / (limits.concatenated - 1))


@given(st.text(max_size=300), st.text(max_size=5))
def test_a_longer_text_never_takes_fewer_messages(text: str, more: str) -> None:
    before, after = count_segments(text), count_segments(text + more)
    if before.encoding is after.encoding:
        assert after.segments >= before.segments
    assert after.units >= before.units or after.encoding is not before.encoding


def test_numbers_in_e164() -> None:
    assert normalise_number("0151 1234 5678") == "+4915112345678"
    assert normalise_number("06 12 34 56 78", region="fr") == "+33612345678"
    assert normalise_number("+44 7400 123456", region="DE") == "+447400123456"
    assert number_region("+447400123456") == "GB"
    assert sms_address("+33612345678") == "+33612345678@sms"
    assert parse_sms_address(" +33612345678@SMS ") == "+33612345678"


@pytest.mark.parametrize("number", ["12", "not a number", "+49 151", "0151 1234 5678 9999 99"])
def test_an_invalid_number_is_named(number: str) -> None:
    with pytest.raises(ValidationError, match="number=") as caught:
        normalise_number(number)
    assert caught.value.field == "number"
    assert caught.value.value == number


def test_an_unknown_region_and_a_non_sms_address_are_named() -> None:
    with pytest.raises(ValidationError, match="region='XX'"):
        normalise_number("0151 1234 5678", region="XX")
    with pytest.raises(ValidationError, match="not a text-message address"):
        parse_sms_address("ap@example.com")


def test_opted_out_numbers_are_split_off_once_each() -> None:
    send, skipped = split_opted_out(["+1", "+2", "+1", "+3", "+2"], {"+2"})
    assert (send, skipped) == (("+1", "+3"), ("+2",))


def test_numbers_come_from_the_master_only_when_the_customer_chose_sms() -> None:
    contacts = (
        CustomerContact(contact=Contact(name="AP", phone="0151 1234 5678")),
        CustomerContact(contact=Contact(name="Boss", email="boss@example.com")),
        CustomerContact(contact=Contact(name="Dup", phone="+49 151 12345678")),
    )

    def record(channel: ContactChannel | None) -> CustomerRecord:
        return CustomerRecord(
            customer_id=CustomerId("C1"),
            contacts=contacts,
            collection=CollectionPreferences(channel=channel),
        )

    assert sms_numbers(record(ContactChannel.SMS)) == ("+4915112345678",)
    assert sms_numbers(record(ContactChannel.EMAIL)) == ()
    assert sms_numbers(record(None)) == ()


@pytest.mark.parametrize("locale", ["en_GB", "de_DE", "fr_FR"])
def test_reminder_texts_fit_one_gsm_message(locale: str) -> None:
    text = render_sms_reminder(_notice(), locale=locale, company="o2c Demo AG")
    length = count_segments(text)
    assert (length.encoding, length.segments) == (SmsEncoding.GSM7, 1), text
    assert "INV-1" in text
    assert "o2c Demo AG" in text


def test_reminder_texts_per_language() -> None:
    en = render_sms_reminder(_notice(), locale="en_GB", company="Acme")
    de = render_sms_reminder(_notice(), locale="de_DE", company="Acme")
    fr = render_sms_reminder(_notice(), locale="fr_FR", company="Acme")
    assert en.startswith("Acme: payment reminder. €")
    assert "9 Feb 2026" in en
    assert "Zahlungserinnerung" in de
    assert "09.02.2026" in de
    assert " €" in de
    assert "rappel de paiement" in fr
    assert "9 févr. 2026" in fr
    assert "\u00a0" not in de + fr
    assert "\u202f" not in fr
    assert set(SMS_TEMPLATES) == {"en", "de", "fr"}
    # A language without a template reads English, with its own formats.
    assert "payment reminder" in render_sms_reminder(_notice(), locale="nl_NL", company="A")
    custom = render_sms_reminder(
        _notice(), locale="de_DE", company="A", templates={"de": "{company} {reference}{more}"}
    )
    assert custom == "A INV-1"


def test_a_notification_for_numbers() -> None:
    message = sms_notification("Hi", ["0151 1234 5678"], customer_id="C1", sender="ACME")
    assert message.recipients == ("+4915112345678@sms",)
    assert (message.text, message.sender, message.headers) == (
        "Hi",
        "ACME",
        (("X-O2C-Customer", "C1"),),
    )
    with pytest.raises(ValidationError, match="at least one number"):
        sms_notification("Hi", [])
