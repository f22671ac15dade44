"""Bulk historical loads: years of facts given in any order, made into a stream the ledger accepts.

A history exported from another system (invoices, payments, allocations, disputes, promises,
write-offs ...) rarely comes in the order the ledger checks facts in, and often without the
moment each fact was recorded.  :func:`prepare_history` orders and stamps it;
:meth:`o2c.ledger.Ledger.load_history` appends the result in one atomic batch (like
:meth:`~o2c.ledger.Ledger.append`: all or nothing) and says what was done
(:class:`HistoryLoad`).

The order, per the ledger's rules (:mod:`o2c.ledger.rules`):

1. by recording time (``recorded_at``): a customer's recording times never go backwards;
2. then by effective date;
3. then, among facts recorded at the same moment on the same day, dependencies first: a fact
   comes after the facts that create what it names (an allocation after the invoice and the
   payment or credit memo it names, a reversal after its allocation, a dispute's resolution
   after its opening, a decision after the allocations it lists); otherwise registrations,
   then documents and payments, then what frees an amount (reversals, resolutions), then the
   rest, then decisions on payments, the input's order breaking the remaining ties.

Stamping: a fact whose recording time is unknown is built with ``recorded_at=UNRECORDED``; it is
stamped at the **end of its effective day** (23:59:59 in ``zone``, UTC by default), so an
"as known at" view of the history knows each fact from the end of the day it took effect, and
it is marked: its ``recorded_by`` says the time was stamped (see :data:`STAMPED_BY`).  Stamps are
deterministic: loading the same history twice is a no-op.

A fact recorded before a fact it names (the data say so, or a stamp puts it there) cannot be
ordered; :func:`prepare_history` refuses it, naming both.

>>> import datetime as dt
>>> from o2c.ledger import InvoiceIssued, Ledger, PaymentAllocated, PaymentReceived
>>> from o2c.money import money
>>> from o2c.terms import Instalment
>>> day = dt.date(2024, 3, 1)
>>> invoice = InvoiceIssued.from_instalments(fact_id="i1", customer_id="C1", item_id="INV-1",
...     document_number="INV-1", document_date=day, recorded_at=UNRECORDED,
...     instalments=[Instalment(number=1, due_date=day, amount=money("50.00", "EUR"))])
>>> paid = PaymentReceived(fact_id="p1", customer_id="C1", effective=day, recorded_at=UNRECORDED,
...     payment_id="P1", amount=money("50.00", "EUR"), value_date=day)
>>> allocated = PaymentAllocated(fact_id="a1", customer_id="C1", effective=day,
...     recorded_at=UNRECORDED, source_id="P1", item_id="INV-1", applied=money("50.00", "EUR"))
>>> prepared = prepare_history([allocated, paid, invoice])
>>> [f.fact_id for f in prepared.facts], prepared.facts[0].recorded_at.isoformat()
(['p1', 'i1', 'a1'], '2024-03-01T23:59:59+00:00')
>>> report = Ledger().load_history([allocated, paid, invoice])
>>> report.appended, report.stamped, report.reordered
(3, ('a1', 'p1', 'i1'), ('p1', 'i1'))
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final

import attrs

from o2c.errors import ValidationError
from o2c.ledger.facts import (
    CreditMemoIssued,
    Fact,
    FactKind,
    InvoiceIssued,
    PaymentReceived,
    instalment_item_id,
)
from o2c.ledger.ids import FactId

__all__ = [
    "HistoryLoad",
    "PreparedHistory",
    "STAMPED_BY",
    "UNRECORDED",
    "prepare_history",
]

#: ``recorded_at`` of a historical fact whose recording time is unknown (stamped on loading).
UNRECORDED: Final = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
#: ``recorded_by`` of a stamped fact (appended in brackets to a ``recorded_by`` it had).
STAMPED_BY: Final = "history load: recorded_at stamped at the end of the effective day"
#: The time of day a stamp gets.
_END_OF_DAY: Final = dt.time(23, 59, 59)

#: Among facts recorded at one moment on one day (after dependencies): registrations, documents
#: and payments, what frees an amount, the rest, decisions.  A kind not listed (a new one) is
#: "the rest".
_RANK: Final = {
    FactKind.CUSTOMER_REGISTERED: 0,
    FactKind.INVOICE_ISSUED: 1,
    FactKind.CREDIT_MEMO_ISSUED: 1,
    FactKind.PAYMENT_RECEIVED: 1,
    FactKind.CUSTOMER_CHANGED: 1,
    FactKind.PAYER_ACCOUNT_LINKED: 1,
    FactKind.CUSTOMER_ALIAS_ADDED: 1,
    FactKind.ALLOCATION_REVERSED: 2,
    FactKind.DISPUTE_RESOLVED: 2,
    FactKind.PAYMENT_DECIDED: 4,
}
_REST: Final = 3
#: Fields naming an item or a payment, and fields naming other facts.
_NAMES_ITEMS: Final = ("item_id", "source_id", "payment_id")
_NAMES_FACTS: Final = ("allocation_id", "dispute_id")


@attrs.frozen(kw_only=True)
class HistoryLoad:
    """What a bulk load did.

    ``facts``: how many were given;
    ``appended`` / ``unchanged``: stored now / already stored with the same content;
    ``kinds``: how many of each kind were given; ``stamped``: the facts whose recording time
    was stamped; ``reordered``: the facts given after a fact the stream puts later (each moved
    ahead); ``first`` / ``last``: the effective dates spanned (``None`` for nothing given).
    """

    facts: int
    appended: int
    unchanged: int
    customers: int
    kinds: tuple[tuple[str, int], ...]
    stamped: tuple[FactId, ...]
    reordered: tuple[FactId, ...]
    first: dt.date | None
    last: dt.date | None

    def summary(self) -> str:
        """One line: counts, the span, what was stamped and reordered."""
        if not self.facts:
            return "history load: nothing given"
        kinds = ", ".join(f"{n} {k}" for k, n in self.kinds)
        return (
            f"history load: {self.facts} facts of {self.customers} customers from {self.first} "
            f"to {self.last} ({kinds}); {self.appended} appended, {self.unchanged} already "
            f"stored; {len(self.stamped)} stamped at the end of their effective day; "
            f"{len(self.reordered)} reordered"
        )


@attrs.frozen(kw_only=True)
class PreparedHistory:
    """A history in an order the ledger accepts, stamped, with what was changed."""

    facts: tuple[Fact, ...]
    stamped: tuple[FactId, ...]
    reordered: tuple[FactId, ...]

    def report(self, *, appended: int, unchanged: int) -> HistoryLoad:
        """The load's report once ``appended`` facts were stored and ``unchanged`` found."""
        kinds = Counter(f.kind.value for f in self.facts)
        dates = [f.effective for f in self.facts]
        return HistoryLoad(
            facts=len(self.facts),
            appended=appended,
            unchanged=unchanged,
            customers=len({f.customer_id for f in self.facts}),
            kinds=tuple(sorted(kinds.items())),
            stamped=self.stamped,
            reordered=self.reordered,
            first=min(dates, default=None),
            last=max(dates, default=None),
        )


