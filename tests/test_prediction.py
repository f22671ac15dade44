"""Payment prediction from ledger features: the builder, the models, calibration, backtests,
early warnings, PAYDEX labels and limits from predictions."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.credit import (
    Calibration,
    FeatureContext,
    ItemDisputeState,
    ItemTimeline,
    RiskClass,
    Scope,
    ShrinkageModel,
    WarningKind,
    backtest_predictions,
    backtest_predictions_from_ledger,
    build_features,
    early_warnings,
    paydex_score,
    practice,
    recommend_limit_from_predictions,
    risk_band,
    timelines_from_history,
)
from o2c.errors import ValidationError
from o2c.ledger import (
    CustomerId,
    DisputeOpened,
    InvoiceIssued,
    ItemId,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
    PromisedToPay,
    read,
)
from o2c.money import money
from o2c.terms import Instalment

START = dt.date(2025, 1, 1)


def timeline(
    n: int,
    late: int | None,
    customer: str = "C1",
    *,
    issued: dt.date | None = None,
    disputed: bool = False,
    lag: int = 0,
) -> ItemTimeline:
    doc = issued or START + dt.timedelta(days=7 * n)
    due = doc + dt.timedelta(days=30)
    paid = None if late is None else due + dt.timedelta(days=late)
    return ItemTimeline(
        item_id=ItemId(f"{customer}-{n}"),
        customer_id=CustomerId(customer),
        document_id=f"{customer}-{n}",
        amount=money("100", "EUR"),
        document_date=doc,
        due_date=due,
        paid_on=paid,
        paid_known_on=None if paid is None else paid + dt.timedelta(days=lag),
        disputes=((doc, paid),) if disputed else (),
    )


def portfolio(seed: int = 1, n: int = 60) -> list[ItemTimeline]:
    """Two customers; disputed items pay 15 days later."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        for cust, habit in (("FAST", 0), ("SLOW", 10)):
            disputed = rng.random() < 0.3
            out.append(
                timeline(
                    i, habit + (15 if disputed else 0) + rng.randint(-2, 2), cust, disputed=disputed
                )
            )
    return out


# -- features -----------------------------------------------------------------------------------


def test_features_see_only_what_was_recorded_by_the_moment() -> None:
    paid_late_recorded = timeline(0, 5, lag=20)  # paid 2025-02-05, recorded 2025-02-25
    item = timeline(6, None)  # issued 2025-02-12
    early, late = build_features(
        [paid_late_recorded, item], [(item, item.document_date), (item, dt.date(2025, 3, 1))]
    )
    assert early.history.count == 0
    assert late.history.count == 1
    assert late.history.median == 5


def test_history_as_of_freezes_the_history_but_not_the_items_own_state() -> None:
    paid = timeline(0, 0)  # paid 2025-01-31
    item = timeline(8, None, disputed=True)  # issued 2025-02-26, disputed on issue
    f = build_features(
        [paid, item], [(item, item.document_date)], history_as_of=dt.date(2025, 1, 15)
    )[0]
    assert f.history.count == 0
    assert f.dispute is ItemDisputeState.OPEN
    f = build_features([paid, item], [(item, item.document_date)])[0]
    assert f.history.count == 1


def test_a_dispute_opened_after_the_moment_is_not_seen() -> None:
    item = timeline(0, None)
    later = attrs.evolve(item, disputes=((item.document_date + dt.timedelta(days=10), None),))
    f0, f1 = build_features(
        [later],
        [(later, later.document_date), (later, later.document_date + dt.timedelta(days=10))],
    )
    assert f0.dispute is ItemDisputeState.NONE
    assert f1.dispute is ItemDisputeState.OPEN


def test_context_supplies_channel_country_group_and_dunning_levels() -> None:
    old = timeline(0, None)  # open, due 2025-01-31
    item = timeline(8, None)
    ctx = FeatureContext(
        channels={item.document_id: "paper"},
        countries={"C1": "DE"},
        groups={"C1": "retail"},
        dunning_days=(1, 15, 30),
    )
    f = build_features([old, item], [(item, dt.date(2025, 3, 4))], context=ctx)[0]
    assert (f.channel, f.country, f.group) == ("paper", "DE", "retail")
    assert f.dunning_level == 3  # the oldest open item is 32 days overdue


