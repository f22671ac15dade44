"""Business-day calendars from the ``holidays`` package (extra ``holidays``).

:class:`HolidaysCalendar` implements :class:`o2c.ports.Calendar` for a country (and subdivision)
or a financial market, with the country's own weekend (Friday/Saturday in some countries) unless
one is given.  The package is imported when a calendar is created; without it,
:class:`~o2c.errors.MissingExtraError` says ``pip install "o2c[holidays]"``.

>>> import datetime as dt
>>> us = HolidaysCalendar("US")
>>> us.is_business_day(dt.date(2024, 9, 2)), us.holiday_name(dt.date(2024, 9, 2))
(False, 'Labor Day')
>>> from o2c.calendars import BusinessDayConvention, roll
>>> roll(dt.date(2024, 8, 31), BusinessDayConvention.FOLLOWING, us)
datetime.date(2024, 9, 3)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from o2c.adapters import require
from o2c.calendars import Weekday, _weekend
from o2c.errors import ValidationError

__all__ = ["HolidaysCalendar"]


def _text_items(values: Iterable[str]) -> list[str]:
    try:
        items = list(values)
    except TypeError:
        items = [values]  # type: ignore[list-item]
    for item in items:
        if not isinstance(item, str):
            raise ValidationError(
                f"category {item!r} must be a str such as 'public'", field="categories", value=item
            )
    return items


class HolidaysCalendar:
    """A :class:`~o2c.ports.Calendar` backed by ``holidays.country_holidays`` (or a market's).

    Args:
        country: ISO 3166 code (``"DE"``), or ``None`` with ``market``.
        subdiv: a subdivision (``"BY"`` for Bavaria).
        market: a financial market instead of a country (``"NYSE"``, ``"ECB"``).
        weekend: weekend days; the country's own when not given.
        observed: count observed (moved) holidays as holidays too.
        categories: holiday categories of the package (``"public"`` by default).

    Raises:
        MissingExtraError: when the ``holidays`` package is not installed.
        ValidationError: for an unknown country, subdivision or market.
    """

    def __init__(
        self,
        country: str | None = None,
        *,
        subdiv: str | None = None,
        market: str | None = None,
        weekend: Iterable[Weekday] | None = None,
        observed: bool = True,
        categories: Iterable[str] | None = None,
    ) -> None:
        lib = require("holidays", extra="holidays", feature="HolidaysCalendar")
        if (country is None) == (market is None):
            raise ValidationError(
                "give either country= or market=", field="country", value=(country, market)
            )
        for name, given in (("country", country), ("subdiv", subdiv), ("market", market)):
            if given is not None and (not isinstance(given, str) or not given.isascii()):
                raise ValidationError(
                    f"{name}={given!r} must be an ISO code such as 'DE' or a market such as 'NYSE'",
                    field=name,
                    value=given,
                )
        options: dict[str, Any] = {"observed": observed}
        if categories is not None:
            if isinstance(categories, str):
                categories = (categories,)
            options["categories"] = tuple(_text_items(categories))
        try:
            if market is not None:
                self._days = lib.financial_holidays(market, **options)
            else:
                self._days = lib.country_holidays(country, subdiv=subdiv, **options)
        except (NotImplementedError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # The package says "not available" with NotImplementedError, and an unknown
            # category with ValueError; any refusal of its inputs is a refusal of ours.
            asked = country if market is None else market
            where = f" subdivision {subdiv!r}" if subdiv else ""
            if categories is not None:
                where += f" categories {options['categories']!r}"
            raise ValidationError(
                f"the holidays package has no calendar for {asked!r}{where}: {exc}",
                field="country" if market is None else "market",
                value=asked,
            ) from None
        self.country = country
        self.subdiv = subdiv
        self.market = market
        own = getattr(self._days, "weekend", None) or {5, 6}
        self.weekend = _weekend(weekend if weekend is not None else (int(day) for day in own))
        self._weekend_numbers = frozenset(day.value for day in self.weekend)

    def __repr__(self) -> str:
        where = self.market or (f"{self.country}-{self.subdiv}" if self.subdiv else self.country)
        return f"HolidaysCalendar({where!r})"

    def is_business_day(self, day: dt.date, /) -> bool:
        """True unless ``day`` is a weekend day or a holiday there."""
        return day.weekday() not in self._weekend_numbers and day not in self._days

    def holiday_name(self, day: dt.date) -> str | None:
        """The holiday's name on ``day`` (names joined by ``; ``), or ``None``."""
        name = self._days.get(day)
        return None if name is None else str(name)
