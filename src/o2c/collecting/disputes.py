"""Disputes and deductions: reason codes, a state workflow, outcomes recorded in the ledger, KPIs.

A **dispute** contests part of an open invoice (it stays open, marked disputed, and is left out of
dunning); a **deduction** is an amount a customer took off a payment (the ledger records it as the
``deduction`` part of an allocation).  Both carry a :class:`ReasonCode` (a standard set plus
user-defined codes) and move through :class:`DisputeState`::

    OPEN ──► UNDER_REVIEW ──► VALID ───► RESOLVED (credit memo, write-off, re-bill)
      └─────────────────────► INVALID ─► RESOLVED (collect, re-bill)

The outcome is recorded in the ledger with :func:`resolution_facts` (a ``DisputeResolved`` plus
the credit memo and its allocation, or the write-off); the workflow states in between are this
module's values.

>>> import datetime as dt
>>> from o2c.money import money
>>> d = Dispute.open(dispute_id="D1", customer_id="C1", item_id="INV-1", reason=PRICING,
...                  amount=money("120.00", "EUR"), on=dt.date(2026, 3, 2))
>>> d = d.move_to(DisputeState.UNDER_REVIEW, dt.date(2026, 3, 3)).move_to(
...     DisputeState.VALID, dt.date(2026, 3, 9))
>>> d = d.resolve(DisputeOutcome.CREDIT_MEMO, dt.date(2026, 3, 10))
>>> d.state.value, d.days_to_resolve, d.resolution.recovered
('resolved', 8, Money('0', 'EUR'))
>>> d.move_to(DisputeState.OPEN, dt.date(2026, 3, 11))
Traceback (most recent call last):
...
o2c.errors.DisputeStateError: dispute 'D1' is resolved; it cannot move to open ...
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.errors import CurrencyMismatchError, DisputeStateError, NotFoundError, ValidationError
from o2c.ledger import (
    CreditMemoIssued,
    CustomerId,
    DisputeOpened,
    DisputeRecord,
    DisputeResolved,
    Fact,
    FactId,
    ItemId,
    OpenItem,
    PaymentAllocated,
    WrittenOff,
    read,
)
from o2c.money import CONTEXT

__all__ = [
    "DAMAGED_GOODS",
    "DUPLICATE_BILLING",
    "Dispute",
    "DisputeEvent",
    "DisputeKind",
    "DisputeOutcome",
    "DisputeState",
    "FREIGHT",
    "OTHER",
    "OpenDisputes",
    "PRICING",
    "PROMOTION",
    "RETURNS",
    "ReasonCatalog",
    "ReasonCode",
    "Resolution",
    "SHORT_SHIPMENT",
    "STANDARD_REASONS",
    "average_days_to_resolve",
    "disputes_from_ledger",
    "mark_disputed",
    "open_disputes",
    "opened_fact",
    "recovery_percent",
    "resolution_facts",
]

_ZERO = Decimal(0)


@attrs.frozen
class ReasonCode:
    """Why a customer disputes or deducts: a stable ``code`` and a label for people."""

    code: str
    label: str
    standard: bool = False


DAMAGED_GOODS = ReasonCode("damaged_goods", "Damaged goods", True)
PRICING = ReasonCode("pricing", "Pricing", True)
SHORT_SHIPMENT = ReasonCode("short_shipment", "Short shipment", True)
PROMOTION = ReasonCode("promotion", "Promotion / trade", True)
RETURNS = ReasonCode("returns", "Returns", True)
DUPLICATE_BILLING = ReasonCode("duplicate_billing", "Duplicate billing", True)
FREIGHT = ReasonCode("freight", "Freight", True)
OTHER = ReasonCode("other", "Other", True)

#: The standard reason codes.
STANDARD_REASONS = (
    DAMAGED_GOODS,
    PRICING,
    SHORT_SHIPMENT,
    PROMOTION,
    RETURNS,
    DUPLICATE_BILLING,
    FREIGHT,
    OTHER,
)


def _reasons(value: Iterable[ReasonCode]) -> tuple[ReasonCode, ...]:
    result = tuple(value)
    codes = [r.code for r in result]
    if len(set(codes)) != len(codes):
        raise ValidationError(f"reason codes {codes} repeat a code", field="reasons", value=codes)
    return result


@attrs.frozen
class ReasonCatalog:
    """The reason codes in use: the standard set plus user-defined ones.

    >>> catalog = ReasonCatalog().with_reason("late_delivery", "Delivered late")
    >>> catalog.get("late_delivery").standard, catalog.get("pricing").label
    (False, 'Pricing')
    """

    reasons: tuple[ReasonCode, ...] = attrs.field(default=STANDARD_REASONS, converter=_reasons)

    def with_reason(self, code: str, label: str) -> ReasonCatalog:
        """A catalog with a user-defined reason added."""
        return ReasonCatalog((*self.reasons, ReasonCode(code, label)))

    def get(self, code: str) -> ReasonCode:
        """The reason with ``code``.

        Raises:
            NotFoundError: for an unknown code (add it with :meth:`with_reason`).
        """
        for r in self.reasons:
            if r.code == code:
                return r
        raise NotFoundError("reason code", code)


class DisputeKind(enum.Enum):
    """A contested open invoice, or an amount deducted from a payment."""

    DISPUTE = "dispute"
    DEDUCTION = "deduction"


class DisputeState(enum.Enum):
    """Where a dispute is in its workflow."""

    OPEN = "open"
    UNDER_REVIEW = "under_review"
    VALID = "valid"
    INVALID = "invalid"
    RESOLVED = "resolved"


class DisputeOutcome(enum.Enum):
    """How a dispute ended."""

    #: The customer was right: a credit memo for the disputed amount.
    CREDIT_MEMO = "credit_memo"
    #: Not worth pursuing, or uncollectable: written off.
    WRITE_OFF = "write_off"
    #: Credited and billed again (corrected), or an invalid deduction charged back.
    RE_BILL = "re_bill"
    #: The customer was wrong: the amount is collected.
    COLLECT = "collect"

    @property
    def recovers(self) -> bool:
        """True for the outcomes that recover money (collect, re-bill)."""
        return self in (DisputeOutcome.COLLECT, DisputeOutcome.RE_BILL)


_NEXT: Mapping[DisputeState, frozenset[DisputeState]] = {
    DisputeState.OPEN: frozenset(
        {DisputeState.UNDER_REVIEW, DisputeState.VALID, DisputeState.INVALID}
    ),
    DisputeState.UNDER_REVIEW: frozenset({DisputeState.VALID, DisputeState.INVALID}),
    DisputeState.VALID: frozenset({DisputeState.RESOLVED}),
    DisputeState.INVALID: frozenset({DisputeState.RESOLVED}),
    DisputeState.RESOLVED: frozenset(),
}
_OUTCOMES: Mapping[DisputeState, frozenset[DisputeOutcome]] = {
    DisputeState.VALID: frozenset(
        {DisputeOutcome.CREDIT_MEMO, DisputeOutcome.WRITE_OFF, DisputeOutcome.RE_BILL}
    ),
    DisputeState.INVALID: frozenset({DisputeOutcome.COLLECT, DisputeOutcome.RE_BILL}),
}


@attrs.frozen(kw_only=True)
class DisputeEvent:
    """A step of a dispute's history."""

    on: dt.date
    state: DisputeState
    note: str = ""


