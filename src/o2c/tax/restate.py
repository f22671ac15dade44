"""Tax in another currency (EU VAT Directive Art. 230): :func:`restate` a result's taxes in the
company currency at a stated rate and rounding rule."""

from __future__ import annotations

import decimal
import enum
from decimal import Decimal
from typing import Protocol

import attrs
from moneyed import Currency, Money

from o2c._checks import shown
from o2c.errors import InvalidTaxError
from o2c.money import CONTEXT, RoundingPolicy, quantize_decimal, to_decimal
from o2c.tax.engine import TaxResult
from o2c.tax.inputs import document_currency
from o2c.tax.kinds import HUNDRED, ZERO, TaxKind
from o2c.tax.model import Tax
from o2c.tax.plan import within
from o2c.tax.policy import _rounding_policy
from o2c.tax.result import TaxTotal

__all__ = ["RateQuote", "RestateMethod", "RestatedTax", "TaxRestatement", "restate"]


class RateQuote(enum.Enum):
    """What a conversion rate means."""

    #: Units of the document currency per one unit of the company currency (ECB style:
    #: 1 EUR = 1.0823 USD for a USD invoice of a EUR company).
    DOCUMENT_PER_COMPANY = "document_per_company"
    #: Units of the company currency per one unit of the document currency.
    COMPANY_PER_DOCUMENT = "company_per_document"


class RestateMethod(enum.Enum):
    """How an amount of tax is restated in the company currency."""

    #: Convert each stated (rounded) tax amount and round (Art. 230: the VAT on the invoice).
    CONVERT_STATED = "convert_stated"
    #: Convert the exact unrounded tax and round (Odoo's company-currency tax details).
    CONVERT_RAW = "convert_raw"
    #: Convert the base, round it, then apply the rate and round again.
    TAX_CONVERTED_BASE = "tax_converted_base"


class _HasValue(Protocol):
    @property
    def value(self) -> Decimal: ...


@attrs.frozen(kw_only=True)
class RestatedTax:
    """One tax restated: base and amount in the company currency."""

    tax: Tax
    base: Money
    amount: Money


@attrs.frozen(kw_only=True)
class TaxRestatement:
    """The document's tax restated in another currency, with the rate and rounding rule."""

    currency: Currency
    rate: Decimal
    quote: RateQuote
    method: RestateMethod
    rounding: RoundingPolicy
    taxes: tuple[RestatedTax, ...]
    untaxed: Money
    tax_total: Money

    @property
    def rule(self) -> str:
        """The rounding rule in words, for the invoice footer."""
        return (
            f"tax restated in {self.currency.code} at {self.rate} ({self.quote.value}), "
            f"{self.method.value}, rounded {self.rounding.rounding.name.lower()} to "
            f"{self.rounding.step_for(self.currency)} per tax"
        )

    def tax(self, tax_id: str) -> Money:
        """The restated amount of the tax ``tax_id`` (zero when absent), with its item-level
        rate overrides (as :meth:`o2c.tax.TaxResult.tax`)."""
        found = Money(ZERO, self.currency)
        for t in self.taxes:
            if t.tax.id == tax_id:
                found += t.amount
        return found


def restate(
    result: TaxResult,
    currency_code: str | Currency,
    rate: Decimal | _HasValue,
    *,
    quote: RateQuote,
    method: RestateMethod = RestateMethod.CONVERT_STATED,
    rounding: RoundingPolicy | None = None,
) -> TaxRestatement:
    """Restate the taxes of ``result`` in ``currency_code`` at ``rate`` (EU VAT Art. 230).

    ``rate`` is a Decimal or an object with a Decimal ``.value`` (an o2c.fx rate); ``quote`` says
    which way it reads.  Each tax is converted and rounded on its own; the total is their sum.

    >>> from o2c.money import money
    >>> from o2c.tax import Tax, TaxableLine, compute
    >>> r = compute([TaxableLine(quantity=1, unit_price=money("87.65", "USD"),
    ...                          taxes=(Tax.percent_of("VAT19", 19),))], "USD")
    >>> s = restate(r, "EUR", Decimal("1.0823"), quote=RateQuote.DOCUMENT_PER_COMPANY)
    >>> s.tax_total.amount, s.untaxed.amount
    (Decimal('15.38'), Decimal('80.98'))
    >>> restate(r, "EUR", Decimal("1.0823"), quote=RateQuote.DOCUMENT_PER_COMPANY,
    ...         method=RestateMethod.CONVERT_RAW).tax_total.amount
    Decimal('15.39')

    Raises:
        InvalidTaxError: for a rate that is not positive.
    """
    if not isinstance(result, TaxResult):
        raise InvalidTaxError(
            f"result={shown(result)!r} must be a TaxResult", field="result", value=shown(result)
        )
    value = rate if isinstance(rate, Decimal) else getattr(rate, "value", rate)
    value = to_decimal(value, field="rate")
    if value <= 0:
        raise InvalidTaxError(f"rate={value} must be positive", field="rate", value=value)
    if not isinstance(quote, RateQuote):
        raise InvalidTaxError(
            f"quote={shown(quote)!r} must be a RateQuote", field="quote", value=shown(quote)
        )
    if not isinstance(method, RestateMethod):
        raise InvalidTaxError(
            f"method={shown(method)!r} must be a RestateMethod",
            field="method",
            value=shown(method),
        )
    rounding = RoundingPolicy() if rounding is None else rounding
    _rounding_policy(None, None, rounding)
    target = document_currency(currency_code)
    step = rounding.step_for(target)

    with decimal.localcontext(CONTEXT):
        convert = _Converter(value, quote, target, step, rounding)
        restated = [_restated(t, method, convert) for t in result.taxes]
        tax_total = sum((r.amount.amount for r in restated if not r.tax.withholding), ZERO)
        return TaxRestatement(
            currency=target,
            rate=value,
            quote=quote,
            method=method,
            rounding=rounding,
            taxes=tuple(restated),
            untaxed=Money(convert(result.untaxed.amount), target),
            tax_total=Money(tax_total, target),
        )


@attrs.frozen
class _Converter:
    """An amount of the document currency converted at ``rate`` and rounded in ``target``."""

    rate: Decimal
    quote: RateQuote
    target: Currency
    step: Decimal
    rounding: RoundingPolicy

    def __call__(self, amount: Decimal) -> Decimal:
        if self.quote is RateQuote.DOCUMENT_PER_COMPANY:
            exact = amount / self.rate
        else:
            exact = amount * self.rate
        within(exact, f"an amount restated in {self.target.code}")
        return self.round(exact)

    def round(self, amount: Decimal) -> Decimal:
        return quantize_decimal(amount, self.step, self.rounding.rounding)


def _restated(t: TaxTotal, method: RestateMethod, convert: _Converter) -> RestatedTax:
    """One tax restated by ``method``."""
    base = convert(t.base.amount)
    if method is RestateMethod.CONVERT_RAW:
        amount = convert(t.raw_amount)
    elif method is RestateMethod.TAX_CONVERTED_BASE and t.tax.kind is TaxKind.PERCENT:
        amount = convert.round(base * t.tax.percent / HUNDRED)
    else:  # CONVERT_STATED, and a converted base of a tax that is not a percentage
        amount = convert(t.amount.amount)
    target = convert.target
    return RestatedTax(tax=t.tax, base=Money(base, target), amount=Money(amount, target))
