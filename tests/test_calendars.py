"""Business-day calendars, conventions, and the Calendar port's contract over every adapter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.calendars import (
    WEEKDAYS_ONLY,
    BusinessDayConvention,
    UnionCalendar,
    Weekday,
    WeekendCalendar,
    add_business_days,
    roll,
)
from o2c.errors import MissingExtraError, ValidationError
from o2c.ports import Calendar
from tests.strategies import dated_calendars

D = dt.date
F = BusinessDayConvention.FOLLOWING
MF = BusinessDayConvention.MODIFIED_FOLLOWING
P = BusinessDayConvention.PRECEDING
MP = BusinessDayConvention.MODIFIED_PRECEDING
NONE = BusinessDayConvention.NONE


@pytest.mark.parametrize(
    ("day", "convention", "expected"),
    [
        (D(2024, 8, 31), F, D(2024, 9, 3)),  # Sat; Mon 2 Sep is Labor Day
        (D(2024, 8, 31), MF, D(2024, 8, 30)),  # would leave August
        (D(2024, 8, 31), P, D(2024, 8, 30)),
        (D(2024, 8, 31), MP, D(2024, 8, 30)),
        (D(2024, 8, 31), NONE, D(2024, 8, 31)),
        (D(2024, 6, 1), MP, D(2024, 6, 3)),  # Sat 1 June: preceding would leave June
        (D(2024, 6, 1), P, D(2024, 5, 31)),
        (D(2024, 8, 28), F, D(2024, 8, 28)),  # a business day stays
    ],
)
def test_conventions(day: dt.date, convention: BusinessDayConvention, expected: dt.date) -> None:
    cal = WeekendCalendar(holidays=[D(2024, 9, 2)])
    assert roll(day, convention, cal) == expected


def test_weekend_calendar_forms_and_validation() -> None:
    assert WeekendCalendar(weekend=[4, "sat"]).weekend == frozenset({Weekday.FRI, Weekday.SAT})
    with pytest.raises(ValidationError):
        WeekendCalendar(weekend=["Funday"])
    with pytest.raises(ValidationError):
        WeekendCalendar(holidays=["2024-01-01"])  # type: ignore[list-item]
    assert WeekendCalendar() == WEEKDAYS_ONLY


def test_a_calendar_without_business_days_is_an_error_not_a_hang() -> None:
    never = WeekendCalendar(weekend=list(Weekday))
    with pytest.raises(ValidationError, match="no business day"):
        roll(D(2024, 1, 6), F, never)


def test_union_calendar_and_business_day_arithmetic() -> None:
    a = WeekendCalendar(holidays=[D(2024, 12, 25)])
    b = WeekendCalendar(holidays=[D(2024, 12, 26)])
    both = UnionCalendar((a, b))
    assert roll(D(2024, 12, 25), F, both) == D(2024, 12, 27)
    assert add_business_days(D(2024, 12, 24), 1, both) == D(2024, 12, 27)
    assert add_business_days(D(2024, 12, 27), -1, both) == D(2024, 12, 24)
    assert add_business_days(D(2024, 12, 27), 0, both) == D(2024, 12, 27)


@given(dated_calendars(), st.sampled_from(BusinessDayConvention))
def test_rolling_lands_on_a_business_day(
    case: tuple[dt.date, WeekendCalendar], convention: BusinessDayConvention
) -> None:
    day, calendar = case
    rolled = roll(day, convention, calendar)
    if convention is NONE:
        assert rolled == day
        return
    assert calendar.is_business_day(rolled)
    if calendar.is_business_day(day):
        assert rolled == day
    if convention is F:
        assert rolled >= day
    elif convention is P:
        assert rolled <= day
    # Modified conventions stay in the month whenever the month has a business day that way.
    if convention in (MF, MP) and rolled.month != day.month:
        first, last = day.replace(day=1), _month_end(day)
        same_month = [d for d in _days(first, last) if calendar.is_business_day(d)]
        side = [d for d in same_month if (d > day if convention is MF else d < day)]
        other = [d for d in same_month if (d < day if convention is MF else d > day)]
        assert not side
        assert not other


@given(dated_calendars(), st.integers(min_value=-30, max_value=30))
def test_add_business_days_counts_business_days(
    case: tuple[dt.date, WeekendCalendar], n: int
) -> None:
    day, calendar = case
    moved = add_business_days(day, n, calendar)
    lo, hi = sorted((day, moved))
    between = [d for d in _days(lo, hi) if calendar.is_business_day(d) and d != day]
    assert len(between) == abs(n)
    if n:
        assert calendar.is_business_day(moved)


def _month_end(day: dt.date) -> dt.date:
    nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# ----------------------------------------------------------------- the Calendar port contract


def _weekend() -> Calendar:
    return WeekendCalendar(holidays=[D(2024, 12, 25), D(2024, 1, 1)])


def _holidays_us() -> Calendar:
    from o2c.adapters.holidays import HolidaysCalendar

    return HolidaysCalendar("US")


CALENDARS: list[Callable[[], Calendar]] = [_weekend, _holidays_us]


@pytest.mark.parametrize("make", CALENDARS, ids=lambda f: f.__name__.strip("_"))
def test_calendar_port_contract(make: Callable[[], Calendar]) -> None:
    cal = make()
    assert isinstance(cal, Calendar)
    assert cal.is_business_day(D(2024, 12, 24)) is True  # a Tuesday
    assert cal.is_business_day(D(2024, 12, 25)) is False  # Christmas
    assert cal.is_business_day(D(2024, 12, 28)) is False  # Saturday
    assert cal.is_business_day(D(2024, 1, 1)) is False
    assert roll(D(2024, 12, 28), F, cal) == D(2024, 12, 30)


def test_holidays_adapter_details() -> None:
    from o2c.adapters.holidays import HolidaysCalendar

    bavaria = HolidaysCalendar("DE", subdiv="BY")
    assert not bavaria.is_business_day(D(2024, 1, 6))  # Epiphany (a Saturday anyway)
    assert not bavaria.is_business_day(D(2025, 1, 6))  # Epiphany on a Monday
    assert HolidaysCalendar("DE", subdiv="BE").is_business_day(D(2025, 1, 6))  # not in Berlin
    assert bavaria.holiday_name(D(2024, 10, 3)) == "German Unity Day"
    assert bavaria.holiday_name(D(2024, 10, 4)) is None
    uae = HolidaysCalendar("AE")
    assert uae.weekend == frozenset({Weekday.SAT, Weekday.SUN})  # the package's own weekend
    custom = HolidaysCalendar("AE", weekend=[Weekday.FRI, Weekday.SAT])
    assert not custom.is_business_day(D(2024, 8, 30))
    assert custom.is_business_day(D(2024, 9, 1))
    nyse = HolidaysCalendar(market="NYSE")
    assert not nyse.is_business_day(D(2024, 3, 29))  # Good Friday
    assert "NYSE" in repr(nyse)
    with pytest.raises(ValidationError):
        HolidaysCalendar("XX")
    with pytest.raises(ValidationError):
        HolidaysCalendar("DE", market="NYSE")


def test_holidays_adapter_names_the_extra_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from o2c.adapters.holidays import HolidaysCalendar

    monkeypatch.setitem(sys.modules, "holidays", None)
    with pytest.raises(MissingExtraError) as info:
        HolidaysCalendar("US")
    assert info.value.extra == "holidays"
    assert 'pip install "o2c[holidays]"' in str(info.value)


def test_terms_schedule_with_a_holidays_calendar() -> None:
    from o2c.adapters.holidays import HolidaysCalendar
    from o2c.money import money
    from o2c.terms import PaymentTerms

    terms = PaymentTerms.parse("net 30 roll=following")
    s = terms.schedule(D(2024, 8, 1), money("100.00", "USD"), calendar=HolidaysCalendar("US"))
    assert s.due_date == D(2024, 9, 3)
