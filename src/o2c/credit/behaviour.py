"""Payment behaviour: payment records, days late, PAYDEX, the behavioural scorecard with its
risk classes, and the credit-limit recommendation.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.credit.exposure import _ONE, _PCT_STEP, _ZERO, _div, _pct, _require
from o2c.errors import ValidationError
from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import Rounding, minor_unit, quantize_decimal

__all__ = [
    "BehaviourScore",
    "LIMIT_FACTORS",
    "LimitRecommendation",
    "PAYDEX_TABLE",
    "Paydex",
    "PaymentRecord",
    "RiskClass",
    "ScoreFactor",
    "behavioural_score",
    "days_late",
    "paydex",
    "paydex_for_days",
    "recommend_limit",
    "weighted_median",
]


@attrs.frozen(kw_only=True)
class PaymentRecord:
    """One settled item of a customer's payment history.

    ``paid_date`` is when the item was (finally) settled; ``recorded_on`` is when the ledger
    learned of it (defaults to ``paid_date``; the backtest uses it to see only what was known).
    """

    item_id: ItemId
    customer_id: CustomerId
    amount: Money
    document_date: dt.date
    due_date: dt.date
    paid_date: dt.date
    disputed: bool = False
    recorded_on: dt.date | None = None

    @property
    def days_late(self) -> int:
        """Days beyond terms (negative when paid early)."""
        return (self.paid_date - self.due_date).days

    @property
    def days_to_pay(self) -> int:
        """Days from the document date to payment."""
        return (self.paid_date - self.document_date).days

    @property
    def known_on(self) -> dt.date:
        """When the payment became known (``recorded_on`` or ``paid_date``)."""
        return self.recorded_on or self.paid_date


def days_late(record: PaymentRecord) -> int:
    """Days beyond terms of a payment record (negative when paid early)."""
    return record.days_late


def weighted_median(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal | None:
    """The lower weighted median of ``(value, weight)`` pairs (``None`` when no weight).

    The smallest value at which the cumulative weight reaches half the total.

    >>> weighted_median([(Decimal(1), Decimal(1)), (Decimal(5), Decimal(3))])
    Decimal('5')
    >>> weighted_median([(Decimal(v), Decimal(1)) for v in (1, 2, 3, 4)])
    Decimal('2')
    """
    items = sorted((v, w) for v, w in pairs if w > 0)
    total = sum((w for _, w in items), _ZERO)
    if total <= 0:
        return None
    half = total / 2
    running = _ZERO
    for value, weight in items:
        running += weight
        if running >= half:
            return value
    return items[-1][0]  # pragma: no cover - the loop always returns


#: The published PAYDEX key as (days beyond terms, score) points: 100 anticipates (30 days
#: early), 90 discount (20 days early), 80 prompt, 70 = 15 days beyond terms, 60 = 22, 50 = 30,
#: 40 = 60, 30 = 90, 20 = 120.  Between the points o2c interpolates linearly; beyond 120 days
#: it extrapolates the last slope (10 points per 30 days) down to 1.
PAYDEX_TABLE: tuple[tuple[int, int], ...] = (
    (-30, 100),
    (-20, 90),
    (0, 80),
    (15, 70),
    (22, 60),
    (30, 50),
    (60, 40),
    (90, 30),
    (120, 20),
)


def paydex_for_days(days_beyond_terms: Decimal) -> int:
    """The PAYDEX score for an (amount-weighted) number of days beyond terms.

    Rounded half-up to an integer in 1..100.

    >>> [paydex_for_days(Decimal(d)) for d in (-45, -20, 0, 8, 15, 30, 45, 120, 300)]
    [100, 90, 80, 75, 70, 50, 45, 20, 1]
    """
    d = days_beyond_terms
    table = PAYDEX_TABLE
    if d <= table[0][0]:
        exact = Decimal(table[0][1])
    elif d >= table[-1][0]:
        (d0, s0), (d1, s1) = table[-2], table[-1]
        slope = _div(Decimal(s1 - s0), Decimal(d1 - d0))
        exact = max(_ONE, Decimal(s1) + slope * (d - d1))
    else:
        exact = Decimal(table[-1][1])
        for (d0, s0), (d1, s1) in itertools.pairwise(table):
            if d0 <= d <= d1:
                exact = Decimal(s0) + _div(Decimal(s1 - s0) * (d - d0), Decimal(d1 - d0))
                break
    return int(quantize_decimal(exact, _ONE, Rounding.HALF_UP))


@attrs.frozen(kw_only=True)
class Paydex:
    """A PAYDEX-style index: ``score`` is ``None`` (unavailable) below the minimum history."""

    score: int | None
    days_beyond_terms: Decimal | None
    records: int
    amount: Decimal
    explanation: str


def paydex(records: Iterable[PaymentRecord], *, min_records: int = 3) -> Paydex:
    """A PAYDEX-style index from the customer's own payments.

    The amount-weighted mean of days beyond terms (early payment counts negative), rounded
    half-up to 2 decimals, mapped through :data:`PAYDEX_TABLE`.

    >>> recs = [PaymentRecord(item_id=f"I{n}", customer_id="C1", amount=Money(a, "EUR"),
    ...     document_date=dt.date(2026, 1, 1), due_date=dt.date(2026, 1, 31),
    ...     paid_date=dt.date(2026, 1, 31) + dt.timedelta(days=late))
    ...     for n, (a, late) in enumerate([("100", 0), ("100", 10), ("200", 15)])]
    >>> p = paydex(recs)
    >>> p.days_beyond_terms, p.score
    (Decimal('10.00'), 73)
    """
    total = _ZERO
    weighted = _ZERO
    count = 0
    for r in records:
        a = abs(r.amount.amount)
        total += a
        weighted += a * r.days_late
        count += 1
    if count < min_records or total == 0:
        return Paydex(
            score=None,
            days_beyond_terms=None,
            records=count,
            amount=total,
            explanation=f"unavailable: {count} payments, at least {min_records} needed",
        )
    dbt = quantize_decimal(_div(weighted, total), _PCT_STEP, Rounding.HALF_UP)
    score = paydex_for_days(dbt)
    when = f"{dbt} days beyond terms" if dbt > 0 else f"{-dbt} days within terms"
    return Paydex(
        score=score,
        days_beyond_terms=dbt,
        records=count,
        amount=total,
        explanation=f"PAYDEX {score}: pays on average {when} (amount-weighted, {count} payments)",
    )


class RiskClass(enum.Enum):
    """Behavioural risk classes, best first; ``description`` says what each means."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"

    @property
    def description(self) -> str:
        """What the class means for credit decisions."""
        return _RISK_TEXT[self]

    @property
    def floor(self) -> int:
        """The lowest score in this class."""
        return _RISK_FLOOR[self]


