"""The learned payment model: gradient boosting over the same features (``o2c[learn]``).

:class:`GradientBoostingModel` is fitted, used and backtested through the same calls as the
default :class:`~o2c.credit.prediction.ShrinkageModel` (``fit(features, days_late, as_of=...)``,
then ``predict(features, calibration=...)``).  It fits a histogram gradient-boosting regressor
with the quantile (pinball) loss for the median of days late (the date); the interval is its
training residuals around it (or, with ``interval_models``, two more regressors for the 10 % and
90 % quantiles) until a conformal :class:`~o2c.credit.prediction.Calibration` replaces it.  Its
inputs are the feature builder's columns plus the default model's center (stacking: the boosted
trees learn what the transparent model leaves over).  Training items are not weighted by age
(scikit-learn's quantile loss with sample weights is several times slower); drift reaches it
through the recency-weighted history inputs and the default model's center.

Explanation: each factor is the change of the median when one group of inputs is set to its
training reference (the median of a number, the most frequent value of a category), the others
kept: "which factors moved the date and by how many days" (they do not sum exactly: trees
interact).

scikit-learn and NumPy are imported here only, through :func:`o2c._optional.require`: the core
imports and runs without them.  Floats: the model works in days (and the log of an amount as an
input); money never passes through it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from o2c._optional import require
from o2c.credit.features import PaymentFeatures
from o2c.credit.prediction import (
    Calibration,
    FittedShrinkage,
    Part,
    PaymentPrediction,
    Quantiles,
    ShrinkageModel,
    Spread,
    finish,
)
from o2c.errors import ValidationError

__all__ = ["FittedGradientBoosting", "GradientBoostingModel"]

_NAN = float("nan")
#: A missing number (no history, no promise): far below every real value, so trees split it
#: off (NaN would do, but a column of NaN only cannot be binned).
_MISSING = -1.0e4

#: Numeric inputs: name, the explanation group, how it is read.
_NUMBERS: tuple[tuple[str, str, Any], ...] = (
    ("history mean", "customer history", lambda f: _opt(f.history.mean)),
    ("history weight", "customer history", lambda f: f.history.weight),
    ("history median", "customer history", lambda f: _opt(f.history.median)),
    ("history count", "customer history", lambda f: float(f.history.count)),
    ("trend", "trend", lambda f: _opt(f.history.trend)),
    ("dispute share", "customer's disputes", lambda f: f.history.dispute_share),
    ("channel share", "channel", lambda f: _opt(f.history.channel_share)),
    ("group mean", "group", lambda f: _opt(f.group_history.mean)),
    ("portfolio mean", "portfolio", lambda f: _opt(f.portfolio.mean)),
    ("portfolio trend", "portfolio", lambda f: _opt(f.portfolio.trend)),
    ("log amount", "amount", lambda f: math.log10(float(f.amount)) if f.amount > 0 else 0.0),
    ("terms", "terms", lambda f: float(f.terms_days)),
    ("discount", "discount offered", lambda f: float(f.discount_offered)),
    ("month end", "month end due", lambda f: float(f.month_end)),
    ("quarter end", "quarter end due", lambda f: float(f.quarter_end)),
    ("due month", "season", lambda f: float(f.due_date.month)),
    ("dunning", "dunning level", lambda f: float(f.dunning_level)),
    ("promises kept", "promises", lambda f: float(f.promises_kept)),
    ("promises broken", "promises", lambda f: float(f.promises_broken)),
    (
        "promised",
        "promise to pay",
        lambda f: _NAN if f.promised_date is None else float((f.promised_date - f.due_date).days),
    ),
)
#: Categorical inputs: name (also the explanation group), how it is read.
_CATEGORIES: tuple[tuple[str, Any], ...] = (
    ("dispute", lambda f: f.dispute.value),
    ("channel", lambda f: f.channel),
    ("country", lambda f: f.country),
    ("currency", lambda f: f.currency),
    ("group", lambda f: f.group),
)
_QUANTILE_LEVELS = (0.1, 0.5, 0.9)


def _opt(value: float | int | None) -> float:
    return _NAN if value is None else float(value)


def _positive(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise ValidationError(
            f"{attribute.name}={value} must be positive", field=attribute.name, value=value
        )


@attrs.frozen(kw_only=True)
class GradientBoostingModel:
    """Settings of the learned model (scikit-learn's ``HistGradientBoostingRegressor``).

    The values are o2c's own, chosen on the synthetic benchmark (``benchmarks/forecast.py``).
    """

    max_iter: int = attrs.field(default=100, validator=_positive)
    learning_rate: float = attrs.field(default=0.06, validator=_positive)
    max_leaf_nodes: int = attrs.field(default=15, validator=_positive)
    min_samples_leaf: int = attrs.field(default=20, validator=_positive)
    random_state: int = 0
    #: OpenMP threads scikit-learn may use.  One: training sets of a few thousand items gain
    #: nothing from more, and on a busy machine waiting threads cost most of the time (fit on
    #: 1,890 items of the benchmark at load 9 on 2 cores: 8.0 s CPU with 2 threads, 2.7 s with 1).
    threads: int = attrs.field(default=1, validator=_positive)
    #: Fit the 10 % and 90 % quantile regressors beside the median (three fits instead of
    #: one).  Without them an item's interval is the median model's training residuals around
    #: it, like the default model's, until a calibration replaces them (a backtest's do from
    #: its second cut-off on): the benchmark's backtest then takes a third of the time.
    interval_models: bool = False
    #: The default model whose center is an input.
    base: ShrinkageModel = attrs.field(factory=ShrinkageModel)
    name: str = "gradient boosting"

    def fit(
        self, features: Sequence[PaymentFeatures], days_late: Sequence[int], *, as_of: dt.date
    ) -> FittedGradientBoosting:
        """Fit the median regressor (and the interval ones with ``interval_models``).

        Raises:
            MissingExtraError: scikit-learn is not installed (``pip install "o2c[learn]"``).
            ValidationError: features and targets of different lengths, or no features.
        """
        ensemble = require(
            "sklearn.ensemble",
            extra="learn",
            feature="the learned payment model",
            package="scikit-learn",
        )
        np = require("numpy", extra="learn", feature="the learned payment model")
        if len(features) != len(days_late) or not features:
            raise ValidationError(
                f"{len(features)} feature rows for {len(days_late)} targets",
                field="days_late",
                value=len(days_late),
            )
        base = self.base.fit(features, days_late, as_of=as_of)
        codes: list[dict[str, int]] = []
        for _, read in _CATEGORIES:
            seen: dict[str, int] = {}
            for f in features:
                v = read(f)
                if v is not None and v not in seen:
                    seen[v] = len(seen)
            codes.append(seen)
        fitted = FittedGradientBoosting(
            settings=self,
            base=base,
            codes=tuple(codes),
            models=(),
            reference=(),
            residuals=Spread(()),
        )
        x = fitted.matrix(features)
        y = np.asarray(days_late, dtype=float)
        n_num = len(_NUMBERS) + 1
        categorical = [False] * n_num + [True] * len(_CATEGORIES)
        models = []
        for q in _QUANTILE_LEVELS if self.interval_models else (0.5,):
            m = ensemble.HistGradientBoostingRegressor(
                loss="quantile",
                quantile=q,
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes,
                min_samples_leaf=self.min_samples_leaf,
                categorical_features=categorical,
                early_stopping=False,
                random_state=self.random_state,
            )
            with _limits(self.threads):
                m.fit(x, y)
            models.append(m)
        reference = tuple(
            float(np.median(x[:, j])) if j < n_num else _mode(x[:, j], np)
            for j in range(x.shape[1])
        )
        with _limits(self.threads):
            residuals = Spread((y - models[len(models) // 2].predict(x)).tolist())
        return attrs.evolve(fitted, models=tuple(models), reference=reference, residuals=residuals)


def _limits(threads: int) -> Any:
    """A context limiting OpenMP's threads from now to its end (threadpoolctl comes with
    scikit-learn)."""
    ctl = require("threadpoolctl", extra="learn", feature="the learned payment model")
    return ctl.threadpool_limits(limits=threads, user_api="openmp")


def _mode(column: Any, np: Any) -> float:
    found, counts = np.unique(column, return_counts=True)
    return float(found[int(np.argmax(counts))])


class _ItemQuantiles:
    """The quantile models' 10/50/90 % of one item as residuals around its median."""

    __slots__ = ("points",)

    def __init__(self, low: float, high: float) -> None:
        self.points = (
            (Decimal("0.1"), min(0.0, low)),
            (Decimal("0.5"), 0.0),
            (Decimal("0.9"), max(0.0, high)),
        )

    def quantile(self, q: Decimal, lower: float | None = None) -> float | None:
        # Piecewise linear between the three points, flat beyond; a lower bound moves the
        # whole distribution up to it (the item is known to pay later).
        (q0, v0), (q1, v1), (q2, v2) = self.points
        if q <= q0:
            v = v0
        elif q <= q1:
            v = v0 + (v1 - v0) * float((q - q0) / (q1 - q0))
        elif q <= q2:
            v = v1 + (v2 - v1) * float((q - q1) / (q2 - q1))
        else:
            v = v2
        if lower is not None and lower > v0:
            v += lower - v0
        return v


