"""Exchange rates, conversion, and realised and unrealised FX differences.

Every conversion an auditor sees carries the :class:`Rate` it used: the pair, the value, the date
the rate is actually from, its source and its :class:`RateKind`.  Inverse and cross rates are
kept as exact fractions of the published figures, so nothing is rounded until the converted
amount itself (once, under a :class:`~o2c.money.RoundingPolicy`).

Rates come from a :class:`~o2c.ports.RateProvider`; :class:`InMemoryRates` is the table that
ships in the core (the ECB adapter loads into one), :class:`CachedRates` remembers answers and
:class:`FallbackRates` asks several providers in turn.

>>> import datetime as dt
>>> from decimal import Decimal
>>> from o2c.money import money
>>> rates = InMemoryRates.from_rows(
...     [(dt.date(2024, 1, 2), "EUR", "USD", Decimal("1.0956"))], pivot="EUR"
... )
>>> c = convert(money("1000000.00", "USD"), "EUR", dt.date(2024, 1, 2), rates)
>>> c.amount, c.rate.base, c.rate.quote, c.rate.date
(Money('912741.88', 'EUR'), 'USD', 'EUR', datetime.date(2024, 1, 2))
>>> str(c.rate.value)[:12], c.rate.fraction()
('0.9127418765', (Decimal('1'), Decimal('1.0956')))
>>> rates.rate("EUR", "USD", dt.date(2024, 1, 20))
Traceback (most recent call last):
...
o2c.errors.RateNotFoundError: no EUR->USD rate for 2024-01-20: the latest is from 2024-01-02, ...
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import attrs
from moneyed import Money

from o2c.errors import (
    CurrencyMismatchError,
    RateError,
    RateNotFoundError,
    RateUnavailableError,
    ValidationError,
)
from o2c.money import CONTEXT, RoundingPolicy, check_amount, currency, to_decimal

__all__ = [
    "CachedRates",
    "CarryingAmount",
    "Conversion",
    "FallbackRates",
    "FxDifferenceKind",
    "InMemoryRates",
    "Rate",
    "RateKind",
    "RateProvider",
    "RealisedFx",
    "Revaluation",
    "average_rate",
    "convert",
    "convert_at",
    "cross_rate",
    "realised_fx",
    "revalue",
]

_ONE = Decimal(1)
_ZERO = Decimal(0)
_DEFAULT_POLICY = RoundingPolicy()
_CODE = re.compile(r"[A-Z]{3}")


class RateKind(enum.Enum):
    """What a rate stands for: a day's spot fixing, a month's average, or a period's closing."""

    SPOT = "spot"
    MONTHLY_AVERAGE = "monthly_average"
    CLOSING = "closing"


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


# --------------------------------------------------------------------------------------------
# Rates


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


# --------------------------------------------------------------------------------------------
# The in-memory table


