"""Hypotheses for documents the remittance names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from o2c.remittance import (
    ReferenceHit,
    reference_strings,
    within_one_edit,
)
from o2c.statement import Payment

if TYPE_CHECKING:
    pass

from o2c.cash_application.amounts import _back_convert, _convert, _Fit, fee_channel
from o2c.cash_application.candidates import _NON_ALNUM, _Context, _Item, _units
from o2c.cash_application.evidence import (
    Evidence,
    EvidenceKind,
    _deduction_reason,
    _partial_stated,
    _reason_text,
    mask_explained_numbers,
)
from o2c.cash_application.model import ResidualKind
from o2c.cash_application.payers import _cust_note, _Payer
from o2c.cash_application.policy import MatchPolicy
from o2c.cash_application.scoring import _cap, _cost, _Hyp, _ref_confidence, _said
from o2c.cash_application.subsets import _local_density, _subset_sums

__all__ = []


def _conflicting_exact_items(
    hyp: _Hyp,
    item: _Item,
    amount: int,
    payment: Payment,
    ctx: _Context,
    hits: tuple[ReferenceHit, ...],
) -> list[_Hyp]:
    """Other open items of the named item's customer that the amount fits exactly.

    A reference names one invoice but the amount is exactly another one's: either the
    reference or the amount is wrong, so neither is posted without a person.
    """
    named = {h.item_id for h in hits}
    others = [
        i
        for i in ctx.by_amount.get((item.currency, amount), ())
        if i.customer_id == item.customer_id
        and i.item_id not in named
        and ctx.remaining.get(i.item_id) == amount
    ]
    if not others:
        return []
    w = ctx.policy.weights
    why = (
        f"but {others[0].item_id} {others[0].document_number} of the same customer is open "
        "for exactly this amount"
    )
    before = hyp.confidence
    hyp.confidence = min(
        hyp.confidence - w.conflicting_exact, ctx.policy.auto_threshold - w.doubt_below_auto
    )
    hyp.evidence.append(Evidence(EvidenceKind.DOUBT, why, round(hyp.confidence - before, 6)))
    return [
        _Hyp(
            [(other, _Fit(amount, amount, [], 1.0, ""))],
            0,
            hyp.confidence - 0.01,
            [
                Evidence(
                    EvidenceKind.AMOUNT,
                    f"amount equals the open amount of {other.item_id} {other.document_number}",
                ),
                Evidence(EvidenceKind.DOUBT, f"although the reference names {item.item_id}"),
            ],
        )
        for other in others[:2]
    ]


def _unresolved_numbers(text: str, hits: Sequence[ReferenceHit]) -> bool:
    """Whether ``text`` (upper case) has document-like numbers besides the ones that hit."""
    rest = text
    for h in hits:
        rest = rest.replace(h.text.upper(), " | ")
    return bool(reference_strings(mask_explained_numbers(rest), min_digits=5))


_UNCONFIRMED = (
    "nothing points to the payer, the amount fits only approximately, and a document one edit "
    "away fits exactly"
)


def _names_another_document(
    text: str,
    hits: Sequence[ReferenceHit],
    settled: Sequence[ReferenceHit],
    hyp: _Hyp,
    payment: Payment,
    ctx: _Context,
) -> str:
    """Why ``text`` names a document other than the items of ``hyp`` (empty when it does not).

    A text that names a settled document of the payment's amount (a duplicate payment), or a
    number shaped like the customer's document numbers (same letters, same count of digits) that
    names no open item and is neither part of nor one edit from the hypothesis' documents (a
    settled document or one that is not open), was written for another document.
    """
    repeated = _repeated_payment(settled, _units(payment.amount), payment.amount.currency.code, ctx)
    if repeated:
        return (
            "but the text names "
            + ", ".join(h.item_id for h in repeated[:3])
            + ", settled already, of this amount: a duplicate payment?"
        )
    rest = text
    for h in hits:
        if h not in settled:
            rest = rest.replace(h.text.upper(), " | ")
    strings = reference_strings(mask_explained_numbers(rest), min_digits=5)
    if not strings:
        return ""
    customer = next(iter(hyp.fits))[0].customer_id
    shapes = ctx.document_shapes.get(customer)
    if shapes is None:
        # The shapes of the customer's document numbers (one numbering scheme or a few).
        shapes = frozenset(
            _shape(k)
            for i in ctx.by_customer.get(customer, ())
            for k in ctx.documents.keys_of.get(i.item_id, ())
        )
        ctx.document_shapes[customer] = shapes
    keys = [k for i in hyp.key for k in ctx.documents.keys_of.get(i, ())]
    for s in strings:
        # A garbled spelling of the hypothesis' own number (a part of it, one edit away or two
        # of its characters swapped) is no other document; nor is a number outside the range
        # the seller's numbering has reached (a payer's own payment or voucher number).
        if (
            _shape(s) in shapes
            and _issued(s, ctx)
            and not any(s in k or within_one_edit(s, k) or _swapped(s, k) for k in keys)
        ):
            return f"but the text names {s}, which is no open document"
    return ""


def _issued(key: str, ctx: _Context) -> bool:
    """Whether ``key`` lies where the seller's numbering of its shape has been.

    Documents are numbered in sequence: a number of digits alone beyond the highest one issued
    (the open items show how far the numbering has come) was not issued by the seller, nor is
    one below the lowest open one by more than the open ones span (older numbers are paid, not
    quoted); payers' own voucher and payment-run numbers are such digits.  A number written
    with the letters of the seller's numbering ("INV...") is the seller's, however high.
    """
    if not key.isdigit():
        return True
    span = _numbering(ctx).get(_shape(key))
    if span is None:
        return False
    lo, hi = span
    value = int(_DIGITS_ONLY.sub("", key) or 0)
    width = hi - lo
    return lo - width <= value <= hi + width // _NUMBERING_AHEAD


#: How far beyond the highest open document number (a share of the open numbers' span, 1/20)
#: a number still counts as issued: documents issued after the open-items list was taken.
_NUMBERING_AHEAD = 20
_DIGITS_ONLY = re.compile(r"[^0-9]")


def _numbering(ctx: _Context) -> dict[str, tuple[int, int]]:
    """Per document-key shape, the lowest and highest number among the open documents."""
    if ctx.numbering is None:
        spans: dict[str, tuple[int, int]] = {}
        for keys in ctx.documents.keys_of.values():
            for k in keys:
                value = int(_DIGITS_ONLY.sub("", k) or 0)
                shape = _shape(k)
                lo, hi = spans.get(shape, (value, value))
                spans[shape] = (min(lo, value), max(hi, value))
        ctx.numbering = spans
    return ctx.numbering


def _swapped(a: str, b: str) -> bool:
    """Whether ``a`` is ``b`` with two of its characters swapped (``14539`` for ``14935``)."""
    if len(a) != len(b):
        return False
    diffs = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diffs) == 2 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]


def _repeated_payment(
    hits: Sequence[ReferenceHit], pay_units: int, pay_ccy: str, ctx: _Context
) -> list[ReferenceHit]:
    """The hits naming a settled document whose amount (less a discount) is the payment's."""
    out = []
    for h in hits:
        item = ctx.items.get(h.item_id)
        if item is None or ctx.remaining.get(h.item_id) != 0 or item.currency != pay_ccy:
            continue
        o = item.open_units
        if pay_units == o or any(pay_units == o - d for _, d in item.discounts):
            out.append(h)
    return out


