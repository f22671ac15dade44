"""Schedules clamp a discount to the instalment and to zero, and an invoice keeps the schedule.

These examples and properties compared a fast path with the general one; there is one path now
(a plan compiled once per terms), and they hold for it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from o2c.invoice import InvoiceTotals
from o2c.invoice import document as invoice_document
from o2c.money import Rounding, RoundingPolicy, from_minor, minor_units, money
from o2c.tax import TaxPolicy
from o2c.terms import PaymentTerms
from tests.strategies import document_dates
from tests.test_terms import SIMPLE_TERMS, _attempt


@pytest.mark.parametrize(
    ("total", "mode", "step", "discount"),
    [
        ("0.01", Rounding.CEILING, Decimal("1"), "0.01"),  # rounds above the instalment
        ("0.01", Rounding.UP, Decimal("0.05"), "0.01"),
        ("0.00", Rounding.HALF_UP, Decimal("0.1"), "0.00"),  # zero keeps the currency's exponent
        ("0.00", Rounding.HALF_UP, None, "0.00"),
        ("0.24", Rounding.FLOOR, Decimal("1"), "0.00"),
        ("100.00", Rounding.HALF_UP, None, "2.00"),
    ],
)
def test_the_discount_is_clamped_to_the_instalment_and_to_zero(
    total: str, mode: Rounding, step: Decimal | None, discount: str
) -> None:
    # Per-instalment offers, with a step coarser than the cent.
    terms = PaymentTerms.parse("2/10 net 30 scope=instalment")
    rounding = RoundingPolicy(rounding=mode, step=step)
    s = terms.schedule(dt.date(2026, 3, 2), money(total, "EUR"), rounding=rounding)
    (offer,) = s.instalments[0].discounts
    assert str(offer.amount.amount) == discount
    assert offer.amount_due == money(total, "EUR") - offer.amount


@given(
    st.sampled_from([*SIMPLE_TERMS, "net 30 baseline=eom", "2/10 net 30 ROG"]),
    document_dates,
    st.sampled_from(["EUR", "JPY", "KWD"]),
    st.integers(min_value=-5, max_value=10**9),
    st.sampled_from([0, 1]),
    st.sampled_from(list(Rounding)),
    st.sampled_from([None, Decimal("0.05"), Decimal("1")]),
)
def test_the_invoice_schedule_is_the_one_schedule_gives_or_none(
    text: str,
    day: dt.date,
    code: str,
    units: int,
    extra_digit: int,
    mode: Rounding,
    step: Decimal | None,
) -> None:
    # Invoice.create asks PaymentTerms.schedule once: it keeps its answer, or None where
    # schedule() refuses (terms counted from a delivery not given, amounts off the currency's
    # step) and for a negative amount due.
    terms = PaymentTerms.parse(text)
    total = from_minor(units, code)
    if extra_digit:  # one decimal more than the currency has: schedule() refuses it
        total = money(total.amount + Decimal(1).scaleb(-minor_units(code) - 1), code)
    policy = TaxPolicy(rounding=RoundingPolicy(rounding=mode, step=step))
    kept = invoice_document._schedule(terms, day, _totals_due(total), None, policy)
    general = _attempt(terms, day, total, rounding=policy.rounding)
    if units < 0 or isinstance(general, tuple):  # schedule() raises (or is not asked)
        assert kept is None
    else:
        assert kept == general
        assert repr(kept) == repr(general)


def _totals_due(total: Money) -> InvoiceTotals:
    """Invoice totals whose amount due is ``total`` (the rest zero)."""
    zero = Decimal(0)
    return InvoiceTotals(
        currency=total.currency,
        line_total=total.amount,
        allowance_total=zero,
        charge_total=zero,
        untaxed=total.amount,
        tax_total=zero,
        total_with_tax=total.amount,
        prepaid=zero,
        rounding_amount=zero,
        withholding_total=zero,
        amount_due=total.amount,
    )


def test_the_invoice_keeps_the_schedule_of_the_common_terms() -> None:
    terms = PaymentTerms.parse("2/10 net 30")
    day = dt.date(2026, 3, 2)
    total = money("1000.00", "EUR")
    kept = invoice_document._schedule(terms, day, _totals_due(total), None, TaxPolicy())
    assert kept is not None
    assert kept == terms.schedule(day, total)
    assert kept.instalments[0].discounts[0].amount == money("20.00", "EUR")
