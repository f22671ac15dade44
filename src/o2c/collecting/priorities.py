"""The collector's worklist: open invoices ranked by value at risk, each with its early warnings.

Issue 22's early warnings (:func:`o2c.credit.prediction_warnings.early_warnings`) fed to the
people who chase payments.  Each open invoice gets a **value at risk**::

    open amount x lateness factor x risk weight
    lateness factor = clamp(predicted days late, lateness_floor_days, lateness_cap_days)
                      / lateness_scale_days

where the predicted days late come from a :class:`~o2c.credit.prediction.PaymentPrediction`
(any model's; the item's days overdue so far when it has none) and the risk weight from the
customer's behavioural risk class (:class:`~o2c.credit.behaviour.RiskClass`, weights in
:data:`RISK_WEIGHTS`).  Every factor is a field of :class:`PriorityPolicy` with its source.  Rows
are ranked by value at risk (in one reporting currency when the items are in several: pass
``rates``), and each carries the warnings about its item and its customer and a one-line
explanation of its rank.

Not to be confused with :mod:`o2c.cash_application.worklist` (exceptions of incoming cash):
the names here are ``collector_worklist``, :class:`CollectorWorklist`, :class:`CollectorItem`.

>>> import datetime as dt
>>> from decimal import Decimal
>>> from o2c.credit import Factor, PaymentPrediction, QUANTILES, RiskClass
>>> from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
>>> from o2c.money import money
>>> as_of, due = dt.date(2026, 5, 10), dt.date(2026, 4, 30)
>>> def item(n, amount, customer="C1"):
...     return OpenItem(item_id=ItemId(n), customer_id=CustomerId(customer),
...         kind=ItemKind.INVOICE, document_number=n, document_date=dt.date(2026, 3, 31),
...         due_date=due, original_amount=money(amount, "EUR"), open_amount=money(amount, "EUR"))
>>> def predicted(n, late, customer="C1"):
...     return PaymentPrediction(item_id=n, customer_id=customer, amount=money("1", "EUR"),
...         moment=as_of, due_date=due, predicted_date=due + dt.timedelta(days=late),
...         days_late=late, center=float(late),
...         quantiles=tuple((q, due + dt.timedelta(days=late + d))
...                         for q, d in zip(QUANTILES, (-3, -1, 0, 4, 9))),
...         factors=(Factor("customer history", "12 payments", Decimal(late)),),
...         model="shrinkage")
>>> found = collector_worklist(
...     [item("I1", "9000.00"), item("I2", "1200.00", "C2")],
...     [predicted("I1", 3), predicted("I2", 40, "C2")],
...     as_of, risk={"C1": RiskClass.A, "C2": RiskClass.D})
>>> [(r.rank, r.item_id, str(r.value_at_risk.amount)) for r in found.rows]
[(1, 'I2', '5200.00'), (2, 'I1', '900.00')]
>>> [w.kind.value for w in found.rows[0].warnings]
['late']
>>> print(found.rows[0].explanation)  # doctest: +NORMALIZE_WHITESPACE
I2 of C2: 1200.00 EUR open x 40 days predicted late / 30 x class D weight 3.25 = 5200.00 EUR
at risk; I2 due 2026-04-30: predicted 2026-06-09 (+40 days) by shrinkage: customer history
(12 payments): +40 days; warnings: late (40 > 15)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs
from moneyed import Money

from o2c.credit.behaviour import BehaviourScore, PaymentRecord, RiskClass, behavioural_score
from o2c.credit.exposure import SCORE_CONTEXT
from o2c.credit.features import FeatureContext, build_features, timelines_from_history
from o2c.credit.from_ledger import records_from_trails
from o2c.credit.prediction import (
    Calibration,
    PaymentPrediction,
    PredictionModel,
    ShrinkageModel,
)
from o2c.credit.prediction_warnings import (
    EarlyWarning,
    WarningPolicy,
    early_warnings,
)
from o2c.errors import ValidationError
from o2c.ledger import CustomerId, History, ItemId, ItemKind, OpenItem
from o2c.money import Rounding, currency, minor_unit, quantize_decimal

__all__ = [
    "CollectorItem",
    "CollectorWorklist",
    "PriorityPolicy",
    "RISK_WEIGHTS",
    "collector_worklist",
    "collector_worklist_from_history",
]

_ZERO = Decimal(0)

#: Weight of each behavioural risk class in the value at risk: ``(100 - floor) / 20`` of the
#: class's floor on the behavioural scorecard (:func:`o2c.credit.behavioural_score`; A >= 80,
#: B >= 65, C >= 50, D >= 35, E below), i.e. the points a class may lack in units of class A's
#: 20: A 1, B 1.75, C 2.5, D 3.25, E 5.
RISK_WEIGHTS: Mapping[RiskClass, Decimal] = {
    rc: SCORE_CONTEXT.divide(Decimal(100 - rc.floor), Decimal(20)) for rc in RiskClass
}


def _weights(value: Mapping[RiskClass, Decimal]) -> Mapping[RiskClass, Decimal]:
    out = dict(value)
    missing = [rc.value for rc in RiskClass if rc not in out]
    if missing or any(not isinstance(w, Decimal) or w < 0 for w in out.values()):
        raise ValidationError(
            f"risk_weights={out!r}: give a non-negative Decimal for every class "
            f"(missing: {', '.join(missing) or 'none'})",
            field="risk_weights",
            value=out,
        )
    return out


def _positive(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or value <= 0:
        raise ValidationError(
            f"{attribute.name}={value!r} must be a positive whole number of days",
            field=attribute.name,
            value=value,
        )


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or value < 0:
        raise ValidationError(
            f"{attribute.name}={value!r} must be a whole number of days, 0 or more",
            field=attribute.name,
            value=value,
        )


@attrs.frozen(kw_only=True)
class PriorityPolicy:
    """The factors of the value at risk, and the warnings' thresholds (o2c's defaults).

    A rank decides whom a collector calls first, so each factor is a field here:
    """

    #: Days late that count the open amount once: 30, a month, the period DSO is measured over
    #: and the usual step between dunning levels.
    lateness_scale_days: int = attrs.field(default=30, validator=_positive)
    #: The least lateness an open invoice counts for: 1 day, so an item predicted on time or
    #: early still ranks by amount and class (below items of its size predicted late).
    lateness_floor_days: int = attrs.field(default=1, validator=_non_negative)
    #: Lateness beyond this adds no priority: 120 days, the last step of the published PAYDEX
    #: key (beyond 120 days every payment scores in its lowest band).
    lateness_cap_days: int = attrs.field(default=120, validator=_positive)
    #: Weight per risk class (default :data:`RISK_WEIGHTS`, from the behavioural scorecard).
    risk_weights: Mapping[RiskClass, Decimal] = attrs.field(
        factory=lambda: dict(RISK_WEIGHTS), converter=_weights, hash=False
    )
    #: The class of a customer the caller gives none for: C, the class the behavioural
    #: scorecard gives a customer without any history (about 56 points of 100).
    unknown_risk: RiskClass = RiskClass.C
    #: The early warnings' thresholds (late items, worsening customers, promises at risk).
    warnings: WarningPolicy = attrs.field(factory=WarningPolicy)
    #: :func:`collector_worklist_from_history` compares each customer's predicted lateness with
    #: what was predicted this many days earlier (7: last week's run) for "worsening" warnings.
    compare_days: int = attrs.field(default=7, validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.lateness_floor_days > self.lateness_cap_days:
            raise ValidationError(
                f"lateness_floor_days={self.lateness_floor_days} is above "
                f"lateness_cap_days={self.lateness_cap_days}",
                field="lateness_floor_days",
                value=self.lateness_floor_days,
            )


@attrs.frozen(kw_only=True)
class CollectorItem:
    """One row of the worklist: an open invoice, its prediction, its value at risk and why.

    ``predicted_days_late`` is the prediction's (or the days overdue so far without one);
    ``value_at_risk`` is in the item's currency, ``ranked_value`` in the worklist's reporting
    currency (the same without rates); ``warnings`` are the item's and its customer's.
    """

    rank: int
    item: OpenItem
    prediction: PaymentPrediction | None
    predicted_days_late: int
    risk_class: RiskClass
    risk_weight: Decimal
    #: Why the customer has its class (a behavioural score's explanation, or how it was given).
    risk_detail: str
    value_at_risk: Money
    ranked_value: Decimal
    warnings: tuple[EarlyWarning, ...]
    explanation: str

    @property
    def item_id(self) -> ItemId:
        """The item's id."""
        return self.item.item_id

    @property
    def customer_id(self) -> CustomerId:
        """The item's customer."""
        return self.item.customer_id

    @property
    def open_amount(self) -> Money:
        """What is open on the item."""
        return self.item.open_amount

    @property
    def predicted_date(self) -> dt.date | None:
        """The predicted payment date (``None`` without a prediction)."""
        return None if self.prediction is None else self.prediction.predicted_date


