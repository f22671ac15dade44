"""The :class:`LedgerStore` port and its in-memory implementation (tests, examples, one process).

>>> store = InMemoryLedgerStore()
>>> store.version("C1")
0
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol, runtime_checkable

from o2c.errors import ConcurrencyError, DuplicateFactError, ValidationError
from o2c.ledger.facts import Fact

__all__ = ["InMemoryLedgerStore", "LedgerStore", "check_batch"]


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
        self._all: list[Fact] = []

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