def _as_date(value: object, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValidationError(
            f"{field}={value!r} is a datetime: pass the date of the rate", field=field, value=value
        )
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(
        f"{field}={value!r} is not a date: pass a datetime.date or 'YYYY-MM-DD'",
        field=field,
        value=value,
    )


def _as_kind(value: object) -> RateKind:
    if isinstance(value, RateKind):
        return value
    if isinstance(value, str):
        try:
            return RateKind(value.strip().lower())
        except ValueError:
            pass
    raise ValidationError(
        f"kind={value!r} is not one of {[k.value for k in RateKind]}", field="kind", value=value
    )


def _max_age_days(max_age: dt.timedelta) -> int:
    if not isinstance(max_age, dt.timedelta) or max_age < dt.timedelta(0):
        raise ValidationError(
            f"max_age={max_age!r} must be a timedelta of zero or more days",
            field="max_age",
            value=max_age,
        )
    return max_age.days


#: One series: the ordinals of its dates (ascending) and the value on each.
_Series = tuple[list[int], list[Decimal]]
_SeriesKey = tuple[str, str, RateKind]


class InMemoryRates:
    """A table of rates, looked up by pair, date and kind: the core's :class:`RateProvider`.

    Each series (base, quote, kind) holds its dates sorted, so a lookup is one bisection.  A
    request for a date without a rate falls back to the latest earlier rate no older than
    ``max_age``; beyond it, or before the series starts, :class:`RateNotFoundError` names the
    pair and the date.  A pair that is not in the table is answered by its inverse, or through
    ``pivot`` (``USD->JPY`` as ``USD->EUR->JPY``), exactly.

    With ``derive_kinds`` a ``CLOSING`` rate is the spot rate of the date and a
    ``MONTHLY_AVERAGE`` the mean of the spot rates of the date's calendar month, for series that
    have no rows of those kinds (how the ECB's reference rates are used).

    Build it with :meth:`from_rows`; ``__init__`` stores prepared series.
    """

    __slots__ = ("_max_age", "_series", "derive_kinds", "max_age", "pivot", "source")

    def __init__(
        self,
        series: Mapping[_SeriesKey, _Series],
        *,
        source: str = "memory",
        pivot: str | None = None,
        max_age: dt.timedelta = dt.timedelta(days=7),
        derive_kinds: bool = False,
    ) -> None:
        self._series: dict[_SeriesKey, _Series] = dict(series)
        self.source = source
        self.pivot = None if pivot is None else _code(pivot)
        self.max_age = max_age
        self._max_age = _max_age_days(max_age)
        self.derive_kinds = derive_kinds

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[tuple[Any, ...] | Mapping[str, Any]],
        *,
        source: str = "memory",
        pivot: str | None = None,
        max_age: dt.timedelta = dt.timedelta(days=7),
        kind: RateKind = RateKind.SPOT,
        derive_kinds: bool = False,
    ) -> InMemoryRates:
        """A table from rows ``(date, base, quote, rate)`` (``1 base = rate quote``).

        A row is a tuple (an optional fifth item is its kind) or a mapping with the keys
        ``date``, ``base``, ``quote``, ``rate`` and optionally ``kind`` (as ``csv.DictReader``
        yields them).  Dates are ``datetime.date`` or ISO text; rates are ``Decimal``, ``int`` or
        text, never ``float``.  Rows may come in any order.

        >>> import csv, io
        >>> text = "date,base,quote,rate\\n2025-11-04,EUR,USD,1.0811\\n2025-11-03,EUR,USD,1.0804\\n"
        >>> t = InMemoryRates.from_rows(csv.DictReader(io.StringIO(text)))
        >>> t.rate("EUR", "USD", dt.date(2025, 11, 5)).value
        Decimal('1.0811')

        Raises:
            ValidationError: for a malformed row, or two different rates for one series and day.
        """
        collected: dict[_SeriesKey, dict[int, Decimal]] = {}
        for number, row in enumerate(rows, start=1):
            if isinstance(row, Mapping):
                try:
                    on, base, quote, value = row["date"], row["base"], row["quote"], row["rate"]
                except KeyError as exc:
                    raise ValidationError(
                        f"row {number} has no {exc.args[0]!r} column: "
                        "rows need date, base, quote and rate",
                        field=f"rows[{number}]",
                        value=row,
                    ) from None
                row_kind = _as_kind(row["kind"]) if row.get("kind") else kind
            else:
                if not isinstance(row, tuple | list) or len(row) not in (4, 5):
                    items = f"{len(row)} items" if isinstance(row, tuple | list) else "no items"
                    raise ValidationError(
                        f"row {number} has {items}: (date, base, quote, rate[, kind]) "
                        "or a mapping with those keys",
                        field=f"rows[{number}]",
                        value=row,
                    )
                on, base, quote, value = row[:4]
                row_kind = _as_kind(row[4]) if len(row) == 5 else kind
            key = (_code(base), _code(quote), row_kind)
            if key[0] == key[1]:
                raise ValidationError(
                    f"row {number} rates {key[0]} against itself: a currency is always 1 of itself",
                    field=f"rows[{number}]",
                    value=row,
                )
            ordinal = _as_date(on, f"rows[{number}].date").toordinal()
            rate = _rate_value(value)
            days = collected.setdefault(key, {})
            if days.setdefault(ordinal, rate) != rate:
                raise ValidationError(
                    f"two {key[0]}->{key[1]} {row_kind.value} rates for "
                    f"{dt.date.fromordinal(ordinal)}: {days[ordinal]} and {rate}",
                    field=f"rows[{number}]",
                    value=row,
                )
        series = {}
        for key, days in collected.items():
            ordinals = sorted(days)
            series[key] = (ordinals, [days[o] for o in ordinals])
        return cls(series, source=source, pivot=pivot, max_age=max_age, derive_kinds=derive_kinds)

    # ---------------------------------------------------------------- inspection

    def pairs(self, kind: RateKind = RateKind.SPOT) -> frozenset[tuple[str, str]]:
        """The (base, quote) pairs the table holds rows for, of ``kind``."""
        return frozenset((b, q) for b, q, k in self._series if k is kind)

    def dates(self, base: str, quote: str, kind: RateKind = RateKind.SPOT) -> tuple[dt.date, ...]:
        """The dates of the rows of one series, ascending (empty when there is none)."""
        ordinals, _ = self._series.get((_code(base), _code(quote), kind), ([], []))
        return tuple(dt.date.fromordinal(o) for o in ordinals)

    def __len__(self) -> int:
        return sum(len(ordinals) for ordinals, _ in self._series.values())

    def __repr__(self) -> str:
        return (
            f"InMemoryRates(source={self.source!r}, series={len(self._series)}, rows={len(self)}, "
            f"pivot={self.pivot!r}, max_age={self.max_age!r})"
        )

    # ---------------------------------------------------------------- lookup

    def rate(self, base: str, quote: str, on: dt.date, kind: RateKind = RateKind.SPOT) -> Rate:
        """The ``base``→``quote`` rate of ``kind`` for ``on`` (or the latest within max age).

        Raises:
            RateNotFoundError: when neither the pair, its inverse nor a cross through the pivot
                has a rate on ``on`` or within ``max_age`` before it.
        """
        base, quote = _code(base), _code(quote)
        if base == quote:
            return _identity(base, on, kind)
        found = self._resolve(base, quote, on, kind)
        if isinstance(found, Rate):
            return found
        pivot = self.pivot
        if pivot is not None and pivot not in (base, quote):
            first = self._resolve(base, pivot, on, kind)
            second = self._resolve(pivot, quote, on, kind) if isinstance(first, Rate) else None
            if isinstance(first, Rate) and isinstance(second, Rate):
                return cross_rate(first, second)
            leg = first if isinstance(first, str) else second
            found = f"{found}; through {pivot}: {leg}"
        raise RateNotFoundError(base, quote, on, reason=found, kind=kind, source=self.source)

    def _resolve(self, base: str, quote: str, on: dt.date, kind: RateKind) -> Rate | str:
        """The direct or inverse rate, or the reason there is none."""
        direct = self._lookup(base, quote, on, kind)
        if isinstance(direct, Rate):
            return direct
        inverse = self._lookup(quote, base, on, kind)
        if isinstance(inverse, Rate):
            return inverse.inverse()
        if direct is None and inverse is None:
            return f"the table has no {base}/{quote} {kind.value} rates"
        return direct or inverse or ""

    def _lookup(self, base: str, quote: str, on: dt.date, kind: RateKind) -> Rate | str | None:
        """The rate of one stored series; a reason when it has none for ``on``; None: no series."""
        series = self._series.get((base, quote, kind))
        if series is None:
            if self.derive_kinds and kind is not RateKind.SPOT:
                return self._derive(base, quote, on, kind)
            return None
        ordinals, values = series
        target = on.toordinal()
        i = bisect.bisect_right(ordinals, target) - 1
        if i < 0:
            return (
                f"the {base}->{quote} series starts {dt.date.fromordinal(ordinals[0])}, after {on}"
            )
        if target - ordinals[i] > self._max_age:
            return (
                f"the latest is from {dt.date.fromordinal(ordinals[i])}, "
                f"{target - ordinals[i]} days before {on} (max age {self._max_age} days)"
            )
        return Rate(
            base,
            quote,
            values[i],
            date=dt.date.fromordinal(ordinals[i]),
            source=self.source,
            kind=kind,
        )

    def _derive(self, base: str, quote: str, on: dt.date, kind: RateKind) -> Rate | str | None:
        if (base, quote, RateKind.SPOT) not in self._series:
            return None
        if kind is RateKind.CLOSING:
            spot = self._lookup(base, quote, on, RateKind.SPOT)
            return attrs.evolve(spot, kind=kind) if isinstance(spot, Rate) else spot
        ordinals, values = self._series[(base, quote, RateKind.SPOT)]
        first = on.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        lo = bisect.bisect_left(ordinals, first.toordinal())
        hi = bisect.bisect_left(ordinals, following.toordinal())
        if lo == hi:
            return f"no {base}->{quote} spot rates in {first:%Y-%m} to average"
        fixings = [
            Rate(base, quote, values[i], date=dt.date.fromordinal(ordinals[i]), source=self.source)
            for i in range(lo, hi)
        ]
        return average_rate(fixings, kind=kind)


