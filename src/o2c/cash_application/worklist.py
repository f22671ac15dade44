"""The worklist of incoming cash and the decisions people take on it, as ledger facts.

What the import loop (:mod:`o2c.cash_application.intake`) did not post is in the ledger: every
bank line is a ``PaymentReceived`` (on the identified customer's account, or in suspense), with
its pre-validation verdict (``PaymentScreened``) and matching's candidates (``PaymentSuggested``).
:func:`worklist` reads the open exceptions from the ledger's read model
(:meth:`o2c.ledger.History.payment_cases`): every payment with cash left to allocate, as

- **held** (pre-validation held it: never posted without a person),
- **flagged** (pre-validation flagged it and the match was not strong enough to post it),
- **suggested** (matching has candidates a person may confirm),
- **suspense** (nobody knows whose it is), or
- **unapplied** (the customer is known, the cash is on its account, nothing is suggested),

largest first, then oldest.  A person's decisions are facts with who and why
(``PaymentDecided``, ``recorded_by`` and ``reason``), built here and appended by the caller:

- :func:`confirm` a candidate, or a chosen allocation ``item=amount``: the allocations, the
  cash moved first to the items' customer when it sits elsewhere (suspense, another customer),
  and what the confirmation teaches the customer master
  (:func:`o2c.ledger.learn_from_confirmation`: the payer account and name), so that the next
  similar payment is matched on its own;
- :func:`reject`: the candidates (or the hold) are not right; the cash stays unapplied;
- :func:`reassign` the cash to another customer (teaching the master too);
- :func:`write_off` a small difference left of a payment, within :class:`LoopPolicy`.

A decision closes the hold, flag or suggestion; cash still unapplied after it stays on the list
as unapplied (or suspense) until it is allocated, reassigned, written off or refunded.

>>> import datetime as dt
>>> from o2c.ledger import Ledger, PaymentReceived, ScreeningVerdict, PaymentScreened
>>> from o2c.money import money
>>> at = dt.datetime(2026, 3, 3, 9, tzinfo=dt.timezone.utc)
>>> ledger = Ledger()
>>> _ = ledger.append([
...     PaymentReceived(fact_id="payment:B1", customer_id="SUSPENSE", payment_id="B1",
...         effective=dt.date(2026, 3, 2), recorded_at=at, amount=money("50.00", "EUR"),
...         value_date=dt.date(2026, 3, 2), payer_name="UNKNOWN LTD"),
...     PaymentScreened(fact_id="screened:B1", customer_id="SUSPENSE", payment_id="B1",
...         key="|ref:B1#1", verdict=ScreeningVerdict.PASS, amount=money("50.00", "EUR"),
...         effective=dt.date(2026, 3, 2), recorded_at=at, value_date=dt.date(2026, 3, 2))])
>>> [(w.payment_id, w.kind.value, str(w.amount.amount), w.age_days)
...  for w in worklist(ledger.read(), as_of=dt.date(2026, 3, 12))]
[('B1', 'suspense', '50.00', 10)]
>>> facts = reassign(ledger.read(), "B1", "C7", recorded_at=at.replace(day=4),
...                  recorded_by="alice", reason="the payer called")
>>> [(f.kind.value, f.customer_id) for f in facts]  # doctest: +NORMALIZE_WHITESPACE
[('payment_reassigned', 'SUSPENSE'), ('payment_received', 'C7'),
 ('customer_alias_added', 'C7'), ('payment_decided', 'C7')]
>>> _ = ledger.append(facts)
>>> [(w.kind.value, w.customer_id) for w in worklist(ledger.read(), as_of=dt.date(2026, 3, 12))]
[('unapplied', 'C7')]
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs
from moneyed import Money

from o2c.cash_application.policy import MatchPolicy
from o2c.cash_application.prevalidation import DEFAULT_PREVALIDATION_POLICY, PrevalidationPolicy
from o2c.errors import ValidationError
from o2c.ledger import (
    CustomerId,
    FactId,
    History,
    ItemId,
    ItemKind,
    OpenItem,
    PaymentAllocated,
    PaymentCase,
    PaymentDecided,
    PaymentDecision,
    PaymentId,
    PaymentReassigned,
    PaymentReceived,
    ScreeningVerdict,
    SuggestedLine,
    SuggestedMatch,
    WrittenOff,
    learn_from_confirmation,
)
from o2c.ledger.facts import Fact
from o2c.money import currency

__all__ = [
    "DEFAULT_LOOP_POLICY",
    "ExceptionKind",
    "LoopPolicy",
    "WorkItem",
    "confirm",
    "reassign",
    "reject",
    "worklist",
    "write_off",
]


@attrs.frozen(kw_only=True)
class LoopPolicy:
    """The settings of the incoming-cash loop (import, worklist, decisions)."""

    #: The account a payment is received on when nobody knows whose it is: a stream like a
    #: customer's (aging and statements show it as unapplied cash of "SUSPENSE"), from which a
    #: person reassigns it.  A name no migration gives a customer; change it if yours does.
    suspense_customer: str = "SUSPENSE"
    #: The largest difference left of a payment a person may write off (in the payment's
    #: currency units): small balances not worth a refund or a letter.  Five units is the kind of
    #: amount SAP tolerance groups give an AR clerk (OBA3: a few EUR per line); set your own.
    write_off_limit: Decimal = Decimal("5.00")
    #: How many of matching's candidates a suggestion keeps (the best first).
    max_candidates: int = 3
    #: Matching's thresholds (auto-post at ``auto_threshold``).
    match: MatchPolicy = attrs.field(factory=MatchPolicy)
    #: Pre-validation's thresholds and severities.
    prevalidation: PrevalidationPolicy = DEFAULT_PREVALIDATION_POLICY
    #: An automatically posted payment from an account on file for nobody teaches the master
    #: that account (as a confirmation does), so the customer's next payment from it is no
    #: "first payment from a new account": posting already took the stronger evidence a
    #: flagged payment needs (``prevalidation.flagged_min_confidence``).  An account on file
    #: for another customer is never learnt this way (a person decides whether it is shared).
    learn_accounts_from_auto_posts: bool = True


DEFAULT_LOOP_POLICY = LoopPolicy()


class ExceptionKind(enum.Enum):
    """Why a payment is on the worklist (the first that applies, in this order)."""

    HELD = "held"
    FLAGGED = "flagged"
    SUGGESTED = "suggested"
    SUSPENSE = "suspense"
    UNAPPLIED = "unapplied"


@attrs.frozen(kw_only=True)
class WorkItem:
    """One open exception: a payment's cash left in one customer's stream, and why."""

    payment_id: str
    kind: ExceptionKind
    customer_id: str
    #: The cash left to allocate (payment currency).
    amount: Money
    value_date: dt.date
    #: Days since the value date, on the worklist's date.
    age_days: int
    payer_name: str = ""
    payer_account: str = ""
    reference: str = ""
    #: Pre-validation's reasons (for a hold or a flag).
    reasons: tuple[str, ...] = ()
    #: Matching's candidates, best first (for a suggestion).
    candidates: tuple[SuggestedMatch, ...] = ()


def _kind(case: PaymentCase, customer_id: str, policy: LoopPolicy) -> ExceptionKind:
    if not case.decided:
        verdict = case.screening.verdict if case.screening is not None else None
        if verdict is ScreeningVerdict.HOLD:
            return ExceptionKind.HELD
        if verdict is ScreeningVerdict.FLAG:
            return ExceptionKind.FLAGGED
        if case.suggestion is not None:
            return ExceptionKind.SUGGESTED
    if customer_id == policy.suspense_customer:
        return ExceptionKind.SUSPENSE
    return ExceptionKind.UNAPPLIED


def worklist(
    history: History, *, as_of: dt.date, policy: LoopPolicy = DEFAULT_LOOP_POLICY
) -> tuple[WorkItem, ...]:
    """The open exceptions of ``history`` on ``as_of``: largest amount first, then oldest.

    One entry per payment and customer stream holding cash of it that is not allocated.
    Amounts are compared as numbers across currencies (the core converts nothing without
    rates); the payment id breaks ties.
    """
    out: list[WorkItem] = []
    for case in history.payment_cases():
        for customer_id, left in case.unapplied:
            received = _received_in(case, customer_id)
            kind = _kind(case, customer_id, policy)
            out.append(
                WorkItem(
                    payment_id=case.payment_id,
                    kind=kind,
                    customer_id=customer_id,
                    amount=left,
                    value_date=received.value_date,
                    age_days=(as_of - received.value_date).days,
                    payer_name=received.payer_name,
                    payer_account=received.payer_account,
                    reference=received.reference,
                    reasons=case.screening.reasons
                    if case.screening is not None and kind in _SCREENED
                    else (),
                    candidates=case.suggestion.candidates
                    if case.suggestion is not None and not case.decided
                    else (),
                )
            )
    out.sort(key=lambda w: (-w.amount.amount, -w.age_days, w.payment_id, w.customer_id))
    return tuple(out)


_SCREENED = (ExceptionKind.HELD, ExceptionKind.FLAGGED)


def _received_in(case: PaymentCase, customer_id: str) -> PaymentReceived:
    for received in case.received:
        if received.customer_id == customer_id:
            return received
    return case.received[0]


# --------------------------------------------------------------------------------------------
# decisions


@attrs.frozen(kw_only=True)
class _Who:
    recorded_at: dt.datetime
    recorded_by: str
    reason: str

    def stamp(self, customer_id: str, effective: dt.date) -> dict[str, Any]:
        return {
            "customer_id": CustomerId(customer_id),
            "effective": effective,
            "recorded_at": self.recorded_at,
            "recorded_by": self.recorded_by,
            "reason": self.reason,
        }


def _who(recorded_at: dt.datetime, recorded_by: str, reason: str) -> _Who:
    if not recorded_by.strip():
        raise ValidationError(
            "a decision names who takes it (recorded_by)", field="recorded_by", value=recorded_by
        )
    return _Who(recorded_at=recorded_at, recorded_by=recorded_by, reason=reason)


def _case(history: History, payment_id: str) -> PaymentCase:
    for case in history.payment_cases():
        if case.payment_id == payment_id:
            if not case.received:
                break
            return case
    raise ValidationError(
        f"payment_id={payment_id!r} is no payment received in the ledger (o2c cash worklist "
        "lists them)",
        field="payment_id",
        value=payment_id,
    )


def _open_case(history: History, payment_id: str) -> PaymentCase:
    case = _case(history, payment_id)
    if not case.unapplied:
        raise ValidationError(
            f"payment {payment_id!r} has no cash left to allocate",
            field="payment_id",
            value=payment_id,
        )
    return case


def _decision(
    case: PaymentCase,
    customer_id: str,
    decision: PaymentDecision,
    who: _Who,
    *,
    allocations: Sequence[str] = (),
    to_customer_id: str | None = None,
) -> PaymentDecided:
    number = len(case.decisions) + 1
    return PaymentDecided(
        fact_id=FactId(f"decided:{case.payment_id}:{number}"),
        payment_id=PaymentId(case.payment_id),
        decision=decision,
        allocations=tuple(allocations),
        to_customer_id=CustomerId(to_customer_id) if to_customer_id is not None else None,
        **who.stamp(customer_id, who.recorded_at.date()),
    )


def _move(case: PaymentCase, source: str, amount: Money, target: str, who: _Who) -> list[Fact]:
    """``amount`` of the payment's cash from ``source``'s stream to ``target``'s."""
    first = case.received[0]
    if any(r.customer_id == target for r in case.received):
        raise ValidationError(
            f"payment {case.payment_id!r} was received by {target!r} before: allocate the cash "
            "it has there, or reassign the rest to another customer",
            field="customer_id",
            value=target,
        )
    return [
        PaymentReassigned(
            fact_id=FactId(f"reassigned:{case.payment_id}:{source}:{target}"),
            payment_id=PaymentId(case.payment_id),
            amount=amount,
            to_customer_id=CustomerId(target),
            **who.stamp(source, first.value_date),
        ),
        PaymentReceived(
            fact_id=FactId(f"payment:{case.payment_id}@{target}"),
            payment_id=PaymentId(case.payment_id),
            amount=amount,
            value_date=first.value_date,
            payer_name=first.payer_name,
            payer_account=first.payer_account,
            reference=first.reference,
            **who.stamp(target, first.value_date),
        ),
    ]


