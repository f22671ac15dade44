"""The allocation a payer's structured remittance states (camt.054 documents, X12 820 ``RMR``)."""

from __future__ import annotations

from o2c.cash_application.amounts import _Fit
from o2c.cash_application.candidates import _Context, _Item, _units
from o2c.cash_application.evidence import Evidence, EvidenceKind, _partial_stated
from o2c.cash_application.model import ResidualKind
from o2c.cash_application.payers import _Payer
from o2c.cash_application.reasons import ReasonKind, ReasonTable
from o2c.cash_application.scoring import _Hyp
from o2c.statement import Payment, RemittanceDocument

__all__ = []

#: Confidence of a complete structured remittance whose documents are all found by their
#: numbers (the payer's own statement of what it pays, adding up and consistent).
_STATED = 0.997
#: ... when some documents are found only by their stated amount among the open items of the
#: customer the payer is (the payer's own document numbers, or a number typed wrong).
_STATED_BY_AMOUNT = 0.97
#: The payer must look like one customer at least this much for a stated amount to name an item.
_PAYER_FOR_AMOUNT = 0.9


def _stated_gross(doc: RemittanceDocument) -> int | None:
    """What the document says the item was (amount due), else what it paid plus its deductions."""
    if doc.amount_due is not None:
        return _units(doc.amount_due)
    parts = (doc.amount_paid, doc.discount, doc.adjustment, doc.credit_note_amount)
    if doc.amount_paid is None or doc.is_credit_note:
        return None
    return sum(_units(p) for p in parts if p is not None)


def _item_by_amount(
    doc: RemittanceDocument, ctx: _Context, payer: _Payer, claimed: set[str]
) -> _Item | None:
    """The one open item of the payer's customer that the document's stated amount names."""
    gross = _stated_gross(doc)
    if gross is None or payer.best is None or payer.best_score < _PAYER_FOR_AMOUNT:
        return None
    fitting = [
        i
        for i in ctx.by_customer.get(payer.best, ())
        if ctx.remaining.get(i.item_id, 0) == gross and i.item_id not in claimed
    ]
    return fitting[0] if len(fitting) == 1 else None


def _document_item(
    doc: RemittanceDocument, ctx: _Context, payer: _Payer, claimed: set[str]
) -> tuple[_Item | None, bool]:
    """The open item a document names, and whether only its stated amount named it."""
    found = ctx.documents.lookup_number(doc.number) if doc.number else ()
    if not found and doc.creditor_reference:
        found = ctx.documents.lookup_number(doc.creditor_reference)
    if not found:
        return _item_by_amount(doc, ctx, payer, claimed), True
    live = [h for h in found if ctx.remaining.get(h.item_id, 0) != 0]
    if len(live) != 1 or live[0].item_id in claimed:
        return None, False
    return ctx.items[live[0].item_id], False


def _doubts(doc: RemittanceDocument, item: _Item, ctx: _Context, payer: _Payer) -> list[str]:
    """What speaks against the document being the item: the amount due, or the payer."""
    out = []
    remaining = ctx.remaining[item.item_id]
    if doc.amount_due is not None and doc.amount_due.currency.code == item.currency:
        # A credit note's amount due is written as a positive amount: it is the memo's size.
        due = (
            -_units(doc.amount_due)
            if remaining < 0 < _units(doc.amount_due)
            else _units(doc.amount_due)
        )
        if due not in (remaining, item.open_units, _units(item.item.original_amount)):
            out.append(
                f"{doc.number} is stated as due {doc.amount_due.amount}, but "
                f"{item.item_id} is open for {item.item.open_amount.amount}"
            )
    score = payer.scores.get(item.customer_id, 0.0)
    other = payer.best is not None and payer.best != item.customer_id
    if other and payer.best_score >= 0.9 and score < 0.5:
        out.append(f"the payer looks like customer {payer.best}, not {item.customer_id}")
    return out


