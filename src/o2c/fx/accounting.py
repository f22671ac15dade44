"""FX accounting: carrying amounts in the company currency, realised differences per allocation
and unrealised revaluation.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.errors import (
    CurrencyMismatchError,
    ValidationError,
)
from o2c.fx.convert import _DEFAULT_POLICY, convert, convert_at
from o2c.fx.rates import Rate, RateKind, RateProvider
from o2c.money import CONTEXT, RoundingPolicy

__all__ = [
    "CarryingAmount",
    "FxDifferenceKind",
    "RealisedFx",
    "Revaluation",
    "realised_fx",
    "revalue",
]


class FxDifferenceKind(enum.Enum):
    """The sign of an exchange difference, from the company's point of view."""

    GAIN = "gain"
    LOSS = "loss"
    NONE = "none"

    @classmethod
    def of(cls, difference: Decimal) -> FxDifferenceKind:
        """``GAIN`` for a positive difference, ``LOSS`` for a negative one, else ``NONE``."""
        if difference > 0:
            return cls.GAIN
        if difference < 0:
            return cls.LOSS
        return cls.NONE


@attrs.frozen
class CarryingAmount:
    """A foreign-currency amount and what it is carried at in the company's currency.

    ``booked`` is the date it was booked at that value; ``ref`` names the item (for reports).

    >>> r = Rate("EUR", "USD", Decimal("1.0956"), date=dt.date(2024, 1, 2))
    >>> CarryingAmount.at_rate(Money("1000.00", "USD"), r).company_amount
    Money('912.74', 'EUR')
    """

    amount: Money
    company_amount: Money
    booked: dt.date | None = attrs.field(default=None, kw_only=True)
    ref: str = attrs.field(default="", kw_only=True)

    @classmethod
    def at_rate(
        cls,
        amount: Money,
        rate: Rate,
        *,
        rounding: RoundingPolicy | None = None,
        ref: str = "",
    ) -> CarryingAmount:
        """``amount`` carried at its conversion with ``rate`` (booked on the rate's date)."""
        conversion = convert_at(amount, rate, rounding=rounding)
        return cls(amount, conversion.amount, booked=rate.date, ref=ref)


@attrs.frozen(kw_only=True)
class RealisedFx:
    """The exchange difference realised by applying part of a payment to part of an item.

    ``difference = settlement - carrying``: what the settled part brought in, minus what it was
    carried at (positive: a gain).  Residuals keep the rest of each carrying amount, so the
    settled and residual parts always sum to the whole.
    """

    applied: Money
    #: The item's carrying amount of the settled part (company currency).
    carrying: Money
    #: The payment's company-currency value of the settled part.
    settlement: Money
    difference: Money
    kind: FxDifferenceKind
    item_residual: CarryingAmount
    payment_residual: CarryingAmount
    #: When the difference is recognised: the later of the two booking dates, or as given.
    on: dt.date | None


def _settle(
    whole: CarryingAmount, applied: Decimal, policy: RoundingPolicy, name: str
) -> tuple[Decimal, CarryingAmount]:
    """The carrying amount of ``applied`` out of ``whole`` and the residual carrying amount."""
    total = whole.amount.amount
    company = whole.company_amount
    if total == 0 or abs(applied) > abs(total) or (applied * total) < 0:
        raise ValidationError(
            f"applied={applied} {whole.amount.currency.code} is not part of the {name}'s "
            f"{total} {whole.amount.currency.code}: apply at most its open amount, same sign",
            field="applied",
            value=applied,
        )
    if applied == total:
        part = company.amount
    else:
        share = CONTEXT.divide(CONTEXT.multiply(company.amount, applied), total)
        part = policy.apply_decimal(share, company.currency.code)
    residual = CarryingAmount(
        Money(total - applied, whole.amount.currency),
        Money(company.amount - part, company.currency),
        booked=whole.booked,
        ref=whole.ref,
    )
    return part, residual


