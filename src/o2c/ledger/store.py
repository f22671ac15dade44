"""The :class:`LedgerStore` port and its in-memory implementation (tests, examples, one process).

>>> store = InMemoryLedgerStore()
>>> store.version("C1")
0

Every store also keeps a **change feed**: :meth:`LedgerStore.changes` answers "the facts stored
after this cursor, in commit order", at most ``limit`` at a time, with the cursor to resume from.
A :class:`Cursor` is an opaque position (one integer, the store's global commit sequence) that
serialises to text, so a dashboard or an integrator saves it and resumes after a restart without
missing or repeating a fact.  :func:`follow` polls a store with the waiting injected (the core
reads no clock):

>>> store.changes().facts
()
>>> first = store.changes(limit=100)
>>> Cursor.parse(first.cursor.token) == first.cursor
True
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Protocol, runtime_checkable

import attrs

from o2c.errors import ConcurrencyError, DuplicateFactError, ValidationError
from o2c.ledger.facts import Fact

__all__ = [
    "ChangeBatch",
    "Cursor",
    "DEFAULT_FEED_LIMIT",
    "InMemoryLedgerStore",
    "LedgerStore",
    "check_batch",
    "check_limit",
    "follow",
]

#: Facts a :meth:`LedgerStore.changes` call returns at most unless told otherwise: a batch of
#: facts of a few hundred bytes each stays within a few megabytes of memory.
DEFAULT_FEED_LIMIT = 1000

_TOKEN_PREFIX = "o2c-feed:"


@attrs.frozen
class Cursor:
    """A position in a store's change feed: every fact stored up to it has been read.

    ``position`` is the store's global commit sequence of the last fact read (0: before the
    first fact).  Positions grow strictly in commit order but need not be consecutive (a
    rolled-back batch leaves a hole).  A cursor belongs to the store that issued it.  Save
    :attr:`token` and rebuild the cursor with :meth:`parse`.
    """

    position: int = attrs.field(default=0)

    @position.validator
    def _check(self, attribute: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(
                f"a feed cursor's position must be a whole number >= 0, not {value!r}",
                field="position",
                value=value,
            )

    @property
    def token(self) -> str:
        """The cursor as text, to save and hand back to :meth:`parse`."""
        return f"{_TOKEN_PREFIX}{self.position}"

    @classmethod
    def parse(cls, token: str) -> Cursor:
        """The cursor a :attr:`token` stands for.

        Raises:
            ValidationError: not a token of this feed.
        """
        text = token.strip() if isinstance(token, str) else ""
        digits = text.removeprefix(_TOKEN_PREFIX)
        if not text.startswith(_TOKEN_PREFIX) or not digits.isascii() or not digits.isdigit():
            raise ValidationError(
                f"cursor token {token!r} is not a change-feed cursor: pass the token a "
                f"ChangeBatch's cursor gave (like '{_TOKEN_PREFIX}42')",
                field="cursor",
                value=token,
            )
        return cls(int(digits))


@attrs.frozen
class ChangeBatch:
    """Facts read from a change feed, in commit order, and the cursor to read on from.

    ``cursor`` is the position of the last fact in ``facts``, or the cursor asked with when
    nothing new was stored.
    """

    facts: tuple[Fact, ...]
    cursor: Cursor


def check_limit(limit: int) -> int:
    """``limit`` after checking it is a whole number >= 1 (shared by every store's feed).

    Raises:
        ValidationError: not a whole number >= 1.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError(
            f"limit={limit!r}: a change-feed batch holds at least one fact; pass a whole "
            "number >= 1",
            field="limit",
            value=limit,
        )
    return limit


def follow(
    store: LedgerStore,
    after: Cursor | None = None,
    *,
    wait: Callable[[], object],
    stop: Callable[[], bool] = lambda: False,
    limit: int = DEFAULT_FEED_LIMIT,
) -> Iterator[ChangeBatch]:
    """Poll ``store``'s change feed from ``after``: yields every non-empty batch, in order.

    When a read comes back short of ``limit`` (the feed is caught up), ``wait()`` is called
    before the next read: pass a sleep (``lambda: time.sleep(1.0)``) or a wait on an event.
    ``stop()`` is asked before every read; iteration ends when it answers true.  Save each
    batch's cursor once its facts are handled, and restart from it.

    >>> store = InMemoryLedgerStore()
    >>> list(follow(store, wait=lambda: None, stop=iter([False, True]).__next__))
    []
    """
    cursor = after if after is not None else Cursor()
    check_limit(limit)
    while not stop():
        batch = store.changes(cursor, limit=limit)
        if batch.facts:
            yield batch
        cursor = batch.cursor
        if len(batch.facts) < limit:
            wait()


# --------------------------------------------------------------------------------------------
# LedgerStore (ledger): append-only storage of facts with optimistic concurrency.  In-memory:
# o2c.ledger.store.InMemoryLedgerStore; adapters: o2c.adapters.sqlite.SQLiteLedgerStore,
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

    def changes(
        self, after: Cursor | None = None, *, limit: int = DEFAULT_FEED_LIMIT
    ) -> ChangeBatch:
        """The facts stored after ``after`` (from the start when None), in commit order.

        At most ``limit`` facts, from committed batches only; a fact committed after a cursor
        was issued always comes after it (no fact is skipped or repeated across calls).

        Raises:
            ValidationError: ``limit`` is not a whole number >= 1.
        """
        ...


def check_batch(facts: Sequence[Fact], expected_versions: Mapping[str, int]) -> list[str]:
    """The customers of a batch, in first-seen order, after checking its shape.

    Shared by every store: each customer of the batch needs an expected version, and the batch
    holds each fact id once.

    Raises:
        ValidationError: a customer without an expected version.
        DuplicateFactError: a fact id twice in the batch.
    """
    customers: dict[str, None] = {}
    ids: set[str] = set()
    for fact in facts:
        customers.setdefault(fact.customer_id, None)
        if fact.fact_id in ids:
            raise DuplicateFactError(
                f"fact id {fact.fact_id!r} appears twice in the batch",
                field="fact_id",
                value=fact.fact_id,
            )
        ids.add(fact.fact_id)
    for customer in customers:
        if customer not in expected_versions:
            raise ValidationError(
                f"no expected version for customer {customer!r}: pass the stream's version "
                "as read before deciding the batch (0 for a new customer)",
                field="expected_versions",
                value=dict(expected_versions),
            )
    return list(customers)


class InMemoryLedgerStore:
    """Facts kept in lists, guarded by a lock; thread-safe, gone with the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: dict[str, list[Fact]] = {}
        self._by_id: dict[str, Fact] = {}
        self._all: list[Fact] = []  # its index + 1 is the fact's feed position

    def append(self, facts: Sequence[Fact], *, expected_versions: Mapping[str, int]) -> None:
        """Store the batch if each stream is still at its expected version (all or nothing)."""
        batch = list(facts)
        customers = check_batch(batch, expected_versions)
        with self._lock:
            for customer in customers:
                actual = len(self._streams.get(customer, ()))
                if actual != expected_versions[customer]:
                    raise ConcurrencyError(customer, expected_versions[customer], actual)
            for fact in batch:
                if fact.fact_id in self._by_id:
                    raise DuplicateFactError(
                        f"fact id {fact.fact_id!r} is already stored",
                        field="fact_id",
                        value=fact.fact_id,
                    )
            for fact in batch:
                self._streams.setdefault(fact.customer_id, []).append(fact)
                self._by_id[fact.fact_id] = fact
            self._all.extend(batch)

    def version(self, customer_id: str) -> int:
        """The number of facts in the customer's stream."""
        with self._lock:
            return len(self._streams.get(customer_id, ()))

    def read_customer(self, customer_id: str, *, after_version: int = 0) -> list[Fact]:
        """The customer's facts after the first ``after_version``."""
        with self._lock:
            return list(self._streams.get(customer_id, ())[after_version:])

    def get(self, fact_ids: Iterable[str]) -> dict[str, Fact]:
        """The stored facts among ``fact_ids``."""
        with self._lock:
            return {i: self._by_id[i] for i in fact_ids if i in self._by_id}

    def read_range(
        self, start: dt.date, end: dt.date, *, customer_id: str | None = None
    ) -> Iterator[Fact]:
        """The facts effective from ``start`` to ``end`` inclusive."""
        source = self.read_customer(customer_id) if customer_id is not None else self.iter_all()
        return (f for f in source if start <= f.effective <= end)

    def iter_all(self) -> Iterator[Fact]:
        """Every fact stored when the iteration starts (the list only grows, so no copy)."""
        with self._lock:
            count = len(self._all)
        facts = self._all
        return (facts[i] for i in range(count))

    def iter_by_customer(self) -> Iterator[Fact]:
        """Every fact, customer by customer (by customer id), each stream in order."""
        with self._lock:
            snapshot = [(c, len(facts)) for c, facts in sorted(self._streams.items())]
        return (fact for c, n in snapshot for fact in self._streams[c][:n])

    def changes(
        self, after: Cursor | None = None, *, limit: int = DEFAULT_FEED_LIMIT
    ) -> ChangeBatch:
        """The facts appended after ``after``, in append order (at most ``limit``)."""
        check_limit(limit)
        start = after.position if after is not None else 0
        with self._lock:
            facts = tuple(self._all[start : start + limit])
        return ChangeBatch(facts, Cursor(start + len(facts)))
