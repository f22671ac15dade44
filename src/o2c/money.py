"""Exact money: currencies, construction, rounding, cash rounding, allocation, formatting.

o2c uses :class:`moneyed.Money` at every public boundary and :class:`~decimal.Decimal` inside.
A float never touches an amount: :func:`money` refuses it.  o2c owns rounding: the number of
decimals is the ISO 4217 minor unit (py-moneyed's registry), the tie rule is a :class:`Rounding`
(half-up by default), and every split gives its remainder to a stated place so the parts always
sum to the whole.

>>> from decimal import Decimal
>>> m = money("100.00", "EUR")
>>> [str(p.amount) for p in allocate(m, [1, 1, 1])]
['33.34', '33.33', '33.33']
>>> quantize(money("2.675", "EUR")).amount
Decimal('2.68')
>>> quantize(money("2.675", "EUR"), rounding=Rounding.HALF_EVEN).amount
Decimal('2.68')
>>> quantize(money("2.665", "EUR"), rounding=Rounding.HALF_EVEN).amount
Decimal('2.66')
>>> cash_round(money("10.03", "CHF")).amount
Decimal('10.05')
>>> to_minor(money("12.345", "KWD")), from_minor(1234, "JPY").amount
(12345, Decimal('1234'))
>>> format_money(money("1234.5", "EUR"), "de_DE")
'1.234,50\\xa0€'
>>> parse_money("1.234,50\\xa0€", "EUR", "de_DE").amount
Decimal('1234.50')
>>> money(0.1, "EUR")
Traceback (most recent call last):
...
o2c.errors.FloatNotAllowedError: amount=0.1 is a float; ...
"""

from __future__ import annotations

import copy
import decimal
import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache

import attrs
from moneyed import Currency, Money, get_currency

from o2c._checks import shown
from o2c.errors import (
    AllocationError,
    CurrencyMismatchError,
    FloatNotAllowedError,
    InvalidAmountError,
    MoneyParseError,
    UnknownCurrencyError,
    ValidationError,
)

__all__ = [
    "AMOUNT_FRACTION_DIGITS",
    "AMOUNT_INTEGER_DIGITS",
    "CashRounding",
    "Currency",
    "Money",
    "NUMBER_FRACTION_DIGITS",
    "NUMBER_INTEGER_DIGITS",
    "RemainderPolicy",
    "Rounding",
    "RoundingPolicy",
    "allocate",
    "allocate_decimal",
    "cash_increment",
    "cash_round",
    "check_amount",
    "check_locale",
    "currency",
    "format_money",
    "from_minor",
    "minor_unit",
    "minor_units",
    "money",
    "parse_money",
    "quantize",
    "quantize_decimal",
    "require_same_currency",
    "rounder",
    "sum_money",
    "to_decimal",
    "to_minor",
    "zero",
]

#: The arithmetic context for o2c's own Decimal operations: wide enough for any amount times
#: any rate, with every exceptional condition trapped.
CONTEXT = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

_ONE = Decimal(1)
#: Integers at or beyond this size are refused wherever a number is read (30 digits).
_INT_BOUND = 10**30
#: Longest text :func:`to_decimal` and :func:`parse_money` read (sign, 30 + 100 digits, marks).
_MAX_NUMBER_TEXT = 160

#: The documented limit on amounts, checked at every way in (:func:`money`, the bank-file
#: readers, CSV and migration rows, terms interchange, the CLI): at most this many digits before
#: the decimal point (999 trillion: ten times the largest invoice a sovereign has issued, and
#: still exact as integer minor units of a 4-decimal currency in 64 bits) ...
AMOUNT_INTEGER_DIGITS = 15
#: ... and at most this many significant digits after it (trailing zeros do not count), enough
#: for unit prices quoted in fractions of a cent.  Beyond either, :class:`InvalidAmountError`.
AMOUNT_FRACTION_DIGITS = 10
#: The looser bound on every other decimal o2c reads (rates, percentages, quantities, weights):
#: digits before the point, and digits after it (room for a rate of 60 significant digits, the
#: precision of :data:`CONTEXT`, below 1e-40, so a rate o2c computed itself passes).  It keeps
#: every computation inside :data:`CONTEXT`, so no input can make o2c raise
#: ``decimal.InvalidOperation`` or spend unbounded time.
NUMBER_INTEGER_DIGITS = 30
NUMBER_FRACTION_DIGITS = 100


class Rounding(enum.Enum):
    """How a value between two steps is rounded.

    ``UP`` and ``DOWN`` are away from and toward zero; ``CEILING`` and ``FLOOR`` toward plus and
    minus infinity.  Half-up rounds ties away from zero (commercial rounding).
    """

    HALF_UP = decimal.ROUND_HALF_UP
    HALF_EVEN = decimal.ROUND_HALF_EVEN
    HALF_DOWN = decimal.ROUND_HALF_DOWN
    UP = decimal.ROUND_UP
    DOWN = decimal.ROUND_DOWN
    CEILING = decimal.ROUND_CEILING
    FLOOR = decimal.ROUND_FLOOR


