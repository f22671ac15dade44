"""The forex-python adapter against local fake servers on 127.0.0.1 (never the internet).

``FakeRatesServer`` speaks theratesapi.com's protocol (``GET /api/<date>?base=EUR``) from the
ECB sample file; ``silent_server`` accepts connections and never answers (forex-python would
hang on it forever); ``closed_port`` has nobody listening (what being offline looks like).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from o2c.adapters.forex import SOURCE, ForexPythonRates
from o2c.errors import MissingExtraError, RateNotFoundError, RateUnavailableError
from o2c.fx import RateKind, convert
from o2c.money import CONTEXT, money
from tests.test_fx_ecb import SAMPLE_CSV

D = dt.date(2024, 1, 2)


def _sample_days(path: Path) -> dict[dt.date, dict[str, Decimal]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    codes = lines[0].split(",")[1:]
    days = {}
    for line in lines[1:]:
        cells = line.split(",")
        days[dt.date.fromisoformat(cells[0])] = {
            code: Decimal(cell)
            for code, cell in zip(codes, cells[1:], strict=False)
            if code and cell not in ("", "N/A")
        }
    return days


class FakeRatesServer:
    """theratesapi.com on loopback: euro rates of the ECB sample, a day back-filled up to 7 days.

    Rates for another base are rounded to 6 decimals, as public services round their cross rates.
    ``requests`` counts the queries it served.
    """

    def __init__(self) -> None:
        self.days = _sample_days(SAMPLE_CSV)
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append({"path": url.path, **query})
                status, body = fake.answer(url.path.rsplit("/", 1)[-1], query)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def answer(self, day: str, query: dict[str, str]) -> tuple[int, str]:
        if self.status != 200:
            return self.status, '{"error": "maintenance"}'
        requested = dt.date.fromisoformat(day)
        base = query.get("base", "EUR")
        found = [d for d in self.days if requested - dt.timedelta(days=7) <= d <= requested]
        if not found:
            return 200, json.dumps({"base": base, "date": day, "rates": {}})
        used = max(found)
        euro = {"EUR": Decimal(1), **self.days[used]}
        if base not in euro:
            return 200, json.dumps({"base": base, "date": str(used), "rates": {}})
        rates = {}
        for code, value in euro.items():
            if code == base:
                continue
            rate = value if base == "EUR" else CONTEXT.divide(value, euro[base])
            rates[code] = rate if base == "EUR" else rate.quantize(Decimal("0.000001"))
        if "symbols" in query:
            rates = {k: v for k, v in rates.items() if k in query["symbols"].split(",")}
        numbers = ", ".join(f'"{k}": {v}' for k, v in rates.items())
        return 200, f'{{"base": "{base}", "date": "{used}", "rates": {{{numbers}}}}}'

    def __enter__(self) -> FakeRatesServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """A base URL whose server accepts the connection and never says a word."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/"
    finally:
        listener.close()  # resets the waiting connections: the abandoned call ends


