"""Small truths of payment terms: printed terms parse back equal; to_x12 is linear in the tiers;
date steps at the calendar's ends raise InvalidTermsError naming the step and the date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.calendars import BusinessDayConvention, WeekendCalendar
from o2c.errors import InvalidTermsError, O2CError
from o2c.money import RemainderPolicy, minor_units, money
from o2c.terms import (
    AddDays,
    AddMonths,
    AddWeeks,
    BaselineSource,
    CutOff,
    DateStep,
    DayLimit,
    DiscountBase,
    DiscountScope,
    DiscountTier,
    EndOfMonth,
    LineKind,
    MonthDay,
    PartialPayment,
    PaymentDays,
    PaymentTerms,
    Postpone,
    Schedule,
    SettlementCondition,
    TermLine,
    apply_steps,
    from_x12,
    parse_steps,
    steps_notation,
    to_x12,
)

D = dt.date

# --------------------------------------------------------------------------------------------
# Terms objects of every shape (wider than tests.strategies.payment_terms: every step kind with
# values up to its limits, nested day limits, postponement tables at the calendar's ends,
# settlement terms with baseline rules, percentages with many digits, amounts of any exponent).

any_dates = st.dates()
month_days = st.integers(min_value=1, max_value=31)


def _steps(inner: st.SearchStrategy[tuple[DateStep, ...]]) -> st.SearchStrategy[DateStep]:
    return st.one_of(
        st.builds(AddDays, st.integers(min_value=-99_999, max_value=99_999)),
        st.builds(AddWeeks, st.integers(min_value=-9_999, max_value=9_999)),
        st.builds(AddMonths, st.integers(min_value=-9_999, max_value=9_999)),
        st.just(EndOfMonth()),
        st.builds(MonthDay, month_days, st.integers(min_value=-9_999, max_value=9_999)),
        st.builds(PaymentDays, st.lists(month_days, min_size=1, max_size=4)),
        st.builds(CutOff, month_days),
        st.builds(
            Postpone,
            st.lists(
                st.tuples(any_dates, any_dates), min_size=1, max_size=3, unique_by=lambda p: p[0]
            ),
        ),
        st.builds(
            lambda limit, low, high: DayLimit(((limit, low), (31, high))),
            st.integers(min_value=1, max_value=30),
            inner,
            inner,
        ),
    )


_flat = st.lists(_steps(st.just((AddDays(0),))), min_size=1, max_size=2).map(tuple)
#: A date rule: one or two steps of any kind, a day limit's cases holding any steps.
any_rules = st.lists(_steps(_flat), min_size=1, max_size=2).map(tuple)

#: A percentage above 0 and below 50 with up to 40 decimals (more than CONTEXT would round to).
long_percents = st.integers(min_value=1, max_value=49 * 10**40 - 1).map(
    lambda u: Decimal(u).scaleb(-40)
)
short_percents = st.integers(min_value=1, max_value=4_999).map(lambda u: Decimal(u).scaleb(-2))
percents = st.one_of(short_percents, short_percents, long_percents)


@st.composite
def amounts(draw: st.DrawFn, code: str) -> object:
    """A positive amount in ``code`` written with any exponent (``5``, ``5.00``, ``5E+3``)."""
    units = draw(st.integers(min_value=1, max_value=10**12))
    exponent = draw(st.integers(min_value=-minor_units(code), max_value=3))
    return money(
        Decimal(units).scaleb(-minor_units(code)).quantize(Decimal(1).scaleb(exponent))
        or Decimal(1),
        code,
    )


@st.composite
def tiers(draw: st.DrawFn, code: str) -> DiscountTier:
    deadline = draw(_DUES)
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        return DiscountTier(amount=draw(_AMOUNTS[code]), deadline=deadline)
    return DiscountTier(percent=draw(percents), deadline=deadline)


CODES = ["EUR", "JPY", "KWD", "CLF", "USD"]
#: Strategies built once (building them per draw makes generation slow).
_DUES = st.one_of(st.integers(-99_999, 99_999).map(lambda n: (AddDays(n),)), any_rules)
_AMOUNTS = {code: amounts(code) for code in CODES}
_TIER_LISTS = {code: st.lists(tiers(code), max_size=2) for code in CODES}
_TERM_TIER_LISTS = {code: st.lists(tiers(code), max_size=3) for code in CODES}
_RULES = st.one_of(st.just(()), st.just((EndOfMonth(),)), any_rules)
_SETTLEMENTS = st.sampled_from(
    [s for s in SettlementCondition if s is not SettlementCondition.CREDIT]
)
_KINDS = st.sampled_from([LineKind.PERCENT, LineKind.FIXED])
_OPTIONS = st.fixed_dictionaries(
    {
        "baseline": st.sampled_from(BaselineSource),
        "convention": st.sampled_from(BusinessDayConvention),
        "discount_base": st.sampled_from(DiscountBase),
        "discount_scope": st.sampled_from(DiscountScope),
        "partial_payment": st.sampled_from(PartialPayment),
        "remainder": st.sampled_from(RemainderPolicy),
    }
)


@st.composite
def any_terms(draw: st.DrawFn) -> PaymentTerms:
    code = draw(st.sampled_from(CODES))
    options = draw(_OPTIONS)
    rules = draw(_RULES)
    if draw(st.integers(min_value=0, max_value=5)) == 0:
        return PaymentTerms(
            lines=(TermLine.balance(),),
            settlement=draw(_SETTLEMENTS),
            baseline_rules=rules,
            **options,
        )
    n = draw(st.integers(min_value=1, max_value=3))
    per_line = draw(st.booleans())
    balance_at = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=n - 1)))
    lines = []
    left = Decimal(100)
    for i in range(n):
        due = draw(_DUES)
        chained = i > 0 and draw(st.booleans())
        line_tiers = tuple(draw(_TIER_LISTS[code])) if per_line else ()
        kind = LineKind.BALANCE if i == balance_at else draw(_KINDS)
        if balance_at is None and i == n - 1 and kind is LineKind.PERCENT:
            percent = left  # percentages sum to 100 without a balance line
        elif kind is LineKind.PERCENT:
            percent = min(draw(percents), left / 2)
        if kind is LineKind.PERCENT and percent > 0:
            left -= percent
            lines.append(TermLine.of_percent(percent, due, chained=chained, discounts=line_tiers))
        elif kind is LineKind.BALANCE:
            lines.append(TermLine.balance(due, chained=chained, discounts=line_tiers))
        else:
            amount = draw(_AMOUNTS[code])
            lines.append(TermLine.of_amount(amount, due, chained=chained, discounts=line_tiers))
    term_tiers = () if per_line else tuple(draw(_TERM_TIER_LISTS[code]))
    return PaymentTerms(lines=tuple(lines), discounts=term_tiers, baseline_rules=rules, **options)


@given(any_terms())
def test_every_terms_object_prints_notation_that_parses_back_equal(terms: PaymentTerms) -> None:
    text = str(terms)
    again = PaymentTerms.parse(text)
    assert again == terms
    assert str(again) == text


@given(any_rules)
def test_every_step_sequence_prints_notation_that_parses_back_equal(
    rules: tuple[DateStep, ...],
) -> None:
    assert parse_steps(steps_notation(rules)) == rules


@pytest.mark.parametrize(
    "terms",
    [
        PaymentTerms(
            lines=(TermLine.balance(),),
            settlement=SettlementCondition.CWO,
            baseline_rules=(EndOfMonth(),),
        ),
        PaymentTerms(
            lines=(TermLine.balance(),),
            settlement=SettlementCondition.COD,
            baseline_rules=(AddMonths(1), CutOff(25)),
            baseline=BaselineSource.DELIVERY,
        ),
        PaymentTerms.net(
            30, discounts=[DiscountTier.of(percent=Decimal("1." + "3" * 70), days=10)]
        ),
        PaymentTerms(lines=(TermLine.balance((DayLimit(((31, ()),)),)),)),
    ],
    ids=["CWO EOM", "COD rules ROG", "70-digit percent", "empty day-limit case"],
)
def test_known_shapes_that_did_not_round_trip(terms: PaymentTerms) -> None:
    assert PaymentTerms.parse(str(terms)) == terms


# --------------------------------------------------------------------------------------------
# to_x12 is linear in the number of tiers


class _CountingOffers(tuple):  # type: ignore[type-arg]
    """A tuple of offers that counts how often it is walked."""

    walks = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        type(self).walks += 1
        return super().__iter__()


def _x12_walks(n: int) -> tuple[int, int]:
    """How often to_x12 walks the instalment's offers for ``n`` tiers, and the segments."""
    terms = PaymentTerms.net(
        n + 10, discounts=[DiscountTier.of(percent="1", days=d) for d in range(n)]
    )
    schedule = terms.schedule(D(2024, 1, 1), money("1000.00", "EUR"))
    (inst,) = schedule.instalments
    counted = _CountingOffers(inst.discounts)
    hooked = Schedule(
        terms=schedule.terms,
        document_date=schedule.document_date,
        baseline_date=schedule.baseline_date,
        total=schedule.total,
        instalments=(
            type(inst)(number=1, due_date=inst.due_date, amount=inst.amount, discounts=counted),
        ),
    )
    _CountingOffers.walks = 0
    segments = to_x12(terms, hooked)
    return _CountingOffers.walks, len(segments)