class RemainderPolicy(enum.Enum):
    """Which part of a split receives the minor units left over by rounding."""

    #: Hamilton's method: the parts with the largest fractional remainders get one unit each
    #: (ties to the earlier part).  Every part is within one unit of its exact share.
    LARGEST_REMAINDER = "largest_remainder"
    #: The whole remainder goes to the first part with a non-zero weight.
    FIRST = "first"
    #: The whole remainder goes to the last part with a non-zero weight.
    LAST = "last"


# --------------------------------------------------------------------------------------------
# Currencies


def currency(code: str | Currency) -> Currency:
    """The ISO 4217 currency for ``code`` (case-insensitive).

    Raises:
        UnknownCurrencyError: for anything that is not a registered ISO code.

    >>> currency("eur").code
    'EUR'
    """
    if isinstance(code, Currency):
        return code
    if not isinstance(code, str) or len(code) > 16:
        raise UnknownCurrencyError(shown(code))
    return _currency(code)


@lru_cache(maxsize=512)
def _currency(code: object) -> Currency:
    if not isinstance(code, str):
        raise UnknownCurrencyError(code)
    try:
        return get_currency(code.strip().upper())
    except Exception as exc:  # moneyed raises its own CurrencyDoesNotExist
        raise UnknownCurrencyError(code) from exc


def minor_units(code: str | Currency) -> int:
    """The number of decimals of the currency's minor unit (ISO 4217: JPY 0, EUR 2, KWD 3, CLF 4).

    >>> [minor_units(c) for c in ("JPY", "EUR", "KWD", "CLF")]
    [0, 2, 3, 4]
    """
    return _minor_units(currency(code).code)


@lru_cache(maxsize=512)
def _minor_units(code: str) -> int:
    sub_unit = int(get_currency(code).sub_unit)
    digits = len(str(sub_unit)) - 1
    if sub_unit != 10**digits:  # pragma: no cover - ISO sub-units are powers of ten
        raise UnknownCurrencyError(code)
    return digits


def minor_unit(code: str | Currency) -> Decimal:
    """The currency's smallest unit as a Decimal step (EUR: ``0.01``, JPY: ``1``).

    >>> minor_unit("KWD")
    Decimal('0.001')
    """
    return _minor_unit(currency(code).code)


@lru_cache(maxsize=512)
def _minor_unit(code: str) -> Decimal:
    return _ONE.scaleb(-_minor_units(code))


# --------------------------------------------------------------------------------------------
# Construction


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """``value`` as a finite Decimal; ``str``, ``int`` and ``Decimal`` only.

    Used for amounts, rates and percentages alike, so a float is refused everywhere.

    Raises:
        FloatNotAllowedError: for a ``float``.
        InvalidAmountError: for NaN, infinities, malformed text, ``bool`` or other types.

    >>> to_decimal(" 1.50 ")
    Decimal('1.50')
    >>> to_decimal("NaN")
    Traceback (most recent call last):
    ...
    o2c.errors.InvalidAmountError: amount='NaN' is not a finite number
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, float):
        raise FloatNotAllowedError(field, value)
    elif isinstance(value, bool):
        raise InvalidAmountError(
            f"{field}={value!r} is a bool, not an amount", field=field, value=value
        )
    elif isinstance(value, int):
        if value.bit_length() > 128:
            raise InvalidAmountError(
                f"{field}={shown(value)} is out of range: o2c takes at most "
                f"{NUMBER_INTEGER_DIGITS} digits before the decimal point",
                field=field,
                value=shown(value),
            )
        return _check_digits(Decimal(value), NUMBER_INTEGER_DIGITS, 0, field, value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) > _MAX_NUMBER_TEXT or not text.isascii():
                raise decimal.InvalidOperation
            result = Decimal(text.replace("_", ""))
        except decimal.InvalidOperation:
            raise InvalidAmountError(
                f"{field}={shown(value)!r} is not a decimal number (use '.' as the decimal "
                "point, or parse_money for localised text)",
                field=field,
                value=shown(value),
            ) from None
    else:
        raise InvalidAmountError(
            f"{field}={value!r} has type {type(value).__name__}; pass a str, int or Decimal",
            field=field,
            value=value,
        )
    if not result.is_finite():
        raise InvalidAmountError(
            f"{field}={value!r} is not a finite number", field=field, value=value
        )
    return _check_digits(result, NUMBER_INTEGER_DIGITS, NUMBER_FRACTION_DIGITS, field, value)


def _digits(value: Decimal) -> tuple[int, int]:
    """Digits before the point and significant digits after it (trailing zeros not counted)."""
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    n = len(digits)
    if exponent >= 0:
        return (0 if digits == (0,) else n + exponent), 0
    trailing = 0
    while trailing < n and digits[n - 1 - trailing] == 0:
        trailing += 1
    fraction = max(0, -exponent - trailing)
    return max(0, n + exponent), fraction


def _check_digits(
    value: Decimal, integer: int, fraction: int, field: str, given: object
) -> Decimal:
    before, after = _digits(value)
    if before > integer or after > fraction:
        raise InvalidAmountError(
            f"{field}={shown(given)} is out of range: o2c takes at most {integer} digits "
            f"before the decimal point and {fraction} after it",
            field=field,
            value=shown(given),
        )
    return value


def check_amount(value: Decimal, *, field: str = "amount") -> Decimal:
    """``value`` if it is a finite amount within the documented limit, else an error.

    The limit is :data:`AMOUNT_INTEGER_DIGITS` digits before the decimal point and
    :data:`AMOUNT_FRACTION_DIGITS` significant digits after it.

    >>> check_amount(Decimal("999999999999999.99"))
    Decimal('999999999999999.99')
    >>> check_amount(Decimal("1E+15"), field="total")
    Traceback (most recent call last):
    ...
    o2c.errors.InvalidAmountError: total=1E+15 is out of range: o2c takes at most 15 digits ...

    Raises:
        InvalidAmountError: for NaN, infinities or an amount beyond the limit.
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        return check_amount(to_decimal(value, field=field), field=field)
    return _check_digits(value, AMOUNT_INTEGER_DIGITS, AMOUNT_FRACTION_DIGITS, field, value)


