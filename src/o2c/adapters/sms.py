"""Text messages through HTTP gateways and Twilio: the SMS :class:`~o2c.ports.Notifier`.

:class:`SmsNotifier` sends a :class:`~o2c.collecting.reminders.Notification`'s text to each of
its recipients (``+4915112345678@sms``, see :func:`o2c.collecting.sms.sms_address`), after
writing each number in E.164 (``phonenumbers``, extra ``sms``) and leaving out the numbers that
opted out.  Each number goes through the first of its gateways that serves the number's country
(the per-country routing of OCA's ``sms_alternative_provider``: a gateway with no countries
serves every country):

- :class:`HttpGateway`: any provider with an HTTP API, described as data (as ERPNext's SMS
  Settings, with the JSON bodies and template ids its users ask for, #28680, #38960): URL,
  method, a JSON, form or query body built from a template with placeholders ``{number}``,
  ``{number_digits}`` (without the ``+``), ``{text}``, ``{sender}`` and ``{template_id}``,
  headers, and the response field that holds the message id (a dotted path, ``messages.0.id``).
- :class:`TwilioGateway`: Twilio's Messages REST API (``POST /2010-04-01/Accounts/{sid}/
  Messages.json``, form body, basic auth), spoken with the standard library (no SDK); the base
  URL can point at a test server.

Every request has a timeout.  A gateway's refusal (HTTP 4xx, with the provider's message), its
failure (5xx), no answer in time, or no connection raise :class:`~o2c.errors.DeliveryError`
naming the gateway and the number; ``status`` in its context holds the HTTP status (``None``
without one).  A timeout leaves it open whether the gateway took the message: the caller decides
whether to retry (a resend may reach the customer twice).

>>> gateway = HttpGateway(name="acme", url="https://sms.example/send",
...     template={"to": "{number}", "message": "{text}"}, message_id_field="id")
>>> notifier = SmsNotifier([gateway], region="DE", opted_out=["+4915100000000"])
>>> notifier.route("+33612345678").name
'acme'
"""

from __future__ import annotations

import base64
import enum
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

import attrs

from o2c.collecting.reminders import Notification
from o2c.collecting.sms import (
    OptedOutError,
    normalise_number,
    number_region,
    parse_sms_address,
    split_opted_out,
)
from o2c.errors import DeliveryError, ValidationError

__all__ = [
    "BodyFormat",
    "HttpGateway",
    "SmsGateway",
    "SmsNotifier",
    "TwilioGateway",
    "fill_template",
]

#: Characters of a provider's error body kept in a DeliveryError's message.
_ERROR_TEXT = 300


class BodyFormat(enum.Enum):
    """How an :class:`HttpGateway` sends its fields."""

    #: A JSON document (``Content-Type: application/json``).
    JSON = "json"
    #: An HTML form (``application/x-www-form-urlencoded``).
    FORM = "form"
    #: In the URL's query string (GET gateways).
    QUERY = "query"


class SmsGateway(Protocol):
    """One provider's way to send a text: a name, the countries it serves, and :meth:`deliver`."""

    @property
    def name(self) -> str:
        """The gateway's name (in errors and message ids)."""
        ...

    @property
    def countries(self) -> frozenset[str]:
        """The regions (ISO 3166 alpha-2) it serves; empty for all."""
        ...

    def deliver(self, number: str, text: str, *, sender: str | None) -> str:
        """Send ``text`` to ``number`` (E.164); the provider's message id."""
        ...


def fill_template(template: Any, values: Mapping[str, str]) -> Any:
    """``template`` with each ``{name}`` of ``values`` replaced in its strings (recursively).

    Only the names given are replaced (other braces stay as they are), and a JSON template is
    filled value by value, so a text with quotes or braces never breaks the document.

    >>> fill_template({"to": "{number}", "sms": {"body": "{text}", "n": 1}},
    ...               {"number": "+491511", "text": 'Say "hi" {x}'})
    {'to': '+491511', 'sms': {'body': 'Say "hi" {x}', 'n': 1}}
    """
    if isinstance(template, str):
        out = template
        for name, value in values.items():
            out = out.replace("{" + name + "}", value)
        return out
    if isinstance(template, Mapping):
        return {k: fill_template(v, values) for k, v in template.items()}
    if isinstance(template, list | tuple):
        return [fill_template(v, values) for v in template]
    return template


