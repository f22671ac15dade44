"""Payment terms and early-payment discounts.

(Seed: the schedule value types that other areas consume.  The terms area owns this module and
extends it; these names and fields are a contract: fields may be added with defaults, not renamed.)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
from moneyed import Money

__all__ = ["DiscountOffer", "Instalment"]


@attrs.frozen(kw_only=True)
class DiscountOffer:
    """An early-payment discount resolved to a date and an amount.

    ``deadline`` is the last day on which the discount is earned (inclusive); ``amount`` is what
    the debtor may deduct when paying in full by then; ``percent`` is the tier's rate where the
    tier is a percentage (``Decimal("2")`` for 2%).
    """

    deadline: dt.date
    amount: Money
    percent: Decimal | None = None


@attrs.frozen(kw_only=True)
class Instalment:
    """One instalment of a payment schedule: what is due when, and the discounts it offers."""

    number: int
    due_date: dt.date
    amount: Money
    discounts: tuple[DiscountOffer, ...] = ()
