"""The SMS notifier against a fake gateway on 127.0.0.1: success, refusal, timeout, failure.

The fake is ``http.server`` in a thread; each test says how it answers and reads back what it
was sent.  No test touches the network beyond loopback.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs
import pytest

from o2c.adapters.sms import BodyFormat, HttpGateway, SmsNotifier, TwilioGateway
from o2c.collecting.reminders import InMemoryNotifier, Notification, send_reminders
from o2c.collecting.sms import OptedOutError, render_sms_reminder, sms_notification
from o2c.errors import DeliveryError, ValidationError
from o2c.ports import Notifier
from tests.test_reminders import _notice


@attrs.define
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode()))

    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))


#: How the fake answers: (status, body, seconds to wait first).
Answer = tuple[int, Any, float]


@attrs.define
class FakeGateway:
    url: str
    received: list[Received]
    answer: Callable[[Received], Answer]


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    received: list[Received] = []
    state = FakeGateway("", received, lambda r: (200, {"id": f"m{len(received)}"}, 0.0))

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            got = Received(
                self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
            )
            received.append(got)
            status, body, delay = state.answer(got)
            time.sleep(delay)
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (timeout test)
                pass

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _json_gateway(url: str, **kw: Any) -> HttpGateway:
    return HttpGateway(
        name="acme",
        url=f"{url}/v1/messages",
        headers={"Authorization": "Bearer k3y"},
        template={
            "messages": [{"to": "{number}", "text": "{text}", "from": "{sender}"}],
            "dlt": {"template_id": "{template_id}"},
        },
        message_id_field="data.0.id",
        sender="O2C",
        template_id="1107161234567890123",
        proxies={},
        **kw,
    )


def _message(*numbers: str, text: str = 'Please pay INV-1 (€ 120.00) "now" {x}') -> Notification:
    return sms_notification(text, numbers or ("0151 1234 5678",), customer_id="C1")


def test_json_gateway_success(gateway: FakeGateway) -> None:
    gateway.answer = lambda r: (201, {"data": [{"id": "msg-77"}]}, 0.0)
    notifier = SmsNotifier([_json_gateway(gateway.url)], region="DE")
    assert isinstance(notifier, Notifier)
    assert notifier.send(_message()) == "msg-77"
    (got,) = gateway.received
    assert (got.method, got.path) == ("POST", "/v1/messages")
    assert got.headers["Authorization"] == "Bearer k3y"
    assert got.headers["Content-Type"].startswith("application/json")
    assert got.json() == {
        "messages": [
            {"to": "+4915112345678", "text": 'Please pay INV-1 (€ 120.00) "now" {x}', "from": "O2C"}
        ],
        "dlt": {"template_id": "1107161234567890123"},
    }


def test_form_and_query_gateways(gateway: FakeGateway) -> None:
    gateway.answer = lambda r: (200, b"OK", 0.0)  # no JSON: an id is made up
    form = HttpGateway(
        name="form",
        url=f"{gateway.url}/send",
        body=BodyFormat.FORM,
        template={"to": "{number_digits}", "msg": "{text}", "key": "abc"},
        proxies={},
    )
    query = HttpGateway(
        name="query",
        url=f"{gateway.url}/api?user=u1",
        method="get",
        body=BodyFormat.QUERY,
        template={"dest": "{number}", "sms": "{text}"},
        proxies={},
    )
    first = SmsNotifier([form]).send(_message(text="Hi & bye"))
    second = SmsNotifier([query]).send(_message(text="Hi & bye"))
    assert first.startswith("form:")
    assert second.startswith("query:")
    assert first != SmsNotifier([form]).send(_message(text="again"))
    sent_form, sent_query = gateway.received[0], gateway.received[1]
    assert sent_form.form() == {"to": "4915112345678", "msg": "Hi & bye", "key": "abc"}
    assert sent_query.method == "GET"
    assert sent_query.query() == {"user": "u1", "dest": "+4915112345678", "sms": "Hi & bye"}


def test_a_refusal_is_a_delivery_error_with_the_providers_message(gateway: FakeGateway) -> None:
    gateway.answer = lambda r: (400, {"error": {"message": "unknown sender id"}}, 0.0)
    with pytest.raises(
        DeliveryError, match="refused it for \\+4915112345678 with HTTP 400: unknown sender id"
    ) as caught:
        SmsNotifier([_json_gateway(gateway.url)]).send(_message())
    assert caught.value.context["status"] == 400
    assert caught.value.transport == "SMS gateway acme"


def test_a_server_failure_is_a_delivery_error(gateway: FakeGateway) -> None:
    gateway.answer = lambda r: (503, b"<html>overloaded</html>", 0.0)
    with pytest.raises(DeliveryError, match=r"failed for .* HTTP 503: <html>overloaded") as caught:
        SmsNotifier([_json_gateway(gateway.url)]).send(_message())
    assert caught.value.context["status"] == 503


def test_a_timeout_is_bounded_and_a_delivery_error(gateway: FakeGateway) -> None:
    gateway.answer = lambda r: (200, {"data": [{"id": "late"}]}, 1.5)
    notifier = SmsNotifier([_json_gateway(gateway.url, timeout=0.3)])
    started = time.monotonic()
    with pytest.raises(DeliveryError, match=r"no answer for \+4915112345678 within 0\.3 s"):
        notifier.send(_message())
    assert time.monotonic() - started < 1.4


def test_no_server_is_a_delivery_error() -> None:
    dead = HttpGateway(name="dead", url="http://127.0.0.1:9/x", proxies={}, timeout=2)
    with pytest.raises(DeliveryError, match="cannot reach it"):
        SmsNotifier([dead]).send(_message())


def test_opted_out_numbers_are_never_sent_to(gateway: FakeGateway) -> None:
    notifier = SmsNotifier(
        [_json_gateway(gateway.url)], region="DE", opted_out=["+49 151 12345678"]
    )
    gateway.answer = lambda r: (200, {"data": [{"id": "ok"}]}, 0.0)
    assert notifier.send(_message("0151 1234 5678", "+33 6 12 34 56 78")) == "ok"
    assert [r.json()["messages"][0]["to"] for r in gateway.received] == ["+33612345678"]
    with pytest.raises(OptedOutError, match="opted out") as caught:
        notifier.send(_message("015112345678"))
    assert caught.value.numbers == ("+4915112345678",)
    assert len(gateway.received) == 1


def test_a_message_with_attachments_is_refused_before_anything_is_sent(
    gateway: FakeGateway,
) -> None:
    from o2c.collecting.reminders import Attachment

    gateway.answer = lambda r: (200, {"data": [{"id": "ok"}]}, 0.0)
    notifier = SmsNotifier([_json_gateway(gateway.url)], region="DE")
    pdf = Attachment(file_name="statement.pdf", media_type="application/pdf", content=b"%PDF")
    message = attrs.evolve(_message(), attachments=(pdf,))
    with pytest.raises(DeliveryError, match="cannot carry attachments") as caught:
        notifier.send(message)
    assert caught.value.context["attachments"] == ("statement.pdf",)
    assert "statement.pdf" in str(caught.value)
    assert gateway.received == []
    assert notifier.send(attrs.evolve(message, attachments=())) == "ok"
    assert len(gateway.received) == 1


def test_numbers_are_routed_by_country_and_a_late_failure_names_what_was_sent(
    gateway: FakeGateway,
) -> None:
    def answer(r: Received) -> Answer:
        if r.path.startswith("/fr"):
            return 500, {"message": "down"}, 0.0
        return 200, {"id": f"de-{len(gateway.received)}"}, 0.0

    gateway.answer = answer
    french = HttpGateway(
        name="fr",
        url=f"{gateway.url}/fr",
        countries={"fr"},
        template={"to": "{number}"},
        proxies={},
    )
    anywhere = HttpGateway(
        name="any", url=f"{gateway.url}/any", template={"to": "{number}"}, proxies={}
    )
    notifier = SmsNotifier([french, anywhere])
    assert notifier.route("+33612345678").name == "fr"
    assert notifier.route("+4915112345678").name == "any"
    assert notifier.send(_message("0151 1234 5678")) == "de-1"
    with pytest.raises(DeliveryError, match="already sent to 1 other number") as caught:
        notifier.send(_message("0151 1234 5678", "+33 6 12 34 56 78"))
    assert caught.value.context["sent"] == ("de-2",)
    only_french = SmsNotifier([french])
    with pytest.raises(DeliveryError, match="no gateway serves \\+4915112345678"):
        only_french.send(_message())


def test_bad_configuration_is_named() -> None:
    with pytest.raises(ValidationError, match="timeout=0"):
        HttpGateway(name="x", url="https://sms.example", timeout=0)
    with pytest.raises(ValidationError, match="url='ftp://x'"):
        HttpGateway(name="x", url="ftp://x")
    with pytest.raises(ValidationError, match="method='DELETE'"):
        HttpGateway(name="x", url="https://sms.example", method="delete")
    with pytest.raises(ValidationError, match="from_number or a messaging_service_sid"):
        TwilioGateway(account_sid="AC1", auth_token="t")
    with pytest.raises(ValidationError, match="needs a gateway"):
        SmsNotifier([])
    with pytest.raises(ValidationError, match="not a text-message address"):
        SmsNotifier([HttpGateway(name="x", url="https://sms.example")]).send(
            Notification(recipients=["ap@example.com"], subject="s", text="t")
        )


# ------------------------------------------------------------------------------ Twilio


def _twilio(url: str, **kw: Any) -> TwilioGateway:
    return TwilioGateway(account_sid="AC0123", auth_token="s3cret", base_url=url, proxies={}, **kw)


def test_twilio_success_speaks_the_messages_api(gateway: FakeGateway) -> None:
    gateway.answer = lambda r: (201, {"sid": "SM9f", "status": "queued"}, 0.0)
    notifier = SmsNotifier([_twilio(gateway.url, from_number="+15005550006")])
    assert notifier.send(_message()) == "SM9f"
    (got,) = gateway.received
    assert (got.method, got.path) == ("POST", "/2010-04-01/Accounts/AC0123/Messages.json")
    assert got.headers["Authorization"] == "Basic " + base64.b64encode(b"AC0123:s3cret").decode()
    assert got.form() == {
        "To": "+4915112345678",
        "From": "+15005550006",
        "Body": 'Please pay INV-1 (€ 120.00) "now" {x}',
    }
    service = SmsNotifier([_twilio(gateway.url, messaging_service_sid="MG1", api_key="SK1")])
    service.send(_message())
    assert gateway.received[1].form()["MessagingServiceSid"] == "MG1"
    assert "From" not in gateway.received[1].form()
    assert (
        gateway.received[1]
        .headers["Authorization"]
        .endswith(base64.b64encode(b"SK1:s3cret").decode())
    )
    assert "s3cret" not in repr(service.gateways[0])


def test_twilio_refusal_carries_its_code_and_message(gateway: FakeGateway) -> None:
    error = {
        "code": 21211,
        "message": "The 'To' number +4915112345678 is not a valid phone number.",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400,
    }
    gateway.answer = lambda r: (400, error, 0.0)
    with pytest.raises(DeliveryError, match=r"HTTP 400: The 'To' number .* \(code 21211\)"):
        SmsNotifier([_twilio(gateway.url, from_number="+15005550006")]).send(_message())


def test_twilio_timeout_and_failure(gateway: FakeGateway) -> None:
    notifier = SmsNotifier([_twilio(gateway.url, from_number="+15005550006", timeout=0.3)])
    gateway.answer = lambda r: (201, {"sid": "SMlate"}, 1.5)
    with pytest.raises(DeliveryError, match=r"within 0\.3 s"):
        notifier.send(_message())
    gateway.answer = lambda r: (500, {"code": 20500, "message": "Internal Server Error"}, 0.0)
    with pytest.raises(DeliveryError, match=r"failed .* HTTP 500"):
        notifier.send(_message())
    gateway.answer = lambda r: (201, {"status": "queued"}, 0.0)
    with pytest.raises(DeliveryError, match="no sid"):
        notifier.send(_message())


def test_reminders_go_out_as_texts_through_send_reminders(gateway: FakeGateway) -> None:
    """The existing reminder run sends texts when handed the SMS notifier and numbers."""
    notice = _notice()
    text = render_sms_reminder(notice, locale="de_DE", company="o2c Demo AG")
    gateway.answer = lambda r: (200, {"data": [{"id": "r1"}]}, 0.0)
    notifier = SmsNotifier([_json_gateway(gateway.url)])
    assert notifier.send(sms_notification(text, ["0151 1234 5678"])) == "r1"
    assert gateway.received[0].json()["messages"][0]["text"] == text
    # The e-mail-shaped reminder run works with it too (its text body goes out).
    results = send_reminders(
        [notice], notifier, contacts={"C1": ["+4915112345678@sms"]}, locale="en_GB"
    )
    assert [(r.message_id, r.error) for r in results] == [("r1", None)]
    memory = InMemoryNotifier()
    assert send_reminders([notice], memory, contacts={"C1": ["+4915112345678@sms"]})
