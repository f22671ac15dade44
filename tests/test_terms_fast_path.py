"""The terms fast path clamps a discount to the instalment and to zero as the general path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from o2c.money import Rounding, RoundingPolicy, money
from o2c.terms import PaymentTerms
from tests.test_terms import _both_paths


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
