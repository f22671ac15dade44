"""The AR ledger: append-only, bitemporal facts and the pure projections over them.

:class:`Ledger` is the facade the other areas call: it checks the invariants of
:mod:`o2c.ledger.rules` on :meth:`~Ledger.append`, stores through a
:class:`~o2c.ledger.store.LedgerStore` with optimistic concurrency, and answers "what was open on
date D, as we knew it at time T" with the projections of :mod:`o2c.ledger.history`.  The
fact types (:mod:`o2c.ledger.facts`) and projected types (:class:`OpenItem`, :class:`ItemKind`,
the ids) are re-exported by :mod:`o2c.ledger`.

>>> import datetime as dt
>>> from o2c.ledger import InvoiceIssued
>>> from o2c.money import money
>>> from o2c.terms import Instalment
>>> at = lambda day: dt.datetime(2026, 3, day, 9, tzinfo=dt.timezone.utc)
>>> ledger = Ledger()                                 # in memory; see o2c.adapters.sqlite
>>> result = ledger.append([InvoiceIssued.from_instalments(
...     fact_id="inv-1", customer_id="C1", item_id="INV-1", document_number="INV-1",
...     document_date=dt.date(2026, 3, 1), recorded_at=at(1),
...     instalments=[Instalment(number=1, due_date=dt.date(2026, 3, 31),
...                             amount=money("100.00", "EUR"))])])
>>> [(i.item_id, i.open_amount.amount) for i in ledger.open_items(dt.date(2026, 3, 31))]
[('INV-1', Decimal('100.00'))]
>>> ledger.balance(dt.date(2026, 3, 31), customer_id="C1")
{'EUR': Money('100.00', 'EUR')}
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.errors import ConcurrencyError, DuplicateFactError, NotFoundError
from o2c.ledger.bulk import HistoryLoad, prepare_history
from o2c.ledger.facts import (
    Fact,
    PromisedToPay,
    same_content,
)
from o2c.ledger.history import History, Projection, by_customer
from o2c.ledger.history import history as trail_of
from o2c.ledger.history import read as read_facts
from o2c.ledger.ids import CustomerId, FactId, OpenItem
from o2c.ledger.rules import CustomerBook
from o2c.ledger.store import InMemoryLedgerStore, LedgerStore
from o2c.money import currency

__all__ = ["AppendResult", "Ledger"]


@attrs.frozen(kw_only=True)
class AppendResult:
    """What :meth:`Ledger.append` did: the facts it stored and the ids it found already stored."""

    appended: tuple[Fact, ...]
    #: Ids of facts already stored with the same content (re-appending them is a no-op).
    unchanged: tuple[FactId, ...]
    #: Each touched customer's stream version after the append.
    versions: tuple[tuple[CustomerId, int], ...]


class Ledger:
    """The AR ledger over a :class:`~o2c.ledger.store.LedgerStore` (in memory by default).

    A ledger keeps one checked book per customer it has appended to and catches up with facts
    other writers stored before each append, so several ledgers (threads, processes) can share a
    store: when two append to the same customer at once, the loser gets
    :class:`~o2c.errors.ConcurrencyError` and nothing of its batch is stored.
    """

    def __init__(self, store: LedgerStore | None = None, *, cached_customers: int = 10_000) -> None:
        self.store: LedgerStore = store if store is not None else InMemoryLedgerStore()
        #: Checked books of the customers appended to most recently (least recent evicted).
        self._books: dict[str, CustomerBook] = {}
        self._cached = max(1, cached_customers)
        self._lock = threading.Lock()

    # -- writing ----------------------------------------------------------------------------

    def append(
        self, facts: Iterable[Fact], *, expected_versions: Mapping[str, int] | None = None
    ) -> AppendResult:
        """Check and store a batch of facts atomically.

        A fact whose id is already stored with the same business content is skipped, whatever
        its ``recorded_at`` (the first recording stands; see
        :func:`~o2c.ledger.facts.same_content`), so retrying a batch or re-importing a file is a
        no-op.  The rest is checked in order against each customer's stream, then stored all at
        once.

        Args:
            facts: the batch (may span customers).
            expected_versions: the stream versions the caller based its decision on (from
                :meth:`version`); a stream that moved on raises ``ConcurrencyError``.  Without
                it, the versions the ledger checked the batch against are expected.

        Raises:
            InvalidFactError: a fact breaks an invariant (``OverApplicationError`` for an
                over-application); nothing is stored.
            DuplicateFactError: a fact id already used for other content (in the ledger or in
                the batch); nothing is stored.
            ConcurrencyError: another writer appended to one of the streams first: it stored
                the same facts meanwhile, or facts recorded after this batch's ``recorded_at``,
                or anything before the batch was stored.  Nothing is stored; reload (call
                :meth:`version`), record the facts again with the current time and retry.
        """
        with self._lock:
            new, unchanged = self._new_facts(list(facts))
            if not new:
                return AppendResult(appended=(), unchanged=tuple(unchanged), versions=())
            customers = list(dict.fromkeys(f.customer_id for f in new))
            expected: dict[str, int] = {}
            try:
                # Per customer: the latest recording time this ledger had seen of the stream
                # before this append (None: it had not read the stream), and whether facts of
                # other writers were read since.
                baseline: dict[str, dt.datetime | None] = {}
                moved = False
                for customer in customers:
                    cached = self._books.get(customer)
                    before = (cached.version, cached.last_recorded_at) if cached else (-1, None)
                    book = self._book(customer)
                    baseline[customer] = before[1]
                    moved = moved or book.version != before[0]
                    if expected_versions is not None and customer in expected_versions:
                        wanted = expected_versions[customer]
                        if wanted != book.version:
                            raise ConcurrencyError(customer, wanted, book.version)
                    expected[customer] = book.version
                if moved:
                    self._check_not_stored_meanwhile(new)
                stored_latest: dict[str, dt.datetime | None] = {
                    c: self._books[c].last_recorded_at for c in customers
                }
                for fact in new:
                    if self._overtaken(fact, stored_latest, baseline, expected_versions):
                        raise self._lost_race(fact.customer_id, _recorded_by(fact.recorded_at))
                    self._books[fact.customer_id].apply(fact)
                self.store.append(new, expected_versions=expected)
            except BaseException:
                for customer in customers:  # a failed batch may have half-updated the books
                    self._books.pop(customer, None)
                raise
            counts = Counter(f.customer_id for f in new)
            versions = []
            for customer in customers:
                book = self._books[customer]
                book.version += counts[customer]
                versions.append((CustomerId(customer), book.version))
            return AppendResult(
                appended=tuple(new), unchanged=tuple(unchanged), versions=tuple(versions)
            )

    def load_history(self, facts: Iterable[Fact], *, zone: dt.tzinfo = dt.UTC) -> HistoryLoad:
        """Load a history given in any order: stamp, order and append it atomically.

        Facts recorded at :data:`o2c.ledger.bulk.UNRECORDED` are stamped at the end of their
        effective day in ``zone``; the order is the one :mod:`o2c.ledger.bulk` describes
        (recording time, effective date, dependencies).  The report says what was stamped and
        reordered.  Loads best into an empty ledger or before newer facts: a customer's
        recording times never go backwards.

        Raises:
            ValidationError: a fact recorded before a fact it names.
            InvalidFactError, DuplicateFactError, ConcurrencyError: as :meth:`append`;
                nothing is stored.
        """
        prepared = prepare_history(facts, zone=zone)
        result = self.append(prepared.facts)
        return prepared.report(appended=len(result.appended), unchanged=len(result.unchanged))

    def _new_facts(self, batch: list[Fact]) -> tuple[list[Fact], list[FactId]]:
        """The batch's facts the store does not hold yet, and the ids of those it holds.

        Raises:
            DuplicateFactError: an id used twice with other content (stored, or in the batch).
        """
        seen: dict[str, Fact] = {}
        for fact in batch:
            previous = seen.setdefault(fact.fact_id, fact)
            if previous is not fact and not same_content(previous, fact):
                raise _duplicate(fact)
        stored = self.store.get(seen)
        new: list[Fact] = []
        unchanged: list[FactId] = []
        for fact_id, fact in seen.items():
            old = stored.get(fact_id)
            if old is None:
                new.append(fact)
            elif same_content(old, fact):
                unchanged.append(FactId(fact_id))
            else:
                raise _duplicate(fact)
        return new, unchanged

    def _check_not_stored_meanwhile(self, new: list[Fact]) -> None:
        """Refuse a batch whose facts another writer stored since :meth:`_new_facts` looked.

        Raises:
            ConcurrencyError: the same fact was stored meanwhile (the batch lost the race).
            DuplicateFactError: other content was stored under one of the ids meanwhile.
        """
        stored = self.store.get(f.fact_id for f in new)
        if not stored:
            return
        for fact in new:
            old = stored.get(fact.fact_id)
            if old is not None and not same_content(old, fact):
                raise _duplicate(fact)
        first = next(f for f in new if f.fact_id in stored)
        raise self._lost_race(first.customer_id, lambda f: f.fact_id not in stored)

    @staticmethod
    def _overtaken(
        fact: Fact,
        stored_latest: Mapping[str, dt.datetime | None],
        baseline: Mapping[str, dt.datetime | None],
        expected_versions: Mapping[str, int] | None,
    ) -> bool:
        """Whether the stream moved past ``fact.recorded_at`` by facts this append only now read.

        A stored fact recorded later than ``fact`` that the ledger had already seen (or that was
        there at the ``expected_versions`` the caller gave) makes ``fact`` the caller's mistake
        (``InvalidFactError``); one that other writers stored since is a lost race.
        """
        customer = fact.customer_id
        latest = stored_latest[customer]
        if latest is None or fact.recorded_at >= latest:
            return False
        if expected_versions is not None and customer in expected_versions:
            return False
        seen = baseline[customer]
        return seen is None or fact.recorded_at >= seen

    def _lost_race(self, customer_id: str, before: Callable[[Fact], bool]) -> ConcurrencyError:
        """The error for a batch another writer overtook: ``expected`` is the stream's version
        when the batch was decided (its facts for which ``before`` holds, in stream order)."""
        stream = self.store.read_customer(customer_id)
        decided = next((n for n, f in enumerate(stream) if not before(f)), len(stream))
        return ConcurrencyError(customer_id, decided, len(stream))

    def _book(self, customer_id: str) -> CustomerBook:
        book = self._books.pop(customer_id, None)
        if book is None:
            book = CustomerBook.replay(customer_id, self.store.read_customer(customer_id))
            while len(self._books) >= self._cached:
                del self._books[next(iter(self._books))]
        else:  # catch up with what other writers stored since
            tail = self.store.read_customer(customer_id, after_version=book.version)
            for fact in tail:
                book.apply(fact, check=False)
            book.version += len(tail)
        self._books[customer_id] = book  # the most recently used last
        return book

    # -- reading ----------------------------------------------------------------------------

    def version(self, customer_id: str) -> int:
        """The customer's stream version (pass it as ``expected_versions`` to append)."""
        return self.store.version(customer_id)

    def get(self, fact_id: str) -> Fact:
        """The fact with that id.

        Raises:
            NotFoundError: no such fact.
        """
        found = self.store.get([fact_id])
        if fact_id not in found:
            raise NotFoundError("fact", fact_id)
        return found[fact_id]

    def facts(self, customer_id: str | None = None) -> Iterator[Fact]:
        """The customer's facts (or every fact) in stream order."""
        if customer_id is not None:
            return iter(self.store.read_customer(customer_id))
        return self.store.iter_all()

    def projection(
        self,
        as_of: dt.date | None = None,
        *,
        known_at: dt.datetime | None = None,
        customer_id: str | None = None,
    ) -> Projection:
        """The projection of the facts effective by ``as_of`` and recorded by ``known_at``."""
        return Projection().feed_all(self.facts(customer_id), as_of, known_at=known_at)

    def read(
        self,
        as_of: dt.date | None = None,
        *,
        known_at: dt.datetime | None = None,
        customer_id: str | None = None,
    ) -> History:
        """The read model (:class:`~o2c.ledger.History`) of the facts effective by ``as_of`` and
        recorded by ``known_at``: open items, settlement trails, movements, disputes, promises
        and payments, from one pass over the customer's stream (or every stream).

        Every reader of the ledger goes through this (or :func:`o2c.ledger.read` over facts).
        """
        return read_facts(self.facts(customer_id), as_of, known_at=known_at)

    def open_items(
        self, as_of: dt.date, *, known_at: dt.datetime | None = None, customer_id: str | None = None
    ) -> list[OpenItem]:
        """The items open on ``as_of`` as known at ``known_at`` (default: everything recorded).

        One item per instalment; credit memos and unapplied cash are negative items.
        """
        if customer_id is not None:
            return self.projection(as_of, known_at=known_at, customer_id=customer_id).open_items()
        grouped = by_customer(self.store.iter_by_customer(), as_of, known_at=known_at)
        return [item for projection in grouped for item in projection.open_items()]

    def balances(
        self, as_of: dt.date, *, known_at: dt.datetime | None = None
    ) -> dict[CustomerId, dict[str, Money]]:
        """Per customer and currency, the net open amount on ``as_of`` as known at ``known_at``."""
        result: dict[CustomerId, dict[str, Money]] = {}
        for projection in by_customer(self.store.iter_by_customer(), as_of, known_at=known_at):
            result.update(projection.balances())
        return result

    def balance(
        self, as_of: dt.date, *, known_at: dt.datetime | None = None, customer_id: str | None = None
    ) -> dict[str, Money]:
        """The net open amount per currency of one customer (or of all customers together)."""
        if customer_id is not None:
            per_customer = self.projection(
                as_of, known_at=known_at, customer_id=customer_id
            ).balances()
        else:
            per_customer = self.balances(as_of, known_at=known_at)
        totals: dict[str, Decimal] = {}
        for per in per_customer.values():
            for code, amount in per.items():
                totals[code] = totals.get(code, Decimal(0)) + amount.amount
        return {code: Money(total, currency(code)) for code, total in sorted(totals.items())}

    def unapplied(
        self,
        payment_id: str,
        *,
        customer_id: str,
        as_of: dt.date | None = None,
        known_at: dt.datetime | None = None,
    ) -> Money:
        """What is left of a payment (or credit memo) to allocate or refund (positive).

        Raises:
            NotFoundError: the customer has no such payment.
        """
        projection = self.projection(as_of, known_at=known_at, customer_id=customer_id)
        item = projection.items.get((customer_id, payment_id))
        if item is None:
            raise NotFoundError("payment", payment_id)
        return Money(-item.open, currency(item.currency))

    def promises(
        self, as_of: dt.date, *, known_at: dt.datetime | None = None, customer_id: str | None = None
    ) -> list[PromisedToPay]:
        """Promises to pay recorded by ``as_of`` that fall due on or after it."""
        projection = self.projection(as_of, known_at=known_at, customer_id=customer_id)
        return [p for p in projection.promises if p.promised_date >= as_of]

    def history(self, key: str, *, customer_id: str | None = None) -> list[Fact]:
        """The audit trail of an item, invoice or payment: every fact that touched it, in order.

        Raises:
            NotFoundError: no fact touched ``key``.
        """
        trail = trail_of(self.facts(customer_id), key, customer_id=customer_id)
        if not trail:
            raise NotFoundError("item or payment", key)
        return trail


def _recorded_by(moment: dt.datetime) -> Callable[[Fact], bool]:
    def recorded_by(fact: Fact) -> bool:
        return fact.recorded_at <= moment

    return recorded_by


def _duplicate(fact: Fact) -> DuplicateFactError:
    return DuplicateFactError(
        f"fact id {fact.fact_id!r} is already used for a different fact: a correction is a new "
        "fact with its own id (e.g. AllocationReversed)",
        field="fact_id",
        value=fact.fact_id,
    )