# --------------------------------------------------------------------------------------------
# Wrappers


def _copy_error(exc: RateNotFoundError) -> RateNotFoundError:
    """A fresh, never-raised copy of ``exc``: a kept error must not keep frames alive."""
    context = {k: v for k, v in exc.context.items() if k not in ("base", "quote", "on")}
    fresh = RateNotFoundError(exc.base, exc.quote, exc.on, **context)
    fresh.args = exc.args
    fresh.message = exc.message
    return fresh


class CachedRates:
    """A :class:`RateProvider` that remembers the answers of another one (least recently used).

    Found rates are kept; with ``cache_misses`` a :class:`RateNotFoundError` is kept too (right
    for history that does not change).  :class:`RateUnavailableError` is never kept: the next
    call asks again.  Safe to share between threads.
    """

    __slots__ = ("_entries", "_lock", "cache_misses", "hits", "maxsize", "misses", "provider")

    def __init__(
        self, provider: RateProvider, *, maxsize: int = 65536, cache_misses: bool = True
    ) -> None:
        if maxsize < 1:
            raise ValidationError(
                f"maxsize={maxsize} must be at least 1", field="maxsize", value=maxsize
            )
        self.provider = provider
        self.maxsize = maxsize
        self.cache_misses = cache_misses
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[str, str, dt.date, RateKind], Rate | RateNotFoundError] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def rate(self, base: str, quote: str, on: dt.date, kind: RateKind = RateKind.SPOT) -> Rate:
        """The provider's answer for the request, from the cache when it was asked before."""
        key = (base, quote, on, kind)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
        if entry is None:
            self.misses += 1
            try:
                entry = self.provider.rate(base, quote, on, kind)
            except RateNotFoundError as exc:
                if not self.cache_misses:
                    raise
                entry = _copy_error(exc)
            with self._lock:
                self._entries[key] = entry
                if len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
        if isinstance(entry, RateNotFoundError):
            raise _copy_error(entry)
        return entry

    def clear(self) -> None:
        """Forget every cached answer."""
        with self._lock:
            self._entries.clear()


