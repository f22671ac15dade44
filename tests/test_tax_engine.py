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
    """The engine builds TaxColumns and LineColumns in C from their fields in order: the same
    records as the NamedTuple constructors by keyword (a reordered field fails here)."""
    from o2c.tax.result import LineColumns, TaxColumns, _new_line_columns, _new_tax_columns

    vat, low = Tax.vat("S19", "19"), Tax.vat("S7", "7")
    d = (Decimal("1.00"), Decimal("2.00"))
    raws = (Decimal("0.19"), Decimal("0.14"))
    columns = {"taxes": (vat, low), "bases": d, "amounts": d[::-1], "raws": raws}
    built = _new_tax_columns(tuple(columns.values()))
    assert type(built) is TaxColumns
    assert built == TaxColumns(**columns)  # type: ignore[arg-type]
    assert built._asdict() == columns
    fields = {
        "amounts": list(d),
        "grosses": list(d[::-1]),
        "of_line": [0, 1],
        "plans": (),
        "plan_grosses": [Decimal("3.00")],
        "zero": Decimal("0.00"),
    }
    lines = _new_line_columns(tuple(fields.values()))
    assert type(lines) is LineColumns
    assert lines == LineColumns(**fields)  # type: ignore[arg-type]
    assert lines._asdict() == fields
    # The engine's own records, field by field (a call site passing them out of order fails).
    from o2c.money import money

    line = TaxableLine(quantity=Decimal(2), unit_price=money("10.005", "EUR"), taxes=[vat])
    result = compute([line], "EUR")
    kept = result._rows
    assert isinstance(kept, LineColumns)
    assert kept.amounts == [Decimal("20.010")]
    assert kept.grosses == [Decimal("20.01")]
    assert kept.of_line == [0]
    assert [plan.taxes for plan in kept.plans] == [(vat,)]
    assert kept.plan_grosses == [Decimal("20.01")]
    assert str(kept.zero) == "0.00"
    assert result._tax_columns == TaxColumns(
        taxes=(vat,),
        bases=(Decimal("20.01"),),
        amounts=(Decimal("3.80"),),
        raws=(Decimal("3.8019"),),
    )
