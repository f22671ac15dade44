"""Examples and properties of exposure, limits, the credit check and the scores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.credit import (
    AltmanModel,
    AltmanRatios,
    Boundary,
    CreditDecision,
    CreditLimits,
    CreditPolicy,
    FinancialStatements,
    FixedAmount,
    LimitSource,
    OpenReceivables,
    PaymentInTransit,
    PaymentRecord,
    PaymentsInTransit,
    Release,
    RiskClass,
    Rule,
    altman_ratios,
    altman_score,
    altman_zone,
    behavioural_score,
    check_credit,
    compute_exposure,
    paydex,
    paydex_for_days,
    recommend_limit,
    weighted_median,
)
from o2c.errors import CurrencyMismatchError, FloatNotAllowedError, ValidationError
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money
from tests.strategies import disputed_open_items, payment_records

AS_OF = dt.date(2026, 3, 31)


def invoice(
    n: str,
    amount: str,
    *,
    due: dt.date,
    customer: str = "C1",
    disputed: str | None = None,
    kind: ItemKind = ItemKind.INVOICE,
) -> OpenItem:
    return OpenItem(
        item_id=ItemId(n),
        customer_id=CustomerId(customer),
        kind=kind,
        document_number=n,
        document_date=due - dt.timedelta(days=30),
        due_date=due,
        original_amount=money(amount, "EUR"),
        open_amount=money(amount, "EUR"),
        disputed_amount=None if disputed is None else money(disputed, "EUR"),
    )


def record(n: int, late: int, amount: str = "100", *, customer: str = "C1") -> PaymentRecord:
    due = dt.date(2025, 6, 1) + dt.timedelta(days=7 * n)
    return PaymentRecord(
        item_id=ItemId(f"R{n}"),
        customer_id=CustomerId(customer),
        amount=money(amount, "EUR"),
        document_date=due - dt.timedelta(days=30),
        due_date=due,
        paid_date=due + dt.timedelta(days=late),
    )


def rule(check: object, r: Rule) -> object:
    return next(x for x in check.rules if x.rule is r)  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------ exposure


def test_limits_resolve_customer_then_group_then_default() -> None:
    limits = CreditLimits(
        customer={"C1": money("5000", "EUR")},
        groups={"C1": "retail", "C2": "retail", "C3": "export"},
        group={"retail": money("2000", "EUR")},
        default=money("1000", "EUR"),
    )
    r1, r2, r3 = limits.resolve("C1"), limits.resolve("C2"), limits.resolve("C3")
    assert (r1.source, r1.amount) == (LimitSource.CUSTOMER, money("5000", "EUR"))
    assert (r2.source, r2.amount, r2.group) == (LimitSource.GROUP, money("2000", "EUR"), "retail")
    assert (r3.source, r3.amount) == (LimitSource.DEFAULT, money("1000", "EUR"))
    assert CreditLimits().resolve("C9").source is LimitSource.NONE


def test_open_receivables_leave_disputed_parts_out_when_the_policy_says_so() -> None:
    items = [
        invoice("I1", "100", due=AS_OF, disputed="40"),
        invoice("I2", "50", due=AS_OF, customer="C2"),
        invoice("CM", "-10", due=AS_OF, kind=ItemKind.CREDIT_MEMO),
    ]
    with_dispute = OpenReceivables(items, exclude_disputed=False)
    without = OpenReceivables(items)
    cid = CustomerId("C1")
    assert with_dispute.amount(cid, AS_OF, "EUR", None) == money("90", "EUR")
    assert without.amount(cid, AS_OF, "EUR", None) == money("50", "EUR")


def test_payments_in_transit_reduce_exposure_and_currencies_must_match() -> None:
    transit = PaymentsInTransit([PaymentInTransit(CustomerId("C1"), money("30", "EUR"), AS_OF)])
    e = compute_exposure(
        "C1",
        as_of=AS_OF,
        currency="EUR",
        components=[FixedAmount("gl", {"C1": money("100", "EUR")}), transit],
    )
    assert e.total == money("70", "EUR")
    assert e.component("payments_in_transit") == money("-30", "EUR")
    assert e.component("missing") == money("0", "EUR")
    with pytest.raises(CurrencyMismatchError):
        compute_exposure("C1", as_of=AS_OF, currency="USD", components=[transit])


@given(disputed_open_items(), st.booleans())
def test_exposure_components_add_up(items: list[OpenItem], exclude: bool) -> None:
    comps = [
        OpenReceivables(items, exclude_disputed=exclude),
        FixedAmount("extra", {"C1": money("12.34", "EUR")}),
    ]
    e = compute_exposure("C1", as_of=AS_OF, currency="EUR", components=comps)
    assert e.total.amount == sum(line.amount.amount for line in e.lines)
    mine = [i for i in items if i.customer_id == "C1"]
    expected = sum((i.open_amount.amount for i in mine), Decimal(0))
    if exclude:
        expected -= sum(
            (i.disputed_amount.amount for i in mine if i.disputed_amount is not None), Decimal(0)
        )
    assert e.component("open_ar").amount == expected


# ---------------------------------------------------------------------------------- the check


def test_static_limit_blocks_only_above_the_limit_and_warns_near_it() -> None:
    limits = CreditLimits(default=money("1000", "EUR"))
    gl = FixedAmount("gl", {"C1": money("500", "EUR")})

    def decide(amount: str, **kw: object) -> CreditDecision:
        pol = CreditPolicy(**kw)  # type: ignore[arg-type]
        return check_credit(
            "C1",
            as_of=AS_OF,
            amount=money(amount, "EUR"),
            limits=limits,
            components=[gl],
            policy=pol,
        ).decision

    assert decide("300") is CreditDecision.APPROVE
    assert decide("400") is CreditDecision.WARN
    assert decide("500") is CreditDecision.WARN
    assert decide("500.01") is CreditDecision.BLOCK
    assert decide("500", limit_strict=False) is CreditDecision.BLOCK
    assert decide("450", warn_utilisation=None) is CreditDecision.APPROVE


def test_no_limit_is_unlimited_unless_the_policy_says_otherwise() -> None:
    check = check_credit("C9", as_of=AS_OF, amount=money("1e9", "EUR"), limits=CreditLimits())
    assert check.decision is CreditDecision.APPROVE
    assert not rule(check, Rule.STATIC_LIMIT).applied  # type: ignore[attr-defined]
    strict = CreditPolicy(no_limit=CreditDecision.BLOCK)
    blocked = check_credit(
        "C9", as_of=AS_OF, amount=money("1", "EUR"), limits=CreditLimits(), policy=strict
    )
    assert blocked.decision is CreditDecision.BLOCK
    assert "no credit limit" in blocked.reasons[0]


def test_every_rule_reports_its_outcome_and_reason() -> None:
    items = [
        invoice("I1", "100", due=AS_OF - dt.timedelta(days=45)),
        invoice("I2", "300", due=AS_OF + dt.timedelta(days=10)),
    ]
    check = check_credit(
        "C1",
        as_of=AS_OF,
        amount=money("50", "EUR"),
        limits=CreditLimits(default=money("10000", "EUR")),
        open_items=items,
        dunning_level=2,
    )
    assert [r.rule for r in check.rules] == [
        Rule.STATIC_LIMIT,
        Rule.OLDEST_OPEN_ITEM,
        Rule.DUNNING_LEVEL,
        Rule.OVERDUE_SHARE,
        Rule.RELEASE,
    ]
    oldest = rule(check, Rule.OLDEST_OPEN_ITEM)
    assert oldest.outcome is CreditDecision.WARN  # type: ignore[attr-defined]
    assert oldest.observed == 45  # type: ignore[attr-defined]
    assert rule(check, Rule.DUNNING_LEVEL).outcome is CreditDecision.WARN  # type: ignore[attr-defined]
    share = rule(check, Rule.OVERDUE_SHARE)
    assert share.observed == Decimal("0.25")  # type: ignore[attr-defined]
    assert share.outcome is CreditDecision.WARN  # type: ignore[attr-defined]
    assert check.decision is CreditDecision.WARN
    assert len(check.reasons) == 3
    assert "45 days past due" in check.explain()


def test_disputed_items_are_left_out_of_age_and_overdue_share() -> None:
    items = [
        invoice("I1", "100", due=AS_OF - dt.timedelta(days=120), disputed="100"),
        invoice("I2", "100", due=AS_OF + dt.timedelta(days=10)),
    ]
    limits = CreditLimits(default=money("10000", "EUR"))
    leave_out = check_credit(
        "C1", as_of=AS_OF, amount=money("1", "EUR"), limits=limits, open_items=items
    )
    assert leave_out.decision is CreditDecision.APPROVE
    assert leave_out.exposure.total == money("100", "EUR")
    count = check_credit(
        "C1",
        as_of=AS_OF,
        amount=money("1", "EUR"),
        limits=limits,
        open_items=items,
        policy=CreditPolicy(exclude_disputed=False),
    )
    assert count.decision is CreditDecision.BLOCK
    assert rule(count, Rule.OLDEST_OPEN_ITEM).outcome is CreditDecision.BLOCK  # type: ignore[attr-defined]


def test_dynamic_limit_counts_only_what_falls_within_the_horizon() -> None:
    from o2c.credit.orders import Order, UnbilledOrders

    later = Order.create(
        "SO-9", "C1", AS_OF, "EUR", [("x", "1", "900")], delivery_date=AS_OF + dt.timedelta(60)
    )
    limits = CreditLimits(default=money("1000", "EUR"))
    pol = CreditPolicy(horizon_days=30, warn_utilisation=None)
    check = check_credit(
        "C1",
        as_of=AS_OF,
        amount=money("200", "EUR"),
        limits=limits,
        components=[UnbilledOrders([later])],
        policy=pol,
    )
    assert rule(check, Rule.STATIC_LIMIT).outcome is CreditDecision.BLOCK  # type: ignore[attr-defined]
    dynamic = rule(check, Rule.DYNAMIC_LIMIT)
    assert dynamic.outcome is CreditDecision.APPROVE  # type: ignore[attr-defined]
    assert check.dynamic_exposure is not None
    assert check.dynamic_exposure.total == money("0", "EUR")
    assert check.dynamic_exposure.horizon == AS_OF + dt.timedelta(days=30)
    # A document shipping beyond the horizon does not count in the dynamic check either.
    far = check_credit(
        "C1",
        as_of=AS_OF,
        amount=money("5000", "EUR"),
        limits=limits,
        components=[],
        policy=pol,
        delivery_date=AS_OF + dt.timedelta(days=31),
    )
    assert rule(far, Rule.DYNAMIC_LIMIT).outcome is CreditDecision.APPROVE  # type: ignore[attr-defined]


def test_a_release_holds_within_the_deviation_and_lapses_beyond_it() -> None:
    limits = CreditLimits(default=money("100", "EUR"))
    release = Release(
        document_id="SO-1", amount=money("200", "EUR"), released_on=AS_OF, released_by="cm"
    )

    def recheck(amount: str, on: dt.date = AS_OF) -> object:
        return check_credit(
            "C1", as_of=on, amount=money(amount, "EUR"), limits=limits, release=release
        )

    within = recheck("220")
    assert within.decision is CreditDecision.WARN  # type: ignore[attr-defined]
    assert rule(within, Rule.STATIC_LIMIT).overridden  # type: ignore[attr-defined]
    assert "within the 10.00% deviation" in rule(within, Rule.RELEASE).reason  # type: ignore[attr-defined]
    assert recheck("220.01").decision is CreditDecision.BLOCK  # type: ignore[attr-defined]
    assert recheck("200", AS_OF + dt.timedelta(days=31)).decision is CreditDecision.BLOCK  # type: ignore[attr-defined]


@given(
    st.integers(min_value=0, max_value=10**7),
    st.integers(min_value=0, max_value=10**7),
    st.integers(min_value=1, max_value=10**7),
    st.booleans(),
)
def test_decision_is_monotonic_in_exposure(a: int, b: int, limit: int, strict: bool) -> None:
    low, high = sorted((a, b))
    limits = CreditLimits(default=money(limit, "EUR"))
    pol = CreditPolicy(limit_strict=strict)

    def severity(units: int) -> int:
        gl = FixedAmount("gl", {"C1": money(units, "EUR")})
        c = check_credit(
            "C1", as_of=AS_OF, amount=money("1", "EUR"), limits=limits, components=[gl], policy=pol
        )
        return c.decision.severity

    assert severity(low) <= severity(high)


def test_policy_refuses_floats_and_negative_fractions() -> None:
    with pytest.raises(FloatNotAllowedError):
        CreditPolicy(warn_utilisation=0.9)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        CreditPolicy(release_deviation=Decimal("-0.1"))


# -------------------------------------------------------------------------------------- Altman


def test_altman_z_prime_uses_book_equity_and_its_own_cut_offs() -> None:
    fs = FinancialStatements(
        total_assets="1000",
        total_liabilities="500",
        retained_earnings="100",
        ebit="80",
        working_capital="150",
        sales="1500",
        book_equity="500",
    )
    s = altman_score(AltmanModel.Z_PRIME, fs)
    # 0.717*0.15 + 0.847*0.1 + 3.107*0.08 + 0.42*1 + 0.998*1.5
    assert s.exact == Decimal("2.35781")
    assert s.score == Decimal("2.3578")
    assert s.zone.value == "grey"
    assert "1.23 / 2.90" in s.explanation
    with pytest.raises(ValidationError, match="market_value_equity"):
        altman_ratios(fs, AltmanModel.Z)


def test_altman_refuses_zero_assets_and_floats() -> None:
    fs = FinancialStatements(
        total_assets="0",
        total_liabilities="1",
        retained_earnings="0",
        ebit="0",
        working_capital="0",
        book_equity="1",
    )
    with pytest.raises(ValidationError, match="total_assets"):
        altman_ratios(fs, AltmanModel.Z_DOUBLE_PRIME)
    with pytest.raises(FloatNotAllowedError):
        AltmanRatios(x1=0.1, x2="0", x3="0", x4="0")  # type: ignore[arg-type]


def test_boundary_option_moves_values_on_the_cut_offs() -> None:
    z = AltmanModel.Z
    assert altman_zone(z, Decimal("1.81"), boundary=Boundary.GREY_EXCLUSIVE).value == "distress"
    assert altman_zone(z, Decimal("2.99"), boundary=Boundary.GREY_EXCLUSIVE).value == "safe"


# -------------------------------------------------------------------------------------- PAYDEX


def test_paydex_hits_the_published_key() -> None:
    key = {-30: 100, -20: 90, 0: 80, 15: 70, 22: 60, 30: 50, 60: 40, 90: 30, 120: 20}
    assert {d: paydex_for_days(Decimal(d)) for d in key} == key
    assert paydex_for_days(Decimal(-18)) == 89  # the D&B chart: 89 = 18 days sooner
    assert paydex_for_days(Decimal(33)) == 49  # 49 = 33 days beyond terms


@given(st.integers(min_value=-100, max_value=400), st.integers(min_value=-100, max_value=400))
def test_paydex_never_rises_with_lateness(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    s_lo, s_hi = paydex_for_days(Decimal(lo)), paydex_for_days(Decimal(hi))
    assert s_lo >= s_hi
    assert 1 <= s_hi <= s_lo <= 100


def test_paydex_is_amount_weighted_and_needs_history() -> None:
    big_late = [record(0, 0, "100"), record(1, 0, "100"), record(2, 60, "800")]
    p = paydex(big_late)
    assert p.days_beyond_terms == Decimal("48.00")
    assert p.score == 44
    assert "48.00 days beyond terms" in p.explanation
    few = paydex(big_late[:2])
    assert few.score is None
    assert "unavailable" in few.explanation


# ---------------------------------------------------------------------------------- behaviour


def test_prompt_payer_is_class_a_and_chronic_late_disputer_is_not() -> None:
    prompt = [record(n, 0) for n in range(12)]
    s = behavioural_score(
        "C1", prompt, as_of=AS_OF, exposure=money("100", "EUR"), limit=money("1000", "EUR")
    )
    assert s.risk_class is RiskClass.A
    assert s.score == 100
    late = [attrs_evolve(record(n, 20 + 5 * n), disputed=n % 3 == 0) for n in range(12)]
    bad = behavioural_score(
        "C1", late, as_of=AS_OF, exposure=money("1200", "EUR"), limit=money("1000", "EUR")
    )
    assert bad.risk_class in (RiskClass.D, RiskClass.E)
    names = [f.name for f in bad.factors]
    assert names == ["lateness", "tail", "trend", "disputes", "utilisation"]
    assert "worse" in bad.explanation
    assert bad.risk_class.description in bad.explanation


def attrs_evolve(r: PaymentRecord, **changes: object) -> PaymentRecord:
    import attrs

    return attrs.evolve(r, **changes)


def test_open_overdue_items_count_in_the_lateness() -> None:
    history = [record(n, 0) for n in range(3)]
    overdue = [invoice(f"O{n}", "1000", due=AS_OF - dt.timedelta(days=90)) for n in range(3)]
    clean = behavioural_score("C1", history, as_of=AS_OF)
    dirty = behavioural_score("C1", history, as_of=AS_OF, open_items=overdue)
    assert dirty.score < clean.score


@given(payment_records(max_size=10), disputed_open_items(max_size=5))
def test_behavioural_score_is_the_sum_of_its_factors(
    records: list[PaymentRecord], items: list[OpenItem]
) -> None:
    s = behavioural_score("C1", records, as_of=AS_OF, open_items=items)
    assert s.score == sum(f.points for f in s.factors)
    assert 0 <= s.score <= 100
    assert sum(f.max_points for f in s.factors) == 100
    assert s.score >= s.risk_class.floor
    better = [rc for rc in RiskClass if rc.floor > s.risk_class.floor]
    assert all(s.score < rc.floor for rc in better)


def test_weighted_median_is_robust_to_an_outlier() -> None:
    pairs = [(Decimal(v), Decimal(1)) for v in (1, 2, 3, 1000)]
    assert weighted_median(pairs) == 2
    assert weighted_median([]) is None


# --------------------------------------------------------------------------- limit recommendation


def test_recommended_limit_follows_the_formula_and_caps() -> None:
    r = recommend_limit(
        credit_sales=money("730000", "EUR"),
        period_days=365,
        terms_days=30,
        expected_days_late=Decimal("15"),
        risk_class=RiskClass.A,
    )
    assert r.trade_need == money("90000.00", "EUR")  # 2000/day x 45 days
    assert r.amount == money("135000", "EUR")  # x 1.5
    capped = recommend_limit(
        credit_sales=money("730000", "EUR"),
        period_days=365,
        terms_days=30,
        expected_days_late=Decimal("-5"),
        risk_class=RiskClass.C,
        net_worth=money("500000", "EUR"),
    )
    assert capped.amount == money("50000", "EUR")
    assert "capped" in capped.explanation
    none = recommend_limit(
        credit_sales=money("1000", "EUR"),
        period_days=30,
        terms_days=30,
        expected_days_late=Decimal(0),
        risk_class=RiskClass.E,
    )
    assert none.amount == money("0", "EUR")
    with pytest.raises(ValidationError):
        recommend_limit(
            credit_sales=money("1", "EUR"),
            period_days=0,
            terms_days=30,
            expected_days_late=Decimal(0),
            risk_class=RiskClass.A,
        )


@given(
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=1, max_value=730),
    st.integers(min_value=0, max_value=120),
    st.integers(min_value=-30, max_value=200),
    st.sampled_from(tuple(RiskClass)),
    st.none() | st.integers(min_value=0, max_value=10**10),
)
def test_recommended_limit_is_a_nonnegative_step_within_the_cap(
    sales: int, period: int, terms: int, late: int, risk: RiskClass, worth: int | None
) -> None:
    r = recommend_limit(
        credit_sales=money(sales, "EUR"),
        period_days=period,
        terms_days=terms,
        expected_days_late=Decimal(late),
        risk_class=risk,
        net_worth=None if worth is None else money(worth, "EUR"),
    )
    assert r.amount.amount >= 0
    assert r.amount.amount % 100 == 0
    assert r.amount.amount <= r.trade_need.amount * r.factor + 1
    if r.cap is not None:
        assert r.amount.amount <= r.cap.amount
    if risk is RiskClass.E:
        assert r.amount.amount == 0


def test_warn_only_limit_mode_warns_and_lets_the_document_through() -> None:
    from o2c.credit import LimitMode

    limits = CreditLimits(default=money("1000", "EUR"))
    gl = FixedAmount("gl", {"C1": money("900", "EUR")})
    policy = CreditPolicy(limit_mode=LimitMode.WARN_ONLY, horizon_days=30)
    check = check_credit(
        "C1",
        as_of=AS_OF,
        amount=money("5000", "EUR"),
        limits=limits,
        components=[gl],
        policy=policy,
    )
    assert check.decision is CreditDecision.WARN
    limit_rules = [r for r in check.rules if r.rule in (Rule.STATIC_LIMIT, Rule.DYNAMIC_LIMIT)]
    assert limit_rules
    assert all(r.outcome is CreditDecision.WARN for r in limit_rules)
    assert all("warn-only limit" in r.reason for r in limit_rules)
    blocked = check_credit(
        "C1",
        as_of=AS_OF,
        amount=money("5000", "EUR"),
        limits=limits,
        components=[gl],
    )
    assert blocked.decision is CreditDecision.BLOCK


def test_warn_only_mode_leaves_the_other_rules_blocking() -> None:
    from o2c.credit import LimitMode

    item = OpenItem(
        item_id=ItemId("OLD"),
        customer_id=CustomerId("C1"),
        kind=ItemKind.INVOICE,
        document_number="OLD",
        document_date=AS_OF - dt.timedelta(days=200),
        due_date=AS_OF - dt.timedelta(days=170),
        original_amount=money("10", "EUR"),
        open_amount=money("10", "EUR"),
    )
    check = check_credit(
        "C1",
        as_of=AS_OF,
        amount=money("1", "EUR"),
        limits=CreditLimits(),
        open_items=[item],
        policy=CreditPolicy(limit_mode=LimitMode.WARN_ONLY),
    )
    assert check.decision is CreditDecision.BLOCK  # the oldest item is 170 days overdue