def realised_fx(
    item: CarryingAmount,
    payment: CarryingAmount,
    applied: Money,
    *,
    on: dt.date | None = None,
    rounding: RoundingPolicy | None = None,
) -> RealisedFx:
    """The realised exchange difference of applying ``applied`` of ``payment`` to ``item``.

    Both sides are carried amounts in the same foreign currency and company currency.  The
    settled part of each carrying amount is proportional (rounded once; applying the whole
    remainder takes the whole remaining carrying amount, so partial payments add up exactly).

    >>> r_inv = Rate("EUR", "USD", Decimal("1.0956"), date=dt.date(2024, 1, 2))
    >>> r_pay = Rate("EUR", "USD", Decimal("1.0811"), date=dt.date(2024, 3, 28))
    >>> item = CarryingAmount.at_rate(Money("1000.00", "USD"), r_inv)
    >>> paid = CarryingAmount.at_rate(Money("400.00", "USD"), r_pay)
    >>> fx = realised_fx(item, paid, Money("400.00", "USD"))
    >>> fx.carrying.amount, fx.settlement.amount, fx.difference.amount, fx.kind.value, fx.on
    (Decimal('365.10'), Decimal('369.99'), Decimal('4.89'), 'gain', datetime.date(2024, 3, 28))
    >>> fx.item_residual.amount.amount, fx.item_residual.company_amount.amount
    (Decimal('600.00'), Decimal('547.64'))

    Raises:
        CurrencyMismatchError: when the item, payment and applied amount differ in currency.
        ValidationError: when ``applied`` exceeds what the item or the payment has open.
    """
    policy = rounding or _DEFAULT_POLICY
    foreign = item.amount.currency
    for other in (payment.amount, applied):
        if other.currency != foreign:
            raise CurrencyMismatchError(
                foreign.code, other.currency.code, operation="settle realised FX between"
            )
    company = item.company_amount.currency
    if payment.company_amount.currency != company:
        raise CurrencyMismatchError(
            company.code, payment.company_amount.currency.code, operation="compare carrying"
        )
    carried, item_rest = _settle(item, applied.amount, policy, "item")
    settled, payment_rest = _settle(payment, applied.amount, policy, "payment")
    difference = settled - carried
    if on is None:
        dates = [d for d in (item.booked, payment.booked) if d is not None]
        on = max(dates) if dates else None
    return RealisedFx(
        applied=applied,
        carrying=Money(carried, company),
        settlement=Money(settled, company),
        difference=Money(difference, company),
        kind=FxDifferenceKind.of(difference),
        item_residual=item_rest,
        payment_residual=payment_rest,
        on=on,
    )


@attrs.frozen(kw_only=True)
class Revaluation:
    """One open item revalued at a closing rate: the adjustment to book and to reverse."""

    item: CarryingAmount
    #: The open amount at the closing rate (company currency, rounded once).
    revalued: Money
    #: ``revalued - item.company_amount``: positive is an unrealised gain.
    adjustment: Money
    kind: FxDifferenceKind
    rate: Rate
    on: dt.date
    #: The day the adjustment is reversed (the first day of the next period).
    reversal_date: dt.date


def revalue(
    items: Iterable[CarryingAmount],
    on: dt.date,
    provider: RateProvider,
    *,
    kind: RateKind = RateKind.CLOSING,
    rounding: RoundingPolicy | None = None,
) -> tuple[Revaluation, ...]:
    """Revalue open foreign-currency items at the provider's closing rate for ``on``.

    One :class:`Revaluation` per item, in order (an item in the company currency revalues to
    itself, adjustment zero).  The adjustment is reversed the day after ``on``, as ERPNext's
    Exchange Rate Revaluation and Odoo's exchange-difference entries do.

    >>> from o2c.fx import InMemoryRates
    >>> rates = InMemoryRates.from_rows(
    ...     [("2024-01-31", "EUR", "USD", "1.0837", "closing")], pivot="EUR"
    ... )
    >>> item = CarryingAmount(Money("1000.00", "USD"), Money("912.74", "EUR"), ref="INV-1")
    >>> (r,) = revalue([item], dt.date(2024, 1, 31), rates)
    >>> r.revalued, r.adjustment, r.kind.value, r.reversal_date
    (Money('922.76', 'EUR'), Money('10.02', 'EUR'), 'gain', datetime.date(2024, 2, 1))

    Raises:
        RateNotFoundError: when the provider has no closing rate for an item's currency.
    """
    results = []
    for item in items:
        company = item.company_amount.currency.code
        conversion = convert(item.amount, company, on, provider, kind=kind, rounding=rounding)
        adjustment = conversion.amount.amount - item.company_amount.amount
        results.append(
            Revaluation(
                item=item,
                revalued=conversion.amount,
                adjustment=Money(adjustment, item.company_amount.currency),
                kind=FxDifferenceKind.of(adjustment),
                rate=conversion.rate,
                on=on,
                reversal_date=on + dt.timedelta(days=1),
            )
        )
    return tuple(results)
