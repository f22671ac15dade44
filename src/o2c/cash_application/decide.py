"""Decisions for a batch: proposals, results, the order-independent batch loop."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

import attrs

from o2c.ledger import OpenItem
from o2c.money import from_minor, to_minor
from o2c.statement import Payment

if TYPE_CHECKING:
    from o2c.fx import RateProvider

from o2c.cash_application.amounts import _back_convert
from o2c.cash_application.candidates import _account_key, _build_context, _payment_hits, _units
from o2c.cash_application.evaluate import _evaluate, _payment_text
from o2c.cash_application.evidence import Evidence, EvidenceKind
from o2c.cash_application.model import (
    Allocation,
    CustomerProfile,
    MatchDecision,
    MatchResult,
    Proposal,
    Residual,
)
from o2c.cash_application.payers import _learn_accounts, _payer_evidence, payer_key
from o2c.cash_application.policy import MatchPolicy
from o2c.cash_application.scoring import _Hyp
from o2c.cash_application.x12 import read_820

__all__ = ["match_payments"]

#: Money from minor units, remembered: proposals repeat the same amounts (items' open amounts,
#: zero rests) many times in a batch.
_money = lru_cache(maxsize=65536)(from_minor)


def _proposal(hyp: _Hyp, payment: Payment, policy: MatchPolicy) -> Proposal:
    pay_ccy = payment.amount.currency.code
    allocations = []
    for item, fit in hyp.fits:
        code = item.currency
        residuals = tuple(
            Residual(kind, _money(units, code), reason)
            for kind, units, reason in fit.residuals
            if units
        )
        paid_units = fit.paid
        if hyp.rate is not None:
            paid_units = _back_convert(fit.paid, hyp.rate, pay_ccy, code)
        allocations.append(
            Allocation(
                item_id=item.item_id,
                customer_id=item.customer_id,
                applied=_money(fit.applied, code),
                paid=_money(paid_units, pay_ccy),
                residuals=residuals,
                rate=hyp.rate,
                partial=fit.partial,
            )
        )
    paid_total = sum(to_minor(a.paid) for a in allocations)
    on_account = _units(payment.amount) - paid_total
    return Proposal(
        allocations=tuple(allocations),
        on_account=_money(on_account, pay_ccy),
        confidence=policy.confidence(_rounded(hyp)),
        explanation=tuple(e.detail for e in hyp.evidence if e.detail),
        evidence=tuple(e for e in hyp.evidence if e.detail),
        score=_rounded(hyp),
    )


def _rounded(hyp: _Hyp) -> float:
    """A hypothesis' confidence as a proposal shows it: in [0, 1], three decimals."""
    return round(max(0.0, min(1.0, hyp.confidence)), 3)


def _standing(hyps: list[_Hyp], policy: MatchPolicy) -> tuple[MatchDecision, float, float]:
    """The decision, raw score and margin the best of ``hyps`` (best first) gets.

    The margin is over the next hypothesis with other items.
    """
    if not hyps:
        return MatchDecision.LEAVE, 0.0, 0.0
    best = hyps[0]
    score = _rounded(best)
    runner_up = next((h for h in hyps if h.key != best.key), None)
    margin = score - _rounded(runner_up) if runner_up is not None else 1.0
    return policy.decide(score, margin), score, margin


def _result(payment: Payment, hyps: list[_Hyp], policy: MatchPolicy) -> MatchResult:
    proposals: list[Proposal] = []
    seen: set[frozenset[str]] = set()
    for h in hyps:
        if h.key in seen:
            continue
        seen.add(h.key)
        proposals.append(_proposal(h, payment, policy))
        if len(proposals) > policy.max_suggestions:
            break
    if not proposals:
        return MatchResult(
            payment=payment,
            decision=MatchDecision.LEAVE,
            confidence=0.0,
            allocations=(),
            on_account=payment.amount,
            explanation=("no open item, customer or reference fits this payment",),
        )
    best = proposals[0]
    decision, score, margin = _standing(hyps, policy)
    explanation = best.explanation
    evidence = best.evidence
    if decision is not MatchDecision.AUTO and score >= policy.auto_threshold:
        if margin < policy.ambiguity_margin:
            why = f"ambiguous: another hypothesis scores {proposals[1].score:.2f}"
        else:
            why = (
                f"expected precision {best.confidence:.1%} is below what auto means "
                f"({policy.auto_precision:.1%})"
            )
        explanation = (*explanation, why)
        evidence = (*evidence, Evidence(EvidenceKind.DOUBT, why))
    if decision is MatchDecision.AUTO:
        return MatchResult(
            payment=payment,
            decision=decision,
            confidence=best.confidence,
            allocations=best.allocations,
            on_account=best.on_account,
            explanation=explanation,
            suggestions=tuple(proposals[1 : 1 + policy.max_suggestions]),
            score=score,
            evidence=evidence,
        )
    return MatchResult(
        payment=payment,
        decision=decision,
        confidence=best.confidence,
        allocations=(),
        on_account=payment.amount,
        explanation=explanation,
        suggestions=tuple(proposals[: policy.max_suggestions]),
        score=score,
        evidence=evidence,
    )


