"""The one read model of the ledger: open items, balances, settlement trails, account movements,
disputes, promises, unapplied cash and audit trails, all computed by one set of rules.

Every reader of the ledger (aging, KPIs, credit, forecast, dunning, reminders, disputes) goes
through this module: the rules "known at T", "effective by D" and "reversed allocations don't
count" are applied here and nowhere else, and a new fact kind is taught to the ledger here once.
:class:`Projection` keeps what open items and balances need; :class:`History` (built by
:func:`read`) keeps, in the same pass, what the other readers need.

Every function takes an iterable of facts in stream order (the order a :class:`LedgerStore`
returns them: per customer, in the order they were appended) and reads it once, so it works on a
stream of any length.  ``as_of`` keeps the facts *effective* on or before that date;
``known_at`` keeps those *recorded* at or before that time (``None``: everything recorded).
Sums are kept as ``Decimal`` per item; ``Money`` is built only for the result.

>>> import datetime as dt
>>> from o2c.ledger.facts import InvoiceIssued, PaymentAllocated, PaymentReceived
>>> from o2c.money import money
>>> from o2c.terms import Instalment
>>> t = lambda day: dt.datetime(2026, 3, day, 12, tzinfo=dt.timezone.utc)
>>> facts = [
...     InvoiceIssued.from_instalments(fact_id="i1", customer_id="C1", item_id="INV-1",
...         document_number="INV-1", document_date=dt.date(2026, 3, 1), recorded_at=t(1),
...         instalments=[Instalment(number=1, due_date=dt.date(2026, 3, 31),
...                                 amount=money("100.00", "EUR"))]),
...     PaymentReceived(fact_id="p1", customer_id="C1", effective=dt.date(2026, 3, 10),
...         recorded_at=t(11), payment_id="PAY-1", amount=money("60.00", "EUR"),
...         value_date=dt.date(2026, 3, 10)),
...     PaymentAllocated(fact_id="a1", customer_id="C1", effective=dt.date(2026, 3, 10),
...         recorded_at=t(11), source_id="PAY-1", item_id="INV-1",
...         applied=money("60.00", "EUR")),
... ]
>>> [i.open_amount.amount for i in open_items(facts, dt.date(2026, 3, 31))]
[Decimal('40.00')]
>>> [i.open_amount.amount for i in open_items(facts, dt.date(2026, 3, 31), known_at=t(10))]
[Decimal('100.00')]
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.errors import InvalidFactError, ValidationError
from o2c.ledger.customers import CustomerMaster, CustomerRecord, KnownAccount, PayerAccount
from o2c.ledger.facts import (
    AllocationReversed,
    CreditMemoIssued,
    CustomerAliasAdded,
    CustomerAliasRemoved,
    CustomerChanged,
    CustomerDetails,
    CustomerRegistered,
    DisputeOpened,
    DisputeResolved,
    Fact,
    InvoiceIssued,
    PayerAccountLinked,
    PayerAccountUnlinked,
    PaymentAllocated,
    PaymentDecided,
    PaymentReassigned,
    PaymentReceived,
    PaymentScreened,
    PaymentSuggested,
    PromisedToPay,
    Refunded,
    ScheduledRunRecorded,
    WrittenOff,
    account_key,
    alias_key,
    instalment_item_id,
)
from o2c.ledger.ids import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import currency
from o2c.terms import DiscountOffer

__all__ = [
    "ActivityKind",
    "ActivityLine",
    "DisputeRecord",
    "History",
    "PaymentCase",
    "Projection",
    "SettlementTrail",
    "TrailEntry",
    "balances",
    "by_customer",
    "history",
    "open_items",
    "promises",
    "read",
    "select",
    "unapplied",
]

_ZERO = Decimal(0)


def _aware(known_at: dt.datetime | None) -> None:
    if known_at is not None and (known_at.tzinfo is None or known_at.utcoffset() is None):
        raise ValidationError(
            f"known_at={known_at!r} must be timezone-aware (recording times are), e.g. "
            "datetime(..., tzinfo=timezone.utc)",
            field="known_at",
            value=known_at,
        )


def select(
    facts: Iterable[Fact],
    as_of: dt.date | None = None,
    *,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
) -> Iterator[Fact]:
    """The facts effective on or before ``as_of`` and recorded at or before ``known_at``."""
    _aware(known_at)
    for fact in facts:
        if as_of is not None and fact.effective > as_of:
            continue
        if known_at is not None and fact.recorded_at > known_at:
            continue
        if customer_id is not None and fact.customer_id != customer_id:
            continue
        yield fact


class _Item:
    """The running state of one open item (amounts signed: negative for credit)."""

    __slots__ = (
        "currency",
        "customer_id",
        "discounts",
        "disputed",
        "document_date",
        "document_id",
        "document_number",
        "due_date",
        "instalment",
        "item_id",
        "kind",
        "open",
        "original",
        "reference",
    )

    def __init__(
        self,
        *,
        item_id: str,
        customer_id: str,
        kind: ItemKind,
        document_number: str,
        document_date: dt.date,
        due_date: dt.date,
        currency: str,
        original: Decimal,
        reference: str | None = None,
        discounts: tuple[DiscountOffer, ...] = (),
        instalment: int | None = None,
        document_id: str | None = None,
    ) -> None:
        self.item_id = item_id
        self.customer_id = customer_id
        self.kind = kind
        self.document_number = document_number
        self.document_date = document_date
        self.due_date = due_date
        self.currency = currency
        self.original = original
        self.open = original
        self.disputed = _ZERO
        self.reference = reference
        self.discounts = discounts
        self.instalment = instalment
        self.document_id = document_id or item_id

    def to_open_item(self) -> OpenItem:
        cur = currency(self.currency)
        disputed = min(self.disputed, abs(self.open))
        return OpenItem(
            item_id=ItemId(self.item_id),
            customer_id=CustomerId(self.customer_id),
            kind=self.kind,
            document_number=self.document_number,
            document_date=self.document_date,
            due_date=self.due_date,
            original_amount=Money(self.original, cur),
            open_amount=Money(self.open, cur),
            payment_reference=self.reference,
            discounts=self.discounts,
            instalment=self.instalment,
            disputed_amount=Money(disputed, cur) if disputed > 0 else None,
            document_id=ItemId(self.document_id),
        )


class Projection:
    """A running projection: feed it facts in stream order, then read open items and balances.

    Use the functions of this module unless you keep a projection up to date incrementally.

    Raises (from :meth:`feed`):
        InvalidFactError: a fact refers to an item, payment, allocation or dispute the facts
            fed so far do not contain (the stream is not one a ledger accepted).
    """

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], _Item] = {}
        self._allocations: dict[str, tuple[_Item, _Item, Decimal, Decimal]] = {}
        self._disputes: dict[str, tuple[_Item, list[Decimal]]] = {}
        self.promises: list[PromisedToPay] = []
        self._handlers = {
            InvoiceIssued: self._invoice,
            CreditMemoIssued: self._credit_memo,
            PaymentReceived: self._payment,
            PaymentAllocated: self._allocation,
            AllocationReversed: self._reversal,
            Refunded: self._refund,
            WrittenOff: self._write_off,
            DisputeOpened: self._dispute_opened,
            DisputeResolved: self._dispute_resolved,
            PromisedToPay: self.promises.append,
            CustomerRegistered: self._master_fact,
            CustomerChanged: self._master_fact,
            PayerAccountLinked: self._master_fact,
            PayerAccountUnlinked: self._master_fact,
            CustomerAliasAdded: self._master_fact,
            CustomerAliasRemoved: self._master_fact,
            PaymentReassigned: self._reassigned,
            PaymentScreened: self._case_fact,
            PaymentSuggested: self._case_fact,
            PaymentDecided: self._case_fact,
            ScheduledRunRecorded: self._run_fact,
        }

    def feed(self, fact: Fact) -> None:
        """Apply one fact."""
        self._handlers[type(fact)](fact)  # type: ignore[operator]

    def feed_all(
        self,
        facts: Iterable[Fact],
        as_of: dt.date | None = None,
        *,
        known_at: dt.datetime | None = None,
        customer_id: str | None = None,
    ) -> Projection:
        """Apply the facts selected as :func:`select` does; returns ``self``."""
        _aware(known_at)
        handlers = self._handlers
        for fact in facts:
            if as_of is not None and fact.effective > as_of:
                continue
            if known_at is not None and fact.recorded_at > known_at:
                continue
            if customer_id is not None and fact.customer_id != customer_id:
                continue
            handlers[type(fact)](fact)  # type: ignore[operator]
        return self

    def item(self, customer_id: str, item_id: str) -> _Item:
        """The running state of an item (or payment, as unapplied cash)."""
        try:
            return self.items[(customer_id, item_id)]
        except KeyError:
            raise InvalidFactError(
                f"customer {customer_id!r} has no item or payment {item_id!r}",
                field="item_id",
                value=item_id,
            ) from None

    # -- handlers ---------------------------------------------------------------------------

    def _invoice(self, fact: InvoiceIssued) -> None:
        count = len(fact.instalments)
        code = fact.total.currency.code
        for inst in fact.instalments:
            item_id = instalment_item_id(fact.item_id, inst.number, count)
            self.items[(fact.customer_id, item_id)] = _Item(
                item_id=item_id,
                customer_id=fact.customer_id,
                kind=ItemKind.INVOICE,
                document_number=fact.document_number,
                document_date=fact.document_date,
                due_date=inst.due_date,
                currency=code,
                original=inst.amount.amount,
                reference=fact.payment_reference,
                discounts=inst.discounts,
                instalment=inst.number if count > 1 else None,
                document_id=fact.item_id,
            )

    def _credit_memo(self, fact: CreditMemoIssued) -> None:
        self.items[(fact.customer_id, fact.item_id)] = _Item(
            item_id=fact.item_id,
            customer_id=fact.customer_id,
            kind=ItemKind.CREDIT_MEMO,
            document_number=fact.document_number,
            document_date=fact.document_date,
            due_date=fact.document_date,
            currency=fact.amount.currency.code,
            original=-fact.amount.amount,
            reference=fact.payment_reference,
        )

    def _payment(self, fact: PaymentReceived) -> None:
        self.items[(fact.customer_id, fact.payment_id)] = _Item(
            item_id=fact.payment_id,
            customer_id=fact.customer_id,
            kind=ItemKind.UNAPPLIED_CASH,
            document_number=fact.reference or fact.payment_id,
            document_date=fact.value_date,
            due_date=fact.value_date,
            currency=fact.amount.currency.code,
            original=-fact.amount.amount,
        )

    def _allocation(self, fact: PaymentAllocated) -> None:
        item = self.item(fact.customer_id, fact.item_id)
        source = self.item(fact.customer_id, fact.source_id)
        settled = fact.settled
        consumed = fact.consumed.amount
        item.open -= settled
        source.open += consumed
        self._allocations[fact.fact_id] = (item, source, settled, consumed)

    def _reversal(self, fact: AllocationReversed) -> None:
        try:
            item, source, settled, consumed = self._allocations.pop(fact.allocation_id)
        except KeyError:
            raise InvalidFactError(
                f"no allocation {fact.allocation_id!r} to reverse",
                field="allocation_id",
                value=fact.allocation_id,
            ) from None
        item.open += settled
        source.open -= consumed

    def _refund(self, fact: Refunded) -> None:
        self.item(fact.customer_id, fact.source_id).open += fact.amount.amount

    def _write_off(self, fact: WrittenOff) -> None:
        item = self.item(fact.customer_id, fact.item_id)
        if item.original > 0:
            item.open -= fact.amount.amount
        else:
            item.open += fact.amount.amount

    def _dispute_opened(self, fact: DisputeOpened) -> None:
        item = self.item(fact.customer_id, fact.item_id)
        item.disputed += fact.amount.amount
        self._disputes[fact.fact_id] = (item, [fact.amount.amount])

    def _dispute_resolved(self, fact: DisputeResolved) -> None:
        try:
            item, remaining = self._disputes[fact.dispute_id]
        except KeyError:
            raise InvalidFactError(
                f"no dispute {fact.dispute_id!r} to resolve",
                field="dispute_id",
                value=fact.dispute_id,
            ) from None
        item.disputed -= fact.amount.amount
        remaining[0] -= fact.amount.amount

    def _master_fact(self, fact: _MasterFact) -> None:
        """The customer master's facts move no balance (:class:`History` keeps them)."""

    def _reassigned(self, fact: PaymentReassigned) -> None:
        """The payment's cash leaves this stream (another stream receives it)."""
        self.item(fact.customer_id, fact.payment_id).open += fact.amount.amount

    def _case_fact(self, fact: _CaseFact) -> None:
        """Screenings, suggestions and decisions move no balance (:class:`History` keeps them)."""

    def _run_fact(self, fact: ScheduledRunRecorded) -> None:
        """A scheduled job's run record moves no balance (:class:`History` keeps it)."""

    # -- results ----------------------------------------------------------------------------

    def open_items(self) -> list[OpenItem]:
        """Items with a non-zero open amount, by customer, due date, document number and id."""
        found = [i for i in self.items.values() if i.open]
        found.sort(key=lambda i: (i.customer_id, i.due_date, i.document_number, i.item_id))
        return [i.to_open_item() for i in found]

    def balances(self) -> dict[CustomerId, dict[str, Money]]:
        """Per customer, the sum of open amounts per currency (credits included)."""
        sums: dict[str, dict[str, Decimal]] = {}
        for item in self.items.values():
            if item.open:
                per = sums.setdefault(item.customer_id, {})
                per[item.currency] = per.get(item.currency, _ZERO) + item.open
        return {
            CustomerId(cust): {
                code: Money(total, currency(code)) for code, total in sorted(per.items())
            }
            for cust, per in sorted(sums.items())
        }


