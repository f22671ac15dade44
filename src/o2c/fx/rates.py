"""Rates: :class:`Rate` (``1 base = value quote`` on a date, from a source, of a :class:`RateKind`),
exact inverse, cross and average rates kept as fractions of published figures, and the
:class:`RateProvider` port.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import attrs

from o2c.errors import (
    CurrencyMismatchError,
    ValidationError,
)
from o2c.money import CONTEXT, to_decimal

__all__ = ["Rate", "RateKind", "RateProvider", "average_rate", "cross_rate"]


_ONE = Decimal(1)


_ZERO = Decimal(0)


_CODE = re.compile(r"[A-Z]{3}")


class RateKind(enum.Enum):
    """What a rate stands for: a day's spot fixing, a month's average, or a period's closing."""

    SPOT = "spot"
    MONTHLY_AVERAGE = "monthly_average"
    CLOSING = "closing"


_CODES: dict[str, str] = {}


def _code(value: object) -> str:
    """``value`` as an upper-case three-letter code (checked once per distinct text)."""
    try:
        return _CODES[value]  # type: ignore[index]
    except (KeyError, TypeError):
        pass
    if not isinstance(value, str) or not _CODE.fullmatch(value.strip().upper()):
        raise ValidationError(
            f"currency code {value!r} is not three letters: use an ISO 4217 code such as 'EUR'",
            field="currency",
            value=value,
        )
    code = value.strip().upper()
    if len(_CODES) < 4096:
        _CODES[value] = code
    return code


def _rate_value(value: object) -> Decimal:
    result = to_decimal(value, field="rate")
    if result <= 0:
        raise ValidationError(
            f"rate={result} must be positive (units of quote per one unit of base)",
            field="rate",
            value=value,
        )
    return result


def _fraction(value: object) -> tuple[Decimal, Decimal] | None:
    if value is None:
        return None
    if not isinstance(value, tuple) or len(value) != 2:
        raise ValidationError(
            f"exact={value!r} must be a (numerator, denominator) pair", field="exact", value=value
        )
    return (_rate_value(value[0]), _rate_value(value[1]))