def _stamp(fact: Fact, zone: dt.tzinfo) -> Fact:
    marked = f"{fact.recorded_by} ({STAMPED_BY})" if fact.recorded_by else STAMPED_BY
    return attrs.evolve(
        fact,
        recorded_at=dt.datetime.combine(fact.effective, _END_OF_DAY, tzinfo=zone),
        recorded_by=marked,
    )


def _provides(fact: Fact) -> list[tuple[str, str, str]]:
    """What a fact creates that others name: its items or payment, and itself."""
    cid: str = fact.customer_id
    out: list[tuple[str, str, str]] = [(cid, "fact", fact.fact_id)]
    if isinstance(fact, InvoiceIssued):
        n = len(fact.instalments)
        out += [(cid, "id", instalment_item_id(fact.item_id, k, n)) for k in range(1, n + 1)]
    elif isinstance(fact, CreditMemoIssued):
        out.append((cid, "id", fact.item_id))
    elif isinstance(fact, PaymentReceived):
        out.append((cid, "id", fact.payment_id))
    return out


def _needs(fact: Fact) -> list[tuple[str, str, str]]:
    """What a fact names that other facts create."""
    if isinstance(fact, InvoiceIssued | CreditMemoIssued | PaymentReceived):
        return []
    cid: str = fact.customer_id
    out: list[tuple[str, str, str]] = []
    for name in _NAMES_ITEMS:
        value = getattr(fact, name, None)
        if isinstance(value, str):
            out.append((cid, "id", value))
    for name in _NAMES_FACTS:
        value = getattr(fact, name, None)
        if isinstance(value, str):
            out.append((cid, "fact", value))
    for value in getattr(fact, "allocations", ()) or ():
        out.append((cid, "fact", value))
    return out


