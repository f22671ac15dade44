"""Applying automatic results to the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs
from moneyed import Money

from o2c.money import minor_unit, quantize_decimal

if TYPE_CHECKING:
    from o2c.ledger import Fact, Ledger

from o2c.cash_application.model import MatchDecision, MatchResult, ResidualKind

__all__ = ["ApplyReport", "apply", "facts_for"]


@attrs.frozen(kw_only=True)
class ApplyReport:
    """What :func:`apply` did: facts appended, facts already there, results not applied."""

    appended: int
    unchanged: int
    #: Payment ids of results that were not applied, with the reason.
    skipped: tuple[tuple[str, str], ...] = ()


def facts_for(
    result: MatchResult, *, recorded_at: dt.datetime, recorded_by: str = "cash_application"
) -> tuple[Fact, ...]:
    """The ledger facts of an automatic result: the payment received and its allocations.

    Fact ids derive from the payment and item ids (``payment:<payment>``,
    ``allocation:<payment>:<item>``, ``allocation:<credit memo>:<item>``), so the facts of the
    same result are the same facts however often they are produced.  Credit memos the payer
    netted become allocations from the credit memo to the invoices it offsets.

    Raises:
        ValidationError: the result is not ``AUTO`` or spans several customers.
    """
    from o2c.errors import ValidationError
    from o2c.ledger import CustomerId, FactId, ItemId, PaymentAllocated, PaymentReceived
    from o2c.money import Rounding, quantize

    customers = {a.customer_id for a in result.allocations}
    if result.decision is not MatchDecision.AUTO or len(customers) > 1:
        raise ValidationError(
            f"result for {result.payment_id} is {result.decision.value} over "
            f"{len(customers)} customers: only automatic single-customer results are applied",
            field="result",
            value=result.payment_id,
        )
    payment = result.payment
    pid = payment.payment_id
    if not customers:
        return ()
    cid = next(iter(customers))
    facts: list[Fact] = [
        PaymentReceived.from_payment(
            payment, customer_id=cid, recorded_at=recorded_at, recorded_by=recorded_by
        )
    ]
    credits = [a for a in result.allocations if a.applied.amount < 0]
    debits = [a for a in result.allocations if a.applied.amount > 0]
    pool = [(a.item_id, -a.applied) for a in credits]
    evidence = "; ".join(result.explanation)[:500]
    for a in debits:
        parts: dict[str, Money | None] = {
            "discount": None,
            "deduction": None,
            "bank_fee": None,
            "write_off": None,
            "fx_difference": None,
        }
        reason = ""
        for r in a.residuals:
            key = r.kind.value
            if key in parts:
                old = parts[key]
                parts[key] = r.amount if old is None else old + r.amount
            if r.kind is ResidualKind.DEDUCTION:
                reason = r.reason or "short payment"
        cash = a.paid
        source_amount: Money | None = None
        rate = a.rate
        if rate is not None and a.paid.currency != a.applied.currency:
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
        else:
            rate = None
        # Credit memos netted by the payer settle part of this item first.
        for k, (cm_id, available) in enumerate(pool):
            if available.amount <= 0 or cash.amount <= 0 or source_amount is not None:
                continue
            take = min(available.amount, cash.amount)
            used = Money(take, a.applied.currency)
            facts.append(
                PaymentAllocated(
                    fact_id=FactId(f"allocation:{cm_id}:{a.item_id}"),
                    customer_id=CustomerId(cid),
                    effective=payment.value_date,
                    recorded_at=recorded_at,
                    recorded_by=recorded_by,
                    reason=f"credit memo netted by payment {pid}",
                    source_id=cm_id,
                    item_id=ItemId(a.item_id),
                    applied=used,
                )
            )
            pool[k] = (cm_id, available - used)
            cash = cash - used
        facts.append(
            PaymentAllocated(
                fact_id=FactId(f"allocation:{pid}:{a.item_id}"),
                customer_id=CustomerId(cid),
                effective=payment.value_date,
                recorded_at=recorded_at,
                recorded_by=recorded_by,
                reason=evidence,
                source_id=pid,
                item_id=ItemId(a.item_id),
                applied=cash,
                deduction_reason=reason,
                source_amount=source_amount,
                rate=rate,
                **{k: (v if v is not None and v.amount else None) for k, v in parts.items()},
            )
        )
    return tuple(f for f in facts if not _empty_allocation(f))


def _empty_allocation(fact: Fact) -> bool:
    from o2c.ledger import PaymentAllocated

    return isinstance(fact, PaymentAllocated) and fact.settled == 0


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
        batch.extend(facts_for(result, recorded_at=recorded_at, recorded_by=recorded_by))
    appended = ledger.append(batch) if batch else None
    return ApplyReport(
        appended=len(appended.appended) if appended else 0,
        unchanged=len(appended.unchanged) if appended else 0,
        skipped=tuple(skipped),
    )