def _check_date(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError(
            f"{attribute.name}={value!r} is not a date: pass the datetime.date of the rate",
            field=attribute.name,
            value=value,
        )


def _check_kind(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, RateKind):
        raise ValidationError(
            f"kind={value!r} is not a RateKind ({', '.join(k.name for k in RateKind)})",
            field="kind",
            value=value,
        )


@attrs.frozen
class Rate:
    """``1 base = value quote`` on ``date``, from ``source``, of ``kind``.

    ``date`` is the date the rate is actually from (a Friday's fixing answers for a Saturday).
    A derived rate (an inverse, a cross through a pivot, an average) keeps the rates it was
    computed from in ``legs`` and its exact value as the fraction ``exact`` of published figures;
    ``value`` is then that fraction to 60 significant digits, for display.

    >>> r = Rate("EUR", "USD", Decimal("1.0956"), date=dt.date(2024, 1, 2), source="ECB")
    >>> r.inverse().value.quantize(Decimal("0.000001")), r.inverse().fraction()
    (Decimal('0.912742'), (Decimal('1'), Decimal('1.0956')))
    >>> r.apply(Decimal("1000000.00"), "USD").quantize(Decimal("0.01"))
    Decimal('912741.88')
    """

    base: str = attrs.field(converter=_code)
    quote: str = attrs.field(converter=_code)
    value: Decimal = attrs.field(converter=_rate_value)
    date: dt.date = attrs.field(kw_only=True, validator=_check_date)
    source: str = attrs.field(kw_only=True, default="")
    kind: RateKind = attrs.field(kw_only=True, default=RateKind.SPOT, validator=_check_kind)
    #: The rates this one was derived from (inverse, cross, average); empty for a published rate.
    legs: tuple[Rate, ...] = attrs.field(kw_only=True, default=())
    #: ``(numerator, denominator)`` when ``value`` is a rounded quotient; ``None`` when exact.
    exact: tuple[Decimal, Decimal] | None = attrs.field(
        kw_only=True, default=None, converter=_fraction
    )

    def fraction(self) -> tuple[Decimal, Decimal]:
        """The exact value as ``(numerator, denominator)``."""
        return self.exact if self.exact is not None else (self.value, _ONE)

    def inverse(self) -> Rate:
        """The quote→base rate, exact (no rounded reciprocal)."""
        num, den = self.fraction()
        return Rate(
            self.quote,
            self.base,
            CONTEXT.divide(den, num),
            date=self.date,
            source=self.source,
            kind=self.kind,
            legs=(self,),
            exact=(den, num),
        )

    def apply(self, amount: Decimal, currency_code: str) -> Decimal:
        """``amount`` of ``currency_code`` (the base or the quote) in the other one, unrounded.

        Raises:
            CurrencyMismatchError: when ``currency_code`` is neither the base nor the quote.
        """
        num, den = self.fraction()
        if currency_code == self.base:
            top, bottom = num, den
        elif currency_code == self.quote:
            top, bottom = den, num
        else:
            raise CurrencyMismatchError(
                f"{self.base}/{self.quote} rate", currency_code, operation="convert with the"
            )
        product = CONTEXT.multiply(amount, top)
        return product if bottom == _ONE else CONTEXT.divide(product, bottom)

    def other(self, currency_code: str) -> str:
        """The currency on the other side of the rate from ``currency_code``."""
        if currency_code == self.base:
            return self.quote
        if currency_code == self.quote:
            return self.base
        raise CurrencyMismatchError(
            f"{self.base}/{self.quote} rate", currency_code, operation="convert with the"
        )


def _identity(code: str, on: dt.date, kind: RateKind) -> Rate:
    return Rate(code, code, _ONE, date=on, source="identity", kind=kind)


def cross_rate(first: Rate, second: Rate, *, source: str | None = None) -> Rate:
    """``first.base``→``second.quote`` through ``first.quote == second.base``, exact.

    The date is the older of the two legs' dates; both legs are kept in ``legs``.

    >>> d = dt.date(2024, 1, 2)
    >>> usd = Rate("EUR", "USD", Decimal("1.0956"), date=d)
    >>> jpy = Rate("EUR", "JPY", Decimal("155.68"), date=d)
    >>> r = cross_rate(usd.inverse(), jpy)
    >>> r.base, r.quote, r.value.quantize(Decimal("0.0001")), r.fraction()
    ('USD', 'JPY', Decimal('142.0957'), (Decimal('155.68'), Decimal('1.0956')))

    Raises:
        ValidationError: when the legs do not meet in a common currency, or differ in kind.
    """
    if first.quote != second.base:
        raise ValidationError(
            f"cannot cross {first.base}->{first.quote} with {second.base}->{second.quote}: "
            "the first leg's quote must be the second leg's base",
            field="second",
            value=second,
        )
    if first.kind is not second.kind:
        raise ValidationError(
            f"cannot cross a {first.kind.value} rate with a {second.kind.value} rate",
            field="second",
            value=second,
        )
    n1, d1 = first.fraction()
    n2, d2 = second.fraction()
    num = CONTEXT.multiply(n1, n2)
    den = CONTEXT.multiply(d1, d2)
    return Rate(
        first.base,
        second.quote,
        num if den == _ONE else CONTEXT.divide(num, den),
        date=min(first.date, second.date),
        source=source if source is not None else _join_sources(first, second),
        kind=first.kind,
        legs=(first, second),
        exact=None if den == _ONE else (num, den),
    )


def _join_sources(first: Rate, second: Rate) -> str:
    return first.source if first.source == second.source else f"{first.source}+{second.source}"


def average_rate(
    rates: Sequence[Rate],
    *,
    kind: RateKind = RateKind.MONTHLY_AVERAGE,
    places: int | None = None,
) -> Rate:
    """The arithmetic mean of ``rates`` (one pair), exact unless ``places`` rounds it.

    Its date is the latest of the rates' dates; the rates are kept in ``legs``.

    >>> d = dt.date(2024, 1, 2)
    >>> rs = [Rate("EUR", "USD", Decimal(v), date=d) for v in ("1.0956", "1.0919", "1.0953")]
    >>> average_rate(rs).fraction(), average_rate(rs, places=4).value
    ((Decimal('3.2828'), Decimal('3')), Decimal('1.0943'))

    Raises:
        ValidationError: for no rates, or rates of different pairs.
    """
    if not rates:
        raise ValidationError("no rates to average", field="rates", value=rates)
    first = rates[0]
    total = _ZERO
    for r in rates:
        if (r.base, r.quote) != (first.base, first.quote):
            raise ValidationError(
                f"cannot average {first.base}->{first.quote} with {r.base}->{r.quote}",
                field="rates",
                value=r,
            )
        num, den = r.fraction()
        total = CONTEXT.add(total, num if den == _ONE else CONTEXT.divide(num, den))
    count = Decimal(len(rates))
    value = CONTEXT.divide(total, count)
    exact: tuple[Decimal, Decimal] | None = (total, count)
    if places is not None:
        value = value.quantize(_ONE.scaleb(-places), context=CONTEXT)
        exact = None
    elif count == _ONE:
        exact = None
    return Rate(
        first.base,
        first.quote,
        value,
        date=max(r.date for r in rates),
        source=first.source,
        kind=kind,
        legs=tuple(rates),
        exact=exact,
    )


@runtime_checkable
class RateProvider(Protocol):
    """The exchange rate ``1 base = value quote`` for a date and a kind of rate.

    The contract every provider passes (tests/test_fx_contract.py): the answer's ``base``,
    ``quote`` and ``kind`` are the requested ones and its ``date`` is the date the rate is
    actually from (on or before ``on``); the same currency answers 1; no rate on ``on`` nor
    within the provider's maximum age before it raises :class:`~o2c.errors.RateNotFoundError`
    (naming the pair and the date); a source that cannot answer raises
    :class:`~o2c.errors.RateUnavailableError`.
    """

    def rate(self, base: str, quote: str, on: dt.date, kind: RateKind = RateKind.SPOT) -> Rate:
        """The ``base``->``quote`` rate of ``kind`` for ``on``."""
        ...
