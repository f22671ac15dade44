"""The tax features ERPs have (issue 20 item 5): reverse charge with the buyer's self-assessed
tax, item-level rate overrides, taxes on a previous row's amount or running total, and cash
rounding folded into a tax."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.errors import InvalidTaxError
from o2c.money import CashRounding, money
from o2c.tax import (
    RateQuote,
    RoundingMethod,
    Tax,
    TaxableLine,
    TaxCategory,
    TaxPolicy,
    compute,
    restate,
)

prices = st.decimals(min_value=Decimal("-5000"), max_value=Decimal("5000"), places=2)
quantities = st.decimals(min_value=Decimal("0"), max_value=Decimal("50"), places=3)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("30"), places=2)
methods = st.sampled_from(list(RoundingMethod))


def _line(qty: object, price: object, *taxes: Tax, currency: str = "EUR") -> TaxableLine:
    return TaxableLine(quantity=qty, unit_price=money(price, currency), taxes=list(taxes))


# -- reverse charge ----------------------------------------------------------------------------


def test_reverse_charge_shows_zero_and_reports_the_self_assessed_tax() -> None:
    rc = Tax.reverse_charge("AE19", "19")
    s19 = Tax.vat("S19", "19")
    r = compute([_line(3, "33.33", rc), _line(1, "10.00", s19)], "EUR")
    assert r.tax("AE19").amount == 0
    assert r.tax_total.amount == Decimal("1.90")
    assert r.total.amount == Decimal("111.89")  # 99.99 + 10.00 + 1.90: nothing self-assessed
    [ae] = r.self_assessed
    assert (ae.category, ae.percent, ae.base.amount) == (
        TaxCategory.REVERSE_CHARGE,
        Decimal("19"),
        Decimal("99.99"),
    )
    assert ae.raw_amount == Decimal("18.9981")
    assert ae.amount.amount == Decimal("19.00")
    assert ae.tax_ids == ("AE19",)
    # The breakdown row of AE stays at 0 % and 0.00 (BR-AE-08/09).
    row = next(b for b in r.breakdown if b.category is TaxCategory.REVERSE_CHARGE)
    assert (row.percent, row.amount.amount, row.exemption_reason_code) == (
        Decimal("0"),
        Decimal("0.00"),
        "VATEX-EU-AE",
    )


def test_self_assessed_groups_by_rate() -> None:
    a = Tax.reverse_charge("AE19", "19")
    b = Tax.reverse_charge("AE7", "7")
    c = Tax.reverse_charge("AE19b", "19.0", reason="Article 196")
    r = compute([_line(1, "100", a), _line(1, "50", b), _line(1, "20", c)], "EUR")
    got = [(x.percent, x.base.amount, x.amount.amount, x.tax_ids) for x in r.self_assessed]
    assert got == [
        (Decimal("19"), Decimal("120.00"), Decimal("22.80"), ("AE19", "AE19b")),
        (Decimal("7"), Decimal("50.00"), Decimal("3.50"), ("AE7",)),
    ]


def test_no_reverse_charge_reports_nothing() -> None:
    assert compute([_line(1, "10", Tax.vat("S", 19))], "EUR").self_assessed == ()


def test_self_assessed_rate_only_on_reverse_charge() -> None:
    with pytest.raises(InvalidTaxError, match="self_assessed_percent"):
        Tax.vat("S19", 19, self_assessed_percent=19)
    with pytest.raises(InvalidTaxError, match="zero-rated by definition"):
        Tax.vat("AE", 19, TaxCategory.REVERSE_CHARGE, reason="x")


@given(
    st.lists(st.tuples(quantities, prices, st.booleans()), min_size=1, max_size=6),
    rates,
    methods,
)
def test_self_assessed_is_base_times_rate_exactly(
    rows: list[tuple[Decimal, Decimal, bool]], rate: Decimal, method: RoundingMethod
) -> None:
    rc = Tax.reverse_charge("AE", rate)
    plain = Tax.vat("AE", 0, TaxCategory.REVERSE_CHARGE, reason="Reverse charge")
    s = Tax.vat("S21", 21)
    policy = TaxPolicy(method=method)
    lines = [_line(q, p, rc if on else s) for q, p, on in rows]
    r = compute(lines, "EUR", policy=policy)
    # The self-assessment never touches the invoice: the same document with a plain AE tax.
    same = compute([_line(q, p, plain if on else s) for q, p, on in rows], "EUR", policy=policy)
    assert r.total == same.total
    assert r.tax_total == same.tax_total
    if not any(on for _, _, on in rows):
        assert r.self_assessed == ()
        return
    [ae] = r.self_assessed
    assert ae.base.amount == r.taxes[[t.tax.id for t in r.taxes].index("AE")].base.amount
    assert ae.raw_amount == ae.base.amount * rate / 100
    assert abs(ae.amount.amount - ae.raw_amount) <= Decimal("0.005")


# -- item-level rate overrides -----------------------------------------------------------------


def test_rate_override_keeps_the_tax_id_and_makes_its_own_breakdown_row() -> None:
    s19, s7 = Tax.vat("S19", "19"), Tax.vat("S7", "7")
    r = compute([_line(1, "100", s19), _line(3, "10.01", s19.at(7)), _line(1, "50", s7)], "EUR")
    assert [(t.tax.id, t.tax.percent, t.amount.amount) for t in r.taxes] == [
        ("S19", Decimal("19"), Decimal("19.00")),
        ("S19", Decimal("7"), Decimal("2.10")),
        ("S7", Decimal("7"), Decimal("3.50")),
    ]
    assert r.tax("S19").amount == Decimal("21.10")
    assert [(b.percent, b.base.amount, b.tax_ids) for b in r.breakdown] == [
        (Decimal("19"), Decimal("100.00"), ("S19",)),
        (Decimal("7"), Decimal("80.03"), ("S19", "S7")),
    ]
    assert [ln.taxes[0].tax.id for ln in r.lines] == ["S19", "S19", "S7"]
    assert r.lines[1].taxes[0].amount.amount == Decimal("2.10")


def test_rate_override_restated_sums_every_rate() -> None:
    s19 = Tax.vat("S19", "19")
    r = compute([_line(1, "100", s19), _line(1, "10", s19.at(7))], "EUR")
    chf = restate(r, "CHF", Decimal("2"), quote=RateQuote.COMPANY_PER_DOCUMENT)
    assert chf.tax("S19").amount == Decimal("39.40")  # (19.00 + 0.70) x 2


def test_rate_override_refusals() -> None:
    s19 = Tax.vat("S19", "19")
    with pytest.raises(InvalidTaxError, match="appears twice on one line"):
        compute([_line(1, "1", s19, s19.at(7))], "EUR")
    with pytest.raises(InvalidTaxError, match="only a rate can be overridden"):
        Tax.fixed("ECO", "1").at(2)
    with pytest.raises(InvalidTaxError, match="zero-rated by definition"):
        Tax.vat("Z", 0, TaxCategory.ZERO_RATED).at(7)
    assert s19.at(7).at(19) == s19.at(19)
    assert s19.at(7) != s19


@given(
    st.lists(st.tuples(quantities, prices, st.booleans()), min_size=1, max_size=6),
    rates,
    methods,
)
def test_rate_override_computes_as_a_tax_of_its_own(
    rows: list[tuple[Decimal, Decimal, bool]], rate: Decimal, method: RoundingMethod
) -> None:
    """An override is the same tax at another rate: the amounts are those of a separate tax
    at that rate; only the id it reports differs."""
    s19 = Tax.vat("S19", "19")
    own = Tax.vat("OWN", rate)
    policy = TaxPolicy(method=method)
    r = compute([_line(q, p, s19.at(rate) if o else s19) for q, p, o in rows], "EUR", policy=policy)
    x = compute([_line(q, p, own if o else s19) for q, p, o in rows], "EUR", policy=policy)
    assert r.total == x.total
    assert r.tax("S19") == x.tax("S19") + x.tax("OWN")
    assert [ln.taxes[0].amount for ln in r.lines] == [ln.taxes[0].amount for ln in x.lines]
    assert {t.tax.id for t in r.taxes} == {"S19"}


# -- taxes on a previous row's amount or running total -----------------------------------------

VAT19 = Tax.percent_of("VAT19", "19")
SUR = Tax.on_previous_row("SUR", "10", row="VAT19")
RUN = Tax.on_previous_total("RUN", "2", row="SUR")


def test_previous_row_and_total_per_line() -> None:
    r = compute(
        [_line(1, "100", VAT19, SUR, RUN), _line(3, "10.01", VAT19, SUR, RUN)],
        "EUR",
        policy=TaxPolicy(method=RoundingMethod.PER_LINE),
    )
    got = [[(a.tax.id, a.base.amount, a.amount.amount) for a in ln.taxes] for ln in r.lines]
    assert got[0] == [
        ("VAT19", Decimal("100.00"), Decimal("19.00")),
        ("SUR", Decimal("19.00"), Decimal("1.90")),
        ("RUN", Decimal("120.90"), Decimal("2.42")),
    ]
    assert got[1][1:] == [
        ("SUR", Decimal("5.71"), Decimal("0.57")),
        ("RUN", Decimal("36.31"), Decimal("0.73")),
    ]
    assert r.tax_total.amount == Decimal("24.71") + Decimal("2.47") + Decimal("3.15")


def test_previous_row_global() -> None:
    r = compute([_line(1, "100", VAT19, SUR, RUN), _line(3, "10.01", VAT19, SUR, RUN)], "EUR")
    assert [(t.tax.id, t.base.amount, t.amount.amount) for t in r.taxes] == [
        ("VAT19", Decimal("130.03"), Decimal("24.71")),
        ("SUR", Decimal("24.71"), Decimal("2.47")),
        ("RUN", Decimal("157.21"), Decimal("3.14")),
    ]


def test_previous_row_refusals() -> None:
    with pytest.raises(InvalidTaxError, match="not an earlier tax on the line"):
        compute([_line(1, "1", SUR)], "EUR")
    with pytest.raises(InvalidTaxError, match="not an earlier tax on the line"):
        compute([_line(1, "1", Tax.on_previous_row("X", 1, row="Y", sequence=1),
                       Tax.percent_of("Y", 1, sequence=2))], "EUR")  # fmt: skip
    with pytest.raises(InvalidTaxError, match="price-excluded percent tax"):
        Tax.on_previous_row("X", 1, row="Y", price_included=True)
    with pytest.raises(InvalidTaxError, match="not both"):
        Tax(id="X", percent=1, previous_row="A", previous_total="B")
    with pytest.raises(InvalidTaxError, match="earlier tax"):
        Tax.on_previous_row("X", 1, row="")


@given(
    st.lists(st.tuples(quantities, prices), min_size=1, max_size=6),
    rates,
    rates,
)
def test_previous_row_bases_per_line(
    rows: list[tuple[Decimal, Decimal]], r1: Decimal, r2: Decimal
) -> None:
    """Per line: the previous-row tax's base is that row's amount; the running-total tax's
    base is the net plus every tax up to its row; the document bases are their sums.  (Per
    unit, the same holds of a unit, whose bases are then multiplied by the quantity.)"""
    method = RoundingMethod.PER_LINE
    sur = Tax.on_previous_row("SUR", r1, row="VAT19")
    run = Tax.on_previous_total("RUN", r2, row="SUR")
    r = compute(
        [_line(q, p, VAT19, sur, run) for q, p in rows], "EUR", policy=TaxPolicy(method=method)
    )
    for ln in r.lines:
        vat, s, t = ln.taxes
        assert s.base == vat.amount
        assert t.base == ln.net + vat.amount + s.amount
    by_id = {t.tax.id: t for t in r.taxes}
    assert by_id["SUR"].base.amount == sum((ln.taxes[1].base.amount for ln in r.lines), Decimal(0))
    assert by_id["RUN"].base.amount == sum((ln.taxes[2].base.amount for ln in r.lines), Decimal(0))


@given(st.lists(st.tuples(quantities, prices), min_size=1, max_size=6), rates, rates)
def test_previous_row_bases_global(
    rows: list[tuple[Decimal, Decimal]], r1: Decimal, r2: Decimal
) -> None:
    """Global rounding: one base per tax over the document, the exact sum of what the rows hold,
    rounded, and each amount base x rate (BT-117 = BT-116 x rate)."""
    sur = Tax.on_previous_row("SUR", r1, row="VAT19")
    run = Tax.on_previous_total("RUN", r2, row="SUR")
    r = compute([_line(q, p, VAT19, sur, run) for q, p in rows], "EUR")
    vat, s, t = r.taxes
    cent = Decimal("0.01")
    assert s.base.amount == vat.raw_amount.quantize(cent, "ROUND_HALF_UP")
    exact_run = r.untaxed.amount + vat.raw_amount + s.raw_amount
    assert t.base.amount == exact_run.quantize(cent, "ROUND_HALF_UP")
    assert s.amount.amount == (s.base.amount * r1 / 100).quantize(cent, "ROUND_HALF_UP")
    assert t.amount.amount == (t.base.amount * r2 / 100).quantize(cent, "ROUND_HALF_UP")
    assert sum((ln.taxes[1].amount.amount for ln in r.lines), Decimal(0)) == s.amount.amount


# -- cash rounding folded into the biggest tax -------------------------------------------------

ODOO = TaxPolicy(cash_rounding=CashRounding(), cash_rounding_in_biggest_tax=True)


def test_cash_rounding_folded_into_the_biggest_tax() -> None:
    v, w = Tax.percent_of("V", "7.7"), Tax.percent_of("W", "2.5")
    lines = [_line(1, "295.00", v, currency="CHF"), _line(1, "10.00", w, currency="CHF")]
    apart = compute(lines, "CHF", policy=TaxPolicy(cash_rounding=CashRounding()))
    folded = compute(
        lines,
        "CHF",
        policy=ODOO,
    )
    assert apart.cash_rounding_amount.amount == Decimal("-0.02")
    assert apart.tax("V").amount == Decimal("22.72")
    assert folded.tax("V").amount == Decimal("22.70")
    assert folded.tax("W") == apart.tax("W")
    assert folded.total == folded.amount_due == apart.amount_due
    assert folded.cash_rounding_amount.amount == 0
    assert folded.notes == ("cash rounding -0.02 folded into tax V (not EN 16931: BT-114)",)
    assert folded.taxes[0].raw_amount == apart.taxes[0].raw_amount  # the exact tax is kept


def test_cash_rounding_in_biggest_tax_needs_cash_rounding() -> None:
    assert TaxPolicy().cash_rounding_in_biggest_tax is False
    with pytest.raises(InvalidTaxError, match="needs cash_rounding"):
        TaxPolicy(cash_rounding_in_biggest_tax=True)
    with pytest.raises(InvalidTaxError, match="must be True or False"):
        TaxPolicy(cash_rounding=CashRounding(), cash_rounding_in_biggest_tax="yes")


@given(
    st.lists(st.tuples(quantities, prices, st.sampled_from(["S19", "S7", "WH"])), max_size=6),
    methods,
)
def test_cash_rounding_folded_moves_one_tax_by_the_rounding(
    rows: list[tuple[Decimal, Decimal, str]], method: RoundingMethod
) -> None:
    taxes = {
        "S19": (Tax.vat("S19", "19"),),
        "S7": (Tax.vat("S7", "7"),),
        "WH": (Tax.vat("S7", "7"), Tax.percent_of("WH", -15, withholding=True)),
    }
    lines = [_line(q, p, *taxes[k], currency="CHF") for q, p, k in rows]
    apart = compute(lines, "CHF", policy=TaxPolicy(method=method, cash_rounding=CashRounding()))
    folded = compute(
        lines,
        "CHF",
        policy=TaxPolicy(
            method=method, cash_rounding=CashRounding(), cash_rounding_in_biggest_tax=True
        ),
    )
    assert folded.amount_due == apart.amount_due
    moved = [
        (a.tax.id, f.amount - a.amount)
        for a, f in zip(apart.taxes, folded.taxes, strict=True)
        if f.amount != a.amount
    ]
    if apart.cash_rounding_amount.amount == 0 or not [t for t in apart.taxes if t.tax.id != "WH"]:
        assert moved == []
        assert folded.total == apart.total
        return
    [(tax_id, by)] = moved
    assert tax_id != "WH"
    assert by == apart.cash_rounding_amount
    assert folded.total == folded.amount_due
    assert folded.cash_rounding_amount.amount == 0
    # The lines still sum to the document, tax by tax.
    for t in folded.taxes:
        on_lines = [
            a.amount.amount for ln in folded.lines for a in ln.taxes if a.tax.id == t.tax.id
        ]
        assert sum(on_lines, Decimal(0)) == t.amount.amount