_DIGIT = re.compile(r"[0-9]")


def _shape(key: str) -> str:
    """A document key with its digits replaced by ``9`` (``INV2026100003`` -> ``INV9999999999``)."""
    return _DIGIT.sub("9", key)


_LAST_CHUNK = re.compile(r"[0-9A-Z][0-9A-Z/.#-]*$")
_CHAR_CLASS = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "9" * 10 + "A" * 26)


def _cut_off(payment: Payment, named: Sequence[_Item]) -> bool:
    """Whether a text field ends in the start of a document number like the named ones.

    Banks cut remittance text at their field length (35 or 140 characters): a list of
    documents then ends in ``"... INV-2026-1"``, the first characters of the next number.
    """
    for text in (payment.reference, payment.remittance_info):
        m = _LAST_CHUNK.search(text.rstrip().upper())
        if m is None or len(m.group(0)) < 2:
            continue
        chunk = m.group(0)
        shape = chunk.translate(_CHAR_CLASS)
        for item in named:
            number = item.document_number.upper()
            if len(chunk) >= len(number):
                continue
            if number.translate(_CHAR_CLASS).startswith(shape) and (
                any(ch.isdigit() for ch in chunk) or number.startswith(chunk)
            ):
                return True
    return False


def _may_be_cut(payment: Payment, named: Sequence[_Item], policy: MatchPolicy) -> bool:
    """Whether the list of documents may go on beyond the text the bank passed on.

    Either a field ends in the start of a document number (:func:`_cut_off`) or it fills the
    field's length (``MatchPolicy.full_text_field``: 140 characters of SEPA ``Ustrd``, less
    the few a cut between two numbers leaves).
    """
    if len(named) < 2:
        return False
    full = policy.full_text_field
    return _cut_off(payment, named) or any(
        len(t.rstrip()) >= full for t in (payment.reference, payment.remittance_info)
    )


