"""Payment prediction, the weekly cash-in forecast, and a backtest against what really happened.

The model is the empirical distribution of days late (payment date minus due date) in the
payment history known on a date.  Each customer's own payments (weight 1 each) are pooled with
the whole portfolio's, scaled to a total weight of ``prior_strength``: a customer with a long
history is predicted from its own behaviour, a new one from the portfolio's, and in between the
median moves smoothly from one to the other (shrinkage toward the portfolio).  Invoices still
open on the date enter as right-censored observations (not paid by their days past due), which
makes the distribution a Kaplan-Meier estimate and keeps recent late payers from being forgotten.

- :func:`predict_payments`: for each open item the median of that pooled distribution, given
  that the item is still unpaid on ``as_of`` (an item already 40 days late is predicted from the
  payments that were more than 40 days late), with a low/high quantile interval.
- :func:`cash_forecast`: expected cash-in per week with an interval: each item is a Bernoulli
  payment in each week with the model's probability; the interval is ``expected +- z x sd``
  (floored at zero), computed with Decimal's own square root.
- :func:`backtest`: replays history as of past cut-off dates, with only what was known then,
  and reports the mean absolute error in days of the predicted dates and the error of each
  forecast week.

>>> import datetime as dt
>>> from moneyed import Money
>>> from o2c.credit import PaymentRecord
>>> hist = [PaymentRecord(item_id=f"P{n}", customer_id="C1", amount=Money("100", "EUR"),
...     document_date=dt.date(2026, 1, 1), due_date=dt.date(2026, 1, 31),
...     paid_date=dt.date(2026, 1, 31) + dt.timedelta(days=d)) for n, d in enumerate([3, 5, 9])]
>>> model = fit_payment_model(hist, as_of=dt.date(2026, 3, 1))
>>> model.median_days_late("C1"), model.median_days_late("NEW")
(5, 5)
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.credit.behaviour import PaymentRecord
from o2c.credit.exposure import SCORE_CONTEXT
from o2c.credit.from_ledger import (
    CreditLedger,
    payment_history,
    records_from_trails,
    settlement_trails,
)
from o2c.errors import CurrencyMismatchError, ValidationError
from o2c.ledger import CustomerId, Fact, ItemId, ItemKind, OpenItem
from o2c.money import Rounding, minor_unit, quantize_decimal

__all__ = [
    "BacktestCutoff",
    "BacktestReport",
    "ForecastWeek",
    "PaymentModel",
    "Prediction",
    "Timing",
    "WeekError",
    "WeeklyForecast",
    "Z_80",
    "backtest",
    "backtest_from_ledger",
    "cash_forecast",
    "fit_payment_model",
    "forecast_from_ledger",
    "predict_payments",
]

_ZERO = Decimal(0)
_ONE = Decimal(1)
#: z for a two-sided 80 % normal interval.
Z_80 = Decimal("1.2816")


class Timing(enum.Enum):
    """Which date of a payment the model learns and predicts.

    ``PAID``: the payment's value date (cash in the bank).  ``RECORDED``: the day the ledger
    learnt of it (cash as AR sees it); an invoice open on a date is then exactly one whose
    payment was not recorded yet, so payments in transit do not bias the first forecast week.
    """

    PAID = "paid"
    RECORDED = "recorded"

    def date_of(self, record: PaymentRecord) -> dt.date:
        """The record's date under this timing."""
        return record.paid_date if self is Timing.PAID else record.known_on


def _freeze_counts(value: Mapping[str, Mapping[int, int]]) -> dict[str, dict[int, int]]:
    return {k: dict(v) for k, v in value.items()}


def _counts(value: Mapping[int, int]) -> dict[int, int]:
    return dict(value)