@attrs.frozen(kw_only=True)
class Resolution:
    """How and when a dispute was resolved, and what was recovered."""

    outcome: DisputeOutcome
    on: dt.date
    recovered: Money


@attrs.frozen(kw_only=True)
class Dispute:
    """A dispute or deduction with its reason, amount, state and history.

    Build with :meth:`open`; move with :meth:`move_to` and :meth:`resolve` (each returns a new
    value).  ``dispute_id`` is the id of the ledger fact that opened it (the ``DisputeOpened``
    fact, or the allocation that took the deduction).
    """

    dispute_id: str
    customer_id: CustomerId
    item_id: ItemId
    reason: ReasonCode
    amount: Money
    opened_on: dt.date
    kind: DisputeKind = DisputeKind.DISPUTE
    state: DisputeState = DisputeState.OPEN
    events: tuple[DisputeEvent, ...] = ()
    resolution: Resolution | None = None

    @classmethod
    def open(
        cls,
        *,
        dispute_id: str,
        customer_id: str,
        item_id: str,
        reason: ReasonCode,
        amount: Money,
        on: dt.date,
        kind: DisputeKind = DisputeKind.DISPUTE,
        note: str = "",
    ) -> Dispute:
        """A new open dispute.

        Raises:
            ValidationError: for an amount that is not positive.
        """
        if amount.amount <= 0:
            raise ValidationError(
                f"amount={amount} must be positive: the part of the item disputed",
                field="amount",
                value=amount,
            )
        return cls(
            dispute_id=dispute_id,
            customer_id=CustomerId(customer_id),
            item_id=ItemId(item_id),
            reason=reason,
            amount=amount,
            opened_on=on,
            kind=kind,
            events=(DisputeEvent(on=on, state=DisputeState.OPEN, note=note),),
        )

    @property
    def is_open(self) -> bool:
        """True until the dispute is resolved."""
        return self.state is not DisputeState.RESOLVED

    @property
    def days_to_resolve(self) -> int | None:
        """Days from opening to resolution (``None`` while open)."""
        if self.resolution is None:
            return None
        return (self.resolution.on - self.opened_on).days

    def move_to(self, state: DisputeState, on: dt.date, note: str = "") -> Dispute:
        """The dispute in ``state`` from ``on`` (use :meth:`resolve` for ``RESOLVED``).

        Raises:
            DisputeStateError: for a move the workflow does not allow.
        """
        if state is DisputeState.RESOLVED or state not in _NEXT[self.state]:
            allowed = sorted(s.value for s in _NEXT[self.state] if s is not DisputeState.RESOLVED)
            hint = "; use resolve() to resolve it" if state is DisputeState.RESOLVED else ""
            raise DisputeStateError(
                f"dispute {self.dispute_id!r} is {self.state.value}; it cannot move to "
                f"{state.value} (allowed: {allowed}){hint}",
                field="state",
                value=state,
            )
        self._check_date(on)
        return attrs.evolve(
            self, state=state, events=(*self.events, DisputeEvent(on=on, state=state, note=note))
        )

    def resolve(
        self,
        outcome: DisputeOutcome,
        on: dt.date,
        *,
        recovered: Money | None = None,
        note: str = "",
    ) -> Dispute:
        """The dispute resolved with ``outcome`` on ``on``.

        ``recovered`` defaults to the whole amount for outcomes that recover money (collect,
        re-bill) and to zero otherwise.

        Raises:
            DisputeStateError: when the state does not allow the outcome (decide valid or
                invalid first).
        """
        allowed = _OUTCOMES.get(self.state, frozenset())
        if outcome not in allowed:
            raise DisputeStateError(
                f"dispute {self.dispute_id!r} is {self.state.value}; outcome {outcome.value} "
                f"needs it valid or invalid first (allowed now: "
                f"{sorted(o.value for o in allowed)})",
                field="outcome",
                value=outcome,
            )
        self._check_date(on)
        if recovered is None:
            recovered = self.amount if outcome.recovers else Money(_ZERO, self.amount.currency)
        if recovered.currency != self.amount.currency:
            raise CurrencyMismatchError(
                self.amount.currency.code, recovered.currency.code, operation="recover"
            )
        if not _ZERO <= recovered.amount <= self.amount.amount:
            raise ValidationError(
                f"recovered={recovered} must be between 0 and the disputed {self.amount}",
                field="recovered",
                value=recovered,
            )
        return attrs.evolve(
            self,
            state=DisputeState.RESOLVED,
            events=(*self.events, DisputeEvent(on=on, state=DisputeState.RESOLVED, note=note)),
            resolution=Resolution(outcome=outcome, on=on, recovered=recovered),
        )

    def _check_date(self, on: dt.date) -> None:
        last = self.events[-1].on if self.events else self.opened_on
        if on < last:
            raise DisputeStateError(
                f"on={on} is before the dispute's last step ({last}): steps go forward in time",
                field="on",
                value=on,
            )