# -- the read model -----------------------------------------------------------------------------


class ActivityKind(enum.Enum):
    """What moved a customer's balance."""

    INVOICE = "invoice"
    CREDIT_MEMO = "credit_memo"
    PAYMENT = "payment"
    #: Discount, deduction, bank fee, write-off or FX difference taken in an allocation.
    ADJUSTMENT = "adjustment"
    REVERSAL = "reversal"
    REFUND = "refund"
    WRITE_OFF = "write_off"
    #: A payment's unapplied cash moved to another customer (or out of suspense).
    REASSIGNED = "reassigned"


@attrs.frozen(kw_only=True)
class ActivityLine:
    """One movement of a customer's balance: positive raises what the customer owes."""

    on: dt.date
    document: str
    kind: ActivityKind
    amount: Money


@attrs.frozen(kw_only=True)
class TrailEntry:
    """One settlement of an invoice item: a kept allocation, or a write-off.

    ``collected`` is what an allocation brought in (what it settled less its write-off part);
    ``written_off`` is what was given up.  ``discount``, ``deduction``, ``bank_fee`` and
    ``fx_difference`` are the residuals inside ``collected`` (in the item's currency);
    ``source_id`` is the payment or credit memo, ``None`` for a write-off of the item.
    """

    effective: dt.date
    recorded_on: dt.date
    collected: Decimal
    written_off: Decimal
    source_id: str | None = None
    discount: Decimal = _ZERO
    deduction: Decimal = _ZERO
    bank_fee: Decimal = _ZERO
    fx_difference: Decimal = _ZERO

    @property
    def allocated(self) -> bool:
        """Whether this is an allocation (not a write-off of the item)."""
        return self.source_id is not None


