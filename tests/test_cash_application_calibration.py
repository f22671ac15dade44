"""The calibrated confidence: isotonic fit with Wilson bounds, the shipped map, the decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.cash_application import (
    DEFAULT_CONFIDENCE,
    ConfidenceMap,
    CustomerProfile,
    MatchDecision,
    MatchPolicy,
    fit_confidence,
    labelled_outcomes,
    match_payments,
)
from o2c.cash_application.calibration import CalibrationError, wilson_lower_bound
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money
from o2c.statement import Payment

_OUTCOMES = st.lists(
    st.tuples(st.integers(0, 1000).map(lambda k: k / 1000), st.booleans()), min_size=1
)


@given(_OUTCOMES)
def test_the_fitted_map_never_falls_as_the_score_rises(outcomes: list[tuple[float, bool]]) -> None:
    fitted = fit_confidence(outcomes)
    scores = sorted({s for s, _ in outcomes})
    values = [fitted(s) for s in scores]
    assert values == sorted(values)
    assert all(0.0 <= v <= 1.0 for v in values)
    assert sum(fitted.counts) == len(outcomes)
    assert sum(fitted.right) == sum(r for _, r in outcomes)


@given(_OUTCOMES)
def test_each_step_is_at_most_the_precision_observed_in_it(
    outcomes: list[tuple[float, bool]],
) -> None:
    # A lower bound: never above what the outcomes of its own step show.
    fitted = fit_confidence(outcomes)
    for value, n, right in zip(fitted.values, fitted.counts, fitted.right, strict=True):
        assert value <= right / n + 1e-9


def test_isotonic_pools_violators_and_bounds_them() -> None:
    # 0.7 is right less often than 0.6: the two are pooled; 0.9 is right every time.
    outcomes = (
        [(0.6, True)] * 90
        + [(0.6, False)] * 10
        + [(0.7, True)] * 80
        + [(0.7, False)] * 20
        + [(0.9, True)] * 1000
    )
    fitted = fit_confidence(outcomes)
    assert fitted.edges == (0.6, 0.9)
    assert fitted.counts == (200, 1000)
    assert fitted.values == (0.85, 1.0)
    assert fitted(0.1) == fitted.values[0]
    bounded = fit_confidence(outcomes, z=2.576)
    assert bounded.values[0] == pytest.approx(wilson_lower_bound(170, 200), abs=1e-3)
    assert 0.99 < bounded(0.95) < 1.0


def test_small_steps_are_pooled_and_bounds_ask_for_evidence() -> None:
    # Ten right out of ten above a thousand at 90% is no step of its own.
    pooled = fit_confidence([(0.5, True)] * 900 + [(0.5, False)] * 100 + [(0.99, True)] * 10)
    assert pooled.edges == (0.5,)
    assert pooled(0.99) == pytest.approx(910 / 1010, abs=1e-4)
    # With a bound, ten right out of ten is no proof of 99.8%; ten thousand is.
    assert fit_confidence([(0.99, True)] * 10, z=2.576)(0.99) < 0.7
    assert fit_confidence([(0.99, True)] * 10_000, z=2.576)(0.99) >= 0.999


def test_a_map_that_falls_or_leaves_the_unit_interval_is_refused() -> None:
    with pytest.raises(CalibrationError, match="values"):
        ConfidenceMap(edges=(0.0, 0.5), values=(0.9, 0.8))
    with pytest.raises(CalibrationError, match="edges"):
        ConfidenceMap(edges=(0.5, 0.0), values=(0.1, 0.2))
    with pytest.raises(CalibrationError):
        ConfidenceMap(edges=(), values=())
    with pytest.raises(CalibrationError, match="empty"):
        fit_confidence([])


def test_the_shipped_map_reaches_auto_only_on_strong_scores() -> None:
    policy = MatchPolicy()
    least = DEFAULT_CONFIDENCE.least_score(policy.auto_precision)
    assert least is not None
    assert DEFAULT_CONFIDENCE(0.5) < 0.9
    # Fitted on thousands of confirmed payments, not a handful.
    assert sum(DEFAULT_CONFIDENCE.counts) > 40_000


def _item(item_id: str, number: str, amount: str) -> OpenItem:
    return OpenItem(
        item_id=ItemId(item_id),
        customer_id=CustomerId("C1"),
        kind=ItemKind.INVOICE,
        document_number=number,
        document_date=dt.date(2026, 3, 1),
        due_date=dt.date(2026, 3, 31),
        original_amount=money(amount, "EUR"),
        open_amount=money(amount, "EUR"),
    )


def _pay(pid: str, amount: str, reference: str) -> Payment:
    return Payment(
        payment_id=pid,
        value_date=dt.date(2026, 3, 20),
        amount=money(amount, "EUR"),
        payer_name="ACME GMBH",
        reference=reference,
    )


def test_auto_means_the_expected_precision_the_policy_states() -> None:
    items = [_item("I1", "INV-2026-100042", "1190.00")]
    pays = [_pay("P1", "1190.00", "INV-2026-100042")]
    customers = [CustomerProfile("C1", "Acme GmbH")]
    [result] = match_payments(pays, items, customers=customers)
    assert result.decision is MatchDecision.AUTO
    assert result.confidence >= MatchPolicy().auto_precision
    assert result.confidence == DEFAULT_CONFIDENCE(result.score)
    # A map that never reaches 99.8% posts nothing: the same best proposal is suggested.
    doubtful = MatchPolicy(confidence=ConfidenceMap(edges=(0.0,), values=(0.99,)))
    [held] = match_payments(pays, items, customers=customers, policy=doubtful)
    assert held.decision is MatchDecision.SUGGEST
    assert held.suggestions[0].item_ids == frozenset({"I1"})
    assert held.confidence == 0.99
    assert any("below what auto means" in e for e in held.explanation)


def test_labelled_outcomes_compare_the_best_proposal_with_the_confirmation() -> None:
    items = [_item("I1", "INV-2026-100042", "1190.00"), _item("I2", "INV-2026-100043", "50.00")]
    pays = [_pay("P1", "1190.00", "INV-2026-100042"), _pay("P2", "50.00", "INV-2026-100043")]
    results = match_payments(pays, items, customers=[CustomerProfile("C1", "Acme GmbH")])
    confirmed = {"P1": {"I1": Decimal("1190.00")}, "P2": {"I1": Decimal("50.00")}}
    outcomes = labelled_outcomes(results, confirmed)
    assert [right for _, right in outcomes] == [True, False]
    assert [score for score, _ in outcomes] == [r.score for r in results]
    assert labelled_outcomes(results, {}) == []


def test_labelled_outcomes_allow_a_cent_as_the_scorer_does() -> None:
    items = [_item("I1", "INV-2026-100042", "1190.00")]
    pays = [_pay("P1", "1190.00", "INV-2026-100042")]
    results = match_payments(pays, items, customers=[CustomerProfile("C1", "Acme GmbH")])
    within = labelled_outcomes(results, {"P1": {"I1": Decimal("1189.99")}})
    beyond = labelled_outcomes(results, {"P1": {"I1": Decimal("1189.98")}})
    other_item = labelled_outcomes(results, {"P1": {"I1": Decimal("1190.00"), "I2": Decimal(1)}})
    left_alone = labelled_outcomes(results, {"P1": {}})
    assert [r for _, r in within + beyond + other_item + left_alone] == [True, False, False, False]
