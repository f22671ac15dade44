"""Advice files: e-mails (multipart, HTML, attachments, transfer encodings), text files, folders,
and hostile input refused with one error naming the file."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters import advices as adapter
from o2c.adapters.advices import read_advice, read_advice_folder
from o2c.cash_application.advices import AdviceStyle
from o2c.errors import O2CError, ValidationError

BODY = "Please be advised that we have sent a payment of EUR 1,500.00.\n"
CSV = (
    "invoice_no;invoice_date;amount;deduction;paid\nINV-1;2026-02-01;1000.00;0;1000.00\n"
    "INV-2;2026-02-02;520.00;20.00;500.00\ntotal;;;;1500.00\n"
)


def _mail(**parts: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Accounts Payable Müller & Söhne GmbH <ap@mueller.example>"
    msg["To"] = "ar@seller.example"
    msg["Date"] = "Tue, 24 Mar 2026 18:06:00 +0100"
    msg["Subject"] = "Zahlungsavis 3088356243"
    if "plain" in parts:
        msg.set_content(parts["plain"])
    if "html" in parts:
        if "plain" in parts:
            msg.add_alternative(parts["html"], subtype="html")
        else:
            msg.set_content(parts["html"], subtype="html")
    return msg


def test_plain_email_headers_and_body() -> None:
    advice = read_advice(_mail(plain=BODY).as_bytes(), name="ADV1.eml")
    assert advice.advice_id == "ADV1"
    assert (advice.sender_name, advice.sender_email) == (
        "Müller & Söhne GmbH",
        "ap@mueller.example",
    )
    assert advice.sent == dt.date(2026, 3, 24)
    assert (advice.stated_total, advice.currency) == (Decimal("1500.00"), "EUR")
    assert advice.advice_number == "3088356243"


def test_html_only_email_is_read_as_text() -> None:
    html = (
        "<html><body><p>Payment of EUR 1,500.00</p><table>"
        "<tr><td>INV-2026-0001</td><td>EUR 1,000.00</td></tr>"
        "<tr><td>INV-2026-0002</td><td>EUR 500.00</td></tr></table>"
        "<script>alert('EUR 9.99')</script></body></html>"
    )
    advice = read_advice(_mail(html=html).as_bytes(), name="h.eml")
    assert [(x.reference, x.amount_paid) for x in advice.lines] == [
        ("INV-2026-0001", Decimal("1000.00")),
        ("INV-2026-0002", Decimal("500.00")),
    ]


def test_base64_csv_attachment_and_quoted_printable_body() -> None:
    msg = _mail(plain="Bitte beachten Sie die Anlage. Grüße\n")
    msg.add_attachment(CSV.encode("latin-1"), maintype="text", subtype="csv", filename="avis.csv")
    raw = msg.as_bytes()
    assert b"base64" in raw or b"quoted-printable" in raw.lower()
    advice = read_advice(raw, name="a.eml")
    assert advice.style is AdviceStyle.CSV
    assert [(x.reference, x.amount_paid, x.deduction) for x in advice.lines] == [
        ("INV-1", Decimal("1000.00"), Decimal(0)),
        ("INV-2", Decimal("500.00"), Decimal("20.00")),
    ]


def test_latin1_body_is_decoded_by_its_charset() -> None:
    raw = (
        b"From: AP <ap@x.example>\nSubject: Avis\nContent-Type: text/plain; charset=iso-8859-1\n"
        b"Content-Transfer-Encoding: quoted-printable\n\nZahlung =FCber 1.234,56 EUR\n"
    )
    advice = read_advice(raw, name="l.eml")
    assert "über" in advice.text
    assert advice.stated_total == Decimal("1234.56")


def test_text_and_csv_files_and_a_folder(tmp_path: Path) -> None:
    (tmp_path / "advices").mkdir()
    (tmp_path / "advices" / "A1.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "advices" / "A2.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "advices" / "A3.eml").write_bytes(_mail(plain=BODY).as_bytes())
    (tmp_path / "advices" / "notes.md").write_text("not an advice", encoding="utf-8")
    read = read_advice_folder(tmp_path)
    assert [a.advice_id for a in read] == ["A1", "A2", "A3"]
    assert read[1].lines_total == Decimal("1500.00")


def test_a_folder_collects_bad_files_when_asked(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe broken")
    problems: list[ValidationError] = []
    assert [a.advice_id for a in read_advice_folder(tmp_path, errors=problems)] == ["good"]
    assert len(problems) == 1
    assert "bad.txt" in str(problems[0])
    with pytest.raises(ValidationError, match=r"bad\.txt"):
        read_advice_folder(tmp_path)
    with pytest.raises(ValidationError, match="is not a folder"):
        read_advice_folder(tmp_path / "good.txt")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            b"From: a@b\nContent-Type: text/plain; charset=x-nonsense\n\nEUR 1.00\n",
            "unknown charset",
        ),
        (
            b"From: a@b\nContent-Type: text/plain; charset=utf-8\n\n\xff\xfe\xfa\n",
            "is not valid utf-8",
        ),
        (b"From: a@b\nContent-Type: text/plain\n\nEUR\x00 1.00\n", "NUL"),
    ],
)
def test_hostile_emails_are_refused_naming_the_file(raw: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        read_advice(raw, name="evil.eml")
    assert "evil.eml" in str(info.value)


def test_too_large_and_too_many_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.eml"
    big.write_bytes(_mail(plain=BODY).as_bytes())
    monkeypatch.setattr(adapter, "MAX_BYTES", 100)
    with pytest.raises(ValidationError, match=r"big.eml: is \d+ bytes, more than 100"):
        read_advice(big)
    monkeypatch.setattr(adapter, "MAX_BYTES", 10_000_000)
    monkeypatch.setattr(adapter, "MAX_PARTS", 3)
    msg = _mail(plain=BODY)
    for n in range(4):
        msg.add_attachment(b"x", maintype="text", subtype="plain", filename=f"{n}.txt")
    with pytest.raises(ValidationError, match="more than 3 MIME parts"):
        read_advice(msg.as_bytes(), name="parts.eml")


def test_text_too_long_for_the_policy() -> None:
    from o2c.cash_application.advices import AdvicePolicy

    with pytest.raises(ValidationError, match=r"long\.txt"):
        read_advice(b"x" * 500, name="long.txt", policy=AdvicePolicy(max_text_chars=100))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_give_an_advice_or_one_o2c_error(raw: bytes) -> None:
    for name in ("x.eml", "x.txt"):
        problem = None
        try:
            read_advice(raw, name=name)
        except O2CError as exc:
            problem = str(exc)
        assert problem is None or name in problem


def test_base64_payload_that_is_not_base64_is_tolerated() -> None:
    raw = (
        b"From: a@b\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: base64\n\n" + base64.b64encode(BODY.encode())[:-3] + b"!!\n"
    )
    advice = read_advice(raw, name="b64.eml")  # the email package decodes what it can
    assert advice.advice_id == "b64"