def _learn(
    history: History, case: PaymentCase, customers: Sequence[str], who: _Who, policy: LoopPolicy
) -> list[Fact]:
    master = history.customer_master()
    out: list[Fact] = []
    for customer_id in customers:
        if customer_id == policy.suspense_customer:
            continue
        out += learn_from_confirmation(
            master,
            case.received[0],
            customer_id=customer_id,
            recorded_at=who.recorded_at,
            recorded_by=who.recorded_by,
            reason=who.reason or f"{who.recorded_by} confirmed payment {case.payment_id}",
        )
    return out


def reject(
    history: History,
    payment_id: str,
    *,
    recorded_at: dt.datetime,
    recorded_by: str,
    reason: str = "",
    policy: LoopPolicy = DEFAULT_LOOP_POLICY,
) -> tuple[Fact, ...]:
    """The decision that the payment's candidates (or its hold) are not right.

    The cash stays where it is, as unapplied cash (or suspense).

    Raises:
        ValidationError: no such payment, or no one named in ``recorded_by``.
    """
    who = _who(recorded_at, recorded_by, reason)
    case = _case(history, payment_id)
    home = case.unapplied[0][0] if case.unapplied else case.received[0].customer_id
    return (_decision(case, home, PaymentDecision.REJECTED, who),)


