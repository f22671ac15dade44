"""The key to the PAYDEX: payment-practice labels and risk bands, as Dun & Bradstreet publish them.

:func:`o2c.credit.paydex` computes the index (amount-weighted days beyond terms mapped through
:data:`o2c.credit.PAYDEX_TABLE`); this module names what a score means:

- the *payment practice* of a score, from D&B's key to the PAYDEX: 100 anticipate, 90 discount,
  80 prompt, 70 "15 days beyond terms", 60 "22 days", 50 "30 days", 40 "60 days", 30 "90 days",
  20 "120 days", and below 20 more than 120 days beyond terms (the key's last rows), ``UN`` when
  unavailable;
- the *risk band*: 80-100 low risk of late payment, 50-79 medium, 0-49 high (D&B's "Key to the
  PAYDEX", e.g. https://www.dandb.com/glossary/paydex/: "80-100 LOW risk of late payment
  (averages prompt to 30 days within terms); 50-79 MEDIUM risk (averages 30 or less beyond
  terms); 0-49 HIGH risk (averages 30 to 120 days beyond terms)").

Days beyond 120 score in the 1-19 band, as published: :func:`paydex_score` caps the table's
interpolation at 19 past 120 days (the interpolation alone rounds 120.5 days to 20).

>>> from decimal import Decimal
>>> [paydex_score(Decimal(d)) for d in (-30, 0, 15, 120, Decimal("120.5"), 150, 400)]
[100, 80, 70, 20, 19, 10, 1]
>>> practice(80).label, practice(55).label, practice(12).label
('prompt', 'slow to 30 days', 'slow beyond 120 days')
>>> risk_band(79).value, risk_band(80).value, risk_band(None).value
('medium', 'low', 'unavailable')
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from o2c.credit.behaviour import paydex_for_days

__all__ = [
    "PAYMENT_PRACTICES",
    "PaydexRisk",
    "PaymentPractice",
    "paydex_score",
    "practice",
    "risk_band",
]

_BEYOND_120 = Decimal(120)


def paydex_score(days_beyond_terms: Decimal) -> int:
    """The PAYDEX for amount-weighted days beyond terms, more than 120 days in the 1-19 band."""
    score = paydex_for_days(days_beyond_terms)
    return min(score, 19) if days_beyond_terms > _BEYOND_120 else score


@attrs.frozen
class PaymentPractice:
    """A row of the PAYDEX key: the lowest score of the row, its label and what it means."""

    floor: int
    label: str
    meaning: str


#: D&B's key to the PAYDEX, best first (the score of each row is its floor: a score between
#: two rows takes the lower row's practice, e.g. 75 is "slow to 15 days").
PAYMENT_PRACTICES: tuple[PaymentPractice, ...] = (
    PaymentPractice(100, "anticipate", "pays before the invoice date"),
    PaymentPractice(90, "discount", "pays within the discount period"),
    PaymentPractice(80, "prompt", "pays on terms"),
    PaymentPractice(70, "slow to 15 days", "pays up to 15 days beyond terms"),
    PaymentPractice(60, "slow to 22 days", "pays up to 22 days beyond terms"),
    PaymentPractice(50, "slow to 30 days", "pays up to 30 days beyond terms"),
    PaymentPractice(40, "slow to 60 days", "pays up to 60 days beyond terms"),
    PaymentPractice(30, "slow to 90 days", "pays up to 90 days beyond terms"),
    PaymentPractice(20, "slow to 120 days", "pays up to 120 days beyond terms"),
    PaymentPractice(1, "slow beyond 120 days", "pays more than 120 days beyond terms"),
)


def practice(score: int) -> PaymentPractice:
    """The payment practice of a PAYDEX score (1..100).

    Raises:
        ValueError: for a score outside 1..100.
    """
    if not 1 <= score <= 100:
        raise ValueError(f"score={score} is not a PAYDEX (1..100)")
    return next(p for p in PAYMENT_PRACTICES if score >= p.floor)


class PaydexRisk(enum.Enum):
    """D&B's risk bands of the PAYDEX (risk of late payment)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    UNAVAILABLE = "unavailable"


#: Lowest score of each band, as published (80-100 low, 50-79 medium, 0-49 high).
_BANDS = ((80, PaydexRisk.LOW), (50, PaydexRisk.MEDIUM), (0, PaydexRisk.HIGH))


def risk_band(score: int | None) -> PaydexRisk:
    """The risk band of a score (``None``: unavailable, too little history)."""
    if score is None:
        return PaydexRisk.UNAVAILABLE
    return next(band for floor, band in _BANDS if score >= floor)
