"""How an amount fits an item.

Exact, discount, bank fee, write-off, deduction, partial payment, overpayment, another currency.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from o2c.errors import RateError
from o2c.money import minor_unit, minor_units, quantize_decimal
from o2c.statement import Payment

if TYPE_CHECKING:
    pass

from o2c.cash_application.candidates import _account_key, _Context, _Item, _units
from o2c.cash_application.evidence import _deduction_reason, _partial_stated, _reason_text
from o2c.cash_application.model import ResidualKind
from o2c.cash_application.policy import FeeChannel, MatchPolicy

__all__ = ["fee_channel", "home_countries"]


@attrs.define(slots=True)
class _Fit:
    """How an amount fits one item: what is applied, paid and left as residuals."""

    applied: int
    paid: int
    residuals: list[tuple[ResidualKind, int, str]]
    quality: float
    note: str
    partial: bool = False


_IBAN = re.compile(r"^([A-Z]{2})[0-9]{2}[A-Z0-9]{11,30}$")
#: Bank transaction codes of cross-border credit transfers (camt ``XBCT``).
_CROSS_BORDER_CODES = re.compile(r"(?:^|/)XBCT$")
#: BAI2 type codes of ACH credits (142 ACH credit received, 165 preauthorised ACH credit,
#: 169 miscellaneous ACH credit): the ACH credits the full amount.
_ACH_CODES = frozenset({"142", "165", "169"})


def home_countries(accounts: Iterable[str]) -> frozenset[str]:
    """The creditor's country: the most common country of its own accounts' IBANs.

    For :attr:`MatchPolicy.creditor_countries` from the statements' accounts (a seller's
    account abroad, a London branch say, does not make that country domestic).

    >>> sorted(home_countries(["DE26353857733146038681", "DE41134400737771016178",
    ...                        "GB28EFUX29825932983589", "20190003/6567524806"]))
    ['DE']
    """
    counts: dict[str, int] = {}
    for account in accounts:
        m = _IBAN.match(_account_key(account))
        if m is not None:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    top = max(counts.values(), default=0)
    return frozenset(c for c, n in counts.items() if n == top)


def fee_channel(payment: Payment, item_currency: str, policy: MatchPolicy) -> FeeChannel:
    """Whether ``payment`` came a way that can have had charges taken off (see FeeChannel).

    >>> import datetime as dt
    >>> from o2c.money import money
    >>> p = Payment(payment_id="P", value_date=dt.date(2026, 3, 2), amount=money("1", "EUR"),
    ...             payer_account="DE89 3704 0044 0532 0130 00")
    >>> fee_channel(p, "EUR", MatchPolicy(creditor_countries=frozenset({"DE"}))).value
    'domestic'
    >>> fee_channel(p, "EUR", MatchPolicy(creditor_countries=frozenset({"AT"}))).value
    'cross_border'
    >>> fee_channel(p, "USD", MatchPolicy()).value
    'foreign_currency'
    """
    if payment.charges is not None and payment.charges.amount:
        return FeeChannel.STATED
    code = payment.amount.currency.code
    instructed = payment.instructed_amount
    if code != item_currency or (instructed is not None and instructed.currency.code != code):
        return FeeChannel.FOREIGN_CURRENCY
    # The payer's country as the file states it (its address), else its IBAN's.
    country = payment.payer_country.strip().upper()
    if not country:
        iban = _IBAN.match(_account_key(payment.payer_account))
        country = iban.group(1) if iban is not None else ""
    if country and policy.creditor_countries:
        if country in policy.creditor_countries:
            return FeeChannel.DOMESTIC
        return FeeChannel.CROSS_BORDER
    btc = payment.bank_transaction_code.strip().upper()
    if _CROSS_BORDER_CODES.search(btc):
        return FeeChannel.CROSS_BORDER
    if btc in _ACH_CODES:
        return FeeChannel.DOMESTIC
    return FeeChannel.UNKNOWN


def _fit_single(
    item: _Item, amount: int, open_units: int, payment: Payment, ctx: _Context, text: str
) -> _Fit:
    """How ``amount`` (item currency, minor units) fits an item with ``open_units`` open."""
    policy = ctx.policy
    if amount == open_units:
        return _Fit(open_units, amount, [], 1.0, "amount equals the open amount")
    for deadline, disc in item.discounts:
        if amount == open_units - disc and disc < open_units:
            if payment.value_date <= deadline:
                return _Fit(
                    open_units,
                    amount,
                    [(ResidualKind.DISCOUNT, disc, "early-payment discount")],
                    0.98,
                    f"discount earned (paid {payment.value_date} <= {deadline})",
                )
            return _Fit(
                open_units,
                amount,
                [(ResidualKind.DEDUCTION, disc, "discount taken after the deadline")],
                0.92,
                f"discount taken after its deadline {deadline}: a deduction",
            )
    partial_words = _partial_stated(text, policy.reasons)
    reason_match = _deduction_reason(text, policy.reasons)
    if 0 < amount < open_units:
        short = open_units - amount
        charges = payment.charges
        if (
            charges is not None
            and charges.currency.code == item.currency
            and payment.amount.currency.code == item.currency
            and _units(charges) == short
        ):
            return _Fit(
                open_units,
                amount,
                [(ResidualKind.BANK_FEE, short, "bank charges")],
                0.98,
                "difference equals the charges the bank states",
            )
        if (
            not reason_match
            and not partial_words
            and short <= policy.write_off_limit(item.currency)
        ):
            return _Fit(
                open_units,
                amount,
                [(ResidualKind.WRITE_OFF, short, "small difference")],
                0.95,
                "a small difference, written off",
            )
        if (
            not reason_match
            and not partial_words
            and short
            <= policy.fee_limit(
                item.currency, open_units, fee_channel(payment, item.currency, policy)
            )
        ):
            return _Fit(
                open_units,
                amount,
                [(ResidualKind.BANK_FEE, short, "bank charges")],
                0.94,
                "difference within the bank-fee band",
            )
        tolerance = policy.deduction_limit(open_units, stated=reason_match is not None)
        if short <= tolerance and not partial_words:
            reason = _reason_text(text, reason_match, policy.reasons)
            return _Fit(
                open_units,
                amount,
                [(ResidualKind.DEDUCTION, short, reason)],
                0.92 if reason_match else 0.9,
                "short payment within the deduction tolerance"
                + (f" ({reason})" if reason_match else " (no reason given)"),
            )
        return _Fit(
            amount,
            amount,
            [],
            0.9 if partial_words else 0.88,
            "partial payment" + (" (stated)" if partial_words else ""),
            partial=True,
        )
    if amount > open_units > 0:
        if amount - open_units > open_units:
            # More than twice the item: more likely documents not recognised than a surplus.
            return _Fit(
                open_units,
                open_units,
                [],
                0.6,
                "paid more than twice the open amount: other documents not recognised?",
            )
        return _Fit(
            open_units,
            open_units,
            [],
            0.9,
            "overpayment: the rest goes on account",
        )
    return _Fit(0, 0, [], 0.0, "amount does not fit")


def _convert(payment: Payment, currency_code: str, ctx: _Context) -> tuple[int, Decimal] | None:
    """The payment's amount in ``currency_code`` (minor units) and the rate, or ``None``."""
    pay_ccy = payment.amount.currency.code
    if pay_ccy == currency_code:
        return _units(payment.amount), Decimal(1)
    if ctx.rates is None:
        return None
    try:
        rate = ctx.rates.rate(pay_ccy, currency_code, payment.value_date)
    except RateError:
        return None
    # Rate.apply converts through the exact fraction of the published figure.
    exact = rate.apply(payment.amount.amount, pay_ccy)
    converted = quantize_decimal(exact, minor_unit(currency_code))
    return int(converted.scaleb(minor_units(currency_code))), rate.value