@attrs.frozen(kw_only=True)
class SettlementTrail:
    """An invoice item (one per instalment) as issued, with its settlements and its state."""

    item_id: ItemId
    customer_id: CustomerId
    document_date: dt.date
    due_date: dt.date
    amount: Money
    open_amount: Decimal
    disputed: bool
    settlements: tuple[TrailEntry, ...]

    @property
    def closed(self) -> bool:
        """Whether nothing is open any more."""
        return self.open_amount <= 0

    @property
    def written_off(self) -> Decimal:
        """The total written off (write-offs of the item and write-off parts of allocations)."""
        return sum((s.written_off for s in self.settlements), _ZERO)

    @property
    def paid_on(self) -> dt.date | None:
        """The effective date of the last allocation; ``None`` when no allocation settled it."""
        return max((s.effective for s in self.settlements if s.allocated), default=None)

    @property
    def collected_on(self) -> dt.date | None:
        """The date the customer's payments and credits settled the item in full: the effective
        date of its last allocation once nothing is open and nothing was written off (neither
        the item nor a part of an allocation).  ``None`` otherwise.

        The one rule of "paid" for every reader: the KPIs' paid items and the payment records
        that credit scoring and payment prediction learn from.
        """
        if self.open_amount > 0 or self.written_off > 0:
            return None
        return self.paid_on