@attrs.frozen(kw_only=True)
class PaymentModel:
    """Days-late distributions known on ``as_of``: per customer and for the portfolio.

    ``portfolio`` and ``customers`` count the payments by days late; ``portfolio_open`` and
    ``customers_open`` count the invoices still open on ``as_of`` by their days past due then
    (right-censored observations: they are known to pay *later* than that).  The distribution is
    the Kaplan-Meier estimate over the pooled, weighted observations, so slow payers whose
    invoices are still open are not forgotten (without open invoices it is simply the weighted
    empirical distribution of the payments).
    """

    as_of: dt.date
    portfolio: Mapping[int, int] = attrs.field(converter=_counts, hash=False)
    customers: Mapping[str, Mapping[int, int]] = attrs.field(converter=_freeze_counts, hash=False)
    portfolio_open: Mapping[int, int] = attrs.field(factory=dict, converter=_counts, hash=False)
    customers_open: Mapping[str, Mapping[int, int]] = attrs.field(
        factory=dict, converter=_freeze_counts, hash=False
    )
    prior_strength: int = 5
    #: Days after ``as_of`` assumed for an item later than anything in the history.
    fallback_days: int = 7
    #: Which payment date the distributions describe.
    timing: Timing = Timing.PAID
    #: Curves already computed, by customer: a pure memo.
    _memo: dict[str, tuple[list[int], list[Decimal]]] = attrs.field(
        factory=dict, init=False, eq=False, repr=False, hash=False
    )

    @property
    def portfolio_size(self) -> int:
        """The number of payments in the portfolio history."""
        return sum(self.portfolio.values())

    def history_size(self, customer_id: str) -> int:
        """The number of the customer's own payments."""
        return sum(self.customers.get(customer_id, {}).values())

    def open_size(self, customer_id: str) -> int:
        """The number of the customer's invoices open on ``as_of`` (censored observations)."""
        return sum(self.customers_open.get(customer_id, {}).values())

    def _curve(self, customer_id: str) -> tuple[list[int], list[Decimal]]:
        """Event days and the cumulative probability of payment by each (Kaplan-Meier).

        Weights: each own observation weighs the number of portfolio payments, each portfolio
        observation ``prior_strength`` (so the portfolio's payments count as ``k`` of the
        customer's own; open invoices change the hazards, never this balance).
        """
        found = self._memo.get(customer_id)
        if found is not None:
            return found
        n_p = max(1, self.portfolio_size)
        k = self.prior_strength
        events: dict[int, int] = {}
        censored: dict[int, int] = {}
        for target, own, port in (
            (events, self.customers.get(customer_id, {}), self.portfolio),
            (censored, self.customers_open.get(customer_id, {}), self.portfolio_open),
        ):
            for v, c in own.items():
                target[v] = target.get(v, 0) + c * n_p
            for v, c in port.items():
                target[v] = target.get(v, 0) + c * k
        at_risk = sum(events.values()) + sum(censored.values())
        survival = _ONE
        values: list[int] = []
        cumulative: list[Decimal] = []
        for v in sorted(set(events) | set(censored)):
            d = events.get(v, 0)
            if d and at_risk:
                survival = SCORE_CONTEXT.divide(survival * (at_risk - d), Decimal(at_risk))
                values.append(v)
                cumulative.append(_ONE - survival)
            at_risk -= d + censored.get(v, 0)
        self._memo[customer_id] = (values, cumulative)
        return values, cumulative

    def _conditional(self, customer_id: str, after: int | None) -> tuple[list[int], list[Decimal]]:
        """Event days above ``after`` and the cumulative probability of payment by each, given
        no payment up to ``after`` (the total may stay below 1: the rest is beyond history)."""
        values, cumulative = self._curve(customer_id)
        idx = 0 if after is None else bisect.bisect_right(values, after)
        if idx >= len(values):
            return [], []
        base = cumulative[idx - 1] if idx else _ZERO
        alive = _ONE - base
        if alive <= 0:
            return [], []
        return values[idx:], [SCORE_CONTEXT.divide(c - base, alive) for c in cumulative[idx:]]

    def quantile_days_late(
        self, customer_id: str, q: Decimal, *, after: int | None = None
    ) -> int | None:
        """The ``q`` quantile of days late, optionally given ``> after``; ``None`` when it lies
        beyond every payment in the history."""
        for v, c in zip(*self._conditional(customer_id, after), strict=True):
            if c >= q:
                return v
        return None

    def median_days_late(self, customer_id: str, *, after: int | None = None) -> int | None:
        """The median days late (``None`` without enough history)."""
        return self.quantile_days_late(customer_id, Decimal("0.5"), after=after)

    def week_probabilities(
        self, customer_id: str, due_date: dt.date, windows: Sequence[tuple[dt.date, dt.date]]
    ) -> tuple[tuple[Decimal, ...], Decimal]:
        """The probability of payment in each window (and after the last one), for an item still
        unpaid on ``as_of``; an item later than all history pays on ``as_of + fallback_days``."""
        values, cumulative = self._conditional(customer_id, (self.as_of - due_date).days)
        if not values:  # later than all history: certain on the fallback date, as predicted
            fallback = self.as_of + dt.timedelta(days=self.fallback_days)
            hits = tuple(_ONE if start <= fallback <= end else _ZERO for start, end in windows)
            return hits, _ONE - sum(hits, _ZERO)
        probs = []
        for start, end in windows:
            lo = bisect.bisect_left(values, (start - due_date).days)
            hi = bisect.bisect_right(values, (end - due_date).days)
            below = cumulative[lo - 1] if lo else _ZERO
            probs.append(cumulative[hi - 1] - below if hi > lo else _ZERO)
        return tuple(probs), _ONE - sum(probs, _ZERO)


