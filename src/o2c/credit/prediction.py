"""Payment-date prediction behind one API: a transparent default model, calibrated intervals.

Every model takes :class:`~o2c.credit.features.PaymentFeatures` (what the ledger knew at the
moment of the prediction) and gives a :class:`PaymentPrediction`: a date, quantiles and the
factors that moved the date, each in days.  :class:`ShrinkageModel` is the default, in the core
(no NumPy); :class:`o2c.credit.prediction_learned.GradientBoostingModel` (``o2c[learn]``) is fitted
and used through the same calls:

    fitted = model.fit(features, days_late, as_of=cut_off)
    predictions = fitted.predict(features_now, calibration=calibration)

The default model predicts days late (payment date minus due date) as a sum of parts:

- the customer's recency-weighted mean days late of its undisputed payments, shrunk toward its
  group's and the portfolio's (a thin history leans on them: weight ``w / (w + prior_strength)``
  for ``w`` effective payments), plus a share of its trend (fast mean minus slow mean);
- one effect in days per value of each item feature (dispute state, channel and whether it is
  new for the customer, country, currency, amount band, terms, discount offered, month and
  quarter end, dunning level, promises kept or broken), fitted by backfitting on the training
  residuals: each effect is the weighted mean residual of its value, shrunk toward 0 by
  ``effect_strength`` pseudo-payments, recent payments weighing more (``fit_half_life_days``);
- the median of the residuals (of the calibration, when one is given), so the date is a median.

An item already overdue at the moment is predicted from the residuals that would still leave it
unpaid (a conditional quantile), and an open promise pulls the date toward the promised one by
the customer's share of promises kept.

Intervals: the model's own residuals (in-sample) give the quantiles until a :class:`Calibration`
of out-of-sample residuals (a backtest's, per customer and for the portfolio) is passed: split
conformal intervals, the customer's residual quantiles shrunk toward the portfolio's.

Explanations are made when read: a prediction keeps what its factors come from (the default
model and the item's features, or raw parts: a name, a detail, days as a float) and makes the
:class:`Factor` objects (days as ``Decimal`` to a tenth, the texts formatted) the first time
:attr:`PaymentPrediction.factors` is read, so scoring a portfolio does not pay for explanations
nobody reads.

Floats: the model's internals are floats of *days* (means, effects, residuals); they never touch
money: amounts stay ``Decimal`` and probabilities used on money are exact ratios of counts.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Protocol, overload

import attrs
from moneyed import Money

from o2c.credit.features import ItemDisputeState, PaymentFeatures
from o2c.errors import ValidationError
from o2c.ledger import CustomerId, ItemId
from o2c.money import currency

__all__ = [
    "Calibration",
    "Factor",
    "Factors",
    "FittedModel",
    "FittedShrinkage",
    "Part",
    "PaymentPrediction",
    "PredictionModel",
    "QUANTILES",
    "Quantiles",
    "ShrinkageModel",
    "Spread",
    "finish",
]

#: The quantile levels every prediction carries; the 80 % interval is the first and the last.
QUANTILES: tuple[Decimal, ...] = tuple(Decimal(q) for q in ("0.1", "0.25", "0.5", "0.75", "0.9"))


def _days(value: float) -> Decimal:
    """Days for an explanation, to a tenth."""
    return Decimal(str(round(value, 1))) + 0


@attrs.frozen
class Factor:
    """One part of a prediction: what it is, and how many days it moved the date."""

    name: str
    detail: str
    days: Decimal

    def __str__(self) -> str:
        sign = "+" if self.days >= 0 else ""
        return f"{self.name} ({self.detail}): {sign}{self.days} days"


#: A text of an explanation, or how to make it from the item's features when it is read.
Text = str | Callable[[PaymentFeatures], str]
#: A factor not yet made: its name, its detail, and the days it moved the date.
Part = tuple[Text, Text, float]


class Factors(Sequence[Factor]):
    """A prediction's factors, made from their :data:`Part` s the first time they are read.

    Formatting days as ``Decimal`` and the details as text costs more than the prediction
    itself; a portfolio scored for its dates never pays for it.  A text given as a function is
    made from ``features``; ``lead`` (a model's explanation of its center) gives the parts
    before ``parts``, from ``features``, when they are read.  Equal to the tuple of the same
    factors.
    """

    __slots__ = ("_features", "_lead", "_made", "_parts")

    def __init__(
        self,
        parts: Sequence[Part],
        features: PaymentFeatures | None = None,
        lead: Callable[[PaymentFeatures], list[Part]] | None = None,
    ) -> None:
        self._parts = parts
        self._features = features
        self._lead = lead
        self._made: tuple[Factor, ...] | None = None

    def _text(self, value: Text) -> str:
        if isinstance(value, str):
            return value
        if self._features is None:
            raise ValueError("a factor's text needs the item's features")
        return value(self._features)

    def _factors(self) -> tuple[Factor, ...]:
        made = self._made
        if made is None:
            text = self._text
            parts = self._parts
            if self._lead is not None and self._features is not None:
                parts = [*self._lead(self._features), *parts]
            made = self._made = tuple(
                Factor(text(name), text(detail), _days(days)) for name, detail, days in parts
            )
            self._parts = ()
            self._features = self._lead = None
        return made

    def __len__(self) -> int:
        return len(self._factors())

    @overload
    def __getitem__(self, index: int) -> Factor: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Factor, ...]: ...

    def __getitem__(self, index: int | slice) -> Factor | tuple[Factor, ...]:
        return self._factors()[index]

    def __iter__(self) -> Iterator[Factor]:
        return iter(self._factors())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Factors | tuple | list):
            return self._factors() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._factors())

    def __repr__(self) -> str:
        return repr(self._factors())


@attrs.frozen(kw_only=True)
class PaymentPrediction:
    """When an item will be paid: a date, quantiles of the date, and why.

    ``days_late`` is the predicted date minus the due date; ``center`` the model's point before
    the residuals (days, the reference of a calibration's residuals); ``quantiles`` pairs each of
    :data:`QUANTILES` with a date; ``low_date`` / ``high_date`` are the 10 % and 90 % quantiles
    (an 80 % interval).  The factors sum to the unrounded days late.
    """

    item_id: ItemId
    customer_id: CustomerId
    amount: Money
    moment: dt.date
    due_date: dt.date
    predicted_date: dt.date
    days_late: int
    center: float
    quantiles: tuple[tuple[Decimal, dt.date], ...]
    #: The factors (a :class:`Factors`, made when read, or any sequence of them).
    factors: Sequence[Factor]
    model: str
    promised_date: dt.date | None = None

    @property
    def low_date(self) -> dt.date:
        """The 10 % quantile."""
        return self.quantiles[0][1]

    @property
    def high_date(self) -> dt.date:
        """The 90 % quantile."""
        return self.quantiles[-1][1]

    @property
    def explanation(self) -> str:
        """The prediction and its factors, one line."""
        parts = "; ".join(str(f) for f in self.factors)
        return (
            f"{self.item_id} due {self.due_date}: predicted {self.predicted_date} "
            f"({self.days_late:+d} days) by {self.model}: {parts}"
        )

    def paid_after(self, day: dt.date) -> Decimal:
        """The probability of payment after ``day``, read coarsely from the quantile grid: one
        minus the highest level whose date is on or before ``day``."""
        below = [q for q, d in self.quantiles if d <= day]
        return Decimal(1) - max(below) if below else Decimal(1)


class Spread:
    """A sorted sample of residuals (days late minus the model's center).

    :meth:`quantile` reads the sample given a lower bound (an item unpaid on its moment can only
    pay later); :meth:`count_between` counts for exact probabilities.
    """

    __slots__ = ("_plain", "values")

    def __init__(self, values: Iterable[float]) -> None:
        self.values = sorted(values)
        self._plain: dict[Decimal, float | None] = {}

    def __len__(self) -> int:
        return len(self.values)

    def quantile(self, q: Decimal, lower: float | None = None) -> float | None:
        """The ``q`` quantile of the residuals at least ``lower`` (``None`` when none is)."""
        if lower is None:
            try:
                return self._plain[q]
            except KeyError:
                found = self._plain[q] = self._quantile(q, 0)
                return found
        return self._quantile(q, bisect.bisect_left(self.values, lower))

    def _quantile(self, q: Decimal, start: int) -> float | None:
        v = self.values
        n = len(v) - start
        if n <= 0:
            return None
        rank = min(n - 1, max(0, math.ceil(float(q) * (n + 1)) - 1))
        return v[start + rank]

    def count_between(self, lo: float, hi: float) -> int:
        """How many residuals lie in ``[lo, hi)``."""
        return bisect.bisect_left(self.values, hi) - bisect.bisect_left(self.values, lo)


@attrs.frozen(kw_only=True)
class Calibration:
    """Out-of-sample residuals (actual days late minus the prediction's center), per customer
    and for the portfolio: the conformal calibration of the intervals.

    ``strength`` is how many residuals of its own a customer needs to weigh as much as the
    portfolio's (its quantiles are shrunk toward the portfolio's by ``n / (n + strength)``).
    """

    portfolio: Spread = attrs.field(eq=False)
    customers: Mapping[str, Spread] = attrs.field(factory=dict, eq=False, hash=False)
    strength: int = 20

    @classmethod
    def from_residuals(
        cls, residuals: Iterable[tuple[str, float]], *, strength: int = 20
    ) -> Calibration:
        """A calibration from ``(customer id, residual)`` pairs."""
        per: dict[str, list[float]] = {}
        every: list[float] = []
        for customer, r in residuals:
            per.setdefault(customer, []).append(r)
            every.append(r)
        return cls(
            portfolio=Spread(every),
            customers={c: Spread(v) for c, v in per.items()},
            strength=strength,
        )

    def __len__(self) -> int:
        return len(self.portfolio)

    def quantile(self, customer: str, q: Decimal, lower: float | None) -> float | None:
        """The residual quantile for ``customer``: its own shrunk toward the portfolio's."""
        port = self.portfolio.quantile(q, lower)
        own_spread = self.customers.get(customer)
        if own_spread is None or port is None:
            return port
        own = own_spread.quantile(q, lower)
        if own is None:
            return port
        n = len(own_spread)
        share = n / (n + self.strength)
        return share * own + (1 - share) * port


class FittedModel(Protocol):
    """A fitted model: predicts items described at their moments."""

    @property
    def name(self) -> str:
        """The model's name in predictions and reports."""
        ...

    def predict(
        self, features: Sequence[PaymentFeatures], *, calibration: Calibration | None = None
    ) -> list[PaymentPrediction]:
        """One prediction per item, in order."""
        ...


class PredictionModel(Protocol):
    """An unfitted model: its settings, and :meth:`fit`."""

    @property
    def name(self) -> str:
        """The model's name."""
        ...

    def fit(
        self, features: Sequence[PaymentFeatures], days_late: Sequence[int], *, as_of: dt.date
    ) -> FittedModel:
        """Fit on items described at their moments and how many days late each was paid."""
        ...


# ---------------------------------------------------------------------------------------------
# The shared last step: a center and a spread of residuals -> dates, quantiles, factors


class Quantiles(Protocol):
    """What :func:`finish` reads of a spread: a quantile given a lower bound."""

    def quantile(self, q: Decimal, lower: float | None = None) -> float | None:
        """The ``q`` quantile of the residuals at least ``lower``."""
        ...


def finish(
    f: PaymentFeatures,
    center: float,
    parts: Sequence[Part],
    spread: Quantiles,
    calibration: Calibration | None,
    model: str,
    *,
    fallback_days: int = 7,
    lead: Callable[[PaymentFeatures], list[Part]] | None = None,
) -> PaymentPrediction:
    """The prediction for a center: the residuals' quantiles given the item is still unpaid.

    Used by every model, so dates, conditioning and calibration follow one rule.  ``parts`` are
    the factors of the center, or ``lead`` makes them from the features when they are read
    (either way made into :class:`Factor` objects only when read).
    """
    earliest = f.earliest_days_late
    lower = earliest - center if f.overdue_days >= 0 else None
    if calibration is not None and len(calibration):
        cid = f.customer_id
        values = [calibration.quantile(cid, q, lower) for q in QUANTILES]
    else:
        values = [spread.quantile(q, lower) for q in QUANTILES]
    if None in values:  # later than every residual: a fallback after the moment
        late = [float(earliest - 1 + fallback_days * (1 + i)) for i in range(len(QUANTILES))]
        late[2] = float(earliest - 1 + fallback_days)
        shift = late[2] - center
        parts = [*parts, ("beyond history", "later than every residual: fallback", shift)]
        late.sort()
    else:
        # Quantiles of one sample (or of two mixed by fixed shares) rise with the level: the
        # dates are in order without sorting.
        late = [center + (v or 0.0) for v in values]
        median_shift = late[2] - center
        if abs(median_shift) >= 0.05:
            parts = [*parts, ("residual", _residual_detail(f, lower), median_shift)]
    ints = [round(x) for x in late]
    if ints[0] < earliest:
        ints = [max(d, earliest) for d in ints]
    due = f.due_date
    q_dates = tuple((q, due + dt.timedelta(days=d)) for q, d in zip(QUANTILES, ints, strict=True))
    return PaymentPrediction(
        item_id=f.item_id,
        customer_id=f.customer_id,
        amount=Money(f.amount, currency(f.currency)),
        moment=f.moment,
        due_date=due,
        predicted_date=q_dates[2][1],
        days_late=ints[2],
        center=center,
        quantiles=q_dates,
        factors=Factors(parts, f, lead),
        model=model,
        promised_date=f.promised_date,
    )


def _residual_detail(f: PaymentFeatures, lower: float | None) -> Text:
    return "median residual" if lower is None else _unpaid_residual


def _unpaid_residual(f: PaymentFeatures) -> str:
    return f"median residual given unpaid {f.overdue_days} days after due"


# ---------------------------------------------------------------------------------------------
# The default model


def _amount_band(cuts: Sequence[Decimal], amount: Decimal) -> str:
    return f"q{bisect.bisect_right(cuts, amount) + 1}"


def _terms_band(days: int) -> str:
    for bound in (0, 15, 30, 45, 60, 90):
        if days <= bound:
            return f"<={bound}"
    return ">90"


def _share_band(share: float) -> str:
    return "none" if share <= 0.0 else "<10%" if share < 0.1 else "<30%" if share < 0.3 else ">=30%"


def _channel(f: PaymentFeatures) -> str | None:
    if f.channel is None:
        return None
    share = f.history.channel_share
    usual = "usual" if share is not None and share >= 0.5 else "new"
    return f"{f.channel}, {usual} for the customer"


def _promises(f: PaymentFeatures) -> str:
    if f.promises_broken > f.promises_kept:
        return "mostly broken"
    return "mostly kept" if f.promises_kept else "none"


_Read = Callable[[PaymentFeatures, Sequence[Decimal]], str | None]

#: The item features the default model gives an effect in days per value, with how each is read.
_EFFECTS: tuple[tuple[str, _Read], ...] = (
    ("dispute", lambda f, c: None if f.dispute is ItemDisputeState.NONE else f.dispute.value),
    ("channel", lambda f, c: _channel(f)),
    ("country", lambda f, c: f.country),
    ("currency", lambda f, c: f.currency),
    ("amount", lambda f, c: _amount_band(c, f.amount)),
    ("terms", lambda f, c: _terms_band(f.terms_days)),
    ("discount offered", lambda f, c: "yes" if f.discount_offered else None),
    ("month end due", lambda f, c: "yes" if f.month_end else None),
    ("quarter end due", lambda f, c: "yes" if f.quarter_end else None),
    ("dunning level", lambda f, c: str(f.dunning_level) if f.dunning_level else None),
    ("promises", lambda f, c: _promises(f)),
    ("customer's disputes", lambda f, c: _share_band(f.history.dispute_share)),
)


def _shrink(mean: float | None, weight: float, prior: float, strength: float) -> float:
    if mean is None or weight <= 0:
        return prior
    return (weight * mean + strength * prior) / (weight + strength)


def _positive_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value <= 0:
        raise ValidationError(
            f"{attribute.name}={value} must be positive", field=attribute.name, value=value
        )


@attrs.frozen(kw_only=True)
class ShrinkageModel:
    """The default model's settings (see the module docstring for the model).

    Its values are o2c's own, chosen on the synthetic benchmark (``benchmarks/forecast.py``):
    they decide dates, never money.
    """

    #: Effective payments of its own a customer needs to weigh as much as its group/portfolio.
    prior_strength: int = attrs.field(default=3, validator=_positive_int)
    #: The same between a group and the portfolio.
    group_strength: int = attrs.field(default=10, validator=_positive_int)
    #: Pseudo-payments at zero effect each feature value starts with.
    effect_strength: int = attrs.field(default=10, validator=_positive_int)
    #: Backfitting rounds over the effects.
    rounds: int = attrs.field(default=4, validator=_positive_int)
    #: Half-life of a training payment's weight in the effects (days before the fit's date).
    fit_half_life_days: int = attrs.field(default=365, validator=_positive_int)
    #: Days after the moment assumed for an item later than every residual.
    fallback_days: int = attrs.field(default=7, validator=_positive_int)
    name: str = "shrinkage"

    def fit(
        self, features: Sequence[PaymentFeatures], days_late: Sequence[int], *, as_of: dt.date
    ) -> FittedShrinkage:
        """Fit the trend's share and the effects on paid items (features at their moments).

        Raises:
            ValidationError: features and targets of different lengths.
        """
        if len(features) != len(days_late):
            raise ValidationError(
                f"{len(features)} feature rows for {len(days_late)} targets",
                field="days_late",
                value=len(days_late),
            )
        amounts = sorted(f.amount for f in features)
        cuts = tuple(amounts[len(amounts) * k // 4] for k in (1, 2, 3)) if amounts else ()
        rate = math.log(2) / self.fit_half_life_days
        weights = [math.exp(-rate * max(0, (as_of - f.moment).days)) for f in features]
        fitted = FittedShrinkage(
            settings=self, cuts=cuts, effects={}, beta=0.0, residuals=Spread(())
        )
        bases = [fitted.base(f) for f in features]
        keys = [[read(f, cuts) for _, read in _EFFECTS] for f in features]
        trends = [fitted.trend_input(f) for f in features]
        effects: list[dict[str, float]] = [{} for _ in _EFFECTS]
        beta = 0.0
        resid = [float(y) - b for y, b in zip(days_late, bases, strict=True)]
        for _ in range(self.rounds):
            for j in range(len(_EFFECTS)):
                table = effects[j]
                sums: dict[str, float] = {}
                total: dict[str, float] = {}
                for i, row in enumerate(keys):
                    k = row[j]
                    if k is None:
                        continue
                    resid[i] += table.get(k, 0.0)
                    sums[k] = sums.get(k, 0.0) + weights[i] * resid[i]
                    total[k] = total.get(k, 0.0) + weights[i]
                effects[j] = {k: sums[k] / (total[k] + self.effect_strength) for k in sums}
                for i, row in enumerate(keys):
                    k = row[j]
                    if k is not None:
                        resid[i] -= effects[j][k]
            num = den = 0.0
            for i, t in enumerate(trends):
                resid[i] += beta * t
                num += weights[i] * resid[i] * t
                den += weights[i] * t * t
            beta = min(1.0, max(0.0, num / (den + 100.0)))
            for i, t in enumerate(trends):
                resid[i] -= beta * t
        by_name = {name: effects[j] for j, (name, _) in enumerate(_EFFECTS)}
        return attrs.evolve(fitted, effects=by_name, beta=beta, residuals=Spread(resid))


@attrs.frozen(kw_only=True)
class FittedShrinkage:
    """A fitted :class:`ShrinkageModel`: its amount bands, effects, trend share and residuals."""

    settings: ShrinkageModel
    #: Amount quartile cuts of the training items.
    cuts: tuple[Decimal, ...]
    #: Feature -> value -> days.
    effects: Mapping[str, Mapping[str, float]] = attrs.field(hash=False)
    beta: float
    residuals: Spread = attrs.field(eq=False, hash=False)
    #: The effects in the order of the feature table, each with how its value is read (made
    #: once per fit).
    _tables: tuple[tuple[str, _Read, Mapping[str, float]], ...] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )

    #: The customer history's detail (a bound method made once).
    _history_text: Callable[[PaymentFeatures], str] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )

    @_tables.default
    def _tables_default(self) -> tuple[tuple[str, _Read, Mapping[str, float]], ...]:
        return tuple((name, read, self.effects.get(name, {})) for name, read in _EFFECTS)

    #: :meth:`explain` (a bound method made once).
    _explain: Callable[[PaymentFeatures], list[Part]] = attrs.field(
        init=False, eq=False, hash=False, repr=False
    )

    @_history_text.default
    def _history_text_default(self) -> Callable[[PaymentFeatures], str]:
        return self._history_detail

    @_explain.default
    def _explain_default(self) -> Callable[[PaymentFeatures], list[Part]]:
        return self.explain

    @property
    def name(self) -> str:
        """The model's name."""
        return self.settings.name

    def _levels(self, f: PaymentFeatures) -> tuple[float, float, float]:
        """The portfolio's habit, the group's shrunk toward it, the customer's toward that."""
        s = self.settings
        port = f.portfolio.mean if f.portfolio.mean is not None else 0.0
        grp = _shrink(f.group_history.mean, f.group_history.weight, port, s.group_strength)
        return port, grp, _shrink(f.history.mean, f.history.weight, grp, s.prior_strength)

    def base(self, f: PaymentFeatures) -> float:
        """The customer's habit shrunk toward its group's and the portfolio's (days late)."""
        return self._levels(f)[2]

    def trend_input(self, f: PaymentFeatures) -> float:
        """The customer's trend, scaled by the weight of its own history."""
        h = f.history
        if h.trend is None or h.weight <= 0:
            return 0.0
        return h.trend * h.weight / (h.weight + self.settings.prior_strength)

    def explain_base(self, f: PaymentFeatures) -> list[Part]:
        """The base as parts of the explanation: portfolio, group, customer."""
        return self._base_parts(f, *self._levels(f))

    def _base_parts(self, f: PaymentFeatures, port: float, grp: float, own: float) -> list[Part]:
        out: list[Part] = [("portfolio", _portfolio_detail, port)]
        if f.group is not None and abs(grp - port) >= 0.05:
            out.append((_group_name, _group_detail, grp - port))
        if f.history.mean is not None:
            out.append(("customer history", self._history_text, own - grp))
        return out

    def _history_detail(self, f: PaymentFeatures) -> str:
        h = f.history
        share = h.weight / (h.weight + self.settings.prior_strength)
        return (
            f"{h.count} payments, recency-weighted mean {_days(h.mean or 0.0)}, "
            f"own weight {round(100 * share)}%"
        )

    def center(self, f: PaymentFeatures) -> tuple[float, list[Part]]:
        """The point before residuals, and the parts of the explanation that make it."""
        parts: list[Part] = []
        return self._point(f, parts), parts

    def explain(self, f: PaymentFeatures) -> list[Part]:
        """The parts of a prediction's center, an open promise's pull included (what
        :meth:`predict` leaves to be made when its factors are read)."""
        parts: list[Part] = []
        total = self._point(f, parts)
        if f.promised_date is not None:
            _promise(f, total, parts)
        return parts

    def _point(self, f: PaymentFeatures, parts: list[Part] | None) -> float:
        """The center; its parts added to ``parts`` unless it is ``None``."""
        levels = self._levels(f)
        if parts is not None:
            parts += self._base_parts(f, *levels)
        total = levels[2]
        t = self.beta * self.trend_input(f)
        if parts is not None and abs(t) >= 0.05:
            parts.append(("trend", _trend_detail, t))
        total += t
        cuts = self.cuts
        for name, read, table in self._tables:
            key = read(f, cuts)
            if key is None:
                continue
            e = table.get(key, 0.0)
            total += e
            if parts is not None and abs(e) >= 0.05:
                parts.append((name, key, e))
        return total

    def predict(
        self, features: Sequence[PaymentFeatures], *, calibration: Calibration | None = None
    ) -> list[PaymentPrediction]:
        """One prediction per item (see the module docstring)."""
        out = []
        fallback = self.settings.fallback_days
        explain = self._explain
        for f in features:
            center = self._point(f, None)
            if f.promised_date is not None:
                center = _promise(f, center, None)
            out.append(
                finish(
                    f,
                    center,
                    (),
                    self.residuals,
                    calibration,
                    self.name,
                    fallback_days=fallback,
                    lead=explain,
                )
            )
        return out


def _promise(f: PaymentFeatures, center: float, parts: list[Part] | None) -> float:
    """Pull the center toward an open promise by the customer's (smoothed) share kept."""
    assert f.promised_date is not None
    promised = float((f.promised_date - f.due_date).days)
    trust = (f.promises_kept + 1) / (f.promises_kept + f.promises_broken + 2)
    moved = trust * (promised - center)
    if parts is not None:
        parts.append(("promise to pay", _promise_detail, moved))
    return center + moved


def _promise_detail(f: PaymentFeatures) -> str:
    return f"for {f.promised_date}; {f.promises_kept} kept, {f.promises_broken} broken"


def _portfolio_detail(f: PaymentFeatures) -> str:
    return f"recency-weighted over {f.portfolio.count} payments"


def _group_name(f: PaymentFeatures) -> str:
    return f"group {f.group}"


def _group_detail(f: PaymentFeatures) -> str:
    return f"{f.group_history.count} payments"


def _trend_detail(f: PaymentFeatures) -> str:
    return f"recent minus usual {_days(f.history.trend or 0)}"