def closed_port() -> str:
    """A base URL on a loopback port nobody listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/"


def isolate_from_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must never be sent to a proxy from the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_from_proxies(monkeypatch)


@pytest.fixture
def fake() -> Iterator[FakeRatesServer]:
    with FakeRatesServer() as server:
        yield server


def test_rates_are_decimals_from_one_euro_query_and_crosses_are_exact(
    fake: FakeRatesServer,
) -> None:
    rates = ForexPythonRates(base_url=fake.url, timeout=5)
    r = rates.rate("EUR", "USD", D)
    assert type(r.value) is Decimal
    assert (r.value, r.date, r.source, r.kind) == (Decimal("1.0956"), D, SOURCE, RateKind.SPOT)
    cross = rates.rate("USD", "JPY", D)
    assert cross.fraction() == (Decimal("155.68"), Decimal("1.0956"))
    assert all(q["base"] == "EUR" for q in fake.requests)
    assert len(fake.requests) == 2
    c = convert(money("1000000.00", "USD"), "EUR", D, rates)
    assert c.amount == money("912741.88", "EUR")


def test_asking_the_pair_directly_takes_the_services_rounded_cross_rate(
    fake: FakeRatesServer,
) -> None:
    direct = ForexPythonRates(base_url=fake.url, timeout=5, pivot=None)
    r = direct.rate("USD", "EUR", D)
    assert r.value == Decimal("0.912742")
    assert fake.requests[-1]["symbols"] == "EUR"
    # the rounded rate loses 0.12 EUR on a million: why the euro pivot is the default
    assert convert(money("1000000.00", "USD"), "EUR", D, direct).amount == money("912742.00", "EUR")


def test_the_date_of_the_rate_is_not_reported(fake: FakeRatesServer) -> None:
    saturday = dt.date(2024, 6, 15)
    r = ForexPythonRates(base_url=fake.url, timeout=5).rate("EUR", "USD", saturday)
    assert r.value == Decimal("1.0686")  # Friday's fixing, served for Saturday ...
    assert r.date == saturday  # ... but forex-python drops the date the service sent
    assert "date not reported" in r.source


def test_no_rate_that_day_is_a_rate_not_found(fake: FakeRatesServer) -> None:
    rates = ForexPythonRates(base_url=fake.url, timeout=5)
    with pytest.raises(RateNotFoundError, match="1990-01-02"):
        rates.rate("EUR", "USD", dt.date(1990, 1, 2))
    with pytest.raises(RateNotFoundError, match="EUR->RUB"):
        rates.rate("USD", "RUB", dt.date(2022, 3, 15))
    direct = ForexPythonRates(base_url=fake.url, timeout=5, pivot=None)
    with pytest.raises(RateNotFoundError, match="not available for Date"):
        direct.rate("EUR", "USD", dt.date(1990, 1, 2))
    with pytest.raises(RateNotFoundError, match="spot rates only"):
        rates.rate("EUR", "USD", D, RateKind.CLOSING)
    assert rates.rate("usd", "USD", D).value == 1


def test_a_server_error_is_unavailable_not_missing(fake: FakeRatesServer) -> None:
    fake.status = 503
    with pytest.raises(RateUnavailableError, match="Source Not Ready"):
        ForexPythonRates(base_url=fake.url, timeout=5).rate("EUR", "USD", D)


def test_offline_connection_error_becomes_rate_unavailable() -> None:
    rates = ForexPythonRates(base_url=closed_port(), timeout=5)
    with pytest.raises(RateUnavailableError) as info:
        rates.rate("EUR", "USD", D)
    assert isinstance(info.value, ConnectionError)
    assert isinstance(info.value.__cause__, requests.ConnectionError)
    assert info.value.source == SOURCE


def test_a_silent_server_is_abandoned_at_the_deadline() -> None:
    with silent_server() as url:
        rates = ForexPythonRates(base_url=url, timeout=0.3)
        started = time.monotonic()
        with pytest.raises(RateUnavailableError, match=r"within 0\.3s"):
            rates.rate("EUR", "USD", D)
        assert time.monotonic() - started < 3


class Broken:
    """An injected CurrencyRates stand-in answering nonsense."""

    def __init__(self, answer: object) -> None:
        self.answer = answer

    def get_rates(self, base: str, on: dt.date) -> object:
        return self.answer

    def get_rate(self, base: str, quote: str, on: dt.date) -> object:
        return self.answer


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (["1.1"], "not a mapping"),
        ({"USD": 1.0956}, "float"),
        ({"USD": "abc"}, "answered 'abc'"),
        ({"USD": Decimal("-1")}, "non-positive"),
    ],
)
def test_nonsense_answers_are_unavailable(answer: object, message: str) -> None:
    with pytest.raises(RateUnavailableError, match=message):
        ForexPythonRates(rates=Broken(answer)).rate("EUR", "USD", D)


def test_missing_forex_python_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "forex_python.converter", None)
    with pytest.raises(MissingExtraError, match=r"o2c\[forex\]"):
        ForexPythonRates()
