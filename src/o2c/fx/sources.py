"""Rate sources in the core: the in-memory table (:class:`InMemoryRates`, what the ECB adapter
loads into), and the wrappers :class:`CachedRates` and :class:`FallbackRates`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from o2c.errors import (
    RateError,
    RateNotFoundError,
    RateUnavailableError,
    ValidationError,
)
from o2c.fx.rates import (
    Rate,
    RateKind,
    RateProvider,
    _code,
    _identity,
    _rate_value,
    average_rate,
    cross_rate,
)

__all__ = ["CachedRates", "FallbackRates", "InMemoryRates"]


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