# --------------------------------------------------------------------------------------------
# Ledger facts


def opened_fact(dispute: Dispute, *, recorded_at: dt.datetime, recorded_by: str = "") -> Fact:
    """The ``DisputeOpened`` fact recording ``dispute`` (its id is the dispute's id)."""
    return DisputeOpened(
        fact_id=FactId(dispute.dispute_id),
        customer_id=dispute.customer_id,
        effective=dispute.opened_on,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
        item_id=dispute.item_id,
        amount=dispute.amount,
        reason_code=dispute.reason.code,
    )


def resolution_facts(
    dispute: Dispute,
    *,
    recorded_at: dt.datetime,
    credit_memo_id: str | None = None,
    recorded_by: str = "",
) -> tuple[Fact, ...]:
    """The ledger facts that record a resolved dispute's outcome.

    - every resolved *dispute*: ``DisputeResolved`` (its ``reason_code`` is the outcome);
    - credit memo and re-bill: a ``CreditMemoIssued`` for the amount not recovered by
      collection (re-bill: the whole amount), allocated to the item (``PaymentAllocated``); the
      corrected invoice of a re-bill is the caller's (an ``InvoiceIssued``);
    - write-off: a ``WrittenOff`` of the amount not recovered;
    - collect: nothing more (the item stays open and can be dunned again).

    A *deduction* was already settled by its allocation, so only the chargeback of an invalid
    one needs a new invoice (the caller's); this returns no facts for deductions.

    Raises:
        DisputeStateError: for a dispute that is not resolved.
    """
    res = dispute.resolution
    if res is None:
        raise DisputeStateError(
            f"dispute {dispute.dispute_id!r} is {dispute.state.value}: resolve it first",
            field="state",
            value=dispute.state,
        )
    if dispute.kind is DisputeKind.DEDUCTION:
        return ()
    stamp = _Stamp(recorded_at=recorded_at, recorded_by=recorded_by)
    resolved = _resolved_fact(dispute, res, stamp)
    credit = _not_recovered(dispute, res)
    if credit is None:
        return (resolved,)
    if res.outcome is DisputeOutcome.WRITE_OFF:
        return (resolved, _write_off_fact(dispute, res, credit, stamp))
    return (resolved, *_credit_memo_facts(dispute, res, credit, credit_memo_id, stamp))


