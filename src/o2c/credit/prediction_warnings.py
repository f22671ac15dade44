"""Early warnings from payment predictions: late items, worsening customers, promises at risk.

:func:`early_warnings` is a pure function over predictions (any model's
:class:`~o2c.credit.prediction.PaymentPrediction`): it returns :class:`EarlyWarning` values,
each with the figures it compared and the prediction's own explanation, for a worklist or
reminders to consume.  The thresholds are a :class:`WarningPolicy`.

>>> from decimal import Decimal
>>> from o2c.credit.prediction import Factor, PaymentPrediction, QUANTILES
>>> from o2c.money import money
>>> due = dt.date(2026, 4, 30)
>>> def pred(item, late, promised=None):
...     return PaymentPrediction(item_id=item, customer_id="C1", amount=money("100", "EUR"),
...         moment=dt.date(2026, 4, 1), due_date=due,
...         predicted_date=due + dt.timedelta(days=late), days_late=late, center=float(late),
...         quantiles=tuple((q, due + dt.timedelta(days=late + d))
...                         for q, d in zip(QUANTILES, (-5, -2, 0, 3, 8))),
...         factors=(Factor("customer history", "12 payments", Decimal(late)),),
...         model="shrinkage", promised_date=promised)
>>> found = early_warnings([pred("I1", 25), pred("I2", 2, promised=due)])
>>> [(w.kind.value, w.item_id) for w in found]
[('late', 'I1'), ('promise_at_risk', 'I2')]
>>> print(found[0].message)
I1 of C1 predicted 25 days late (2026-05-25), threshold 15: customer history (12 payments): +25 days
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs

from o2c.credit.exposure import SCORE_CONTEXT
from o2c.credit.prediction import PaymentPrediction
from o2c.errors import ValidationError
from o2c.ledger import CustomerId, ItemId
from o2c.money import quantize_decimal

__all__ = ["EarlyWarning", "WarningKind", "WarningPolicy", "early_warnings"]


class WarningKind(enum.Enum):
    """What an early warning is about."""

    #: An item predicted to be paid later than the policy's days beyond its due date.
    LATE = "late"
    #: A customer whose mean predicted lateness grew by more than the policy allows.
    WORSENING = "worsening"
    #: A promise to pay the prediction says is likely to break.
    PROMISE_AT_RISK = "promise_at_risk"


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, (int, Decimal)) or value < 0:
        raise ValidationError(
            f"{attribute.name}={value!r} must be a non-negative number",
            field=attribute.name,
            value=value,
        )


@attrs.frozen(kw_only=True)
class WarningPolicy:
    """The thresholds of :func:`early_warnings` (o2c's defaults; tune them to the portfolio).

    ``late_days``: warn for an item predicted more than this many days late (15: the PAYDEX key's
    first slow step, "15 days beyond terms").  ``worsening_days``: warn for a customer whose mean
    predicted days late exceeds the earlier predictions' by more than this (5: a working week).
    ``promise_risk``: warn for a promise when the predicted probability of payment after the
    promised date is at least this (0.5: more likely broken than kept).
    """

    late_days: int = attrs.field(default=15, validator=_non_negative)
    worsening_days: Decimal = attrs.field(default=Decimal(5), validator=_non_negative)
    promise_risk: Decimal = attrs.field(default=Decimal("0.5"), validator=_non_negative)


@attrs.frozen(kw_only=True)
class EarlyWarning:
    """One warning: its kind, whom it concerns, the figure compared and the threshold, and why.

    An item's warning also carries the predicted payment date, and a promise's the promised one
    (for a follow-up to quote).
    """

    kind: WarningKind
    customer_id: CustomerId
    item_id: ItemId | None
    observed: Decimal
    threshold: Decimal
    message: str
    predicted_date: dt.date | None = None
    promised_date: dt.date | None = None


def _mean_late(predictions: Iterable[PaymentPrediction]) -> dict[str, Decimal]:
    sums: dict[str, list[int]] = {}
    for p in predictions:
        sums.setdefault(p.customer_id, []).append(p.days_late)
    return {
        c: quantize_decimal(SCORE_CONTEXT.divide(Decimal(sum(v)), Decimal(len(v))), Decimal("0.1"))
        for c, v in sums.items()
    }


def early_warnings(
    predictions: Sequence[PaymentPrediction],
    *,
    previous: Sequence[PaymentPrediction] = (),
    policy: WarningPolicy | None = None,
) -> tuple[EarlyWarning, ...]:
    """The warnings the predictions raise, item warnings in order, then customer warnings.

    Args:
        predictions: the current predictions (open items of one or many customers).
        previous: earlier predictions (e.g. last week's run) to compare each customer's mean
            predicted days late with; customers absent from either are not compared.
        policy: the thresholds (default :class:`WarningPolicy`).
    """
    pol = policy or WarningPolicy()
    out = []
    for p in predictions:
        why = "; ".join(str(f) for f in p.factors)
        if p.days_late > pol.late_days:
            out.append(
                EarlyWarning(
                    kind=WarningKind.LATE,
                    customer_id=p.customer_id,
                    item_id=p.item_id,
                    observed=Decimal(p.days_late),
                    threshold=Decimal(pol.late_days),
                    predicted_date=p.predicted_date,
                    message=f"{p.item_id} of {p.customer_id} predicted {p.days_late} days late "
                    f"({p.predicted_date}), threshold {pol.late_days}: {why}",
                )
            )
        if p.promised_date is not None:
            risk = p.paid_after(p.promised_date)
            if risk >= pol.promise_risk:
                out.append(
                    EarlyWarning(
                        kind=WarningKind.PROMISE_AT_RISK,
                        customer_id=p.customer_id,
                        item_id=p.item_id,
                        observed=risk,
                        threshold=pol.promise_risk,
                        predicted_date=p.predicted_date,
                        promised_date=p.promised_date,
                        message=f"{p.item_id} of {p.customer_id} promised for "
                        f"{p.promised_date}, predicted {p.predicted_date}: "
                        f"{quantize_decimal(risk * 100, Decimal(1))}% likely later: {why}",
                    )
                )
    before = _mean_late(previous)
    for customer, now in sorted(_mean_late(predictions).items()):
        was = before.get(customer)
        if was is not None and now - was > pol.worsening_days:
            out.append(
                EarlyWarning(
                    kind=WarningKind.WORSENING,
                    customer_id=CustomerId(customer),
                    item_id=None,
                    observed=now - was,
                    threshold=pol.worsening_days,
                    message=f"{customer}: mean predicted lateness {now} days, was {was} "
                    f"(+{now - was}, threshold {pol.worsening_days})",
                )
            )
    return tuple(out)
