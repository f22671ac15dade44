"""Ports: the small ``typing.Protocol``s the core talks to, re-exported in one place for users.

Each port is defined beside the area that owns it, with its in-memory implementation; adapters
implement them, and one contract test suite runs over every implementation:

- :class:`~o2c.calendars.Calendar` (terms): which days are business days. In memory:
  :class:`o2c.calendars.WeekendCalendar`; adapter: :mod:`o2c.adapters.holidays`.
- :class:`~o2c.fx.RateProvider` (fx): the exchange rate for a pair, date and kind. In memory:
  :class:`o2c.fx.InMemoryRates`; adapters: :mod:`o2c.adapters.ecb`, :mod:`o2c.adapters.forex`.
- :class:`~o2c.ledger.store.LedgerStore` (ledger): append-only storage of facts with optimistic
  concurrency. In memory: :class:`o2c.ledger.store.InMemoryLedgerStore`; adapters:
  :mod:`o2c.adapters.sqlite`, :mod:`o2c.adapters.sqlalchemy`.
- :class:`~o2c.collecting.reminders.Notifier` (collections): sends a rendered message. In memory:
  :class:`o2c.collecting.reminders.InMemoryNotifier`; adapter: :mod:`o2c.adapters.smtp`.

This module defines nothing; no module of o2c imports it (each imports the port from its area).
"""

from __future__ import annotations

from o2c.calendars import Calendar
from o2c.collecting.reminders import Notifier
from o2c.fx import RateProvider
from o2c.ledger.store import LedgerStore

__all__ = ["Calendar", "LedgerStore", "Notifier", "RateProvider"]
