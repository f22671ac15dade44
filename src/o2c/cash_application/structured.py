"""The allocation a payer's structured remittance states."""

from __future__ import annotations

from o2c.cash_application.amounts import _Fit
from o2c.cash_application.candidates import _Context, _Item, _units
from o2c.cash_application.evidence import _partial_stated
from o2c.cash_application.model import ResidualKind
from o2c.cash_application.payers import _Payer
from o2c.cash_application.scoring import _Hyp
from o2c.statement import Payment

__all__ = []


def _structured_hypothesis(payment: Payment, ctx: _Context, payer: _Payer) -> _Hyp | None:
    """The allocation the payer's structured remittance states, when it is complete and adds up.

    Each referred document must name exactly one open item in the payment's currency; what
    it says was paid goes to that item, its discount is a discount (a deduction after the
    deadline) and its adjustments are deductions with their reason codes.

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
    total_paid = 0
    text = f"{payment.reference} {payment.remittance_info}".upper()
    for doc in payment.documents:
        found = ctx.documents.lookup_number(doc.number) if doc.number else ()
        if not found and doc.creditor_reference:
            found = ctx.documents.lookup_number(doc.creditor_reference)
        live = [h for h in found if ctx.remaining.get(h.item_id, 0) != 0]
        if len(live) != 1:
            return None
        item = ctx.items[live[0].item_id]
        if item.currency != pay_ccy:
            return None
        remaining = ctx.remaining[item.item_id]
        if doc.amount_due is not None and doc.amount_due.currency.code == item.currency:
            due = _units(doc.amount_due)
            if due not in (remaining, item.open_units, _units(item.item.original_amount)):
                doubts.append(
                    f"{doc.number} is stated as due {doc.amount_due.amount}, but "
                    f"{item.item_id} is open for {item.item.open_amount.amount}"
                )
        score = payer.scores.get(item.customer_id, 0.0)
        other = payer.best is not None and payer.best != item.customer_id
        if other and payer.best_score >= 0.9 and score < 0.5:
            doubts.append(f"the payer looks like customer {payer.best}, not {item.customer_id}")
        residuals: list[tuple[ResidualKind, int, str]] = []
        if doc.discount is not None and doc.discount.amount:
            units = _units(doc.discount)
            late = all(payment.value_date > deadline for deadline, _ in item.discounts)
            if late:
                residuals.append(
                    (ResidualKind.DEDUCTION, units, "discount taken after the deadline")
                )
            else:
                residuals.append((ResidualKind.DISCOUNT, units, "early-payment discount"))
        if doc.adjustment is not None and doc.adjustment.amount:
            reason = doc.adjustment_reason or "adjustment stated in the remittance"
            residuals.append((ResidualKind.DEDUCTION, _units(doc.adjustment), reason))
        if doc.credit_note_amount is not None and doc.credit_note_amount.amount:
            residuals.append(
                (ResidualKind.DEDUCTION, _units(doc.credit_note_amount), "credit note deducted")
            )
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
            and not _partial_stated(text)
        ):
            residuals.append((ResidualKind.DEDUCTION, short, "short payment without a reason"))
            applied = remaining
        partial = applied != remaining
        fits.append(
            (item, _Fit(applied, paid, residuals, 1.0, "stated by the payer", partial=partial))
        )
        total_paid += paid
        evidence.append(f"{doc.number or doc.creditor_reference} -> {item.item_id}")
    if not fits or total_paid != _units(payment.amount):
        return None
    # The payer's own statement of what it pays, adding up and consistent with the items and
    # the payer: above any inferred hypothesis.  With a doubt, a suggestion only.
    conf = 0.997 if not doubts else ctx.policy.suggest_threshold + 0.2
    return _Hyp(
        fits,
        0,
        conf,
        [" ".join(evidence), "the stated amounts add up to the payment", *doubts],
    )
