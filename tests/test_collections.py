"""Collections: interest, compensation, dunning and early warnings (with the vectors)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.collecting import (
    EU_MINIMUM_COMPENSATION,
    GERMANY_COMPENSATION,
    IRELAND_COMPENSATION,
    UK_COMPENSATION,
    DayCount,
    Debt,
    DunningAction,
    DunningLevel,
    DunningPolicy,
    ExclusionReason,
    InterestRule,
    PromiseToPay,
    RatePolicy,
    ReferenceRate,
    ReferenceRateTable,
    SignalKind,
    behaviour_signals,
    broken_promises,
    days_in_arrears,
    interest_amount,
    late_payment_claim,
    later_than_usual,
    propose_dunning,
    simple_interest,
    threshold_crossings,
)
from o2c.errors import CurrencyMismatchError, RateNotFoundError, ValidationError
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money
from o2c.receivables.kpi import PaidItem
from tests.conftest import load_vectors

VECTORS = {v["id"]: v for v in load_vectors("kpi.json")}


def _params(*ids: str) -> list[Any]:
    """The vectors ``ids`` as pytest params named by their id (every one must exist)."""
    return [pytest.param(VECTORS[i], id=i) for i in ids]


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def _pct(value: Any) -> Decimal:
    return _d(value) / 100


def _item(
    item_id: str,
    *,
    due: dt.date,
    amount: str,
    customer: str = "C1",
    code: str = "EUR",
    kind: ItemKind = ItemKind.INVOICE,
    disputed: str | None = None,
) -> OpenItem:
    return OpenItem(
        item_id=ItemId(item_id),
        customer_id=CustomerId(customer),
        kind=kind,
        document_number=f"DOC-{item_id}",
        document_date=due - dt.timedelta(days=30),
        due_date=due,
        original_amount=money(amount, code),
        open_amount=money(amount, code),
        disputed_amount=money(disputed, code) if disputed is not None else None,
    )


# ------------------------------------------------------------------ vectors: interest


@pytest.mark.parametrize("v", _params("uk_interest_danielssilverman"))
def test_uk_interest_vector(v: dict[str, Any]) -> None:
    inp, exp = v["inputs"], v["expected"]
    assert inp["day_count"] == "ACT/365"
    principal = money(f"{_d(inp['debt_incl_vat']):.2f}", "GBP")
    rate = _pct(inp["annual_rate_pct"])
    daily = interest_amount(principal.amount, rate, 1, DayCount.ACT_365)
    assert daily.quantize(Decimal("0.0001")) == _d(exp["daily_interest"])
    assert simple_interest(principal, rate, inp["days_late"]).amount == _d(exp["interest"])


@pytest.mark.parametrize("v", _params("uk_interest_and_compensation_paidnice"))
def test_uk_interest_and_compensation_vector(v: dict[str, Any]) -> None:
    inp, exp = v["inputs"], v["expected"]
    due = dt.date(2026, 1, 1)
    debt = Debt(
        item_id=ItemId("X"),
        document_number="X",
        due_date=due,
        until=due + dt.timedelta(days=inp["days_late"]),
        principal=money(str(inp["debt"]), "GBP"),
    )
    claim = late_payment_claim(
        [debt], InterestRule.fixed(_pct(inp["annual_rate_pct"])), compensation=UK_COMPENSATION
    )
    assert claim.interest.amount == _d(exp["interest_exact_2dp"])
    assert claim.interest.amount != _d(exp["published_interest"])  # no rounded daily amount
    assert claim.compensation.amount == _d(exp["compensation"])
    assert claim.charges.amount == _d(exp["total_exact"])
    assert claim.total.amount == Decimal(inp["debt"]) + _d(exp["total_exact"])


@pytest.mark.parametrize("v", _params("ireland_statutory_rate"))
def test_ireland_statutory_rate_vector(v: dict[str, Any]) -> None:
    inp, exp = v["inputs"], v["expected"]
    ecb = ReferenceRateTable(
        name="ECB MRO",
        rates=[
            ReferenceRate(dt.date(2014, 6, 11), _pct(inp["ecb_rate_1_jul_2014_pct"])),
            ReferenceRate(dt.date(2024, 6, 12), _pct(inp["ecb_rate_1_jul_2024_pct"])),
        ],
    )
    rule = InterestRule.ireland(ecb)
    assert rule.margin == _pct(inp["margin_points"])
    assert rule.rate_for(dt.date(2024, 7, 1)) == _pct(exp["rate_from_1_jul_2024_pct"])
    assert rule.rate_for(dt.date(2014, 7, 1)) == _pct(exp["rate_from_1_jul_2014_pct"])
    due = dt.date(2024, 8, 1)
    interest, periods = rule.interest(money("10000.00", "EUR"), due, due + dt.timedelta(days=30))
    assert [p.days for p in periods] == [30]
    assert interest.amount == _d(exp["interest_10000_for_30_days_at_12_25_ACT365"])


@pytest.mark.parametrize("v", _params("germany_bgb_288_b2b"))
def test_germany_vector(v: dict[str, Any]) -> None:
    inp, exp = v["inputs"], v["expected"]
    base = ReferenceRateTable(
        name="Basiszinssatz",
        rates=[ReferenceRate(dt.date(2025, 1, 1), _pct(inp["basiszinssatz_pct"]))],
    )
    rule = InterestRule.germany_b2b(base)
    due = dt.date(2025, 3, 1)
    assert rule.rate_for(due) == _pct(exp["rate_pct"])
    interest, _ = rule.interest(
        money(str(inp["debt"]), "EUR"), due, due + dt.timedelta(days=inp["days_late"])
    )
    assert interest.amount == _d(exp["interest_ACT365"])
    assert GERMANY_COMPENSATION.amount_for(money("10000", "EUR")).amount == _d(exp["flat_fee"])


_TABLES = {
    "uk_fixed_compensation_tiers": (UK_COMPENSATION, "GBP"),
    "ireland_fixed_compensation_tiers": (IRELAND_COMPENSATION, "EUR"),
}


@pytest.mark.parametrize("v", _params(*_TABLES))
def test_compensation_tier_vectors(v: dict[str, Any]) -> None:
    table, code = _TABLES[v["id"]]
    got = [table.amount_for(money(f"{_d(d):.2f}", code)).amount for d in v["inputs"]["debts"]]
    assert got == [Decimal(c) for c in v["expected"]["compensation"]]


@pytest.mark.parametrize("v", _params("erpnext_dunning_test"))
def test_erpnext_dunning_vector(v: dict[str, Any]) -> None:
    inp, exp = v["inputs"], v["expected"]
    as_of = dt.date(2026, 3, 31)
    item = _item(
        "I1", due=as_of - dt.timedelta(days=inp["overdue_days"]), amount=f"{inp['outstanding']}"
    )
    policy = DunningPolicy(
        levels=[
            DunningLevel(
                level=1,
                days_after_due=1,
                fee=money(f"{_d(inp['dunning_fee']):.2f}", "EUR"),
                interest_rate=_pct(inp["rate_of_interest_pct"]),
            )
        ]
    )
    run = propose_dunning([item], as_of, policy)
    notice = run.notice_for("C1")
    exact = interest_amount(
        Decimal(str(inp["outstanding"])), _pct(inp["rate_of_interest_pct"]), inp["overdue_days"]
    )
    assert exact.quantize(Decimal("0.000001")) == _d(exp["interest_exact"])
    assert notice.claim.interest.amount == _d(exp["total_interest_2dp"])
    assert notice.claim.charges.amount == _d(exp["dunning_amount_2dp"])
    assert notice.total.amount == _d(exp["grand_total_2dp"])


@pytest.mark.parametrize("v", _params("sap_b1_dunning_daycount_360"))
def test_sap_360_vector(v: dict[str, Any]) -> None:
    inp, exp = v["inputs"], v["expected"]
    assert inp["days_in_year"] == DayCount.ACT_360.year_days
    exact = interest_amount(
        _d(inp["outstanding"]), _pct(inp["yearly_rate_pct"]), inp["overdue_days"], DayCount.ACT_360
    )
    assert exact.quantize(Decimal("0.000001")) == _d(exp["interest_exact"])
    got = simple_interest(
        money("100.00", "EUR"),
        _pct(inp["yearly_rate_pct"]),
        inp["overdue_days"],
        day_count=DayCount.ACT_360,
    )
    assert got.amount == _d(exp["interest_2dp"])


@pytest.mark.parametrize("v", _params("sap_dunning_grace_days"))
def test_sap_grace_days_vector(v: dict[str, Any]) -> None:
    inp, exp = v["inputs"], v["expected"]
    issue = dt.date.fromisoformat(inp["dunning_issue_date"])
    due = dt.date.fromisoformat(inp["net_due_date"])
    days = [days_in_arrears(issue, due, g) for g in inp["grace_days_cases"]]
    assert days == exp["days_in_arrears"]
    policy_runs = []
    for grace in inp["grace_days_cases"]:
        policy = DunningPolicy(levels=[DunningLevel(level=1, days_after_due=1)], grace_days=grace)
        run = propose_dunning([_item("I", due=due, amount="10.00")], issue, policy)
        policy_runs.append(bool(run.notices))
    assert policy_runs == exp["overdue"]


# ------------------------------------------------------------------ interest rules


def _basis() -> ReferenceRateTable:
    return ReferenceRateTable(
        name="test reference",
        rates=[
            ReferenceRate(dt.date(2025, 1, 1), Decimal("0.02")),
            ReferenceRate(dt.date(2025, 7, 1), Decimal("0.03")),
            ReferenceRate(dt.date(2026, 1, 1), Decimal("0.01")),
        ],
    )


def test_rate_policies_differ_over_a_half_year_boundary() -> None:
    principal = money("36500.00", "EUR")
    due, until = dt.date(2025, 6, 20), dt.date(2025, 7, 10)  # 10 days in H1, 10 in H2
    per_half = InterestRule(margin=Decimal("0.08"), reference=_basis())
    fixed = InterestRule(
        margin=Decimal("0.08"), reference=_basis(), policy=RatePolicy.FIXED_AT_START
    )
    on_payment = InterestRule(
        margin=Decimal("0.08"), reference=_basis(), policy=RatePolicy.ON_PAYMENT_DATE
    )
    a, periods = per_half.interest(principal, due, until)
    assert [(p.days, p.rate) for p in periods] == [(10, Decimal("0.10")), (10, Decimal("0.11"))]
    assert a.amount == Decimal("210.00")  # 36500 x (0.10 x 10 + 0.11 x 10) / 365
    assert fixed.interest(principal, due, until)[0].amount == Decimal("200.00")
    assert on_payment.interest(principal, due, until)[0].amount == Decimal("220.00")


def test_uk_reads_the_rate_before_the_half_year() -> None:
    bank = ReferenceRateTable(
        name="BoE",
        rates=[
            ReferenceRate(dt.date(2024, 1, 1), Decimal("0.0525")),
            ReferenceRate(dt.date(2024, 8, 1), Decimal("0.05")),
            ReferenceRate(dt.date(2024, 12, 31), Decimal("0.0475")),
        ],
    )
    rule = InterestRule.uk(bank)
    # interest starting in 2H2024 uses the rate on 30 June 2024; in 1H2025, 31 December 2024
    assert rule.rate_for(dt.date(2024, 9, 1)) == Decimal("0.1325")
    assert rule.rate_for(dt.date(2025, 2, 1)) == Decimal("0.1275")
    with pytest.raises(RateNotFoundError):
        rule.rate_for(dt.date(2023, 6, 1))


def test_compensation_tables_check_currency_and_dates() -> None:
    with pytest.raises(CurrencyMismatchError):
        UK_COMPENSATION.amount_for(money("10", "EUR"))
    with pytest.raises(ValidationError):
        EU_MINIMUM_COMPENSATION.amount_for(money("10", "EUR"), dt.date(2012, 1, 1))
    assert EU_MINIMUM_COMPENSATION.amount_for(money("1", "EUR"), dt.date(2024, 1, 1)).amount == 40


@given(
    st.integers(min_value=0, max_value=10**10),
    st.integers(min_value=0, max_value=10**10),
    st.integers(min_value=0, max_value=3650),
    st.integers(min_value=0, max_value=3650),
    st.integers(min_value=0, max_value=5000),
    st.sampled_from(DayCount),
)
def test_interest_is_monotonic_in_days_and_amount(
    units_a: int, units_b: int, days_a: int, days_b: int, bp: int, day_count: DayCount
) -> None:
    rate = Decimal(bp).scaleb(-4)
    lo_u, hi_u = sorted((units_a, units_b))
    lo_d, hi_d = sorted((days_a, days_b))
    small = simple_interest(money(Decimal(lo_u).scaleb(-2), "EUR"), rate, lo_d, day_count=day_count)
    more_days = simple_interest(
        money(Decimal(lo_u).scaleb(-2), "EUR"), rate, hi_d, day_count=day_count
    )
    more_money = simple_interest(
        money(Decimal(hi_u).scaleb(-2), "EUR"), rate, lo_d, day_count=day_count
    )
    assert small.amount <= more_days.amount
    assert small.amount <= more_money.amount
    assert small.amount >= 0


@given(
    st.integers(min_value=0, max_value=10**9),
    st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31)),
    st.integers(min_value=0, max_value=900),
    st.integers(min_value=0, max_value=900),
)
def test_statutory_interest_is_monotonic_in_days(
    units: int, due: dt.date, days_a: int, days_b: int
) -> None:
    rule = InterestRule(margin=Decimal("0.08"), reference=_basis())
    principal = money(Decimal(units).scaleb(-2), "EUR")
    lo, hi = sorted((days_a, days_b))
    a, _ = rule.interest(principal, due, due + dt.timedelta(days=lo))
    b, periods = rule.interest(principal, due, due + dt.timedelta(days=hi))
    assert a.amount <= b.amount
    assert sum(p.days for p in periods) == hi


# ------------------------------------------------------------------ dunning


def _policy(**kw: Any) -> DunningPolicy:
    return DunningPolicy(
        levels=[
            DunningLevel(level=1, days_after_due=1, actions={DunningAction.EMAIL}),
            DunningLevel(
                level=2,
                days_after_due=15,
                fee=money("5.00", "EUR"),
                minimum_amount=money("50.00", "EUR"),
                actions={DunningAction.LETTER, DunningAction.CHARGE_INTEREST},
            ),
            DunningLevel(
                level=3,
                days_after_due=30,
                fee_percent=Decimal("2"),
                minimum_amount=money("500.00", "EUR"),
                actions={
                    DunningAction.LETTER,
                    DunningAction.CHARGE_INTEREST,
                    DunningAction.CLAIM_COMPENSATION,
                    DunningAction.BLOCK_DELIVERIES,
                },
            ),
        ],
        interest=InterestRule.fixed(Decimal("0.10")),
        compensation=EU_MINIMUM_COMPENSATION,
        **kw,
    )


def test_level_per_customer_and_exclusions() -> None:
    as_of = dt.date(2026, 3, 31)
    items = [
        _item("A1", due=as_of - dt.timedelta(days=40), amount="1000.00", customer="A"),
        _item("A2", due=as_of - dt.timedelta(days=5), amount="100.00", customer="A"),
        _item("A3", due=as_of + dt.timedelta(days=5), amount="100.00", customer="A"),
        _item("B1", due=as_of - dt.timedelta(days=40), amount="100.00", customer="B"),
        _item("C1", due=as_of - dt.timedelta(days=40), amount="100.00", customer="C"),
        _item("D1", due=as_of - dt.timedelta(days=20), amount="80.00", customer="D", disputed="80"),
        _item("E1", due=as_of - dt.timedelta(days=20), amount="80.00", customer="E"),
        _item(
            "E2",
            due=as_of - dt.timedelta(days=20),
            amount="-90.00",
            customer="E",
            kind=ItemKind.CREDIT_MEMO,
        ),
        _item("F1", due=as_of - dt.timedelta(days=3), amount="10.00", customer="F"),
    ]
    run = propose_dunning(items, as_of, _policy(), blocked_customers={"C"}, blocked_items={"X"})
    a = run.notice_for("A")
    assert a.level.level == 3
    assert [ln.item.item_id for ln in a.lines] == ["A1", "A2"]  # not-yet-due A3 is not dunned
    assert a.claim.fee.amount == Decimal("22.00")  # 2 % of 1100
    assert a.claim.compensation.amount == 80  # EUR 40 per late invoice
    # 1000 x 10 % x 40 / 365 = 10.96; 100 x 10 % x 5 / 365 = 0.14
    assert [ln.interest.amount for ln in a.claim.lines] == [Decimal("10.96"), Decimal("0.14")]
    assert a.total.amount == Decimal("1100.00") + Decimal("22.00") + 80 + Decimal("11.10")
    # B reaches level 3 by days, but only level 2's minimum of 50 is met
    assert run.notice_for("B").level.level == 2
    reasons = {(e.customer_id, e.reason) for e in run.exclusions}
    assert ("C", ExclusionReason.CUSTOMER_BLOCKED) in reasons
    assert ("D", ExclusionReason.DISPUTED) in reasons
    assert ("E", ExclusionReason.COVERED_BY_CREDITS) in reasons
    assert {n.customer_id for n in run.notices} == {"A", "B", "F"}
    assert run.notice_for("F").level.level == 1
    assert run.notice_for("F").claim.charges.amount == 0


def test_disputed_part_is_left_out_of_dunning() -> None:
    as_of = dt.date(2026, 3, 31)
    items = [_item("I", due=as_of - dt.timedelta(days=20), amount="300.00", disputed="120.00")]
    run = propose_dunning(items, as_of, _policy())
    notice = run.notice_for("C1")
    assert notice.overdue.amount == Decimal("180.00")
    assert notice.lines[0].disputed.amount == Decimal("120.00")
    [excluded] = run.exclusions
    assert excluded.reason is ExclusionReason.DISPUTED
    assert excluded.amount.amount == Decimal("120.00")


def test_one_level_at_a_time_and_blocked_items() -> None:
    as_of = dt.date(2026, 3, 31)
    items = [
        _item("I", due=as_of - dt.timedelta(days=60), amount="900.00"),
        _item("J", due=as_of - dt.timedelta(days=60), amount="900.00"),
    ]
    run = propose_dunning(
        items,
        as_of,
        _policy(one_level_at_a_time=True),
        previous_levels={"C1": 1},
        blocked_items={"J"},
    )
    notice = run.notice_for("C1")
    assert notice.level.level == 2
    assert [ln.item.item_id for ln in notice.lines] == ["I"]
    assert [e.reason for e in run.exclusions] == [ExclusionReason.ITEM_BLOCKED]


def test_policy_validation() -> None:
    with pytest.raises(ValidationError):
        DunningPolicy(levels=[])
    with pytest.raises(ValidationError):
        DunningPolicy(
            levels=[
                DunningLevel(level=1, days_after_due=10),
                DunningLevel(level=2, days_after_due=10),
            ]
        )


# ------------------------------------------------------------------ early warnings


def test_early_warning_signals() -> None:
    as_of = dt.date(2026, 3, 31)
    promise = PromiseToPay(
        customer_id=CustomerId("A"),
        made_on=dt.date(2026, 3, 1),
        pay_by=dt.date(2026, 3, 20),
        amount=money("500.00", "EUR"),
    )
    kept = PromiseToPay(
        customer_id=CustomerId("B"),
        made_on=dt.date(2026, 3, 1),
        pay_by=dt.date(2026, 3, 20),
        amount=money("100.00", "EUR"),
    )
    payments = [
        ("A", dt.date(2026, 3, 10), money("200.00", "EUR")),
        ("A", dt.date(2026, 3, 25), money("300.00", "EUR")),  # too late for the promise
        ("B", dt.date(2026, 3, 19), money("100.00", "EUR")),
    ]
    [broken] = broken_promises([promise, kept], payments, as_of)
    assert broken.kind is SignalKind.BROKEN_PROMISE
    assert broken.amount == money("300.00", "EUR")

    def paid(n: int, late: int) -> PaidItem:
        due = dt.date(2025, 1, 1) + dt.timedelta(days=30 * n)
        return PaidItem(
            item_id=ItemId(f"P{n}"),
            document_date=due - dt.timedelta(days=30),
            due_date=due,
            paid_on=due + dt.timedelta(days=late),
            amount=money("10.00", "EUR"),
        )

    history = {"A": [paid(1, 2), paid(2, 4), paid(3, 3)]}
    items = [
        _item("X", due=as_of - dt.timedelta(days=9), amount="50.00", customer="A"),
        _item("Y", due=as_of - dt.timedelta(days=7), amount="50.00", customer="A"),
        _item("Z", due=as_of - dt.timedelta(days=31), amount="50.00", customer="B"),
    ]
    [late] = later_than_usual(items, history, as_of)
    assert late.item_id == "X"
    crossings = threshold_crossings(items, as_of - dt.timedelta(days=7), as_of)
    assert [(s.item_id, s.detail) for s in crossings] == [("Z", "30 days past due")]
    all_signals = behaviour_signals(
        items,
        as_of,
        since=as_of - dt.timedelta(days=7),
        promises=[promise],
        payments=payments,
        history=history,
    )
    assert [s.kind for s in all_signals] == [
        SignalKind.BROKEN_PROMISE,
        SignalKind.LATER_THAN_USUAL,
        SignalKind.THRESHOLD_CROSSED,
    ]


def test_fixed_amounts_apply_to_notices_in_their_currency_only() -> None:
    as_of = dt.date(2026, 3, 31)
    items = [_item("U", due=as_of - dt.timedelta(days=40), amount="10.00", code="USD")]
    policy = DunningPolicy(
        levels=[
            DunningLevel(
                level=1,
                days_after_due=1,
                minimum_amount=money("500.00", "EUR"),
                fee=money("5.00", "EUR"),
                fee_percent=Decimal("10"),
            )
        ]
    )
    notice = propose_dunning(items, as_of, policy).notice_for("C1", "USD")
    assert notice.claim.fee == money("1.00", "USD")  # 10 % of 10.00; no EUR fee, no EUR minimum


def test_signals_from_ledger_find_a_broken_promise() -> None:
    from o2c.cli.demos.aging import sample_ledger
    from o2c.collecting import signals_from_ledger

    today = dt.date(2026, 3, 31)
    ledger, _ = sample_ledger(today)
    signals = signals_from_ledger(
        ledger, today, since=today - dt.timedelta(days=7), thresholds=(15,)
    )
    kinds = sorted((s.customer_id, s.kind.value, s.item_id) for s in signals)
    assert kinds == [
        ("C1", "threshold_crossed", "INV-102"),
        ("C2", "broken_promise", None),
    ]


def test_usual_lateness_is_an_exact_median() -> None:
    def paid(n: int, late: int) -> PaidItem:
        due = dt.date(2025, 6, 1) + dt.timedelta(days=10 * n)
        return PaidItem(
            item_id=ItemId(f"P{n}"),
            document_date=due - dt.timedelta(days=30),
            due_date=due,
            paid_on=due + dt.timedelta(days=late),
            amount=money("1.00", "EUR"),
        )

    as_of = dt.date(2026, 3, 31)
    items = [
        _item("LATE3", due=as_of - dt.timedelta(days=3), amount="5.00"),
        _item("LATE2", due=as_of - dt.timedelta(days=2), amount="5.00"),
    ]
    signals = later_than_usual(
        items, {"C1": [paid(1, 2), paid(2, 3)]}, as_of, tolerance_days=0, min_history=2
    )
    assert [(s.item_id, s.detail) for s in signals] == [("LATE3", "3 days late; usually 2.5 days")]


def test_compensation_is_claimed_once_per_item() -> None:
    as_of = dt.date(2026, 3, 31)
    items = [
        _item("A1", due=as_of - dt.timedelta(days=40), amount="1000.00", customer="A"),
        _item("A2", due=as_of - dt.timedelta(days=35), amount="600.00", customer="A"),
    ]
    first = propose_dunning(items, as_of, _policy()).notice_for("A")
    assert first.claim.compensation.amount == 80
    later = propose_dunning(
        items, as_of + dt.timedelta(days=30), _policy(), compensated={"A1"}
    ).notice_for("A")
    assert [ln.compensation.amount for ln in later.claim.lines] == [0, 40]
    # interest is to date: more days, more interest
    assert later.claim.interest.amount > first.claim.interest.amount


@st.composite
def _dunnable(draw: st.DrawFn) -> list[OpenItem]:
    from tests.strategies import open_items

    items = draw(open_items(currencies=("EUR", "USD"), max_size=6))
    result = []
    for item in items:
        if item.kind is ItemKind.INVOICE and draw(st.booleans()):
            share = draw(st.integers(min_value=0, max_value=12))
            disputed = (item.open_amount.amount * share / 10).quantize(item.open_amount.amount)
            item = attrs.evolve(
                item, disputed_amount=money(disputed, item.open_amount.currency.code)
            )
        result.append(item)
    return result


@given(_dunnable(), st.integers(min_value=0, max_value=10))
def test_disputed_amounts_are_never_dunned(items: list[OpenItem], grace: int) -> None:
    as_of = dt.date(2026, 3, 31)
    policy = DunningPolicy(levels=[DunningLevel(level=1, days_after_due=1)], grace_days=grace)
    run = propose_dunning(items, as_of, policy)
    by_id = {i.item_id: i for i in items}
    for notice in run.notices:
        for line in notice.lines:
            item = by_id[line.item.item_id]
            assert days_in_arrears(as_of, item.due_date, grace) > 0
            disputed = item.disputed_amount.amount if item.disputed_amount else Decimal(0)
            assert line.disputed.amount == min(disputed, item.open_amount.amount)
            assert line.amount.amount == item.open_amount.amount - line.disputed.amount > 0
        assert notice.total.amount == notice.overdue.amount  # no charges at this level
    for e in run.exclusions:
        if e.reason is ExclusionReason.DISPUTED:
            item = by_id[e.item_id]  # type: ignore[index]
            assert 0 < e.amount.amount <= item.open_amount.amount
    covered = {
        (e.customer_id, e.amount.currency.code)
        for e in run.exclusions
        if e.reason is ExclusionReason.COVERED_BY_CREDITS
    }
    expected = {
        i.item_id
        for i in items
        if i.kind is ItemKind.INVOICE
        and i.open_amount.amount > 0
        and days_in_arrears(as_of, i.due_date, grace) > 0
        and (i.disputed_amount is None or i.disputed_amount.amount < i.open_amount.amount)
        and (i.customer_id, i.open_amount.currency.code) not in covered
    }
    assert {ln.item.item_id for n in run.notices for ln in n.lines} == expected


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=0, max_value=10**7))
def test_compensation_never_falls_as_the_debt_grows(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    for table, code in ((UK_COMPENSATION, "GBP"), (IRELAND_COMPENSATION, "EUR")):
        small = table.amount_for(money(Decimal(lo).scaleb(-2), code)).amount
        large = table.amount_for(money(Decimal(hi).scaleb(-2), code)).amount
        assert small <= large


def test_a_recent_payment_later_than_usual_is_a_signal() -> None:
    def paid(n: int, late: int, customer: str = "C1") -> PaidItem:
        due = dt.date(2025, 6, 1) + dt.timedelta(days=10 * n)
        return PaidItem(
            item_id=ItemId(f"P{n}"),
            document_date=due - dt.timedelta(days=30),
            due_date=due,
            paid_on=due + dt.timedelta(days=late),
            amount=money("1.00", "EUR"),
            customer_id=CustomerId(customer),
        )

    history = {"C1": [paid(1, 0), paid(2, 1), paid(3, 2)]}
    recent = [paid(10, 7), paid(11, 6), paid(12, 30, customer="C9")]
    signals = later_than_usual([], history, dt.date(2026, 3, 31), recent=recent)
    assert [(s.item_id, s.detail) for s in signals] == [("P10", "paid 7 days late; usually 1 days")]


# ------------------------------------------------------------------ the master and the warnings


def _master(**collection: Any) -> Any:
    """The customer master of a ledger where C1 registered with ``collection`` preferences."""
    from o2c.ledger import CollectionPreferences, CustomerDetails, CustomerRegistered, Ledger

    ledger = Ledger()
    ledger.append(
        [
            CustomerRegistered(
                fact_id="reg:C1",
                customer_id="C1",
                effective=dt.date(2025, 1, 1),
                recorded_at=dt.datetime(2025, 1, 1, 9, tzinfo=dt.UTC),
                details=CustomerDetails(
                    name="Muster GmbH", collection=CollectionPreferences(**collection)
                ),
            )
        ]
    )
    return ledger.read(dt.date(2026, 3, 31)).customer_master()


def test_a_dunning_block_in_the_master_excludes_the_customer_with_its_reason() -> None:
    from o2c.ledger import ContactChannel

    items = [_item("A", due=dt.date(2026, 3, 1), amount="100.00")]
    as_of = dt.date(2026, 3, 31)
    blocked = _master(dunning_blocked=True, block_reason="in insolvency proceedings")
    run = propose_dunning(items, as_of, _policy(), master=blocked)
    assert run.notices == ()
    [excluded] = run.exclusions
    assert excluded.reason is ExclusionReason.CUSTOMER_BLOCKED
    assert excluded.detail == "in insolvency proceedings"
    by_letter = propose_dunning(
        items, as_of, _policy(), master=_master(channel=ContactChannel.LETTER)
    )
    assert by_letter.notices[0].channel is ContactChannel.LETTER
    assert propose_dunning(items, as_of, _policy()).notices[0].channel is None


def _warning(kind: Any, item_id: str, **kw: Any) -> Any:
    from o2c.credit import EarlyWarning

    return EarlyWarning(
        kind=kind,
        customer_id=CustomerId("C1"),
        item_id=ItemId(item_id),
        observed=Decimal(30),
        threshold=Decimal(15),
        message=f"{item_id}: {kind.value}",
        **kw,
    )


@given(st.integers(min_value=-10, max_value=40), st.integers(min_value=0, max_value=20))
def test_a_predicted_late_item_is_reminded_sooner_never_before_due_nor_escalated(
    overdue: int, sooner: int
) -> None:
    from o2c.credit import WarningKind

    grace = 5
    policy = attrs.evolve(_policy(grace_days=grace), remind_predicted_late_days=sooner)
    as_of = dt.date(2026, 3, 31)
    items = [_item("A", due=as_of - dt.timedelta(days=overdue), amount="1000.00")]
    warned = propose_dunning(items, as_of, policy, warnings=[_warning(WarningKind.LATE, "A")])
    plain = propose_dunning(items, as_of, policy)
    arrears = max(0, overdue - grace)
    if overdue <= 0:  # never before the due date
        assert warned.notices == plain.notices == ()
    elif arrears >= 1:  # reached by days: the warning changes nothing, escalates nothing
        assert warned.notices == plain.notices
    else:  # overdue, within the grace days: the first level, sooner, when the policy says so
        assert plain.notices == ()
        assert [n.level.level for n in warned.notices] == ([1] if sooner else [])
        if sooner:
            assert warned.notices[0].lines[0].warning is not None
    off = propose_dunning(
        items, as_of, _policy(grace_days=grace), warnings=[_warning(WarningKind.LATE, "A")]
    )
    assert off.notices == plain.notices  # 0 days sooner (the default): the warnings change nothing


def test_a_promise_at_risk_gets_a_follow_up_unless_blocked_or_switched_off() -> None:
    from o2c.credit import WarningKind

    as_of = dt.date(2026, 3, 31)
    items = [
        _item("A", due=dt.date(2026, 4, 20), amount="300.00"),
        _item("B", due=dt.date(2026, 4, 20), amount="300.00"),
    ]
    promise = _warning(WarningKind.PROMISE_AT_RISK, "A", promised_date=dt.date(2026, 4, 25))
    run = propose_dunning(items, as_of, _policy(), warnings=[promise])
    [follow_up] = run.follow_ups
    assert follow_up.item.item_id == "A"
    assert follow_up.warning is promise
    assert follow_up.actions == frozenset({DunningAction.EMAIL})
    assert run.notices == ()  # not due yet: no notice, only the follow-up
    off = attrs.evolve(_policy(), follow_up_promises_at_risk=False)
    assert propose_dunning(items, as_of, off, warnings=[promise]).follow_ups == ()
    assert (
        propose_dunning(items, as_of, _policy(), warnings=[promise], blocked_items=["A"]).follow_ups
        == ()
    )
    assert propose_dunning(items, as_of, _policy()).follow_ups == ()
    with pytest.raises(ValidationError) as err:
        _policy(remind_predicted_late_days=-1)
    assert err.value.field == "remind_predicted_late_days"