def _fit_converted(
    item: _Item, payment: Payment, ctx: _Context, text: str
) -> tuple[_Fit, int, Decimal] | None:
    """How the payment, converted to the item's currency, fits the item: ``(fit, amount in the
    item's minor units, rate)``, or ``None`` when there is no rate or the amount does not fit."""
    conv = _convert(payment, item.currency, ctx)
    if conv is None:
        return None
    amount, rate = conv
    fit = _fit_fx(item, amount, rate, payment, ctx, text)
    return None if fit.quality <= 0 else (fit, amount, rate)


def _fit_fx(
    item: _Item, amount: int, rate: Decimal, payment: Payment, ctx: _Context, text: str
) -> _Fit:
    open_units = ctx.remaining.get(item.item_id, item.open_units)
    if rate == 1:
        return _fit_single(item, amount, open_units, payment, ctx, text)
    instructed = payment.instructed_amount
    if instructed is not None and instructed.currency.code == item.currency:
        # The payer instructed the item's currency: that amount is what it meant to pay, and
        # the bank's conversion is only the FX difference.
        fit = _fit_single(item, _units(instructed), open_units, payment, ctx, text)
        if fit.quality >= 0.97 and not fit.partial:
            fx = _units(instructed) - amount
            residuals = [(ResidualKind.FX_DIFFERENCE, fx, "rate difference")] if fx else []
            return _Fit(
                fit.applied,
                amount,
                residuals + fit.residuals,
                fit.quality,
                f"instructed {format(instructed.amount, 'f')} {item.currency}: {fit.note}",
            )
    diff = open_units - amount
    tolerance = int(abs(open_units) * ctx.policy.fx_tolerance)
    if abs(diff) <= tolerance:
        residuals = [(ResidualKind.FX_DIFFERENCE, diff, "rate difference")] if diff else []
        return _Fit(
            open_units,
            amount,
            residuals,
            0.93,
            f"{payment.amount.currency.code} amount at {rate:.6f} is within "
            f"{ctx.policy.fx_tolerance:%} of the item",
        )
    fit = _fit_single(item, amount, open_units, payment, ctx, text)
    fit.quality -= 0.05
    return fit


def _back_convert(units: int, rate: Decimal, pay_ccy: str, item_ccy: str) -> int:
    if units == 0:
        return 0
    value = Decimal(units).scaleb(-minor_units(item_ccy)) / rate
    return int(quantize_decimal(value, minor_unit(pay_ccy)).scaleb(minor_units(pay_ccy)))