def fit_payment_model(
    records: Iterable[PaymentRecord],
    *,
    as_of: dt.date,
    open_items: Iterable[OpenItem] = (),
    prior_strength: int = 5,
    fallback_days: int = 7,
    timing: Timing = Timing.PAID,
) -> PaymentModel:
    """Fit the days-late distributions from the payments known on ``as_of``.

    Only records with ``known_on <= as_of`` are used, so a model fitted as of a past date sees
    exactly what was known then.  ``open_items`` (the invoices open on ``as_of``) enter as
    censored observations: each is known not to have been paid by its days past due.  Leaving
    them out biases the model toward early payment (the late payments of recent invoices are not
    in the history yet).

    Raises:
        ValidationError: for a negative ``prior_strength`` or a non-positive ``fallback_days``.
    """
    if prior_strength < 0:
        raise ValidationError(
            f"prior_strength={prior_strength} must not be negative",
            field="prior_strength",
            value=prior_strength,
        )
    if fallback_days <= 0:
        raise ValidationError(
            f"fallback_days={fallback_days} must be positive",
            field="fallback_days",
            value=fallback_days,
        )
    portfolio: Counter[int] = Counter()
    customers: dict[str, Counter[int]] = {}
    for r in records:
        if r.known_on > as_of:
            continue
        late = (timing.date_of(r) - r.due_date).days
        portfolio[late] += 1
        customers.setdefault(r.customer_id, Counter())[late] += 1
    portfolio_open: Counter[int] = Counter()
    customers_open: dict[str, Counter[int]] = {}
    for i in _owed_invoices(open_items):
        if i.document_date > as_of:
            continue
        overdue = (as_of - i.due_date).days
        portfolio_open[overdue] += 1
        customers_open.setdefault(i.customer_id, Counter())[overdue] += 1
    return PaymentModel(
        as_of=as_of,
        portfolio=portfolio,
        customers=customers,
        portfolio_open=portfolio_open,
        customers_open=customers_open,
        prior_strength=prior_strength,
        fallback_days=fallback_days,
        timing=timing,
    )


@attrs.frozen(kw_only=True)
class Prediction:
    """The predicted payment date of an open item, with a quantile interval and its basis."""

    item_id: ItemId
    customer_id: CustomerId
    amount: Money
    due_date: dt.date
    predicted_date: dt.date
    low_date: dt.date
    high_date: dt.date
    basis: str


def predict_payments(
    model: PaymentModel,
    items: Iterable[OpenItem],
    *,
    low: Decimal = Decimal("0.1"),
    high: Decimal = Decimal("0.9"),
) -> tuple[Prediction, ...]:
    """Predict the payment date of each open invoice (credits and non-positive items skipped).

    The prediction is the pooled median of the days late that exceed the item's days past due
    on ``model.as_of`` (it is still unpaid then), so it always falls after ``as_of``; an item
    later than all history is predicted ``fallback_days`` after ``as_of``.
    """
    out = []
    for item in _owed_invoices(items):
        out.append(
            _predict(
                model, item.item_id, item.customer_id, item.open_amount, item.due_date, low, high
            )
        )
    return tuple(out)