def test_moments_before_issue_are_refused() -> None:
    item = timeline(3, None)
    with pytest.raises(ValidationError, match="moment"):
        build_features([item], [(item, item.document_date - dt.timedelta(days=1))])


def test_timelines_from_the_ledger_carry_payments_disputes_and_promises() -> None:
    at = lambda d: dt.datetime.combine(d, dt.time(12), dt.UTC)  # noqa: E731
    doc = dt.date(2025, 3, 1)
    due = dt.date(2025, 3, 31)
    ledger = Ledger()
    ledger.append(
        [
            InvoiceIssued.from_instalments(
                fact_id="i1",
                customer_id="C1",
                item_id="INV-1",
                document_number="INV-1",
                document_date=doc,
                recorded_at=at(doc),
                instalments=[Instalment(number=1, due_date=due, amount=money("100.00", "EUR"))],
            ),
            DisputeOpened(
                fact_id="d1",
                customer_id="C1",
                effective=dt.date(2025, 3, 5),
                recorded_at=at(dt.date(2025, 3, 5)),
                item_id="INV-1",
                amount=money("100.00", "EUR"),
                reason_code="price",
            ),
            PromisedToPay(
                fact_id="p1",
                customer_id="C1",
                effective=dt.date(2025, 4, 2),
                recorded_at=at(dt.date(2025, 4, 2)),
                amount=money("100.00", "EUR"),
                promised_date=dt.date(2025, 4, 10),
                item_id="INV-1",
            ),
            PaymentReceived(
                fact_id="pay1",
                customer_id="C1",
                effective=dt.date(2025, 4, 9),
                recorded_at=at(dt.date(2025, 4, 10)),
                payment_id="P1",
                amount=money("100.00", "EUR"),
                value_date=dt.date(2025, 4, 9),
            ),
            PaymentAllocated(
                fact_id="a1",
                customer_id="C1",
                effective=dt.date(2025, 4, 9),
                recorded_at=at(dt.date(2025, 4, 10)),
                source_id="P1",
                item_id="INV-1",
                applied=money("100.00", "EUR"),
            ),
        ]
    )
    (t,) = timelines_from_history(read(ledger.facts()))
    assert (t.paid_on, t.paid_known_on, t.days_late) == (
        dt.date(2025, 4, 9),
        dt.date(2025, 4, 10),
        9,
    )
    assert t.disputes == ((dt.date(2025, 3, 5), None),)
    assert t.promises == ((dt.date(2025, 4, 2), dt.date(2025, 4, 10)),)
    assert t.open_promise(dt.date(2025, 4, 5)) == dt.date(2025, 4, 10)
    report = backtest_predictions_from_ledger(ledger, [dt.date(2025, 2, 1)])
    assert report.nothing_to_score  # nothing was paid before the cut-off to learn from


# -- the default model ----------------------------------------------------------------------


def _fit(items: list[ItemTimeline], as_of: dt.date) -> tuple[object, list[object]]:
    paid = [t for t in items if t.paid_by(as_of)]
    feats = build_features(items, [(t, t.document_date) for t in paid])
    return ShrinkageModel().fit(feats, [t.days_late or 0 for t in paid], as_of=as_of), feats


def test_the_default_model_learns_the_dispute_effect_and_explains_it() -> None:
    items = portfolio()
    as_of = dt.date(2026, 6, 1)
    fitted, _ = _fit(items, as_of)
    assert fitted.effects["dispute"]["open"] > 5  # type: ignore[attr-defined]
    new = [timeline(200, None, "SLOW", issued=as_of, disputed=d) for d in (False, True)]
    feats = build_features(items + new, [(t, as_of) for t in new])
    plain, disputed = fitted.predict(feats)  # type: ignore[attr-defined]
    assert 5 <= plain.days_late <= 14
    assert 7 <= disputed.days_late - plain.days_late <= 20
    names = [f.name for f in disputed.factors]
    assert "dispute" in names
    assert "customer history" in names
    total = sum((f.days for f in disputed.factors), Decimal(0))
    assert abs(total - disputed.days_late) <= Decimal("1.0")
    assert "dispute (open)" in disputed.explanation