def money(amount: str | int | Decimal, currency_code: str | Currency) -> Money:
    """A :class:`~moneyed.Money` from an exact amount; the amount is stored as given (unrounded).

    >>> money("12.50", "EUR")
    Money('12.50', 'EUR')
    >>> money("1e20", "EUR")
    Traceback (most recent call last):
    ...
    o2c.errors.InvalidAmountError: amount=1E+20 is out of range: ...

    Raises:
        FloatNotAllowedError: for a ``float`` amount.
        InvalidAmountError: for NaN, infinities, malformed text, or an amount beyond the limit
            (:func:`check_amount`).
        UnknownCurrencyError: for an unknown currency code.
    """
    value = to_decimal(amount)
    return Money(
        _check_digits(value, AMOUNT_INTEGER_DIGITS, AMOUNT_FRACTION_DIGITS, "amount", value),
        currency(currency_code),
    )


def zero(currency_code: str | Currency) -> Money:
    """Zero in the currency.

    >>> zero("JPY")
    Money('0', 'JPY')
    """
    return Money(Decimal(0), currency(currency_code))


def require_same_currency(*amounts: Money, operation: str = "combine") -> Currency:
    """The common currency of ``amounts``; raises :class:`CurrencyMismatchError` otherwise."""
    if not amounts:
        raise ValidationError("no amounts given", field="amounts", value=())
    first = amounts[0].currency
    for m in amounts[1:]:
        if m.currency != first:
            raise CurrencyMismatchError(first.code, m.currency.code, operation=operation)
    return first


def sum_money(amounts: Iterable[Money], currency_code: str | Currency) -> Money:
    """The sum of ``amounts`` in ``currency_code``; zero for an empty iterable.

    >>> sum_money([], "EUR")
    Money('0', 'EUR')
    >>> sum_money([money("1.10", "EUR"), money("2.20", "EUR")], "EUR")
    Money('3.30', 'EUR')

    Raises:
        CurrencyMismatchError: when an amount is in another currency.
    """
    cur = currency(currency_code)
    total = Decimal(0)
    for m in amounts:
        if m.currency != cur:
            raise CurrencyMismatchError(cur.code, m.currency.code, operation="sum")
        total += m.amount
    return Money(total, cur)


# --------------------------------------------------------------------------------------------
# Rounding


def _check_step(step: object) -> Decimal:
    step = to_decimal(step, field="step")
    if step <= 0:
        raise ValidationError(f"step={step} must be positive", field="step", value=step)
    return step


