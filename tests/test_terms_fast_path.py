"""The terms fast path clamps a discount to the instalment and to zero as the general path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.money import Rounding, RoundingPolicy, from_minor, minor_units, money
from o2c.terms import BaselineSource, PaymentTerms
from tests.strategies import document_dates
from tests.test_terms import SIMPLE_TERMS, _both_paths


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
def test_fast_path_clamps_the_discount_like_the_general_path(
    total: str, mode: Rounding, step: Decimal | None, discount: str
) -> None:
    # Per-instalment offers: the fast path decides even with a step coarser than the cent.
    terms = PaymentTerms.parse("2/10 net 30 scope=instalment")
    from o2c import terms as terms_module

    assert terms_module._terms_plan(terms) is not None
    rounding = RoundingPolicy(rounding=mode, step=step)
    fast, general = _both_paths(terms, dt.date(2026, 3, 2), money(total, "EUR"), rounding=rounding)
    assert fast == general
    assert repr(fast) == repr(general)
    assert str(fast.instalments[0].discounts[0].amount.amount) == discount


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
    from o2c import terms as terms_module

    terms = PaymentTerms.parse(text)
    total = from_minor(units, code)
    if extra_digit:  # one decimal more than the currency has: schedule() refuses it
        total = money(total.amount + Decimal(1).scaleb(-minor_units(code) - 1), code)
    rounding = RoundingPolicy(rounding=mode, step=step)
    quick = terms_module._document_schedule(terms, day, total, rounding)
    fast, general = _both_paths(terms, day, total, rounding=rounding)
    assert fast == general
    if terms.baseline is not BaselineSource.DOCUMENT or terms.baseline_rules:
        assert quick is None
    if units < 0 or extra_digit:
        assert quick is None
        assert isinstance(general, tuple)  # schedule() raises
    if quick is not None:
        assert quick == general
        assert repr(quick) == repr(general)


def test_the_invoice_entry_decides_the_common_terms() -> None:
    from o2c import terms as terms_module

    terms = PaymentTerms.parse("2/10 net 30")
    day = dt.date(2026, 3, 2)
    quick = terms_module._document_schedule(terms, day, money("1000.00", "EUR"), RoundingPolicy())
    assert quick is not None
    assert quick == terms.schedule(day, money("1000.00", "EUR"))
    assert quick.instalments[0].discounts[0].amount == money("20.00", "EUR")
