"""Backtests of payment prediction that tell the truth: every prediction, its baselines, and the
coverage its calibrated intervals achieved.

At each cut-off T a model is fitted on the items whose payment was known at T (described as at
their issue), then scores either the items *issued in the period* after T (up to the next
cut-off) from what was known at T, or the items *open at the cut-off* (:class:`Scope`).  Each
prediction is kept in the result beside the actual date and three baselines: the due date (or
the day after T for an overdue item), the portfolio's median days late and the customer's median
days late (the portfolio's without a history of its own), each at least the earliest date still
possible.

Intervals are calibrated online (split conformal): at T the residuals of earlier cut-offs'
predictions whose payment was known at T (items still unpaid count at their lower bound) form a
:class:`~o2c.credit.prediction.Calibration`, per customer and for the portfolio, once there are
``min_calibration`` of them; before that the model's own residuals give the intervals.  Weekly
cash-in intervals are calibrated the same way on earlier weeks' relative errors (actual minus
expected, over expected), **per horizon**: the errors of week 1 after a cut-off are not those of
week 4 (for items issued after the cut-off, week 1 is mostly empty), so each horizon's 10 % and
90 % errors are its own, shrunk toward those of every horizon by ``n / (n + horizon_strength)``
for ``n`` earlier weeks of its own (the rule a customer's residuals follow toward the
portfolio's).  Pooling the horizons over-covered (87.5 % of weeks inside 80 % intervals on the
benchmark).  The report gives the coverage each achieved, per horizon too.  A backtest with
nothing to score says so and reports no error and no coverage, never a perfect 0 or 100 %.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.credit.exposure import SCORE_CONTEXT
from o2c.credit.features import (
    FeatureContext,
    ItemTimeline,
    PaymentFeatures,
    build_features,
    timelines_from_history,
)
from o2c.credit.from_ledger import CreditLedger
from o2c.credit.prediction import (
    Calibration,
    FittedModel,
    PaymentPrediction,
    PredictionModel,
    ShrinkageModel,
    Spread,
)
from o2c.errors import ValidationError
from o2c.ledger import read
from o2c.money import Rounding, minor_unit, quantize_decimal

__all__ = [
    "BASELINES",
    "PredictionBacktest",
    "Scope",
    "ScoredPrediction",
    "WeekScore",
    "backtest_predictions",
    "backtest_predictions_from_ledger",
    "week_probabilities",
]

_ZERO = Decimal(0)
_ONE = Decimal(1)
_LOW = Decimal("0.1")
_HIGH = Decimal("0.9")
#: z of a two-sided 80 % normal interval, for weeks before a calibration exists.
_Z80 = Decimal("1.2816")

#: The baselines every backtest prints beside the model.
BASELINES = ("due date", "global median", "customer median")


class Scope(enum.Enum):
    """Which items a cut-off scores."""

    #: Items issued after the cut-off, up to the next one (predicted at their issue, from the
    #: history known at the cut-off).
    ISSUED_IN_PERIOD = "issued in the period"
    #: Items issued by the cut-off and not known to be paid on it.
    OPEN_AT_CUTOFF = "open at the cut-off"


@attrs.frozen(kw_only=True)
class ScoredPrediction:
    """One prediction of a backtest with what really happened and the baselines' guesses.

    ``actual_days_late`` is ``None`` for an item not paid by collections (never, or written
    off); ``calibrated`` says whether its interval came from a calibration.
    """

    cutoff: dt.date
    prediction: PaymentPrediction
    actual_date: dt.date | None
    baselines: Mapping[str, int] = attrs.field(hash=False)
    calibrated: bool

    @property
    def actual_days_late(self) -> int | None:
        """Days late of the actual payment."""
        d = self.actual_date
        return None if d is None else (d - self.prediction.due_date).days

    @property
    def error_days(self) -> int | None:
        """Predicted minus actual days (``None`` when not paid)."""
        a = self.actual_days_late
        return None if a is None else self.prediction.days_late - a

    @property
    def inside(self) -> bool | None:
        """Whether the actual date fell in the 80 % interval (``None`` when not paid)."""
        d = self.actual_date
        if d is None:
            return None
        return self.prediction.low_date <= d <= self.prediction.high_date


@attrs.frozen(kw_only=True)
class WeekScore:
    """One forecast week of a cut-off: the expected cash-in, its interval and the actual."""

    cutoff: dt.date
    week: int
    start: dt.date
    expected: Money
    low: Money
    high: Money
    actual: Money
    calibrated: bool

    @property
    def inside(self) -> bool:
        """Whether the actual fell in the interval."""
        return self.low.amount <= self.actual.amount <= self.high.amount


def _ratio(num: int, den: int) -> Decimal | None:
    return SCORE_CONTEXT.divide(Decimal(num), Decimal(den)) if den else None


def _mean_abs(values: Sequence[int]) -> Decimal | None:
    if not values:
        return None
    m = SCORE_CONTEXT.divide(Decimal(sum(abs(v) for v in values)), Decimal(len(values)))
    return quantize_decimal(m, Decimal("0.01"), Rounding.HALF_UP)


@attrs.frozen(kw_only=True)
class PredictionBacktest:
    """Every scored prediction, the mean absolute errors and the coverage achieved.

    ``mae_days`` maps the model's name and each of :data:`BASELINES` to its mean absolute error
    in days over the paid items (``None`` with nothing paid to score); ``coverage`` is the share
    of paid items inside their 80 % interval, ``calibrated_coverage`` the same over the items
    whose interval was calibrated; ``week_coverage`` and ``calibrated_week_coverage`` the same for
    the weekly cash-in intervals.
    """

    model: str
    scope: Scope
    cutoffs: tuple[dt.date, ...]
    items: tuple[ScoredPrediction, ...]
    weeks: tuple[WeekScore, ...]

    @property
    def nothing_to_score(self) -> bool:
        """Whether no cut-off had a paid item to score."""
        return not any(s.actual_date is not None for s in self.items)

    @property
    def paid(self) -> tuple[ScoredPrediction, ...]:
        """The scored items that were paid (the ones errors are measured on)."""
        return tuple(s for s in self.items if s.actual_date is not None)

    @property
    def mae_days(self) -> dict[str, Decimal | None]:
        """Mean absolute error in days of the model and of each baseline."""
        paid = self.paid
        out = {self.model: _mean_abs([s.error_days or 0 for s in paid])}
        for name in BASELINES:
            out[name] = _mean_abs([s.baselines[name] - (s.actual_days_late or 0) for s in paid])
        return out

    @property
    def coverage(self) -> Decimal | None:
        """Share of paid items inside their 80 % interval."""
        paid = self.paid
        return _ratio(sum(1 for s in paid if s.inside), len(paid))

    @property
    def calibrated_coverage(self) -> Decimal | None:
        """Share of paid items inside their calibrated 80 % interval."""
        cal = [s for s in self.paid if s.calibrated]
        return _ratio(sum(1 for s in cal if s.inside), len(cal))

    @property
    def week_coverage(self) -> Decimal | None:
        """Share of forecast weeks whose actual cash-in fell in the interval."""
        return _ratio(sum(1 for w in self.weeks if w.inside), len(self.weeks))

    @property
    def calibrated_week_coverage(self) -> Decimal | None:
        """The same over the weeks with a calibrated interval."""
        cal = [w for w in self.weeks if w.calibrated]
        return _ratio(sum(1 for w in cal if w.inside), len(cal))

    @property
    def calibrated_week_coverage_by_horizon(self) -> dict[int, Decimal | None]:
        """Per horizon (weeks after the cut-off, from 1), the share of its calibrated weeks
        whose actual cash-in fell in the interval."""
        out: dict[int, Decimal | None] = {}
        for h in sorted({w.week for w in self.weeks}):
            cal = [w for w in self.weeks if w.week == h and w.calibrated]
            out[h] = _ratio(sum(1 for w in cal if w.inside), len(cal))
        return out

    def summary(self) -> str:
        """A few lines: errors beside the baselines, coverage achieved."""
        if self.nothing_to_score:
            return f"{self.model} ({self.scope.value}): nothing to score"
        mae = ", ".join(f"{k} {v}" for k, v in self.mae_days.items())
        return (
            f"{self.model} ({self.scope.value}, {len(self.paid)} paid items): MAE days {mae}; "
            f"80% interval coverage {_pct(self.coverage)} (calibrated "
            f"{_pct(self.calibrated_coverage)}); weekly cash coverage {_pct(self.week_coverage)}"
            f" (calibrated {_pct(self.calibrated_week_coverage)})"
        )


def _pct(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{quantize_decimal(value * 100, Decimal('0.1'))}%"


def _baselines(f: PaymentFeatures) -> dict[str, int]:
    earliest = f.earliest_days_late
    glob = f.portfolio.median if f.portfolio.median is not None else 0
    own = f.history.median if f.history.median is not None else glob
    return {
        "due date": max(0, earliest),
        "global median": max(glob, earliest),
        "customer median": max(own, earliest),
    }


def week_probabilities(
    prediction: PaymentPrediction,
    windows: Sequence[tuple[dt.date, dt.date]],
    spread: Spread,
    calibration: Calibration | None,
) -> list[Decimal]:
    """The probability that the item is paid in each window (exact ratios of counts).

    The same distribution as the prediction's quantiles: the center plus the residuals that
    leave the item unpaid on its moment; with a calibration, the customer's residuals mixed
    with the portfolio's by the calibration's weights.
    """
    center = prediction.center
    due = prediction.due_date
    first = (prediction.moment - due).days + 1 if prediction.moment >= due else None
    lower = None if first is None else first - center

    def probs(s: Spread) -> list[Decimal] | None:
        lo_bound = -1e18 if lower is None else lower
        total = len(s) - s.count_between(-1e18, lo_bound)
        if total <= 0:
            return None
        out = []
        for start, end in windows:
            a = (start - due).days
            b = (end - due).days
            lo = max(a - 0.5 - center, lo_bound) if first is None or a > first else lo_bound
            hi = b + 0.5 - center
            n = s.count_between(lo, hi) if hi > lo else 0
            out.append(SCORE_CONTEXT.divide(Decimal(n), Decimal(total)))
        return out

    if calibration is None or not len(calibration):
        return probs(spread) or [_ZERO] * len(windows)
    port = probs(calibration.portfolio) or [_ZERO] * len(windows)
    own_spread = calibration.customers.get(prediction.customer_id)
    own = probs(own_spread) if own_spread is not None else None
    if own is None or own_spread is None:
        return port
    n = len(own_spread)
    share = SCORE_CONTEXT.divide(Decimal(n), Decimal(n + calibration.strength))
    return [share * o + (_ONE - share) * p for o, p in zip(own, port, strict=True)]


def _windows(cutoff: dt.date, weeks: int) -> list[tuple[dt.date, dt.date]]:
    first = cutoff + dt.timedelta(days=1)
    return [
        (first + dt.timedelta(days=7 * i), first + dt.timedelta(days=7 * i + 6))
        for i in range(weeks)
    ]


def _quantile(values: list[Decimal], q: Decimal) -> Decimal:
    ordered = sorted(values)
    n = len(ordered)
    rank = int((q * (n + 1)).to_integral_value(rounding=Rounding.CEILING.value))
    return ordered[min(n, max(rank, 1)) - 1]


def backtest_predictions(
    timelines: Sequence[ItemTimeline],
    cutoffs: Sequence[dt.date],
    *,
    model: PredictionModel | None = None,
    scope: Scope = Scope.ISSUED_IN_PERIOD,
    context: FeatureContext | None = None,
    period_days: int | None = None,
    currency_code: str | None = None,
    weeks: int = 4,
    min_calibration: int = 30,
    min_calibration_weeks: int = 8,
    horizon_strength: int = 4,
) -> PredictionBacktest:
    """Replay the timelines as of each cut-off (see the module docstring).

    Args:
        cutoffs: any dates; the period of a cut-off runs to the next one, the last one's for
            ``period_days`` (default: the last gap between cut-offs, or 30).
        model: the model to fit at each cut-off (default :class:`ShrinkageModel`).
        currency_code: score only items in this currency (weekly cash-in needs one currency:
            without it the first item's currency is used for the weeks, others left out).
        weeks: forecast weeks of cash-in per cut-off (0: none).
        min_calibration_weeks: earlier weeks (any horizon) needed before the weekly intervals
            are calibrated.
        horizon_strength: earlier weeks of its own horizon (weeks ahead of the cut-off) a
            horizon needs to weigh as much as every horizon's together (see the module
            docstring).  4, a month of weekly runs: chosen among 2, 4, 8 and pooling on the
            benchmark's seeds 22, 7 and 99 (docs/forecast.md gives the figures); it decides
            intervals, never money.

    Raises:
        ValidationError: for no cut-offs.
    """
    if not cutoffs:
        raise ValidationError("no cut-off dates", field="cutoffs", value=cutoffs)
    chosen = model or ShrinkageModel()
    ctx = context or FeatureContext()
    cuts = sorted(set(cutoffs))
    gap = period_days or ((cuts[-1] - cuts[-2]).days if len(cuts) > 1 else 30)
    items = [
        t for t in timelines if currency_code is None or t.amount.currency.code == currency_code
    ]
    code = currency_code or (items[0].amount.currency.code if items else "EUR")
    at_issue = build_features(items, [(t, t.document_date) for t in items], context=ctx)
    rule = _WeekRule(
        code=code, weeks=weeks, min_weeks=min_calibration_weeks, strength=horizon_strength
    )
    scored: list[ScoredPrediction] = []
    week_scores: list[WeekScore] = []
    for k, cutoff in enumerate(cuts):
        end = cuts[k + 1] if k + 1 < len(cuts) else cutoff + dt.timedelta(days=gap)
        train = [i for i, t in enumerate(items) if t.paid_by(cutoff) and t.document_date <= cutoff]
        requests = _requests(items, scope, cutoff, end)
        if not train or not requests:
            continue
        targets = [t for t, _ in requests]
        fitted = chosen.fit(
            [at_issue[i] for i in train], [items[i].days_late or 0 for i in train], as_of=cutoff
        )
        calibration = _calibration(scored, cutoff, min_calibration)
        feats = build_features(items, requests, context=ctx, history_as_of=cutoff)
        preds = fitted.predict(feats, calibration=calibration)
        scored += _scored(cutoff, targets, feats, preds, calibration)
        if weeks:
            week_scores += _weeks(cutoff, targets, preds, fitted, calibration, week_scores, rule)
    return PredictionBacktest(
        model=chosen.name,
        scope=scope,
        cutoffs=tuple(cuts),
        items=tuple(scored),
        weeks=tuple(week_scores),
    )


def _requests(
    items: Sequence[ItemTimeline], scope: Scope, cutoff: dt.date, end: dt.date
) -> list[tuple[ItemTimeline, dt.date]]:
    """The items a cut-off predicts, each with the date it is predicted as of: those issued in
    its period (as of their issue), or those open at the cut-off (as of the cut-off)."""
    if scope is Scope.ISSUED_IN_PERIOD:
        return [(t, t.document_date) for t in items if cutoff < t.document_date <= end]
    return [(t, cutoff) for t in items if t.document_date <= cutoff and not t.paid_by(cutoff)]


def _scored(
    cutoff: dt.date,
    targets: Sequence[ItemTimeline],
    feats: Sequence[PaymentFeatures],
    preds: Sequence[PaymentPrediction],
    calibration: Calibration | None,
) -> list[ScoredPrediction]:
    """A cut-off's predictions beside what happened and the baselines' guesses."""
    return [
        ScoredPrediction(
            cutoff=cutoff,
            prediction=p,
            actual_date=t.paid_on,
            baselines=_baselines(f),
            calibrated=calibration is not None,
        )
        for t, f, p in zip(targets, feats, preds, strict=True)
    ]


def _calibration(
    scored: Sequence[ScoredPrediction], cutoff: dt.date, minimum: int
) -> Calibration | None:
    """Residuals of earlier predictions as known at ``cutoff`` (unpaid: their lower bound)."""
    residuals = []
    for s in scored:
        p = s.prediction
        actual = s.actual_date
        if actual is not None and actual <= cutoff:
            residuals.append((p.customer_id, float((actual - p.due_date).days) - p.center))
        elif p.moment < cutoff and (cutoff - p.due_date).days + 1 > p.center:
            # Unpaid and already later than its center: counts at its lower bound.
            residuals.append((p.customer_id, float((cutoff - p.due_date).days + 1) - p.center))
    if len(residuals) < minimum:
        return None
    return Calibration.from_residuals(residuals)


@attrs.frozen
class _WeekRule:
    """How weekly cash-in is forecast: in which currency, how many weeks ahead, and when and how
    its intervals are calibrated (see :func:`backtest_predictions`)."""

    code: str
    weeks: int
    min_weeks: int
    strength: int


def _weeks(
    cutoff: dt.date,
    targets: Sequence[ItemTimeline],
    preds: Sequence[PaymentPrediction],
    fitted: FittedModel,
    calibration: Calibration | None,
    earlier: Sequence[WeekScore],
    rule: _WeekRule,
) -> list[WeekScore]:
    code, weeks, min_weeks, strength = rule.code, rule.weeks, rule.min_weeks, rule.strength
    windows = _windows(cutoff, weeks)
    spread: Spread = getattr(fitted, "residuals", Spread(()))
    expected = [_ZERO] * weeks
    variance = [_ZERO] * weeks
    actual = [_ZERO] * weeks
    for t, p in zip(targets, preds, strict=True):
        if t.amount.currency.code != code:
            continue
        a = t.amount.amount
        for i, pr in enumerate(week_probabilities(p, windows, spread, calibration)):
            expected[i] += a * pr
            variance[i] += a * a * pr * (_ONE - pr)
        if t.paid_on is not None:
            for i, (start, stop) in enumerate(windows):
                if start <= t.paid_on <= stop:
                    actual[i] += a
    by_horizon: dict[int, list[Decimal]] = {}
    for w in earlier:
        if w.start + dt.timedelta(days=6) <= cutoff and w.expected.amount > 0:
            ratio = SCORE_CONTEXT.divide(w.actual.amount - w.expected.amount, w.expected.amount)
            by_horizon.setdefault(w.week, []).append(ratio)
    ratios = [r for v in by_horizon.values() for r in v]
    calibrated = len(ratios) >= min_weeks
    step = minor_unit(code)
    out = []
    for i, (start, _) in enumerate(windows):
        e = expected[i]
        if calibrated:
            lo_r, hi_r = _horizon_bounds(by_horizon.get(i + 1, []), ratios, strength)
            lo, hi = e * (_ONE + lo_r), e * (_ONE + hi_r)
        else:
            sd = variance[i].sqrt(SCORE_CONTEXT) if variance[i] > 0 else _ZERO
            lo, hi = e - _Z80 * sd, e + _Z80 * sd
        out.append(
            WeekScore(
                cutoff=cutoff,
                week=i + 1,
                start=start,
                expected=Money(quantize_decimal(e, step, Rounding.HALF_UP), code),
                low=Money(quantize_decimal(max(_ZERO, lo), step, Rounding.FLOOR), code),
                high=Money(quantize_decimal(max(_ZERO, hi), step, Rounding.CEILING), code),
                actual=Money(actual[i], code),
                calibrated=calibrated,
            )
        )
    return out


def _horizon_bounds(
    own: list[Decimal], pooled: list[Decimal], strength: int
) -> tuple[Decimal, Decimal]:
    """The 10 % and 90 % relative errors of a horizon: its own quantiles shrunk toward those of
    every horizon by ``n / (n + strength)`` for ``n`` weeks of its own (the rule a customer's
    residuals follow toward the portfolio's)."""
    lo, hi = _quantile(pooled, _LOW), _quantile(pooled, _HIGH)
    if not own:
        return lo, hi
    share = SCORE_CONTEXT.divide(Decimal(len(own)), Decimal(len(own) + strength))
    return (
        share * _quantile(own, _LOW) + (_ONE - share) * lo,
        share * _quantile(own, _HIGH) + (_ONE - share) * hi,
    )


def backtest_predictions_from_ledger(
    ledger: CreditLedger,
    cutoffs: Sequence[dt.date],
    *,
    model: PredictionModel | None = None,
    scope: Scope = Scope.ISSUED_IN_PERIOD,
    context: FeatureContext | None = None,
    period_days: int | None = None,
    currency_code: str | None = None,
    weeks: int = 4,
    min_calibration: int = 30,
    min_calibration_weeks: int = 8,
    horizon_strength: int = 4,
) -> PredictionBacktest:
    """:func:`backtest_predictions` over the ledger's items (one read of its facts).

    Payments count from the day the ledger recorded them; see :mod:`o2c.credit.features` for
    what else is read as known when.
    """
    timelines = timelines_from_history(read(ledger.facts()))
    return backtest_predictions(
        timelines,
        cutoffs,
        model=model,
        scope=scope,
        context=context,
        period_days=period_days,
        currency_code=currency_code,
        weeks=weeks,
        min_calibration=min_calibration,
        min_calibration_weeks=min_calibration_weeks,
        horizon_strength=horizon_strength,
    )
