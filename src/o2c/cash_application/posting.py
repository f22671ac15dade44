"""Applying automatic results to the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import attrs
from moneyed import Money

from o2c.cash_application.model import (
    Allocation,
    MatchDecision,
    MatchResult,
    Residual,
    ResidualKind,
)
from o2c.money import Rounding, minor_unit, quantize, quantize_decimal

if TYPE_CHECKING:
    from decimal import Decimal

    from o2c.ledger import Fact, Ledger, PaymentAllocated

__all__ = ["ApplyReport", "apply", "carry_deductions", "payment_facts"]


@attrs.frozen(kw_only=True)
class ApplyReport:
    """What :func:`apply` did: facts appended, facts already there, results not applied."""

    appended: int
    unchanged: int
    #: Payment ids of results that were not applied, with the reason.
    skipped: tuple[tuple[str, str], ...] = ()


def payment_facts(
    result: MatchResult, *, recorded_at: dt.datetime, recorded_by: str = "cash_application"
) -> tuple[Fact, ...]:
    """The ledger facts of an automatic result: the payment received and its allocations.

    A builder: it appends nothing (:func:`apply` appends the facts of many results at once).
    A deduction larger than the item it was stated against is carried to another item of the
    payment first (:func:`carry_deductions`): the ledger records a short payment as such, never
    as negative cash on an item.

    Fact ids derive from the payment and item ids (``payment:<payment>``,
    ``allocation:<payment>:<item>``, ``allocation:<credit memo>:<item>``), so the facts of the
    same result are the same facts however often they are produced.  Credit memos the payer
    netted become allocations from the credit memo to the invoices it offsets.  An allocation
    that would settle nothing is left out.

    Raises:
        ValidationError: the result is not ``AUTO`` or spans several customers.
    """
    from o2c.errors import ValidationError
    from o2c.ledger import PaymentReceived

    customers = {a.customer_id for a in result.allocations}
    if result.decision is not MatchDecision.AUTO or len(customers) > 1:
        raise ValidationError(
            f"result for {result.payment_id} is {result.decision.value} over "
            f"{len(customers)} customers: only automatic single-customer results are applied",
            field="result",
            value=result.payment_id,
        )
    if not customers:
        return ()
    stamp = _Stamp(
        customer_id=next(iter(customers)),
        effective=result.payment.value_date,
        recorded_at=recorded_at,
        recorded_by=recorded_by,
    )
    facts: list[Fact] = [
        PaymentReceived.from_payment(
            result.payment,
            customer_id=stamp.customer_id,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
        )
    ]
    allocations = carry_deductions(result.allocations)
    # Credit memos the payer netted: what each still has to give, in allocation order.
    pool = [(a.item_id, -a.applied) for a in allocations if a.applied.amount < 0]
    evidence = "; ".join(result.explanation)[:500]
    for a in allocations:
        if a.applied.amount > 0:
            facts.extend(_item_facts(a, pool, result.payment_id, evidence, stamp))
    return tuple(facts)


def _same_currency(a: Allocation) -> bool:
    return a.paid.currency == a.applied.currency


def _deduction(a: Allocation) -> Money:
    return sum(
        (r.amount for r in a.residuals if r.kind is ResidualKind.DEDUCTION),
        Money(0, a.applied.currency),
    )


def carry_deductions(allocations: Sequence[Allocation]) -> tuple[Allocation, ...]:
    """``allocations`` with every deduction larger than its item carried to other items.

    A payer may state one deduction for a whole payment ("invoices A, B, C less incorrect
    pricing"); matched against one item that is smaller than the deduction, the item would
    receive negative cash, which no ledger records.  The deduction is the payment's, so it moves
    whole to the largest other invoice of the same customer and currency whose cash can carry
    it; when none can, what the item cannot carry goes to the others, largest first.  Cash per
    item changes, the payment's total and every item's settled amount do not; the deduction
    keeps its reason.  Converted allocations (another currency) are left as they are.

    >>> import datetime as dt
    >>> from o2c.money import money
    >>> small = Allocation(item_id="I3", customer_id="C1", applied=money("100", "EUR"),
    ...     paid=money("-50", "EUR"),
    ...     residuals=(Residual(kind=ResidualKind.DEDUCTION, amount=money("150", "EUR"),
    ...                         reason="pricing"),))
    >>> big = Allocation(item_id="I1", customer_id="C1", applied=money("900", "EUR"),
    ...                  paid=money("900", "EUR"))
    >>> [(a.item_id, str(a.paid.amount), str(_deduction(a).amount))
    ...  for a in carry_deductions([big, small])]
    [('I1', '750', '150'), ('I3', '100', '0')]
    """
    out = list(allocations)
    for i, a in enumerate(out):
        if a.applied.amount <= 0 or a.paid.amount >= 0 or not _same_currency(a):
            continue
        deductions = [r for r in a.residuals if r.kind is ResidualKind.DEDUCTION]
        if not deductions:
            continue
        total = _deduction(a)
        others = sorted(
            (
                j
                for j, b in enumerate(out)
                if j != i
                and b.customer_id == a.customer_id
                and b.applied.amount > 0
                and b.paid.amount > 0
                and _same_currency(b)
                and b.paid.currency == a.paid.currency
            ),
            key=lambda j: (-out[j].paid.amount, out[j].item_id),
        )
        whole = next((j for j in others if out[j].paid >= total), None)
        moves: list[tuple[int, Money]] = []
        if whole is not None:
            moves.append((whole, total))
            kept = Money(0, total.currency)
        else:
            excess = -a.paid
            kept = total - excess
            for j in others:
                if excess.amount <= 0:
                    break
                take = min(excess, out[j].paid, key=lambda m: m.amount)
                moves.append((j, take))
                excess -= take
            if excess.amount > 0:
                continue  # nothing can carry it: posting refuses the result as it is
        reason = deductions[0].reason
        residuals = tuple(r for r in a.residuals if r.kind is not ResidualKind.DEDUCTION)
        if kept.amount:
            residuals += (Residual(kind=ResidualKind.DEDUCTION, amount=kept, reason=reason),)
        out[i] = attrs.evolve(a, paid=a.paid + total - kept, residuals=residuals)
        for j, amount in moves:
            b = out[j]
            carried = Residual(
                kind=ResidualKind.DEDUCTION,
                amount=amount,
                reason=reason or f"short payment, stated against item {a.item_id}",
            )
            out[j] = attrs.evolve(b, paid=b.paid - amount, residuals=(*b.residuals, carried))
    return tuple(out)


@attrs.frozen(kw_only=True)
class _Stamp:
    """What every allocation fact of one result shares: customer, dates, author."""

    customer_id: str
    effective: dt.date
    recorded_at: dt.datetime
    recorded_by: str


def _residual_parts(a: Allocation) -> tuple[dict[str, Money | None], str]:
    """The allocation's residuals summed by kind (the fact's part fields) and its reason."""
    parts: dict[str, Money | None] = dict.fromkeys(_PARTS)
    reason = ""
    for r in a.residuals:
        key = r.kind.value
        if key in parts:
            old = parts[key]
            parts[key] = r.amount if old is None else old + r.amount
        if r.kind is ResidualKind.DEDUCTION:
            reason = r.reason or "short payment"
    return parts, reason


#: The residual kinds that are part fields of an allocation fact (on account is not).
_PARTS = ("discount", "deduction", "bank_fee", "write_off", "fx_difference")


def _converted(
    a: Allocation, parts: dict[str, Money | None]
) -> tuple[Money, Money | None, Decimal | None]:
    """The cash in the item's currency, the source amount and the rate of ``a``.

    Sets ``parts["fx_difference"]`` to what the item is settled by beyond cash and the other
    parts.  Without a rate (same currency) the cash is ``a.paid`` and there is no source amount.
    """
    rate = a.rate
    if rate is None or a.paid.currency == a.applied.currency:
        return a.paid, None, None
    others = sum(
        (p for k, p in parts.items() if p is not None and k != "fx_difference"),
        Money(0, a.applied.currency),
    )
    source_amount = a.paid
    cash = quantize(Money(a.paid.amount * rate, a.applied.currency))
    fx = a.applied - cash - others
    if fx.amount < 0:
        # The cash is worth more than the item: settle the item with just enough of it
        # (rounded down, so the item is never over-applied); the rest stays unapplied.
        code = a.paid.currency.code
        needed = (a.applied - others).amount / rate
        source_amount = Money(
            quantize_decimal(needed, minor_unit(code), Rounding.FLOOR), a.paid.currency
        )
        cash = quantize(Money(source_amount.amount * rate, a.applied.currency))
        fx = a.applied - cash - others
    parts["fx_difference"] = fx if fx.amount else None
    return cash, source_amount, rate


def _item_facts(
    a: Allocation, pool: list[tuple[str, Money]], pid: str, evidence: str, stamp: _Stamp
) -> list[PaymentAllocated]:
    """The allocations that settle the item of ``a``: credit memos from ``pool`` first, then cash.

    ``pool`` is updated with what each credit memo has left.
    """
    from o2c.ledger import CustomerId, FactId, ItemId, PaymentAllocated

    parts, reason = _residual_parts(a)
    cash, source_amount, rate = _converted(a, parts)
    customer_id, item_id = CustomerId(stamp.customer_id), ItemId(a.item_id)
    out: list[PaymentAllocated] = []
    # Credit memos netted by the payer settle part of this item first.
    for k, (cm_id, available) in enumerate(pool):
        if available.amount <= 0 or cash.amount <= 0 or source_amount is not None:
            continue
        used = Money(min(available.amount, cash.amount), a.applied.currency)
        out.append(
            PaymentAllocated(
                fact_id=FactId(f"allocation:{cm_id}:{a.item_id}"),
                reason=f"credit memo netted by payment {pid}",
                source_id=cm_id,
                applied=used,
                customer_id=customer_id,
                item_id=item_id,
                effective=stamp.effective,
                recorded_at=stamp.recorded_at,
                recorded_by=stamp.recorded_by,
            )
        )
        pool[k] = (cm_id, available - used)
        cash = cash - used
    if cash.amount <= 0 and not any(p is not None and p.amount for p in parts.values()):
        return out  # the credit memos settled the item: no cash of the payment goes to it
    out.append(
        PaymentAllocated(
            fact_id=FactId(f"allocation:{pid}:{a.item_id}"),
            reason=evidence,
            source_id=pid,
            applied=cash,
            deduction_reason=reason,
            source_amount=source_amount,
            rate=rate,
            customer_id=customer_id,
            item_id=item_id,
            effective=stamp.effective,
            recorded_at=stamp.recorded_at,
            recorded_by=stamp.recorded_by,
            **{k: (v if v is not None and v.amount else None) for k, v in parts.items()},
        )
    )
    return [f for f in out if f.settled != 0]


def apply(
    results: Iterable[MatchResult],
    ledger: Ledger,
    *,
    recorded_at: dt.datetime,
    recorded_by: str = "cash_application",
) -> ApplyReport:
    """Append the facts of the automatic results to ``ledger`` in one atomic batch.

    Applying the same results twice changes nothing: :meth:`~o2c.ledger.Ledger.append` skips
    the facts the ledger already holds with the same content (whatever ``recorded_at`` says)
    and stores the rest all or nothing.  A fact id the ledger holds with *other* content (a
    payment re-sent with another amount, an item settled differently) is refused with
    ``DuplicateFactError``, never reported as unchanged.  Results that are not ``AUTO``, or
    span several customers, are reported in ``skipped``.

    Raises:
        DuplicateFactError: a fact id is already used for other content; nothing is stored.
        InvalidFactError: the ledger refuses a fact (``OverApplicationError`` when an item was
            settled meanwhile); nothing is stored.
        ConcurrencyError: another writer appended to one of the customers first (the same
            facts, or facts recorded after ``recorded_at``); nothing is stored: match again
            and retry with the current time.
    """
    batch: list[Fact] = []
    skipped: list[tuple[str, str]] = []
    for result in results:
        if result.decision is not MatchDecision.AUTO:
            skipped.append((result.payment_id, result.decision.value))
            continue
        if len({a.customer_id for a in result.allocations}) > 1:
            skipped.append((result.payment_id, "several customers"))
            continue
        batch.extend(payment_facts(result, recorded_at=recorded_at, recorded_by=recorded_by))
    appended = ledger.append(batch) if batch else None
    return ApplyReport(
        appended=len(appended.appended) if appended else 0,
        unchanged=len(appended.unchanged) if appended else 0,
        skipped=tuple(skipped),
    )
