"""Every hypothesis for one payment, best first."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from o2c.remittance import (
    HitKind,
    ReferenceHit,
)
from o2c.statement import Payment

if TYPE_CHECKING:
    pass

from o2c.cash_application.amounts import _back_convert, _fit_converted
from o2c.cash_application.candidates import _NON_ALNUM, _Context, _units
from o2c.cash_application.evidence import (
    _NOT_INVOICE_WORDS,
    Evidence,
    EvidenceKind,
    NumberKind,
    _partial_stated,
    classify_numbers,
)
from o2c.cash_application.named import (
    _UNCONFIRMED,
    _conflicting_exact_items,
    _cut_list,
    _cut_off,
    _later_instalment,
    _misspelt,
    _named_plus_unnamed,
    _named_subsets,
    _names_another_document,
    _netted_credit_memo,
    _ref_note,
    _unresolved_numbers,
)
from o2c.cash_application.payers import _cust_note, _Payer, _payer_evidence
from o2c.cash_application.policy import MatchPolicy
from o2c.cash_application.scoring import _cap, _cost, _Hyp, _hyp_from_fit, _ref_confidence, _said
from o2c.cash_application.structured import _structured_hypothesis
from o2c.cash_application.unnamed import (
    _amount_only,
    _customer_hypotheses,
    _fuzzy_hypotheses,
    _payer_candidates,
)

__all__ = []


def _partial_doubt(
    partial: bool, c_score: float, rate: Decimal, text: str, policy: MatchPolicy
) -> str:
    """Why a partial payment of a named document is not posted without a person (or ``""``).

    A payer that says nothing of a part payment and is not known as the document's customer,
    or pays in another currency an amount that does not convert to the document's, more likely
    meant another document than paid part of this one.
    """
    if not partial or _partial_stated(text, policy.reasons):
        return ""
    if rate != 1:
        return "a part of the document in another currency: the amount does not confirm it"
    if c_score < 0.5:
        return "a part of the document, from a payer not known as its customer"
    return ""


#: Kinds of numbers that never name a document: a hit read inside one is no reference.
_NOT_DOCUMENTS = frozenset(
    {
        NumberKind.SCHEME_REFERENCE,
        NumberKind.CUSTOMER_NUMBER,
        NumberKind.PAYMENT_RUN,
        NumberKind.TAX_NUMBER,
        NumberKind.DATE,
        NumberKind.AMOUNT,
    }
)
#: Hits read from a part of a number (its digits, its last group): what a longer hit or a
#: label explains is not a reference of its own.
_PARTIAL_KINDS = frozenset({HitKind.DIGITS, HitKind.TAIL})


def _separate_hits(hits: tuple[ReferenceHit, ...], text: str) -> tuple[ReferenceHit, ...]:
    """``hits`` without those that read a part of another number as a reference.

    A digits or tail hit whose characters (letters and digits) lie inside a number the text's
    labels explain as no document (a scheme reference, a customer or supplier number, a payment
    run, a tax number, a date, an amount: :func:`~o2c.cash_application.evidence.classify_numbers`),
    or inside a longer hit of another document at least as strong (``INV2026`` inside
    ``INV-2026-017630``), is dropped: every number is read once, as what explains it best.
    """
    if len(hits) < 2 and not any(h.kind in _PARTIAL_KINDS for h in hits):
        return hits
    keys = [(h, _NON_ALNUM.sub("", h.text.upper())) for h in hits]
    explained = [
        _NON_ALNUM.sub("", number.upper())
        for number, kind in classify_numbers(text)
        if kind in _NOT_DOCUMENTS
    ]
    out = []
    for h, key in keys:
        if h.kind in _PARTIAL_KINDS and key:
            if any(key in number for number in explained):
                continue
            if any(
                key != other
                and key in other
                and g.item_id != h.item_id
                and g.strength >= h.strength
                for g, other in keys
            ):
                continue
        out.append(h)
    return tuple(out) if len(out) != len(hits) else hits


def _rival_documents(
    strong: list[ReferenceHit], hyp: _Hyp, payer: _Payer, pay_units: int, ctx: _Context
) -> set[str]:
    """The documents the text names strongly that the payer may have meant instead of ``hyp``.

    All of them, but a document of another customer that the payer evidence does not point to
    (at most ``weights.foreign_document_payer``) while it points firmly to the hypothesis'
    customer (at least ``weights.own_customer_payer``), and whose open amount the payment is
    far from (beyond ``MatchPolicy.stated_deduction_tolerance``): a one-digit slip in a
    reference (structured ones too) lands on some other customer's invoice far more often than a
    customer pays another's invoice in part while owing exactly the amount itself.
    """
    w = ctx.policy.weights
    cid = hyp.fits[0][0].customer_id if hyp.fits else ""
    firm = payer.scores.get(cid, 0.0) >= w.own_customer_payer
    out = set()
    for h in strong:
        item = ctx.items[h.item_id]
        if firm and item.customer_id != cid:
            weak = payer.scores.get(item.customer_id, 0.0) <= w.foreign_document_payer
            left = ctx.remaining.get(h.item_id, 0)
            far = abs(left - pay_units) > ctx.policy.deduction_limit(left, stated=True)
            if weak and far:
                continue
        out.add(h.item_id)
    return out


def _payment_text(payment: Payment) -> str:
    """The text every stage reads: reference and remittance information, upper case."""
    return f"{payment.reference} {payment.remittance_info}".upper()


def _evaluate(
    payment: Payment, ctx: _Context, hits: tuple[ReferenceHit, ...], payer: _Payer | None = None
) -> list[_Hyp]:
    """Every hypothesis worth showing for ``payment``, best first.

    ``payer``: who the payer may be (:func:`_payer_evidence`), when the caller has it already
    (it does not change while a batch is decided).
    """
    policy = ctx.policy
    w = policy.weights
    # Doubts keep a hypothesis just below the auto bar; a text that contradicts an amount-only
    # hypothesis keeps it under them (the weights table's rows say why).
    doubt_bar = policy.auto_threshold - w.doubt_below_auto
    contradicted_bar = policy.auto_threshold - w.contradiction_below_auto
    text = _payment_text(payment)
    hits = _separate_hits(hits, text)
    if payer is None:
        payer = _payer_evidence(payment, ctx, text)
    hyps: list[_Hyp] = []
    pay_units = _units(payment.amount)
    pay_ccy = payment.amount.currency.code
    if pay_units <= 0:
        return hyps
    not_invoice = bool(_NOT_INVOICE_WORDS.search(text)) and not hits

    live_hits = [h for h in hits if ctx.remaining.get(h.item_id, 0) != 0]
    settled = [h for h in hits if h.item_id in ctx.items and ctx.remaining.get(h.item_id) == 0]

    def cust_score(cid: str) -> float:
        return payer.scores.get(cid, 0.0)

    def contradiction(cid: str) -> float:
        """How strongly the payer looks like another customer than ``cid``."""
        if payer.shared or payer.best is None or payer.best == cid or cust_score(cid) >= 0.5:
            return 0.0
        return payer.best_score

    # --- S. Structured remittance (camt RfrdDocInf with amounts) ---------------------------
    if payment.documents:
        structured = _structured_hypothesis(payment, ctx, payer)
        if structured is not None:
            hyps.append(structured)

    # --- A. Named items -------------------------------------------------------------------
    unconfirmed: list[_Hyp] = []
    named_by_customer: dict[str, list[ReferenceHit]] = defaultdict(list)
    for h in live_hits:
        named_by_customer[ctx.items[h.item_id].customer_id].append(h)
    if len(named_by_customer) > 1:
        # Documents of several customers named together (a group paying for its members).
        group_score = max(cust_score(c) for c in named_by_customer)
        for hyp in _named_subsets(
            payment, ctx, live_hits, group_score, 0.0, _ref_note(live_hits), payer, "", text
        ):
            _cost(hyp, w.several_customers, "the named documents belong to several customers")
            hyps.append(hyp)
    for cid, chits in named_by_customer.items():
        c_score = cust_score(cid)
        contra = contradiction(cid)
        ref_note = _ref_note(chits)
        # Single items.
        for h in chits:
            item = ctx.items[h.item_id]
            fitted = _fit_converted(item, payment, ctx, text)
            if fitted is None:
                continue
            fit, amount, rate = fitted
            if len(live_hits) > 1 and fit.quality < 0.97:
                # Several documents named: a single one explains the amount only exactly.
                fit.quality -= w.single_of_several
            if _later_instalment(item, chits, ctx):
                # Instalments of one document: the earliest due is paid first (tie-break).
                fit.quality -= w.later_instalment
            conf = _ref_confidence(h.strength, fit.quality, c_score, contra, w)
            ev = _said(
                f"{h.text.strip()!r} names {h.item_id} {item.document_number} ({h.kind.value})",
                _cust_note(payer, cid, ctx),
                fit.note,
            )
            hyp = _hyp_from_fit(item, fit, amount, conf, ev)
            doubt = _partial_doubt(fit.partial, c_score, rate, text, policy)
            if doubt:
                # Part of a document, paid by someone the document's customer is not known to
                # be, or in another currency: the number may name another document.
                _cap(hyp, doubt_bar, doubt)
            if fit.quality < 0.97 and c_score < 0.25:
                unconfirmed.append(hyp)
            hyp.rate = rate if rate != 1 else None
            if hyp.rate is not None:
                hyp.on_account = _back_convert(hyp.on_account, rate, pay_ccy, item.currency)
            hyps.append(hyp)
            if not hyp.exact and rate == 1:
                hyps.extend(_conflicting_exact_items(hyp, item, amount, payment, ctx, hits))
            if hyp.on_account > 0 and rate == 1 and len(live_hits) == 1:
                unnamed = _named_plus_unnamed(hyp, item, amount, payment, ctx)
                hyps.extend(unnamed)
                if _cut_off(payment, [item]):
                    hyps.extend(
                        _cut_list(ev[:2], [item], hyp.on_account, payment, ctx, h.strength, contra)
                    )
                if _unresolved_numbers(text, hits):
                    # The text names something else too (a cut-off or unknown number): the
                    # surplus may belong to it.
                    named_conf = (
                        _ref_confidence(h.strength, 0.97, c_score, contra, w) - w.misspelt_rest
                    )
                    _cap(hyp, doubt_bar, "the text has other numbers that name no open item")
                    for other in unnamed:
                        extra = [i for i, _ in other.fits if i is not item]
                        typos = _misspelt(extra, text, hits, ctx)
                        if typos:
                            # The rest is documents the text misspells: named after all.
                            other.confidence = named_conf
                            last = other.evidence[-1]
                            other.evidence[-1] = attrs.evolve(
                                last, detail=f"{last.detail} ({typos})"
                            )
                        else:
                            # Still a tie with money on account: a first subset is no proof.
                            other.confidence = min(other.confidence, hyp.confidence)
            if rate == 1 and len(live_hits) == 1 and 0 < amount < ctx.remaining[item.item_id]:
                hyps.extend(_netted_credit_memo(hyp, item, amount, ctx))
        # Several named items.
        if len(chits) > 1:
            hyps.extend(
                _named_subsets(payment, ctx, chits, c_score, contra, ref_note, payer, cid, text)
            )

    # --- B. Fuzzy references against the payer's customers and the amount's items ------------
    # (also when a named item fits only approximately: a typo may name another open document)
    if not any(h.confidence >= policy.auto_threshold and h.exact for h in hyps):
        fuzzy = _fuzzy_hypotheses(payment, ctx, payer, hits, text, pay_units, pay_ccy)
        if unconfirmed and any(f.exact and f.confidence >= policy.suggest_threshold for f in fuzzy):
            # Nothing points to the payer, the named document fits only approximately and one a
            # typo away fits exactly: the number may be a typo that spells another document.
            # When that one reaches the auto bar on its own evidence (its customer is one the
            # payer may be and no other such item has the amount), the typo explains the number
            # away: the unconfirmed reading falls to a plain suggestion, so it is no tie.
            confirmed = any(f.exact and f.confidence >= policy.auto_threshold for f in fuzzy)
            bar = policy.auto_threshold - w.explained_away_below_auto if confirmed else doubt_bar
            for hyp in unconfirmed:
                _cap(hyp, bar, _UNCONFIRMED)
        hyps.extend(fuzzy)

    # --- C. The customer's open items by amount ---------------------------------------------
    if not any(h.confidence >= policy.auto_threshold for h in hyps):
        strong = [h for h in live_hits if h.strength >= w.strong_reference]
        by_amount: list[_Hyp] = []
        for cid, score in _payer_candidates(payer, policy):
            by_amount.extend(_customer_hypotheses(payment, ctx, cid, score, payer, pay_units, text))
        sets = [h for h in by_amount if len(h.fits) > 1]
        if len({h.fits[0][0].customer_id for h in sets}) > 1:
            # Items of several customers the payer may be add up: a tie, whatever the scores.
            for hyp in sets:
                _cap(hyp, doubt_bar, "items of another customer the payer may be add up too")
        for hyp in by_amount:
            named = _rival_documents(strong, hyp, payer, pay_units, ctx)
            if named and not named <= hyp.key:
                # The text names other open documents: the amount alone does not overrule.
                _cap(hyp, contradicted_bar, "but the text names other open documents")
            elif hyp.confidence >= policy.auto_threshold:
                why = _names_another_document(text, hits, settled, hyp, payment, ctx)
                if why:
                    # The payer meant a document that is not open (paid already, or not
                    # ours): an item of the same amount is a coincidence, not the answer.
                    _cap(hyp, contradicted_bar, why)
            hyps.append(hyp)

    # --- D. The amount alone ----------------------------------------------------------------
    if not hyps:
        hyps.extend(_amount_only(payment, ctx, payer, pay_units, pay_ccy))

    if not_invoice:
        for hyp in hyps:
            _cap(hyp, w.not_receivables_cap, "the text describes another kind of payment")
    if settled and not live_hits:
        hyps.append(
            _Hyp(
                [],
                pay_units,
                w.duplicate_on_account,
                [
                    Evidence(
                        EvidenceKind.REFERENCE,
                        "the documents it names ("
                        + ", ".join(h.item_id for h in settled[:5])
                        + ") are already settled: a duplicate payment, kept on account",
                    )
                ],
            )
        )
    hyps.sort(key=lambda h: (-h.confidence, h.ids))
    return hyps
