"""The tax engine's fast path equals its general path under every tie rule and step."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c import tax as tax_module
from o2c.money import Rounding, RoundingPolicy
from o2c.tax import TaxableLine, TaxPolicy, TaxResult, compute
from tests.test_tax import documents

#: Power-of-ten steps (written canonically or not) and steps that are not powers of ten.
_STEPS = [None, Decimal("0.01"), Decimal("0.10"), Decimal("1"), Decimal("0.05"), Decimal("0.25")]


def _both(lines: list[TaxableLine], code: str, policy: TaxPolicy) -> tuple[TaxResult, TaxResult]:
    fast = compute(lines, code, policy=policy)
    tax_module._FAST_PATH = False
    try:
        general = compute(lines, code, policy=policy)
    finally:
        tax_module._FAST_PATH = True
    return fast, general


@given(documents(), st.sampled_from(list(Rounding)), st.sampled_from(_STEPS))
def test_fast_path_equals_the_general_path_for_any_rounding(
    doc: tuple[str, list[TaxableLine]], mode: Rounding, step: Decimal | None
) -> None:
    code, lines = doc
    excluded = [
        attrs.evolve(ln, taxes=[attrs.evolve(t, price_included=False) for t in ln.taxes])
        for ln in lines
    ]
    policy = TaxPolicy(rounding=RoundingPolicy(rounding=mode, step=step))
    fast, general = _both(excluded, code, policy)
    assert fast == general
    assert fast.lines == general.lines
    assert fast.untaxed == general.untaxed
    assert str(fast.untaxed.amount) == str(general.untaxed.amount)


@pytest.mark.parametrize(
    ("step", "mode", "expected"),
    [
        (None, Rounding.HALF_UP, "1.13"),
        (None, Rounding.DOWN, "1.12"),
        (Decimal("0.05"), Rounding.HALF_UP, "1.15"),
        (Decimal("0.05"), Rounding.DOWN, "1.10"),
        (Decimal("0.10"), Rounding.HALF_EVEN, "1.1"),
    ],
)
def test_fast_path_rounds_line_nets_to_the_policy_step(
    step: Decimal | None, mode: Rounding, expected: str
) -> None:
    from o2c.money import money

    line = TaxableLine(quantity=Decimal(1), unit_price=money("1.125", "EUR"), taxes=[])
    policy = TaxPolicy(rounding=RoundingPolicy(rounding=mode, step=step))
    fast, general = _both([line], "EUR", policy)
    assert fast == general
    assert str(fast.line_total.amount) == expected


@given(documents())
def test_lines_group_alike_whether_or_not_they_share_tax_objects(
    doc: tuple[str, list[TaxableLine]],
) -> None:
    # Lines are grouped by the identity of their taxes tuple (line_taxes shares one per set of
    # tax objects); equal taxes held in different objects must give the very same result.
    code, lines = doc
    copies = [
        attrs.evolve(ln, taxes=[attrs.evolve(t) for t in ln.taxes]) for ln in lines
    ]  # every line now has tax objects of its own
    if any(ln.taxes for ln in lines):
        assert all(
            a.taxes is not b.taxes or not a.taxes for a, b in zip(lines, copies, strict=True)
        )
    shared = compute(lines, code)
    separate = compute(copies, code)
    assert shared == separate
    assert repr(shared) == repr(separate)
    assert shared.lines == separate.lines


def test_line_taxes_shares_one_tuple_per_set_of_tax_objects() -> None:
    from o2c.tax import Tax, line_taxes

    vat, reduced = Tax.vat("S19", "19"), Tax.vat("S7", "7")
    assert line_taxes([vat, reduced]) is line_taxes((vat, reduced))
    assert line_taxes(line_taxes([vat])) is line_taxes([vat])  # idempotent
    twin = Tax.vat("S19", "19")  # equal, another object
    assert line_taxes([twin]) == line_taxes([vat])
    assert line_taxes([twin])[0] is twin  # never swapped for an equal object
