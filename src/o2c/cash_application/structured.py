"""The allocation a payer's structured remittance states."""

from __future__ import annotations

from typing import TYPE_CHECKING

from o2c.statement import Payment

if TYPE_CHECKING:
    pass

from o2c.cash_application.amounts import _Fit
from o2c.cash_application.candidates import _Context, _Item, _units
from o2c.cash_application.model import ResidualKind
from o2c.cash_application.payers import _Payer
from o2c.cash_application.scoring import _Hyp

__all__ = []


def _structured_hypothesis(payment: Payment, ctx: _Context, payer: _Payer) -> _Hyp | None:
    """The allocation the payer's structured remittance states, when it is complete and adds up.

    Each referred document must name exactly one open item in the payment's currency; what
    it says was paid goes to that item, its discount is a discount (a deduction after the
    deadline) and its adjustments are deductions with their reason codes.
    """
    pay_ccy = payment.amount.currency.code
    fits: list[tuple[_Item, _Fit]] = []
    evidence = ["structured remittance:"]
    total_paid = 0
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
        partial = applied != remaining
        fits.append(
            (item, _Fit(applied, paid, residuals, 1.0, "stated by the payer", partial=partial))
        )
        total_paid += paid
        evidence.append(f"{doc.number or doc.creditor_reference} -> {item.item_id}")
    if not fits or total_paid != _units(payment.amount):
        return None
    # The payer's own statement of what it pays, adding up: above any inferred hypothesis.
    conf = 0.997
    return _Hyp(fits, 0, conf, [" ".join(evidence), "the stated amounts add up to the payment"])