def reassign(
    history: History,
    payment_id: str,
    to_customer_id: str,
    *,
    recorded_at: dt.datetime,
    recorded_by: str,
    reason: str = "",
    policy: LoopPolicy = DEFAULT_LOOP_POLICY,
) -> tuple[Fact, ...]:
    """The facts that move all of a payment's unapplied cash to ``to_customer_id``.

    The payer's account and name are learnt for that customer (unless it is suspense).

    Raises:
        ValidationError: no such payment, nothing left to move, or the customer received this
            payment before.
    """
    who = _who(recorded_at, recorded_by, reason)
    case = _open_case(history, payment_id)
    facts: list[Fact] = []
    for source, left in case.unapplied:
        if source != to_customer_id:
            facts += _move(case, source, left, to_customer_id, who)
    if not facts:
        raise ValidationError(
            f"payment {payment_id!r} is already with {to_customer_id!r}",
            field="to_customer_id",
            value=to_customer_id,
        )
    facts += _learn(history, case, [to_customer_id], who, policy)
    facts.append(
        _decision(
            case, to_customer_id, PaymentDecision.REASSIGNED, who, to_customer_id=to_customer_id
        )
    )
    return tuple(facts)


def write_off(
    history: History,
    payment_id: str,
    *,
    recorded_at: dt.datetime,
    recorded_by: str,
    reason: str = "",
    policy: LoopPolicy = DEFAULT_LOOP_POLICY,
) -> tuple[Fact, ...]:
    """The facts that write off what is left of a payment, when it is within
    :attr:`LoopPolicy.write_off_limit`.

    Raises:
        ValidationError: no such payment, nothing left, or more than the policy allows.
    """
    who = _who(recorded_at, recorded_by, reason)
    case = _open_case(history, payment_id)
    total = sum((left.amount for _, left in case.unapplied), Decimal(0))
    if total > policy.write_off_limit:
        raise ValidationError(
            f"payment {payment_id!r} has {total} left, more than the write-off limit "
            f"{policy.write_off_limit}: allocate, reassign or refund it",
            field="amount",
            value=total,
        )
    facts: list[Fact] = [
        WrittenOff(
            fact_id=FactId(f"written-off:{payment_id}:{customer_id}"),
            item_id=ItemId(payment_id),
            amount=left,
            reason_code="small difference",
            **who.stamp(customer_id, _received_in(case, customer_id).value_date),
        )
        for customer_id, left in case.unapplied
    ]
    facts.append(_decision(case, case.unapplied[0][0], PaymentDecision.WRITTEN_OFF, who))
    return tuple(facts)