def _unnamed_credits(
    named: Sequence[_Item], opens: Sequence[int], short: int, payment: Payment, ctx: _Context
) -> list[list[tuple[_Item, int]]]:
    """Sets (at most two found) of the customer's other open items, credit notes among them,
    whose open amounts add up to minus ``short``: credit notes the payer netted unnamed."""
    customer = named[0].customer_id
    skip = {i.item_id for i in named}
    pool = [
        i
        for i in ctx.by_customer.get(customer, ())
        if i.item_id not in skip
        and i.currency == named[0].currency
        and ctx.remaining.get(i.item_id, 0) != 0
    ]
    credits = [i for i in pool if ctx.remaining[i.item_id] < 0]
    if not credits:
        return []
    others = sorted(
        (i for i in pool if ctx.remaining[i.item_id] > 0),
        key=lambda i: (abs(i.due_day - payment.value_date.toordinal()), i.item_id),
    )
    pool = (credits + others)[: ctx.policy.max_subset_items]
    values = [ctx.remaining[i.item_id] for i in pool]
    found = _subset_sums(values, -short, 3, limit=2)
    return [
        [(pool[k], values[k]) for k in subset]
        for subset in found
        if any(values[k] < 0 for k in subset)
    ]


def _zero_sum_pair(left: Sequence[_Item], subset: _Hyp, ctx: _Context) -> _Hyp | None:
    """``subset`` plus the named credit notes it leaves out, each with the one open invoice of
    its customer whose open amount offsets it exactly (``None`` unless every one has one)."""
    taken = set(subset.key) | {i.item_id for i in left}
    fits = list(subset.fits)
    notes = []
    for memo in left:
        credit = ctx.remaining.get(memo.item_id, 0)
        if credit >= 0:
            return None
        offsets = [
            i
            for i in ctx.by_customer.get(memo.customer_id, ())
            if i.item_id not in taken
            and i.currency == memo.currency
            and ctx.remaining.get(i.item_id) == -credit
        ]
        if len(offsets) != 1:
            return None
        invoice = offsets[0]
        taken.add(invoice.item_id)
        fits += [
            (memo, _Fit(credit, credit, [], 1.0, "")),
            (invoice, _Fit(-credit, -credit, [], 1.0, "")),
        ]
        notes.append(f"{memo.item_id} nets {invoice.item_id} of the same amount")
    return _Hyp(
        fits,
        subset.on_account,
        subset.confidence,
        [
            *subset.evidence[:2],
            Evidence(
                EvidenceKind.AMOUNT,
                "the named items add up; the credit note(s) named net open invoices exactly ("
                + "; ".join(notes)
                + ")",
            ),
        ],
    )


