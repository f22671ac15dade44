"""Examples and properties of the tax engine (the vectors are in test_tax_vectors.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.errors import (
    CurrencyMismatchError,
    FloatNotAllowedError,
    InvalidTaxError,
    O2CError,
)
from o2c.money import Rounding, RoundingPolicy, minor_unit, money
from o2c.tax import (
    AllowanceCharge,
    ChargeKind,
    ExemptionCertificate,
    IncludedRounding,
    RateQuote,
    RestateMethod,
    RoundingMethod,
    Tax,
    TaxableLine,
    TaxCategory,
    TaxGroup,
    TaxKind,
    TaxPolicy,
    TaxResult,
    compute,
    flatten,
    restate,
)
from tests.strategies import (
    currency_codes,
    percent_taxes,
    quantities,
    tax_percents,
    tax_policies,
)

EUR = "EUR"


def line(qty: str, price: str, *taxes: Tax, code: str = EUR, discount: str = "0") -> TaxableLine:
    return TaxableLine(
        quantity=Decimal(qty),
        unit_price=money(price, code),
        taxes=taxes,
        discount_percent=Decimal(discount),
    )


# ------------------------------------------------------------------------------ definitions


def test_tax_refuses_floats_and_impossible_categories() -> None:
    with pytest.raises(FloatNotAllowedError):
        Tax.percent_of("T", 19.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidTaxError) as info:
        Tax(id="Z", percent=Decimal("7"), category=TaxCategory.ZERO_RATED)
    assert info.value.field == "percent"
    with pytest.raises(InvalidTaxError):
        Tax.division("D", 100)
    with pytest.raises(InvalidTaxError):
        Tax.percent_of(" ", 1)
    with pytest.raises(InvalidTaxError, match="exemption reason"):
        Tax.vat("G", 0, TaxCategory.EXPORT)
    export = Tax.vat("G", 0, TaxCategory.EXPORT, reason="Export outside the EU")
    assert export.exemption_reason == "Export outside the EU"
    assert TaxCategory.EXPORT.needs_exemption_reason
    assert not TaxCategory.STANDARD.needs_exemption_reason


def test_flatten_orders_groups_by_sequence() -> None:
    a, b, c = (Tax.percent_of(n, 1, sequence=s) for n, s in (("A", 3), ("B", 1), ("C", 2)))
    group = TaxGroup(id="G", taxes=(a, b), sequence=2)
    first = Tax.percent_of("F", 1, sequence=1)
    assert [t.id for t in flatten([group, first])] == ["F", "B", "A"]
    assert [t.id for t in flatten([c, group])] == ["C", "B", "A"]  # stable for equal sequence
    with pytest.raises(InvalidTaxError):
        flatten(["VAT"])  # type: ignore[list-item]


def test_every_kind_computes_through_the_same_verb() -> None:
    base = Decimal("200")
    assert Tax.percent_of("P", 10).amount_on(base) == Decimal("20")
    assert Tax.division("D", 10).amount_on(base).quantize(Decimal("0.01")) == Decimal("22.22")
    fixed = Tax.fixed("F", "1.00")
    assert fixed.amount_on(base, quantity=Decimal(2), price_sign=-1) == Decimal("-2.00")


def test_same_tax_twice_on_a_line_or_two_definitions_with_one_id_are_refused() -> None:
    vat = Tax.percent_of("VAT", 19)
    with pytest.raises(InvalidTaxError, match="twice"):
        compute([line("1", "10", vat, vat)], EUR)
    other = Tax.percent_of("VAT", 7)
    with pytest.raises(InvalidTaxError, match="share the id"):
        compute([line("1", "10", vat), line("1", "10", other)], EUR)


def test_currency_mismatch_and_bad_discounts_are_refused() -> None:
    with pytest.raises(CurrencyMismatchError):
        compute([line("1", "10", code="USD")], EUR)
    with pytest.raises(O2CError):
        line("1", "10", discount="101")
    with pytest.raises(InvalidTaxError):
        compute([line("1", "10")], EUR, tax_base_discount_percent=Decimal("-1"))
    with pytest.raises(InvalidTaxError):
        compute(
            [line("1", "10")],
            EUR,
            exemptions=[
                ExemptionCertificate(
                    certificate_id="X", jurisdictions={"s"}, valid_from=dt.date(2020, 1, 1)
                )
            ],
        )


def test_included_taxes_of_minus_100_percent_cannot_be_solved() -> None:
    minus = Tax.percent_of("M", -100, price_included=True)
    with pytest.raises(InvalidTaxError, match="-100%"):
        compute([line("1", "10", minus)], EUR)


# ------------------------------------------------------------------------------ behaviour


def test_line_discount_is_applied_before_tax() -> None:
    vat = Tax.percent_of("VAT22", 22)
    r = compute([line("16", "348.35", vat, discount="4")], EUR)
    assert r.lines[0].net.amount == Decimal("5350.66")
    assert r.tax("VAT22").amount == Decimal("1177.15")


def test_withholding_is_kept_apart_from_tax_total() -> None:
    vat = Tax.percent_of("IVA21", 21)
    irpf = Tax.percent_of("IRPF15", -15, withholding=True)
    r = compute([line("1", "1000.00", vat, irpf)], EUR)
    assert r.tax_total.amount == Decimal("210.00")
    assert r.withholding_total.amount == Decimal("-150.00")
    assert r.total_with_tax.amount == Decimal("1210.00")
    assert r.total.amount == Decimal("1060.00")
    assert [b.tax_ids for b in r.breakdown] == [("IVA21",)]


def test_document_allowance_without_taxes_is_apportioned_over_the_tax_sets() -> None:
    s19, s7 = Tax.vat("S19", 19), Tax.vat("S7", 7)
    lines = [line("1", "300.00", s19), line("1", "100.00", s7)]
    discount = AllowanceCharge(
        kind=ChargeKind.ALLOWANCE, amount=money("40.00", EUR), reason="loyalty"
    )
    r = compute(lines, EUR, charges=[discount])
    assert r.allowance_total.amount == Decimal("40.00")
    assert r.untaxed.amount == Decimal("360.00")
    bases = {b.tax_ids[0]: b.base.amount for b in r.breakdown}
    assert bases == {"S19": Decimal("270.00"), "S7": Decimal("90.00")}
    assert r.tax("S19").amount == Decimal("51.30")
    assert r.tax("S7").amount == Decimal("6.30")
    untaxed_charge = AllowanceCharge(
        kind=ChargeKind.CHARGE, amount=money("5.00", EUR), reason="handling", taxes=()
    )
    r2 = compute(lines, EUR, charges=[untaxed_charge])
    assert r2.charge_total.amount == Decimal("5.00")
    assert r2.tax_total == compute(lines, EUR).tax_total
    with pytest.raises(O2CError):
        AllowanceCharge(kind="charge", amount=money("1", EUR))  # type: ignore[arg-type]
    with pytest.raises(O2CError):
        AllowanceCharge(kind=ChargeKind.CHARGE, amount=Decimal("1"))  # type: ignore[arg-type]


def test_exemption_certificate_outside_its_validity_changes_nothing() -> None:
    st7 = Tax.percent_of("ST7", 7, jurisdiction="state")
    cert = ExemptionCertificate(
        certificate_id="C1",
        jurisdictions=frozenset({"state"}),
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2024, 12, 31),
    )
    lines = [line("1", "250.00", st7, code="USD")]
    late = compute(lines, "USD", exemptions=[cert], on=dt.date(2025, 6, 30))
    assert late.tax("ST7").amount == Decimal("17.50")
    assert late.notes == ()
    inside = compute(lines, "USD", exemptions=[cert], on=dt.date(2024, 6, 30))
    assert inside.tax("ST7").amount == 0
    assert inside.exemptions[0].forgone.amount == Decimal("17.50")
    assert inside.taxes[0].tax == st7  # the original definition is reported


def test_per_unit_rounding_multiplies_the_rounded_unit_tax() -> None:
    tax = Tax.percent_of("ST", "8.25")
    policy = TaxPolicy(method=RoundingMethod.PER_UNIT)
    r = compute([line("3", "0.99", tax, code="USD")], "USD", policy=policy)
    assert r.tax("ST").amount == Decimal("0.24")
    assert r.policy is policy


def test_odd_quantity_division_and_fixed_taxes_per_line() -> None:
    div = Tax.division("D", 10)
    fix = Tax.fixed("F", "0.10")
    r = compute(
        [line("3", "1.00", div, fix)], EUR, policy=TaxPolicy(method=RoundingMethod.PER_LINE)
    )
    assert r.tax("D").amount == Decimal("0.33")
    assert r.tax("F").amount == Decimal("0.30")


def test_restate_accepts_an_object_with_value_and_refuses_bad_rates() -> None:
    r = compute([line("1", "87.65", Tax.percent_of("VAT19", 19), code="USD")], "USD")

    @attrs.frozen
    class Rate:
        value: Decimal

    s = restate(r, "EUR", Rate(Decimal("0.9239")), quote=RateQuote.COMPANY_PER_DOCUMENT)
    assert s.tax("VAT19").amount == Decimal("15.38")
    assert s.tax("NOPE").amount == 0
    assert s.rate == Decimal("0.9239")
    assert "EUR" in s.rule
    assert "half_up" in s.rule
    with pytest.raises(InvalidTaxError):
        restate(r, "EUR", Decimal(0), quote=RateQuote.COMPANY_PER_DOCUMENT)
    with pytest.raises(InvalidTaxError):
        restate(r, "EUR", Decimal(1), quote="ecb")  # type: ignore[arg-type]
    with pytest.raises(FloatNotAllowedError):
        restate(r, "EUR", 1.1, quote=RateQuote.COMPANY_PER_DOCUMENT)  # type: ignore[arg-type]
    base = restate(
        r,
        "EUR",
        Decimal("1.0823"),
        quote=RateQuote.DOCUMENT_PER_COMPANY,
        method=RestateMethod.TAX_CONVERTED_BASE,
    )
    assert base.taxes[0].base.amount == Decimal("80.98")


def test_recompute_gives_the_identical_result() -> None:
    lines = [line("12.12", "12.12", Tax.percent_of("VAT23", 23)) for _ in range(2)]
    for policy in (TaxPolicy(), TaxPolicy(method=RoundingMethod.PER_LINE)):
        r = compute(lines, EUR, policy=policy)
        assert r.recompute(lines) == r


def test_default_included_rounding_depends_on_the_method_and_is_recorded() -> None:
    assert TaxPolicy().included is IncludedRounding.INDEPENDENT
    assert TaxPolicy(method=RoundingMethod.PER_LINE).included is IncludedRounding.NET_FROM_GROSS
    explicit = TaxPolicy(included=IncludedRounding.TAX_FROM_GROSS)
    assert explicit.included is IncludedRounding.TAX_FROM_GROSS


def test_precision_step_larger_than_the_minor_unit() -> None:
    vat = Tax.percent_of("VAT5", 5)
    policy = TaxPolicy(rounding=RoundingPolicy(step=Decimal("1.00")))
    r = compute([line("1", "7330", vat, code="TWD")], "TWD", policy=policy)
    assert r.tax("VAT5").amount == Decimal("367")


# ------------------------------------------------------------------------------ properties


def _line_sums(result: TaxResult) -> tuple[Decimal, dict[str, Decimal]]:
    nets = sum((ln.net.amount for ln in result.lines + result.charges), Decimal(0))
    taxes: dict[str, Decimal] = {}
    for ln in result.lines + result.charges:
        for ta in ln.taxes:
            taxes[ta.tax.id] = taxes.get(ta.tax.id, Decimal(0)) + ta.amount.amount
    return nets, taxes


_TAX_POOLS = st.lists(percent_taxes(), min_size=1, max_size=3, unique_by=lambda t: t.id)  # type: ignore[attr-defined]
_MASKS = st.integers(min_value=0, max_value=7)
_QUANTITIES = quantities()
_PRICES = st.integers(min_value=0, max_value=10**7)
_EXTRA_DIGIT = st.integers(min_value=0, max_value=1)
_DISCOUNTS = st.sampled_from(["0", "0", "10", "2.5"])


@st.composite
def documents(draw: st.DrawFn, *, max_lines: int = 4) -> tuple[str, list[TaxableLine]]:
    """Lines in one currency, each with up to two taxes from a pool of one to three."""
    code = draw(currency_codes)
    pool = draw(_TAX_POOLS)
    digits = minor_unit(code)
    lines = []
    for _ in range(draw(st.integers(min_value=1, max_value=max_lines))):
        mask = draw(_MASKS)
        taxes = [t for i, t in enumerate(pool) if mask >> i & 1][:2]
        price = Decimal(draw(_PRICES)) * digits / (10 ** draw(_EXTRA_DIGIT))
        lines.append(
            TaxableLine(
                quantity=draw(_QUANTITIES),
                unit_price=money(price, code),
                taxes=taxes,
                discount_percent=Decimal(draw(_DISCOUNTS)),
            )
        )
    return code, lines


@given(documents(), tax_policies())
def test_lines_sum_to_the_document(doc: tuple[str, list[TaxableLine]], policy: Any) -> None:
    code, lines = doc
    r = compute(lines, code, policy=policy)
    nets, taxes = _line_sums(r)
    assert nets == r.untaxed.amount
    assert taxes == {t.tax.id: t.amount.amount for t in r.taxes}
    assert r.total.amount == (
        r.untaxed.amount
        + r.tax_total.amount
        + r.withholding_total.amount
        + r.rounding_adjustment.amount
    )
    step = policy.step_for(code)
    for amount in [r.untaxed.amount, r.total.amount, *taxes.values()]:
        assert (amount / step) % 1 == 0


@given(documents(), tax_policies())
def test_negated_lines_negate_every_amount(doc: tuple[str, list[TaxableLine]], policy: Any) -> None:
    code, lines = doc
    r = compute(lines, code, policy=policy)
    neg = compute([attrs.evolve(ln, quantity=-ln.quantity) for ln in lines], code, policy=policy)
    assert neg.untaxed.amount == -r.untaxed.amount
    assert [t.amount.amount for t in neg.taxes] == [-t.amount.amount for t in r.taxes]
    assert [ln.net.amount for ln in neg.lines] == [-ln.net.amount for ln in r.lines]
    assert neg.rounding_adjustment.amount == -r.rounding_adjustment.amount


@given(
    currency_codes,
    tax_percents,
    st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=12),
    st.sampled_from([Rounding.HALF_UP, Rounding.HALF_EVEN]),
)
def test_per_line_and_global_rounding_differ_by_at_most_half_a_unit_per_line(
    code: str, percent: Decimal, prices: list[int], mode: Rounding
) -> None:
    tax = Tax.percent_of("VAT", percent)
    unit = minor_unit(code)
    lines = [line("1", str(Decimal(p).scaleb(-3)), tax, code=code) for p in prices]
    rounding = RoundingPolicy(rounding=mode)
    per_line = compute(
        lines, code, policy=TaxPolicy(method=RoundingMethod.PER_LINE, rounding=rounding)
    )
    glob = compute(lines, code, policy=TaxPolicy(rounding=rounding))
    assert per_line.untaxed == glob.untaxed  # both round each line net (BT-131)
    diff = abs(per_line.tax("VAT").amount - glob.tax("VAT").amount) / unit
    n = len(lines)
    # Half-up: each rounding is off by < 1/2 unit on one side, so the gap is at most n/2.
    # Half-even can hit the tie on both sides: one more half unit for the document rounding.
    bound = Decimal(n) / 2 if mode is Rounding.HALF_UP else Decimal(n + 1) / 2
    assert diff <= bound


@given(
    currency_codes,
    st.lists(
        st.tuples(quantities(max_units=50), st.integers(min_value=0, max_value=10**7)),
        min_size=1,
        max_size=8,
    ),
    st.lists(tax_percents, min_size=1, max_size=2, unique=True),
    st.sampled_from(
        [
            IncludedRounding.NET_FROM_GROSS,
            IncludedRounding.INDEPENDENT,
            IncludedRounding.TAX_FROM_GROSS,
        ]
    ),
)
def test_price_included_gross_is_preserved_under_global_rounding(
    code: str,
    items: list[tuple[Decimal, int]],
    percents: list[Decimal],
    included: IncludedRounding,
) -> None:
    taxes = [Tax.percent_of(f"I{i}", p, price_included=True) for i, p in enumerate(percents)]
    unit = minor_unit(code)
    lines = [line(str(q), str(Decimal(p) * unit), *taxes, code=code) for q, p in items]
    r = compute(lines, code, policy=TaxPolicy(included=included))
    gross = sum((ln.gross.amount for ln in r.lines), Decimal(0))
    assert r.total.amount == gross
    if included is not IncludedRounding.INDEPENDENT:
        assert r.untaxed.amount + r.tax_total.amount == gross
        assert r.rounding_adjustment.amount == 0
    assert sum((ln.net.amount for ln in r.lines), Decimal(0)) == r.untaxed.amount
    # Leftover cents go to the line nets: a line's net plus its taxes stays within a few
    # units of its gross (each part is within one unit of its exact share).
    for ln in r.lines:
        parts = ln.net.amount + sum(t.amount.amount for t in ln.taxes)
        assert abs(parts - ln.gross.amount) <= (len(taxes) + 1) * 2 * unit


@given(documents(max_lines=3), st.sampled_from(RoundingMethod), tax_percents)
def test_cgst_sgst_split_gives_equal_halves(
    doc: tuple[str, list[TaxableLine]], method: RoundingMethod, percent: Decimal
) -> None:
    code, lines = doc
    gst = Tax.gst(percent * 2, intra_state=True)
    igst = Tax.gst(percent * 2, intra_state=False)
    split_lines = [attrs.evolve(ln, taxes=gst) for ln in lines]
    r = compute(split_lines, code, policy=TaxPolicy(method=method))
    cgst, sgst = (r.tax(t.id) for t in gst)
    assert cgst == sgst
    whole = compute(
        [attrs.evolve(ln, taxes=igst) for ln in lines], code, policy=TaxPolicy(method=method)
    )
    if method is RoundingMethod.PER_UNIT:
        return  # the unit's rounding error is multiplied by the quantity
    n = len(lines) if method is RoundingMethod.PER_LINE else 1
    assert abs((cgst + sgst - whole.tax(igst[0].id)).amount) <= n * minor_unit(code)


def test_fixed_tax_sign_follows_the_price() -> None:
    fix = Tax.fixed("F", "1")
    cases = [("2", "-10.00", "-2.00"), ("-2", "-10.00", "2.00"), ("-1", "0", "-1.00")]
    for qty, price, expected in cases:
        assert compute([line(qty, price, fix)], EUR).tax("F").amount == Decimal(expected)
    assert Tax.fixed("F", 1).kind is TaxKind.FIXED


def test_document_fixed_tax_is_spread_pro_rata_and_negates() -> None:
    freight = Tax.document_fixed("FREIGHT", "10.00")
    vat = Tax.percent_of("VAT19", 19)
    lines = [
        line("1", "100.00", vat, freight),
        line("2", "100.00", vat, freight),
        line("1", "5", vat),
    ]
    for method in (RoundingMethod.GLOBAL, RoundingMethod.PER_LINE):
        r = compute(lines, EUR, policy=TaxPolicy(method=method))
        assert r.tax("FREIGHT").amount == Decimal("10.00")
        shares = [ta.amount.amount for ln in r.lines for ta in ln.taxes if ta.tax.id == "FREIGHT"]
        assert shares == [Decimal("3.33"), Decimal("6.67")]
        neg = compute(
            [attrs.evolve(x, quantity=-x.quantity) for x in lines],
            EUR,
            policy=TaxPolicy(method=method),
        )
        assert neg.tax("FREIGHT").amount == Decimal("-10.00")
    assert [b.percent for b in r.breakdown] == [Decimal("19"), None]
    with pytest.raises(InvalidTaxError, match="document-level"):
        Tax.document_fixed("X", 1, price_included=True)
    assert freight.amount_on(Decimal(0)) == Decimal("10.00")


def test_per_unit_rounding_with_an_included_tax_keeps_the_gross() -> None:
    incl = Tax.percent_of("VAT21", 21, price_included=True)
    policy = TaxPolicy(method=RoundingMethod.PER_UNIT)
    r = compute([line("3", "1.10", incl)], EUR, policy=policy)
    assert r.tax("VAT21").amount == Decimal("0.57")  # 3 x round(1.10 - 1.10 / 1.21) = 3 x 0.19
    assert r.untaxed.amount + r.tax_total.amount == Decimal("3.30")


def test_restatement_keeps_withholding_out_of_the_tax_total() -> None:
    iva = Tax.percent_of("IVA21", 21)
    irpf = Tax.percent_of("IRPF15", -15, withholding=True)
    r = compute([line("1", "1000.00", iva, irpf, code="USD")], "USD")
    s = restate(r, "EUR", Decimal("2"), quote=RateQuote.DOCUMENT_PER_COMPANY)
    assert s.tax_total.amount == Decimal("105.00")
    assert s.tax("IRPF15").amount == Decimal("-75.00")


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=6, min_value=-(10**9), max_value=10**9
    ),
    st.sampled_from(
        [Decimal("0.01"), Decimal("1"), Decimal("0.05"), Decimal("1E+1"), Decimal("0.25")]
    ),
    st.sampled_from(list(Rounding)),
)
def test_the_engines_rounder_equals_quantize_decimal(
    value: Decimal, step: Decimal, mode: Rounding
) -> None:
    from o2c.money import quantize_decimal, rounder

    got = rounder(step, mode)(value)
    want = quantize_decimal(value, step, mode)
    assert got == want
    assert str(got) == str(want)  # the same exponent too


def test_a_policy_equal_to_another_but_not_the_same_gives_the_same_result() -> None:
    # The evaluation context is cached by the policy's identity: equal policies, equal results.
    lines = [line("3", "19.99", Tax.percent_of("VAT19", 19))]
    a = compute(lines, EUR, policy=TaxPolicy(rounding=RoundingPolicy(step=Decimal("0.05"))))
    b = compute(lines, EUR, policy=TaxPolicy(rounding=RoundingPolicy(step=Decimal("0.05"))))
    c = compute(lines, EUR, policy=TaxPolicy())
    assert a == b
    assert a.tax_total.amount == Decimal("11.40")
    assert c.tax_total.amount == Decimal("11.39")
    policy = TaxPolicy()  # one policy object used in two currencies: one context per currency
    yen = [line("3", "1999", Tax.percent_of("VAT19", 19), code="JPY")]
    assert compute(lines, EUR, policy=policy).tax_total.amount == Decimal("11.39")
    assert compute(yen, "JPY", policy=policy).tax_total.amount == Decimal("1139")


def test_lines_with_the_same_tax_objects_share_one_tuple_and_only_those() -> None:
    # The engine groups a document's lines by their tuple (within one call); equal taxes that
    # print differently are never swapped for each other.
    from o2c.tax import line_taxes

    vat, same_value = Tax.vat("SH19", "19"), Tax.vat("SH19", "19.0")
    assert vat == same_value
    assert line_taxes([vat]) is line_taxes((vat,))
    other = line_taxes([same_value])
    assert other[0] is same_value
    assert str(other[0].percent) == "19.0"
    a = TaxableLine(quantity=Decimal(1), unit_price=money("10.00", "EUR"), taxes=[vat])
    b = TaxableLine(quantity=Decimal(1), unit_price=money("5.00", "EUR"), taxes=[same_value])
    result = compute([a, b], "EUR")  # equal tuples of distinct objects meet as one tax
    assert [t.base.amount for t in result.taxes] == [Decimal("15.00")]
    assert result.tax_total.amount == Decimal("2.85")
