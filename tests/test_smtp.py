"""The Notifier port: its contract over every notifier, and SMTP against a real local server.

The SMTP server is aiosmtpd, started by these tests on 127.0.0.1 (never the internet).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import ssl
from collections.abc import Iterator
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest

from o2c.adapters.smtp import SmtpNotifier, SmtpSecurity
from o2c.collecting import DunningLevel, DunningPolicy, InterestRule, propose_dunning
from o2c.collecting.reminders import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    InMemoryNotifier,
    Notification,
    send_reminders,
)
from o2c.errors import DeliveryError, ValidationError
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money
from o2c.ports import Notifier

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")


class _Handler:
    """Keeps every message the server accepts; refuses recipients named ``refuse*``."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.startswith("refuse"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    ok = auth_data.login == b"collector" and auth_data.password == b"s3cret"
    return aiosmtpd_smtp.AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[_Handler, int]]:
    handler = _Handler()
    port = _free_port()
    controller = aiosmtpd_controller.Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_required=False,
        auth_require_tls=False,
        auth_exclude_mechanism=["LOGIN"],  # PLAIN only: one attempt per login
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _message(**kw: Any) -> Notification:
    base: dict[str, Any] = {
        "recipients": ("ap@customer.example",),
        "subject": "Payment reminder: €1,234.50 overdue",
        "text": "Dear customer,\nplease pay INV-7 (€1,234.50).\n",
        "html": "<p>Dear customer,<br>please pay <b>INV-7</b> (€1,234.50).</p>",
        "sender": "ar@o2c.example",
    }
    base.update(kw)
    return Notification(**base)


# ------------------------------------------------------------------ the port's contract


@pytest.fixture(params=["memory", "smtp"])
def notifier(request: pytest.FixtureRequest, smtp_server: tuple[_Handler, int]) -> Notifier:
    if request.param == "memory":
        return InMemoryNotifier()
    return SmtpNotifier("127.0.0.1", smtp_server[1], sender="ar@o2c.example", timeout=10)


def test_contract_every_notifier_is_a_notifier(notifier: Notifier) -> None:
    assert isinstance(notifier, Notifier)


def test_contract_send_returns_a_distinct_id_per_send(notifier: Notifier) -> None:
    first = notifier.send(_message())
    second = notifier.send(_message())
    assert isinstance(first, str)
    assert first
    assert first != second


def test_contract_a_message_needs_an_address() -> None:
    with pytest.raises(ValidationError):
        _message(recipients=())
    with pytest.raises(ValidationError):
        _message(recipients=("not an address",))


# ------------------------------------------------------------------ SMTP on loopback


def test_smtp_delivers_text_and_html_alternatives(smtp_server: tuple[_Handler, int]) -> None:
    handler, port = smtp_server
    before = len(handler.messages)
    notifier = SmtpNotifier("127.0.0.1", port, sender="default@o2c.example", domain="o2c.example")
    msg_id = notifier.send(
        _message(
            recipients=("ap@customer.example", "cfo@customer.example"),
            headers=(("X-O2C-Customer", "C1"),),
            reply_to="collections@o2c.example",
        )
    )
    mail_from, rcpt, parsed = handler.messages[before]
    assert mail_from == "ar@o2c.example"
    assert rcpt == ["ap@customer.example", "cfo@customer.example"]
    assert parsed["Message-ID"] == msg_id
    assert msg_id.endswith("@o2c.example>")
    assert parsed["Subject"] == "Payment reminder: €1,234.50 overdue"
    assert parsed["X-O2C-Customer"] == "C1"
    assert parsed["Reply-To"] == "collections@o2c.example"
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert "INV-7 (€1,234.50)" in text.get_content()
    assert "<b>INV-7</b>" in html.get_content()


def test_smtp_text_only_and_default_sender(smtp_server: tuple[_Handler, int]) -> None:
    handler, port = smtp_server
    before = len(handler.messages)
    SmtpNotifier("127.0.0.1", port, sender="default@o2c.example").send(
        _message(html=None, sender=None)
    )
    mail_from, _, parsed = handler.messages[before]
    assert mail_from == "default@o2c.example"
    assert parsed.get_content_type() == "text/plain"


def test_smtp_login(smtp_server: tuple[_Handler, int]) -> None:
    handler, port = smtp_server
    before = len(handler.messages)
    good = SmtpNotifier(
        "127.0.0.1", port, sender="ar@o2c.example", username="collector", password="s3cret"
    )
    good.send(_message())
    assert len(handler.messages) == before + 1
    bad = SmtpNotifier(
        "127.0.0.1",
        port,
        sender="ar@o2c.example",
        username="collector",
        password="wrong",
        timeout=5,
    )
    with pytest.raises(DeliveryError, match="login"):
        bad.send(_message())
    assert len(handler.messages) == before + 1
    with pytest.raises(ValidationError):
        SmtpNotifier("127.0.0.1", port, sender="a@b.example", username="only")


