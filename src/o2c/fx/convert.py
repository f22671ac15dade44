"""Conversion: an amount in another currency at a provider's rate, the product exact and rounded
once, with the rate it used.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.errors import (
    RateNotFoundError,
    ValidationError,
)
from o2c.fx.rates import Rate, RateKind, RateProvider, _identity
from o2c.money import RoundingPolicy, check_amount, currency

__all__ = ["Conversion", "convert", "convert_at"]


_DEFAULT_POLICY = RoundingPolicy()


@attrs.frozen(kw_only=True)
class Conversion:
    """A converted amount and how it was obtained: the rate, the exact product, the rounding."""

    #: The converted amount, rounded once under ``rounding``.
    amount: Money
    #: The exact product before rounding.
    unrounded: Decimal
    rate: Rate
    original: Money
    #: The date the conversion was asked for (``rate.date`` may be earlier).
    on: dt.date
    rounding: RoundingPolicy


def convert_at(
    amount: Money,
    rate: Rate,
    *,
    on: dt.date | None = None,
    rounding: RoundingPolicy | None = None,
) -> Conversion:
    """``amount`` converted with ``rate`` into the rate's other currency, rounded once.

    >>> r = Rate("EUR", "USD", Decimal("1.0811"), date=dt.date(2024, 3, 28))
    >>> convert_at(Money("400.00", "USD"), r).amount
    Money('369.99', 'EUR')

    Raises:
        CurrencyMismatchError: when the amount's currency is neither side of the rate.
    """
    policy = rounding or _DEFAULT_POLICY
    code = amount.currency.code
    target = rate.other(code)
    exact = rate.apply(check_amount(amount.amount), code)
    return Conversion(
        amount=Money(
            check_amount(policy.apply_decimal(exact, target), field="converted amount"),
            currency(target),
        ),
        unrounded=exact,
        rate=rate,
        original=amount,
        on=rate.date if on is None else on,
        rounding=policy,
    )


def convert(
    amount: Money,
    to: str,
    on: dt.date,
    provider: RateProvider,
    *,
    rounding: RoundingPolicy | None = None,
    kind: RateKind = RateKind.SPOT,
    max_age: dt.timedelta | None = None,
) -> Conversion:
    """``amount`` in currency ``to`` at the provider's rate of ``kind`` for ``on``.

    The product is exact (inverse and cross rates are fractions, never rounded) and is rounded
    once, to the target currency's minor unit under ``rounding`` (half-up by default).  The same
    currency converts at the identity rate without asking the provider.

    Args:
        max_age: refuse a rate older than this before ``on``, whatever the provider allows.

    Raises:
        RateNotFoundError: when the provider has no rate (or only one older than ``max_age``).
        RateUnavailableError: when the provider could not answer.
        UnknownCurrencyError: for an unknown target currency.
    """
    target = currency(to).code
    source = amount.currency.code
    if source == target:
        rate = _identity(source, on, kind)
    else:
        rate = provider.rate(source, target, on, kind)
        if {rate.base, rate.quote} != {source, target}:
            raise ValidationError(
                f"asked for a {source}->{target} rate, the provider answered "
                f"{rate.base}->{rate.quote}",
                field="rate",
                value=rate,
            )
        if max_age is not None and on - rate.date > max_age:
            raise RateNotFoundError(
                source,
                target,
                on,
                reason=f"the provider's rate is from {rate.date}, older than {max_age.days} days",
            )
    return convert_at(amount, rate, on=on, rounding=rounding)