@attrs.frozen(kw_only=True)
class DisputeRecord:
    """A dispute (``DisputeOpened``) or a deduction (the deduction part of a kept allocation).

    ``resolutions`` are the ``(effective date, reason code)`` of its ``DisputeResolved`` facts
    in stream order (the reason code of a resolution names its outcome).
    """

    dispute_id: str
    customer_id: CustomerId
    item_id: ItemId
    amount: Money
    reason_code: str
    opened_on: dt.date
    deduction: bool = False
    resolutions: tuple[tuple[dt.date, str], ...] = ()


@attrs.frozen(kw_only=True)
class PaymentCase:
    """One incoming payment as the incoming-cash loop knows it (what the worklist reads).

    ``received`` are its :class:`PaymentReceived` facts (the first, then one per customer it was
    reassigned to); ``unapplied`` what is left to allocate in each customer's stream (non-zero
    only, positive); ``screening`` and ``suggestion`` the latest pre-validation verdict and
    matching candidates recorded for it; ``decisions`` what people decided, in stream order.
    """

    payment_id: str
    received: tuple[PaymentReceived, ...] = ()
    unapplied: tuple[tuple[CustomerId, Money], ...] = ()
    screening: PaymentScreened | None = None
    suggestion: PaymentSuggested | None = None
    decisions: tuple[PaymentDecided, ...] = ()

    @property
    def decided(self) -> bool:
        """Whether a decision was recorded since the latest screening and suggestion."""
        if not self.decisions:
            return False
        last = max(d.recorded_at for d in self.decisions)
        marks = [f.recorded_at for f in (self.screening, self.suggestion) if f is not None]
        return all(last >= m for m in marks)


_Key = tuple[str, str]


