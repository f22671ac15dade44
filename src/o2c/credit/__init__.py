"""Credit management: exposure, limits, the credit check, scores and limit recommendations.

Every computation here is a pure function over plain values (open items, payment records,
financial-statement figures); the ``*_from_ledger`` helpers (:mod:`o2c.credit.from_ledger`)
only gather those values.

Modules: :mod:`~o2c.credit.exposure` (exposure, limits, the check), :mod:`~o2c.credit.scores`
(Altman), :mod:`~o2c.credit.behaviour` (payment history, PAYDEX, behavioural score, limit
recommendation), :mod:`~o2c.credit.paydex_key` (PAYDEX practice labels and risk bands),
:mod:`~o2c.credit.provisioning` (expected loss), :mod:`~o2c.credit.forecast` (the pooled
days-late model, cash forecast), :mod:`~o2c.credit.features` (what the ledger knows about an
item at a moment), :mod:`~o2c.credit.prediction` (payment prediction behind one API, the default
model, calibration), :mod:`~o2c.credit.prediction_learned` (gradient boosting, ``o2c[learn]``),
:mod:`~o2c.credit.prediction_backtest`, :mod:`~o2c.credit.prediction_warnings` (early warnings),
:mod:`~o2c.credit.prediction_limits` (limits from predicted exposure) and
:mod:`~o2c.credit.orders` (the check when taking an order).

Exposure is the sum of pluggable :class:`ExposureComponent` values (open receivables, unbilled
orders, uninvoiced deliveries, payments in transit, or any amount you supply); the check compares
it with the limit resolved for the customer (customer, then group, then default) and applies the
other rules of a :class:`CreditPolicy`.  The verdict explains itself rule by rule:

>>> import datetime as dt
>>> from decimal import Decimal
>>> from o2c.money import money
>>> limits = CreditLimits(customer={"C1": money("1000", "EUR")})
>>> gl = FixedAmount("gl_balance", {"C1": money("800", "EUR")})
>>> check = check_credit(
...     "C1", as_of=dt.date(2026, 3, 31), amount=money("200", "EUR"),
...     components=[gl], limits=limits,
... )
>>> check.decision, check.exposure.total
(<CreditDecision.WARN: 'warn'>, Money('800', 'EUR'))
>>> print(check.rules[0].reason)  # doctest: +NORMALIZE_WHITESPACE
exposure 800.00 + this document 200.00 = 1000.00 is 100.00% of the customer limit 1000.00
(warn from 90.00%)

Scores have published meaning: Altman's Z (1968), Z' (private firms), Z'' and the emerging-market
score (Z'' + 3.25) with their zones, a PAYDEX-style payment index, and a behavioural scorecard
whose risk classes each carry their explanation.

>>> altman_score(AltmanModel.EM, AltmanRatios(
...     x1=Decimal("0.2"), x2=Decimal("0.3"), x3=Decimal("0.1"), x4=Decimal("1"))).zone
<Zone.SAFE: 'safe'>

Rounding: ratios are computed at 28 significant digits (:data:`SCORE_CONTEXT`) and kept so;
scores are reported rounded half-up to 4 decimals (``score``) beside the unrounded ``exact``
value, and zones are decided on the exact value.
"""

from __future__ import annotations

from o2c.credit.behaviour import (
    LIMIT_FACTORS,
    PAYDEX_TABLE,
    BehaviourScore,
    LimitRecommendation,
    Paydex,
    PaymentRecord,
    RiskClass,
    ScoreFactor,
    behavioural_score,
    days_late,
    paydex,
    paydex_for_days,
    recommend_limit,
    weighted_median,
)
from o2c.credit.exposure import (
    SCORE_CONTEXT,
    CreditCheck,
    CreditDecision,
    CreditLimits,
    CreditPolicy,
    Exposure,
    ExposureComponent,
    ExposureLine,
    FixedAmount,
    LimitMode,
    LimitSource,
    OpenReceivables,
    PaymentInTransit,
    PaymentsInTransit,
    Release,
    ResolvedLimit,
    Rule,
    RuleResult,
    check_credit,
    compute_exposure,
)
from o2c.credit.features import (
    FeatureContext,
    ItemDisputeState,
    ItemTimeline,
    PaymentFeatures,
    build_features,
    timelines_from_history,
)
from o2c.credit.from_ledger import (
    CreditLedger,
    SettlementTrail,
    TrailEntry,
    check_credit_from_ledger,
    payment_history,
    records_from_trails,
    settlement_trails,
)
from o2c.credit.paydex_key import (
    PAYMENT_PRACTICES,
    PaydexRisk,
    PaymentPractice,
    paydex_score,
    practice,
    risk_band,
)
from o2c.credit.prediction import (
    QUANTILES,
    Calibration,
    Factor,
    PaymentPrediction,
    ShrinkageModel,
)
from o2c.credit.prediction_backtest import (
    PredictionBacktest,
    Scope,
    ScoredPrediction,
    WeekScore,
    backtest_predictions,
    backtest_predictions_from_ledger,
)
from o2c.credit.prediction_limits import predicted_days_late, recommend_limit_from_predictions
from o2c.credit.prediction_warnings import (
    EarlyWarning,
    WarningKind,
    WarningPolicy,
    early_warnings,
)
from o2c.credit.scores import (
    AltmanModel,
    AltmanRatios,
    AltmanScore,
    Boundary,
    FinancialStatements,
    Zone,
    altman_ratios,
    altman_score,
    altman_zone,
)

__all__ = [
    "AltmanModel",
    "AltmanRatios",
    "AltmanScore",
    "BehaviourScore",
    "Boundary",
    "Calibration",
    "CreditCheck",
    "CreditDecision",
    "CreditLedger",
    "CreditLimits",
    "CreditPolicy",
    "EarlyWarning",
    "Exposure",
    "ExposureComponent",
    "ExposureLine",
    "Factor",
    "FeatureContext",
    "FinancialStatements",
    "FixedAmount",
    "ItemDisputeState",
    "ItemTimeline",
    "LIMIT_FACTORS",
    "LimitMode",
    "LimitRecommendation",
    "LimitSource",
    "OpenReceivables",
    "PAYDEX_TABLE",
    "PAYMENT_PRACTICES",
    "Paydex",
    "PaydexRisk",
    "PaymentFeatures",
    "PaymentInTransit",
    "PaymentPractice",
    "PaymentPrediction",
    "PaymentRecord",
    "PaymentsInTransit",
    "PredictionBacktest",
    "QUANTILES",
    "Release",
    "ResolvedLimit",
    "RiskClass",
    "Rule",
    "RuleResult",
    "SCORE_CONTEXT",
    "Scope",
    "ScoreFactor",
    "ScoredPrediction",
    "SettlementTrail",
    "ShrinkageModel",
    "TrailEntry",
    "WarningKind",
    "WarningPolicy",
    "WeekScore",
    "Zone",
    "altman_ratios",
    "altman_score",
    "altman_zone",
    "backtest_predictions",
    "backtest_predictions_from_ledger",
    "behavioural_score",
    "build_features",
    "check_credit",
    "check_credit_from_ledger",
    "compute_exposure",
    "days_late",
    "early_warnings",
    "paydex",
    "paydex_for_days",
    "paydex_score",
    "payment_history",
    "practice",
    "predicted_days_late",
    "recommend_limit",
    "recommend_limit_from_predictions",
    "records_from_trails",
    "risk_band",
    "settlement_trails",
    "timelines_from_history",
    "weighted_median",
]