_RISK_TEXT = {
    RiskClass.A: "low risk: pays on or close to terms; normal limits",
    RiskClass.B: "moderate risk: some late payments; standard monitoring",
    RiskClass.C: "elevated risk: regularly late; review limits and terms",
    RiskClass.D: "high risk: late, disputing or over-utilised; secure new orders",
    RiskClass.E: "very high risk: cash in advance or collateral only",
}


_RISK_FLOOR = {RiskClass.A: 80, RiskClass.B: 65, RiskClass.C: 50, RiskClass.D: 35, RiskClass.E: 0}


@attrs.frozen(kw_only=True)
class ScoreFactor:
    """One factor of the behavioural scorecard: its value, points out of a maximum, and why."""

    name: str
    value: Decimal | None
    points: int
    max_points: int
    explanation: str


@attrs.frozen(kw_only=True)
class BehaviourScore:
    """A behavioural score 0..100, its risk class and the factors behind it."""

    customer_id: CustomerId
    as_of: dt.date
    score: int
    risk_class: RiskClass
    factors: tuple[ScoreFactor, ...]
    records: int

    @property
    def explanation(self) -> str:
        """The class meaning followed by every factor's explanation."""
        parts = [f"class {self.risk_class.value} ({self.score}/100): {self.risk_class.description}"]
        parts += [f"{f.name} {f.points}/{f.max_points}: {f.explanation}" for f in self.factors]
        return "; ".join(parts)