class History(Projection):
    """The read model of a stream: the projection, and in the same pass what the readers need.

    Per invoice item its settlement trail, the account movements per customer (for statements),
    disputes and deductions, promises to pay and payments received.  Build it with :func:`read`
    (or feed it facts in stream order, like a :class:`Projection`).
    """

    def __init__(self) -> None:
        self._stand_ins: set[_Key] = set()
        self._entries: dict[_Key, list[TrailEntry]] = {}
        self._kept: dict[str, tuple[PaymentAllocated, TrailEntry]] = {}
        self._disputed: set[_Key] = set()
        self._records: dict[str, DisputeRecord] = {}
        #: The payments received, in stream order.
        self.payments: list[PaymentReceived] = []
        #: Every movement of a balance, in stream order (see :meth:`activity`).
        self.movements: list[ActivityLine] = []
        #: The customer master's facts, in stream order (see :meth:`customer_master`).
        self._master: list[_MasterFact] = []
        #: Per payment id: its screening, suggestion and decisions (see :meth:`payment_cases`).
        self._screenings: dict[str, PaymentScreened] = {}
        self._suggestions: dict[str, PaymentSuggested] = {}
        self._decisions: dict[str, list[PaymentDecided]] = {}
        #: Per job: its run records, in stream order (see :meth:`scheduled_runs`).
        self._runs: dict[str, list[ScheduledRunRecorded]] = {}
        super().__init__()

    # -- handlers: the projection's, then what the readers need ----------------------------

    def _invoice(self, fact: InvoiceIssued) -> None:
        super()._invoice(fact)
        if fact.stand_in:
            self._stand_ins.add((fact.customer_id, fact.item_id))
        self._move(fact.effective, fact.document_number, ActivityKind.INVOICE, fact.total)

    def _credit_memo(self, fact: CreditMemoIssued) -> None:
        super()._credit_memo(fact)
        self._move(fact.effective, fact.document_number, ActivityKind.CREDIT_MEMO, -fact.amount)

    def _payment(self, fact: PaymentReceived) -> None:
        super()._payment(fact)
        self.payments.append(fact)
        document = fact.reference or fact.payment_id
        self._move(fact.effective, document, ActivityKind.PAYMENT, -fact.amount)

    def _allocation(self, fact: PaymentAllocated) -> None:
        super()._allocation(fact)
        entry = _allocation_entry(fact)
        self._entries.setdefault((fact.customer_id, fact.item_id), []).append(entry)
        self._kept[fact.fact_id] = (fact, entry)
        self._allocation_moves(fact, 1, fact.effective, ActivityKind.ADJUSTMENT)
        if fact.deduction is not None and fact.deduction.amount > 0:
            self._records[fact.fact_id] = DisputeRecord(
                dispute_id=fact.fact_id,
                customer_id=CustomerId(fact.customer_id),
                item_id=ItemId(fact.item_id),
                amount=fact.deduction,
                reason_code=fact.deduction_reason,
                opened_on=fact.effective,
                deduction=True,
            )

    def _reversal(self, fact: AllocationReversed) -> None:
        super()._reversal(fact)
        allocated, entry = self._kept.pop(fact.allocation_id)
        self._entries[(allocated.customer_id, allocated.item_id)].remove(entry)
        self._records.pop(allocated.fact_id, None)  # a reversed deduction was not taken
        self._allocation_moves(allocated, -1, fact.effective, ActivityKind.REVERSAL)

    def _refund(self, fact: Refunded) -> None:
        super()._refund(fact)
        self._move(fact.effective, fact.source_id, ActivityKind.REFUND, fact.amount)

    def _write_off(self, fact: WrittenOff) -> None:
        super()._write_off(fact)
        debit = self.items[(fact.customer_id, fact.item_id)].original > 0
        amount = -fact.amount if debit else fact.amount
        self._move(fact.effective, fact.item_id, ActivityKind.WRITE_OFF, amount)
        self._entries.setdefault((fact.customer_id, fact.item_id), []).append(
            TrailEntry(
                effective=fact.effective,
                recorded_on=fact.recorded_at.date(),
                collected=_ZERO,
                written_off=fact.amount.amount,
            )
        )

    def _dispute_opened(self, fact: DisputeOpened) -> None:
        super()._dispute_opened(fact)
        self._disputed.add((fact.customer_id, fact.item_id))
        self._records[fact.fact_id] = DisputeRecord(
            dispute_id=fact.fact_id,
            customer_id=CustomerId(fact.customer_id),
            item_id=ItemId(fact.item_id),
            amount=fact.amount,
            reason_code=fact.reason_code,
            opened_on=fact.effective,
        )

    def _dispute_resolved(self, fact: DisputeResolved) -> None:
        super()._dispute_resolved(fact)
        record = self._records[fact.dispute_id]
        resolutions = (*record.resolutions, (fact.effective, fact.reason_code))
        self._records[fact.dispute_id] = attrs.evolve(record, resolutions=resolutions)

    def _master_fact(self, fact: _MasterFact) -> None:
        self._master.append(fact)

    def _reassigned(self, fact: PaymentReassigned) -> None:
        super()._reassigned(fact)
        self._move(fact.effective, fact.payment_id, ActivityKind.REASSIGNED, fact.amount)

    def _run_fact(self, fact: ScheduledRunRecorded) -> None:
        self._runs.setdefault(fact.job, []).append(fact)

    def _case_fact(self, fact: _CaseFact) -> None:
        if isinstance(fact, PaymentScreened):
            self._screenings[fact.payment_id] = fact
        elif isinstance(fact, PaymentSuggested):
            self._suggestions[fact.payment_id] = fact
        else:
            self._decisions.setdefault(fact.payment_id, []).append(fact)

    def _move(self, on: dt.date, document: str, kind: ActivityKind, amount: Money) -> None:
        self.movements.append(ActivityLine(on=on, document=document, kind=kind, amount=amount))

    def _allocation_moves(
        self, fact: PaymentAllocated, sign: int, on: dt.date, kind: ActivityKind
    ) -> None:
        """What an allocation (``sign`` 1) or its reversal (-1) moves on the balances.

        In one currency only its residuals move the balance (the payment was already counted);
        across currencies the item's and the source's balances both move.
        """
        settled = Money(fact.settled, fact.applied.currency)
        consumed = fact.consumed
        if consumed.currency == settled.currency:
            net = consumed - settled
            if net.amount:
                self._move(on, fact.item_id, kind, net if sign > 0 else -net)
        else:
            self._move(on, fact.item_id, kind, -settled if sign > 0 else settled)
            self._move(on, fact.source_id, kind, consumed if sign > 0 else -consumed)

    # -- results ----------------------------------------------------------------------------

    def settlement_trails(self) -> tuple[SettlementTrail, ...]:
        """Every invoice item with its kept settlements (by effective date) and open amount.

        A migration's stand-in for documents settled before it (``InvoiceIssued.stand_in``: its
        dates are not the customer's) has no trail.
        """
        trails = []
        for key, item in self.items.items():
            if item.kind is not ItemKind.INVOICE or (key[0], item.document_id) in self._stand_ins:
                continue
            entries = sorted(self._entries.get(key, ()), key=lambda e: e.effective)
            trails.append(
                SettlementTrail(
                    item_id=ItemId(item.item_id),
                    customer_id=CustomerId(item.customer_id),
                    document_date=item.document_date,
                    due_date=item.due_date,
                    amount=Money(item.original, currency(item.currency)),
                    open_amount=item.open,
                    disputed=key in self._disputed,
                    settlements=tuple(entries),
                )
            )
        return tuple(trails)

    def disputes(self) -> tuple[DisputeRecord, ...]:
        """The disputes and the deductions of kept allocations, in the order they were opened."""
        return tuple(self._records.values())

    def activity(self, after: dt.date | None = None) -> list[ActivityLine]:
        """The movements effective after ``after`` (every one when ``None``), in stream order."""
        return [m for m in self.movements if after is None or m.on > after]

    def screened_keys(self) -> frozenset[str]:
        """The pre-validation keys of every payment screened (a line imported again has one)."""
        return frozenset(s.key for s in self._screenings.values())

    def payment_cases(self) -> tuple[PaymentCase, ...]:
        """Every payment received, screened, suggested or decided, by payment id."""
        received: dict[str, list[PaymentReceived]] = {}
        for payment in self.payments:
            received.setdefault(payment.payment_id, []).append(payment)
        left: dict[str, list[tuple[CustomerId, Money]]] = {}
        for (cid, pid), item in self.items.items():
            if item.kind is ItemKind.UNAPPLIED_CASH and item.open < 0:
                left.setdefault(pid, []).append(
                    (CustomerId(cid), Money(-item.open, currency(item.currency)))
                )
        ids = sorted({*received, *self._screenings, *self._suggestions, *self._decisions})
        return tuple(
            PaymentCase(
                payment_id=pid,
                received=tuple(received.get(pid, ())),
                unapplied=tuple(sorted(left.get(pid, ()), key=lambda p: p[0])),
                screening=self._screenings.get(pid),
                suggestion=self._suggestions.get(pid),
                decisions=tuple(self._decisions.get(pid, ())),
            )
            for pid in ids
        )

    def scheduled_runs(self, job: str | None = None) -> tuple[ScheduledRunRecorded, ...]:
        """The run records of scheduled jobs (``job``'s only when given), in stream order.

        Kept in a journal ledger by :mod:`o2c.reports.schedule`, one stream per job.
        """
        if job is not None:
            return tuple(self._runs.get(job, ()))
        return tuple(f for runs in self._runs.values() for f in runs)

    def customer_master(self) -> CustomerMaster:
        """The customer master of the facts read: each customer's record, the payer accounts
        and the names (see :mod:`o2c.ledger.customers`).

        Each customer's facts count in the order of their effective dates (facts on one date in
        stream order): a change back-dated before a later one is overridden by it, whenever it
        was recorded.
        """
        grouped: dict[str, list[_MasterFact]] = {}
        for fact in self._master:
            grouped.setdefault(fact.customer_id, []).append(fact)
        records = {
            CustomerId(cid): _Record(cid).fold(facts).result()
            for cid, facts in sorted(grouped.items())
        }
        links: dict[str, list[PayerAccount]] = {}
        names: dict[str, list[CustomerId]] = {}
        for cid, record in records.items():
            for link in record.accounts:
                links.setdefault(link.account, []).append(link)
            for name in dict.fromkeys(alias_key(n) for n in record.names()):
                names.setdefault(name, []).append(cid)
        accounts = {
            account: KnownAccount(
                account=account,
                links=tuple(sorted(found, key=lambda a: (a.first_seen, a.customer_id))),
            )
            for account, found in sorted(links.items())
        }
        return CustomerMaster(
            customers=records,
            accounts=accounts,
            names={name: tuple(cids) for name, cids in sorted(names.items())},
        )