def test_smtp_refused_recipients_raise(smtp_server: tuple[_Handler, int]) -> None:
    handler, port = smtp_server
    notifier = SmtpNotifier("127.0.0.1", port, sender="ar@o2c.example")
    with pytest.raises(DeliveryError, match="every recipient"):
        notifier.send(_message(recipients=("refuse@customer.example",)))
    before = len(handler.messages)
    with pytest.raises(DeliveryError, match=r"refused: \['refuse-me@customer.example'\]") as info:
        notifier.send(_message(recipients=("ap@customer.example", "refuse-me@customer.example")))
    assert info.value.context["refused"] == ["refuse-me@customer.example"]
    assert handler.messages[before][1] == ["ap@customer.example"]


def test_smtp_unreachable_server_is_a_delivery_error() -> None:
    notifier = SmtpNotifier("127.0.0.1", _free_port(), sender="ar@o2c.example", timeout=5)
    with pytest.raises(DeliveryError) as info:
        notifier.send(_message())
    assert isinstance(info.value, ConnectionError)
    assert isinstance(info.value.__cause__, OSError)
    assert SmtpSecurity.NONE.value in repr(notifier)


def test_send_reminders_end_to_end_over_smtp(smtp_server: tuple[_Handler, int]) -> None:
    handler, port = smtp_server
    as_of = dt.date(2026, 3, 31)

    def inv(customer: str, n: str) -> OpenItem:
        return OpenItem(
            item_id=ItemId(n),
            customer_id=CustomerId(customer),
            kind=ItemKind.INVOICE,
            document_number=n,
            document_date=dt.date(2026, 1, 1),
            due_date=dt.date(2026, 2, 1),
            original_amount=money("1234.50", "EUR"),
            open_amount=money("1234.50", "EUR"),
        )

    run = propose_dunning(
        [inv("C1", "INV-1"), inv("C2", "INV-2"), inv("C3", "INV-3")],
        as_of,
        DunningPolicy(
            levels=[DunningLevel(level=1, days_after_due=1, interest_rate=Decimal("0.08"))],
            interest=InterestRule.fixed(Decimal("0.08")),
        ),
    )
    before = len(handler.messages)
    results = send_reminders(
        run.notices,
        SmtpNotifier("127.0.0.1", port, sender="ar@o2c.example"),
        contacts={"C1": ["ap@one.example"], "C2": ["refuse@two.example"]},
        locale={"C1": "de_DE"},
        company="o2c Demo AG",
    )
    assert [(r.customer_id, r.message_id is not None) for r in results] == [
        ("C1", True),
        ("C2", False),
        ("C3", False),
    ]
    assert results[2].error == "no contact"
    assert results[1].error is not None
    assert "refused" in results[1].error
    [(_, rcpt, parsed)] = handler.messages[before:]
    assert rcpt == ["ap@one.example"]
    assert parsed["Subject"].startswith("Zahlungserinnerung: 1.250,19")  # 1234.50 + 15.69 interest
    assert parsed["X-O2C-Dunning-Level"] == "1"