@attrs.frozen(kw_only=True)
class _Factor:
    """One row of the behavioural scorecard: its points per band, and without its data."""

    name: str
    max_points: int
    #: ``(upper bound, points)``, best first: a value up to the bound (inclusive) scores the
    #: points; above the last bound it scores 0.
    bands: tuple[tuple[Decimal, int], ...]
    #: The points when the factor's data is missing (about half the maximum: neutral).
    neutral: int

    def scored(self, value: Decimal, explanation: str) -> ScoreFactor:
        """The factor for ``value``, in the first band whose bound it does not exceed."""
        points = next((p for upper, p in self.bands if value <= upper), 0)
        return ScoreFactor(
            name=self.name,
            value=value,
            points=points,
            max_points=self.max_points,
            explanation=explanation,
        )

    def without_data(self, explanation: str) -> ScoreFactor:
        """The factor when its data is missing: neutral points."""
        return ScoreFactor(
            name=self.name,
            value=None,
            points=self.neutral,
            max_points=self.max_points,
            explanation=explanation,
        )


#: The behavioural scorecard, o2c's own calibration (the table in :func:`behavioural_score`'s
#: docstring): lateness in days, tail, disputes and utilisation as fractions, trend in days.
_LATENESS = _Factor(
    name="lateness",
    max_points=40,
    bands=((_ZERO, 40), (Decimal(7), 32), (Decimal(15), 24), (Decimal(30), 14), (Decimal(60), 6)),
    neutral=20,
)
_TAIL = _Factor(
    name="tail",
    max_points=15,
    bands=((Decimal("0.05"), 15), (Decimal("0.15"), 10), (Decimal("0.30"), 5)),
    neutral=8,
)
_TREND = _Factor(name="trend", max_points=15, bands=((Decimal(3), 15), (Decimal(10), 8)), neutral=8)
#: Without any amount the disputed share is 0, which scores the full 10.
_DISPUTES = _Factor(
    name="disputes",
    max_points=10,
    bands=((_ZERO, 10), (Decimal("0.05"), 6), (Decimal("0.15"), 3)),
    neutral=10,
)
_UTILISATION = _Factor(
    name="utilisation",
    max_points=20,
    bands=((Decimal("0.5"), 20), (Decimal("0.8"), 14), (_ONE, 7)),
    neutral=10,
)
#: Days late beyond which an amount counts in the tail.
_TAIL_DAYS = 30


