"""Ports: the small ``typing.Protocol``s that the core talks to; adapters implement them.

Each port has an in-memory implementation in the core, so examples and tests need nothing else,
and one contract test suite that every adapter passes.  Areas add their ports here:

- ``Calendar`` (terms): which days are business days.
- ``RateProvider`` (fx): the exchange rate for a pair, date and kind.
- ``LedgerStore`` (ledger): append-only storage of facts with optimistic concurrency.
- ``Notifier`` (collections): sends a rendered message.
"""

from __future__ import annotations

__all__: list[str] = []