_MasterFact = (
    CustomerRegistered
    | CustomerChanged
    | PayerAccountLinked
    | PayerAccountUnlinked
    | CustomerAliasAdded
    | CustomerAliasRemoved
)
_CaseFact = PaymentScreened | PaymentSuggested | PaymentDecided
#: The record's fields a registration or change sets (every field of CustomerDetails).
_DETAILS = tuple(f.name for f in attrs.fields(CustomerDetails))


class _Record:
    """One customer's record while its master facts are folded in effective order."""

    def __init__(self, customer_id: str) -> None:
        self.customer_id = CustomerId(customer_id)
        self.fields: dict[str, object] = {}
        self.registered_on: dt.date | None = None
        self.changed_on: dt.date | None = None
        #: Account -> its current link; account -> (first seen, first recorded at, by).
        self.links: dict[str, PayerAccountLinked] = {}
        self.first: dict[str, tuple[dt.date, dt.datetime, str]] = {}
        self.unlinked: dict[str, dt.date] = {}
        self.aliases: dict[str, str] = {}
        self.removed: dict[str, dt.date] = {}

    def fold(self, facts: list[_MasterFact]) -> _Record:
        for fact in sorted(facts, key=lambda f: f.effective):  # stable: stream order per date
            match fact:
                case CustomerRegistered():
                    self.registered_on = fact.effective
                    self._set(fact.details, fact.effective)
                case CustomerChanged():
                    self._set(fact.details, fact.effective)
                    for field in fact.cleared:
                        self.fields.pop(field.value, None)
                case PayerAccountLinked():
                    self.first.setdefault(
                        fact.account, (fact.effective, fact.recorded_at, fact.recorded_by)
                    )
                    self.links[fact.account] = fact
                    self.unlinked.pop(fact.account, None)
                case PayerAccountUnlinked():
                    self.links.pop(fact.account, None)
                    self.unlinked[fact.account] = fact.effective
                case CustomerAliasAdded():
                    key = alias_key(fact.alias)
                    self.aliases[key] = fact.alias
                    self.removed.pop(key, None)
                case CustomerAliasRemoved():
                    key = alias_key(fact.alias)
                    self.aliases.pop(key, None)
                    self.removed[key] = fact.effective
        return self

    def _set(self, details: CustomerDetails, effective: dt.date) -> None:
        for name in _DETAILS:
            value = getattr(details, name)
            if value is not None:
                self.fields[name] = value
        self.changed_on = effective

    def result(self) -> CustomerRecord:
        accounts = []
        for account, link in self.links.items():
            first_seen, recorded_at, recorded_by = self.first[account]
            accounts.append(
                PayerAccount(
                    account=account,
                    customer_id=self.customer_id,
                    source=link.source,
                    first_seen=first_seen,
                    linked_on=link.effective,
                    recorded_at=recorded_at,
                    recorded_by=recorded_by,
                    holder_name=link.holder_name,
                    bic=link.bic,
                    payment_id=link.payment_id,
                )
            )
        accounts.sort(key=lambda a: (a.first_seen, a.account))
        fields = dict(self.fields)
        fields["name"] = fields.get("name") or ""
        if fields.get("collection") is None:
            fields.pop("collection", None)
        return CustomerRecord(
            customer_id=self.customer_id,
            registered_on=self.registered_on,
            changed_on=self.changed_on,
            aliases=tuple(self.aliases.values()),
            accounts=tuple(accounts),
            unlinked_accounts=tuple(sorted(self.unlinked.items())),
            removed_aliases=tuple(sorted(self.removed.items())),
            **fields,  # type: ignore[arg-type]
        )


