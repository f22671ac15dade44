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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from o2c.fx import Rate, RateKind

if TYPE_CHECKING:  # the ledger's fact types, for LedgerStore's signatures
    from o2c.ledger_facts import Fact
    from o2c.reminders import Notification  # Notifier's message type

__all__ = ["Calendar", "LedgerStore", "Notifier", "RateProvider"]


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


# --------------------------------------------------------------------------------------------
# LedgerStore (ledger): append-only storage of facts with optimistic concurrency.  In-memory:
# o2c.ledger_memory.InMemoryLedgerStore; adapters: o2c.adapters.sqlite.SQLiteLedgerStore,
# o2c.adapters.sqlalchemy.SQLAlchemyLedgerStore.  Contract: tests/test_storage_contract.py.


@runtime_checkable
class LedgerStore(Protocol):
    """Append-only storage of ledger facts, one stream (with a version) per customer.

    A stream's version is the number of facts in it.  :meth:`append` stores a batch atomically
    (all of it or nothing) if every stream it touches is still at the expected version, and
    raises :class:`~o2c.errors.ConcurrencyError` otherwise; a fact id already stored raises
    :class:`~o2c.errors.DuplicateFactError`.  The store does not check the ledger's invariants
    (:class:`o2c.ledger.Ledger` does, before appending).  Readers see whole batches only.
    """

    def append(self, facts: Sequence[Fact], *, expected_versions: Mapping[str, int]) -> None:
        """Store ``facts`` (in order) if each customer's stream is at ``expected_versions``."""
        ...

    def version(self, customer_id: str) -> int:
        """The number of facts in the customer's stream (0 for a new customer)."""
        ...

    def read_customer(self, customer_id: str, *, after_version: int = 0) -> list[Fact]:
        """The customer's facts after the first ``after_version`` ones, in stream order."""
        ...

    def get(self, fact_ids: Iterable[str]) -> dict[str, Fact]:
        """The stored facts among ``fact_ids``, by id (ids not stored are left out)."""
        ...

    def read_range(
        self, start: dt.date, end: dt.date, *, customer_id: str | None = None
    ) -> Iterator[Fact]:
        """The facts effective from ``start`` to ``end`` inclusive, in stream order."""
        ...

    def iter_all(self) -> Iterator[Fact]:
        """Every fact in append order (a consistent snapshot, streamed)."""
        ...

    def iter_by_customer(self) -> Iterator[Fact]:
        """Every fact, customer by customer in customer id order, each stream in order.

        A consistent snapshot, streamed: projections keep one customer's state at a time.
        """
        ...


# --------------------------------------------------------------------------------------------
# Notifier (collections): sends a rendered message (reminder, statement of account).  In-memory:
# o2c.reminders.InMemoryNotifier; adapter: o2c.adapters.smtp.SmtpNotifier.  Contract:
# tests/test_smtp.py (parametrised over both).


@runtime_checkable
class Notifier(Protocol):
    """Sends a rendered :class:`o2c.reminders.Notification` (text, optional HTML) to recipients.

    The contract: :meth:`send` hands the message over for every recipient or raises
    :class:`~o2c.errors.DeliveryError` (an adapter wraps its transport's failure, never leaks a
    bare socket error), and returns an id for the message that is unique per send.
    """

    def send(self, message: Notification, /) -> str:
        """Send ``message``; returns its id (the ``Message-ID`` for e-mail)."""
        ...