def _predict(
    model: PaymentModel,
    item_id: ItemId,
    customer_id: CustomerId,
    amount: Money,
    due: dt.date,
    low: Decimal,
    high: Decimal,
) -> Prediction:
    as_of = model.as_of
    after = (as_of - due).days
    median = model.quantile_days_late(customer_id, Decimal("0.5"), after=after)
    n = model.history_size(customer_id)
    k = model.prior_strength
    if median is None:
        fallback = as_of + dt.timedelta(days=model.fallback_days)
        return Prediction(
            item_id=item_id,
            customer_id=customer_id,
            amount=amount,
            due_date=due,
            predicted_date=fallback,
            low_date=as_of + dt.timedelta(days=1),
            high_date=as_of + dt.timedelta(days=4 * model.fallback_days),
            basis=f"no payment in the history was {after} or more days late: "
            f"assumed {model.fallback_days} days after {as_of}",
        )
    lo = model.quantile_days_late(customer_id, low, after=after)
    hi = model.quantile_days_late(customer_id, high, after=after)
    predicted = due + dt.timedelta(days=median)
    low_date = predicted if lo is None else due + dt.timedelta(days=lo)
    if hi is None:  # the upper quantile lies beyond every payment in the history
        high_date = max(predicted, as_of + dt.timedelta(days=4 * model.fallback_days))
    else:
        high_date = due + dt.timedelta(days=hi)
    share = SCORE_CONTEXT.divide(Decimal(n), Decimal(n + k)) if n + k else _ZERO
    cond = f" given more than {after} days late" if after >= 0 else ""
    still_open = model.open_size(customer_id)
    opened = f" and {still_open} open invoices" if still_open else ""
    return Prediction(
        item_id=item_id,
        customer_id=customer_id,
        amount=amount,
        due_date=due,
        predicted_date=predicted,
        low_date=low_date,
        high_date=high_date,
        basis=f"median {median} days late{cond}: {n} own payments{opened} pooled with the "
        f"portfolio (own weight {quantize_decimal(share * 100, Decimal('0.1'))}%, "
        f"prior strength {k})",
    )


@attrs.frozen(kw_only=True)
class ForecastWeek:
    """One forecast week: expected cash-in, its interval, and the sum of items predicted in it."""

    start: dt.date
    end: dt.date
    expected: Money
    low: Money
    high: Money
    point: Money
    #: The standard deviation of the week's cash-in under the model (unrounded).
    sd: Decimal = _ZERO


@attrs.frozen(kw_only=True)
class WeeklyForecast:
    """A weekly cash-in forecast from ``as_of``; ``beyond`` is expected after the last week."""

    as_of: dt.date
    currency: str
    weeks: tuple[ForecastWeek, ...]
    beyond: Money
    level: str

    @property
    def total_expected(self) -> Money:
        """Expected cash-in over the forecast weeks."""
        return Money(sum((w.expected.amount for w in self.weeks), _ZERO), self.currency)


def _windows(as_of: dt.date, weeks: int) -> list[tuple[dt.date, dt.date]]:
    first = as_of + dt.timedelta(days=1)
    return [
        (first + dt.timedelta(days=7 * i), first + dt.timedelta(days=7 * i + 6))
        for i in range(weeks)
    ]


