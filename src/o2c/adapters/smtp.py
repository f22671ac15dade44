"""An SMTP :class:`~o2c.ports.Notifier` on the standard library's ``smtplib`` (no extra needed).

Each :meth:`SmtpNotifier.send` opens a connection, optionally upgrades it (STARTTLS) or starts in
TLS, logs in when credentials are given, sends one message and closes: ``multipart/alternative``
(text and, when present, HTML), inside ``multipart/mixed`` with one part per attachment (its
file name and media type, base64) when the notification has any.  A refused recipient or any
transport failure raises :class:`~o2c.errors.DeliveryError` with the cause chained.

>>> notifier = SmtpNotifier("127.0.0.1", 2525, sender="ar@example.com")
>>> notifier.security.value
'none'
"""

from __future__ import annotations

import enum
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from o2c.collecting.reminders import Notification
from o2c.errors import DeliveryError, ValidationError

__all__ = ["SmtpNotifier", "SmtpSecurity", "build_message"]


class SmtpSecurity(enum.Enum):
    """How the connection to the SMTP server is protected."""

    #: Plain SMTP (a local relay, a test server on loopback).
    NONE = "none"
    #: Plain connection upgraded with STARTTLS (port 587).
    STARTTLS = "starttls"
    #: TLS from the start (SMTPS, port 465).
    SSL = "ssl"


def build_message(message: Notification, *, sender: str, domain: str | None = None) -> EmailMessage:
    """The ``EmailMessage`` for ``message``: text, plus an HTML alternative when it has one, plus
    each attachment as a part of its own (``Content-Disposition: attachment`` with its file name).

    >>> from o2c.collecting.reminders import Attachment
    >>> email = build_message(Notification(recipients=["ap@example.com"], subject="Statement",
    ...     text="Attached.", attachments=[Attachment(file_name="statement.pdf",
    ...     media_type="application/pdf", content=b"%PDF-1.7")]), sender="ar@example.com")
    >>> email.get_content_type()
    'multipart/mixed'
    >>> [(p.get_filename(), p.get_content_type(), p.get_content())
    ...  for p in email.iter_attachments()]
    [('statement.pdf', 'application/pdf', b'%PDF-1.7')]
    """
    email = EmailMessage()
    email["From"] = message.sender or sender
    email["To"] = ", ".join(message.recipients)
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=domain)
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    for name, value in message.headers:
        email[name] = value
    email.set_content(message.text)
    if message.html is not None:
        email.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, subtype = attachment.media_type.split("/", 1)
        email.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.file_name
        )
    return email


class SmtpNotifier:
    """Sends notifications through an SMTP server.

    Args:
        host: the server's host name or address.
        port: its port (25, 587 for STARTTLS, 465 for SSL ...).
        sender: the ``From`` address when a message has none.
        username: log in with these credentials (with ``password``) when given.
        security: plain, STARTTLS or SSL.
        timeout: seconds to wait for the server.
        ssl_context: the TLS context (the system's default when ``None``).
        domain: the domain part of generated ``Message-ID`` s (the local host name when ``None``).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        security: SmtpSecurity = SmtpSecurity.NONE,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        domain: str | None = None,
    ) -> None:
        if (username is None) != (password is None):
            raise ValidationError(
                "give both username and password, or neither", field="username", value=username
            )
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self._password = password
        self.security = security
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.domain = domain

    def __repr__(self) -> str:
        return f"SmtpNotifier({self.host!r}, {self.port}, security={self.security.value!r})"

    def _connect(self) -> smtplib.SMTP:
        if self.security is SmtpSecurity.SSL:
            return smtplib.SMTP_SSL(
                self.host,
                self.port,
                timeout=self.timeout,
                context=self.ssl_context or ssl.create_default_context(),
            )
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security is SmtpSecurity.STARTTLS:
            client.starttls(context=self.ssl_context or ssl.create_default_context())
        return client

    def send(self, message: Notification, /) -> str:
        """Send ``message`` to all its recipients; returns its ``Message-ID``.

        Raises:
            DeliveryError: the server refused a recipient or the message, or could not be
                reached.
        """
        email = build_message(message, sender=self.sender, domain=self.domain)
        where = f"SMTP server {self.host}:{self.port}"
        try:
            with self._connect() as client:
                if self.username is not None and self._password is not None:
                    client.login(self.username, self._password)
                refused = client.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                where, f"every recipient was refused: {sorted(exc.recipients)}"
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(where, f"login as {self.username!r} failed: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(where, f"{type(exc).__name__}: {exc}") from exc
        if refused:
            raise DeliveryError(
                where,
                f"recipients refused: {sorted(refused)} (the others were sent the message)",
                refused=sorted(refused),
            )
        return str(email["Message-ID"])