def quantize_decimal(
    amount: Decimal,
    step: Decimal,
    rounding: Rounding = Rounding.HALF_UP,
) -> Decimal:
    """Round a Decimal to a multiple of ``step`` (for hot loops; no Money built).

    The result carries the step's exponent (``0.05`` → two decimals, ``1`` → none).

    >>> quantize_decimal(Decimal("1.125"), Decimal("0.01"))
    Decimal('1.13')
    >>> quantize_decimal(Decimal("1.125"), Decimal("0.05"))
    Decimal('1.15')
    >>> quantize_decimal(Decimal("-7.5"), Decimal("1"), Rounding.FLOOR)
    Decimal('-8')
    """
    try:
        mode = _MODES.get(rounding) or rounding.value
        # Positional arguments: Decimal.quantize parses keywords several times slower.
        if _is_power_of_ten(step):
            return amount.quantize(step, mode, CONTEXT)
        units = (amount / step).quantize(_ONE, mode, CONTEXT)
        return (units * step).quantize(step, None, CONTEXT)
    except (ArithmeticError, TypeError, AttributeError, ValueError):
        raise _not_quantizable(amount, step) from None


def _not_quantizable(amount: object, step: object) -> ValidationError:
    """The error for an amount that cannot be rounded to ``step`` (checks run only on failure)."""
    for field, value in (("step", step), ("amount", amount)):
        if not isinstance(value, Decimal) or not value.is_finite():
            return InvalidAmountError(
                f"{field}={shown(value)!r} is not a finite Decimal",
                field=field,
                value=shown(value),
            )
    if step <= 0:  # type: ignore[operator]
        return InvalidAmountError(f"step={step} must be positive", field="step", value=step)
    return InvalidAmountError(
        f"amount={amount} cannot be rounded to a step of {step}: the result would need more "
        f"than {CONTEXT.prec} digits",
        field="amount",
        value=amount,
    )


def rounder(step: Decimal, rounding: Rounding = Rounding.HALF_UP) -> Callable[[Decimal], Decimal]:
    """:func:`quantize_decimal` with ``step`` and ``rounding`` fixed, for loops over many amounts.

    The step is inspected once, so each call costs about a bare ``Decimal.quantize``.

    >>> cents = rounder(Decimal("0.01"))
    >>> cents(Decimal("1.125")), cents(Decimal("-1.125"))
    (Decimal('1.13'), Decimal('-1.13'))
    >>> rounder(Decimal("0.05"), Rounding.DOWN)(Decimal("1.09"))
    Decimal('1.05')
    """
    step = _check_step(step)
    mode = _MODES.get(rounding) or Rounding(rounding).value
    if _is_power_of_ten(step):

        def to_step(amount: Decimal) -> Decimal:
            try:
                return amount.quantize(step, mode, CONTEXT)
            except (ArithmeticError, TypeError, AttributeError, ValueError):
                raise _not_quantizable(amount, step) from None

    else:

        def to_step(amount: Decimal) -> Decimal:
            try:
                units = (amount / step).quantize(_ONE, mode, CONTEXT)
                return (units * step).quantize(step, None, CONTEXT)
            except (ArithmeticError, TypeError, AttributeError, ValueError):
                raise _not_quantizable(amount, step) from None

    return to_step


#: The decimal module's rounding constant of each Rounding (a dict lookup is several times
#: cheaper than the enum's ``.value`` property in hot loops).
_MODES: dict[Rounding, str] = {r: r.value for r in Rounding}

#: Whether a step, keyed by its text, is a power of ten (coefficient 1).  Keyed on the text, not
#: the value: Decimal("1.00") == Decimal("1") but only "1" is a power-of-ten step that
#: Decimal.quantize can use directly, and str() of a Decimal keeps its exponent.
_POWER_OF_TEN: dict[str, bool] = {}


def _is_power_of_ten(step: Decimal) -> bool:
    key = str(step)
    known = _POWER_OF_TEN.get(key)
    if known is None:
        if len(_POWER_OF_TEN) >= 256:
            _POWER_OF_TEN.clear()
        known = _POWER_OF_TEN[key] = step.as_tuple().digits == (1,)
    return known


def quantize(
    value: Money,
    *,
    rounding: Rounding = Rounding.HALF_UP,
    step: Decimal | None = None,
) -> Money:
    """Round ``value`` to its currency's minor unit, or to an explicit ``step``.

    Idempotent: quantizing a quantized amount returns it unchanged.

    >>> quantize(money("1234.5", "JPY")).amount
    Decimal('1235')
    >>> quantize(money("-0.125", "EUR")).amount
    Decimal('-0.13')
    >>> quantize(money("10.12", "EUR"), step=Decimal("0.25")).amount
    Decimal('10.00')
    """
    q = _minor_unit(value.currency.code) if step is None else _check_step(step)
    return Money(quantize_decimal(value.amount, q, rounding), value.currency)


def _optional_step(step: object) -> Decimal | None:
    return None if step is None else _check_step(step)


def _step_overrides(overrides: Mapping[str, object]) -> dict[str, Decimal]:
    return {currency(code).code: _check_step(step) for code, step in overrides.items()}


