"""Hostile input to every terms and calendar reader and constructor: only O2CError escapes.

Issue 15: a fuzzing harness found readers that raised ValueError/OverflowError, took seconds
or hundreds of megabytes.  Each test below feeds one class of junk (random text, mutations of
valid notation, hostile numbers, junk objects) to every entry point in a loop, and asserts that
what escapes is an :class:`~o2c.errors.O2CError` (an :class:`InvalidTermsError` for the text
readers) and that a long text is refused in bounded time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.calendars import (
    BusinessDayConvention,
    UnionCalendar,
    WeekendCalendar,
    add_business_days,
    roll,
)
from o2c.errors import InvalidTermsError, O2CError
from o2c.money import money
from o2c.terms import (
    MAX_TERMS_TEXT,
    AddDays,
    AddMonths,
    AddWeeks,
    CutOff,
    DayLimit,
    DiscountTier,
    MonthDay,
    PaymentDays,
    PaymentTerms,
    Postpone,
    TermLine,
    X12Terms,
    apply_steps,
    forgone_discount_cost,
    from_ubl,
    from_x12,
    parse_steps,
    to_ubl,
    to_x12,
)

D = dt.date

#: Numbers the harness used: beyond every limit, non-ASCII digits, control characters.
HOSTILE_NUMBERS = [
    "1e999999",
    "1e-999999",
    "99999999999999999999",
    "9" * 400,
    "1" * 5000,
    "1." + "1" * 5000,
    "３０",
    "²",
    "٣",
    "\x00",
    "\ud800",
    "-0",
    "+5",
    "1_000",
    "0x10",
    "NaN",
    "Infinity",
    "-99999",
    "100000",
    "1.",
    ".5",
    "0",
]

VALID = [
    "2/10 net 30",
    "3% 14 days, 2% 30 days, net 45",
    "30% advance, 70% net 60",
    "10th prox",
    "21 MFI",
    "net 60 EOM",
    "2/10 n/30 EOM ROG",
    "N30",
    "due on receipt",
    "COD baseline=eom",
    "EUR5.00/10 net 30",
    "USD100 advance, balance then 30 with 2/10",
    "net lim(15:day31m0;31:day15)+pay5|20+cut25",
    "net post2015-03-16>2015-03-17+1m+eom base=mixed scope=instalment partial=pro_rata",
    "net 30 roll=modified_following remainder=first baseline=-10d+eom",
]

#: Every text reader of o2c.terms, each with what it must raise.
TEXT_READERS: list[tuple[str, Callable[[str], object]]] = [
    ("PaymentTerms.parse", PaymentTerms.parse),
    ("parse_steps", parse_steps),
    ("X12Terms.from_segment", X12Terms.from_segment),
    ("from_x12", lambda text: from_x12([text], currency_code="EUR")),
    ("from_x12 ITD", lambda text: from_x12([f"ITD*{text}"], currency_code="EUR")),
    ("from_ubl", from_ubl),
    (
        "from_ubl dated",
        lambda text: from_ubl(text, issue_date=D(2024, 1, 1), due_date=D(2024, 2, 1)),
    ),
    ("from_ubl skonto", lambda text: from_ubl(f"net 30\n#SKONTO#TAGE={text}#PROZENT=2.00#")),
    ("DiscountTier.of", lambda text: DiscountTier.of(percent="2", deadline=text)),
    ("TermLine.balance", TermLine.balance),
]


def _only_terms_errors(text: str) -> None:
    for name, read in TEXT_READERS:
        try:
            read(text)
        except InvalidTermsError:
            pass
        except O2CError as exc:  # pragma: no cover - the failure message
            pytest.fail(f"{name}({text!r}) raised {type(exc).__name__}, not InvalidTermsError")


#: Any character, lone surrogates included (st.text leaves them out by default).
any_text = st.text(st.characters(exclude_categories=()), max_size=60)


@given(any_text)
def test_random_text_raises_only_invalid_terms(text: str) -> None:
    _only_terms_errors(text)


@st.composite
def mutated_notation(draw: st.DrawFn) -> str:
    """A valid terms text with pieces inserted, deleted, repeated or swapped for junk."""
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        end = draw(st.integers(min_value=at, max_value=len(text)))
        how = draw(st.sampled_from(["insert", "delete", "repeat", "replace"]))
        junk = draw(
            st.one_of(
                st.sampled_from(HOSTILE_NUMBERS),
                st.sampled_from([" ", "+", "|", "/", "%", "(", ")", ";", ":", "=", ",", "#"]),
                st.sampled_from(["lim(", "post", "day", "pay", "cut", "eom", "net", "with"]),
                st.text(st.characters(exclude_categories=()), max_size=3),
            )
        )
        if how == "insert":
            text = text[:at] + junk + text[at:]
        elif how == "delete":
            text = text[:at] + text[end:]
        elif how == "repeat":
            text = text[:end] + text[at:end] * draw(st.integers(1, 10)) + text[end:]
        else:
            text = text[:at] + junk + text[end:]
    return text


@given(mutated_notation())
def test_mutated_notation_raises_only_invalid_terms(text: str) -> None:
    _only_terms_errors(text)


@given(
    st.sampled_from(HOSTILE_NUMBERS),
    st.sampled_from(
        [
            "{} net 30",
            "net {}",
            "{}/10 net 30",
            "2/{} net 30",
            "{}% 10 net 30",
            "{}% net 30, balance net 60",
            "EUR{}/10 net 30",
            "EUR{} advance, balance net 30",
            "{}th prox",
            "{} MFI",
            "net day{}",
            "net day10m{}",
            "net pay{}",
            "net cut{}",
            "net {}w",
            "net {}m",
            "net lim({}:eom;31:eom)",
            "net post{}-01-01>2024-01-02",
            "ITD*08*3*{}**10**30~",
            "ITD*08*3*2**{}**30~",
            "ITD*08*3*2**10**{}~",
            "ITD*08*3***10**30*{}~",
            "ITD*04*3*****30**{}~",
            "ITD*04*3*****30****{}~",
            "ITD*09*3*****30******{}~",
            "ITD*08*3*2*{}*10**30~",
            "#SKONTO#TAGE=14#PROZENT={}#",
            "#SKONTO#TAGE=14#PROZENT=2.00#BASISBETRAG={}#",
        ]
    ),
)
def test_hostile_numbers_raise_only_invalid_terms(number: str, template: str) -> None:
    text = template.format(number)
    _only_terms_errors(text)
    _only_terms_errors(text.replace("ITD*", "net 30\n").replace("~", ""))


@pytest.mark.parametrize(
    ("unit", "times"),
    [
        ("1", 10_000_000),
        ("2/10 net 30 ", 900_000),
        ("a ", 5_000_000),
        ("eom+", 2_500_000),
        ("\x00", 10_000_000),
        ("*", 10_000_000),
        ("#SKONTO#TAGE=14#PROZENT=2.00#\n", 300_000),
    ],
    ids=["digits", "repeated-terms", "tokens", "steps", "nul", "x12", "skonto"],
)
def test_ten_megabytes_are_refused_at_once(unit: str, times: int) -> None:
    text = unit * times  # built here, not at collection, so the session does not hold them
    for name, read in TEXT_READERS:
        start = time.perf_counter()
        with pytest.raises(InvalidTermsError) as info:
            read(text)
        assert time.perf_counter() - start < 0.5, name
        assert len(str(info.value)) < 1_000, name  # the message shows a cut of the text


@pytest.mark.parametrize(
    "unit",
    ["2/10 net 30 ", "net 30 with 2/10 ", "with 2/10 ", "eom+", "1m+", "lim(1:", "3% ", "(", "a "],
)
def test_the_longest_accepted_text_reads_in_linear_time(unit: str) -> None:
    text = "net 30 " + unit * ((MAX_TERMS_TEXT - 10) // len(unit))
    assert len(text) <= MAX_TERMS_TEXT
    for name, read in TEXT_READERS:
        start = time.perf_counter()
        with contextlib.suppress(InvalidTermsError):
            read(text)
        assert time.perf_counter() - start < 1.0, name


def test_amounts_in_notation_and_interchange_go_through_the_limits() -> None:
    with pytest.raises(InvalidTermsError, match="out of range"):
        PaymentTerms.parse("EUR1000000000000000/10 net 30")
    with pytest.raises(InvalidTermsError, match="out of range"):
        PaymentTerms.parse("EUR1000000000000000 advance, balance net 30")
    with pytest.raises(O2CError, match="ITD08") as info:
        from_x12(["ITD*08*3***10**30*100000000000000000~"], currency_code="EUR")
    assert info.value.context["field"] == "ITD08"
    with pytest.raises(O2CError, match="ITD10"):
        from_x12(["ITD*04*3*****30***100000000000000000~"], currency_code="EUR")
    with pytest.raises(InvalidTermsError, match="ITD03"):
        from_x12(["ITD*08*3*1e999999**10**30~"])
    with pytest.raises(InvalidTermsError, match="PROZENT") as info:
        from_ubl("net 30\n#SKONTO#TAGE=14#PROZENT=" + "1" * 40 + ".00#")
    assert info.value.field == "PROZENT"
    with pytest.raises(InvalidTermsError, match="BASISBETRAG") as info:
        from_ubl("net 30\n#SKONTO#TAGE=14#PROZENT=2.00#BASISBETRAG=" + "9" * 20 + ".00#")
    assert info.value.field == "BASISBETRAG"
    with pytest.raises(InvalidTermsError, match="TAGE") as info:
        from_ubl("net 30\n#SKONTO#TAGE=" + "9" * 5000 + "#PROZENT=2.00#")
    assert info.value.field == "TAGE"
    with pytest.raises(O2CError, match="out of range"):
        TermLine.of_amount(money("1", "EUR") * 10**15)


@pytest.mark.parametrize(
    "text", ["net ３０", "２/10 net 30", "net 30 ²", "² MFI", "net lim(²:eom;31:eom)"]
)
def test_only_ascii_digits_are_numbers(text: str) -> None:
    with pytest.raises(InvalidTermsError):
        PaymentTerms.parse(text)


# --------------------------------------------------------------------------------------------
# Constructors fed junk objects

JUNK: list[Any] = [
    None,
    True,
    -1,
    0,
    10**100,
    1.5,
    Decimal("NaN"),
    "",
    "junk",
    "\ud800",
    b"bytes",
    (),
    (1, 2, 3),
    [None],
    {"a": 1},
    {1, "a"},
    object(),
    D(2024, 1, 1),
    dt.datetime(2024, 1, 1),
    AddDays(1),
    (AddDays(1),),
    ((D(2024, 1, 1), D(2024, 1, 2)),),
    ((31, (AddDays(1),)),),
]

X12_BASE: dict[str, Any] = {"type_code": "08", "discount_days": 10, "net_days": 30}
X12_FIELDS = [
    "type_code",
    "basis_date_code",
    "discount_percent",
    "discount_due_date",
    "discount_days",
    "net_due_date",
    "net_days",
    "discount_amount",
    "deferred_due_date",
    "deferred_amount",
    "percent_payable",
    "description",
    "day_of_month",
]

#: Every public constructor of o2c.terms and o2c.calendars, taking one junk argument.
CONSTRUCTORS: list[tuple[str, Callable[[Any], object]]] = [
    ("AddDays", AddDays),
    ("AddWeeks", AddWeeks),
    ("AddMonths", AddMonths),
    ("MonthDay", MonthDay),
    ("MonthDay months", lambda x: MonthDay(10, x)),
    ("PaymentDays", PaymentDays),
    ("CutOff", CutOff),
    ("Postpone", Postpone),
    ("DayLimit", DayLimit),
    ("DiscountTier percent", lambda x: DiscountTier(percent=x, deadline=(AddDays(1),))),
    ("DiscountTier amount", lambda x: DiscountTier(amount=x, deadline=(AddDays(1),))),
    ("DiscountTier deadline", lambda x: DiscountTier(percent=2, deadline=x)),
    ("DiscountTier.of days", lambda x: DiscountTier.of(percent=2, days=x)),
    ("TermLine kind", lambda x: TermLine(kind=x)),
    ("TermLine due", lambda x: TermLine.balance(x)),
    ("TermLine percent", lambda x: TermLine.of_percent(x)),
    ("TermLine amount", lambda x: TermLine.of_amount(x)),
    ("TermLine discounts", lambda x: TermLine.balance(discounts=x)),
    ("PaymentTerms lines", lambda x: PaymentTerms(lines=x)),
    ("PaymentTerms discounts", lambda x: PaymentTerms.net(30, discounts=x)),
    ("PaymentTerms baseline", lambda x: PaymentTerms.net(30, baseline=x)),
    ("PaymentTerms rules", lambda x: PaymentTerms.net(30, baseline_rules=x)),
    ("PaymentTerms convention", lambda x: PaymentTerms.net(30, convention=x)),
    ("PaymentTerms base", lambda x: PaymentTerms.net(30, discount_base=x)),
    ("PaymentTerms scope", lambda x: PaymentTerms.net(30, discount_scope=x)),
    ("PaymentTerms partial", lambda x: PaymentTerms.net(30, partial_payment=x)),
    ("PaymentTerms remainder", lambda x: PaymentTerms.net(30, remainder=x)),
    ("PaymentTerms settlement", lambda x: PaymentTerms.net(30, settlement=x)),
    ("PaymentTerms.net", PaymentTerms.net),
    ("PaymentTerms.parse", PaymentTerms.parse),
    ("parse_steps", parse_steps),
    ("X12Terms.from_segment", X12Terms.from_segment),
    ("from_x12", from_x12),
    ("from_x12 item", lambda x: from_x12([x])),
    ("from_ubl", from_ubl),
    ("from_ubl dates", lambda x: from_ubl("junk", issue_date=x, due_date=x)),
    ("apply_steps steps", lambda x: apply_steps(x, D(2024, 1, 1))),
    ("apply_steps date", lambda x: apply_steps((AddMonths(1), AddDays(1)), x)),
    *[
        (f"X12Terms {field}", lambda x, field=field: from_x12([X12Terms(**{**X12_BASE, field: x})]))
        for field in X12_FIELDS
    ],
    ("forgone_discount_cost percent", lambda x: forgone_discount_cost(x, 10, 30)),
    ("forgone_discount_cost days", lambda x: forgone_discount_cost("2", x, 30)),
    ("forgone_discount_cost net", lambda x: forgone_discount_cost("2", 10, x)),
    ("forgone_discount_cost year", lambda x: forgone_discount_cost("99.99", 0, 1, year_days=x)),
    ("to_x12", to_x12),
    ("to_ubl", to_ubl),
    ("schedule date", lambda x: PaymentTerms.parse("2/10 net 30").schedule(x, money("1", "EUR"))),
    ("schedule total", lambda x: PaymentTerms.parse("net 30").schedule(D(2024, 1, 1), x)),
    (
        "schedule delivery",
        lambda x: PaymentTerms.parse("net 30 ROG").schedule(
            D(2024, 1, 1), money("1", "EUR"), delivery_date=x
        ),
    ),
    ("WeekendCalendar weekend", lambda x: WeekendCalendar(weekend=x)),
    ("WeekendCalendar holidays", lambda x: WeekendCalendar(holidays=x)),
    ("UnionCalendar", UnionCalendar),
    ("add_business_days n", lambda x: add_business_days(D(2024, 1, 1), x)),
    ("add_business_days day", lambda x: add_business_days(x, 1)),
]


@pytest.mark.parametrize(("name", "build"), CONSTRUCTORS, ids=[n for n, _ in CONSTRUCTORS])
def test_constructors_raise_only_o2c_errors_on_junk(
    name: str, build: Callable[[Any], object]
) -> None:
    for junk in JUNK:
        try:
            build(junk)
        except O2CError:
            pass
        except Exception as exc:  # pragma: no cover - the failure message
            pytest.fail(f"{name}({junk!r}) raised {type(exc).__name__}: {exc}")


#: Values of every kind, nested: what a careless caller or a deserialiser hands over.
any_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=-(2**4000), max_value=2**4000),
        st.floats(),
        st.decimals(),
        any_text,
        st.binary(max_size=8),
        st.dates(),
        st.datetimes(),
        st.sampled_from([AddDays(1), MonthDay(31, 0), DiscountTier.of(percent=2, days=10)]),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple)),
    max_leaves=4,
)


@given(any_value)
def test_constructors_raise_only_o2c_errors_on_any_value(value: object) -> None:
    for name, build in CONSTRUCTORS:
        try:
            build(value)
        except O2CError:
            pass
        except Exception as exc:  # pragma: no cover - the failure message
            pytest.fail(f"{name}({value!r}) raised {type(exc).__name__}: {exc}")


def test_holidays_calendar_raises_only_o2c_errors_on_junk() -> None:
    pytest.importorskip("holidays")
    from o2c.adapters.holidays import HolidaysCalendar

    builds: list[Callable[[Any], object]] = [
        lambda x: HolidaysCalendar(x),
        lambda x: HolidaysCalendar("US", subdiv=x),
        lambda x: HolidaysCalendar(market=x),
        lambda x: HolidaysCalendar("US", categories=x),
        lambda x: HolidaysCalendar("US", weekend=x),
    ]
    for build in builds:
        for junk in [*JUNK, "ZZ", "\x00", "US" * 100_000, ["zzz"], [5]]:
            with contextlib.suppress(O2CError):
                build(junk)


#: Dates anywhere, but mostly within weeks of the calendar's ends.
edge_dates = st.one_of(
    st.dates(max_value=D(1, 2, 1)), st.dates(min_value=D(9999, 12, 1)), st.dates()
)


@given(
    edge_dates,
    st.sampled_from(BusinessDayConvention),
    st.lists(st.sampled_from(range(7)), max_size=6, unique=True),
    st.one_of(
        st.integers(min_value=-400, max_value=400),
        st.integers(min_value=100_000),
        st.integers(max_value=-100_000),
    ),
)
def test_calendar_functions_raise_only_o2c_errors_on_any_date(
    day: dt.date, convention: BusinessDayConvention, weekend: list[int], n: int
) -> None:
    cal = WeekendCalendar(weekend=weekend)
    try:
        rolled = roll(day, convention, cal)
        assert cal.is_business_day(rolled) or convention is BusinessDayConvention.NONE
    except O2CError:
        pass
    try:
        moved = add_business_days(day, n, cal)
        assert n == 0 or cal.is_business_day(moved)
    except O2CError:
        pass