def cash_forecast(
    model: PaymentModel,
    items: Iterable[OpenItem],
    *,
    currency_code: str,
    weeks: int = 13,
    z: Decimal = Z_80,
) -> WeeklyForecast:
    """Expected cash-in per week (weeks start the day after ``model.as_of``) with intervals.

    Expected = sum of open amount x probability of payment in the week; the interval is
    expected +- z x sqrt(sum of amount^2 x p x (1 - p)), floored at zero (``z`` 1.2816 gives
    80 %); ``point`` sums the items whose predicted date falls in the week.  Amounts are rounded
    half-up to the minor unit; probabilities are not rounded.

    Raises:
        ValidationError: for ``weeks`` < 1.
        CurrencyMismatchError: for an item in another currency.
    """
    if weeks < 1:
        raise ValidationError(f"weeks={weeks} must be at least 1", field="weeks", value=weeks)
    code = currency_code
    step = minor_unit(code)
    windows = _windows(model.as_of, weeks)
    expected = [_ZERO] * weeks
    variance = [_ZERO] * weeks
    point = [_ZERO] * weeks
    beyond = _ZERO
    for item in _owed_invoices(items):
        if item.open_amount.currency.code != code:
            raise CurrencyMismatchError(code, item.open_amount.currency.code, operation="forecast")
        a = item.open_amount.amount
        probs, rest = model.week_probabilities(item.customer_id, item.due_date, windows)
        for i, p in enumerate(probs):
            expected[i] += a * p
            variance[i] += a * a * p * (_ONE - p)
        beyond += a * rest
        pred = _predict(
            model,
            item.item_id,
            item.customer_id,
            item.open_amount,
            item.due_date,
            Decimal("0.1"),
            Decimal("0.9"),
        )
        for i, (start, end) in enumerate(windows):
            if start <= pred.predicted_date <= end:
                point[i] += a
    out = []
    for i, (start, end) in enumerate(windows):
        sd = variance[i].sqrt(SCORE_CONTEXT) if variance[i] > 0 else _ZERO
        e = quantize_decimal(expected[i], step, Rounding.HALF_UP)
        lo = quantize_decimal(max(_ZERO, expected[i] - z * sd), step, Rounding.HALF_UP)
        hi = quantize_decimal(expected[i] + z * sd, step, Rounding.HALF_UP)
        out.append(
            ForecastWeek(
                start=start,
                end=end,
                expected=Money(e, code),
                low=Money(lo, code),
                high=Money(hi, code),
                point=Money(point[i], code),
                sd=sd,
            )
        )
    return WeeklyForecast(
        as_of=model.as_of,
        currency=code,
        weeks=tuple(out),
        beyond=Money(quantize_decimal(beyond, step, Rounding.HALF_UP), code),
        level=f"expected +- {z} sd",
    )


# ============================================================================================
# Backtest


@attrs.frozen(kw_only=True)
class WeekError:
    """A forecast week against the cash that really came in from the items open at the cut-off."""

    week: int
    start: dt.date
    forecast: Money
    actual: Money
    low: Money
    high: Money
    #: The forecast's standard deviation for the week.
    sd: Decimal = _ZERO

    @property
    def error(self) -> Money:
        """Actual minus forecast."""
        return Money(self.actual.amount - self.forecast.amount, self.actual.currency)

    @property
    def inside(self) -> bool:
        """Whether the actual fell inside the interval."""
        return self.low.amount <= self.actual.amount <= self.high.amount


@attrs.frozen(kw_only=True)
class BacktestCutoff:
    """One replayed cut-off: prediction errors in days and the weekly forecast errors."""

    cutoff: dt.date
    items: int
    paid_items: int
    mae_days: Decimal | None
    baseline_mae_days: Decimal | None
    weeks: tuple[WeekError, ...]


@attrs.frozen(kw_only=True)
class BacktestReport:
    """The backtest over all cut-offs.

    ``mae_days`` is over every item paid after its cut-off; ``baseline_mae_days`` is the same for
    the naive prediction "pays on the due date (or tomorrow if already overdue)";
    ``week_mae[h]`` is the mean absolute error of forecast week ``h + 1`` over the cut-offs
    (cash paid before a cut-off but only recorded after it counts as received in week 1),
    ``week_bias[h]`` the mean of actual minus forecast, ``coverage`` the share of weeks whose
    actual fell inside the interval, and ``calibrated_z`` the multiple of the standard deviation
    that would have covered ``target_coverage`` of the weeks (the empirical quantile of
    ``|error| / sd``; pass it as ``z`` to :func:`cash_forecast` to widen the intervals for
    errors the independent-payments model does not see, such as a common shift in timing).
    Money averages are rounded half-up to the minor unit.

    Only cut-offs with open invoices to forecast are scored: a cut-off with nothing open has no
    weeks (an empty forecast that meets an empty week proves nothing).  With nothing to score
    (:attr:`nothing_to_score`) the errors and the coverage are ``None`` and ``week_mae`` and
    ``week_bias`` are empty, never a perfect 0 or 100 %.
    """

    cutoffs: tuple[BacktestCutoff, ...]
    mae_days: Decimal | None
    baseline_mae_days: Decimal | None
    week_mae: tuple[Money, ...]
    week_bias: tuple[Money, ...]
    coverage: Decimal | None
    calibrated_z: Decimal | None = None

    @property
    def nothing_to_score(self) -> bool:
        """Whether no cut-off had an open invoice to forecast (nothing was measured)."""
        return not any(c.weeks for c in self.cutoffs)


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    return quantize_decimal(
        SCORE_CONTEXT.divide(sum(values, _ZERO), Decimal(len(values))),
        Decimal("0.01"),
        Rounding.HALF_UP,
    )


