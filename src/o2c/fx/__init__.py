"""Exchange rates, conversion, and realised and unrealised FX differences.

Every conversion an auditor sees carries the :class:`Rate` it used: the pair, the value, the date
the rate is actually from, its source and its :class:`RateKind`.  Inverse and cross rates are
kept as exact fractions of the published figures, so nothing is rounded until the converted
amount itself (once, under a :class:`~o2c.money.RoundingPolicy`).

Modules: :mod:`~o2c.fx.rates`, :mod:`~o2c.fx.sources`, :mod:`~o2c.fx.convert`,
:mod:`~o2c.fx.accounting`.

Rates come from a :class:`RateProvider`; :class:`InMemoryRates` is the table that
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

from o2c.fx.accounting import (
    CarryingAmount,
    FxDifferenceKind,
    RealisedFx,
    Revaluation,
    realised_fx,
    revalue,
)
from o2c.fx.convert import (
    Conversion,
    convert,
    convert_at,
)
from o2c.fx.rates import (
    Rate,
    RateKind,
    RateProvider,
    average_rate,
    cross_rate,
)
from o2c.fx.sources import (
    CachedRates,
    FallbackRates,
    InMemoryRates,
)

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