@attrs.frozen(kw_only=True)
class CollectorWorklist:
    """The ranked rows, every warning raised, and the figures used to rank them."""

    as_of: dt.date
    rows: tuple[CollectorItem, ...]
    #: Every warning (item warnings first, then customers'), as :func:`early_warnings` gives them.
    warnings: tuple[EarlyWarning, ...]
    #: The currency ``ranked_value`` is in.
    currency: str
    policy: PriorityPolicy

    def __len__(self) -> int:
        return len(self.rows)

    def for_customer(self, customer_id: str) -> tuple[CollectorItem, ...]:
        """The customer's rows, in rank order."""
        return tuple(r for r in self.rows if r.customer_id == customer_id)

    @property
    def total_at_risk(self) -> Money:
        """The sum of the rows' ranked values, in :attr:`currency`."""
        step = minor_unit(self.currency)
        total = sum((r.ranked_value for r in self.rows), _ZERO)
        return Money(quantize_decimal(total, step, Rounding.HALF_UP), currency(self.currency))


def _risk_of(
    customer_id: str, risk: Mapping[str, RiskClass | BehaviourScore], policy: PriorityPolicy
) -> tuple[RiskClass, str]:
    given = risk.get(customer_id)
    if isinstance(given, BehaviourScore):
        return given.risk_class, given.explanation
    if isinstance(given, RiskClass):
        return given, f"class {given.value} given: {given.description}"
    unknown = policy.unknown_risk
    return unknown, f"no class given: {unknown.value} assumed ({unknown.description})"