def backtest(
    records: Sequence[PaymentRecord],
    cutoffs: Sequence[dt.date],
    *,
    currency_code: str,
    unpaid: Sequence[OpenItem] = (),
    weeks: int = 4,
    prior_strength: int = 5,
    z: Decimal = Z_80,
    target_coverage: Decimal = Decimal("0.8"),
    timing: Timing = Timing.PAID,
) -> BacktestReport:
    """Replay the history as of each cut-off and measure the predictions against reality.

    At cut-off T the model sees only payments known on T (``known_on <= T``); the items forecast
    are those issued on or before T and not known to be paid on T (plus ``unpaid`` items issued
    by then, which never pay).  Each prediction is compared with the actual payment date; each
    forecast week with the cash those items actually brought in that week.

    Raises:
        ValidationError: for no cut-offs.
    """
    if not cutoffs:
        raise ValidationError("no cut-off dates", field="cutoffs", value=cutoffs)

    replay = _RecordsReplay(
        records=records, unpaid=unpaid, prior_strength=prior_strength, timing=timing
    )
    return _replay(
        cutoffs,
        replay.state_at,
        currency_code=currency_code,
        weeks=weeks,
        z=z,
        target_coverage=target_coverage,
    )


@attrs.frozen
class _CutoffState:
    """What a cut-off replays: the model then, the items open then, and when each was really
    paid."""

    model: PaymentModel
    items: list[OpenItem]
    paid_on: Mapping[ItemId, dt.date]


@attrs.frozen
class _RecordsReplay:
    """The payment records as known on each cut-off (see :func:`backtest`)."""

    records: Sequence[PaymentRecord]
    unpaid: Sequence[OpenItem]
    prior_strength: int
    timing: Timing

    def state_at(self, cutoff: dt.date) -> _CutoffState:
        open_recs = [r for r in self.records if r.document_date <= cutoff < r.known_on]
        items = [_as_open_item(r) for r in open_recs]
        items += [i for i in self.unpaid if i.document_date <= cutoff]
        model = fit_payment_model(
            self.records,
            as_of=cutoff,
            open_items=items,
            prior_strength=self.prior_strength,
            timing=self.timing,
        )
        paid_on = {r.item_id: self.timing.date_of(r) for r in open_recs}
        return _CutoffState(model=model, items=items, paid_on=paid_on)


def _replay(
    cutoffs: Sequence[dt.date],
    state_at: Callable[[dt.date], _CutoffState],
    *,
    currency_code: str,
    weeks: int,
    z: Decimal,
    target_coverage: Decimal,
) -> BacktestReport:
    all_errors: list[Decimal] = []
    all_baseline: list[Decimal] = []
    results = []
    for cutoff in sorted(cutoffs):
        state = state_at(cutoff)
        errors, baseline = _day_errors(state, cutoff)
        forecast = cash_forecast(
            state.model, state.items, currency_code=currency_code, weeks=weeks, z=z
        )
        all_errors += errors
        all_baseline += baseline
        results.append(
            BacktestCutoff(
                cutoff=cutoff,
                items=len(state.items),
                paid_items=len(errors),
                mae_days=_mean(errors),
                baseline_mae_days=_mean(baseline),
                weeks=_week_errors(forecast, state, cutoff, currency_code),
            )
        )
    return _report(results, all_errors, all_baseline, currency_code, weeks, target_coverage)