def _with_documents(payment: Payment) -> Payment:
    """``payment`` with the documents of an X12 820 remittance in its text, when it names none."""
    if payment.documents or "RMR*" not in payment.remittance_info:
        return payment
    documents = read_820(payment.remittance_info, payment.amount.currency.code)
    return attrs.evolve(payment, documents=documents) if documents else payment


def match_payments(
    payments: Iterable[Payment],
    open_items: Iterable[OpenItem],
    *,
    customers: Iterable[CustomerProfile] = (),
    shared_payers: Iterable[str] | Mapping[str, Iterable[str]] = (),
    purchase_orders: Mapping[str, str] | None = None,
    rates: RateProvider | None = None,
    policy: MatchPolicy | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[MatchResult, ...]:
    """Match a batch of payments to open items; one :class:`MatchResult` per payment, in order.

    Args:
        payments: the incoming payments (debits and reversals are left alone).
        open_items: the open items as of the batch (credit memos and cash on account included).
        customers: names, known payer accounts and aliases; customers of open items that are not
            listed are known by id only.
        shared_payers: the keys of payers that pay for several customers (payment services,
            shared-service centres): :attr:`PayerKnowledge.shared` of
            :func:`~o2c.cash_application.payers.learn_payers`; accounts or names.  A mapping
            (:attr:`PayerKnowledge.serves`) also says which customers each pays for: a payment
            from it then suggests those customers (never one of them on the payer alone).
        purchase_orders: the customer's purchase order number per open item (item id -> PO,
            as the open items carry it): a PO the remittance quotes names its item like a
            document number (a PO shared by several open items names none of them alone).
        rates: a rate provider for payments in another currency than the item.
        policy: thresholds and tolerances (defaults: :class:`MatchPolicy`).
        progress: called as ``progress(done, total)`` while the batch is evaluated.

    Returns:
        The results in the order of ``payments``.  The decisions do not depend on that order:
        payments are decided strongest first, then by value date and payment id.
    """
    policy = policy or MatchPolicy()
    batch = list(payments)
    items = list(open_items)
    table = {c.customer_id: c for c in customers}
    for item in items:
        cid = str(item.customer_id)
        if cid not in table:
            table[cid] = CustomerProfile(cid, "")
    ctx = _build_context(items, table.values(), rates, policy, purchase_orders)
    keys = list(shared_payers)
    ctx.shared = frozenset(keys) | frozenset(
        k for s in keys for k in (_account_key(s), payer_key(s)) if k
    )
    if isinstance(shared_payers, Mapping):
        for s, cids in shared_payers.items():
            for k in {s, _account_key(s), payer_key(s)} - {""}:
                ctx.serves[k] = ctx.serves.get(k, frozenset()) | frozenset(cids)
    # Positions, not payment ids, key the work: a file may repeat an id.  The matcher reads
    # each payment with its 820 remittance as documents; the results carry the payment as given.
    seen = [_with_documents(p) for p in batch]
    hits = [_payment_hits(p, ctx) for p in seen]
    _learn_accounts(list(zip(seen, hits, strict=True)), ctx)
    # Who each payer may be does not change while the batch is decided: read it once.
    payers = {
        k: _payer_evidence(p, ctx, _payment_text(p)) for k, p in enumerate(seen) if p.is_incoming
    }
    first: dict[int, tuple[list[_Hyp], MatchDecision, float, float]] = {}
    total = len(batch)
    for done, p in enumerate(batch, start=1):
        if p.is_incoming:
            k = done - 1
            hyps = _evaluate(seen[k], ctx, hits[k], payers[k])
            first[k] = (hyps, *_standing(hyps, policy))
        if progress is not None and (done % 100 == 0 or done == total):
            progress(done, total)
    rank = {MatchDecision.AUTO: 0, MatchDecision.SUGGEST: 1, MatchDecision.LEAVE: 2}
    order = sorted(
        first,
        key=lambda k: (
            rank[first[k][1]],
            -first[k][2],
            batch[k].value_date,
            batch[k].payment_id,
            k,
        ),
    )
    touched: set[str] = set()
    final: dict[int, MatchResult] = {}
    for k in order:
        p = batch[k]
        hyps = first[k][0]
        relevant = {i for h in hyps for i in h.key} | {h.item_id for h in hits[k]}
        if relevant & touched:
            hyps = _evaluate(seen[k], ctx, hits[k], payers[k])
        result = _result(p, hyps, policy)
        if result.decision is MatchDecision.AUTO:
            for a in result.allocations:
                units = to_minor(a.applied)
                ctx.remaining[a.item_id] = ctx.remaining.get(a.item_id, 0) - units
                touched.add(a.item_id)
        final[k] = result
    out = []
    for k, p in enumerate(batch):
        res = final.get(k)
        if res is None:
            res = MatchResult(
                payment=p,
                decision=MatchDecision.LEAVE,
                confidence=0.0,
                allocations=(),
                on_account=p.amount,
                explanation=("not an incoming payment (debit, reversal or not booked)",),
            )
        out.append(res)
    return tuple(out)