def test_factors_are_made_when_read_and_equal_the_factors_they_describe() -> None:
    from o2c.credit.prediction import Factor, Factors

    items = portfolio()
    as_of = dt.date(2026, 6, 1)
    fitted, _ = _fit(items, as_of)
    new = timeline(200, None, "SLOW", issued=as_of)
    (p,) = fitted.predict(build_features([*items, new], [(new, as_of)]))  # type: ignore[attr-defined]
    lazy = p.factors
    assert isinstance(lazy, Factors)
    made = tuple(lazy)
    assert all(isinstance(f, Factor) for f in made)
    assert lazy == made
    assert made == lazy
    assert hash(lazy) == hash(made)
    assert lazy[0] is made[0]
    assert len(lazy) == len(made)
    history = next(f for f in made if f.name == "customer history")
    assert "payments, recency-weighted mean" in history.detail
    assert Factors([("x", "y", 1.25)]) != Factors([("x", "y", 1.0)])
    assert Factors([("x", "y", 1.25)])[0].days == Decimal("1.2")


@settings(max_examples=10, deadline=None)
@given(overdue=st.integers(min_value=-40, max_value=200), seed=st.integers(0, 5))
def test_predictions_are_ordered_and_never_before_the_earliest_possible_day(
    overdue: int, seed: int
) -> None:
    items = portfolio(seed, 30)
    as_of = dt.date(2026, 6, 1)
    fitted, _ = _fit(items, as_of)
    doc = as_of - dt.timedelta(days=30 + max(overdue, -30))
    item = timeline(500, None, "SLOW", issued=doc)
    f = build_features([*items, item], [(item, as_of)])[0]
    (p,) = fitted.predict([f])  # type: ignore[attr-defined]
    dates = [d for _, d in p.quantiles]
    assert dates == sorted(dates)
    if f.overdue_days >= 0:
        assert p.low_date > as_of
    assert p.low_date <= p.predicted_date <= p.high_date


def test_a_calibration_shrinks_a_customers_quantiles_toward_the_portfolio() -> None:
    cal = Calibration.from_residuals(
        [("P", float(r)) for r in range(-10, 11)] + [("C", 30.0)] * 20, strength=20
    )
    own_q = cal.quantile("C", Decimal("0.5"), None)
    port_q = cal.portfolio.quantile(Decimal("0.5"))
    assert port_q is not None
    assert own_q is not None
    assert port_q < own_q < 30.0
    assert cal.quantile("NEW", Decimal("0.5"), None) == port_q


# -- backtests ------------------------------------------------------------------------------


def test_the_backtest_keeps_every_prediction_and_prints_baselines() -> None:
    items = portfolio(n=80)
    cutoffs = [dt.date(2025, m, 1) for m in range(7, 13)]
    report = backtest_predictions(items, cutoffs, min_calibration=20)
    assert report.items
    assert all(s.prediction.factors for s in report.items)
    issued = {s.prediction.item_id for s in report.items}
    expected = {t.item_id for t in items if cutoffs[0] < t.document_date <= dt.date(2026, 1, 1)}
    assert issued == expected
    mae = report.mae_days
    assert set(mae) == {"shrinkage", "due date", "global median", "customer median"}
    assert mae["shrinkage"] is not None
    assert mae["customer median"] is not None
    assert mae["shrinkage"] < mae["customer median"] < mae["due date"]  # type: ignore[operator]
    assert report.calibrated_coverage is not None
    assert report.week_coverage is not None
    assert "MAE days" in report.summary()