#: The hash is kept once computed (cache_hash): terms look a policy's steps up by it on every
#: schedule.
@attrs.frozen(cache_hash=True)
class RoundingPolicy:
    """Where and how o2c rounds an amount: a tie rule and a step (the minor unit when ``None``).

    The policy is recorded with every result that rounds, so a recomputation is identical.

    >>> RoundingPolicy(step=Decimal("0.05")).apply(money("1.024", "CHF")).amount
    Decimal('1.00')
    """

    rounding: Rounding = Rounding.HALF_UP
    step: Decimal | None = attrs.field(default=None, converter=_optional_step)

    def step_for(self, currency_code: str | Currency) -> Decimal:
        """The step this policy rounds to in ``currency_code``."""
        return minor_unit(currency_code) if self.step is None else self.step

    def apply(self, value: Money) -> Money:
        """``value`` rounded under this policy."""
        return quantize(value, rounding=self.rounding, step=self.step)

    def apply_decimal(self, amount: Decimal, currency_code: str | Currency) -> Decimal:
        """A Decimal amount rounded under this policy for ``currency_code``."""
        return quantize_decimal(amount, self.step_for(currency_code), self.rounding)


# --------------------------------------------------------------------------------------------
# Cash rounding


@lru_cache(maxsize=512)
def _cldr_cash_increment(code: str) -> Decimal | None:
    from babel.core import get_global

    fractions = get_global("currency_fractions")
    if code not in fractions:
        return None
    _digits, _rounding, cash_digits, cash_rounding = fractions[code]
    unit = _ONE.scaleb(-int(cash_digits))
    return unit * int(cash_rounding) if cash_rounding else unit


def cash_increment(
    currency_code: str | Currency,
    *,
    overrides: Mapping[str, Decimal] | None = None,
) -> Decimal:
    """The smallest cash step of the currency: an override, else CLDR's, else the minor unit.

    CLDR data via babel: CHF 0.05, DKK 0.50, SEK 1, CAD 0.05.  A CLDR step finer than the ISO
    minor unit is never used (the minor unit wins).

    >>> [str(cash_increment(c)) for c in ("CHF", "DKK", "SEK", "EUR", "KWD")]
    ['0.05', '0.50', '1', '0.01', '0.001']
    >>> cash_increment("EUR", overrides={"EUR": Decimal("0.05")})
    Decimal('0.05')
    """
    code = currency(currency_code).code
    if overrides and code in overrides:
        return _check_step(overrides[code])
    unit = _minor_unit(code)
    cldr = _cldr_cash_increment(code)
    if cldr is None or cldr < unit:
        return unit
    return cldr


@attrs.frozen
class CashRounding:
    """Rounding of an amount due to the currency's cash step (CHF 0.05, SEK 1 ...).

    ``overrides`` map currency codes to steps (for example Finland's EUR 0.05).
    """

    rounding: Rounding = Rounding.HALF_UP
    overrides: Mapping[str, Decimal] = attrs.field(factory=dict, converter=_step_overrides)

    def increment(self, currency_code: str | Currency) -> Decimal:
        """The cash step used for ``currency_code``."""
        return cash_increment(currency_code, overrides=self.overrides)

    def apply(self, value: Money) -> Money:
        """``value`` rounded to the cash step."""
        return cash_round(value, rounding=self.rounding, overrides=self.overrides)


def cash_round(
    value: Money,
    *,
    rounding: Rounding = Rounding.HALF_UP,
    overrides: Mapping[str, Decimal] | None = None,
) -> Money:
    """``value`` rounded to the currency's cash increment (see :func:`cash_increment`).

    >>> cash_round(money("10.024", "CHF")).amount
    Decimal('10.00')
    >>> cash_round(money("10.25", "DKK")).amount
    Decimal('10.50')
    >>> cash_round(money("10.49", "SEK")).amount
    Decimal('10')
    """
    step = cash_increment(value.currency, overrides=overrides)
    return Money(quantize_decimal(value.amount, step, rounding), value.currency)


# --------------------------------------------------------------------------------------------
# Minor units


def to_minor(value: Money) -> int:
    """The amount as an integer count of minor units; never truncates.

    Raises:
        InvalidAmountError: when the amount has more decimals than the currency (round first).

    >>> to_minor(money("-12.30", "EUR"))
    -1230
    >>> to_minor(money("0.005", "EUR"))
    Traceback (most recent call last):
    ...
    o2c.errors.InvalidAmountError: amount=0.005 EUR has more decimals than EUR's 2: ...
    """
    digits = _minor_units(value.currency.code)
    scaled = value.amount.scaleb(digits, context=CONTEXT)
    if scaled != scaled.to_integral_value():
        raise InvalidAmountError(
            f"amount={value.amount} {value.currency.code} has more decimals than "
            f"{value.currency.code}'s {digits}: quantize it first",
            field="amount",
            value=value.amount,
        )
    return int(scaled)