def prepare_history(facts: Iterable[Fact], *, zone: dt.tzinfo = dt.UTC) -> PreparedHistory:
    """Stamp the facts recorded at :data:`UNRECORDED` and order them (module docstring).

    Pure: nothing is stored.  A fact given twice stays twice (appending stores it once).

    Raises:
        ValidationError: a fact is recorded before a fact it names (after stamping).
    """
    given: list[Fact] = []
    stamped: list[FactId] = []
    for fact in facts:
        if fact.recorded_at == UNRECORDED:
            stamped.append(fact.fact_id)
            fact = _stamp(fact, zone)
        given.append(fact)
    groups: dict[tuple[dt.datetime, dt.date], list[int]] = {}
    for i, fact in enumerate(given):
        groups.setdefault((fact.recorded_at, fact.effective), []).append(i)
    order: list[int] = []
    for key in sorted(groups):
        order += _within(given, groups[key])
    out = [given[i] for i in order]
    _check_dependencies(out)
    position = {i: p for p, i in enumerate(order)}
    reordered: list[FactId] = []
    latest = -1
    for i, fact in enumerate(given):
        p = position[i]
        if p < latest:
            reordered.append(fact.fact_id)
        latest = max(latest, p)
    return PreparedHistory(facts=tuple(out), stamped=tuple(stamped), reordered=tuple(reordered))


def _within(given: Sequence[Fact], members: list[int]) -> list[int]:
    """One moment's facts: dependencies first, then by rank and the input's order (Kahn)."""
    if len(members) == 1:
        return members
    made_by: dict[tuple[str, str, str], int] = {}
    for i in members:
        for key in _provides(given[i]):
            made_by.setdefault(key, i)
    waiting: dict[int, int] = {}
    followers: dict[int, list[int]] = {}
    for i in members:
        before = {made_by[k] for k in _needs(given[i]) if k in made_by and made_by[k] != i}
        waiting[i] = len(before)
        for b in before:
            followers.setdefault(b, []).append(i)
    ready = [(_RANK.get(given[i].kind, _REST), i) for i in members if not waiting[i]]
    heapq.heapify(ready)
    out: list[int] = []
    while ready:
        _, i = heapq.heappop(ready)
        out.append(i)
        for j in followers.get(i, ()):
            waiting[j] -= 1
            if not waiting[j]:
                heapq.heappush(ready, (_RANK.get(given[j].kind, _REST), j))
    if len(out) < len(members):  # a cycle: the ledger will say what is wrong
        out += [i for i in members if waiting[i]]
    return out


def _check_dependencies(ordered: Sequence[Fact]) -> None:
    made_at: dict[tuple[str, str, str], int] = {}
    for p, fact in enumerate(ordered):
        for key in _provides(fact):
            made_at.setdefault(key, p)
    for p, fact in enumerate(ordered):
        for key in _needs(fact):
            q = made_at.get(key)
            if q is not None and q > p:
                later = ordered[q]
                raise ValidationError(
                    f"fact {fact.fact_id!r} ({fact.kind.value}, recorded at "
                    f"{fact.recorded_at.isoformat()}) names {key[2]!r}, which fact "
                    f"{later.fact_id!r} creates later (recorded at "
                    f"{later.recorded_at.isoformat()}, effective {later.effective}): "
                    "a history cannot record a fact before what it names",
                    field="recorded_at",
                    value=fact.recorded_at,
                )
