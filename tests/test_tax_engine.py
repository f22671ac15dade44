"""The tax engine's one implementation: EN 16931 global rounding stated independently, under
every tie rule and step, and lines grouped alike whether or not they share tax objects."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.money import Rounding, RoundingPolicy, quantize_decimal
from o2c.tax import Tax, TaxableLine, TaxKind, TaxPolicy, compute, line_taxes
from tests.test_tax import documents

#: Power-of-ten steps (written canonically or not) and steps that are not powers of ten.
_STEPS = [None, Decimal("0.01"), Decimal("0.10"), Decimal("1"), Decimal("0.05"), Decimal("0.25")]


@given(documents(), st.sampled_from(list(Rounding)), st.sampled_from(_STEPS))
def test_global_rounding_of_price_excluded_lines_for_any_rounding(
    doc: tuple[str, list[TaxableLine]], mode: Rounding, step: Decimal | None
) -> None:
    # EN 16931 by hand: each line net rounded, each tax's base the sum of its lines' nets, a
    # percent tax's amount its rate times the rounded base, rounded; the lines sum to it.
    code, lines = doc
    excluded = [
        attrs.evolve(ln, taxes=[attrs.evolve(t, price_included=False) for t in ln.taxes])
        for ln in lines
    ]
    policy = TaxPolicy(rounding=RoundingPolicy(rounding=mode, step=step))
    unit = policy.step_for(code)
    result = compute(excluded, code, policy=policy)
    nets = [
        quantize_decimal(
            ln.quantity * ln.unit_price.amount * (100 - ln.discount_percent) / 100, unit, mode
        )
        for ln in excluded
    ]
    assert [ln.net.amount for ln in result.lines] == nets
    assert result.untaxed.amount == sum(nets, Decimal(0))
    for total in result.taxes:
        t = total.tax
        base = sum(
            (net for ln, net in zip(excluded, nets, strict=True) if t in ln.taxes), Decimal(0)
        )
        assert total.base.amount == quantize_decimal(base, unit, mode)
        if t.kind is TaxKind.PERCENT:
            expected = quantize_decimal(total.base.amount * t.percent / 100, unit, mode)
            assert total.amount.amount == expected
        on_lines = [a.amount.amount for ln in result.lines for a in ln.taxes if a.tax.id == t.id]
        assert sum(on_lines, Decimal(0)) == total.amount.amount


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
def test_line_nets_are_rounded_to_the_policy_step(
    step: Decimal | None, mode: Rounding, expected: str
) -> None:
    from o2c.money import money

    line = TaxableLine(quantity=Decimal(1), unit_price=money("1.125", "EUR"), taxes=[])
    policy = TaxPolicy(rounding=RoundingPolicy(rounding=mode, step=step))
    result = compute([line], "EUR", policy=policy)
    assert str(result.line_total.amount) == expected
    assert str(result.lines[0].net.amount) == expected


@given(documents())
def test_lines_group_alike_whether_or_not_they_share_tax_objects(
    doc: tuple[str, list[TaxableLine]],
) -> None:
    # Lines are grouped by the value of their taxes; equal taxes held in different objects must
    # give the very same result.
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


def test_line_taxes_keeps_the_tax_objects_it_is_given() -> None:
    vat, reduced = Tax.vat("S19", "19"), Tax.vat("S7", "7")
    assert line_taxes([vat, reduced]) == line_taxes((vat, reduced)) == (vat, reduced)
    assert line_taxes(line_taxes([vat])) == (vat,)  # idempotent
    twin = Tax.vat("S19", "19")  # equal, another object
    assert line_taxes([twin]) == line_taxes([vat])
    assert line_taxes([twin])[0] is twin  # never swapped for an equal object


def test_record_builders_match_their_namedtuples() -> None:
    """tax_rows_of and line_columns build in C from fields in order: the same records as the
    NamedTuple constructors by keyword (a reordered field fails here)."""
    from o2c.tax.result import LineColumns, TaxRow, line_columns, tax_rows_of

    vat, low = Tax.vat("S19", "19"), Tax.vat("S7", "7")
    d = [Decimal("1.00"), Decimal("2.00")]
    rows = tax_rows_of((vat, low), d, d[::-1], [Decimal("0.19"), Decimal("0.14")])
    assert rows == (
        TaxRow(tax=vat, base=d[0], amount=d[1], raw=Decimal("0.19")),
        TaxRow(tax=low, base=d[1], amount=d[0], raw=Decimal("0.14")),
    )
    assert [type(r) for r in rows] == [TaxRow, TaxRow]
    assert rows[0].amount == d[1]
    assert rows[1].raw == Decimal("0.14")
    fields = {
        "amounts": d,
        "grosses": d[::-1],
        "of_line": [0, 1],
        "plans": [],
        "plan_grosses": [Decimal("3.00")],
        "linear": True,
        "zero": Decimal("0.00"),
    }
    built = line_columns(**fields)  # type: ignore[arg-type]
    assert type(built) is LineColumns
    assert built == LineColumns(**fields)  # type: ignore[arg-type]
    assert built._asdict() == fields
    with pytest.raises(ValueError, match="zip"):  # four columns of one length each
        tax_rows_of((vat,), d, d, d)