def from_minor(units: int, currency_code: str | Currency) -> Money:
    """Money from an integer count of minor units (exact).

    >>> from_minor(-1230, "EUR")
    Money('-12.30', 'EUR')
    """
    if isinstance(units, bool) or not isinstance(units, int):
        raise InvalidAmountError(
            f"units={shown(units)!r} must be an int", field="units", value=shown(units)
        )
    cur = currency(currency_code)
    if not -_INT_BOUND < units < _INT_BOUND:
        raise InvalidAmountError(
            f"units={shown(units)} is out of range", field="units", value=shown(units)
        )
    value = Decimal(units).scaleb(-_minor_units(cur.code))
    return Money(check_amount(value, field="units"), cur)


# --------------------------------------------------------------------------------------------
# Allocation


def _check_weights_sign(weights: Sequence[int | Decimal]) -> None:
    for i, w in enumerate(weights):
        if w < 0:
            raise AllocationError(
                f"weights[{i}]={w} is negative; weights must be zero or positive",
                field=f"weights[{i}]",
                value=w,
            )


def _integer_weights(weights: Sequence[object]) -> list[int]:
    ints = [w for w in weights if type(w) is int and -_INT_BOUND < w < _INT_BOUND]
    if len(ints) == len(weights):  # the common case: no conversion needed
        _check_weights_sign(ints)
        return ints
    decimals = [to_decimal(w, field=f"weights[{i}]") for i, w in enumerate(weights)]
    _check_weights_sign(decimals)
    exponent = min((int(w.as_tuple().exponent) for w in decimals), default=0)
    shift = -exponent if exponent < 0 else 0
    return [int(w.scaleb(shift, context=CONTEXT)) for w in decimals]


def _allocate_units(total: int, weights: list[int], policy: RemainderPolicy) -> list[int]:
    """Split ``total`` (>= 0) integer units over integer ``weights`` exactly."""
    weight_sum = sum(weights)
    shares = []
    remainders = []
    for w in weights:
        q, r = divmod(total * w, weight_sum)
        shares.append(q)
        remainders.append(r)
    left = total - sum(shares)
    if left:
        if policy is RemainderPolicy.LARGEST_REMAINDER:
            order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
            for i in order[:left]:
                shares[i] += 1
        else:
            nonzero = [i for i, w in enumerate(weights) if w]
            target = nonzero[0] if policy is RemainderPolicy.FIRST else nonzero[-1]
            shares[target] += left
    return shares


def allocate_decimal(
    amount: Decimal,
    weights: Sequence[object],
    step: Decimal,
    *,
    policy: RemainderPolicy = RemainderPolicy.LARGEST_REMAINDER,
) -> list[Decimal]:
    """Split a Decimal ``amount`` (a multiple of ``step``) over ``weights`` exactly.

    The Decimal counterpart of :func:`allocate`, for code that works on Decimals inside.
    """
    step = _check_step(step)
    amount = check_amount(to_decimal(amount), field="amount")
    if not weights:
        raise AllocationError("no weights given", field="weights", value=weights)
    int_weights = _integer_weights(weights)
    try:
        units_dec = amount.scaleb(0, CONTEXT) / step
    except ArithmeticError:
        raise _not_quantizable(amount, step) from None
    if units_dec != units_dec.to_integral_value():
        raise AllocationError(
            f"amount={amount} is not a multiple of the step {step}: quantize it first",
            field="amount",
            value=amount,
        )
    units = int(units_dec)
    if sum(int_weights) == 0:
        if units == 0:
            return [(Decimal(0) * step).quantize(step) for _ in weights]
        raise AllocationError(
            "all weights are zero: nothing to allocate the amount over",
            field="weights",
            value=list(weights),
        )
    sign = -1 if units < 0 else 1
    parts = _allocate_units(abs(units), int_weights, policy)
    if _is_power_of_ten(step):
        exponent = int(step.as_tuple().exponent)
        return [Decimal(sign * p).scaleb(exponent) for p in parts]
    return [(Decimal(sign * p) * step).quantize(step, context=CONTEXT) for p in parts]