@attrs.frozen
class _Stamp:
    """Who recorded a resolution's facts, and when."""

    recorded_at: dt.datetime
    recorded_by: str


def _resolved_fact(dispute: Dispute, res: Resolution, stamp: _Stamp) -> DisputeResolved:
    """The ``DisputeResolved`` fact: the outcome as its reason code."""
    return DisputeResolved(
        fact_id=FactId(f"{dispute.dispute_id}:resolved"),
        dispute_id=FactId(dispute.dispute_id),
        amount=dispute.amount,
        reason_code=res.outcome.value,
        reason=dispute.reason.code,
        customer_id=dispute.customer_id,
        effective=res.on,
        recorded_at=stamp.recorded_at,
        recorded_by=stamp.recorded_by,
    )


def _not_recovered(dispute: Dispute, res: Resolution) -> Money | None:
    """The amount to credit or write off (``None``: nothing, as for collect).

    A re-bill credits the whole amount; a credit memo or write-off what collection did not
    recover.
    """
    if res.outcome is DisputeOutcome.COLLECT:
        return None
    if res.outcome is DisputeOutcome.RE_BILL:
        credit = dispute.amount
    else:
        credit = dispute.amount - res.recovered
    return credit if credit.amount > 0 else None


def _write_off_fact(dispute: Dispute, res: Resolution, credit: Money, stamp: _Stamp) -> WrittenOff:
    """The ``WrittenOff`` of the amount not recovered."""
    return WrittenOff(
        fact_id=FactId(f"{dispute.dispute_id}:write-off"),
        item_id=dispute.item_id,
        amount=credit,
        reason_code=dispute.reason.code,
        customer_id=dispute.customer_id,
        effective=res.on,
        recorded_at=stamp.recorded_at,
        recorded_by=stamp.recorded_by,
    )


def _credit_memo_facts(
    dispute: Dispute,
    res: Resolution,
    credit: Money,
    credit_memo_id: str | None,
    stamp: _Stamp,
) -> tuple[CreditMemoIssued, PaymentAllocated]:
    """The ``CreditMemoIssued`` for ``credit`` and its allocation to the disputed item."""
    memo = ItemId(credit_memo_id or f"CM-{dispute.dispute_id}")
    issued = CreditMemoIssued(
        fact_id=FactId(f"{dispute.dispute_id}:credit-memo"),
        item_id=memo,
        document_number=memo,
        document_date=res.on,
        amount=credit,
        credits_item_id=dispute.item_id,
        reason=dispute.reason.code,
        customer_id=dispute.customer_id,
        effective=res.on,
        recorded_at=stamp.recorded_at,
        recorded_by=stamp.recorded_by,
    )
    applied = PaymentAllocated(
        fact_id=FactId(f"{dispute.dispute_id}:credit-memo-applied"),
        source_id=memo,
        item_id=dispute.item_id,
        applied=credit,
        customer_id=dispute.customer_id,
        effective=res.on,
        recorded_at=stamp.recorded_at,
        recorded_by=stamp.recorded_by,
    )
    return issued, applied


def disputes_from_ledger(
    facts: Iterable[Fact], *, catalog: ReasonCatalog | None = None
) -> tuple[Dispute, ...]:
    """The disputes and deductions the ledger's facts record, with their outcomes.

    Read from the ledger's read model (:meth:`o2c.ledger.History.disputes`): ``DisputeOpened``
    facts give disputes, kept allocations with a ``deduction`` give deductions (a reversed
    allocation took none); ``DisputeResolved`` facts whose ``reason_code`` is an outcome value
    resolve them (any other code: collect).  Reason codes not in ``catalog`` become
    user-defined reasons labelled by their code.

    Raises:
        InvalidFactError: the facts are not a stream a ledger accepted (a dangling reference).
    """
    catalog = catalog or ReasonCatalog()
    return tuple(_dispute(record, catalog) for record in read(facts).disputes())