def test_open_at_cutoff_scores_what_was_unpaid_then() -> None:
    items = portfolio(n=40)
    cutoff = dt.date(2025, 6, 1)
    report = backtest_predictions(items, [cutoff], scope=Scope.OPEN_AT_CUTOFF, weeks=2)
    ids = {s.prediction.item_id for s in report.items}
    expected = {t.item_id for t in items if t.document_date <= cutoff and not t.paid_by(cutoff)}
    assert ids == expected
    assert all(s.prediction.predicted_date > cutoff for s in report.items)
    assert len(report.weeks) == 2


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(-100, 300), min_size=1, max_size=30),
    st.lists(st.integers(-100, 300), max_size=30),
    st.integers(0, 40),
)
def test_a_horizons_weekly_bounds_lie_between_its_own_and_the_pooled(
    pooled_pct: list[int], own_pct: list[int], strength: int
) -> None:
    from o2c.credit.prediction_backtest import _horizon_bounds, _quantile

    pooled = [Decimal(p) / 100 for p in pooled_pct + own_pct]
    own = [Decimal(p) / 100 for p in own_pct]
    lo, hi = _horizon_bounds(own, pooled, strength)
    pool = (_quantile(pooled, Decimal("0.1")), _quantile(pooled, Decimal("0.9")))
    if not own:
        assert (lo, hi) == pool
        return
    mine = (_quantile(own, Decimal("0.1")), _quantile(own, Decimal("0.9")))
    if strength == 0:
        assert (lo, hi) == mine
    for got, a, b in ((lo, mine[0], pool[0]), (hi, mine[1], pool[1])):
        assert min(a, b) - Decimal("1e-20") <= got <= max(a, b) + Decimal("1e-20")


def test_weekly_intervals_are_calibrated_per_horizon() -> None:
    """Each horizon's interval comes from its own errors (strength 0) or from every
    horizon's (a huge strength): the expected cash is the same, the intervals differ."""
    items = portfolio(n=100)
    cutoffs = [dt.date(2025, 1, 6) + dt.timedelta(days=7 * k) for k in range(40)]
    scope = Scope.OPEN_AT_CUTOFF
    own = backtest_predictions(items, cutoffs, scope=scope, weeks=4, horizon_strength=0)
    pooled = backtest_predictions(items, cutoffs, scope=scope, weeks=4, horizon_strength=10**9)
    by = own.calibrated_week_coverage_by_horizon
    assert set(by) == {1, 2, 3, 4}
    assert all(v is not None for v in by.values())

    def width(report: object, h: int) -> Decimal:
        weeks = [w for w in report.weeks if w.week == h and w.calibrated]  # type: ignore[attr-defined]
        return sum((w.high.amount - w.low.amount for w in weeks), Decimal(0))

    assert {w.expected for w in own.weeks} == {w.expected for w in pooled.weeks}
    assert any(width(own, h) != width(pooled, h) for h in by)  # the horizons are kept apart
    assert "weekly cash coverage" in own.summary()


def test_nothing_to_score_is_reported_as_such() -> None:
    report = backtest_predictions(portfolio(n=5), [dt.date(2030, 1, 1)])
    assert report.nothing_to_score
    assert report.items == ()
    assert report.coverage is None
    assert report.mae_days["shrinkage"] is None
    assert "nothing to score" in report.summary()
    with pytest.raises(ValidationError, match="cut-off"):
        backtest_predictions(portfolio(n=5), [])


# -- warnings, limits, PAYDEX -----------------------------------------------------------------


def test_early_warnings_flag_late_items_worsening_customers_and_weak_promises() -> None:
    items = portfolio()
    as_of = dt.date(2026, 6, 1)
    fitted, _ = _fit(items, as_of)
    new = [
        timeline(300, None, "SLOW", issued=as_of, disputed=True),
        timeline(301, None, "FAST", issued=as_of),
    ]
    feats = build_features(items + new, [(t, as_of) for t in new])
    now = fitted.predict(feats)  # type: ignore[attr-defined]
    earlier = fitted.predict(build_features(items + new[1:], [(new[1], as_of)]))  # type: ignore[attr-defined]
    found = early_warnings(now)
    assert [(w.kind, w.item_id) for w in found] == [(WarningKind.LATE, new[0].item_id)]
    assert "dispute" in found[0].message
    shifted = [p for p in now if p.customer_id == "FAST"]
    worse = early_warnings(now, previous=[*earlier, *shifted])
    assert all(w.kind is not WarningKind.WORSENING for w in worse)
    assert early_warnings([]) == ()