def allocate(
    value: Money,
    weights: Sequence[str | int | Decimal],
    *,
    policy: RemainderPolicy = RemainderPolicy.LARGEST_REMAINDER,
    step: Decimal | None = None,
) -> tuple[Money, ...]:
    """Split ``value`` over ``weights`` (or ratios) into parts that sum exactly to it.

    Each part is a multiple of ``step`` (the currency's minor unit by default).  The minor units
    that rounding leaves over go where ``policy`` says: by largest remainder (default; ties to the
    earlier part), or all to the first or last part with a non-zero weight.  A zero weight gets
    zero.  A negative amount splits like its absolute value, negated.

    >>> [p.amount for p in allocate(money("-10", "EUR"), [1, 2])]
    [Decimal('-3.33'), Decimal('-6.67')]
    >>> [p.amount for p in allocate(money("100", "JPY"), ["0.5", "0.25", "0.25"])]
    [Decimal('50'), Decimal('25'), Decimal('25')]
    >>> [p.amount for p in allocate(money("1.00", "EUR"), [1, 1, 1], policy=RemainderPolicy.LAST)]
    [Decimal('0.33'), Decimal('0.33'), Decimal('0.34')]

    Raises:
        AllocationError: for no weights, a negative weight, all-zero weights with a non-zero
            amount, or an amount that is not a multiple of the step.
    """
    q = _minor_unit(value.currency.code) if step is None else _check_step(step)
    parts = allocate_decimal(value.amount, weights, q, policy=policy)
    return tuple(Money(p, value.currency) for p in parts)


# --------------------------------------------------------------------------------------------
# Formatting and parsing


@lru_cache(maxsize=256)
def _currency_pattern(locale: str, digits: int) -> object:
    from babel import Locale

    loc = Locale.parse(locale)
    pattern = copy.copy(loc.currency_formats["standard"])
    pattern.frac_prec = (digits, digits)
    return pattern


def format_money(
    value: Money,
    locale: str,
    *,
    rounding: Rounding = Rounding.HALF_UP,
    step: Decimal | None = None,
) -> str:
    """``value`` formatted for ``locale`` (babel's CLDR patterns) after o2c's own rounding.

    Always shows the ISO 4217 number of decimals (CLDR's own digits differ for some currencies).

    >>> format_money(money("1234567.891", "USD"), "en_US")
    '$1,234,567.89'
    >>> format_money(money("1234567", "INR"), "en_IN")
    '₹12,34,567.00'
    >>> format_money(money("1234", "JPY"), "ja_JP")
    '￥1,234'
    """
    check_locale(locale)
    rounded = quantize(value, rounding=rounding, step=step)
    check_amount(rounded.amount, field="amount")
    digits = max(0, -int(rounded.amount.as_tuple().exponent))
    if digits > AMOUNT_FRACTION_DIGITS:
        raise InvalidAmountError(
            f"step={step} shows {digits} decimals; amounts have at most {AMOUNT_FRACTION_DIGITS}",
            field="step",
            value=step,
        )
    pattern = _currency_pattern(locale, digits)
    group = _group_aliases(locale)[1]
    # babel strips quoted literals ('...') from its output after grouping, so a locale that
    # groups with an apostrophe (Swiss locales since CLDR 47) loses every pair of marks
    # ("1'234'567" becomes "1234567").  o2c then formats without grouping and groups the
    # integer digits itself, by the pattern's own group sizes.
    text = str(
        pattern.apply(  # type: ignore[attr-defined]
            rounded.amount,
            locale,
            currency=value.currency.code,
            currency_digits=False,
            decimal_quantization=True,
            group_separator="'" not in group,
        )
    )
    if "'" in group:
        sizes: tuple[int, int] = pattern.grouping  # type: ignore[attr-defined]
        text = _INTEGER_DIGITS.sub(lambda m: _group_digits(m.group(), sizes, group), text, 1)
    return text


_INTEGER_DIGITS = re.compile(r"[0-9]+")


def _group_digits(digits: str, sizes: tuple[int, int], mark: str) -> str:
    """``digits`` grouped from the right: first group ``sizes[0]``, then ``sizes[1]``."""
    size, groups = sizes[0], []
    while len(digits) > size > 0:
        groups.append(digits[-size:])
        digits, size = digits[:-size], sizes[1]
    return mark.join([digits, *reversed(groups)])


@lru_cache(maxsize=512)
def _symbols(code: str, locale: str) -> tuple[str, ...]:
    from babel.numbers import get_currency_symbol

    symbols = {code, get_currency_symbol(code, locale=locale)}
    return tuple(sorted(symbols, key=len, reverse=True))


_SPACES = "\u00a0\u202f\u2009 "
#: Characters people type for one grouping mark: apostrophes (ASCII, right single quotation
#: mark, modifier letter apostrophe) and spaces (regular, no-break, narrow no-break, thin).
#: Where a locale groups with one of them, any of them is read as its grouping mark; none of
#: them is ever a decimal mark, so accepting them makes nothing ambiguous.
_GROUP_LOOKALIKES = "'\u2019\u02bc" + _SPACES


@lru_cache(maxsize=256)
def _group_aliases(locale: str) -> tuple[str, str]:
    """(characters read as the grouping mark, the locale's own grouping mark)."""
    from babel.numbers import get_group_symbol

    group = get_group_symbol(locale=locale)
    if group in _GROUP_LOOKALIKES:
        return _GROUP_LOOKALIKES.replace(group, ""), group
    return "", group


