"""What a schedule offers and what a payment earns: discount offers, instalments, their costs.

An :class:`Instalment` is what is due when, with the :class:`DiscountOffer` s it carries (each
resolved to a deadline and an amount).  :func:`discount_earned` says what a payment earns against
offers; :func:`forgone_discount_cost` what it costs to let a discount go.  These value types are a
contract with the ledger and cash application: add fields, never rename.

>>> from o2c.money import money
>>> offer = DiscountOffer(deadline=dt.date(2024, 1, 11), amount=money("20.00", "EUR"))
>>> Instalment(number=1, due_date=dt.date(2024, 1, 31), amount=money("1000.00", "EUR"),
...            discounts=(offer,)).offer_on(dt.date(2024, 1, 12)) is None
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import attrs
from moneyed import Money

from o2c._build import builder
from o2c._checks import shown
from o2c.errors import CurrencyMismatchError, InvalidTermsError
from o2c.money import CONTEXT, RoundingPolicy, to_decimal
from o2c.terms.lines import PartialPayment

__all__ = [
    "DiscountCost",
    "DiscountEarned",
    "DiscountOffer",
    "Instalment",
    "discount_earned",
    "forgone_discount_cost",
]

_HUNDRED = Decimal(100)
_ZERO = Decimal(0)
#: The rounding o2c applies when none is given: half-up to the currency's minor unit.
_DEFAULT_ROUNDING = RoundingPolicy()


@attrs.frozen(kw_only=True)
class DiscountOffer:
    """An early-payment discount resolved to a date and an amount.

    ``deadline`` is the last day on which the discount is earned (inclusive); ``amount`` is what
    the debtor may deduct when paying in full by then; ``percent`` is the tier's rate where the
    tier is a percentage (``Decimal("2")`` for 2%).  ``base`` is the amount the rate applied to,
    ``amount_due`` what is left to pay by the deadline, and ``untaxed_part``/``tax_part`` split
    the discount between the untaxed base and the tax (``None`` when no split was asked for).
    """

    deadline: dt.date
    amount: Money
    percent: Decimal | None = None
    #: 1-based number of the tier in the terms (tiers are in the order the terms list them).
    tier: int = 1
    base: Money | None = None
    amount_due: Money | None = None
    untaxed_part: Money | None = None
    tax_part: Money | None = None


@attrs.frozen(kw_only=True)
class Instalment:
    """One instalment of a payment schedule: what is due when, and the discounts it offers."""

    number: int
    due_date: dt.date
    amount: Money
    discounts: tuple[DiscountOffer, ...] = ()
    #: The instalment's share of the untaxed amount and of the tax (when they were given).
    untaxed: Money | None = None
    tax: Money | None = None

    def offer_on(self, day: dt.date) -> DiscountOffer | None:
        """The largest discount still open on ``day`` (deadline inclusive), or ``None``."""
        best: DiscountOffer | None = None
        for offer in self.discounts:
            if day <= offer.deadline and (best is None or offer.amount.amount > best.amount.amount):
                best = offer
        return best


#: Keyword constructors for the schedule's hot loop (see :mod:`o2c._build`): every field,
#: stored unchecked (tests/test_terms.py holds them to ``__init__``).
_new_offer = builder(DiscountOffer)
_new_instalment = builder(Instalment)


@attrs.frozen(kw_only=True)
class DiscountEarned:
    """What a payment earns: the discount, the gross amount it settles, the rule applied."""

    amount: Money
    #: Payment plus discount: how much of the open amount the payment clears.
    settles: Money
    rule: PartialPayment
    #: The offers that were open on the payment date (one per instalment considered).
    offers: tuple[DiscountOffer, ...] = ()


@attrs.frozen(kw_only=True)
class DiscountCost:
    """The annualised cost of not taking a discount (paying at the due date instead).

    ``nominal`` is simple interest: ``d / (1 - d) * year_days / days``; ``effective`` compounds
    it: ``(1 + d / (1 - d)) ** (year_days / days) - 1``.  Both are fractions (0.3724 = 37.24%).
    """

    percent: Decimal
    #: Days of credit bought by forgoing the discount (due date minus discount deadline).
    days: int
    year_days: int
    nominal: Decimal
    effective: Decimal


#: Bounds on :func:`forgone_discount_cost`'s day counts (a step's 99999 days, twice) and year
#: (360, 365 or 366 in practice): they keep the compounding inside :data:`o2c.money.CONTEXT`.
_MAX_COST_DAYS = 2 * 99_999
_MAX_YEAR_DAYS = 1_000


def forgone_discount_cost(
    percent: str | int | Decimal,
    discount_days: int,
    net_days: int,
    *,
    year_days: int = 365,
) -> DiscountCost:
    """The annualised cost of forgoing a ``percent`` discount, with the day basis stated.

    >>> c = forgone_discount_cost("2", 10, 30)
    >>> round(c.nominal, 4), round(c.effective, 4)
    (Decimal('0.3724'), Decimal('0.4459'))
    >>> round(forgone_discount_cost("2", 10, 30, year_days=360).nominal, 4)
    Decimal('0.3673')

    Raises:
        InvalidTermsError: for a percentage outside (0, 100), no days between the dates, or
            day counts that are not ints within bounds (a year of at most 1000 days).
    """
    pct = to_decimal(percent, field="percent")
    for name, value, limit in (
        ("discount_days", discount_days, _MAX_COST_DAYS),
        ("net_days", net_days, _MAX_COST_DAYS),
        ("year_days", year_days, _MAX_YEAR_DAYS),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not -limit <= value <= limit:
            raise InvalidTermsError(
                f"{name}={shown(value)!r} must be an int of at most {limit}",
                field=name,
                value=value,
            )
    days = net_days - discount_days
    if not _ZERO < pct < _HUNDRED or days <= 0 or year_days <= 0:
        raise InvalidTermsError(
            f"cannot annualise percent={pct} over {days} days on a {year_days}-day year: the "
            "percentage must be in (0, 100) and the net date after the discount deadline",
            field="percent",
            value=pct,
        )
    d = pct / _HUNDRED
    rate = CONTEXT.divide(d, 1 - d)
    periods = CONTEXT.divide(Decimal(year_days), Decimal(days))
    nominal = CONTEXT.multiply(rate, periods)
    effective = CONTEXT.power(1 + rate, periods) - 1
    return DiscountCost(
        percent=pct, days=days, year_days=year_days, nominal=nominal, effective=effective
    )


def _earn(
    payment: Money,
    gross: Decimal,
    discount: Decimal,
    open_amount: Money | None,
    *,
    offers: tuple[DiscountOffer, ...],
    rule: PartialPayment,
    rounding: RoundingPolicy,
) -> DiscountEarned:
    cur = payment.currency
    if open_amount is not None and gross:
        discount = rounding.apply_decimal(discount * open_amount.amount / gross, cur)
        gross = open_amount.amount
    net = gross - discount
    if discount <= 0:
        earned = _ZERO
    elif payment.amount >= net:
        earned = discount
    elif rule is PartialPayment.PRO_RATA and payment.amount > 0:
        earned = min(rounding.apply_decimal(payment.amount * discount / net, cur), discount)
    else:
        earned = _ZERO
    return DiscountEarned(
        amount=Money(earned, cur),
        settles=Money(payment.amount + earned, cur),
        rule=rule,
        offers=offers,
    )


def discount_earned(
    offers: Iterable[DiscountOffer],
    payment: Money,
    on: dt.date,
    *,
    amount: Money,
    open_amount: Money | None = None,
    rule: PartialPayment = PartialPayment.FULL_ONLY,
    rounding: RoundingPolicy | None = None,
) -> DiscountEarned:
    """The discount a payment earns against one item's offers (an instalment, an open item).

    The largest offer whose deadline is on or after ``on`` counts.  ``amount`` is the item's
    amount the offers were computed on; with ``open_amount`` (what is left after earlier
    payments) the discount shrinks in proportion.  ``rule`` says what a payment short of the
    discounted amount earns (see :class:`PartialPayment`).

    >>> from o2c.money import money
    >>> offer = DiscountOffer(deadline=dt.date(2024, 1, 11), amount=money("20.00", "EUR"))
    >>> discount_earned([offer], money("980.00", "EUR"), dt.date(2024, 1, 11),
    ...                 amount=money("1000.00", "EUR")).amount
    Money('20.00', 'EUR')
    >>> discount_earned([offer], money("490.00", "EUR"), dt.date(2024, 1, 11),
    ...                 amount=money("1000.00", "EUR"), rule=PartialPayment.PRO_RATA).amount
    Money('10.00', 'EUR')

    Raises:
        CurrencyMismatchError: for amounts or offers in different currencies.
    """
    cur = amount.currency
    for value in (payment, open_amount):
        if value is not None and value.currency != cur:
            raise CurrencyMismatchError(cur.code, value.currency.code, operation="apply")
    best: DiscountOffer | None = None
    for offer in offers:
        if offer.amount.currency != cur:
            raise CurrencyMismatchError(cur.code, offer.amount.currency.code, operation="apply")
        if on <= offer.deadline and (best is None or offer.amount.amount > best.amount.amount):
            best = offer
    return _earn(
        payment,
        amount.amount,
        best.amount.amount if best is not None else _ZERO,
        open_amount,
        offers=(best,) if best is not None else (),
        rule=rule,
        rounding=rounding or _DEFAULT_ROUNDING,
    )