def _day_errors(state: _CutoffState, cutoff: dt.date) -> tuple[list[Decimal], list[Decimal]]:
    """Days between each paid item's predicted and actual payment, and between the naive guess
    (its due date, or the day after the cut-off if later) and the actual payment."""
    errors: list[Decimal] = []
    baseline: list[Decimal] = []
    for pred in predict_payments(state.model, state.items):
        paid = state.paid_on.get(pred.item_id)
        if paid is None:
            continue
        errors.append(Decimal(abs((pred.predicted_date - paid).days)))
        naive = max(pred.due_date, cutoff + dt.timedelta(days=1))
        baseline.append(Decimal(abs((naive - paid).days)))
    return errors, baseline


def _week_errors(
    forecast: WeeklyForecast, state: _CutoffState, cutoff: dt.date, currency_code: str
) -> tuple[WeekError, ...]:
    """Each forecast week against the cash its open invoices really brought in that week (none
    when no invoice was open)."""
    invoices = list(_owed_invoices(state.items))
    if not invoices:
        return ()
    # Cash paid before the cut-off but recorded after it reaches AR in the first week.
    first = cutoff + dt.timedelta(days=1)
    week_errors = []
    for h, w in enumerate(forecast.weeks):
        actual = sum(
            (
                i.open_amount.amount
                for i in invoices
                if w.start <= max(state.paid_on.get(i.item_id, dt.date.max), first) <= w.end
            ),
            _ZERO,
        )
        week_errors.append(
            WeekError(
                week=h + 1,
                start=w.start,
                forecast=w.expected,
                actual=Money(actual, currency_code),
                low=w.low,
                high=w.high,
                sd=w.sd,
            )
        )
    return tuple(week_errors)


def _report(
    results: Sequence[BacktestCutoff],
    all_errors: Sequence[Decimal],
    all_baseline: Sequence[Decimal],
    currency_code: str,
    weeks: int,
    target_coverage: Decimal,
) -> BacktestReport:
    """The cut-offs' figures pooled: errors per week ahead, coverage and the calibrated z."""
    per_week_abs: list[list[Decimal]] = [[] for _ in range(weeks)]
    per_week_err: list[list[Decimal]] = [[] for _ in range(weeks)]
    inside = 0
    total_weeks = 0
    ratios: list[Decimal] = []
    for result in results:
        for h, we in enumerate(result.weeks):
            if we.sd > 0:
                ratios.append(SCORE_CONTEXT.divide(abs(we.error.amount), we.sd))
            per_week_abs[h].append(abs(we.error.amount))
            per_week_err[h].append(we.error.amount)
            inside += we.inside
            total_weeks += 1
    return BacktestReport(
        cutoffs=tuple(results),
        mae_days=_mean(all_errors),
        baseline_mae_days=_mean(all_baseline),
        week_mae=tuple(_money_mean(v, currency_code) for v in per_week_abs if v),
        week_bias=tuple(_money_mean(v, currency_code) for v in per_week_err if v),
        coverage=(
            SCORE_CONTEXT.divide(Decimal(inside), Decimal(total_weeks)) if total_weeks else None
        ),
        calibrated_z=_calibrated(ratios, target_coverage),
    )


def _money_mean(values: Sequence[Decimal], currency_code: str) -> Money:
    m = SCORE_CONTEXT.divide(sum(values, _ZERO), Decimal(len(values)))
    return Money(quantize_decimal(m, minor_unit(currency_code), Rounding.HALF_UP), currency_code)


def _calibrated(ratios: list[Decimal], target: Decimal) -> Decimal | None:
    """The smallest ratio that covers ``target`` of the ratios, rounded up to 4 decimals."""
    if not ratios:
        return None
    ordered = sorted(ratios)
    rank = int((target * len(ordered)).to_integral_value(rounding=Rounding.CEILING.value))
    value = ordered[min(len(ordered), max(rank, 1)) - 1]
    return quantize_decimal(value, Decimal("0.0001"), Rounding.CEILING)


def _owed_invoices(items: Iterable[OpenItem]) -> Iterator[OpenItem]:
    """The items a forecast predicts: invoices with an amount still owed."""
    return (i for i in items if i.kind is ItemKind.INVOICE and i.open_amount.amount > 0)