def _upper(value: str) -> str:
    return value.upper()


def _countries(value: Collection[str]) -> frozenset[str]:
    return frozenset(c.upper() for c in value)


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValidationError(
            f"{attribute.name}={value!r}: give a number of seconds > 0 (every request needs "
            "a timeout)",
            field=attribute.name,
            value=value,
        )


def _http_url(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValidationError(
            f"{attribute.name}={value!r} is not an http(s) URL", field=attribute.name, value=value
        )


def _headers(value: Mapping[str, str] | Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple((str(k), str(v)) for k, v in items)


def _field(document: Any, path: str) -> Any:
    current = document
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def _provider_message(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    try:
        document = json.loads(text)
    except ValueError:
        return text[:_ERROR_TEXT]
    for path in ("message", "error.message", "error_message", "errors.0.message", "detail"):
        found = _field(document, path)
        if isinstance(found, str) and found:
            code = _field(document, "code")
            return f"{found} (code {code})" if code is not None else found
    if isinstance(_field(document, "error"), str):
        return str(document["error"])
    return text[:_ERROR_TEXT]


def _exchange(
    gateway: str, number: str, request: urllib.request.Request, timeout: float, opener: Any
) -> bytes:
    """The response body of a 2xx answer; DeliveryError for anything else."""
    try:
        with opener.open(request, timeout=timeout) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        body = exc.read() if exc.fp is not None else b""
        kind = "refused it" if exc.code < 500 else "failed"
        raise DeliveryError(
            f"SMS gateway {gateway}",
            f"{kind} for {number} with HTTP {exc.code}: {_provider_message(body)}",
            status=exc.code,
            number=number,
        ) from exc
    except TimeoutError as exc:
        raise _timeout(gateway, number, timeout) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _timeout(gateway, number, timeout) from exc
        raise DeliveryError(
            f"SMS gateway {gateway}",
            f"cannot reach it for {number}: {exc.reason}",
            status=None,
            number=number,
        ) from exc
    except OSError as exc:
        raise DeliveryError(
            f"SMS gateway {gateway}", f"the exchange for {number} failed: {exc}", status=None
        ) from exc


def _timeout(gateway: str, number: str, timeout: float) -> DeliveryError:
    return DeliveryError(
        f"SMS gateway {gateway}",
        f"no answer for {number} within {timeout} s (the message may or may not have been "
        "taken: check the gateway before sending again)",
        status=None,
        number=number,
    )


def _opener(proxies: Mapping[str, str] | None) -> Any:
    handlers = [] if proxies is None else [urllib.request.ProxyHandler(dict(proxies))]
    return urllib.request.build_opener(*handlers)


@attrs.frozen(kw_only=True)
class HttpGateway:
    """A provider's HTTP API described as data.

    Args:
        name: the gateway's name.
        url: where to send (placeholders allowed, e.g. ``.../send?to={number}``).
        method: ``POST`` or ``GET``.
        body: JSON, form or query string.
        template: the fields to send (a JSON document for JSON bodies), with placeholders.
        headers: extra headers (an API key, ...), placeholders allowed.
        message_id_field: the dotted path of the message id in the JSON answer; a gateway that
            answers without it gets an id ``<name>:<random>``.
        sender: the sender id or number (``{sender}``) when a message has none.
        template_id: a registered template's id (``{template_id}``, India's DLT).
        countries: the regions it serves (empty: every region).
        timeout: seconds to wait for an answer.
        proxies: ``{"https": "http://proxy:3128"}``; ``None`` takes the environment's.
    """

    name: str
    url: str = attrs.field(validator=_http_url)
    method: str = attrs.field(default="POST", converter=_upper)
    body: BodyFormat = BodyFormat.JSON
    template: Mapping[str, Any] = attrs.field(factory=dict, converter=dict, hash=False)
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_headers)
    message_id_field: str = "id"
    sender: str = ""
    template_id: str = ""
    countries: frozenset[str] = attrs.field(default=frozenset(), converter=_countries)
    timeout: float = attrs.field(default=10.0, validator=_positive)
    proxies: Mapping[str, str] | None = attrs.field(default=None, hash=False)

    @method.validator
    def _check_method(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in {"POST", "GET", "PUT"}:
            raise ValidationError(
                f"method={value!r}: an SMS gateway is called with POST, PUT or GET",
                field="method",
                value=value,
            )

    def request(self, number: str, text: str, *, sender: str | None) -> urllib.request.Request:
        """The HTTP request that sends ``text`` to ``number``."""
        values = {
            "number": number,
            "number_digits": number.lstrip("+"),
            "text": text,
            "sender": sender or self.sender,
            "template_id": self.template_id,
        }
        quoted = {k: urllib.parse.quote(v, safe="+") for k, v in values.items()}
        url = fill_template(self.url, quoted)
        fields = fill_template(self.template, values)
        headers = dict(fill_template(list(self.headers), values))
        data: bytes | None = None
        if self.body is BodyFormat.JSON:
            data = json.dumps(fields, ensure_ascii=False).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        elif self.body is BodyFormat.FORM:
            data = urllib.parse.urlencode(fields).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        else:
            join = "&" if urllib.parse.urlsplit(url).query else "?"
            url = f"{url}{join}{urllib.parse.urlencode(fields)}" if fields else url
        headers.setdefault("Accept", "application/json")
        return urllib.request.Request(url, data=data, headers=headers, method=self.method)

    def deliver(self, number: str, text: str, *, sender: str | None) -> str:
        """Send ``text`` to ``number``; the provider's message id.

        Raises:
            DeliveryError: refused, failed, timed out or unreachable.
        """
        body = _exchange(
            self.name,
            number,
            self.request(number, text, sender=sender),
            self.timeout,
            _opener(self.proxies),
        )
        try:
            found = _field(json.loads(body), self.message_id_field) if body.strip() else None
        except ValueError:
            found = None
        if found is None or isinstance(found, dict | list) or found == "":
            return f"{self.name}:{uuid.uuid4().hex}"
        return str(found)


@attrs.frozen(kw_only=True)
class TwilioGateway:
    """Twilio's Messages API: ``POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json``.

    Args:
        account_sid: the account (``AC...``); also the basic-auth user unless ``api_key``.
        auth_token: the account's auth token (or the API key's secret).
        from_number: the sending number or alphanumeric sender id (``From``).
        messaging_service_sid: send through a messaging service (``MG...``) instead.
        api_key: an API key sid (``SK...``) to authenticate with instead of the account sid.
        base_url: Twilio's API (a test server's URL in tests).
        countries: the regions it serves (empty: every region).
        timeout: seconds to wait for an answer.
        proxies: as for :class:`HttpGateway`.
    """

    account_sid: str
    auth_token: str = attrs.field(repr=False)
    from_number: str = ""
    messaging_service_sid: str = ""
    api_key: str = ""
    base_url: str = attrs.field(default="https://api.twilio.com", validator=_http_url)
    countries: frozenset[str] = attrs.field(default=frozenset(), converter=_countries)
    timeout: float = attrs.field(default=10.0, validator=_positive)
    proxies: Mapping[str, str] | None = attrs.field(default=None, hash=False)
    name: str = "twilio"

    def __attrs_post_init__(self) -> None:
        if not (self.from_number or self.messaging_service_sid):
            raise ValidationError(
                "Twilio needs a from_number or a messaging_service_sid to send from",
                field="from_number",
                value=self.from_number,
            )

    def request(self, number: str, text: str, *, sender: str | None) -> urllib.request.Request:
        """The HTTP request that sends ``text`` to ``number``."""
        fields = {"To": number, "Body": text}
        if self.messaging_service_sid and not sender:
            fields["MessagingServiceSid"] = self.messaging_service_sid
        else:
            fields["From"] = sender or self.from_number
        sid = urllib.parse.quote(self.account_sid, safe="")
        url = f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        user = self.api_key or self.account_sid
        token = base64.b64encode(f"{user}:{self.auth_token}".encode()).decode()
        return urllib.request.Request(
            url,
            data=urllib.parse.urlencode(fields).encode(),
            headers={
                "Authorization": f"Basic {token}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            method="POST",
        )

    def deliver(self, number: str, text: str, *, sender: str | None) -> str:
        """Send ``text`` to ``number``; the message's sid (``SM...``).

        Raises:
            DeliveryError: refused (Twilio's error code and message), failed, timed out.
        """
        request = self.request(number, text, sender=sender)
        body = _exchange(self.name, number, request, self.timeout, _opener(self.proxies))
        try:
            sid = json.loads(body).get("sid")
        except (ValueError, AttributeError):
            sid = None
        if not isinstance(sid, str) or not sid:
            raise DeliveryError(
                f"SMS gateway {self.name}",
                f"accepted the message for {number} but its answer has no sid: "
                f"{body[:_ERROR_TEXT]!r}",
                status=None,
                number=number,
            )
        return sid


class SmsNotifier:
    """The SMS :class:`~o2c.ports.Notifier`: routes each recipient to a gateway and sends.

    Args:
        gateways: tried in order; a number goes to the first that serves its country.
        region: the region national numbers are read in (``"DE"``: ``0151...`` is German).
        opted_out: numbers (any form) that opted out of text messages: never sent to.
        sender: the sender id when a message has none (else each gateway's own).

    :meth:`send` returns the message ids joined by commas (one per number); numbers that opted
    out are left out, and when every one did it raises
    :class:`~o2c.collecting.sms.OptedOutError` (a DeliveryError: nothing was sent).  A failure
    after some numbers were sent raises DeliveryError with ``sent`` (their ids) in its context.
    """

    def __init__(
        self,
        gateways: Sequence[SmsGateway],
        *,
        region: str = "DE",
        opted_out: Collection[str] = (),
        sender: str | None = None,
    ) -> None:
        if not gateways:
            raise ValidationError("an SMS notifier needs a gateway", field="gateways", value=())
        self.gateways = tuple(gateways)
        self.region = region
        self.sender = sender
        self.opted_out = frozenset(normalise_number(n, region=region) for n in opted_out)

    def route(self, number: str) -> SmsGateway:
        """The gateway for ``number`` (E.164).

        Raises:
            DeliveryError: no gateway serves the number's country.
        """
        region = number_region(number)
        for gateway in self.gateways:
            if not gateway.countries or region in gateway.countries:
                return gateway
        raise DeliveryError(
            "SMS",
            f"no gateway serves {number} (region {region or 'unknown'}); add one for it",
            status=None,
            number=number,
        )

    def send(self, message: Notification, /) -> str:
        """Text ``message.text`` to each recipient; the message ids, joined by commas.

        A text message carries no file: a notification with attachments is refused before
        anything is sent (not sent without them: the customer would be told of a statement it
        never gets); send it by e-mail, or ``attrs.evolve(message, attachments=())`` and a text
        that stands alone.

        Raises:
            ValidationError: a recipient that is not ``<number>@sms`` or not a valid number.
            OptedOutError: every recipient opted out (nothing sent).
            DeliveryError: the message has attachments (``attachments`` in its context: their
                file names; nothing sent), or a gateway refused, failed or did not answer in
                time.
        """
        if message.attachments:
            names = tuple(a.file_name for a in message.attachments)
            raise DeliveryError(
                "SMS",
                f"a text message cannot carry attachments ({', '.join(names)}): send them by "
                "e-mail, or leave them out of the notification",
                status=None,
                attachments=names,
            )
        numbers = [
            normalise_number(parse_sms_address(r), region=self.region) for r in message.recipients
        ]
        send, skipped = split_opted_out(numbers, self.opted_out)
        if not send:
            raise OptedOutError("SMS", skipped)
        routes = [(n, self.route(n)) for n in send]
        ids: list[str] = []
        for number, gateway in routes:
            try:
                ids.append(
                    gateway.deliver(number, message.text, sender=message.sender or self.sender)
                )
            except DeliveryError as exc:
                if not ids:
                    raise
                raise DeliveryError(
                    exc.transport,
                    f"{exc.reason} (already sent to {len(ids)} other number(s): {', '.join(ids)})",
                    sent=tuple(ids),
                    **{k: v for k, v in exc.context.items() if k != "transport"},
                ) from exc
        return ",".join(ids)