def _reason(catalog: ReasonCatalog, code: str) -> ReasonCode:
    try:
        return catalog.get(code)
    except NotFoundError:
        return ReasonCode(code, code)


def _dispute(record: DisputeRecord, catalog: ReasonCatalog) -> Dispute:
    """The dispute a ledger record tells: opened, then decided and resolved by each resolution."""
    dispute = Dispute.open(
        dispute_id=record.dispute_id,
        customer_id=record.customer_id,
        item_id=record.item_id,
        reason=_reason(catalog, record.reason_code or OTHER.code),
        amount=record.amount,
        on=record.opened_on,
        kind=DisputeKind.DEDUCTION if record.deduction else DisputeKind.DISPUTE,
    )
    for on, code in record.resolutions:
        try:
            outcome = DisputeOutcome(code)
        except ValueError:
            outcome = DisputeOutcome.COLLECT
        decided = DisputeState.INVALID if outcome is DisputeOutcome.COLLECT else DisputeState.VALID
        if dispute.state is DisputeState.OPEN:
            dispute = dispute.move_to(decided, on)
        dispute = dispute.resolve(outcome, on)
    return dispute


def mark_disputed(items: Iterable[OpenItem], disputes: Iterable[Dispute]) -> tuple[OpenItem, ...]:
    """The items with ``disputed_amount`` set from the open disputes (not deductions).

    For disputes kept outside the ledger; the ledger's projection already marks its own.
    """
    disputed: dict[tuple[str, str], Decimal] = {}
    for d in disputes:
        if d.is_open and d.kind is DisputeKind.DISPUTE:
            key = (d.customer_id, d.item_id)
            disputed[key] = disputed.get(key, _ZERO) + d.amount.amount
    result = []
    for item in items:
        extra = disputed.get((item.customer_id, item.item_id))
        if extra is None:
            result.append(item)
            continue
        before = item.disputed_amount.amount if item.disputed_amount is not None else _ZERO
        total = min(before + extra, max(item.open_amount.amount, _ZERO))
        result.append(attrs.evolve(item, disputed_amount=Money(total, item.open_amount.currency)))
    return tuple(result)


# --------------------------------------------------------------------------------------------
# KPIs


@attrs.frozen(kw_only=True)
class OpenDisputes:
    """How many disputes (or deductions) are open, and for how much, in one currency."""

    count: int
    amount: Money


def open_disputes(
    disputes: Iterable[Dispute],
    *,
    kind: DisputeKind | None = DisputeKind.DEDUCTION,
) -> dict[str, OpenDisputes]:
    """Open deductions (or disputes, or both with ``kind=None``) per currency: count and amount."""
    counts: dict[str, int] = {}
    sums: dict[str, Money] = {}
    for d in disputes:
        if not d.is_open or (kind is not None and d.kind is not kind):
            continue
        code = d.amount.currency.code
        counts[code] = counts.get(code, 0) + 1
        sums[code] = sums[code] + d.amount if code in sums else d.amount
    return {c: OpenDisputes(count=counts[c], amount=sums[c]) for c in sorted(counts)}


def average_days_to_resolve(disputes: Iterable[Dispute]) -> Decimal:
    """Mean days from opening to resolution over the resolved disputes.

    Raises:
        ValidationError: when none is resolved.
    """
    days = [d.days_to_resolve for d in disputes if d.days_to_resolve is not None]
    if not days:
        raise ValidationError("no resolved disputes: the average is undefined", field="disputes")
    return CONTEXT.divide(Decimal(sum(days)), Decimal(len(days)))


def recovery_percent(disputes: Iterable[Dispute]) -> Decimal:
    """Recovery rate in percent: recovered / disputed amount over the resolved disputes.

    Raises:
        CurrencyMismatchError: for resolved disputes in several currencies.
        ValidationError: when none is resolved.
    """
    total = _ZERO
    recovered = _ZERO
    code = None
    for d in disputes:
        if d.resolution is None:
            continue
        if code is None:
            code = d.amount.currency.code
        elif d.amount.currency.code != code:
            raise CurrencyMismatchError(code, d.amount.currency.code, operation="compare")
        total += d.amount.amount
        recovered += d.resolution.recovered.amount
    if not total:
        raise ValidationError("no resolved disputes: the rate is undefined", field="disputes")
    rate = CONTEXT.divide(recovered * 100, total)
    return rate if rate else _ZERO  # a plain 0, not 0E+2