def _warning_note(w: EarlyWarning) -> str:
    return f"{w.kind.value} ({w.observed} > {w.threshold})"


def collector_worklist(
    items: Iterable[OpenItem],
    predictions: Sequence[PaymentPrediction],
    as_of: dt.date,
    *,
    risk: Mapping[str, RiskClass | BehaviourScore] | None = None,
    previous: Sequence[PaymentPrediction] = (),
    policy: PriorityPolicy | None = None,
    rates: Mapping[str, Decimal] | None = None,
    currency_code: str | None = None,
) -> CollectorWorklist:
    """Rank the open invoices among ``items`` by value at risk (see the module docstring).

    Args:
        items: open items (credit memos, unapplied cash and settled items are left out).
        predictions: predictions of (some of) the items, by item id; an item without one counts
            its days overdue on ``as_of``.
        as_of: the day of the worklist.
        risk: per customer its risk class, or its :class:`~o2c.credit.BehaviourScore` (whose
            explanation the row keeps); others get the policy's ``unknown_risk``.
        previous: earlier predictions, for the "worsening" warnings (see :func:`early_warnings`).
        policy: the factors and thresholds (default :class:`PriorityPolicy`).
        rates: per currency, the value of one unit in ``currency_code``: needed to rank items
            in several currencies on one scale.
        currency_code: the reporting currency (default: the items' one currency).

    Raises:
        ValidationError: items in several currencies without a rate for one of them.
    """
    pol = policy or PriorityPolicy()
    chosen = [i for i in items if i.kind is ItemKind.INVOICE and i.open_amount.amount > 0]
    report, table = _reporting_scale(chosen, rates, currency_code)
    by_item = {p.item_id: p for p in predictions}
    warnings = early_warnings(predictions, previous=previous, policy=pol.warnings)
    item_warnings: dict[str, list[EarlyWarning]] = {}
    customer_warnings: dict[str, list[EarlyWarning]] = {}
    for w in warnings:
        if w.item_id is None:
            customer_warnings.setdefault(w.customer_id, []).append(w)
        else:
            item_warnings.setdefault(w.item_id, []).append(w)
    classes = risk or {}
    unranked = []
    for item in chosen:
        prediction = by_item.get(item.item_id)
        if prediction is not None and prediction.customer_id != item.customer_id:
            prediction = None
        found = (*item_warnings.get(item.item_id, ()), *customer_warnings.get(item.customer_id, ()))
        rate = table[item.open_amount.currency.code]
        risk_of = _risk_of(item.customer_id, classes, pol)
        unranked.append(_scored(item, prediction, as_of, pol, risk_of, found, rate))
    unranked.sort(
        key=lambda r: (-r.ranked_value, r.item.due_date, r.item.customer_id, r.item.item_id)
    )
    rows = tuple(attrs.evolve(r, rank=n) for n, r in enumerate(unranked, start=1))
    return CollectorWorklist(as_of=as_of, rows=rows, warnings=warnings, currency=report, policy=pol)