def _name(provider: object) -> str:
    return str(getattr(provider, "source", None) or type(provider).__name__)


class FallbackRates:
    """A :class:`RateProvider` that asks ``providers`` in turn; the first answer wins.

    When none answers, the error lists every provider's failure (``context["failures"]``): a
    :class:`RateNotFoundError` when each of them said it has no such rate, else a
    :class:`RateUnavailableError` (one that could not answer might have had it).
    """

    __slots__ = ("providers", "source")

    def __init__(self, providers: Sequence[RateProvider], *, source: str = "fallback") -> None:
        if not providers:
            raise ValidationError("no providers given", field="providers", value=providers)
        self.providers = tuple(providers)
        self.source = source

    def rate(self, base: str, quote: str, on: dt.date, kind: RateKind = RateKind.SPOT) -> Rate:
        """The first provider's answer that is not an error."""
        failures: list[tuple[str, RateError]] = []
        for provider in self.providers:
            try:
                return provider.rate(base, quote, on, kind)
            except RateError as exc:
                failures.append((_name(provider), exc))
        report = "; ".join(f"{name}: {exc}" for name, exc in failures)
        if all(isinstance(exc, RateNotFoundError) for _, exc in failures):
            raise RateNotFoundError(
                base, quote, on, reason=f"no provider has it ({report})", failures=tuple(failures)
            ) from failures[-1][1]
        raise RateUnavailableError(
            self.source, f"no provider answered ({report})", failures=tuple(failures)
        ) from failures[-1][1]


# --------------------------------------------------------------------------------------------
# RateProvider (fx): the exchange rate for a pair, date and kind.  In-memory:
# o2c.fx.InMemoryRates (and the wrappers o2c.fx.CachedRates, o2c.fx.FallbackRates); adapters:
# o2c.adapters.ecb (ECB reference rates), o2c.adapters.forex (forex-python).


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


# --------------------------------------------------------------------------------------------
# Conversion


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


# --------------------------------------------------------------------------------------------
# FX accounting


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