def _as_open_item(r: PaymentRecord) -> OpenItem:
    return OpenItem(
        item_id=r.item_id,
        customer_id=r.customer_id,
        kind=ItemKind.INVOICE,
        document_number=r.item_id,
        document_date=r.document_date,
        due_date=r.due_date,
        original_amount=r.amount,
        open_amount=r.amount,
    )


# ============================================================================================
# From the ledger


def forecast_from_ledger(
    ledger: CreditLedger,
    *,
    as_of: dt.date,
    currency_code: str,
    known_at: dt.datetime | None = None,
    weeks: int = 13,
    prior_strength: int = 5,
    z: Decimal = Z_80,
    timing: Timing = Timing.PAID,
) -> tuple[tuple[Prediction, ...], WeeklyForecast]:
    """Predictions and the weekly forecast for the ledger's open invoices on ``as_of``.

    The model is fitted on the ledger's payment history known on ``as_of`` (and at ``known_at``).
    """
    model, items = _fitted_on_ledger(
        ledger, ledger.facts(), as_of, known_at, currency_code, prior_strength, timing
    )
    predictions = predict_payments(model, items)
    forecast = cash_forecast(model, items, currency_code=currency_code, weeks=weeks, z=z)
    return predictions, forecast


def backtest_from_ledger(
    ledger: CreditLedger,
    cutoffs: Sequence[dt.date],
    *,
    currency_code: str,
    weeks: int = 4,
    prior_strength: int = 5,
    z: Decimal = Z_80,
    target_coverage: Decimal = Decimal("0.8"),
    timing: Timing = Timing.PAID,
) -> BacktestReport:
    """Replay the ledger as of each cut-off T, exactly as it was known at the end of day T.

    At T the model is fitted on the payment history effective on T and recorded by the end of T,
    and the items forecast are the ledger's open invoices on T as known then (partly paid ones
    with their open amount).  Each is compared with its final settlement date in today's ledger;
    items never settled count as unpaid.
    """
    if not cutoffs:
        raise ValidationError("no cut-off dates", field="cutoffs", value=cutoffs)
    facts = list(ledger.facts())
    settled = {
        r.item_id: timing.date_of(r)
        for r in records_from_trails(settlement_trails(facts))
        if r.amount.currency.code == currency_code
    }

    replay = _LedgerReplay(
        ledger=ledger,
        facts=facts,
        settled=settled,
        currency_code=currency_code,
        prior_strength=prior_strength,
        timing=timing,
    )
    return _replay(
        cutoffs,
        replay.state_at,
        currency_code=currency_code,
        weeks=weeks,
        z=z,
        target_coverage=target_coverage,
    )


@attrs.frozen
class _LedgerReplay:
    """The ledger as known at the end of each cut-off day (see :func:`backtest_from_ledger`)."""

    ledger: CreditLedger
    facts: Sequence[Fact]
    settled: Mapping[ItemId, dt.date]
    currency_code: str
    prior_strength: int
    timing: Timing

    def state_at(self, cutoff: dt.date) -> _CutoffState:
        known_at = dt.datetime.combine(cutoff, dt.time.max, dt.UTC)
        model, items = _fitted_on_ledger(
            self.ledger,
            self.facts,
            cutoff,
            known_at,
            self.currency_code,
            self.prior_strength,
            self.timing,
        )
        return _CutoffState(model=model, items=items, paid_on=self.settled)


def _fitted_on_ledger(
    ledger: CreditLedger,
    facts: Iterable[Fact],
    as_of: dt.date,
    known_at: dt.datetime | None,
    currency_code: str,
    prior_strength: int,
    timing: Timing,
) -> tuple[PaymentModel, list[OpenItem]]:
    """The payment model fitted on the ledger's history on ``as_of`` known at ``known_at``, and
    the open items in ``currency_code`` it forecasts."""
    history = payment_history(facts, as_of=as_of, known_at=known_at)
    items = [
        i
        for i in ledger.open_items(as_of, known_at=known_at)
        if i.open_amount.currency.code == currency_code
    ]
    model = fit_payment_model(
        history, as_of=as_of, open_items=items, prior_strength=prior_strength, timing=timing
    )
    return model, items