def _reporting_scale(
    chosen: Sequence[OpenItem], rates: Mapping[str, Decimal] | None, currency_code: str | None
) -> tuple[str, dict[str, Decimal]]:
    """The reporting currency and the rate of each item currency into it.

    Raises:
        ValidationError: items in several currencies without a rate for one of them.
    """
    codes = sorted({i.open_amount.currency.code for i in chosen})
    # XXX: ISO 4217's code for "no currency", for a worklist with no item and no currency given
    report = currency_code or (codes[0] if len(codes) == 1 else None if codes else "XXX")
    table = dict(rates or {})
    if report is not None:
        table.setdefault(report, Decimal(1))
    missing = [c for c in codes if c not in table]
    if report is None or missing:
        raise ValidationError(
            f"items in {', '.join(codes)}: give currency_code and rates for "
            f"{', '.join(missing or codes)} to rank them on one scale",
            field="rates",
            value=rates,
        )
    return report, table


def _scored(
    item: OpenItem,
    prediction: PaymentPrediction | None,
    as_of: dt.date,
    pol: PriorityPolicy,
    risk: tuple[RiskClass, str],
    found: tuple[EarlyWarning, ...],
    rate: Decimal,
) -> CollectorItem:
    """The row of one open invoice, not ranked yet (``rank`` 0): its value at risk (``rate``:
    one unit of its currency in the reporting currency) and the line that explains it."""
    code = item.open_amount.currency.code
    late = prediction.days_late if prediction is not None else max(0, (as_of - item.due_date).days)
    days = min(max(late, pol.lateness_floor_days), pol.lateness_cap_days)
    rc, detail = risk
    weight = pol.risk_weights[rc]
    exact = SCORE_CONTEXT.divide(
        item.open_amount.amount * days * weight, Decimal(pol.lateness_scale_days)
    )
    at_risk = quantize_decimal(exact, minor_unit(code), Rounding.HALF_UP)
    why = (
        prediction.explanation
        if prediction is not None
        else f"no prediction: {late} days overdue so far"
    )
    shown = f"{late} days predicted late" if prediction is not None else f"{late} days overdue"
    if days != late:
        shown += f" (counted {days})"
    text = (
        f"{item.item_id} of {item.customer_id}: {item.open_amount.amount} {code} open x "
        f"{shown} / {pol.lateness_scale_days} x class {rc.value} weight "
        f"{weight.normalize():f} = {at_risk} {code} at risk; {why}"
    )
    if found:
        text += "; warnings: " + ", ".join(_warning_note(w) for w in found)
    return CollectorItem(
        rank=0,
        item=item,
        prediction=prediction,
        predicted_days_late=late,
        risk_class=rc,
        risk_weight=weight,
        risk_detail=detail,
        value_at_risk=Money(at_risk, currency(code)),
        ranked_value=SCORE_CONTEXT.multiply(exact, rate),
        warnings=found,
        explanation=text,
    )