def _number_order(number: str) -> tuple[int, str]:
    """A document number's sort key: its length without separators, then the key."""
    key = _NON_ALNUM.sub("", number.upper())
    return len(key), key


def _cut_list(
    evidence: list[Evidence],
    named: Sequence[_Item],
    rest: int,
    payment: Payment,
    ctx: _Context,
    strength: float,
    contra: float,
) -> list[_Hyp]:
    """The named items plus the unique set of the customer's other items that make up ``rest``.

    Only for a text cut off in the middle of the next number (see :func:`_cut_off`): the
    documents the payer listed last are missing from the text, not from the payment.  Posted
    only when exactly one set adds up and a coincidence is unlikely (the density of subset
    sums around the rest, as for payments without reference).
    """
    policy = ctx.policy
    customer = named[0].customer_id
    skip = {i.item_id for i in named}
    pool = [
        i
        for i in ctx.by_customer.get(customer, ())
        if i.item_id not in skip
        and i.currency == named[0].currency
        and ctx.remaining.get(i.item_id, 0) > 0
    ]
    # Lists mostly ascend: the documents cut off most likely come after the last one named
    # (then the oldest first); the others are searched only as far as the bound allows.
    last = max(_number_order(i.document_number) for i in named)
    pool.sort(
        key=lambda i: (_number_order(i.document_number) < last, i.item.document_date, i.item_id)
    )
    truncated = len(pool) > policy.max_subset_items
    pool = pool[: policy.max_subset_items]
    values = [ctx.remaining[i.item_id] for i in pool]
    subsets = _subset_sums(values, rest, policy.max_subset_size, limit=2)
    if len(subsets) != 1:
        return []
    density = _local_density(values, rest)
    posterior = 1.0 / (1.0 + density / policy.subset_prior_odds)
    conf = _ref_confidence(strength, 0.97, 1.0, contra, ctx.policy.weights) * posterior**3
    if truncated:
        conf -= ctx.policy.weights.cut_list_truncated
    fits = [
        (i, _Fit(ctx.remaining[i.item_id], ctx.remaining[i.item_id], [], 1.0, "")) for i in named
    ]
    fits += [(pool[k], _Fit(values[k], values[k], [], 1.0, "")) for k in subsets[0]]
    return [
        _Hyp(
            fits,
            0,
            conf,
            [
                *evidence,
                Evidence(
                    EvidenceKind.AMOUNT,
                    "the text is cut off in the middle of a document number; the rest is "
                    f"exactly {len(subsets[0])} other open item(s) of the customer "
                    f"(chance of a coincidence {density:.2g})",
                ),
            ],
        )
    ]


def _misspelt(
    items: Sequence[_Item], text: str, hits: Sequence[ReferenceHit], ctx: _Context
) -> str:
    """How ``text`` misspells every one of ``items`` (one edit each), or ``""``.

    The reference-like strings the hits do not explain are compared with the items' numbers.
    """
    rest = text
    for h in hits:
        rest = rest.replace(h.text.upper(), " | ")
    strings = reference_strings(mask_explained_numbers(rest), min_digits=4)
    notes = []
    for item in items:
        spelt = next(
            (
                s
                for s in strings
                for k in ctx.documents.keys_of.get(item.item_id, ())
                if len(k) >= 5 and within_one_edit(s, k)
            ),
            None,
        )
        if spelt is None:
            return ""
        notes.append(f"{spelt!r} is one edit from {item.document_number}")
    return "; ".join(notes)


