"""Payment prediction, the weekly cash forecast and the backtest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.credit import PaymentRecord
from o2c.credit.forecast import backtest, cash_forecast, fit_payment_model, predict_payments
from o2c.errors import CurrencyMismatchError, ValidationError
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import money
from tests.strategies import payment_records

AS_OF = dt.date(2026, 3, 31)


def paid(n: int, late: int, customer: str = "C1", amount: str = "100") -> PaymentRecord:
    due = dt.date(2024, 1, 15) + dt.timedelta(days=n)
    return PaymentRecord(
        item_id=ItemId(f"{customer}-{n}"),
        customer_id=CustomerId(customer),
        amount=money(amount, "EUR"),
        document_date=due - dt.timedelta(days=30),
        due_date=due,
        paid_date=due + dt.timedelta(days=late),
    )


def open_item(n: str, due: dt.date, customer: str = "C1", amount: str = "100") -> OpenItem:
    return OpenItem(
        item_id=ItemId(n),
        customer_id=CustomerId(customer),
        kind=ItemKind.INVOICE,
        document_number=n,
        document_date=due - dt.timedelta(days=30),
        due_date=due,
        original_amount=money(amount, "EUR"),
        open_amount=money(amount, "EUR"),
    )


def test_prediction_uses_the_customers_median_and_shrinks_thin_histories() -> None:
    portfolio = [paid(n, 0, customer="P") for n in range(200)]
    long_late = [paid(n, 20, customer="LATE") for n in range(50)]
    thin_late = [paid(n, 20, customer="THIN") for n in range(2)]
    model = fit_payment_model(portfolio + long_late + thin_late, as_of=AS_OF)
    due = AS_OF + dt.timedelta(days=10)
    preds = predict_payments(
        model,
        [open_item("A", due, "LATE"), open_item("B", due, "THIN"), open_item("C", due, "NEW")],
    )
    by_customer = {p.customer_id: p for p in preds}
    assert by_customer["LATE"].predicted_date == due + dt.timedelta(days=20)
    assert by_customer["NEW"].predicted_date == due  # the portfolio's median is on time
    # Two late payments against a prior of five portfolio payments (mostly on time): shrunk.
    assert by_customer["THIN"].predicted_date == due
    assert "2 own payments" in by_customer["THIN"].basis


def test_a_late_item_is_predicted_from_the_payments_that_were_later_still() -> None:
    history = [paid(n, late) for n, late in enumerate([0, 0, 0, 5, 40, 50, 60])]
    model = fit_payment_model(history, as_of=AS_OF, prior_strength=0)
    due = AS_OF - dt.timedelta(days=30)
    (p,) = predict_payments(model, [open_item("X", due)])
    assert p.predicted_date == due + dt.timedelta(days=50)
    assert "given more than 30 days late" in p.basis
    (q,) = predict_payments(model, [open_item("Y", AS_OF - dt.timedelta(days=90))])
    assert q.predicted_date == AS_OF + dt.timedelta(days=model.fallback_days)


def test_only_payments_known_on_the_date_are_used() -> None:
    early = [paid(n, 0) for n in range(5)]
    recorded_later = [
        attrs.evolve(paid(n + 5, 90), recorded_on=AS_OF + dt.timedelta(1)) for n in range(20)
    ]
    model = fit_payment_model(early + recorded_later, as_of=AS_OF)
    assert model.portfolio_size == 5
    assert model.median_days_late("C1") == 0


@given(payment_records(min_size=1, max_size=10), st.integers(min_value=-60, max_value=120))
def test_predictions_fall_after_the_date_inside_their_interval(
    records: list[PaymentRecord], due_offset: int
) -> None:
    model = fit_payment_model(records, as_of=AS_OF)
    items = [open_item(f"I{c}", AS_OF + dt.timedelta(days=due_offset), c) for c in ("C1", "C9")]
    for p in predict_payments(model, items):
        assert p.predicted_date > AS_OF
        assert p.low_date <= p.predicted_date <= p.high_date


@given(
    payment_records(min_size=1, max_size=10),
    st.lists(st.integers(min_value=-60, max_value=120), max_size=6),
)
def test_week_probabilities_and_the_forecast_account_for_every_item(
    records: list[PaymentRecord], dues: list[int]
) -> None:
    model = fit_payment_model(records, as_of=AS_OF)
    items = [
        open_item(f"I{n}", AS_OF + dt.timedelta(days=d), ("C1", "C2", "C7")[n % 3], "123.45")
        for n, d in enumerate(dues)
    ]
    f = cash_forecast(model, items, currency_code="EUR", weeks=6)
    total = sum(w.expected.amount for w in f.weeks) + f.beyond.amount
    # Every open amount is expected some time: the rounded parts are within a cent each.
    assert abs(total - Decimal("123.45") * len(items)) <= Decimal("0.01") * 7
    for w in f.weeks:
        assert 0 <= w.low.amount <= w.expected.amount <= w.high.amount
        assert (w.end - w.start).days == 6
    assert f.weeks[0].start == AS_OF + dt.timedelta(days=1)
    assert sum(w.point.amount for w in f.weeks) <= Decimal("123.45") * len(items)


def test_forecast_refuses_other_currencies_and_no_weeks() -> None:
    model = fit_payment_model([paid(0, 0)], as_of=AS_OF)
    usd = attrs.evolve(open_item("U", AS_OF), open_amount=money("1", "USD"))
    with pytest.raises(CurrencyMismatchError):
        cash_forecast(model, [usd], currency_code="EUR")
    with pytest.raises(ValidationError):
        cash_forecast(model, [], currency_code="EUR", weeks=0)
    with pytest.raises(ValidationError):
        fit_payment_model([], as_of=AS_OF, prior_strength=-1)


def _history() -> list[PaymentRecord]:
    """Three customers with steady habits over a year of weekly invoices."""
    out = []
    start = dt.date(2025, 1, 6)
    for c, late in (("ON", 0), ("SLOW", 14), ("VERY", 45)):
        for n in range(52):
            doc = start + dt.timedelta(weeks=n)
            due = doc + dt.timedelta(days=30)
            out.append(
                PaymentRecord(
                    item_id=ItemId(f"{c}{n}"),
                    customer_id=CustomerId(c),
                    amount=money(str(100 + n), "EUR"),
                    document_date=doc,
                    due_date=due,
                    paid_date=due + dt.timedelta(days=late + n % 3),
                    recorded_on=due + dt.timedelta(days=late + n % 3 + 1),
                )
            )
    return out


def test_backtest_replays_history_and_beats_the_due_date_guess() -> None:
    history = _history()
    cutoffs = [dt.date(2025, 6, 30), dt.date(2025, 8, 31), dt.date(2025, 10, 31)]
    report = backtest(history, cutoffs, currency_code="EUR", weeks=4)
    assert [c.cutoff for c in report.cutoffs] == cutoffs
    assert report.mae_days is not None
    assert report.baseline_mae_days is not None
    assert report.mae_days < Decimal(2)  # steady habits are learnt: within the n % 3 jitter
    assert report.mae_days < report.baseline_mae_days
    assert len(report.week_mae) == 4
    assert report.coverage is not None
    assert 0 <= report.coverage <= 1
    for c in report.cutoffs:
        assert c.items >= c.paid_items > 0
        for w in c.weeks:
            assert w.error.amount == w.actual.amount - w.forecast.amount
    # Re-running with the calibrated z covers at least the target share of the weeks.
    assert report.calibrated_z is not None
    calibrated = backtest(history, cutoffs, currency_code="EUR", weeks=4, z=report.calibrated_z)
    assert calibrated.coverage is not None
    assert calibrated.coverage >= Decimal("0.8")
    assert report.calibrated_z < Decimal("1.2816")  # the model's 80 % is wider than needed here


def test_backtest_sees_nothing_from_after_its_cutoff() -> None:
    history = _history()
    cutoff = dt.date(2025, 6, 30)
    report = backtest(history, [cutoff], currency_code="EUR", weeks=2)
    # Change what happened after the cut-off for items already settled: nothing moves.
    changed = [
        attrs.evolve(r, paid_date=r.paid_date, recorded_on=r.known_on)
        if r.known_on <= cutoff
        else attrs.evolve(
            r,
            paid_date=r.paid_date + dt.timedelta(days=1),
            recorded_on=r.known_on + dt.timedelta(days=1),
        )
        for r in history
    ]
    again = backtest(changed, [cutoff], currency_code="EUR", weeks=2)
    forecast_before = [w.forecast for w in report.cutoffs[0].weeks]
    forecast_after = [w.forecast for w in again.cutoffs[0].weeks]
    assert forecast_before == forecast_after
    with pytest.raises(ValidationError):
        backtest(history, [], currency_code="EUR")


@given(
    payment_records(min_size=1, max_size=10),
    st.lists(
        st.tuples(st.sampled_from(("C1", "C2", "C9")), st.integers(min_value=-30, max_value=90)),
        max_size=6,
    ),
    st.sampled_from((Decimal("0.1"), Decimal("0.5"), Decimal("0.9"))),
)
def test_open_invoices_only_ever_push_the_distribution_later(
    records: list[PaymentRecord], opened: list[tuple[str, int]], q: Decimal
) -> None:
    items = [
        open_item(f"O{n}", AS_OF - dt.timedelta(days=overdue), customer)
        for n, (customer, overdue) in enumerate(opened)
    ]
    plain = fit_payment_model(records, as_of=AS_OF)
    censored = fit_payment_model(records, as_of=AS_OF, open_items=items)
    for customer in ("C1", "C2", "C9"):
        before = plain.quantile_days_late(customer, q)
        after = censored.quantile_days_late(customer, q)
        assert after is None or (before is not None and after >= before)


def test_recorded_timing_learns_when_the_ledger_heard_of_the_payment() -> None:
    from o2c.credit.forecast import Timing

    lagged = [
        attrs.evolve(paid(n, 4), recorded_on=paid(n, 4).paid_date + dt.timedelta(3))
        for n in range(9)
    ]
    assert fit_payment_model(lagged, as_of=AS_OF).median_days_late("C1") == 4
    recorded = fit_payment_model(lagged, as_of=AS_OF, timing=Timing.RECORDED)
    assert recorded.median_days_late("C1") == 7
    assert recorded.timing is Timing.RECORDED
    report = backtest(
        _history(), [dt.date(2025, 6, 30)], currency_code="EUR", timing=Timing.RECORDED
    )
    # _history() records every payment a day after it was made: learnt and predicted as such.
    assert report.mae_days is not None
    assert report.mae_days < Decimal(2)


def test_a_backtest_with_nothing_to_score_reports_no_error_and_no_coverage() -> None:
    # Every invoice was paid (and known) before the cut-offs: nothing is open to forecast.
    history = [paid(n, 3) for n in range(10)]
    report = backtest(history, [AS_OF, AS_OF + dt.timedelta(days=30)], currency_code="EUR")
    assert report.nothing_to_score
    assert (report.mae_days, report.baseline_mae_days, report.coverage) == (None, None, None)
    assert (report.week_mae, report.week_bias, report.calibrated_z) == ((), (), None)
    assert [(c.items, c.paid_items, c.mae_days, c.weeks) for c in report.cutoffs] == [
        (0, 0, None, ()),
        (0, 0, None, ()),
    ]
    # An empty history too.
    assert backtest([], [AS_OF], currency_code="EUR").coverage is None
    # One cut-off with something open is scored; the empty one beside it does not count.
    early = history[0].document_date
    mixed = backtest(history, [early, AS_OF], currency_code="EUR", weeks=2)
    assert not mixed.nothing_to_score
    assert [len(c.weeks) for c in mixed.cutoffs] == [2, 0]
    assert len(mixed.week_mae) == 2
    assert mixed.coverage is not None
