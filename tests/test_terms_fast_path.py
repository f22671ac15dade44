"""Schedules clamp a discount to the instalment and to zero, and the invoice's entry agrees.

These examples and properties compared a fast path with the general one; there is one path now
(a plan compiled once per terms), and they hold for it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.money import Rounding, RoundingPolicy, from_minor, minor_units, money
from o2c.terms import BaselineSource, PaymentTerms, _document_schedule
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
def test_the_invoice_entry_gives_the_schedule_or_leaves_it_to_schedule(
    text: str,
    day: dt.date,
    code: str,
    units: int,
    extra_digit: int,
    mode: Rounding,
    step: Decimal | None,
) -> None:
    # Invoice.create asks _document_schedule first: it must answer what schedule() answers, or
    # None (for terms not counted from the document date itself, or amounts schedule() refuses).
    terms = PaymentTerms.parse(text)
    total = from_minor(units, code)
    if extra_digit:  # one decimal more than the currency has: schedule() refuses it
        total = money(total.amount + Decimal(1).scaleb(-minor_units(code) - 1), code)
    rounding = RoundingPolicy(rounding=mode, step=step)
    quick = _document_schedule(terms, day, total, rounding)
    general = _attempt(terms, day, total, rounding=rounding)
    if terms.baseline is not BaselineSource.DOCUMENT or terms.baseline_rules:
        assert quick is None
    if units < 0 or extra_digit:
        assert quick is None
        assert isinstance(general, tuple)  # schedule() raises
    if quick is not None:
        assert quick == general
        assert repr(quick) == repr(general)


def test_the_invoice_entry_decides_the_common_terms() -> None:
    terms = PaymentTerms.parse("2/10 net 30")
    day = dt.date(2026, 3, 2)
    quick = _document_schedule(terms, day, money("1000.00", "EUR"), RoundingPolicy())
    assert quick is not None
    assert quick == terms.schedule(day, money("1000.00", "EUR"))
    assert quick.instalments[0].discounts[0].amount == money("20.00", "EUR")
