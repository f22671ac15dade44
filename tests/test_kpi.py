"""AR KPIs: the published vectors and the conventions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.errors import CurrencyMismatchError, FloatNotAllowedError, ValidationError
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money
from o2c.receivables.aging import age
from o2c.receivables.kpi import (
    PaidItem,
    PeriodFigures,
    SalesConvention,
    ar_turnover,
    average_days_delinquent,
    average_days_to_pay,
    bad_debt_percent,
    best_possible_dso,
    collection_effectiveness_percent,
    days_to_collect,
    dso_average_balance,
    dso_countback,
    dso_simple,
    kpi_summary,
    paid_items,
    share_current_percent,
    weighted_days_late,
    weighted_days_to_pay,
)
from tests.conftest import load_vectors

VECTORS = {v["id"]: v for v in load_vectors("kpi.json")}


def _params(*ids: str) -> list[Any]:
    """The vectors ``ids`` as pytest params named by their id (every one must exist)."""
    return [pytest.param(VECTORS[i], id=i) for i in ids]


def _d(value: Any) -> Decimal:
    """A JSON number as an exact Decimal (through its shortest repr, never float arithmetic)."""
    return Decimal(str(value))


def _q(value: Decimal, places: int = 4) -> Decimal:
    return round(value, places)


@pytest.mark.parametrize(
    "v",
    _params(
        "dso_simple_paramount", "best_possible_dso_paramount", "add_creditguru", "add_quadient"
    ),
)
def test_dso_family_vectors(v: dict[str, Any]) -> None:
    inp, exp = v["inputs"], v["expected"]
    total, sales, days = (
        _d(inp["total_receivables"]),
        _d(inp["credit_sales"]),
        inp["days_in_period"],
    )
    assert dso_simple(total, sales, days) == _d(exp["dso_days"])
    if "current_receivables" in inp:
        current = _d(inp["current_receivables"])
        assert best_possible_dso(current, sales, days) == _d(exp["best_possible_dso_days"])
        assert average_days_delinquent(total, current, sales, days) == _d(exp["add_days"])


@pytest.mark.parametrize("v", _params("cei_creditguru_monthly_avg"))
def test_cei_monthly_average_vector(v: dict[str, Any]) -> None:
    inp, exp = v["inputs"], v["expected"]
    cei = collection_effectiveness_percent(
        _d(inp["beginning_receivables"]),
        _d(inp["credit_sales_total"]),
        _d(inp["ending_total_receivables"]),
        _d(inp["ending_current_receivables"]),
        convention=SalesConvention.MONTHLY_AVERAGE,
        months=inp["n_months"],
    )
    assert _q(cei) == _d(exp["cei_pct"])
    assert round(cei, 1) == _d(exp["cei_pct_rounded_1dp"])


@pytest.mark.parametrize("v", _params("cei_wizedu_full_period_sales"))
def test_cei_full_period_vector(v: dict[str, Any]) -> None:
    inp, exp = v["inputs"], v["expected"]
    b, s = _d(inp["beginning_receivables"]), _d(inp["credit_sales_total"])
    e, c = _d(inp["ending_total_receivables"]), _d(inp["ending_current_receivables"])
    assert b + s - e == _d(exp["numerator"])
    assert b + s - c == _d(exp["denominator"])
    cei = collection_effectiveness_percent(b, s, e, c)
    assert _q(cei) == _d(exp["cei_pct"])
    assert round(cei, 2) == _d(exp["cei_pct_rounded_2dp"])


@pytest.mark.parametrize("v", _params("ar_turnover_gaodun"))
def test_turnover_vector(v: dict[str, Any]) -> None:
    inp, exp = v["inputs"], v["expected"]
    turnover = ar_turnover(_d(inp["net_credit_sales"]), _d(inp["average_receivables"]))
    assert _q(turnover) == _d(exp["turnover"])
    assert round(turnover, 2) == _d(exp["turnover_rounded_2dp"])
    days = days_to_collect(
        _d(inp["net_credit_sales"]), _d(inp["average_receivables"]), inp["days_in_year"]
    )
    assert _q(days) == _d(exp["days_to_collect"])
    assert round(days, 2) == _d(exp["days_to_collect_published"])


@pytest.mark.parametrize("v", _params("average_days_to_pay_accountedge"))
def test_average_days_to_pay_vector(v: dict[str, Any]) -> None:
    assert average_days_to_pay(v["inputs"]["days_to_pay"]) == _d(
        v["expected"]["average_days_to_pay"]
    )
    assert average_days_to_pay(v["inputs"]["second_case_days_to_pay"]) == _d(
        v["expected"]["second_case_average"]
    )


@pytest.mark.parametrize("v", _params("bad_debt_ratio_keiter"))
def test_bad_debt_vector(v: dict[str, Any]) -> None:
    ratio = bad_debt_percent(_d(v["inputs"]["write_offs"]), _d(v["inputs"]["credit_sales"]))
    assert _q(ratio) == _d(v["expected"]["bad_debt_ratio_pct"])


# ------------------------------------------------------------------ other behaviour


def test_countback_walks_back_month_by_month() -> None:
    months = [("3000", 31), ("2000", 28), ("4000", 31)]
    assert dso_countback("4000", months) == Decimal(31) + Decimal(1000 * 28) / 2000
    assert dso_countback("0", months) == 0
    # more receivables than all given sales: the rest at the oldest month's pace
    assert dso_countback("10000", months) == Decimal(90) + Decimal(1000 * 31) / 4000
    with pytest.raises(ValidationError):
        dso_countback("1", [])


def test_average_balance_dso_and_share_current() -> None:
    assert dso_average_balance(["100", "200", "300"], "600", 30) == 10
    assert share_current_percent(money("25", "EUR"), money("100", "EUR")) == 25
    with pytest.raises(CurrencyMismatchError):
        share_current_percent(money("25", "EUR"), money("100", "USD"))
    with pytest.raises(ValidationError):
        dso_simple("1", "0", 30)
    with pytest.raises(FloatNotAllowedError):
        dso_simple(1.5, "1", 30)  # type: ignore[arg-type]


def test_weighted_days_to_pay_and_late() -> None:
    paid = [
        PaidItem(
            item_id=ItemId("A"),
            document_date=dt.date(2026, 1, 1),
            due_date=dt.date(2026, 1, 31),
            paid_on=dt.date(2026, 2, 10),
            amount=money("300.00", "EUR"),
        ),
        PaidItem(
            item_id=ItemId("B"),
            document_date=dt.date(2026, 1, 1),
            due_date=dt.date(2026, 1, 31),
            paid_on=dt.date(2026, 1, 21),
            amount=money("100.00", "EUR"),
        ),
    ]
    # (300 x 40 + 100 x 20) / 400 = 35; late: (300 x 10 + 0) / 400 = 7.5
    assert weighted_days_to_pay(paid) == 35
    assert weighted_days_late(paid) == Decimal("7.5")
    assert average_days_to_pay(paid) == 30


def test_paid_items_from_settlements() -> None:
    def inv(n: str, amount: str) -> OpenItem:
        return OpenItem(
            item_id=ItemId(n),
            customer_id=CustomerId("C"),
            kind=ItemKind.INVOICE,
            document_number=n,
            document_date=dt.date(2026, 1, 1),
            due_date=dt.date(2026, 1, 31),
            original_amount=money(amount, "EUR"),
            open_amount=money(amount, "EUR"),
        )

    settlements = [
        (ItemId("A"), dt.date(2026, 1, 20), money("60", "EUR")),
        (ItemId("A"), dt.date(2026, 2, 5), money("40", "EUR")),
        (ItemId("B"), dt.date(2026, 2, 5), money("1", "EUR")),
    ]
    [paid] = paid_items([inv("A", "100"), inv("B", "50")], settlements)
    assert paid.item_id == "A"
    assert paid.paid_on == dt.date(2026, 2, 5)
    assert paid.days_late == 5


def test_summary_from_two_agings() -> None:
    def inv(n: str, due: dt.date, amount: str) -> OpenItem:
        return OpenItem(
            item_id=ItemId(n),
            customer_id=CustomerId("C"),
            kind=ItemKind.INVOICE,
            document_number=n,
            document_date=due - dt.timedelta(days=30),
            due_date=due,
            original_amount=money(amount, "EUR"),
            open_amount=money(amount, "EUR"),
        )

    start, end = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    begin = age([inv("A", dt.date(2026, 1, 15), "6200")], start)
    ending = age(
        [inv("B", dt.date(2026, 4, 15), "3590"), inv("C", dt.date(2026, 3, 1), "2750")], end
    )
    figures = PeriodFigures.from_agings(
        begin,
        ending,
        credit_sales=money("10890", "EUR"),
        write_offs=money("0", "EUR"),
        months=3,
    )
    assert figures.ending_current_receivables == money("3590", "EUR")
    kpis = {k.name: k for k in kpi_summary(figures)}
    assert _q(kpis["CEI"].value) == Decimal("79.6296")
    monthly = {k.name: k for k in kpi_summary(figures, convention=SalesConvention.MONTHLY_AVERAGE)}
    assert _q(monthly["CEI"].value) == Decimal("55.9295")
    assert kpis["DSO"].value == dso_simple(6340, 10890, 89)
    assert kpis["average days delinquent"].value == kpis["DSO"].value - (
        kpis["best possible DSO"].value
    )
    assert all(k.formula and k.unit for k in kpis.values())


@given(
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=1, max_value=366),
)
def test_add_is_dso_minus_best(total: int, current: int, sales: int, days: int) -> None:
    add = average_days_delinquent(total, current, sales, days)
    assert add == dso_simple(total, sales, days) - best_possible_dso(current, sales, days)
    assert (add >= 0) == (total >= current)


#: The vectors of kpi.json this issue owns (aging, KPIs, interest, compensation, dunning); the
#: credit, scoring and provisioning ones (Altman, IFRS 9, credit check) belong to the credit area.
OWNED = {
    "aging_asof_payment_after_date_oca707",
    "aging_erpnext_bucket_edges",
    "aging_partial_payments_odoo16235",
    "add_creditguru",
    "add_quadient",
    "ar_turnover_gaodun",
    "average_days_to_pay_accountedge",
    "bad_debt_ratio_keiter",
    "best_possible_dso_paramount",
    "cei_creditguru_monthly_avg",
    "cei_wizedu_full_period_sales",
    "dso_simple_paramount",
    "erpnext_dunning_test",
    "germany_bgb_288_b2b",
    "ireland_fixed_compensation_tiers",
    "ireland_statutory_rate",
    "sap_b1_dunning_daycount_360",
    "sap_dunning_grace_days",
    "uk_fixed_compensation_tiers",
    "uk_interest_and_compensation_paidnice",
    "uk_interest_danielssilverman",
}
CREDIT_PREFIXES = ("altman_", "ifrs9_", "credit_check_")


def test_every_vector_of_this_area_is_tested() -> None:
    """A vector added to kpi.json lands here or in the credit area, never nowhere."""
    ids = set(VECTORS)
    assert ids >= OWNED
    unowned = {i for i in ids - OWNED if not i.startswith(CREDIT_PREFIXES)}
    assert not unowned, f"vectors without a test: {sorted(unowned)}"
