"""Ports: the small ``typing.Protocol``s that the core talks to; adapters implement them.

Each port has an in-memory implementation in the core, so examples and tests need nothing else,
and one contract test suite that every adapter passes.  Areas add their ports here:

- ``Calendar`` (terms): which days are business days.
- ``RateProvider`` (fx): the exchange rate for a pair, date and kind.
- ``LedgerStore`` (ledger): append-only storage of facts with optimistic concurrency.
- ``Notifier`` (collections): sends a rendered message.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from o2c.fx import Rate, RateKind

__all__ = ["Calendar", "RateProvider"]


# --------------------------------------------------------------------------------------------
# Calendar (terms): which days are business days.  In-memory: o2c.calendars.WeekendCalendar;
# adapter: o2c.adapters.holidays.HolidaysCalendar.


@runtime_checkable
class Calendar(Protocol):
    """Which days are business days (weekends and holidays are not).

    Business-day conventions (following, modified following ...) are applied on top of this one
    question by :func:`o2c.calendars.roll`.
    """

    def is_business_day(self, day: dt.date, /) -> bool:
        """True when ``day`` is a business day."""
        ...


# --------------------------------------------------------------------------------------------
# RateProvider (fx): the exchange rate for a pair, date and kind.  In-memory:
# o2c.fx.InMemoryRates (and the wrappers o2c.fx.CachedRates, o2c.fx.FallbackRates); adapters:
# o2c.adapters.ecb (ECB reference rates), o2c.adapters.forex (forex-python).


@runtime_checkable
class RateProvider(Protocol):
    """The exchange rate ``1 base = value quote`` for a date and a kind of rate.

    The contract every provider passes (tests/test_fx_contract.py): the answer's ``base``,
    ``quote`` and ``kind`` are the requested ones and its ``date`` is the date the rate is
    actually from (on or before ``on``); the same currency answers 1; no rate on ``on`` nor
    within the provider's maximum age before it raises :class:`~o2c.errors.RateNotFoundError`
    (naming the pair and the date); a source that cannot answer raises
    :class:`~o2c.errors.RateUnavailableError`.
    """

    def rate(self, base: str, quote: str, on: dt.date, kind: RateKind = RateKind.SPOT) -> Rate:
        """The ``base``->``quote`` rate of ``kind`` for ``on``."""
        ...