def test_limits_follow_the_predicted_lateness() -> None:
    items = portfolio()
    as_of = dt.date(2026, 6, 1)
    fitted, _ = _fit(items, as_of)
    new = [timeline(400, None, c, issued=as_of) for c in ("FAST", "SLOW")]
    preds = fitted.predict(build_features(items + new, [(t, as_of) for t in new]))  # type: ignore[attr-defined]
    kw = {
        "credit_sales": money("365000", "EUR"),
        "period_days": 365,
        "terms_days": 30,
        "risk_class": RiskClass.B,
    }
    fast = recommend_limit_from_predictions("FAST", preds, **kw)  # type: ignore[arg-type]
    slow = recommend_limit_from_predictions("SLOW", preds, **kw)  # type: ignore[arg-type]
    assert slow.amount > fast.amount
    assert "predicted" in slow.explanation
    none = recommend_limit_from_predictions("OTHER", preds, **kw)  # type: ignore[arg-type]
    assert "terms only" in none.explanation


@given(st.decimals(min_value=Decimal("120.01"), max_value=Decimal(3000), places=2))
def test_beyond_120_days_scores_in_the_1_to_19_band(days: Decimal) -> None:
    score = paydex_score(days)
    assert 1 <= score <= 19
    assert practice(score).label == "slow beyond 120 days"
    assert risk_band(score).value == "high"


@given(st.decimals(min_value=Decimal(-60), max_value=Decimal(120), places=2))
def test_paydex_within_120_days_keeps_the_published_table(days: Decimal) -> None:
    score = paydex_score(days)
    assert score >= 20
    assert (risk_band(score).value == "low") == (score >= 80)


def test_practice_refuses_a_score_outside_the_scale() -> None:
    with pytest.raises(ValueError, match="PAYDEX"):
        practice(0)


def test_the_core_imports_without_scikit_learn_or_numpy() -> None:
    code = (
        "import sys; import o2c, o2c.credit, o2c.credit.prediction_learned; "
        "assert 'sklearn' not in sys.modules and 'numpy' not in sys.modules, sorted("
        "m for m in sys.modules if m.split('.')[0] in ('numpy', 'sklearn'))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the learned model --------------------------------------------------------------------------


@pytest.mark.parametrize("interval_models", [False, True])
def test_the_learned_model_fits_and_backtests_through_the_same_calls(
    interval_models: bool,
) -> None:
    pytest.importorskip("sklearn")
    from o2c.credit.prediction_learned import GradientBoostingModel

    items = portfolio(n=45)
    model = GradientBoostingModel(max_iter=15, min_samples_leaf=5, interval_models=interval_models)
    report = backtest_predictions(items, [dt.date(2025, 10, 1)], model=model, weeks=0)
    assert report.model == "gradient boosting"
    assert report.paid
    assert all(s.prediction.factors for s in report.items)
    first = report.items[0].prediction
    assert first.factors[0].name == "median of the model"
    assert first.low_date <= first.predicted_date <= first.high_date
    mae = report.mae_days
    assert mae["gradient boosting"] < mae["customer median"]  # type: ignore[operator]


def test_the_learned_model_names_its_extra_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    import o2c.credit.prediction_learned as learned
    from o2c.errors import MissingExtraError

    def missing(module: str, **kw: str) -> object:
        raise MissingExtraError("learn", "scikit-learn", "the learned payment model")

    monkeypatch.setattr(learned, "require", missing)
    with pytest.raises(MissingExtraError, match=r"o2c\[learn\]"):
        learned.GradientBoostingModel().fit([], [], as_of=START)
