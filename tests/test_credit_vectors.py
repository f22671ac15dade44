"""The credit, scoring and provisioning vectors of ../shared/vectors/kpi.json."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from o2c.credit import (
    AltmanModel,
    AltmanRatios,
    CreditDecision,
    CreditLimits,
    FinancialStatements,
    FixedAmount,
    altman_ratios,
    altman_score,
    altman_zone,
    check_credit,
)
from o2c.credit.orders import Order, UnbilledOrders, UninvoicedDeliveries, take_order
from o2c.credit.provisioning import (
    CohortItem,
    cohort_loss_rates,
    historical_loss_rate,
    loss_rates_from_flows,
    provision_matrix,
)
from o2c.money import money
from tests.conftest import load_vectors

VECTORS = {v["id"]: v for v in load_vectors("kpi.json")}
MINE = (
    "altman_z_saunders_negative_ebit",
    "altman_z_from_statements_brainmass",
    "altman_zpp_and_em_score_pin",
    "altman_zone_boundaries",
    "ifrs9_ie_provision_matrix",
    "ifrs9_loss_rate_from_cohort_ifrscommunity",
    "bad_debt_ratio_keiter",
    "credit_check_erpnext_strict_gt",
)


def dec(value: object) -> Decimal:
    """A JSON number as the Decimal it was written as (floats via their shortest repr)."""
    return Decimal(str(value))


def same(actual: Decimal, expected: object) -> bool:
    """``actual`` rounded half-up to the decimals of ``expected`` equals it."""
    e = dec(expected)
    return actual.quantize(e if e.as_tuple().exponent < 0 else Decimal(1)) == e


def params(*ids: str) -> list[Any]:
    return [pytest.param(VECTORS[i], id=i) for i in ids]


def test_every_credit_vector_is_covered() -> None:
    assert set(MINE) <= set(VECTORS)


@pytest.mark.parametrize("v", params("altman_z_saunders_negative_ebit"))
def test_altman_z_from_ratios(v: dict[str, Any]) -> None:
    i = v["inputs"]
    ratios = AltmanRatios(
        x1=dec(i["x1_wc_ta"]),
        x2=dec(i["x2_re_ta"]),
        x3=dec(i["x3_ebit_ta"]),
        x4=dec(i["x4_mve_tl"]),
        x5=dec(i["x5_sales_ta"]),
    )
    s = altman_score(AltmanModel.Z, ratios)
    assert same(s.exact, v["expected"]["z"])
    assert s.zone.value == v["expected"]["zone"]


@pytest.mark.parametrize("v", params("altman_z_from_statements_brainmass"))
def test_altman_z_from_statements(v: dict[str, Any]) -> None:
    i = v["inputs"]
    fs = FinancialStatements(
        total_assets=dec(i["total_assets"]),
        total_liabilities=dec(i["total_liabilities"]),
        retained_earnings=dec(i["retained_earnings"]),
        ebit=dec(i["ebit"]),
        working_capital=dec(i["working_capital"]),
        market_value_equity=dec(i["market_value_equity"]),
        sales=dec(i["sales"]),
    )
    s = altman_score(AltmanModel.Z, fs)
    assert s.score == dec(v["expected"]["z"])  # the reported score has 4 decimals, half-up
    assert s.zone.value == v["expected"]["zone"]


@pytest.mark.parametrize("v", params("altman_zpp_and_em_score_pin"))
def test_altman_z_double_prime_and_em(v: dict[str, Any]) -> None:
    i, e = v["inputs"], v["expected"]
    fs = FinancialStatements(
        total_assets=dec(i["total_assets"]),
        total_liabilities=dec(i["total_liabilities"]),
        retained_earnings=dec(i["retained_earnings"]),
        ebit=dec(i["ebit"]),
        current_assets=dec(i["current_assets"]),
        current_liabilities=dec(i["current_liabilities"]),
        book_equity=dec(i["book_equity"]),
    )
    r = altman_ratios(fs, AltmanModel.Z_DOUBLE_PRIME)
    assert (r.x1, r.x2, r.x3, r.x4) == (dec(e["x1"]), dec(e["x2"]), dec(e["x3"]), dec(e["x4"]))
    zpp = altman_score(AltmanModel.Z_DOUBLE_PRIME, fs)
    em = altman_score(AltmanModel.EM, fs)
    assert zpp.exact == dec(e["z_double_prime"])
    assert em.exact == dec(e["em_score_with_3_25"])
    assert zpp.zone.value == e["zone_z_double_prime_(1.10/2.60)"]
    assert em.zone.value == e["zone_em_score_(4.35/5.85)"]
    assert (em.distress_below, em.safe_above) == (Decimal("4.35"), Decimal("5.85"))


def test_em_zones_are_not_the_z_double_prime_zones() -> None:
    # Z'' = 0.5 is distress; the EM score 3.75 is distress too, although above 2.60.
    r = AltmanRatios(x1="0", x2="0", x3="0", x4=Decimal("0.5") / Decimal("1.05"))
    assert altman_score(AltmanModel.Z_DOUBLE_PRIME, r).zone.value == "distress"
    em = altman_score(AltmanModel.EM, r)
    assert em.exact > Decimal("2.60")
    assert em.zone.value == "distress"


@pytest.mark.parametrize("v", params("altman_zone_boundaries"))
def test_altman_zone_boundaries(v: dict[str, Any]) -> None:
    i, e = v["inputs"], v["expected"]
    for model, values, zones in (
        (AltmanModel.Z, i["z_values"], e["z_zones"]),
        (AltmanModel.Z_PRIME, i["z_prime_values"], e["z_prime_zones"]),
        (AltmanModel.Z_DOUBLE_PRIME, i["z_double_prime_values"], e["z_double_prime_zones"]),
    ):
        assert [altman_zone(model, dec(x)).value for x in values] == zones


@pytest.mark.parametrize("v", params("ifrs9_ie_provision_matrix"))
def test_ifrs9_provision_matrix(v: dict[str, Any]) -> None:
    i, e = v["inputs"], v["expected"]
    balances = {
        b: money(dec(g), "EUR")
        for b, g in zip(i["buckets"], i["gross_carrying_amount"], strict=True)
    }
    rates = {b: dec(r) for b, r in zip(i["buckets"], i["default_rate"], strict=True)}
    m = provision_matrix(balances, rates)
    assert [r.provision.amount for r in m.rows] == [dec(x) for x in e["lifetime_ecl"]]
    assert m.total_gross.amount == dec(e["total_gross"])
    assert m.total_provision.amount == dec(e["total_ecl"])


@pytest.mark.parametrize("v", params("ifrs9_loss_rate_from_cohort_ifrscommunity"))
def test_loss_rates_from_a_cohort(v: dict[str, Any]) -> None:
    i, e = v["inputs"], v["expected"]
    flows = loss_rates_from_flows(
        [dec(x) for x in i["open_on_entering_bucket"]], dec(i["never_paid"])
    )
    # The same flows, derived from one cohort's payments by days past due.
    due = dt.date(2025, 1, 31)
    pays = [(0, "paid_on_time"), (15, "paid_1_30_late"), (45, "paid_31_60_late")]
    pays.append((75, "paid_61_90_late"))
    cohort = CohortItem(
        amount=money(dec(i["cohort_sales"]), "EUR"),
        due_date=due,
        payments=[(due + dt.timedelta(days=d), money(dec(i[k]), "EUR")) for d, k in pays],
    )
    derived = cohort_loss_rates([cohort])
    assert derived.open_on_entering == tuple(dec(x) for x in i["open_on_entering_bucket"])
    assert derived.never_collected == dec(i["never_paid"])
    assert derived.rates == flows
    for rate, expected in zip(flows, e["loss_rates"], strict=True):
        assert same(rate, expected)
    balances = {k: money(dec(b), "EUR") for k, b in i["current_balances"].items()}
    m = provision_matrix(balances, dict(zip(balances, flows, strict=True)))
    assert [r.provision.amount for r in m.rows] == [
        dec(x).quantize(Decimal("0.01")) for x in e["ecl"]
    ]
    assert m.total_provision.amount == dec(e["total_ecl"])
    assert same(m.total_provision.amount, e["total_ecl_published"])
    # Rounding the 31-60 rate to 8.7 % first gives 27,570: keep full precision.
    rounded = dict(zip(balances, flows, strict=True)) | {"31-60": Decimal("0.087")}
    assert provision_matrix(balances, rounded).total_provision.amount == Decimal("27570.00")


@pytest.mark.parametrize("v", params("bad_debt_ratio_keiter"))
def test_bad_debt_ratio(v: dict[str, Any]) -> None:
    i = v["inputs"]
    rate = historical_loss_rate(dec(i["write_offs"]), dec(i["credit_sales"]))
    assert same(rate * 100, v["expected"]["bad_debt_ratio_pct"])


@pytest.mark.parametrize("v", params("credit_check_erpnext_strict_gt"))
def test_credit_check_erpnext_strict_greater_than(v: dict[str, Any]) -> None:
    i, e = v["inputs"], v["expected"]
    as_of = dt.date(2026, 3, 31)
    limits = CreditLimits(customer={"C1": money(dec(i["credit_limit"]), "USD")})
    gl = FixedAmount("gl_balance", {"C1": money(dec(i["gl_balance"]), "USD")})
    orders = []
    for n, so in enumerate(i["sales_orders"]):
        total, billed = dec(so["base_grand_total"]), dec(so["per_billed"])
        order = Order.create(f"SO{n}", "C1", as_of, "USD", [("goods", "100", total / 100)])
        part = str(billed)  # 100 units, per cent billed = units billed (delivered first)
        orders.append(order.deliver({1: part}, on=as_of).invoice({1: part}))
    dn = FixedAmount("delivery_notes", {"C1": money(dec(i["delivery_notes_unbilled"]), "USD")})
    components = [gl, UnbilledOrders(orders), UninvoicedDeliveries(orders), dn]
    for amount, blocked in zip(i["new_document_amounts"], e["blocked"], strict=True):
        check = check_credit(
            "C1",
            as_of=as_of,
            amount=money(dec(amount), "USD"),
            limits=limits,
            components=components,
        )
        assert check.exposure.total.amount == dec(e["exposure_before_document"])
        assert (check.decision is CreditDecision.BLOCK) is blocked
        # Taking a new order of that amount runs the same check.
        new = Order.create("NEW", "C1", as_of, "USD", [("more", "1", dec(amount))])
        taken = take_order(
            new, as_of=as_of, limits=limits, other_orders=orders, extra_components=[gl, dn]
        )
        assert taken.credit_check is not None
        assert (taken.credit_check.decision is CreditDecision.BLOCK) is blocked