# ------------------------------------------------------------------ TLS on loopback


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A throw-away self-signed certificate for 127.0.0.1 (made with the openssl tool)."""
    import shutil
    import subprocess

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def _server_context(tls_files: tuple[str, str]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_files)
    return context


@pytest.mark.parametrize("security", [SmtpSecurity.STARTTLS, SmtpSecurity.SSL])
def test_smtp_over_tls(tls_files: tuple[str, str], security: SmtpSecurity) -> None:
    handler = _Handler()
    port = _free_port()
    server_context = _server_context(tls_files)
    # aiosmtpd offers AUTH under implicit TLS only when told TLS is not required: it only
    # counts a STARTTLS upgrade as TLS
    options: dict[str, Any] = (
        {"tls_context": server_context, "require_starttls": True, "auth_require_tls": True}
        if security is SmtpSecurity.STARTTLS
        else {"ssl_context": server_context, "auth_require_tls": False}
    )
    controller = aiosmtpd_controller.Controller(
        handler, hostname="127.0.0.1", port=port, authenticator=_authenticate, **options
    )
    controller.start()
    try:
        client_context = ssl.create_default_context(cafile=tls_files[0])
        notifier = SmtpNotifier(
            "127.0.0.1",
            port,
            sender="ar@o2c.example",
            security=security,
            ssl_context=client_context,
            username="collector",
            password="s3cret",
            timeout=10,
        )
        notifier.send(_message())
        assert [m[1] for m in handler.messages] == [["ap@customer.example"]]
        # a client that does not trust the certificate is refused, as a DeliveryError
        untrusting = SmtpNotifier(
            "127.0.0.1", port, sender="ar@o2c.example", security=security, timeout=10
        )
        with pytest.raises(DeliveryError):
            untrusting.send(_message())
        if security is SmtpSecurity.STARTTLS:
            plain = SmtpNotifier("127.0.0.1", port, sender="ar@o2c.example", timeout=10)
            with pytest.raises(DeliveryError):
                plain.send(_message())  # the server requires STARTTLS
    finally:
        controller.stop()
    assert len(handler.messages) == 1


def test_repr_never_shows_the_password() -> None:
    notifier = SmtpNotifier(
        "smtp.example", 587, sender="a@b.example", username="u", password="hunter2"
    )
    assert "hunter2" not in repr(notifier)
    assert "hunter2" not in str(vars(notifier).get("password", ""))


# ------------------------------------------------------------------ attachments


PDF = Attachment(
    file_name="statement-2026-03-31.pdf",
    media_type="application/pdf",
    content=b"%PDF-1.7\n\x00\xff binary \r\n bytes",
)
CSV = Attachment(
    file_name="Kontoauszug März.csv",
    media_type="text/csv",
    content="Monat;Rechnung;Betrag\nMärz;INV-7;1.234,50\n".encode(),
)


def test_smtp_sends_attachments_as_mime_parts(smtp_server: tuple[_Handler, int]) -> None:
    handler, port = smtp_server
    before = len(handler.messages)
    SmtpNotifier("127.0.0.1", port, sender="ar@o2c.example").send(_message(attachments=[PDF, CSV]))
    _, _, parsed = handler.messages[before]
    assert parsed.get_content_type() == "multipart/mixed"
    body = parsed.get_body(preferencelist=("html", "plain"))
    assert body is not None
    assert "<b>INV-7</b>" in body.get_content()
    text = parsed.get_body(preferencelist=("plain",))
    assert text is not None
    assert "INV-7 (€1,234.50)" in text.get_content()
    parts = list(parsed.iter_attachments())
    assert [p.get_filename() for p in parts] == [PDF.file_name, CSV.file_name]
    assert [p.get_content_type() for p in parts] == ["application/pdf", "text/csv"]
    assert [p.get_payload(decode=True) for p in parts] == [PDF.content, CSV.content]


def test_the_contract_keeps_attachments(notifier: Notifier) -> None:
    message = _message(attachments=(PDF,))
    assert notifier.send(message)
    if isinstance(notifier, InMemoryNotifier):
        assert notifier.outbox[-1].attachments == (PDF,)


def test_attachments_are_checked_and_size_limited() -> None:
    with pytest.raises(ValidationError, match="media type") as caught:
        Attachment(file_name="a.pdf", media_type="pdf", content=b"")
    assert caught.value.field == "media_type"
    for name in ("", "dir/a.pdf", "a\\b.pdf", "a\nb.pdf"):
        with pytest.raises(ValidationError, match="file name") as caught:
            Attachment(file_name=name, media_type="application/pdf", content=b"")
        assert caught.value.field == "file_name"
    with pytest.raises(ValidationError, match="bytes") as caught:
        Attachment(file_name="a.txt", media_type="text/plain", content="text")  # type: ignore[arg-type]
    assert caught.value.field == "content"
    big = b"x" * (MAX_ATTACHMENT_BYTES + 1)
    with pytest.raises(ValidationError, match="at most 10,485,760") as caught:
        Attachment(file_name="big.pdf", media_type="application/pdf", content=big)
    assert caught.value.field == "content"
    assert caught.value.value == MAX_ATTACHMENT_BYTES + 1
    half = Attachment(
        file_name="half.pdf",
        media_type="application/pdf",
        content=big[: MAX_ATTACHMENT_BYTES // 2 + 1],
    )
    assert half.size == MAX_ATTACHMENT_BYTES // 2 + 1
    with pytest.raises(ValidationError, match="together") as caught:
        _message(attachments=[half, half])
    assert caught.value.field == "attachments"
    with pytest.raises(ValidationError, match="Attachment values") as caught:
        _message(attachments=[b"%PDF"])
    assert caught.value.field == "attachments"
    exactly = Attachment(
        file_name="max.pdf", media_type="application/pdf", content=big[:MAX_ATTACHMENT_BYTES]
    )
    assert _message(attachments=[exactly]).attachments == (exactly,)
