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
from typing import Protocol, runtime_checkable

import attrs

from o2c._checks import as_tuple
from o2c.errors import ValidationError

__all__ = [
    "BusinessDayConvention",
    "Calendar",
    "MAX_BUSINESS_DAYS",
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
#: The most business days :func:`add_business_days` counts (as :class:`o2c.terms.AddDays` takes
#: at most 99999 calendar days): about 380 years of a five-day week, and a bound on its time.
MAX_BUSINESS_DAYS = 99_999


# --------------------------------------------------------------------------------------------
# Calendar (terms): which days are business days.  In-memory: o2c.calendars.WeekendCalendar;
# adapter: o2c.adapters.holidays.HolidaysCalendar.


@runtime_checkable
class Calendar(Protocol):
    """Which days are business days (weekends and holidays are not).

    Business-day conventions (following, modified following ...) are applied on top of this one
    question by :func:`o2c.calendars.roll`.
    """

    def is_business_day(self, day: dt.date, /) -> bool:
        """True when ``day`` is a business day."""
        ...


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
    for item in as_tuple(value, "weekend", "weekdays"):
        if isinstance(item, Weekday):
            days.add(item)
        elif isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 6:
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
    days = as_tuple(value, "holidays", "datetime.date")
    for day in days:
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise ValidationError(
                f"holiday {day!r} is not a datetime.date", field="holidays", value=day
            )
    return frozenset(days)


def _calendars(value: Iterable[Calendar]) -> tuple[Calendar, ...]:
    calendars = as_tuple(value, "calendars", "calendars")
    for calendar in calendars:
        if not callable(getattr(calendar, "is_business_day", None)):
            raise ValidationError(
                f"{calendar!r} is not a calendar (it has no is_business_day method)",
                field="calendars",
                value=calendar,
            )
    return calendars


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

    calendars: tuple[Calendar, ...] = attrs.field(converter=_calendars)

    def is_business_day(self, day: dt.date, /) -> bool:
        """True when every calendar says ``day`` is a business day."""
        return all(c.is_business_day(day) for c in self.calendars)


def _search(day: dt.date, step: int, calendar: Calendar) -> dt.date | None:
    """The first business day from ``day`` on in direction ``step``; ``None`` past the calendar."""
    one = dt.timedelta(days=step)
    for _ in range(MAX_SEARCH_DAYS):
        if calendar.is_business_day(day):
            return day
        try:
            day += one
        except OverflowError:
            return None  # before 0001-01-01 or after 9999-12-31
    raise ValidationError(
        f"no business day within {MAX_SEARCH_DAYS} days of {day}: the calendar has no "
        "business days; check its weekend and holidays",
        field="calendar",
        value=calendar,
    )


def _off_calendar(day: dt.date, why: str) -> ValidationError:
    return ValidationError(
        f"no business day {why} {day} before the calendar ends (dates run from 0001-01-01 to "
        "9999-12-31): use a date further from its ends",
        field="day",
        value=day,
    )


def _check_date(day: object) -> None:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise ValidationError(f"day={day!r} is not a datetime.date", field="day", value=day)


def roll(
    day: dt.date,
    convention: BusinessDayConvention,
    calendar: Calendar = WEEKDAYS_ONLY,
) -> dt.date:
    """``day`` moved onto a business day of ``calendar`` under ``convention``.

    A business day is returned unchanged, whatever the convention.  Under the modified
    conventions the end of the calendar (9999-12-31, 0001-01-01) counts as the end of the month.

    Raises:
        ValidationError: when the calendar has no business day within ``MAX_SEARCH_DAYS``, or
            none before the calendar ends (naming ``day``).

    >>> friday_31 = dt.date(2021, 12, 31)
    >>> cal = WeekendCalendar(holidays=[friday_31])
    >>> roll(friday_31, BusinessDayConvention.MODIFIED_FOLLOWING, cal)
    datetime.date(2021, 12, 30)
    >>> roll(dt.date(2022, 1, 1), BusinessDayConvention.MODIFIED_PRECEDING, cal)
    datetime.date(2022, 1, 3)
    >>> roll(dt.date(9999, 12, 31), BusinessDayConvention.MODIFIED_FOLLOWING)
    datetime.date(9999, 12, 31)
    """
    if convention is BusinessDayConvention.NONE or calendar.is_business_day(day):
        return day
    forward = convention in (
        BusinessDayConvention.FOLLOWING,
        BusinessDayConvention.MODIFIED_FOLLOWING,
    )
    moved = _search(day, 1 if forward else -1, calendar)
    if convention in (BusinessDayConvention.FOLLOWING, BusinessDayConvention.PRECEDING):
        if moved is None:
            raise _off_calendar(day, "after" if forward else "before")
        return moved
    if moved is not None and moved.month == day.month:
        return moved
    back = _search(day, -1 if forward else 1, calendar)
    if back is None:
        raise _off_calendar(day, "around")
    return back


def add_business_days(day: dt.date, n: int, calendar: Calendar = WEEKDAYS_ONLY) -> dt.date:
    """The ``n``-th business day after ``day`` (before it for negative ``n``; ``day`` for 0).

    >>> add_business_days(dt.date(2024, 8, 30), 1)
    datetime.date(2024, 9, 2)
    >>> add_business_days(dt.date(2024, 9, 2), -1)
    datetime.date(2024, 8, 30)

    Raises:
        ValidationError: for ``n`` beyond :data:`MAX_BUSINESS_DAYS` (or not an int), or a
            result before 0001-01-01 or after 9999-12-31 (naming ``day`` and ``n``).
    """
    _check_date(day)
    if (
        isinstance(n, bool)
        or not isinstance(n, int)
        or not -MAX_BUSINESS_DAYS <= n <= MAX_BUSINESS_DAYS
    ):
        raise ValidationError(
            f"n={n!r} must be an int of at most {MAX_BUSINESS_DAYS} business days either way",
            field="n",
            value=n,
        )
    start = day
    step = 1 if n >= 0 else -1
    edge = dt.date.max if step > 0 else dt.date.min
    if abs(n) > abs((edge - day).days):  # each business day takes at least one calendar day
        raise _too_far(start, n)
    one = dt.timedelta(days=step)
    for _ in range(abs(n)):
        if day == edge:
            raise _too_far(start, n)
        moved = _search(day + one, step, calendar)
        if moved is None:
            raise _too_far(start, n)
        day = moved
    return day


def _too_far(day: dt.date, n: int) -> ValidationError:
    return ValidationError(
        f"{n} business days from {day} leave the calendar (dates run from 0001-01-01 to "
        "9999-12-31): count fewer days or start further from its ends",
        field="n",
        value=n,
        day=day,
    )