def _stated_residuals(
    doc: RemittanceDocument, item: _Item, payment: Payment, reasons: ReasonTable
) -> list[tuple[ResidualKind, int, str]]:
    """The discount, adjustments and credit note the document states, as residuals."""
    residuals: list[tuple[ResidualKind, int, str]] = []
    if doc.discount is not None and doc.discount.amount:
        units = _units(doc.discount)
        if all(payment.value_date > deadline for deadline, _ in item.discounts):
            residuals.append((ResidualKind.DEDUCTION, units, "discount taken after the deadline"))
        else:
            residuals.append((ResidualKind.DISCOUNT, units, "early-payment discount"))
    if doc.adjustment is not None and doc.adjustment.amount:
        # The reason code read through the one reason table (camt Rsn, X12 ADX02 alike).
        code = doc.adjustment_reason or ""
        row = reasons.for_code(code)
        fee = row is not None and row.kind is ReasonKind.FEE
        kind = ResidualKind.BANK_FEE if fee else ResidualKind.DEDUCTION
        residuals.append((kind, _units(doc.adjustment), reasons.label(code)))
    if doc.credit_note_amount is not None and doc.credit_note_amount.amount:
        residuals.append(
            (ResidualKind.DEDUCTION, _units(doc.credit_note_amount), "credit note deducted")
        )
    return residuals


def _document_fit(
    doc: RemittanceDocument, item: _Item, payment: Payment, ctx: _Context, text: str
) -> _Fit | None:
    """How the document's stated amounts settle the item; ``None`` if they cannot."""
    remaining = ctx.remaining[item.item_id]
    residuals = _stated_residuals(doc, item, payment, ctx.policy.reasons)
    extra = sum(units for _, units, _ in residuals)
    signed = doc.signed_amount_paid
    paid = _units(signed) if signed is not None else remaining - extra
    applied = paid + extra
    if abs(applied) > abs(remaining) or (remaining > 0) != (applied > 0):
        return None
    short = remaining - applied
    if (
        0 < short <= ctx.policy.deduction_limit(remaining, stated=False)
        and not doc.adjustments
        and not _partial_stated(text, ctx.policy.reasons)
    ):
        residuals.append((ResidualKind.DEDUCTION, short, "short payment without a reason"))
        applied = remaining
    partial = applied != remaining
    return _Fit(applied, paid, residuals, 1.0, "stated by the payer", partial=partial)


def _structured_hypothesis(payment: Payment, ctx: _Context, payer: _Payer) -> _Hyp | None:
    """The allocation the payer's structured remittance states, when it is complete and adds up.

    Each referred document must name exactly one open item in the payment's currency (by its
    number, or, when the number names no document at all, by the amount it states among the
    open items of the customer the payer clearly is); what it says was paid goes to that item,
    its discount is a discount (a deduction after the deadline) and its adjustments are
    deductions with their reason codes.

    A structured reference is evidence like any other: when the amount it states as due is
    not the item's, or the payer is clearly another customer than the item's, the statement is
    only a suggestion (a digit typed wrong names another customer's document).  A document
    paid short without a stated reason, by no more than the deduction tolerance, is closed with
    an unexplained deduction (the same short-payment rule as for free text).
    """
    pay_ccy = payment.amount.currency.code
    fits: list[tuple[_Item, _Fit]] = []
    evidence = ["structured remittance:"]
    doubts: list[str] = []
    claimed: set[str] = set()
    by_amount = False
    text = f"{payment.reference} {payment.remittance_info}".upper()
    for doc in payment.documents:
        item, amount_only = _document_item(doc, ctx, payer, claimed)
        if item is None or item.currency != pay_ccy:
            return None
        fit = _document_fit(doc, item, payment, ctx, text)
        if fit is None:
            return None
        claimed.add(item.item_id)
        by_amount = by_amount or amount_only
        doubts.extend(_doubts(doc, item, ctx, payer))
        fits.append((item, fit))
        how = " (by its stated amount)" if amount_only else ""
        evidence.append(f"{doc.number or doc.creditor_reference} -> {item.item_id}{how}")
    if not fits or sum(f.paid for _, f in fits) != _units(payment.amount):
        return None
    # The payer's own statement of what it pays, adding up and consistent with the items and
    # the payer: above any inferred hypothesis.  With a doubt, a suggestion only.
    conf = _STATED_BY_AMOUNT if by_amount else _STATED
    if doubts:
        conf = ctx.policy.suggest_threshold + 0.2
    return _Hyp(
        fits,
        0,
        conf,
        [
            Evidence(EvidenceKind.REFERENCE, " ".join(evidence)),
            Evidence(EvidenceKind.AMOUNT, "the stated amounts add up to the payment"),
            *(Evidence(EvidenceKind.DOUBT, d) for d in doubts),
        ],
    )