def test_to_x12_walks_the_offers_once_whatever_the_number_of_tiers() -> None:
    walks_100, segments_100 = _x12_walks(100)
    walks_1000, segments_1000 = _x12_walks(1000)
    assert (segments_100, segments_1000) == (100, 1000)
    # A search per tier walks the offers once per tier (quadratic); one index walks them once.
    assert walks_1000 == walks_100 <= 2


def test_to_x12_with_1000_tiers_round_trips() -> None:
    terms = PaymentTerms.net(
        2000, discounts=[DiscountTier.of(percent="1", days=d) for d in range(1000)]
    )
    schedule = terms.schedule(D(2024, 1, 1), money("1000.00", "EUR"))
    segments = to_x12(terms, schedule)
    assert [s.discount_due_date for s in segments] == [
        o.deadline for o in schedule.instalments[0].discounts
    ]
    assert from_x12(segments) == terms


# --------------------------------------------------------------------------------------------
# The calendar's ends

FIRST, LAST = D(1, 1, 1), D(9999, 12, 31)

EDGE_CASES = [
    (AddDays(1), LAST),
    (AddDays(-1), FIRST),
    (AddDays(99_999), D(9900, 1, 1)),
    (AddWeeks(1), D(9999, 12, 30)),
    (AddWeeks(-1), D(1, 1, 6)),
    (AddMonths(1), D(9999, 12, 1)),
    (AddMonths(-1), D(1, 1, 31)),
    (MonthDay(10), D(9999, 12, 5)),
    (MonthDay(10, -1), D(1, 1, 5)),
    (PaymentDays((5,)), D(9999, 12, 20)),
    (CutOff(25), D(9999, 12, 26)),
    (DayLimit(((15, (AddDays(0),)), (31, (MonthDay(15),)))), D(9999, 12, 20)),
]