def check_locale(locale: object) -> str:
    """``locale`` if babel knows it (``"de_CH"``, ``"fr"``), else a :class:`ValidationError`.

    >>> check_locale("xx_YY")
    Traceback (most recent call last):
    ...
    o2c.errors.ValidationError: locale='xx_YY' is not a known locale: ...
    """
    if isinstance(locale, str) and _known_locale(locale):
        return locale
    raise ValidationError(
        f"locale={shown(locale)!r} is not a known locale: use a CLDR identifier such as "
        "'de_DE', 'en_US' or 'fr'",
        field="locale",
        value=shown(locale),
    )


@lru_cache(maxsize=256)
def _known_locale(locale: str) -> bool:
    from babel import Locale, UnknownLocaleError

    if not locale or len(locale) > 40:
        return False
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def _strict_decimal(body: str, group: str, mark: str, sizes: tuple[int, int]) -> Decimal | None:
    """``body`` as a non-negative Decimal if it is written strictly with ``group`` and ``mark``.

    Integer digits are either ungrouped or grouped exactly by ``sizes`` (the last group
    ``sizes[0]`` digits, the others ``sizes[1]``, the first 1 to ``sizes[1]``); ASCII digits only.
    """
    whole, sep, fraction = body.partition(mark)
    if sep and not (fraction.isascii() and fraction.isdigit()):
        return None
    groups = whole.split(group) if group else [whole]
    if not all(g.isascii() and g.isdigit() for g in groups):
        return None
    if len(groups) > 1:
        first, *middle, last = groups
        if len(last) != sizes[0] or not 0 < len(first) <= sizes[1]:
            return None
        if any(len(g) != sizes[1] for g in middle):
            return None
    return Decimal("".join(groups) + ("." + fraction if sep else ""))


def parse_money(text: str, currency_code: str | Currency, locale: str) -> Money:
    """Parse ``text`` as an amount of ``currency_code`` written for ``locale``, strictly.

    The currency symbol or code may appear once (before or after the number); grouping and the
    decimal mark must be the locale's; more decimals than the currency has are refused.  Where
    the locale groups digits with an apostrophe or a space, any apostrophe (``'``, ``’``, ``ʼ``)
    or space (regular, no-break, narrow no-break, thin) is read as its grouping mark, since
    people type all of them and CLDR versions differ on which one a locale uses.

    >>> parse_money("CHF 1’234.55", "CHF", "de_CH").amount
    Decimal('1234.55')
    >>> parse_money("CHF 1'234.55", "CHF", "de_CH").amount
    Decimal('1234.55')
    >>> parse_money("1,234.55", "EUR", "de_DE")
    Traceback (most recent call last):
    ...
    o2c.errors.MoneyParseError: text='1,234.55' is not an amount in de_DE: ...

    Raises:
        MoneyParseError: for text that is not strictly an amount in that locale and currency.
    """
    from babel.numbers import get_decimal_symbol, get_minus_sign_symbol

    cur = currency(currency_code)
    check_locale(locale)
    if not isinstance(text, str):
        raise MoneyParseError(f"text={shown(text)!r} is not a str", field="text", value=shown(text))
    if len(text) > _MAX_NUMBER_TEXT:
        raise MoneyParseError(
            f"text={shown(text)!r} is too long for an amount", field="text", value=shown(text)
        )
    body = text.strip(_SPACES)
    for symbol in _symbols(cur.code, locale):
        if symbol and symbol in body:
            body = body.replace(symbol, "", 1)
            break
    body = body.strip(_SPACES)
    negative = False
    for minus in {get_minus_sign_symbol(locale), "-", "\u2212"}:
        if body.startswith(minus):
            negative = True
            body = body[len(minus) :].strip(_SPACES)
            break
    aliases, group = _group_aliases(locale)
    if aliases:
        body = body.translate({ord(c): group for c in aliases})
    amount = _strict_decimal(
        body,
        group,
        get_decimal_symbol(locale=locale),
        _currency_pattern(locale, 0).grouping,  # type: ignore[attr-defined]
    )
    if amount is None:
        raise MoneyParseError(
            f"text={text!r} is not an amount in {locale}: the grouping ({group!r}) and the decimal "
            f"mark ({get_decimal_symbol(locale=locale)!r}) must be the locale's",
            field="text",
            value=text,
        )
    digits = max(0, -int(amount.as_tuple().exponent))
    if digits > _minor_units(cur.code):
        raise MoneyParseError(
            f"text={text!r} has {digits} decimals; {cur.code} has {_minor_units(cur.code)}",
            field="text",
            value=text,
        )
    return Money(-amount if negative else amount, cur)
