"""Business-day calendars and the conventions that move a date onto a business day.

A calendar answers one question (:class:`o2c.ports.Calendar`: is this day a business day?).
:class:`WeekendCalendar` is the in-memory implementation: weekend days plus a set of holidays.
:func:`roll` applies a :class:`BusinessDayConvention` (ISDA's following, modified following,
preceding, modified preceding, or none) against any calendar; the adapter for the ``holidays``
package is :class:`o2c.adapters.holidays.HolidaysCalendar`.

>>> import datetime as dt
>>> cal = WeekendCalendar(holidays=[dt.date(2024, 9, 2)])  # US Labor Day
>>> saturday = dt.date(2024, 8, 31)
>>> roll(saturday, BusinessDayConvention.FOLLOWING, cal)
datetime.date(2024, 9, 3)
>>> roll(saturday, BusinessDayConvention.MODIFIED_FOLLOWING, cal)
datetime.date(2024, 8, 30)
>>> roll(saturday, BusinessDayConvention.NONE, cal)
datetime.date(2024, 8, 31)
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

import attrs

from o2c.errors import ValidationError
from o2c.ports import Calendar

__all__ = [
    "BusinessDayConvention",
    "UnionCalendar",
    "WEEKDAYS_ONLY",
    "Weekday",
    "WeekendCalendar",
    "add_business_days",
    "roll",
]

#: How far :func:`roll` searches for a business day before it gives up (a calendar without any
#: business day would otherwise loop for ever).
MAX_SEARCH_DAYS = 400


class Weekday(enum.Enum):
    """A day of the week; the value is :meth:`datetime.date.weekday` (Monday is 0)."""

    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6


class BusinessDayConvention(enum.Enum):
    """How a date that is not a business day is moved (ISDA 2006, section 4.12)."""

    #: Keep the date as it is.
    NONE = "none"
    #: The next business day.
    FOLLOWING = "following"
    #: The next business day, unless it is in the next month: then the previous business day.
    MODIFIED_FOLLOWING = "modified_following"
    #: The previous business day.
    PRECEDING = "preceding"
    #: The previous business day, unless it is in the previous month: then the next one.
    MODIFIED_PRECEDING = "modified_preceding"


def _weekend(value: Iterable[Weekday | int | str]) -> frozenset[Weekday]:
    days = set()
    for item in value:
        if isinstance(item, Weekday):
            days.add(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            days.add(Weekday(item))
        elif isinstance(item, str) and item[:3].upper() in Weekday.__members__:
            days.add(Weekday[item[:3].upper()])
        else:
            raise ValidationError(
                f"weekend day {item!r} is not a weekday: use Weekday.SAT, 5 or 'Sat'",
                field="weekend",
                value=item,
            )
    return frozenset(days)


def _dates(value: Iterable[dt.date]) -> frozenset[dt.date]:
    days = frozenset(value)
    for day in days:
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise ValidationError(
                f"holiday {day!r} is not a datetime.date", field="holidays", value=day
            )
    return days


@attrs.frozen
class WeekendCalendar:
    """Weekend days plus explicit holidays (the in-memory :class:`~o2c.ports.Calendar`).

    >>> cal = WeekendCalendar(weekend=["Fri", "Sat"])
    >>> cal.is_business_day(dt.date(2024, 8, 30)), cal.is_business_day(dt.date(2024, 9, 1))
    (False, True)
    """

    weekend: frozenset[Weekday] = attrs.field(
        default=frozenset({Weekday.SAT, Weekday.SUN}), converter=_weekend
    )
    holidays: frozenset[dt.date] = attrs.field(factory=frozenset, converter=_dates)

    def is_business_day(self, day: dt.date, /) -> bool:
        """True unless ``day`` falls on a weekend day or a holiday."""
        return Weekday(day.weekday()) not in self.weekend and day not in self.holidays


#: Monday to Friday, no holidays: the calendar used when a convention needs one and none is given.
WEEKDAYS_ONLY = WeekendCalendar()


@attrs.frozen
class UnionCalendar:
    """A day is a business day only when it is one in every calendar (e.g. two countries).

    >>> a = WeekendCalendar(holidays=[dt.date(2024, 5, 1)])
    >>> b = WeekendCalendar(holidays=[dt.date(2024, 5, 2)])
    >>> UnionCalendar((a, b)).is_business_day(dt.date(2024, 5, 2))
    False
    """

    calendars: tuple[Calendar, ...] = attrs.field(converter=tuple)

    def is_business_day(self, day: dt.date, /) -> bool:
        """True when every calendar says ``day`` is a business day."""
        return all(c.is_business_day(day) for c in self.calendars)


def _search(day: dt.date, step: int, calendar: Calendar) -> dt.date:
    one = dt.timedelta(days=step)
    for _ in range(MAX_SEARCH_DAYS):
        if calendar.is_business_day(day):
            return day
        day += one
    raise ValidationError(
        f"no business day within {MAX_SEARCH_DAYS} days of {day}: the calendar has no "
        "business days; check its weekend and holidays",
        field="calendar",
        value=calendar,
    )


def roll(
    day: dt.date,
    convention: BusinessDayConvention,
    calendar: Calendar = WEEKDAYS_ONLY,
) -> dt.date:
    """``day`` moved onto a business day of ``calendar`` under ``convention``.

    A business day is returned unchanged, whatever the convention.

    Raises:
        ValidationError: when the calendar has no business day within ``MAX_SEARCH_DAYS``.

    >>> friday_31 = dt.date(2021, 12, 31)
    >>> cal = WeekendCalendar(holidays=[friday_31])
    >>> roll(friday_31, BusinessDayConvention.MODIFIED_FOLLOWING, cal)
    datetime.date(2021, 12, 30)
    >>> roll(dt.date(2022, 1, 1), BusinessDayConvention.MODIFIED_PRECEDING, cal)
    datetime.date(2022, 1, 3)
    """
    if convention is BusinessDayConvention.NONE or calendar.is_business_day(day):
        return day
    if convention is BusinessDayConvention.FOLLOWING:
        return _search(day, 1, calendar)
    if convention is BusinessDayConvention.PRECEDING:
        return _search(day, -1, calendar)
    if convention is BusinessDayConvention.MODIFIED_FOLLOWING:
        moved = _search(day, 1, calendar)
        return moved if moved.month == day.month else _search(day, -1, calendar)
    moved = _search(day, -1, calendar)
    return moved if moved.month == day.month else _search(day, 1, calendar)


def add_business_days(day: dt.date, n: int, calendar: Calendar = WEEKDAYS_ONLY) -> dt.date:
    """The ``n``-th business day after ``day`` (before it for negative ``n``; ``day`` for 0).

    >>> add_business_days(dt.date(2024, 8, 30), 1)
    datetime.date(2024, 9, 2)
    >>> add_business_days(dt.date(2024, 9, 2), -1)
    datetime.date(2024, 8, 30)
    """
    step = 1 if n >= 0 else -1
    for _ in range(abs(n)):
        day = _search(day + dt.timedelta(days=step), step, calendar)
    return day
