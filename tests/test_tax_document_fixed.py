"""A compound tax's base holds every earlier tax, document-level fixed amounts included."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.errors import InvalidTaxError
from o2c.money import money
from o2c.tax import RoundingMethod, Tax, TaxableLine, TaxPolicy, compute
from tests.test_tax import documents

FREIGHT = Tax.document_fixed("FREIGHT", "10.00")
ON_ALL = Tax.percent_of("C10", "10", compound=True)


@pytest.mark.parametrize("method", list(RoundingMethod))
def test_a_compound_tax_includes_a_document_fixed_amount(method: RoundingMethod) -> None:
    # Failed before: C10 was 10.00 (the freight's share was left out of its base).
    lines = [
        TaxableLine(quantity=1, unit_price=money("100.00", "EUR"), taxes=[FREIGHT, ON_ALL]),
        TaxableLine(quantity=2, unit_price=money("150.00", "EUR"), taxes=[FREIGHT, ON_ALL]),
    ]
    r = compute(lines, "EUR", policy=TaxPolicy(method=method))
    assert r.tax("FREIGHT").amount == Decimal("10.00")
    compound = {t.tax.id: t for t in r.taxes}["C10"]
    assert compound.base.amount == Decimal("410.00")
    shares = [[ta.amount.amount for ta in ln.taxes] for ln in r.lines]
    if method is RoundingMethod.PER_UNIT:  # a unit of line 2: 10 % of 153.75 is 15.38
        assert r.tax("C10").amount == Decimal("41.01")
        assert shares == [[Decimal("2.50"), Decimal("10.25")], [Decimal("7.50"), Decimal("30.76")]]
    else:
        assert r.tax("C10").amount == Decimal("41.00")  # 10 % of (400.00 + 10.00)
        assert shares == [[Decimal("2.50"), Decimal("10.25")], [Decimal("7.50"), Decimal("30.75")]]


def test_a_tax_affected_by_an_earlier_compound_tax_sees_the_fixed_amount_too() -> None:
    compound = Tax.percent_of("C10", "10", compound=True, affects_base_of_subsequent=True)
    vat = Tax.percent_of("VAT20", "20", base_affected_by_previous=True)
    line = TaxableLine(
        quantity=1, unit_price=money("100.00", "EUR"), taxes=[FREIGHT, compound, vat]
    )
    r = compute([line], "EUR")
    assert r.tax("C10").amount == Decimal("11.00")
    assert r.tax("VAT20").amount == Decimal("22.20")  # 20 % of (100.00 + 11.00)


def test_a_price_included_tax_cannot_sit_on_a_document_fixed_amount() -> None:
    included = Tax.percent_of("C10", "10", compound=True, price_included=True)
    line = TaxableLine(quantity=1, unit_price=money("110.00", "EUR"), taxes=[FREIGHT, included])
    with pytest.raises(InvalidTaxError, match="document-level fixed amount"):
        compute([line], "EUR")


@given(
    documents(max_lines=2),
    st.sampled_from(list(RoundingMethod)),
    st.integers(min_value=-5000, max_value=5000),
    st.booleans(),
)
def test_a_document_fixed_amount_reaches_a_compound_tax_base(
    doc: tuple[str, list[TaxableLine]], method: RoundingMethod, cents: int, compound: bool
) -> None:
    # The document-fixed amount reaches a compound tax's base (the one rule: a tax's base is
    # the net plus the amounts its definition includes, whatever their kind).
    code, lines = doc
    fixed = Tax.document_fixed("FIX", Decimal(cents).scaleb(-2))
    on_top = Tax.percent_of("ON", "5", compound=compound, sequence=1)
    mixed = [
        attrs.evolve(
            ln,
            taxes=[attrs.evolve(t, price_included=False) for t in ln.taxes]
            + ([fixed, on_top] if i % 2 == 0 else []),
        )
        for i, ln in enumerate(lines)
    ]
    policy = TaxPolicy(method=method)
    fast = compute(mixed, code, policy=policy)
    assert sum((ln.net.amount for ln in fast.lines), Decimal(0)) == fast.line_total.amount
    if method is RoundingMethod.PER_UNIT:
        return  # a unit carries a rounded quotient of the line's share
    # The fixed amount reaches ON's exact amount exactly when ON is compound.
    without = compute(
        [attrs.evolve(ln, taxes=[t for t in ln.taxes if t.id != "FIX"]) for ln in mixed],
        code,
        policy=policy,
    )
    raw = {t.tax.id: t.raw_amount for t in fast.taxes}
    before = {t.tax.id: t.raw_amount for t in without.taxes}
    fixed_total = fast.tax("FIX").amount
    expected = Decimal("0.05") * fixed_total if compound else Decimal(0)
    assert raw["ON"] - before["ON"] == expected
