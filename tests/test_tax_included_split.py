"""Global rounding with price-included taxes: every line's net plus its taxes is its gross.

The document rounds each tax once (EN 16931); the lines' parts of those amounts are placed by the
remainder rule of ``o2c.tax.rounding._split_included`` so that each line adds up on its own
and the lines add up to the document.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.money import Rounding, RoundingPolicy, minor_unit, money, quantize_decimal
from o2c.tax import (
    AllowanceCharge,
    ChargeKind,
    IncludedRounding,
    Tax,
    TaxableLine,
    TaxKind,
    TaxPolicy,
    TaxResult,
    compute,
)
from tests.strategies import currency_codes, tax_percents

_INCLUDED = st.sampled_from(list(IncludedRounding))
_MODES = st.sampled_from([Rounding.HALF_UP, Rounding.HALF_EVEN, Rounding.DOWN, Rounding.CEILING])


_POOL_SIZE = st.integers(min_value=1, max_value=3)
_LINE_COUNT = st.integers(min_value=1, max_value=4)
_MASKS = st.integers(min_value=1, max_value=7)
_CENTS = st.integers(min_value=-(10**5), max_value=10**7)
_QUANTITY = st.sampled_from([Decimal(1), Decimal(3), Decimal("0.5"), Decimal("2.125"), Decimal(7)])
_DISCOUNT = st.sampled_from([Decimal(0), Decimal(0), Decimal(10), Decimal("2.5")])


@st.composite
def included_documents(draw: st.DrawFn) -> tuple[str, list[TaxableLine], list[AllowanceCharge]]:
    """Lines mixing price-included and price-excluded percent taxes, some with two included
    taxes, some negative, and now and then a charge carrying one of the included taxes."""
    code = draw(currency_codes)
    unit = minor_unit(code)
    pool = [
        Tax.percent_of(f"T{i}", draw(tax_percents), price_included=i == 0 or draw(st.booleans()))
        for i in range(draw(_POOL_SIZE))
    ]
    lines = []
    for _ in range(draw(_LINE_COUNT)):
        mask = draw(_MASKS)
        lines.append(
            TaxableLine(
                quantity=draw(_QUANTITY),
                unit_price=money(draw(_CENTS) * unit, code),
                taxes=[t for i, t in enumerate(pool) if mask >> i & 1],
                discount_percent=draw(_DISCOUNT),
            )
        )
    charges = []
    if draw(st.booleans()):
        charges.append(
            AllowanceCharge(
                kind=ChargeKind.ALLOWANCE if draw(st.booleans()) else ChargeKind.CHARGE,
                amount=money(draw(_CENTS) * unit, code),
                taxes=[pool[0]],
            )
        )
    return code, lines, charges


def _included(tax: Tax) -> bool:
    return tax.price_included


def _check_lines(result: TaxResult, method: IncludedRounding) -> None:
    for ln in result.lines:
        inc = sum((t.amount.amount for t in ln.taxes if _included(t.tax)), Decimal(0))
        assert ln.net.amount + inc + ln.rounding_adjustment.amount == ln.gross.amount
        if method is not IncludedRounding.INDEPENDENT:
            assert ln.rounding_adjustment.amount == 0


@given(included_documents(), _INCLUDED, _MODES)
def test_net_plus_included_taxes_is_the_gross_on_every_line(
    doc: tuple[str, list[TaxableLine], list[AllowanceCharge]],
    method: IncludedRounding,
    mode: Rounding,
) -> None:
    code, lines, charges = doc
    policy = TaxPolicy(included=method, rounding=RoundingPolicy(rounding=mode))
    r = compute(lines, code, policy=policy, charges=charges)
    _check_lines(r, method)
    every = r.lines + r.charges
    # The lines add up to the document, tax by tax and in total.
    assert sum((ln.net.amount for ln in r.lines), Decimal(0)) == r.line_total.amount
    assert sum((ln.rounding_adjustment.amount for ln in every), Decimal(0)) == (
        r.rounding_adjustment.amount
    )
    per_tax: dict[str, Decimal] = {}
    for ln in every:
        for ta in ln.taxes:
            per_tax[ta.tax.id] = per_tax.get(ta.tax.id, Decimal(0)) + ta.amount.amount
    assert per_tax == {t.tax.id: t.amount.amount for t in r.taxes}
    gross = sum((ln.gross.amount for ln in r.lines), Decimal(0))
    included = sum(
        (ta.amount.amount for ln in r.lines for ta in ln.taxes if _included(ta.tax)), Decimal(0)
    )
    assert (
        r.line_total.amount
        + included
        + sum((ln.rounding_adjustment.amount for ln in r.lines), Decimal(0))
        == gross
    )
    # Each tax is rounded once over the document (the last included tax absorbs the rest
    # only under TAX_FROM_GROSS).
    step = policy.step_for(code)
    if method is not IncludedRounding.TAX_FROM_GROSS:
        for t in r.taxes:
            if t.tax.price_included:
                assert t.amount.amount == quantize_decimal(t.raw_amount, step, mode)
            else:
                rate = t.tax.percent / 100
                assert t.amount.amount == quantize_decimal(t.base.amount * rate, step, mode)
    # Every part within a couple of steps of its exact value.
    for ln in r.lines:
        assert abs(ln.rounding_adjustment.amount) <= 2 * step * max(1, len(r.lines))


@given(included_documents(), _INCLUDED)
def test_the_split_negates_exactly(
    doc: tuple[str, list[TaxableLine], list[AllowanceCharge]], method: IncludedRounding
) -> None:
    code, lines, _charges = doc
    policy = TaxPolicy(included=method)
    r = compute(lines, code, policy=policy)
    neg = compute(
        [
            TaxableLine(
                quantity=-ln.quantity,
                unit_price=ln.unit_price,
                taxes=ln.taxes,
                discount_percent=ln.discount_percent,
            )
            for ln in lines
        ],
        code,
        policy=policy,
    )
    assert [ln.net.amount for ln in neg.lines] == [-ln.net.amount for ln in r.lines]
    assert [[t.amount.amount for t in ln.taxes] for ln in neg.lines] == [
        [-t.amount.amount for t in ln.taxes] for ln in r.lines
    ]


@pytest.mark.parametrize("method", list(IncludedRounding))
def test_four_lines_at_21_percent_included(method: IncludedRounding) -> None:
    vat = Tax.percent_of("VAT21", "21", price_included=True)
    prices = ("11.90", "2.80", "0.99", "1.01")
    lines = [TaxableLine(quantity=1, unit_price=money(p, "EUR"), taxes=[vat]) for p in prices]
    r = compute(lines, "EUR", policy=TaxPolicy(included=method))
    assert r.tax("VAT21").amount == Decimal("2.90")  # round(16.70 x 21 / 121) = round(2.8983)
    assert [(ln.net.amount, ln.taxes[0].amount.amount) for ln in r.lines] == [
        (Decimal("9.83"), Decimal("2.07")),
        (Decimal("2.31"), Decimal("0.49")),
        (Decimal("0.82"), Decimal("0.17")),
        (Decimal("0.84"), Decimal("0.17")),
    ]
    _check_lines(r, method)


def test_a_charge_sharing_an_included_tax_leaves_the_lines_nets_alone() -> None:
    # The charge's part of VAT21 is computed on top of the charge; it used to be taken from
    # the price-included lines' nets too (net 97.90 for a gross of 121.00 at 21 %).
    vat = Tax.percent_of("VAT21", "21", price_included=True)
    charge = AllowanceCharge(kind=ChargeKind.CHARGE, amount=money("10", "EUR"), taxes=[vat])
    line = TaxableLine(quantity=1, unit_price=money("121", "EUR"), taxes=[vat])
    for method in IncludedRounding:
        r = compute([line], "EUR", charges=[charge], policy=TaxPolicy(included=method))
        assert r.lines[0].net.amount == Decimal("100.00")
        assert r.untaxed.amount == Decimal("110.00")
        assert r.tax("VAT21").amount == Decimal("23.10")
        assert r.total.amount == Decimal("133.10")
        assert r.taxes[0].tax.kind is TaxKind.PERCENT