def collector_worklist_from_history(
    history: History,
    as_of: dt.date,
    *,
    model: PredictionModel | None = None,
    context: FeatureContext | None = None,
    calibration: Calibration | None = None,
    risk: Mapping[str, RiskClass | BehaviourScore] | None = None,
    policy: PriorityPolicy | None = None,
    rates: Mapping[str, Decimal] | None = None,
    currency_code: str | None = None,
) -> CollectorWorklist:
    """The worklist of a read of the ledger as of ``as_of`` (``ledger.read(as_of)``).

    The model (default :class:`~o2c.credit.ShrinkageModel`) is fitted on the invoices whose
    payment was known on ``as_of`` (described at their issue, as the backtests do) and predicts
    the open invoices as known on ``as_of``; the "worsening" warnings compare with the same
    model's predictions of the invoices open ``policy.compare_days`` earlier, described as known
    then.  Without ``risk``, each customer's class is its behavioural score
    (:func:`~o2c.credit.behavioural_score`) from its collected payments and open items.  With
    nothing paid yet to learn from, no item is predicted and each counts its days overdue.
    """
    pol = policy or PriorityPolicy()
    ctx = context or FeatureContext()
    items = history.open_items()
    timelines = timelines_from_history(history)
    paid = [t for t in timelines if t.paid_by(as_of) and t.document_date <= as_of]
    predictions: list[PaymentPrediction] = []
    previous: list[PaymentPrediction] = []
    if paid:
        chosen = model or ShrinkageModel()
        train = build_features(timelines, [(t, t.document_date) for t in paid], context=ctx)
        fitted = chosen.fit(train, [t.days_late or 0 for t in paid], as_of=as_of)
        open_ids = {(i.customer_id, i.item_id) for i in items if i.kind is ItemKind.INVOICE}
        now = [
            t
            for t in timelines
            if (t.customer_id, t.item_id) in open_ids and t.document_date <= as_of
        ]
        predictions = fitted.predict(
            build_features(timelines, [(t, as_of) for t in now], context=ctx),
            calibration=calibration,
        )
        before = as_of - dt.timedelta(days=pol.compare_days)
        then = [t for t in timelines if t.document_date <= before and not t.paid_by(before)]
        if then:
            previous = fitted.predict(
                build_features(timelines, [(t, before) for t in then], context=ctx),
                calibration=calibration,
            )
    classes = risk if risk is not None else _behavioural_classes(history, items, as_of)
    return collector_worklist(
        items,
        predictions,
        as_of,
        risk=classes,
        previous=previous,
        policy=pol,
        rates=rates,
        currency_code=currency_code,
    )


def _behavioural_classes(
    history: History, items: Sequence[OpenItem], as_of: dt.date
) -> dict[str, BehaviourScore]:
    records: dict[str, list[PaymentRecord]] = {}
    for r in records_from_trails(history.settlement_trails()):
        records.setdefault(r.customer_id, []).append(r)
    open_by: dict[str, list[OpenItem]] = {}
    for i in items:
        open_by.setdefault(i.customer_id, []).append(i)
    return {
        cid: behavioural_score(
            cid, records.get(cid, []), as_of=as_of, open_items=open_by.get(cid, [])
        )
        for cid in sorted(open_by)
    }