def _unnamed_rest(
    named: Sequence[_Item], rest: int, payment: Payment, ctx: _Context
) -> list[tuple[_Item, int]]:
    """Up to three open items of the named items' customer, not named, adding up to ``rest``."""
    customer = named[0].customer_id
    skip = {i.item_id for i in named}
    pool = [
        i
        for i in ctx.by_customer.get(customer, ())
        if i.item_id not in skip
        and i.currency == named[0].currency
        and ctx.remaining.get(i.item_id, 0) > 0
    ]
    pool.sort(key=lambda i: (abs((i.item.due_date - payment.value_date).days), i.item_id))
    pool = pool[: ctx.policy.max_subset_items]
    values = [ctx.remaining[i.item_id] for i in pool]
    subsets = _subset_sums(values, rest, 3, limit=1)
    return [(pool[k], values[k]) for k in subsets[0]] if subsets else []


def _named_plus_unnamed(
    hyp: _Hyp, item: _Item, amount: int, payment: Payment, ctx: _Context
) -> list[_Hyp]:
    """The named item plus other open items of its customer that make up the overpayment.

    A payer who names one invoice and pays exactly two may have forgotten the second number:
    as plausible as money on account, so the two hypotheses tie and neither is posted.
    """
    rest = hyp.on_account
    pool = [
        i
        for i in ctx.by_customer.get(item.customer_id, ())
        if i is not item and i.currency == item.currency and ctx.remaining.get(i.item_id, 0) > 0
    ]
    pool.sort(key=lambda i: (abs((i.item.due_date - payment.value_date).days), i.item_id))
    pool = pool[: ctx.policy.max_subset_items]
    values = [ctx.remaining[i.item_id] for i in pool]
    subsets = _subset_sums(values, rest, 3, limit=1)
    if not subsets:
        return []
    fits = [(item, _Fit(hyp.fits[0][1].applied, hyp.fits[0][1].paid, [], 1.0, ""))]
    fits += [(pool[k], _Fit(values[k], values[k], [], 1.0, "")) for k in subsets[0]]
    return [
        _Hyp(
            fits,
            0,
            hyp.confidence,
            [
                *hyp.evidence[:2],
                Evidence(
                    EvidenceKind.AMOUNT,
                    "the rest is exactly the open amount of "
                    + ", ".join(pool[k].item_id for k in subsets[0])
                    + " (not named)",
                ),
            ],
        )
    ]


def _netted_credit_memo(hyp: _Hyp, item: _Item, amount: int, ctx: _Context) -> list[_Hyp]:
    """The named item less an open credit memo of its customer that explains the difference.

    A payer often nets a credit note without naming it: when one open credit memo is exactly
    the shortfall, that beats a deduction (which then scores lower).
    """
    open_units = ctx.remaining.get(item.item_id, item.open_units)
    short = open_units - amount
    memos = [
        i
        for i in ctx.by_customer.get(item.customer_id, ())
        if i.currency == item.currency and ctx.remaining.get(i.item_id, 0) == -short
    ]
    if len(memos) != 1:
        return []
    memo = memos[0]
    w = ctx.policy.weights
    _cost(hyp, w.netted_memo_doubt, f"credit memo {memo.item_id} explains the difference exactly")
    fits = [
        (item, _Fit(open_units, open_units, [], 1.0, "")),
        (memo, _Fit(-short, -short, [], 1.0, "")),
    ]
    return [
        _Hyp(
            fits,
            0,
            min(hyp.confidence + w.netted_memo_gain, w.netted_memo_cap),
            [
                *hyp.evidence[:2],
                Evidence(
                    EvidenceKind.AMOUNT,
                    f"the amount is {item.item_id} less the open credit memo {memo.item_id} "
                    f"{memo.document_number} (not named)",
                ),
            ],
        )
    ]


def _later_instalment(item: _Item, chits: list[ReferenceHit], ctx: _Context) -> bool:
    """Whether another named item of the same document falls due before ``item``."""
    for h in chits:
        other = ctx.items[h.item_id]
        if (
            other is not item
            and other.document_number == item.document_number
            and (other.item.due_date, other.item_id) < (item.item.due_date, item.item_id)
        ):
            return True
    return False


def _ref_note(hits: Sequence[ReferenceHit]) -> str:
    return "; ".join(f"{h.text.strip()!r} names {h.item_id} ({h.kind.value})" for h in hits[:6])


