"""Rates from forex-python (extra ``forex``), with Decimal results and a deadline on every call.

forex-python asks a public web service (theratesapi.com) for a day's rates.  Three things about
it shape this adapter:

- it uses ``requests`` **without a timeout**, so a server that accepts the connection and never
  answers hangs the caller forever.  Every call here runs in a daemon thread and is abandoned
  after ``timeout`` seconds with :class:`~o2c.errors.RateUnavailableError`; the abandoned thread
  ends when the server finally closes the connection;
- offline it raises ``requests``' ``ConnectionError``, not its own error; every failure of the
  transport (and an answer that is not JSON) becomes :class:`~o2c.errors.RateUnavailableError`,
  and "no rate for that date" becomes :class:`~o2c.errors.RateNotFoundError`;
- it **discards the date** of the rate it returns (the service answers a Saturday with Friday's
  rates and says so; forex-python drops that).  The :class:`~o2c.fx.Rate` it yields therefore
  carries the *requested* date as its ``date``, and its source says so
  (``"forex-python (date not reported)"``): prefer the ECB adapter where the true date matters.

Rates are read with ``force_decimal=True`` (no float ever).  By default the adapter asks only
for euro rates (one request per call) and computes inverse and cross rates exactly itself, rather
than taking the service's pre-rounded cross rates; ``pivot=None`` asks for the pair directly.
Only spot rates exist: other kinds raise :class:`~o2c.errors.RateNotFoundError`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from o2c.adapters import require
from o2c.errors import InvalidAmountError, RateNotFoundError, RateUnavailableError
from o2c.fx import Rate, RateKind, cross_rate
from o2c.money import to_decimal

__all__ = ["ForexPythonRates", "SOURCE"]

#: The ``source`` of every rate this adapter returns.
SOURCE = "forex-python (date not reported)"

T = TypeVar("T")


def _call_with_deadline(call: Callable[[], T], timeout: float, what: str) -> T:
    """``call()`` in a daemon thread; RateUnavailableError when it has not returned in time."""
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the caller, never lost in the thread
            outcome["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=target, name="o2c-forex-python", daemon=True)
    thread.start()
    if not done.wait(timeout):
        raise RateUnavailableError(
            "forex-python", f"no answer to {what} within {timeout:g}s (deadline)", timeout=timeout
        )
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value


class ForexPythonRates:
    """A :class:`~o2c.ports.RateProvider` over forex-python's ``CurrencyRates``.

    Args:
        timeout: seconds to wait for each call before giving up (forex-python has no timeout).
        pivot: ask for ``pivot``-based rates and derive the pair exactly (``None``: ask the pair).
        base_url: another service speaking theratesapi.com's protocol (a mirror, a test server).
        rates: a ready ``CurrencyRates``-like object (anything with ``get_rates``/``get_rate``).
    """

    __slots__ = ("_rates", "pivot", "source", "timeout")

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        pivot: str | None = "EUR",
        base_url: str | None = None,
        rates: Any = None,
    ) -> None:
        if rates is None:
            converter = require(
                "forex_python.converter",
                extra="forex",
                feature="the forex-python rate source",
                package="forex-python",
            )
            rates = converter.CurrencyRates(force_decimal=True)
            if base_url is not None:
                url = base_url if base_url.endswith("/") else base_url + "/"
                rates._source_url = lambda: url  # forex-python's only hook for its address
        self._rates = rates
        self.timeout = timeout
        self.pivot = pivot
        self.source = SOURCE

    def rate(self, base: str, quote: str, on: dt.date, kind: RateKind = RateKind.SPOT) -> Rate:
        """The ``base``→``quote`` spot rate for ``on`` (dated ``on``: the service's date is lost).

        Raises:
            RateNotFoundError: when the service has no such rate, or for a kind other than spot.
            RateUnavailableError: when the service cannot be reached, does not answer within
                ``timeout``, or answers something that is not rates.
        """
        base, quote = base.strip().upper(), quote.strip().upper()
        if kind is not RateKind.SPOT:
            raise RateNotFoundError(
                base, quote, on, reason=f"forex-python has spot rates only, not {kind.value}"
            )
        if base == quote:
            return Rate(base, quote, Decimal(1), date=on, source="identity", kind=kind)
        pivot = self.pivot
        if pivot is None:
            value = self._ask(base, quote, on, lambda: self._rates.get_rate(base, quote, on))
            return self._rate(base, quote, value, on)
        table = self._ask(base, quote, on, lambda: self._rates.get_rates(pivot, on))
        if not isinstance(table, Mapping):
            raise RateUnavailableError(
                self.source, f"get_rates returned {type(table).__name__}, not a mapping"
            )
        if base == pivot:
            return self._leg(table, pivot, quote, base, quote, on)
        if quote == pivot:
            return self._leg(table, pivot, base, base, quote, on).inverse()
        first = self._leg(table, pivot, base, base, quote, on)
        return cross_rate(first.inverse(), self._leg(table, pivot, quote, base, quote, on))

    def _leg(
        self, table: Mapping[str, object], pivot: str, code: str, base: str, quote: str, on: dt.date
    ) -> Rate:
        value = table.get(code)
        if value is None:
            raise RateNotFoundError(
                base, quote, on, reason=f"the service has no {pivot}->{code} rate that day"
            )
        return self._rate(pivot, code, value, on)

    def _rate(self, base: str, quote: str, value: object, on: dt.date) -> Rate:
        try:
            number = to_decimal(value, field="rate")
        except (InvalidAmountError, TypeError) as exc:
            raise RateUnavailableError(
                self.source, f"the service answered {value!r} for {base}->{quote}: {exc}"
            ) from exc
        if number <= 0:
            raise RateUnavailableError(
                self.source, f"the service answered a non-positive {base}->{quote} rate {number}"
            )
        return Rate(base, quote, number, date=on, source=self.source, kind=RateKind.SPOT)

    def _ask(self, base: str, quote: str, on: dt.date, call: Callable[[], T]) -> T:
        what = f"{base}->{quote} for {on}"
        try:
            return _call_with_deadline(call, self.timeout, what)
        except RateUnavailableError:
            raise
        except Exception as exc:
            if "not available for date" in str(exc).lower():
                raise RateNotFoundError(base, quote, on, reason=str(exc)) from exc
            raise RateUnavailableError(
                self.source, f"{what} failed: {type(exc).__name__}: {exc}"
            ) from exc