@pytest.mark.parametrize(("step", "day"), EDGE_CASES, ids=lambda v: str(v))
def test_steps_past_the_calendar_raise_terms_errors_naming_step_and_date(
    step: DateStep, day: dt.date
) -> None:
    for call in (
        lambda: step.apply(day),
        lambda: apply_steps((step,), day),
        lambda: apply_steps((step, EndOfMonth()), day),
    ):
        with pytest.raises(InvalidTermsError, match="leaves the calendar") as info:
            call()
        assert str(day) in str(info.value)
        assert info.value.context["date"] == day


@pytest.mark.parametrize(
    ("step", "day", "expected"),
    [
        (EndOfMonth(), D(9999, 12, 5), LAST),
        (EndOfMonth(), FIRST, D(1, 1, 31)),
        (AddDays(0), LAST, LAST),
        (AddMonths(0), FIRST, FIRST),
        (MonthDay(31, 0), D(9999, 12, 1), LAST),
        (PaymentDays((31,)), D(9999, 12, 1), LAST),
        (CutOff(31), LAST, LAST),
        (Postpone(((LAST, FIRST),)), LAST, FIRST),
    ],
)
def test_steps_that_stay_inside_the_calendar_reach_its_ends(
    step: DateStep, day: dt.date, expected: dt.date
) -> None:
    assert apply_steps((step,), day) == expected


@given(
    st.one_of(st.dates(max_value=D(1, 3, 1)), st.dates(min_value=D(9999, 10, 1))),
    any_rules,
)
def test_steps_near_the_ends_give_a_date_or_a_terms_error(
    day: dt.date, rules: tuple[DateStep, ...]
) -> None:
    try:
        moved = apply_steps(rules, day)
    except InvalidTermsError as exc:
        error = exc
    else:
        assert FIRST <= moved <= LAST
        return
    assert "leaves the calendar" in str(error)
    assert error.context["date"] == day


@pytest.mark.parametrize("day", [D(9999, 12, 20), D(9999, 12, 31), D(1, 1, 1)])
@pytest.mark.parametrize(
    "text",
    [
        "2/10 net 30",
        "net 1m+eom",
        "net 0 baseline=1m",
        "30% advance, balance net 99999",
        "net -10 roll=preceding",
        "net 0 roll=following",
        "net 0 roll=modified_following",
        "3/14 net 30 scope=instalment base=mixed",
        "COD baseline=-1d",
        "net 30 ROG",
    ],
)
def test_schedules_at_the_calendar_ends_raise_only_o2c_errors(text: str, day: dt.date) -> None:
    terms = PaymentTerms.parse(text)
    cal = WeekendCalendar(holidays=[LAST])
    try:
        s = terms.schedule(
            day,
            money("100.00", "EUR"),
            untaxed=money("80.00", "EUR"),
            delivery_date=day,
            calendar=cal,
        )
    except InvalidTermsError:
        return
    except O2CError as exc:  # a business-day roll past the calendar's end
        error = exc
    else:
        assert all(FIRST <= i.due_date <= LAST for i in s.instalments)
        s.explain()
        return
    assert error.context["field"] == "day"
    assert str(error.context["value"]) in str(error)