def _chosen_lines(history: History, amounts: Mapping[str, Money], code: str) -> list[SuggestedLine]:
    """The lines of a chosen allocation ``item id -> amount``: the open items named."""
    by_id: dict[str, list[OpenItem]] = {}
    for item in history.open_items():
        if item.kind in (ItemKind.INVOICE, ItemKind.CREDIT_MEMO):
            by_id.setdefault(item.item_id, []).append(item)
    lines = []
    for item_id, amount in amounts.items():
        found = by_id.get(item_id, [])
        if len(found) != 1:
            what = "is not an open item" if not found else "is an item of several customers"
            raise ValidationError(f"item {item_id!r} {what}", field="item_id", value=item_id)
        item = found[0]
        if amount.currency.code != item.open_amount.currency.code or code != amount.currency.code:
            raise ValidationError(
                f"{item_id}={amount} is not in the payment's and the item's currency "
                f"({code}, {item.open_amount.currency.code})",
                field="amount",
                value=str(amount),
            )
        sign = -1 if item.kind is ItemKind.CREDIT_MEMO else 1
        lines.append(
            SuggestedLine(customer_id=item.customer_id, item_id=item.item_id, applied=amount * sign)
        )
    return lines


def _suggested_lines(case: PaymentCase, candidate: int) -> list[SuggestedLine]:
    if case.suggestion is None:
        raise ValidationError(
            f"payment {case.payment_id!r} has no suggestion: name the items (ITEM=AMOUNT)",
            field="payment_id",
            value=case.payment_id,
        )
    candidates = case.suggestion.candidates
    if not 0 <= candidate < len(candidates):
        raise ValidationError(
            f"candidate={candidate} is not one of the payment's {len(candidates)} candidates "
            "(0 is the best)",
            field="candidate",
            value=candidate,
        )
    lines = list(candidates[candidate].lines)
    if any(line.converted for line in lines):
        raise ValidationError(
            f"the candidate of payment {case.payment_id!r} converts currencies: confirm it "
            "with the amounts per item (ITEM=AMOUNT)",
            field="candidate",
            value=candidate,
        )
    return lines