def behavioural_score(
    customer_id: str,
    records: Sequence[PaymentRecord],
    *,
    as_of: dt.date,
    open_items: Sequence[OpenItem] = (),
    exposure: Money | None = None,
    limit: Money | None = None,
    trend_window: int = 6,
) -> BehaviourScore:
    """A behavioural scorecard from payment history, open items and utilisation.

    Factors (points out of 100):

    - ``lateness`` (40): amount-weighted median days late; open overdue items count with their
      days past due so far. <= 0: 40, <= 7: 32, <= 15: 24, <= 30: 14, <= 60: 6, else 0.
    - ``tail`` (15): share of amount more than 30 days late. <= 5%: 15, <= 15%: 10,
      <= 30%: 5, else 0.
    - ``trend`` (15): median days late of the last ``trend_window`` payments minus that of the
      ones before. <= +3 days: 15, <= +10: 8, else 0; fewer than 2 x window payments: 8.
    - ``disputes`` (10): disputed share of the amount (history and open items).
      0: 10, <= 5%: 6, <= 15%: 3, else 0.
    - ``utilisation`` (20): exposure / limit. <= 50%: 20, <= 80%: 14, <= 100%: 7, else 0;
      no limit or exposure given: 10.

    Classes: A >= 80, B >= 65, C >= 50, D >= 35, E below.  Without any history the
    lateness and tail factors score about half (20/40 and 8/15).
    """
    cid = CustomerId(customer_id)
    recs = [r for r in records if r.customer_id == cid and r.known_on <= as_of]
    items = [i for i in open_items if i.customer_id == cid and i.kind is ItemKind.INVOICE]
    factors = (
        *_lateness_and_tail(_lateness_observations(recs, items, as_of)),
        _trend(recs, trend_window),
        _disputes(recs, items),
        _utilisation(exposure, limit),
    )
    score = sum(f.points for f in factors)
    risk = next(rc for rc in RiskClass if score >= rc.floor)
    return BehaviourScore(
        customer_id=cid,
        as_of=as_of,
        score=score,
        risk_class=risk,
        factors=factors,
        records=len(recs),
    )


def _lateness_observations(
    recs: Sequence[PaymentRecord], items: Sequence[OpenItem], as_of: dt.date
) -> list[tuple[Decimal, Decimal]]:
    """``(days late, amount)`` of each payment and of each open overdue item so far."""
    observations = [(Decimal(r.days_late), abs(r.amount.amount)) for r in recs]
    observations += [
        (Decimal((as_of - i.due_date).days), i.open_amount.amount)
        for i in items
        if i.due_date < as_of and i.open_amount.amount > 0
    ]
    return observations


def _lateness_and_tail(
    observations: Sequence[tuple[Decimal, Decimal]],
) -> tuple[ScoreFactor, ScoreFactor]:
    """The weighted median days late, and the share of the amount in the tail."""
    median = weighted_median(observations)
    if median is None:
        return (
            _LATENESS.without_data("no payment history: neutral"),
            _TAIL.without_data("no payment history: neutral"),
        )
    total = sum((w for _, w in observations), _ZERO)
    late = sum((w for v, w in observations if v > _TAIL_DAYS), _ZERO)
    tail = _div(late, total) if total > 0 else _ZERO
    return (
        _LATENESS.scored(
            median, f"median {median} days beyond terms over {len(observations)} items"
        ),
        _TAIL.scored(
            tail, f"{_pct(tail)} of the amount paid or open more than {_TAIL_DAYS} days late"
        ),
    )


def _trend(recs: Sequence[PaymentRecord], window: int) -> ScoreFactor:
    """The change in median days late between the last ``window`` payments and those before."""
    ordered = sorted(recs, key=lambda r: (r.paid_date, r.item_id))
    if len(ordered) < 2 * window:
        return _TREND.without_data(
            f"{len(ordered)} payments: too few for a trend (need {2 * window})"
        )
    recent = ordered[-window:]
    before = ordered[-2 * window : -window]
    m_recent = weighted_median((Decimal(r.days_late), _ONE) for r in recent) or _ZERO
    m_before = weighted_median((Decimal(r.days_late), _ONE) for r in before) or _ZERO
    change = m_recent - m_before
    word = "worse" if change > 0 else "better" if change < 0 else "unchanged"
    return _TREND.scored(
        change,
        f"last {window} payments median {m_recent} vs {m_before} days late before ({word})",
    )


def _disputes(recs: Sequence[PaymentRecord], items: Sequence[OpenItem]) -> ScoreFactor:
    """The disputed share of the amount, paid and open."""
    amount_all = sum((abs(r.amount.amount) for r in recs), _ZERO) + sum(
        (i.original_amount.amount for i in items), _ZERO
    )
    disputed = sum((abs(r.amount.amount) for r in recs if r.disputed), _ZERO) + sum(
        (i.disputed_amount.amount for i in items if i.disputed_amount is not None), _ZERO
    )
    share = _div(disputed, amount_all) if amount_all > 0 else _ZERO
    return _DISPUTES.scored(share, f"{_pct(share)} of the amount disputed")


