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


# --------------------------------------------------------------------------------------------
# The calendar's ends (0001-01-01, 9999-12-31): ValidationError naming the date, never
# OverflowError from datetime

FIRST, LAST = D(1, 1, 1), D(9999, 12, 31)  # a Monday and a Friday
NO_FRIDAY = WeekendCalendar(holidays=[LAST])
NO_MONDAY = WeekendCalendar(holidays=[FIRST])


@pytest.mark.parametrize(
    ("day", "convention", "calendar", "expected"),
    [
        (LAST, F, WEEKDAYS_ONLY, LAST),  # a business day stays
        (LAST, F, NO_FRIDAY, None),  # the next business day would be in year 10000
        (LAST, MF, NO_FRIDAY, D(9999, 12, 30)),  # past the end counts as the next month
        (LAST, P, NO_FRIDAY, D(9999, 12, 30)),
        (LAST, MP, NO_FRIDAY, D(9999, 12, 30)),
        (FIRST, P, NO_MONDAY, None),  # the previous business day would be in year 0
        (FIRST, MP, NO_MONDAY, D(1, 1, 2)),
        (FIRST, F, NO_MONDAY, D(1, 1, 2)),
        (FIRST, MF, NO_MONDAY, D(1, 1, 2)),
    ],
)
def test_rolling_at_the_calendar_ends(
    day: dt.date, convention: BusinessDayConvention, calendar: Calendar, expected: dt.date | None
) -> None:
    if expected is not None:
        assert roll(day, convention, calendar) == expected
        return
    with pytest.raises(ValidationError, match="no business day") as info:
        roll(day, convention, calendar)
    assert info.value.field == "day"
    assert info.value.value == day
    assert str(day) in str(info.value)


def test_modified_rolls_with_no_business_day_left_in_the_calendar() -> None:
    only_weekends_at_the_end = WeekendCalendar(
        holidays=[D(9999, 12, d) for d in range(1, 32)] + [D(9999, 11, 30)]
    )
    assert roll(LAST, MF, only_weekends_at_the_end) == D(9999, 11, 29)
    nothing = WeekendCalendar(weekend=list(Weekday))
    with pytest.raises(ValidationError, match="no business day"):
        roll(LAST, MF, nothing)


@pytest.mark.parametrize(
    ("day", "n"),
    [(LAST, 1), (D(9999, 12, 30), 5), (FIRST, -1), (D(1, 1, 3), -5), (D(9990, 1, 1), 99_999)],
)
def test_business_days_past_the_calendar_ends_are_validation_errors(day: dt.date, n: int) -> None:
    with pytest.raises(ValidationError, match="leave the calendar") as info:
        add_business_days(day, n)
    assert info.value.field == "n"
    assert info.value.context["day"] == day
    assert str(day) in str(info.value)


def test_business_days_up_to_the_calendar_ends() -> None:
    assert add_business_days(D(9999, 12, 30), 1) == LAST
    assert add_business_days(D(1, 1, 2), -1) == FIRST
    assert add_business_days(LAST, 0, NO_FRIDAY) == LAST
    with pytest.raises(ValidationError):
        add_business_days(D(9999, 12, 30), 1, NO_FRIDAY)


@pytest.mark.parametrize("n", [100_000, -100_000, 10**18, -(10**400), True, 1.0, "3", None])
def test_huge_or_odd_business_day_counts_are_refused_at_once(n: object) -> None:
    with pytest.raises(ValidationError) as info:
        add_business_days(D(2024, 1, 1), n)  # type: ignore[arg-type]
    assert info.value.field == "n"


def test_the_largest_business_day_count_is_counted_not_looped_for_minutes() -> None:
    import time

    start = time.perf_counter()
    day = add_business_days(D(2024, 1, 1), 99_999)
    assert time.perf_counter() - start < 5.0
    # 99,999 business days of a five-day week are 19,999 weeks and 4 days.
    assert day == D(2024, 1, 1) + dt.timedelta(weeks=19_999, days=4)


@given(
    st.one_of(st.dates(max_value=D(1, 1, 31)), st.dates(min_value=D(9999, 12, 1))),
    st.sampled_from(BusinessDayConvention),
    st.integers(min_value=-60, max_value=60),
    st.lists(st.sampled_from(Weekday), max_size=5, unique=True),
)
def test_near_the_ends_a_business_day_or_a_validation_error(
    day: dt.date, convention: BusinessDayConvention, n: int, weekend: list[Weekday]
) -> None:
    cal = WeekendCalendar(weekend=weekend)
    for call in (lambda: roll(day, convention, cal), lambda: add_business_days(day, n, cal)):
        try:
            moved = call()
        except ValidationError as exc:
            assert "business day" in str(exc)  # noqa: PT017 - either outcome is checked
            continue
        assert FIRST <= moved <= LAST


def test_junk_weekends_holidays_and_calendars_are_validation_errors() -> None:
    for junk in (7, -1, None, 1.5, "Funday", object()):
        with pytest.raises(ValidationError):
            WeekendCalendar(weekend=[junk])  # type: ignore[list-item]
    for junk in (5, "2024-01-01", None, [[1]], [dt.datetime(2024, 1, 1)]):
        with pytest.raises(ValidationError):
            WeekendCalendar(holidays=junk)  # type: ignore[arg-type]
    for junk in (5, None, [object()], ["cal"]):
        with pytest.raises(ValidationError):
            UnionCalendar(junk)  # type: ignore[arg-type]


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


@pytest.mark.parametrize("make", CALENDARS, ids=lambda f: f.__name__.strip("_"))
def test_every_calendar_at_the_ends_gives_a_business_day_or_a_validation_error(
    make: Callable[[], Calendar],
) -> None:
    cal = make()
    for day in (FIRST, D(1, 1, 2), D(9999, 12, 25), D(9999, 12, 26), LAST):
        for convention in BusinessDayConvention:
            try:
                moved = roll(day, convention, cal)
            except ValidationError as exc:
                assert exc.field == "day"  # noqa: PT017 - either outcome is checked
                continue
            assert convention is NONE or cal.is_business_day(moved)
        for n in (-3, 3):
            try:
                moved = add_business_days(day, n, cal)
            except ValidationError as exc:
                assert exc.field == "n"  # noqa: PT017 - either outcome is checked
                continue
            assert cal.is_business_day(moved)