def confirm(
    history: History,
    payment_id: str,
    amounts: Mapping[str, Money] | None = None,
    *,
    recorded_at: dt.datetime,
    recorded_by: str,
    reason: str = "",
    candidate: int = 0,
    policy: LoopPolicy = DEFAULT_LOOP_POLICY,
) -> tuple[Fact, ...]:
    """The facts that confirm a candidate of the payment (``candidate``, 0 the best) or the
    allocation ``amounts`` (open item id -> amount of the payment given to it).

    Cash sitting with another customer or in suspense is moved to the items' customers first
    (all of it when the items are one customer's, else what each customer's items take); credit
    memos in a candidate settle its invoices first; what the confirmation teaches the customer
    master is recorded with it; the decision names who and why.

    Raises:
        ValidationError: no such payment or candidate, an item not open, a currency other than
            the payment's, or more allocated than the payment has left.
    """
    who = _who(recorded_at, recorded_by, reason)
    case = _open_case(history, payment_id)
    code = case.unapplied[0][1].currency.code
    lines = _chosen_lines(history, amounts, code) if amounts else _suggested_lines(case, candidate)
    for line in lines:
        if line.applied.currency.code != code:
            raise ValidationError(
                f"item {line.item_id!r} is in {line.applied.currency.code}, the payment in "
                f"{code}: confirm it with amounts in {code}",
                field="amount",
                value=str(line.applied),
            )
    need: dict[str, Decimal] = {}
    for line in lines:
        need[line.customer_id] = need.get(line.customer_id, Decimal(0)) + line.applied.amount
    left: dict[str, Decimal] = {cid: money.amount for cid, money in case.unapplied}
    total_left = sum(left.values(), Decimal(0))
    if sum(need.values(), Decimal(0)) > total_left:
        raise ValidationError(
            f"the allocation takes {sum(need.values(), Decimal(0))} {code}; payment "
            f"{payment_id!r} has {total_left} left",
            field="amount",
            value=str(sum(need.values(), Decimal(0))),
        )
    facts: list[Fact] = []
    cur = currency(code)
    if len(need) == 1 and next(iter(need)) not in left:
        # One customer's items: the cash moves to it whole (an overpayment's rest with it).
        (target,) = need
        for source, amount in left.items():
            facts += _move(case, source, Money(amount, cur), target, who)
    else:
        for target, wanted in need.items():
            short = wanted - left.get(target, Decimal(0))
            for source in [c for c in left if c not in need] + [c for c in left if c in need]:
                if short <= 0:
                    break
                spare = left[source] - max(need.get(source, Decimal(0)), Decimal(0))
                if source == target or spare <= 0:
                    continue
                take = min(spare, short)
                facts += _move(case, source, Money(take, cur), target, who)
                left[source] -= take
                short -= take
    allocations = _allocations(history, case, lines, who)
    facts += allocations
    customers = list(dict.fromkeys(line.customer_id for line in lines))
    facts += _learn(history, case, customers, who, policy)
    facts.append(
        _decision(
            case,
            customers[0],
            PaymentDecision.CONFIRMED,
            who,
            allocations=[a.fact_id for a in allocations],
        )
    )
    return tuple(facts)


