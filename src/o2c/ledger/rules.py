"""The ledger's invariants, checked when facts are appended (one :class:`CustomerBook` per stream).

A book replays a customer's stream and checks each new fact against everything recorded so far:

- an item is never over-applied and a payment (or credit memo) never gives more than it has, on
  its effective date *or any later one* (a back-dated allocation cannot break a later view);
- currencies agree, or the allocation records the conversion (``source_amount`` and ``rate``);
- a payment's cash reassigned to another customer is cash it still has (like a refund);
  screenings, suggestions and decisions on payments move nothing and are only ordered in time;
- only existing, not yet reversed allocations can be reversed, and only open disputes resolved;
- a fact cannot take effect before the item it refers to exists;
- item and payment ids are unique in the stream, and recording times never go backwards (so every
  "as known at" view of the stream is one that was checked);
- the customer master: a customer is registered once and changed only once registered, never
  before it; a payer account or an alias is added only when it is not already there and removed
  only when it is, each no earlier than its previous addition or removal (so the master's "as
  of D" answer never depends on the order facts were recorded in).

>>> import datetime as dt
>>> from o2c.ledger.facts import PaymentAllocated, PaymentReceived
>>> from o2c.money import money
>>> at = dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc)
>>> book = CustomerBook("C1")
>>> book.apply(PaymentReceived(fact_id="p", customer_id="C1", effective=dt.date(2026, 3, 2),
...     recorded_at=at, payment_id="P1", amount=money("10.00", "EUR"),
...     value_date=dt.date(2026, 3, 2)))
>>> book.apply(PaymentAllocated(fact_id="a", customer_id="C1", effective=dt.date(2026, 3, 2),
...     recorded_at=at, source_id="P1", item_id="INV-9", applied=money("10.00", "EUR")))
Traceback (most recent call last):
...
o2c.errors.InvalidFactError: item_id='INV-9' is not an item of customer 'C1'...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from o2c.errors import InvalidFactError, OverApplicationError
from o2c.ledger.facts import (
    AllocationReversed,
    CreditMemoIssued,
    CustomerAliasAdded,
    CustomerAliasRemoved,
    CustomerChanged,
    CustomerRegistered,
    DisputeOpened,
    DisputeResolved,
    Fact,
    InvoiceIssued,
    PayerAccountLinked,
    PayerAccountUnlinked,
    PaymentAllocated,
    PaymentReassigned,
    PaymentReceived,
    PromisedToPay,
    Refunded,
    WrittenOff,
    alias_key,
    instalment_item_id,
)
from o2c.ledger.ids import ItemKind

__all__ = ["CustomerBook"]

_SOURCES = (ItemKind.UNAPPLIED_CASH, ItemKind.CREDIT_MEMO)


class _Track:
    """The remaining amount of an item (open for an invoice item, unapplied for a source)."""

    __slots__ = ("created", "currency", "events", "kind", "last_date", "total")

    def __init__(self, kind: ItemKind, currency: str, created: dt.date, amount: Decimal) -> None:
        self.kind = kind
        self.currency = currency
        self.created = created
        self.events: list[tuple[dt.date, Decimal]] = [(created, amount)]
        self.total = amount
        self.last_date = created

    def available_from(self, when: dt.date) -> Decimal:
        """The least remaining amount on ``when`` or any later effective date."""
        if when >= self.last_date:
            return self.total
        remaining = sum((d for day, d in self.events if day <= when), Decimal(0))
        lowest = remaining
        later = sorted((day, d) for day, d in self.events if day > when)
        i = 0
        while i < len(later):
            day = later[i][0]
            while i < len(later) and later[i][0] == day:
                remaining += later[i][1]
                i += 1
            lowest = min(lowest, remaining)
        return lowest

    def add(self, when: dt.date, delta: Decimal) -> None:
        self.events.append((when, delta))
        self.total += delta
        self.last_date = max(self.last_date, when)


class _Allocation:
    """What a reversal needs to know of an allocation."""

    __slots__ = ("consumed", "effective", "item_id", "reversed", "settled", "source_id")

    def __init__(
        self, item_id: str, source_id: str, settled: Decimal, consumed: Decimal, effective: dt.date
    ) -> None:
        self.item_id = item_id
        self.source_id = source_id
        self.settled = settled
        self.consumed = consumed
        self.effective = effective
        self.reversed = False


class CustomerBook:
    """What the ledger knows of one customer's stream, for checking new facts.

    ``version`` is the number of facts of the stream the book has seen (the facade keeps it).
    """

    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.version = 0
        self.last_recorded_at: dt.datetime | None = None
        self.items: dict[str, _Track] = {}
        self.documents: set[str] = set()
        #: Allocation id -> (item, source, settled, consumed, effective, reversed); kept
        #: small, since a book lives as long as the ledger caches it.
        self.allocations: dict[str, _Allocation] = {}
        self.disputes: dict[str, tuple[DisputeOpened, Decimal]] = {}
        #: The master: when the customer was registered, and per payer account and per alias
        #: (by :func:`~o2c.ledger.facts.alias_key`) whether it is there and since when.
        self.registered: dt.date | None = None
        self.accounts: dict[str, tuple[bool, dt.date]] = {}
        self.aliases: dict[str, tuple[bool, dt.date]] = {}

    @classmethod
    def replay(cls, customer_id: str, facts: Iterable[Fact]) -> CustomerBook:
        """A book of the (already accepted) ``facts``; ``version`` is their count."""
        book = cls(customer_id)
        for fact in facts:
            book.apply(fact, check=False)
            book.version += 1
        return book

    # -- helpers ------------------------------------------------------------------------------

    def _track(self, item_id: str, field: str, kinds: tuple[ItemKind, ...]) -> _Track:
        track = self.items.get(item_id)
        if track is None:
            raise InvalidFactError(
                f"{field}={item_id!r} is not an item of customer {self.customer_id!r}: "
                "record the invoice, credit memo or payment first",
                field=field,
                value=item_id,
            )
        if track.kind not in kinds:
            raise InvalidFactError(
                f"{field}={item_id!r} is a {track.kind.value}, not one of "
                f"{', '.join(k.value for k in kinds)}",
                field=field,
                value=item_id,
            )
        return track

    @staticmethod
    def _not_before(track: _Track, fact: Fact, field: str, ref: str) -> None:
        if fact.effective < track.created:
            raise InvalidFactError(
                f"{fact.kind.value} {fact.fact_id!r} is effective {fact.effective}, before "
                f"{ref!r} exists ({track.created}): back-date it no further than that",
                field="effective",
                value=fact.effective,
                reference=ref,
            )

    @staticmethod
    def _same_currency(track: _Track, code: str, field: str, ref: str) -> None:
        if code != track.currency:
            raise InvalidFactError(
                f"{field} is in {code} but {ref!r} is in {track.currency}: "
                "record the conversion (source_amount and rate) or use the item's currency",
                field=field,
                value=code,
                reference=ref,
            )

    @staticmethod
    def _check_left(track: _Track, amount: Decimal, when: dt.date, *, ref: str, what: str) -> None:
        available = track.available_from(when)
        if amount > available:
            raise OverApplicationError(
                f"{what} of {amount} {track.currency} would over-apply {ref!r}: only "
                f"{available} is left on {when} or a later date; reduce it or reverse "
                "another allocation first",
                field="amount",
                value=amount,
                reference=ref,
                available=available,
            )

    def _take(
        self, track: _Track, amount: Decimal, when: dt.date, *, check: bool, ref: str, what: str
    ) -> None:
        if check:
            self._check_left(track, amount, when, ref=ref, what=what)
        track.add(when, -amount)

    def _new_id(self, item_id: str, check: bool) -> None:
        if check and (item_id in self.items or item_id in self.documents):
            raise InvalidFactError(
                f"customer {self.customer_id!r} already has an item or payment {item_id!r}: "
                "ids must be unique (a correction is a new fact, e.g. a credit memo)",
                field="item_id",
                value=item_id,
            )

    # -- apply --------------------------------------------------------------------------------

    def apply(self, fact: Fact, *, check: bool = True) -> None:
        """Check ``fact`` against the book (unless ``check`` is false) and record it.

        A failed check may leave the book partly updated: discard it and replay the stream.

        Raises:
            OverApplicationError: an item or a source would be over-applied.
            InvalidFactError: any other broken invariant (unknown reference, currency, order).
        """
        if check:
            self._check_stream(fact)
        self.last_recorded_at = fact.recorded_at
        match fact:
            case InvoiceIssued():
                self._issue_invoice(fact, check)
            case CreditMemoIssued():
                self._new_source(fact.item_id, ItemKind.CREDIT_MEMO, fact, check)
            case PaymentReceived():
                self._new_source(fact.payment_id, ItemKind.UNAPPLIED_CASH, fact, check)
            case PaymentAllocated():
                self._allocate(fact, check)
            case AllocationReversed():
                self._reverse(fact, check)
            case Refunded():
                self._take_from(fact.source_id, "source_id", _SOURCES, fact, check, what="refund")
            case PaymentReassigned():
                self._take_from(
                    fact.payment_id,
                    "payment_id",
                    (ItemKind.UNAPPLIED_CASH,),
                    fact,
                    check,
                    what="reassignment",
                )
            case WrittenOff():
                self._take_from(
                    fact.item_id, "item_id", tuple(ItemKind), fact, check, what="write-off"
                )
            case DisputeOpened():
                self._open_dispute(fact, check)
            case DisputeResolved():
                self._resolve(fact, check)
            case PromisedToPay() if check and fact.item_id is not None:
                track = self._track(fact.item_id, "item_id", tuple(ItemKind))
                self._same_currency(track, fact.amount.currency.code, "amount", fact.item_id)
            case CustomerRegistered() | CustomerChanged():
                self._record(fact, check)
            case PayerAccountLinked() | PayerAccountUnlinked():
                linked = isinstance(fact, PayerAccountLinked)
                self._toggle(self.accounts, fact.account, linked, fact, check, what="payer account")
            case CustomerAliasAdded() | CustomerAliasRemoved():
                added = isinstance(fact, CustomerAliasAdded)
                self._toggle(self.aliases, alias_key(fact.alias), added, fact, check, what="alias")

    def _check_stream(self, fact: Fact) -> None:
        """The fact is of this customer, and recorded no earlier than the stream's latest."""
        if fact.customer_id != self.customer_id:
            raise InvalidFactError(
                f"fact {fact.fact_id!r} belongs to {fact.customer_id!r}, not {self.customer_id!r}",
                field="customer_id",
                value=fact.customer_id,
            )
        if self.last_recorded_at is not None and fact.recorded_at < self.last_recorded_at:
            raise InvalidFactError(
                f"fact {fact.fact_id!r} is recorded at {fact.recorded_at.isoformat()}, before "
                f"the stream's latest fact ({self.last_recorded_at.isoformat()}): recording "
                "times only move forward; pass the current time",
                field="recorded_at",
                value=fact.recorded_at,
            )

    def _issue_invoice(self, fact: InvoiceIssued, check: bool) -> None:
        count = len(fact.instalments)
        if count > 1:
            self._new_id(fact.item_id, check)
            self.documents.add(fact.item_id)
        for inst in fact.instalments:
            item_id = instalment_item_id(fact.item_id, inst.number, count)
            self._new_id(item_id, check)
            self.items[item_id] = _Track(
                ItemKind.INVOICE, fact.currency, fact.effective, inst.amount.amount
            )

    def _new_source(
        self, item_id: str, kind: ItemKind, fact: CreditMemoIssued | PaymentReceived, check: bool
    ) -> None:
        """A credit memo or a payment: a source of its whole amount from its effective date."""
        self._new_id(item_id, check)
        self.items[item_id] = _Track(
            kind, fact.amount.currency.code, fact.effective, fact.amount.amount
        )

    def _take_from(
        self,
        ref: str,
        field: str,
        kinds: tuple[ItemKind, ...],
        fact: Refunded | WrittenOff | PaymentReassigned,
        check: bool,
        *,
        what: str,
    ) -> None:
        """A refund, write-off or reassignment takes its amount from the item (or source)."""
        track = self._track(ref, field, kinds)
        if check:
            self._not_before(track, fact, field, ref)
            self._same_currency(track, fact.amount.currency.code, "amount", ref)
        self._take(track, fact.amount.amount, fact.effective, check=check, ref=ref, what=what)

    def _open_dispute(self, fact: DisputeOpened, check: bool) -> None:
        track = self._track(fact.item_id, "item_id", (ItemKind.INVOICE,))
        if check:
            self._not_before(track, fact, "item_id", fact.item_id)
            self._same_currency(track, fact.amount.currency.code, "amount", fact.item_id)
            if fact.amount.amount > track.events[0][1]:
                raise InvalidFactError(
                    f"dispute of {fact.amount} exceeds the item {fact.item_id!r} "
                    f"({track.events[0][1]} {track.currency})",
                    field="amount",
                    value=fact.amount,
                )
        self.disputes[fact.fact_id] = (fact, fact.amount.amount)

    def _allocate(self, fact: PaymentAllocated, check: bool) -> None:
        item = self._track(fact.item_id, "item_id", (ItemKind.INVOICE,))
        source = self._track(fact.source_id, "source_id", _SOURCES)
        if check:
            self._not_before(item, fact, "item_id", fact.item_id)
            self._not_before(source, fact, "source_id", fact.source_id)
            self._same_currency(item, fact.applied.currency.code, "applied", fact.item_id)
            self._same_currency(source, fact.consumed.currency.code, "applied", fact.source_id)
            if fact.fact_id in self.allocations:
                raise InvalidFactError(
                    f"allocation {fact.fact_id!r} is already recorded",
                    field="fact_id",
                    value=fact.fact_id,
                )
            # Check both sides before changing either.
            self._check_left(
                source, fact.consumed.amount, fact.effective, ref=fact.source_id, what="allocation"
            )
        self._take(
            item, fact.settled, fact.effective, check=check, ref=fact.item_id, what="allocation"
        )
        source.add(fact.effective, -fact.consumed.amount)
        self.allocations[fact.fact_id] = _Allocation(
            fact.item_id, fact.source_id, fact.settled, fact.consumed.amount, fact.effective
        )

    def _reverse(self, fact: AllocationReversed, check: bool) -> None:
        found = self.allocations.get(fact.allocation_id)
        if check:
            if found is None:
                raise InvalidFactError(
                    f"allocation_id={fact.allocation_id!r} is not an allocation of customer "
                    f"{self.customer_id!r}: only recorded allocations can be reversed",
                    field="allocation_id",
                    value=fact.allocation_id,
                )
            if found.reversed:
                raise InvalidFactError(
                    f"allocation {fact.allocation_id!r} is already reversed",
                    field="allocation_id",
                    value=fact.allocation_id,
                )
            if fact.effective < found.effective:
                raise InvalidFactError(
                    f"the reversal is effective {fact.effective}, before the allocation "
                    f"({found.effective})",
                    field="effective",
                    value=fact.effective,
                )
        assert found is not None
        self.items[found.item_id].add(fact.effective, found.settled)
        self.items[found.source_id].add(fact.effective, found.consumed)
        found.reversed = True

    def _resolve(self, fact: DisputeResolved, check: bool) -> None:
        found = self.disputes.get(fact.dispute_id)
        if check:
            if found is None:
                raise InvalidFactError(
                    f"dispute_id={fact.dispute_id!r} is not a dispute of customer "
                    f"{self.customer_id!r}",
                    field="dispute_id",
                    value=fact.dispute_id,
                )
            opened, remaining = found
            if fact.amount.currency != opened.amount.currency or fact.amount.amount > remaining:
                raise InvalidFactError(
                    f"resolving {fact.amount} of dispute {fact.dispute_id!r}, which has "
                    f"{remaining} {opened.amount.currency.code} open",
                    field="amount",
                    value=fact.amount,
                )
            if fact.effective < opened.effective:
                raise InvalidFactError(
                    f"the resolution is effective {fact.effective}, before the dispute "
                    f"({opened.effective})",
                    field="effective",
                    value=fact.effective,
                )
        assert found is not None
        self.disputes[fact.dispute_id] = (found[0], found[1] - fact.amount.amount)

    # -- the customer master --------------------------------------------------------------------

    def _record(self, fact: CustomerRegistered | CustomerChanged, check: bool) -> None:
        registering = isinstance(fact, CustomerRegistered)
        if check:
            if registering and self.registered is not None:
                raise InvalidFactError(
                    f"customer {self.customer_id!r} is already registered (effective "
                    f"{self.registered}): record the change as CustomerChanged",
                    field="fact_id",
                    value=fact.fact_id,
                )
            if not registering and self.registered is None:
                raise InvalidFactError(
                    f"customer {self.customer_id!r} is not registered: record "
                    "CustomerRegistered before changing its record",
                    field="customer_id",
                    value=fact.customer_id,
                )
            if self.registered is not None and fact.effective < self.registered:
                raise InvalidFactError(
                    f"the change is effective {fact.effective}, before customer "
                    f"{self.customer_id!r} was registered ({self.registered})",
                    field="effective",
                    value=fact.effective,
                )
        if registering:
            self.registered = fact.effective

    def _toggle(
        self,
        entries: dict[str, tuple[bool, dt.date]],
        key: str,
        present: bool,
        fact: Fact,
        check: bool,
        *,
        what: str,
    ) -> None:
        """Add (``present``) or remove a payer account or an alias of the customer."""
        if check:
            there, since = entries.get(key, (False, None))
            if there == present:
                raise InvalidFactError(
                    f"{what} {key!r} is {'already' if present else 'not'} on the record of "
                    f"customer {self.customer_id!r}"
                    + (": nothing to add" if present else ": nothing to remove"),
                    field="account" if what == "payer account" else "alias",
                    value=key,
                )
            if since is not None and fact.effective < since:
                raise InvalidFactError(
                    f"{fact.kind.value} {fact.fact_id!r} is effective {fact.effective}, before "
                    f"the {what}'s last change ({since}): date it no earlier than that",
                    field="effective",
                    value=fact.effective,
                )
        entries[key] = (present, fact.effective)