@attrs.frozen(kw_only=True)
class FittedGradientBoosting:
    """A fitted :class:`GradientBoostingModel`."""

    settings: GradientBoostingModel
    base: FittedShrinkage
    codes: tuple[dict[str, int], ...] = attrs.field(eq=False, hash=False)
    models: tuple[Any, ...] = attrs.field(eq=False, hash=False)
    reference: tuple[float, ...]
    residuals: Spread = attrs.field(eq=False, hash=False)

    @property
    def name(self) -> str:
        """The model's name."""
        return self.settings.name

    def matrix(self, features: Sequence[PaymentFeatures]) -> Any:
        """The input matrix: the default model's center, the numbers, the category codes."""
        np = require("numpy", extra="learn", feature="the learned payment model")
        rows = []
        for f in features:
            row = [self.base.center(f)[0]]
            row += [_MISSING if math.isnan(v := read(f)) else v for _, _, read in _NUMBERS]
            for (_, read), codes in zip(_CATEGORIES, self.codes, strict=True):
                v = read(f)
                row.append(float(codes.get(v, len(codes))))  # unseen: one more category
            rows.append(row)
        return np.asarray(rows, dtype=float).reshape(
            len(rows), 1 + len(_NUMBERS) + len(_CATEGORIES)
        )

    def predict(
        self, features: Sequence[PaymentFeatures], *, calibration: Calibration | None = None
    ) -> list[PaymentPrediction]:
        """One prediction per item, with its quantiles and the factors that moved it."""
        if not features:
            return []
        np = require("numpy", extra="learn", feature="the learned payment model")
        x = self.matrix(features)
        groups = _groups()
        probes = np.repeat(x, len(groups), axis=0)
        for g, columns in enumerate(groups.values()):
            for j in columns:
                probes[g :: len(groups), j] = self.reference[j]
        median = self.models[len(self.models) // 2]
        with _limits(self.settings.threads):
            mid = median.predict(x)
            bounds = [m.predict(x) for m in self.models if m is not median]
            moved = mid.repeat(len(groups)) - median.predict(probes)
        out = []
        for i, f in enumerate(features):
            c = float(mid[i])
            effects = moved[i * len(groups) : (i + 1) * len(groups)]
            parts: list[Part] = [("median of the model", "quantile loss 50%", c)]
            parts += [
                (name, "learned", float(e))
                for name, e in sorted(
                    zip(groups, effects, strict=True), key=lambda p: -abs(float(p[1]))
                )
                if abs(float(e)) >= 0.5
            ][:5]
            spread: Quantiles = (
                _ItemQuantiles(float(bounds[0][i]) - c, float(bounds[1][i]) - c)
                if bounds
                else self.residuals
            )
            out.append(finish(f, c, parts, spread, calibration, self.name))
        return out


def _groups() -> dict[str, list[int]]:
    """Input columns by explanation group (column 0 is the default model's center)."""
    groups: dict[str, list[int]] = {"default model": [0]}
    for j, (_, group, _) in enumerate(_NUMBERS, start=1):
        groups.setdefault(group, []).append(j)
    for j, (name, _) in enumerate(_CATEGORIES, start=1 + len(_NUMBERS)):
        groups.setdefault(name, []).append(j)
    return groups