def _part(value: Money | None) -> Decimal:
    """An allocation's optional part (discount, deduction ...) as an amount, 0 when absent."""
    return value.amount if value is not None else _ZERO


def _allocation_entry(fact: PaymentAllocated) -> TrailEntry:
    written_off = _part(fact.write_off)
    return TrailEntry(
        effective=fact.effective,
        recorded_on=fact.recorded_at.date(),
        collected=fact.settled - written_off,
        written_off=written_off,
        source_id=fact.source_id,
        discount=_part(fact.discount),
        deduction=_part(fact.deduction),
        bank_fee=_part(fact.bank_fee),
        fx_difference=_part(fact.fx_difference),
    )


def read(
    facts: Iterable[Fact],
    as_of: dt.date | None = None,
    *,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
) -> History:
    """The read model of the facts effective by ``as_of`` and recorded by ``known_at``.

    Raises:
        InvalidFactError: the facts are not a stream a ledger accepted (a dangling reference).
    """
    history_ = History()
    history_.feed_all(facts, as_of, known_at=known_at, customer_id=customer_id)
    return history_


def by_customer(
    facts: Iterable[Fact],
    as_of: dt.date | None = None,
    *,
    known_at: dt.datetime | None = None,
) -> Iterator[Projection]:
    """One projection per customer, for facts grouped by customer (``iter_by_customer``).

    Only one customer's state is held at a time, so memory stays flat however long the ledger.

    Raises:
        ValueError: the facts are not grouped by customer.
    """
    _aware(known_at)
    done: set[str] = set()
    current: str | None = None
    projection = Projection()
    feed = projection._handlers
    for fact in facts:
        if fact.customer_id != current:
            if current is not None:
                yield projection
                done.add(current)
            current = fact.customer_id
            if current in done:
                raise ValueError(
                    f"facts of customer {current!r} come in two groups: pass them grouped by "
                    "customer (LedgerStore.iter_by_customer)"
                )
            projection = Projection()
            feed = projection._handlers
        if as_of is not None and fact.effective > as_of:
            continue
        if known_at is not None and fact.recorded_at > known_at:
            continue
        feed[type(fact)](fact)  # type: ignore[operator]
    if current is not None:
        yield projection


