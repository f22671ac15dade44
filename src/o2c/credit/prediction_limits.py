"""Credit limits recommended from predicted exposure: how long the customer's money will really be
out, by the payment predictions, instead of by its past average.

:func:`recommend_limit_from_predictions` reads the customer's predictions (any model's), takes
the amount-weighted days late at a chosen quantile (the 90 % by default: the exposure to plan
for when payments run late), and hands it to :func:`o2c.credit.recommend_limit`, the one limit
formula (trade need x risk-class factor, capped by net worth).

>>> import datetime as dt
>>> from decimal import Decimal
>>> from moneyed import Money
>>> from o2c.credit import RiskClass
>>> from o2c.credit.prediction import Factor, PaymentPrediction, QUANTILES
>>> due = dt.date(2026, 4, 30)
>>> p = PaymentPrediction(item_id="I1", customer_id="C1", amount=Money("1000", "EUR"),
...     moment=dt.date(2026, 4, 1), due_date=due, predicted_date=due + dt.timedelta(days=6),
...     days_late=6, center=6.0, model="shrinkage", factors=(),
...     quantiles=tuple((q, due + dt.timedelta(days=d))
...                     for q, d in zip(QUANTILES, (0, 3, 6, 9, 14))))
>>> r = recommend_limit_from_predictions("C1", [p], credit_sales=Money("365000", "EUR"),
...     period_days=365, terms_days=30, risk_class=RiskClass.B)
>>> r.amount
Money('55000', 'EUR')
>>> r.explanation.split(";")[0]
'predicted 14 days late at the 0.9 quantile (amount-weighted, 1 open items)'

"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.credit.behaviour import LimitRecommendation, RiskClass, recommend_limit
from o2c.credit.exposure import SCORE_CONTEXT
from o2c.credit.prediction import QUANTILES, PaymentPrediction
from o2c.errors import ValidationError
from o2c.money import quantize_decimal

__all__ = ["predicted_days_late", "recommend_limit_from_predictions"]


def predicted_days_late(
    predictions: Iterable[PaymentPrediction], *, quantile: Decimal = Decimal("0.9")
) -> tuple[Decimal, int] | None:
    """The amount-weighted days late at ``quantile`` (one of :data:`QUANTILES`) and the count of
    predictions (``None`` without any).

    Raises:
        ValidationError: ``quantile`` is not one the predictions carry.
    """
    if quantile not in QUANTILES:
        raise ValidationError(
            f"quantile={quantile} must be one of {', '.join(map(str, QUANTILES))}",
            field="quantile",
            value=quantile,
        )
    index = QUANTILES.index(quantile)
    total = weighted = Decimal(0)
    n = 0
    for p in predictions:
        a = abs(p.amount.amount)
        total += a
        weighted += a * (p.quantiles[index][1] - p.due_date).days
        n += 1
    if not n or total == 0:
        return None
    return quantize_decimal(SCORE_CONTEXT.divide(weighted, total), Decimal("0.01")), n


def recommend_limit_from_predictions(
    customer_id: str,
    predictions: Iterable[PaymentPrediction],
    *,
    credit_sales: Money,
    period_days: int,
    terms_days: int,
    risk_class: RiskClass,
    quantile: Decimal = Decimal("0.9"),
    net_worth: Money | None = None,
    net_worth_share: Decimal = Decimal("0.1"),
    step: Decimal | None = None,
) -> LimitRecommendation:
    """A limit from the customer's predicted days late (see the module docstring).

    Without predictions for the customer the expected days late are 0 (terms only), and the
    explanation says so.
    """
    own = [p for p in predictions if p.customer_id == customer_id]
    found = predicted_days_late(own, quantile=quantile)
    days = found[0] if found is not None else Decimal(0)
    rec = recommend_limit(
        credit_sales=credit_sales,
        period_days=period_days,
        terms_days=terms_days,
        expected_days_late=days,
        risk_class=risk_class,
        net_worth=net_worth,
        net_worth_share=net_worth_share,
        step=step,
    )
    head = (
        f"predicted {days.normalize():f} days late at the {quantile} quantile (amount-weighted, "
        f"{found[1]} open items)"
        if found is not None
        else "no open item predicted: terms only"
    )
    return attrs.evolve(rec, explanation=f"{head}; {rec.explanation}")