def _allocations(
    history: History, case: PaymentCase, lines: Sequence[SuggestedLine], who: _Who
) -> list[PaymentAllocated]:
    """The allocations of ``lines``: each customer's credit memos settle its invoices first."""
    items = {(i.customer_id, i.item_id): i for i in history.open_items()}
    pid = case.payment_id
    value_date = case.received[0].value_date
    pool = [
        (line.customer_id, line.item_id, -line.applied) for line in lines if line.applied.amount < 0
    ]
    out: list[PaymentAllocated] = []
    for line in lines:
        if line.applied.amount < 0:
            continue
        item = items.get((line.customer_id, line.item_id))
        if item is None:
            raise ValidationError(
                f"item {line.item_id!r} of customer {line.customer_id!r} is not open any more",
                field="item_id",
                value=line.item_id,
            )
        effective = max(value_date, item.document_date)
        cash = line.applied
        for k, (cid, cm_id, available) in enumerate(pool):
            if cid != line.customer_id or available.amount <= 0 or cash.amount <= 0:
                continue
            used = Money(min(available.amount, cash.amount), cash.currency)
            out.append(
                PaymentAllocated(
                    fact_id=FactId(f"allocation:{cm_id}:{line.item_id}"),
                    source_id=cm_id,
                    item_id=ItemId(line.item_id),
                    applied=used,
                    **who.stamp(line.customer_id, effective),
                )
            )
            pool[k] = (cid, cm_id, available - used)
            cash = cash - used
        parts = (line.discount, line.deduction, line.bank_fee, line.write_off)
        if cash.amount <= 0 and not any(p is not None and p.amount for p in parts):
            continue
        allocation = PaymentAllocated(
            fact_id=FactId(f"allocation:{pid}:{line.item_id}"),
            source_id=pid,
            item_id=ItemId(line.item_id),
            applied=cash,
            discount=line.discount,
            deduction=line.deduction,
            deduction_reason=line.deduction_reason
            or ("short payment" if line.deduction is not None else ""),
            bank_fee=line.bank_fee,
            write_off=line.write_off,
            **who.stamp(line.customer_id, effective),
        )
        out.append(allocation)
    return out