def _utilisation(exposure: Money | None, limit: Money | None) -> ScoreFactor:
    """Exposure as a share of the limit."""
    if exposure is None or limit is None or limit.amount <= 0:
        return _UTILISATION.without_data("no limit or exposure: neutral")
    util = _div(exposure.amount, limit.amount)
    return _UTILISATION.scored(util, f"exposure is {_pct(util)} of the limit")


#: Multiplier of the trade need per risk class in :func:`recommend_limit`.
LIMIT_FACTORS = {
    RiskClass.A: Decimal("1.5"),
    RiskClass.B: Decimal("1.25"),
    RiskClass.C: Decimal("1"),
    RiskClass.D: Decimal("0.5"),
    RiskClass.E: Decimal("0"),
}


@attrs.frozen(kw_only=True)
class LimitRecommendation:
    """A recommended credit limit with the figures and the formula that produced it."""

    amount: Money
    trade_need: Money
    factor: Decimal
    cap: Money | None
    explanation: str


def recommend_limit(
    *,
    credit_sales: Money,
    period_days: int,
    terms_days: int,
    expected_days_late: Decimal,
    risk_class: RiskClass,
    net_worth: Money | None = None,
    net_worth_share: Decimal = Decimal("0.1"),
    step: Decimal | None = None,
) -> LimitRecommendation:
    """A credit limit from the customer's trade need, its risk class and its net worth.

    Formula::

        daily sales  = credit_sales / period_days
        trade need   = daily sales x (terms_days + max(0, expected_days_late))
        recommended  = trade need x LIMIT_FACTORS[risk_class]    (A 1.5, B 1.25, C 1, D 0.5, E 0)
        capped at      net_worth x net_worth_share               (when net worth is known)
        rounded down to ``step`` (default 100 currency units)

    >>> r = recommend_limit(credit_sales=Money("365000", "EUR"), period_days=365, terms_days=30,
    ...     expected_days_late=Decimal("10"), risk_class=RiskClass.B)
    >>> r.amount
    Money('50000', 'EUR')

    Raises:
        ValidationError: for a non-positive period or negative terms.
    """
    if period_days <= 0:
        raise ValidationError(
            f"period_days={period_days} must be positive", field="period_days", value=period_days
        )
    if terms_days < 0:
        raise ValidationError(
            f"terms_days={terms_days} must not be negative", field="terms_days", value=terms_days
        )
    code = credit_sales.currency.code
    daily = _div(credit_sales.amount, Decimal(period_days))
    days = Decimal(terms_days) + max(_ZERO, expected_days_late)
    need = daily * days
    factor = LIMIT_FACTORS[risk_class]
    value = need * factor
    cap: Decimal | None = None
    if net_worth is not None:
        cap = max(_ZERO, _require(net_worth, code, "net worth") * net_worth_share)
        value = min(value, cap)
    st = step if step is not None else Decimal(100)
    amount = quantize_decimal(max(_ZERO, value), st, Rounding.FLOOR)
    text = (
        f"daily sales {quantize_decimal(daily, _PCT_STEP)} x ({terms_days} terms + "
        f"{max(_ZERO, expected_days_late)} days late) = trade need "
        f"{quantize_decimal(need, _PCT_STEP)}; x {factor} for class {risk_class.value}"
        + (
            f"; capped at {quantize_decimal(cap, _PCT_STEP)} ({_pct(net_worth_share)} of net worth)"
            if cap is not None
            else ""
        )
        + f"; rounded down to {st}"
    )
    return LimitRecommendation(
        amount=Money(amount, code),
        trade_need=Money(quantize_decimal(need, minor_unit(code)), code),
        factor=factor,
        cap=None if cap is None else Money(cap, code),
        explanation=text,
    )
