"""Hypotheses without an exact reference.

Fuzzy references, the payer's items by amount, the amount alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from o2c.remittance import (
    ReferenceHit,
    fuzzy_matches,
    reference_strings,
)
from o2c.statement import Payment

if TYPE_CHECKING:
    pass

from o2c.cash_application.amounts import _back_convert, _Fit, _fit_converted, fee_channel
from o2c.cash_application.candidates import _Context, _Item, _units
from o2c.cash_application.evidence import Evidence, EvidenceKind, _partial_stated
from o2c.cash_application.model import ResidualKind
from o2c.cash_application.named import _repeated_payment
from o2c.cash_application.payers import _cust_note, _Payer
from o2c.cash_application.policy import MatchPolicy
from o2c.cash_application.scoring import _cost, _Hyp, _hyp_from_fit, _ref_confidence, _said
from o2c.cash_application.subsets import _least_density, _local_density, _subset_sums

__all__ = []


def _fuzzy_hypotheses(
    payment: Payment,
    ctx: _Context,
    payer: _Payer,
    hits: tuple[ReferenceHit, ...],
    text: str,
    pay_units: int,
    pay_ccy: str,
) -> list[_Hyp]:
    w = ctx.policy.weights
    strings = reference_strings(f"{payment.reference} {payment.remittance_info}")
    repeated = _repeated_payment(hits, pay_units, pay_ccy, ctx)
    if repeated:
        # A number that names exactly a settled document of the payment's amount means that
        # document (a duplicate payment), not an open one a typo away.
        exact = {s for h in repeated for s in reference_strings(h.text, min_digits=1)}
        strings = tuple(s for s in strings if s not in exact)
    if not strings:
        return []
    pool: set[str] = set()
    # The documents of the customers the payer may be, and those of the payment's amount:
    # a fuzzy match counts only when the customer or the amount confirms it.
    candidates = sorted(payer.scores.items(), key=lambda kv: (-kv[1], kv[0]))
    for cid, score in candidates[:4]:
        if score >= 0.3:
            pool.update(ctx.item_ids_of(cid))
    if not pool:
        for h in hits:
            named_item = ctx.items.get(h.item_id)
            if named_item is not None and len(ctx.by_customer[named_item.customer_id]) <= 200:
                pool.update(ctx.item_ids_of(named_item.customer_id))
    pool.update(i.item_id for i in ctx.by_amount.get((pay_ccy, pay_units), ()))
    live = sorted(i for i in pool if ctx.remaining.get(i, 0) != 0)
    named = {h.item_id for h in hits}
    fuzzy = [h for h in fuzzy_matches(strings, live, ctx.documents) if h.item_id not in named]
    hyps: list[_Hyp] = []
    if not fuzzy:
        return hyps
    for h in fuzzy:
        item = ctx.items[h.item_id]
        fitted = _fit_converted(item, payment, ctx, text)
        if fitted is None:
            continue
        fit, amount, rate = fitted
        c_score = payer.scores.get(item.customer_id, 0.0)
        if fit.quality >= 0.97 and _only_of_amount(item, amount, payer, ctx):
            # One edit from the only open item of exactly this amount (of all, or of the
            # customers the payer may be): two independent confirmations, worth a recognised
            # payer.
            c_score = max(c_score, w.fuzzy_unique_amount_payer)
        conf = _ref_confidence(h.strength, fit.quality, c_score, 0.0, w)
        if len(fuzzy) > 1:
            conf -= w.fuzzy_several
        ev = _said(
            f"{h.text!r} is one edit from {item.document_number} ({h.item_id})",
            _cust_note(payer, item.customer_id, ctx),
            fit.note,
        )
        hyp = _hyp_from_fit(item, fit, amount, conf, ev)
        if rate != 1:
            hyp.rate = rate
            hyp.on_account = _back_convert(hyp.on_account, rate, pay_ccy, item.currency)
        hyps.append(hyp)
    return hyps


def _only_of_amount(item: _Item, amount: int, payer: _Payer, ctx: _Context) -> bool:
    """Whether ``item`` is the only open item of ``amount`` (minor units, its currency), of all
    open items or of those of the customers the payer may be (when it may be the item's)."""
    if ctx.amount_count.get((item.currency, amount), 0) == 1:
        return True
    if item.customer_id not in payer.scores:
        return False
    return not any(
        other.item_id != item.item_id
        and other.customer_id in payer.scores
        and ctx.remaining.get(other.item_id, 0) != 0
        for other in ctx.by_amount.get((item.currency, amount), ())
    )


def _customer_hypotheses(
    payment: Payment,
    ctx: _Context,
    cid: str,
    score: float,
    payer: _Payer,
    pay_units: int,
    text: str,
) -> list[_Hyp]:
    policy = ctx.policy
    w = policy.weights
    pay_ccy = payment.amount.currency.code
    items = [
        i
        for i in ctx.by_customer.get(cid, ())
        if i.currency == pay_ccy and ctx.remaining.get(i.item_id, 0) > 0
    ]
    if not items:
        return []
    note = _cust_note(payer, cid, ctx)
    hyps: list[_Hyp] = []
    opens = {i.item_id: ctx.remaining[i.item_id] for i in items}
    # Single items: exact, discount earned.
    singles: list[tuple[_Item, _Fit]] = []
    for item in items:
        o = opens[item.item_id]
        if o == pay_units:
            singles.append((item, _Fit(o, o, [], 1.0, "amount equals the open amount")))
            continue
        for deadline, d in item.discounts:
            if pay_units == o - d and payment.value_date <= deadline:
                singles.append(
                    (
                        item,
                        _Fit(
                            o,
                            pay_units,
                            [(ResidualKind.DISCOUNT, d, "early-payment discount")],
                            0.97,
                            f"amount equals the open amount less the discount earned by {deadline}",
                        ),
                    )
                )
    count = ctx.amount_count.get((pay_ccy, pay_units), 0)
    for item, fit in singles:
        support = min(score, 1.0)
        if count == 1 and fit.quality >= 1.0:
            # The only open item of this amount anywhere: the amount itself identifies it,
            # so weak payer evidence (initials) suffices.
            support = min(1.0, support + w.amount_unique_support)
        conf = w.amount_base + w.amount_payer * support * fit.quality
        if count >= policy.common_amount:
            # A round amount many items share says less on its own.
            conf -= w.amount_common
        if len(singles) > 1:
            conf -= w.amount_several
        hyps.append(
            _Hyp(
                [(item, fit)],
                pay_units - fit.paid,
                conf,
                _said("", note, fit.note + " (no reference)")
                + (
                    [
                        Evidence(
                            EvidenceKind.DOUBT,
                            f"{len(singles)} items fit the amount",
                            -w.amount_several,
                        )
                    ]
                    if len(singles) > 1
                    else []
                ),
            )
        )
    if singles:
        return hyps
    # Several items: a bounded exact subset-sum (full amounts, and with the discounts earned).
    # Credit memos (negative) take part: a payer nets them against invoices.
    paid_day = payment.value_date.toordinal()

    def nearest(i: _Item) -> tuple[int, str]:
        return (abs(i.due_day - paid_day), i.item_id)

    credits = sorted(
        (
            i
            for i in ctx.by_customer.get(cid, ())
            if i.currency == pay_ccy and ctx.remaining.get(i.item_id, 0) < 0
        ),
        key=nearest,
    )[: policy.max_subset_credits]
    for i in credits:
        opens[i.item_id] = ctx.remaining[i.item_id]
    pool = sorted(items, key=nearest)
    pool = [i for i in pool if opens[i.item_id] < pay_units]
    pool = credits + pool[: policy.max_subset_items - len(credits)]
    if len(pool) >= 2:
        hyps.extend(_subset_hypotheses(payment, ctx, cid, payer, pool, opens, len(items), note))
    if hyps:
        return hyps
    # Bank fee on a single item (no reference): unique item within the fee band.
    channel = fee_channel(payment, pay_ccy, policy)
    fee_fits = [
        i
        for i in items
        if 0 < opens[i.item_id] - pay_units <= policy.fee_limit(pay_ccy, opens[i.item_id], channel)
    ]
    if len(fee_fits) == 1 and not _partial_stated(text, policy.reasons):
        item = fee_fits[0]
        o = opens[item.item_id]
        fit = _Fit(o, pay_units, [(ResidualKind.BANK_FEE, o - pay_units, "bank charges")], 0.9, "")
        conf = w.fee_base + w.fee_payer * min(score, 1.0)
        hyps.append(
            _Hyp(
                [(item, fit)], 0, conf, _said("", note, "amount is the open amount less a bank fee")
            )
        )
    return hyps


def _payer_candidates(payer: _Payer, policy: MatchPolicy) -> list[tuple[str, float]]:
    """The customers whose open items are searched by amount: the best ``max_payer_candidates``
    by payer score (ties by customer id, so the choice never depends on input order)."""
    ranked = sorted(payer.scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked[: policy.max_payer_candidates]


def _rival_odds(payer: _Payer, cid: str, policy: MatchPolicy) -> tuple[float, float]:
    """The payer evidence for customer ``cid`` as odds, and the odds of everyone else.

    Each customer's payer score read as a probability on its own (at most
    ``weights.subset_share_max``: no score is certainty) gives odds; someone the payer evidence
    does not name counts 1.  A customer whose items were searched too (:func:`_payer_candidates`)
    and did not add up counts only ``1 / (1 + subset_prior_odds)`` of its odds: had it paid,
    an exact set would most likely have shown.  (A tie, where they add up too, is settled
    apart: never posted.)
    """
    most = policy.weights.subset_share_max

    def odds(score: float) -> float:
        score = min(score, most)
        return score / (1.0 - score)

    searched = {c for c, _ in _payer_candidates(payer, policy)}
    missed = 1.0 / (1.0 + policy.subset_prior_odds)
    rivals = 1.0
    for other, score in payer.scores.items():
        if other != cid:
            rivals += odds(score) * (missed if other in searched else 1.0)
    return odds(payer.scores.get(cid, 0.0)), rivals


def _subset_confidence(
    density: float, odds: tuple[float, float], quality: float, pay_units: int, policy: MatchPolicy
) -> float:
    """Raw score of a set of a customer's open items that adds up exactly to the payment.

    Two questions, each answered as odds:

    * *is it this customer?*  The payer evidence's odds for the customer against everyone else
      (:func:`_rival_odds`), times how much likelier an exact sum of its items is when it pays
      (``subset_prior_odds`` as a probability) than by coincidence (``density``);
    * *is it this set?*  Given the customer, an exact sum against a coincidence among the
      subsets near the amount: ``subset_prior_odds`` against ``density``.

    The product is a probability; ``subset_exponent`` turns it into the raw score the
    calibration reads (the exponent the history fit checked), at most ``subset_cap``, times the
    amount fit's ``quality`` (earned discounts).
    """
    w = policy.weights
    prior = policy.subset_prior_odds
    # Never below one coincidental sum in the window: none seen is no proof of none possible.
    d = max(density, _least_density(pay_units))
    real = 1.0 / (1.0 + d / prior)
    own, rivals = odds
    customer_odds = own * (prior / (1.0 + prior)) / (d * rivals)
    customer = customer_odds / (1.0 + customer_odds)
    return min(w.subset_cap, float((real * customer) ** w.subset_exponent)) * quality


def _subset_hypotheses(
    payment: Payment,
    ctx: _Context,
    cid: str,
    payer: _Payer,
    pool: list[_Item],
    opens: dict[str, int],
    n_items: int,
    note: str,
) -> list[_Hyp]:
    """Sets of ``pool`` (the customer's open items nearest the payment's date, credit memos
    first) that add up exactly to the payment, at open amounts or less the discounts earned.

    Every plausible reading is searched (full amounts and discounts alike) before any is
    scored: a second set that adds up, in either reading, is a tie and none of them is posted.
    ``n_items``: how many open items the customer has (more than the pool: the search was cut).
    """
    policy = ctx.policy
    w = policy.weights
    pay_units = _units(payment.amount)
    values = [opens[i.item_id] for i in pool]
    variants: list[tuple[list[int], float, str]] = [(values, 1.0, "open amounts")]
    disc_values = []
    for i in pool:
        d = next((u for deadline, u in i.discounts if payment.value_date <= deadline), 0)
        disc_values.append(opens[i.item_id] - d)
    if disc_values != values:
        variants.append((disc_values, 0.96, "open amounts less the discounts earned"))
    found: dict[tuple[tuple[str, int], ...], tuple[list[int], float, str, tuple[int, ...]]] = {}
    for vals, quality, label in variants:
        for s in _subset_sums(vals, pay_units, policy.max_subset_size):
            key = tuple(sorted((pool[k].item_id, vals[k]) for k in s))
            found.setdefault(key, (vals, quality, label, s))
    if not found:
        return []
    truncated = n_items > len(pool)
    several = len(found) > 1
    odds = _rival_odds(payer, cid, policy)
    hyps: list[_Hyp] = []
    for vals, quality, label, s in found.values():
        fits = []
        for k in s:
            i = pool[k]
            o = opens[i.item_id]
            d = o - vals[k]
            res = [(ResidualKind.DISCOUNT, d, "early-payment discount")] if d else []
            fits.append((i, _Fit(o, vals[k], res, quality, "")))
        # How many subset sums fall on one minor unit near the amount: the expected number of
        # coincidental exact hits.
        density = _local_density(vals, pay_units)
        hyp = _Hyp(
            fits,
            0,
            _subset_confidence(density, odds, quality, pay_units, policy),
            _said(
                "",
                note,
                f"{len(s)} of the customer's {n_items} open items add up "
                f"({label}, no reference; chance of a coincidence {density:.2g})",
            ),
        )
        if several:
            _cost(hyp, w.subset_several, "another set of the customer's items adds up too")
        if truncated:
            _cost(hyp, w.subset_truncated, "the customer has more open items than were searched")
        hyps.append(hyp)
    return hyps


def _amount_only(
    payment: Payment, ctx: _Context, payer: _Payer, pay_units: int, pay_ccy: str
) -> list[_Hyp]:
    w = ctx.policy.weights
    count = ctx.amount_count.get((pay_ccy, pay_units), 0)
    if count == 0 or count > 3:
        return []
    hyps = []
    for item in ctx.by_amount.get((pay_ccy, pay_units), ()):
        if ctx.remaining.get(item.item_id) == pay_units:
            fit = _Fit(pay_units, pay_units, [], 1.0, "")
            hyps.append(
                _Hyp(
                    [(item, fit)],
                    0,
                    w.amount_only - w.amount_only_each_other * (count - 1),
                    _said(
                        "",
                        "payer not recognised",
                        f"amount equals the open amount of {item.item_id} "
                        f"({count} open item(s) of this amount)",
                    ),
                )
            )
    return hyps