def open_items(
    facts: Iterable[Fact],
    as_of: dt.date,
    *,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
) -> list[OpenItem]:
    """The items open on ``as_of`` as known at ``known_at`` (one per instalment; credits negative).

    Raises:
        InvalidFactError: the facts are not a stream a ledger accepted (a dangling reference).
    """
    projection = Projection().feed_all(facts, as_of, known_at=known_at, customer_id=customer_id)
    return projection.open_items()


def balances(
    facts: Iterable[Fact],
    as_of: dt.date,
    *,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
) -> dict[CustomerId, dict[str, Money]]:
    """Per customer and currency, the net open amount on ``as_of`` as known at ``known_at``."""
    projection = Projection().feed_all(facts, as_of, known_at=known_at, customer_id=customer_id)
    return projection.balances()


def unapplied(
    facts: Iterable[Fact],
    payment_id: str,
    *,
    customer_id: str,
    as_of: dt.date | None = None,
    known_at: dt.datetime | None = None,
) -> Money:
    """What is left of a payment (or credit memo) to allocate or refund, as a positive amount.

    Raises:
        InvalidFactError: the customer has no such payment (in the selected facts).
    """
    projection = Projection().feed_all(facts, as_of, known_at=known_at, customer_id=customer_id)
    item = projection.item(customer_id, payment_id)
    return Money(-item.open, currency(item.currency))


def promises(
    facts: Iterable[Fact],
    as_of: dt.date,
    *,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
) -> list[PromisedToPay]:
    """The promises to pay recorded for ``as_of`` whose promised date is on or after it."""
    projection = Projection().feed_all(facts, as_of, known_at=known_at, customer_id=customer_id)
    return [p for p in projection.promises if p.promised_date >= as_of]


def history(facts: Iterable[Fact], key: str, *, customer_id: str | None = None) -> list[Fact]:
    """The audit trail of an item, document or payment: every fact that touched it, in order.

    ``key`` is an item id, an invoice's document id (all of its instalments), a payment id or a
    payer account.  The trail holds the fact that created it, the allocations to or from it and
    their reversals, refunds, write-offs, disputes and their resolutions, promises to pay, and a
    payment's screening, suggestions, reassignments and decisions;
    for an account, its links to customers and their removals.
    """
    keys = {key}
    account = account_key(key)
    related: set[str] = set()
    trail: list[Fact] = []
    for fact in facts:
        if customer_id is not None and fact.customer_id != customer_id:
            continue
        hit = False
        if isinstance(fact, InvoiceIssued):
            if fact.item_id == key:
                count = len(fact.instalments)
                keys.update(instalment_item_id(key, i.number, count) for i in fact.instalments)
                hit = True
            else:
                count = len(fact.instalments)
                hit = any(
                    instalment_item_id(fact.item_id, i.number, count) == key
                    for i in fact.instalments
                )
        elif isinstance(fact, CreditMemoIssued | WrittenOff | DisputeOpened):
            hit = fact.item_id in keys
        elif isinstance(fact, PaymentReceived):
            hit = fact.payment_id in keys
        elif isinstance(fact, PaymentAllocated):
            hit = fact.item_id in keys or fact.source_id in keys
        elif isinstance(fact, AllocationReversed):
            hit = fact.allocation_id in related
        elif isinstance(fact, DisputeResolved):
            hit = fact.dispute_id in related
        elif isinstance(fact, Refunded):
            hit = fact.source_id in keys
        elif isinstance(
            fact, PaymentScreened | PaymentSuggested | PaymentReassigned | PaymentDecided
        ):
            hit = fact.payment_id in keys
        elif isinstance(fact, PromisedToPay):
            hit = fact.item_id is not None and fact.item_id in keys
        elif isinstance(fact, PayerAccountLinked | PayerAccountUnlinked):
            hit = fact.account == account
        if hit:
            related.add(fact.fact_id)
            trail.append(fact)
    return trail