def _named_subsets(
    payment: Payment,
    ctx: _Context,
    chits: list[ReferenceHit],
    c_score: float,
    contra: float,
    ref_note: str,
    payer: _Payer,
    cid: str,
    text: str,
) -> list[_Hyp]:
    policy = ctx.policy
    w = policy.weights
    doubt_bar = policy.auto_threshold - w.doubt_below_auto
    items = [ctx.items[h.item_id] for h in chits]
    currencies = {i.currency for i in items}
    if len(currencies) != 1:
        return []
    code = currencies.pop()
    conv = _convert(payment, code, ctx)
    if conv is None:
        return []
    amount, rate = conv
    strength = min(h.strength for h in chits)
    opens = [ctx.remaining.get(i.item_id, i.open_units) for i in items]
    hyps: list[_Hyp] = []
    total = sum(opens)
    cust = _cust_note(payer, cid, ctx)

    def build(
        chosen: Sequence[int], per_item: list[_Fit], quality: float, note: str, extra: int
    ) -> _Hyp:
        fits = [(items[k], per_item[k]) for k in chosen]
        conf = _ref_confidence(strength, quality, c_score, contra, w)
        if len(chosen) < len(items):
            conf -= w.named_subset
        hyp = _Hyp(fits, extra, conf, _said(ref_note, cust, note))
        if rate != 1:
            hyp.rate = rate
            hyp.on_account = _back_convert(extra, rate, payment.amount.currency.code, code)
        return hyp

    exact = [_Fit(o, o, [], 1.0, "") for o in opens]
    if total == amount:
        hyps.append(build(range(len(items)), exact, 1.0, "amounts of the named items add up", 0))
        return hyps
    # Discounts earned on every item that offers one.
    disc_fits = []
    for item, o in zip(items, opens, strict=True):
        d = next(
            (u for deadline, u in item.discounts if payment.value_date <= deadline and u < o),
            0,
        )
        res = [(ResidualKind.DISCOUNT, d, "early-payment discount")] if d else []
        disc_fits.append(_Fit(o, o - d, res, 0.98, ""))
    if sum(f.paid for f in disc_fits) == amount and any(f.residuals for f in disc_fits):
        hyps.append(
            build(range(len(items)), disc_fits, 0.98, "named items add up with discounts", 0)
        )
        return hyps
    # Bank fee or deduction on the whole.
    short = total - amount
    reason = _deduction_reason(text, policy.reasons)
    if (
        0 < short <= policy.fee_limit(code, total, fee_channel(payment, code, policy))
        and not reason
    ):
        fits = [_Fit(o, o, [], 1.0, "") for o in opens]
        fits[-1] = _Fit(
            opens[-1], opens[-1] - short, [(ResidualKind.BANK_FEE, short, "bank charges")], 0.9, ""
        )
        hyps.append(
            build(range(len(items)), fits, 0.94, "named items less a bank fee within the band", 0)
        )
    elif 0 < short <= policy.deduction_limit(
        total, stated=reason is not None
    ) and not _partial_stated(text, policy.reasons):
        why = _reason_text(text, reason, policy.reasons)
        fits = [_Fit(o, o, [], 1.0, "") for o in opens]
        fits[-1] = _Fit(
            opens[-1], opens[-1] - short, [(ResidualKind.DEDUCTION, short, why)], 0.88, ""
        )
        deduction = build(range(len(items)), fits, 0.88, "named items less a deduction", 0)
        hyps.append(deduction)
        if rate == 1 and cid:
            netted = _unnamed_credits(items, opens, short, payment, ctx)
            if netted:
                # Credit notes of the customer, not named, explain the shortfall to the cent:
                # that beats a deduction, which is then no longer sure either.
                _cap(deduction, doubt_bar, "open credit notes of the customer explain it too")
                if len(netted) == 1:
                    with_credits = [
                        (i, _Fit(o, o, [], 1.0, "")) for i, o in zip(items, opens, strict=True)
                    ]
                    with_credits += [(i, _Fit(o, o, [], 1.0, "")) for i, o in netted[0]]
                    hyps.append(
                        _Hyp(
                            with_credits,
                            0,
                            _ref_confidence(strength, 0.97, c_score, contra, w),
                            _said(
                                ref_note,
                                cust,
                                "the shortfall is exactly the open credit note(s) "
                                + ", ".join(i.item_id for i, _ in netted[0])
                                + " (not named)",
                            ),
                        )
                    )
        if _may_be_cut(payment, items, policy):
            # A list cut at the field's length: the shortfall may be documents not read.
            _cap(deduction, doubt_bar, "the text fills its field: the list may be cut")
        elif len(items) >= policy.long_list and reason is None:
            _cap(deduction, doubt_bar, "a long list paid short without a reason")
    elif short < 0:
        on_account = build(
            range(len(items)),
            exact,
            0.88,
            "named items paid in full, the rest on account",
            -short,
        )
        hyps.append(on_account)
        if _may_be_cut(payment, items, policy):
            _cap(on_account, doubt_bar, "the text fills its field: the list may be cut")
        elif len(items) >= policy.long_list:
            _cap(on_account, doubt_bar, "a long list overpaid")
        if -short * 100 > total:
            # Several documents named and much more paid: a list cut short or documents not
            # named, rather than a surplus; never posted on account without a person.
            _cap(on_account, doubt_bar, "much more paid than the named documents")
        if rate == 1 and cid and _cut_off(payment, items):
            said = _said(ref_note, cust, "")
            hyps.extend(_cut_list(said, items, -short, payment, ctx, strength, contra))
        if rate == 1 and cid:
            # The rest may be documents the payer did not name (or a list cut short).
            extra = _unnamed_rest(items, -short, payment, ctx)
            if extra:
                _cap(on_account, doubt_bar, "the rest is exactly other open documents")
                with_rest = [
                    (i, _Fit(o, o, [], 1.0, "")) for i, o in zip(items, opens, strict=True)
                ]
                with_rest += [(i, _Fit(o, o, [], 1.0, "")) for i, o in extra]
                typos = _misspelt([i for i, _ in extra], text, chits, ctx)
                hyps.append(
                    _Hyp(
                        with_rest,
                        0,
                        # The rest is the open amount of documents the text misspells: named
                        # after all, and confirmed by the amount.
                        _ref_confidence(strength, 0.97, c_score, contra, w) - w.misspelt_rest
                        if typos
                        else on_account.confidence,
                        _said(
                            ref_note,
                            cust,
                            "the rest is exactly the open amount of "
                            + ", ".join(i.item_id for i, _ in extra)
                            + (f" ({typos})" if typos else " (not named)"),
                        ),
                    )
                )
    # A subset of the named items.
    if len(items) <= policy.max_subset_items:
        for fits, quality in ((exact, 1.0), (disc_fits, 0.97)):
            subsets = _subset_sums([f.paid for f in fits], amount, policy.max_subset_size)
            if len(subsets) == 1 and len(subsets[0]) < len(items):
                subset = build(
                    subsets[0], fits, quality - 0.02, "a subset of the named items adds up", 0
                )
                hyps.append(subset)
                left = [items[k] for k in range(len(items)) if k not in subsets[0]]
                if rate == 1 and cid and any(opens[items.index(i)] < 0 for i in left):
                    # A credit note the payer names is netted, not left unpaid: an open
                    # invoice of its amount (named by a reference not read, or not named) makes
                    # the pair that adds nothing.
                    _cap(subset, doubt_bar, "a named credit note is left out")
                    pair = _zero_sum_pair(left, subset, ctx)
                    if pair is not None:
                        pair.confidence = _ref_confidence(
                            strength, quality - 0.02, c_score, contra, w
                        )
                        hyps.append(pair)
                break
            if len(subsets) > 1:
                for s in subsets:
                    hyps.append(build(s, fits, 0.8, "one of several subsets that add up", 0))
                break
    return hyps
