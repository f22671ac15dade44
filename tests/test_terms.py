"""Examples and properties of payment terms, schedules and discounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from o2c.calendars import BusinessDayConvention, WeekendCalendar
from o2c.errors import CurrencyMismatchError, InvalidTermsError, O2CError
from o2c.money import (
    CashRounding,
    RemainderPolicy,
    Rounding,
    RoundingPolicy,
    from_minor,
    money,
    to_minor,
)
from o2c.terms import (
    AddDays,
    AddMonths,
    BaselineSource,
    CutOff,
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
    SettlementCondition,
    TermLine,
    apply_steps,
    forgone_discount_cost,
    parse_steps,
)
from tests.strategies import (
    dated_calendars,
    document_dates,
    payment_terms,
    step_sequences,
    terms_with_totals,
)

D = dt.date
EUR = "EUR"


def eur(amount: str) -> Money:
    return money(amount, EUR)


def dues(schedule: object) -> list[tuple[str, str]]:
    return [
        (i.due_date.isoformat(), str(i.amount.amount))
        for i in schedule.instalments  # type: ignore[attr-defined]
    ]


# ------------------------------------------------------------------------------- notation

#: Every example of the issue, with what it means and its canonical spelling.
NOTATION = [
    ("net 30", "net 30"),
    ("n/30", "net 30"),
    ("2/10 net 30", "2/10 net 30"),
    ("2/10 n/30 EOM", "2/10 net 30 EOM"),
    ("1% 10 net 45", "1/10 net 45"),
    ("3% 14 days, 2% 30 days, net 45", "3/14 2/30 net 45"),
    ("30% advance, 70% net 60", "30% advance, 70% net 60"),
    ("10th prox", "10th prox"),
    ("EOM", "EOM"),
    ("21 MFI", "21st prox"),
    ("net 60 EOM", "net 60 EOM"),
    ("due on receipt", "due on receipt"),
    ("COD", "COD"),
    ("CIA", "CIA"),
    ("CWO", "CWO"),
]


@pytest.mark.parametrize(("text", "canonical"), NOTATION)
def test_issue_notation_parses_prints_canonically_and_back(text: str, canonical: str) -> None:
    terms = PaymentTerms.parse(text)
    assert str(terms) == canonical
    assert PaymentTerms.parse(canonical) == terms


@pytest.mark.parametrize(
    ("text", "day", "expected"),
    [
        ("net 30", D(2022, 1, 31), [("2022-03-02", "1000.00")]),
        ("n/30", D(2022, 1, 31), [("2022-03-02", "1000.00")]),
        ("2/10 n/30 EOM", D(2024, 6, 16), [("2024-07-30", "1000.00")]),
        ("1% 10 net 45", D(2024, 1, 1), [("2024-02-15", "1000.00")]),
        (
            "30% advance, 70% net 60",
            D(2024, 1, 1),
            [("2024-01-01", "300.00"), ("2024-03-01", "700.00")],
        ),
        ("10th prox", D(2024, 12, 20), [("2025-01-10", "1000.00")]),  # year roll-over
        ("EOM", D(2024, 2, 5), [("2024-02-29", "1000.00")]),
        ("21 MFI", D(2024, 1, 31), [("2024-02-21", "1000.00")]),
        ("net 60 EOM", D(2024, 1, 15), [("2024-03-31", "1000.00")]),
        ("due on receipt", D(2024, 1, 15), [("2024-01-15", "1000.00")]),
        ("CIA", D(2024, 1, 15), [("2024-01-15", "1000.00")]),
        ("CWO", D(2024, 1, 15), [("2024-01-15", "1000.00")]),
    ],
)
def test_issue_notation_schedules(text: str, day: dt.date, expected: list[tuple[str, str]]) -> None:
    assert dues(PaymentTerms.parse(text).schedule(day, eur("1000.00"))) == expected


def test_notation_meaning_of_tiers_and_lines() -> None:
    terms = PaymentTerms.parse("3% 14 days, 2% 30 days, net 45")
    assert [(t.percent, t.deadline) for t in terms.discounts] == [
        (Decimal("3"), (AddDays(14),)),
        (Decimal("2"), (AddDays(30),)),
    ]
    assert terms.lines == (TermLine.balance(45),)
    assert PaymentTerms.parse("2/10 n/30 EOM").baseline_rules == (EndOfMonth(),)
    assert PaymentTerms.parse("21 MFI") == PaymentTerms.parse("21st prox")
    assert PaymentTerms.parse("10 prox") == PaymentTerms.parse("10th prox")
    assert PaymentTerms.parse("2/10 N30") == PaymentTerms.parse("2/10, Net 30 Days")
    assert PaymentTerms.parse("NET45") == PaymentTerms.net(45)
    assert PaymentTerms.parse("COD").settlement is SettlementCondition.COD
    assert PaymentTerms.parse("net 30 ROG").baseline is BaselineSource.DELIVERY


@pytest.mark.parametrize(
    "text",
    [
        "10% net 2 with 10/1, 20% net 4 with 20/3, 20% net 6, balance net 8 with 20/7",
        "50% net 30, balance then 30",
        "EUR100.00 advance, balance net 30 with EUR5.00/10",
        "2/eom+10d net 1m+eom baseline=cut25+eom ROI partial=pro_rata",
        "net lim(15:day31m0;31:day15)+pay5|20",
        "net 2w+post2015-03-16>2015-03-17 roll=modified_preceding remainder=first",
        "2/10 net 30 base=mixed scope=instalment",
        "COD roll=following",
        "COD ROG",
    ],
)
def test_extended_notation_round_trips(text: str) -> None:
    terms = PaymentTerms.parse(text)
    assert str(terms) == text
    assert PaymentTerms.parse(str(terms)) == terms


@pytest.mark.parametrize(
    ("text", "day", "due"),
    [  # the anchors' settings as docs/terms.md maps them
        ("net eom+30", D(2024, 1, 15), D(2024, 3, 1)),
        ("net 1m+eom+10", D(2024, 1, 31), D(2024, 3, 10)),
        ("net 30+day31", D(2023, 12, 12), D(2024, 2, 29)),
        ("net 5+pay5|10", D(2020, 1, 1), D(2020, 1, 10)),
        ("net 2w+post2015-03-16>2015-03-17", D(2015, 3, 2), D(2015, 3, 17)),
        ("net 1m+eom", D(2025, 2, 10), D(2025, 3, 31)),
        ("net 30 baseline=day15m1", D(2024, 1, 20), D(2024, 3, 16)),
        ("net 30 baseline=lim(15:day31m0;31:day15)", D(2024, 1, 10), D(2024, 3, 1)),
    ],
)
def test_anchor_settings_as_documented(text: str, day: dt.date, due: dt.date) -> None:
    assert PaymentTerms.parse(text).schedule(day, eur("1.00")).due_date == due


@pytest.mark.parametrize(
    ("text", "token", "position"),
    [
        ("net thirty", "thirty", 4),
        ("2/10 net 30 EOX", "EOX", 12),
        ("30% advance, 70%", "70%", 13),
        ("2/10 net 1m+xx", "xx", 12),
        ("net 30 base=gross", "base=gross", 7),
        ("2/0.5x net 30", "0.5x", 2),
        ("net", "", 3),
        ("XYZ100 net 10", "XYZ100", 0),
        ("40th prox", "40th", 0),
    ],
)
def test_unknown_text_names_token_and_position(text: str, token: str, position: int) -> None:
    with pytest.raises(InvalidTermsError) as info:
        PaymentTerms.parse(text)
    assert info.value.token == token
    assert info.value.position == position
    assert isinstance(info.value, ValueError)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("60% net 10, 50% net 20", 2),  # percentages over 100
        ("50% net 10, balance net 20, balance net 30", 3),  # two balance lines
        ("50% net 10, 40% net 20", 2),  # no balance, sums to 90
    ],
)
def test_bad_lines_are_refused_naming_the_line(text: str, line: int) -> None:
    with pytest.raises(InvalidTermsError) as info:
        PaymentTerms.parse(text)
    assert info.value.line == line


def test_parts_exceeding_the_total_are_refused_naming_the_line() -> None:
    terms = PaymentTerms.parse("EUR600.00 net 10, EUR500.00 net 20, balance net 30")
    with pytest.raises(InvalidTermsError) as info:
        terms.schedule(D(2024, 1, 1), eur("1000.00"))
    assert info.value.line == 2
    # Odoo would make a -200 instalment of "60% + 60% + balance"; o2c refuses at construction.
    with pytest.raises(InvalidTermsError):
        PaymentTerms.parse("60% net 10, 60% net 20, balance net 30")


def test_negative_or_zero_lines_are_refused() -> None:
    with pytest.raises(InvalidTermsError):
        TermLine.of_amount(eur("-10.00"))
    with pytest.raises(InvalidTermsError):
        TermLine.of_percent("0")
    with pytest.raises(InvalidTermsError):
        TermLine.of_percent("100.01")
    with pytest.raises(InvalidTermsError):
        DiscountTier.of(percent="100", days=10)


def test_fixed_lines_without_balance_must_add_up() -> None:
    terms = PaymentTerms(
        lines=(TermLine.of_amount(eur("100.00")), TermLine.of_amount(eur("50.00")))
    )
    assert dues(terms.schedule(D(2024, 1, 1), eur("150.00"))) == [
        ("2024-01-01", "100.00"),
        ("2024-01-01", "50.00"),
    ]
    with pytest.raises(InvalidTermsError, match="add a balance line"):
        terms.schedule(D(2024, 1, 1), eur("160.00"))


@pytest.mark.parametrize("policy", list(RemainderPolicy))
def test_fixed_lines_keep_their_amount_when_percent_lines_round(policy: RemainderPolicy) -> None:
    lines = (
        TermLine.of_percent("30", 10),
        TermLine.of_percent("50", 20),
        TermLine.of_amount(eur("0.03"), 30),
    )
    terms = PaymentTerms(lines=lines, remainder=policy)
    # 30% and 50% of 0.15 are 0.045 and 0.075: half-up 0.05 + 0.08 + 0.03 would be 0.16.
    got = [i.amount.amount for i in terms.schedule(D(2024, 1, 1), eur("0.15")).instalments]
    assert sum(got) == Decimal("0.15")
    assert got[2] == Decimal("0.03")
    with pytest.raises(InvalidTermsError, match="add a balance line"):
        terms.schedule(D(2024, 1, 1), eur("0.16"))  # 0.048 + 0.08 + 0.03 is not 0.16


def test_fixed_lines_must_be_at_the_minor_unit() -> None:
    terms = PaymentTerms.parse("EUR10.005 advance, balance net 30")
    with pytest.raises(InvalidTermsError, match="line 1 amount"):
        terms.schedule(D(2024, 1, 1), eur("100.00"))


def test_fixed_line_in_other_currency_is_refused() -> None:
    terms = PaymentTerms.parse("USD100.00 advance, balance net 30")
    with pytest.raises(CurrencyMismatchError):
        terms.schedule(D(2024, 1, 1), eur("1000.00"))


# ------------------------------------------------------------------------------ due dates


@pytest.mark.parametrize(
    ("steps", "start", "expected"),
    [
        ("30", D(2022, 1, 31), D(2022, 3, 2)),
        ("2w", D(2015, 3, 2), D(2015, 3, 16)),
        ("1m", D(2024, 1, 31), D(2024, 2, 29)),
        ("1m", D(2023, 1, 31), D(2023, 2, 28)),
        ("eom+10", D(2024, 2, 3), D(2024, 3, 10)),
        ("eom+day31", D(2024, 10, 3), D(2024, 11, 30)),  # day 31 in November is the 30th
        ("1m+eom", D(2025, 2, 10), D(2025, 3, 31)),  # months after end of invoice month
        ("2m+eom", D(2024, 12, 31), D(2025, 2, 28)),
        ("day10", D(2024, 12, 5), D(2025, 1, 10)),  # 10th prox, year roll-over
        ("day15m2", D(2024, 1, 20), D(2024, 3, 15)),  # fixed day plus extra months
        ("day31m0", D(2024, 4, 2), D(2024, 4, 30)),
        ("cut25+eom+10", D(2024, 3, 26), D(2024, 5, 10)),  # EOM 25th rule
        ("cut25+eom+10", D(2024, 3, 25), D(2024, 4, 10)),
        ("pay5|20", D(2024, 1, 6), D(2024, 1, 20)),
        ("pay5|20", D(2024, 1, 21), D(2024, 2, 5)),
        ("pay5|20", D(2024, 1, 20), D(2024, 1, 20)),
        ("pay31", D(2024, 2, 10), D(2024, 2, 29)),
        ("lim(15:day31m0;31:day15)", D(2024, 1, 15), D(2024, 1, 31)),  # SAP day limits
        ("lim(15:day31m0;31:day15)", D(2024, 1, 16), D(2024, 2, 15)),
        ("post2015-03-16>2015-03-17", D(2015, 3, 16), D(2015, 3, 17)),
        ("-10+eom+10", D(2022, 1, 10), D(2022, 1, 10)),
    ],
)
def test_date_rules(steps: str, start: dt.date, expected: dt.date) -> None:
    assert apply_steps(parse_steps(steps), start) == expected


def test_months_count_from_the_original_date_not_month_by_month() -> None:
    terms = PaymentTerms(
        lines=(
            TermLine.of_percent("33.33", "1m"),
            TermLine.of_percent("33.33", "2m"),
            TermLine.balance("3m"),
        )
    )
    got = [i.due_date for i in terms.schedule(D(2023, 1, 31), eur("1000.00")).instalments]
    assert got == [D(2023, 2, 28), D(2023, 3, 31), D(2023, 4, 30)]
    # Consecutive month steps also count together (1m+1m is 2m, not Feb 28 -> Mar 28).
    assert apply_steps((AddMonths(1), AddMonths(1)), D(2023, 1, 31)) == D(2023, 3, 31)


def test_chained_lines_count_from_the_previous_due_date() -> None:
    terms = PaymentTerms.parse("50% net 1m, balance then 1m")
    s = terms.schedule(D(2023, 1, 31), eur("100.00"))
    assert [i.due_date for i in s.instalments] == [D(2023, 2, 28), D(2023, 3, 28)]
    assert "#2 50.00 EUR (the balance) due 2023-03-28 = previous due date + 1m" in s.explain()


def test_explain_names_rolls_and_rounding() -> None:
    cal = WeekendCalendar(holidays=[D(2024, 9, 2)])
    s = PaymentTerms.parse("40% net 30, balance net 31 roll=following").schedule(
        D(2024, 8, 1), eur("0.05"), calendar=cal
    )
    assert s.explain().splitlines()[2:] == [
        (
            "#1 0.02 EUR (40% of 0.05, rounded HALF_UP to 0.01) due 2024-09-03 = baseline + 30d "
            "(2024-08-31 rolled following)"
        ),
        "#2 0.03 EUR (the balance) due 2024-09-03 = baseline + 31d (2024-09-01 rolled following)",
    ]


def test_dates_beyond_the_calendar_are_terms_errors() -> None:
    far = PaymentTerms(lines=(TermLine.balance((AddMonths(9_999), AddMonths(9_999))),))
    with pytest.raises(InvalidTermsError, match="leaves the calendar"):
        far.schedule(D(9000, 1, 1), eur("1.00"))
    with pytest.raises(InvalidTermsError, match="leaves the calendar"):
        PaymentTerms.parse("net 30").schedule(D(9999, 12, 15), eur("1.00"))
    with pytest.raises(InvalidTermsError, match="leave the calendar"):
        PaymentTerms.parse("net 0 baseline=1m").schedule(D(9999, 12, 15), eur("1.00"))
    with pytest.raises(InvalidTermsError, match="beyond"):
        AddDays(100_000)
    assert PaymentTerms.parse(str(far)) == far


def test_step_validation() -> None:
    with pytest.raises(InvalidTermsError):
        MonthDay(32)
    with pytest.raises(InvalidTermsError):
        PaymentDays([])
    with pytest.raises(InvalidTermsError):
        CutOff(0)
    with pytest.raises(InvalidTermsError):
        DayLimit([(15, (EndOfMonth(),))])  # must end with 31
    with pytest.raises(InvalidTermsError):
        AddDays(True)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ baselines


def test_baseline_sources() -> None:
    rog = PaymentTerms.parse("2/10 net 30 ROG")
    s = rog.schedule(D(2024, 1, 1), eur("100.00"), delivery_date=D(2024, 1, 11))
    assert s.baseline_date == D(2024, 1, 11)
    assert s.instalments[0].due_date == D(2024, 2, 10)
    assert s.instalments[0].discounts[0].deadline == D(2024, 1, 21)
    with pytest.raises(InvalidTermsError, match="delivery_date"):
        rog.schedule(D(2024, 1, 1), eur("100.00"))
    roi = PaymentTerms.parse("net 30 ROI")
    assert roi.schedule(D(2024, 1, 1), eur("1.00"), receipt_date=D(2024, 1, 3)).due_date == D(
        2024, 2, 2
    )
    cod = PaymentTerms.parse("COD")
    assert cod.baseline is BaselineSource.DOCUMENT
    explicit = PaymentTerms.parse("net 30 EOM").schedule(
        D(2024, 1, 10), eur("1.00"), baseline_date=D(2024, 1, 20)
    )
    assert explicit.baseline_date == D(2024, 1, 20)  # explicit: baseline rules not applied
    assert explicit.due_date == D(2024, 2, 19)


# -------------------------------------------------------------------------- business days


def test_business_day_conventions_on_due_dates_and_deadlines() -> None:
    cal = WeekendCalendar(holidays=[D(2024, 9, 2)])
    following = PaymentTerms.parse("2/30 net 30 roll=following")
    s = following.schedule(D(2024, 8, 1), eur("100.00"), calendar=cal)
    assert s.due_date == D(2024, 9, 3)
    assert s.instalments[0].discounts[0].deadline == D(2024, 9, 3)  # deadlines roll too
    modified = PaymentTerms.parse("net 30 roll=modified_following")
    assert modified.schedule(D(2024, 8, 1), eur("1.00"), calendar=cal).due_date == D(2024, 8, 30)
    preceding = PaymentTerms.parse("net 30 roll=preceding")
    assert preceding.schedule(D(2024, 8, 1), eur("1.00"), calendar=cal).due_date == D(2024, 8, 30)
    none = PaymentTerms.parse("net 30")
    assert none.schedule(D(2024, 8, 1), eur("1.00"), calendar=cal).due_date == D(2024, 8, 31)
    # Without a calendar, a convention rolls over Saturdays and Sundays only.
    assert following.schedule(D(2024, 8, 1), eur("1.00")).due_date == D(2024, 9, 2)


# -------------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (RemainderPolicy.LAST, ["0.03", "0.03", "0.04"]),
        (RemainderPolicy.FIRST, ["0.04", "0.03", "0.03"]),
        (RemainderPolicy.LARGEST_REMAINDER, ["0.03", "0.04", "0.03"]),
    ],
)
def test_remainder_policy_without_balance_line(
    policy: RemainderPolicy, expected: list[str]
) -> None:
    lines = (
        TermLine.of_percent("33.33", 30),
        TermLine.of_percent("33.34", 60),
        TermLine.of_percent("33.33", 90),
    )
    terms = PaymentTerms(lines=lines, remainder=policy)
    got = [str(i.amount.amount) for i in terms.schedule(D(2024, 1, 1), eur("0.10")).instalments]
    assert got == expected


def test_rounding_up_never_pushes_instalments_past_the_total() -> None:
    # 25% of 0.02 is 0.005, half-up 0.01 three times: the third line is cut to fit.
    terms = PaymentTerms.parse("25% net 10, 25% net 20, 25% net 30, balance net 40")
    got = [str(i.amount.amount) for i in terms.schedule(D(2024, 1, 1), eur("0.02")).instalments]
    assert got == ["0.01", "0.01", "0.00", "0.00"]


def test_rounding_step_and_cash_rounding() -> None:
    terms = PaymentTerms.parse("33% net 10, 33% net 20, balance net 30")
    stepped = terms.schedule(
        D(2024, 1, 1), money("100001", "JPY"), rounding=RoundingPolicy(step=Decimal("100"))
    )
    assert [str(i.amount.amount) for i in stepped.instalments] == ["33000", "33000", "34001"]
    cash = terms.schedule(D(2024, 1, 1), money("100.00", "CHF"), cash_rounding=CashRounding())
    assert [str(i.amount.amount) for i in cash.instalments] == ["33.00", "33.00", "34.00"]
    cash2 = PaymentTerms.parse("2/10 net 30").schedule(
        D(2024, 1, 1), money("10.35", "CHF"), cash_rounding=CashRounding()
    )
    offer = cash2.instalments[0].discounts[0]
    assert offer.amount_due == money("10.15", "CHF")  # 10.143 to the 0.05 cash step
    assert offer.amount == money("0.20", "CHF")


def test_rounding_tie_rule_is_the_policy() -> None:
    terms = PaymentTerms.parse("50% advance, balance advance")
    half_up = terms.schedule(D(2016, 1, 1), money("0.03", "USD"))
    half_even = terms.schedule(
        D(2016, 1, 1), money("0.03", "USD"), rounding=RoundingPolicy(rounding=Rounding.HALF_EVEN)
    )
    assert [i.amount.amount for i in half_up.instalments] == [Decimal("0.02"), Decimal("0.01")]
    assert [i.amount.amount for i in half_even.instalments] == [Decimal("0.02"), Decimal("0.01")]
    down = terms.schedule(
        D(2016, 1, 1), money("0.03", "USD"), rounding=RoundingPolicy(rounding=Rounding.DOWN)
    )
    assert [i.amount.amount for i in down.instalments] == [Decimal("0.01"), Decimal("0.02")]


def test_total_must_be_at_the_minor_unit_and_not_negative() -> None:
    terms = PaymentTerms.parse("net 30")
    with pytest.raises(InvalidTermsError):
        terms.schedule(D(2024, 1, 1), eur("10.005"))
    with pytest.raises(InvalidTermsError):
        terms.schedule(D(2024, 1, 1), eur("-10.00"))


# ------------------------------------------------------------------------------ discounts


def test_discount_bases_and_split() -> None:
    day = D(2024, 1, 10)
    total, untaxed = money("236.00", "INR"), money("200.00", "INR")
    plain = PaymentTerms.parse("10/1 net 2").schedule(day, total, untaxed=untaxed)
    offer = plain.instalments[0].discounts[0]
    assert (offer.amount.amount, offer.untaxed_part, offer.tax_part) == (
        Decimal("23.60"),
        money("23.60", "INR"),
        money("0.00", "INR"),
    )
    mixed = PaymentTerms.parse("10/1 net 2 base=mixed").schedule(day, total, untaxed=untaxed)
    offer = mixed.instalments[0].discounts[0]
    assert offer.untaxed_part == money("20.00", "INR")
    assert offer.tax_part == money("3.60", "INR")
    net = PaymentTerms.parse("10/1 net 2 base=untaxed").schedule(
        day, total, tax=money("36.00", "INR")
    )
    offer = net.instalments[0].discounts[0]
    assert offer.amount == money("20.00", "INR")
    assert offer.base == untaxed
    with pytest.raises(InvalidTermsError, match="untaxed"):
        PaymentTerms.parse("10/1 net 2 base=untaxed").schedule(day, total)
    with pytest.raises(InvalidTermsError):
        PaymentTerms.parse("10/1 net 2").schedule(day, total, untaxed=untaxed, tax=untaxed)


def test_discount_never_exceeds_the_amount_due_even_when_untaxed_is_larger() -> None:
    # An invoice with a prepayment: 10.00 left to pay on an untaxed 100.00.
    for scope in ("invoice", "instalment"):
        terms = PaymentTerms.parse(f"50/10 net 30 base=untaxed scope={scope}")
        s = terms.schedule(D(2024, 1, 1), eur("10.00"), untaxed=eur("100.00"))
        offer = s.instalments[0].discounts[0]
        assert offer.amount == eur("10.00")
        assert offer.amount_due == eur("0.00")


def test_invoice_scope_shares_one_discount_over_instalments() -> None:
    terms = PaymentTerms.parse("2/10 30% advance, balance net 60")
    s = terms.schedule(D(2024, 1, 1), eur("1000.01"))
    shares = [i.discounts[0].amount.amount for i in s.instalments]
    assert sum(shares) == Decimal("20.00") == s.discounts[0].amount.amount
    per = PaymentTerms.parse("2/10 30% advance, balance net 60 scope=instalment")
    s2 = per.schedule(D(2024, 1, 1), eur("1000.01"))
    assert [i.discounts[0].amount.amount for i in s2.instalments] == [
        Decimal("6.00"),
        Decimal("14.00"),
    ]


def test_fixed_discount_tier() -> None:
    s = PaymentTerms.parse("EUR15.00/10 net 30").schedule(D(2024, 1, 1), eur("1000.00"))
    offer = s.instalments[0].discounts[0]
    assert offer.amount == eur("15.00")
    assert offer.percent is None
    assert s.cost_of_forgoing().percent == Decimal("1.5")


def test_discount_for_payments_full_only_and_pro_rata() -> None:
    full = PaymentTerms.parse("3/14 2/30 net 45").schedule(D(2024, 1, 1), eur("1000.00"))
    assert full.discount_for(eur("970.00"), D(2024, 1, 15)).amount == eur("30.00")  # inclusive
    # A day late for 3%: 2% is open, but 970 does not settle 1000 - 20 in full.
    assert full.discount_for(eur("970.00"), D(2024, 1, 16)).amount == eur("0")
    assert full.discount_for(eur("980.00"), D(2024, 1, 31)).amount == eur("20.00")
    assert full.discount_for(eur("980.00"), D(2024, 2, 1)).amount == eur("0")
    assert full.discount_for(eur("500.00"), D(2024, 1, 2)).amount == eur("0")  # not in full
    earned = full.discount_for(eur("1000.00"), D(2024, 1, 2))
    assert earned.amount == eur("30.00")  # overpaying still earns it
    assert earned.settles == eur("1030.00")
    pro = PaymentTerms.parse("3/14 2/30 net 45 partial=pro_rata").schedule(
        D(2024, 1, 1), eur("1000.00")
    )
    half = pro.discount_for(eur("485.00"), D(2024, 1, 2))
    assert half.amount == eur("15.00")
    assert half.rule is PartialPayment.PRO_RATA
    assert half.settles == eur("500.00")
    rest = pro.discount_for(eur("485.00"), D(2024, 1, 2), open_amount=eur("500.00"))
    assert rest.amount == eur("15.00")
    with pytest.raises(CurrencyMismatchError):
        full.discount_for(money("970.00", "USD"), D(2024, 1, 2))


def test_discount_earned_from_an_open_items_offers() -> None:
    from o2c.terms import DiscountOffer, discount_earned

    offers = (
        DiscountOffer(deadline=D(2024, 1, 15), amount=eur("30.00"), tier=1),
        DiscountOffer(deadline=D(2024, 1, 31), amount=eur("20.00"), tier=2),
    )
    total = eur("1000.00")
    assert discount_earned(offers, eur("970.00"), D(2024, 1, 15), amount=total).amount == eur(
        "30.00"
    )
    later = discount_earned(offers, eur("980.00"), D(2024, 1, 20), amount=total)
    assert later.amount == eur("20.00")
    assert later.offers == (offers[1],)
    assert discount_earned(offers, eur("980.00"), D(2024, 2, 1), amount=total).offers == ()
    rest = discount_earned(
        offers, eur("485.00"), D(2024, 1, 2), amount=total, open_amount=eur("500.00")
    )
    assert rest.amount == eur("15.00")  # half is open: half the discount
    with pytest.raises(CurrencyMismatchError):
        discount_earned(offers, money("970.00", "USD"), D(2024, 1, 2), amount=total)


def test_discount_for_one_instalment() -> None:
    s = PaymentTerms.parse("10% net 2 with 10/1, balance net 8 with 20/7").schedule(
        D(2016, 1, 1), eur("1150.00")
    )
    assert s.discount_for(eur("103.50"), D(2016, 1, 2), instalment=1).amount == eur("11.50")
    assert s.discount_for(eur("103.50"), D(2016, 1, 3), instalment=1).amount == eur("0")
    with pytest.raises(InvalidTermsError):
        s.discount_for(eur("1.00"), D(2016, 1, 2), instalment=3)


@pytest.mark.parametrize(
    ("year_days", "nominal", "effective"),
    [(360, "0.3673", "0.4386"), (365, "0.3724", "0.4459")],
)
def test_annualised_cost_of_forgoing(year_days: int, nominal: str, effective: str) -> None:
    cost = forgone_discount_cost("2", 10, 30, year_days=year_days)
    q = Decimal("0.0001")
    assert cost.nominal.quantize(q) == Decimal(nominal)
    assert cost.effective.quantize(q) == Decimal(effective)
    assert cost.days == 20
    assert cost.year_days == year_days
    with pytest.raises(InvalidTermsError):
        forgone_discount_cost("2", 30, 30)


# ----------------------------------------------------------------------------- properties


@given(terms_with_totals(), dated_calendars())
def test_instalments_sum_exactly_to_the_total_in_every_currency(
    case: tuple[PaymentTerms, Money], dated: tuple[dt.date, WeekendCalendar]
) -> None:
    terms, total = case
    day, calendar = dated
    s = terms.schedule(
        day,
        total,
        untaxed=total,
        delivery_date=day,
        receipt_date=day,
        calendar=calendar,
    )
    assert sum(i.amount.amount for i in s.instalments) == total.amount
    assert len(s.instalments) == len(terms.lines)
    explained = s.explain()
    assert all(f"due {i.due_date}" in explained for i in s.instalments)
    for inst in s.instalments:
        assert inst.amount.amount >= 0
        assert inst.amount.currency == total.currency
        to_minor(inst.amount)  # at the minor unit (raises otherwise)
        if terms.convention is not BusinessDayConvention.NONE:
            assert calendar.is_business_day(inst.due_date)
            assert all(calendar.is_business_day(o.deadline) for o in inst.discounts)


# A negative tax share stands for an amount due below the untaxed amount (a prepaid invoice).
@given(terms_with_totals(), document_dates, st.integers(min_value=-100, max_value=100))
def test_discount_never_exceeds_what_it_applies_to(
    case: tuple[PaymentTerms, Money], day: dt.date, tax_share: int
) -> None:
    terms, total = case
    untaxed = money((total.amount * (100 - tax_share) / 100).quantize(total.amount), total.currency)
    s = terms.schedule(day, total, untaxed=untaxed, delivery_date=day, receipt_date=day)
    for inst in s.instalments:
        assert inst.untaxed is not None
        assert inst.tax is not None
        assert inst.untaxed.amount + inst.tax.amount == inst.amount.amount
        for offer in inst.discounts:
            assert 0 <= offer.amount.amount <= inst.amount.amount
            assert offer.base is not None
            assert offer.amount.amount <= max(offer.base.amount, 0)
            if terms.discount_base is DiscountBase.UNTAXED:
                assert offer.amount.amount <= inst.untaxed.amount
            assert offer.amount_due is not None
            assert offer.amount.amount + offer.amount_due.amount == inst.amount.amount
            assert offer.untaxed_part is not None
            assert offer.tax_part is not None
            assert offer.untaxed_part.amount + offer.tax_part.amount == offer.amount.amount
            assert offer.untaxed_part.amount >= 0
            assert offer.tax_part.amount >= 0
        # Paying the discounted amount on the deadline earns exactly the offer.
        for offer in inst.discounts:
            best = inst.offer_on(offer.deadline)
            assert best is not None
            assert offer.amount_due is not None
            earned = s.discount_for(
                inst.amount - best.amount, offer.deadline, instalment=inst.number
            )
            assert earned.amount == best.amount
    if terms.discount_scope is DiscountScope.INVOICE:
        for whole in s.discounts:
            assert 0 <= whole.amount.amount <= total.amount


@given(st.sampled_from(["EUR", "JPY", "KWD", "CLF"]).flatmap(payment_terms))
def test_printed_terms_parse_back_equal(terms: PaymentTerms) -> None:
    text = str(terms)
    assert PaymentTerms.parse(text) == terms
    assert str(PaymentTerms.parse(text)) == text


@given(step_sequences(max_size=4), document_dates)
def test_step_notation_round_trips_and_applies_identically(
    steps: tuple[object, ...], day: dt.date
) -> None:
    from o2c.terms import steps_notation

    text = steps_notation(steps)  # type: ignore[arg-type]
    assert parse_steps(text) == steps
    assert apply_steps(parse_steps(text), day) == apply_steps(steps, day)  # type: ignore[arg-type]


@given(
    document_dates,
    st.lists(st.integers(min_value=-30, max_value=30), min_size=1, max_size=4),
)
def test_month_steps_never_drift(day: dt.date, months: list[int]) -> None:
    steps = tuple(AddMonths(m) for m in months)
    assert apply_steps(steps, day) == day + relativedelta(months=sum(months))


def _parse_or_error(text: str) -> tuple[PaymentTerms | None, InvalidTermsError | None]:
    """Parse, returning the error instead of raising it (any other exception propagates)."""
    try:
        return PaymentTerms.parse(text), None
    except InvalidTermsError as exc:
        return None, exc


@given(st.text(max_size=40))
def test_junk_text_raises_only_invalid_terms(text: str) -> None:
    terms, exc = _parse_or_error(text)
    if exc is not None:
        assert exc.position is not None
        assert 0 <= exc.position <= len(text)
    else:
        assert terms is not None
        assert PaymentTerms.parse(str(terms)) == terms


@given(
    st.lists(
        st.sampled_from(
            [
                "2/10",
                "net",
                "30",
                "n/30",
                "EOM",
                "3%",
                "14",
                "days",
                "advance",
                "10th",
                "prox",
                "balance",
                "with",
                "then",
                "1m+eom",
                "ROG",
                "70%",
                "base=mixed",
                "21",
                "MFI",
                ",",
            ]
        ),
        max_size=8,
    ).map(" ".join)
)
def test_near_miss_notation_parses_or_raises_terms_error(text: str) -> None:
    terms, exc = _parse_or_error(text)
    if exc is not None:
        assert isinstance(exc, O2CError)
        assert exc.token is not None
    else:
        assert terms is not None
        assert PaymentTerms.parse(str(terms)) == terms


def test_line_kinds_are_an_enum() -> None:
    assert {k.value for k in LineKind} == {"percent", "fixed", "balance"}


@given(
    st.integers(min_value=1, max_value=4999).map(lambda u: Decimal(u).scaleb(-2)),
    st.integers(min_value=0, max_value=10**8),
    st.integers(min_value=0, max_value=10**8),
    st.integers(min_value=0, max_value=40),
)
def test_earned_discount_is_bounded_and_monotone(
    percent: Decimal, total_units: int, paid_units: int, day: int
) -> None:
    from o2c.terms import discount_earned

    total = money(Decimal(total_units).scaleb(-2), EUR)
    terms = PaymentTerms.net(30, discounts=[DiscountTier.of(percent=percent, days=10)])
    s = terms.schedule(D(2024, 1, 1), total)
    (offer,) = s.instalments[0].discounts
    on = D(2024, 1, 1) + dt.timedelta(days=day)
    paid = money(Decimal(paid_units).scaleb(-2), EUR)
    more = paid + eur("0.01")
    results = {}
    for rule in PartialPayment:
        earned = discount_earned([offer], paid, on, amount=total, rule=rule).amount
        bigger = discount_earned([offer], more, on, amount=total, rule=rule).amount
        assert eur("0") <= earned <= offer.amount
        assert earned <= bigger  # paying more never earns less
        if on > offer.deadline:
            assert earned.amount == 0
        results[rule] = earned
    assert results[PartialPayment.FULL_ONLY] <= results[PartialPayment.PRO_RATA]


# --------------------------------------------------------------------------------------------
# Month steps: o2c's month arithmetic is relativedelta's


@given(
    st.dates(),
    st.one_of(st.integers(min_value=-30, max_value=30), st.integers(-120_000, 120_000)),
)
def test_month_steps_add_months_as_relativedelta_does(day: dt.date, months: int) -> None:
    from o2c.terms.steps import _add_months

    try:
        expected: object = day + relativedelta(months=months)
    except ValueError:
        expected = ValueError
    try:
        got: object = _add_months(day, months)
    except ValueError:
        got = ValueError
    assert got == expected


# --------------------------------------------------------------------------------------------
# One path: a plan compiled once per terms, run for every document


def _attempt(terms: PaymentTerms, day: dt.date, total: Money, **kw: object) -> Any:
    """The schedule, or the error as (type, message)."""
    try:
        return terms.schedule(day, total, **kw)  # type: ignore[arg-type]
    except O2CError as exc:
        return (type(exc), str(exc))


def _fresh(terms: PaymentTerms) -> PaymentTerms:
    """Equal terms that have not compiled their plan yet."""
    return attrs.evolve(terms)


def _check_offers(schedule: Any) -> None:
    """Every offer is at most its instalment and at least zero; the rest is what is left."""
    for inst in schedule.instalments:
        for offer in inst.discounts:
            assert 0 <= offer.amount.amount <= inst.amount.amount
            assert offer.amount_due is not None
            assert offer.amount_due.amount == inst.amount.amount - offer.amount.amount


#: Common terms (percent lines, one balance line, percentage tiers on the total).
SIMPLE_TERMS = [
    "net 30",
    "2/10 net 30",
    "3/14 2/30 net 60",
    "3/14 2/30 30% advance, 30% net 1m, balance net 60 scope=instalment",
    "1.5/10 33.333% net 10, 33.333% then 30, balance then 30 scope=instalment",
    "2/eom+10d net 1m+eom",
    "due on receipt",
    "COD",
]


@pytest.mark.parametrize(
    "text",
    [
        *SIMPLE_TERMS,
        "2/10 net 30 base=untaxed",
        "net 30 roll=following",
        "EUR10/10 net 30",
        "30% advance, 70% net 60",
        "2/10 30% advance, balance net 60",
    ],
)
def test_the_plan_is_compiled_once_and_is_not_part_of_the_terms_value(text: str) -> None:
    terms = PaymentTerms.parse(text)
    again = PaymentTerms.parse(text)
    assert terms._plan is terms._plan  # compiled once, kept on the terms
    assert terms._plan is not again._plan
    assert terms._plan == again._plan  # the same terms compile to the same plan
    assert terms == again
    assert hash(terms) == hash(again)
    assert repr(terms) == repr(again)
    assert "_plan" not in {f.name for f in attrs.fields(PaymentTerms)}


@given(terms_with_totals(), document_dates)
def test_schedules_built_by_keyword_builders_are_the_ones_init_builds(
    terms_total: tuple[PaymentTerms, Money], day: dt.date
) -> None:
    # The schedule's hot loop builds its values with keyword builders (o2c._build): they take
    # every field, and what they build is what __init__ builds from the same fields.
    from o2c.terms.model import Schedule, _new_schedule
    from o2c.terms.offers import DiscountOffer, Instalment, _new_instalment, _new_offer

    for new, cls in [(_new_offer, DiscountOffer), (_new_instalment, Instalment)]:
        assert new.__code__.co_kwonlyargcount == len(attrs.fields(cls)), cls.__name__
    assert _new_schedule.__code__.co_kwonlyargcount == len(attrs.fields(Schedule))
    terms, total = terms_total
    s = _attempt(terms, day, total)
    if isinstance(s, tuple):
        return
    rebuilt = attrs.evolve(
        s,
        instalments=tuple(
            attrs.evolve(i, discounts=tuple(attrs.evolve(o) for o in i.discounts))
            for i in s.instalments
        ),
    )
    assert rebuilt == s
    assert repr(rebuilt) == repr(s)


def test_there_is_no_second_path_to_switch() -> None:
    from o2c import terms as terms_module
    from o2c.terms import schedule as schedule_module

    for module in (terms_module, schedule_module):
        assert not hasattr(module, "_FAST_PATH")
        assert not hasattr(module, "_TERMS_PLANS")


@given(
    st.sampled_from(SIMPLE_TERMS),
    document_dates,
    st.sampled_from(["EUR", "JPY", "KWD"]),
    st.integers(min_value=0, max_value=10**9),
    st.sampled_from(list(Rounding)),
    st.sampled_from([None, Decimal("0.05"), Decimal("1")]),
)
def test_a_kept_plan_gives_the_schedule_of_a_fresh_one(
    text: str,
    day: dt.date,
    code: str,
    units: int,
    mode: Rounding,
    step: Decimal | None,
) -> None:
    terms = PaymentTerms.parse(text)
    total = from_minor(units, code)
    rounding = RoundingPolicy(rounding=mode, step=step)
    terms.schedule(D(2024, 1, 1), from_minor(1, code), rounding=rounding)  # compiles the plan
    kept = _attempt(terms, day, total, rounding=rounding)
    fresh = _attempt(_fresh(terms), day, total, rounding=rounding)
    assert kept == fresh
    assert repr(kept) == repr(fresh)  # the same amounts with the same exponents
    if not isinstance(kept, tuple):
        assert sum(i.amount.amount for i in kept.instalments) == total.amount
        _check_offers(kept)


@given(terms_with_totals(), document_dates)
def test_a_kept_plan_gives_the_schedule_of_a_fresh_one_for_any_terms(
    terms_total: tuple[PaymentTerms, Money], day: dt.date
) -> None:
    terms, total = terms_total
    first = _attempt(terms, day, total)
    again = _attempt(terms, day, total)
    fresh = _attempt(_fresh(terms), day, total)
    assert first == again == fresh
    assert repr(first) == repr(fresh)


@given(
    st.sampled_from(
        [
            "2/10 net 30",
            "3/14 2/30 net 60",
            "99.99/10 net 30",
            "2/eom+10d net 1m+eom",
            "2/10 net 30 roll=following",
            "EUR5/10 2/20 net 30",
        ]
    ),
    document_dates,
    st.sampled_from(["EUR", "JPY", "KWD"]),
    st.integers(min_value=0, max_value=10**9),
    st.sampled_from(["as is", "normalized", "one more digit"]),
    st.sampled_from(list(Rounding)),
)
def test_one_instalments_offer_is_the_invoices_as_if_spread(
    text: str, day: dt.date, code: str, units: int, written: str, mode: Rounding
) -> None:
    # With one instalment the schedule gives the invoice the instalment's own offer when the
    # instalment is the total as written; spreading the invoice's offer gives the same, digit
    # for digit.
    from unittest import mock

    from o2c.terms import schedule as schedule_module

    amount = from_minor(units, code).amount
    if written == "normalized":
        amount = amount.normalize()
    elif written == "one more digit":
        amount = amount.quantize(Decimal(1).scaleb(amount.as_tuple().exponent - 1))  # type: ignore[operator]
    total = money(amount, code)
    terms = PaymentTerms.parse(text.replace("EUR", code))
    rounding = RoundingPolicy(rounding=mode)
    shared = _attempt(terms, day, total, rounding=rounding)
    with mock.patch.object(schedule_module, "_is_the_total", return_value=False):
        spread = _attempt(_fresh(terms), day, total, rounding=rounding)
    assert shared == spread
    assert repr(shared) == repr(spread)


@pytest.mark.parametrize("total", ["1E+3", "1000", "0", "0.01", "5.0"])
def test_the_schedule_keeps_the_total_as_written(total: str) -> None:
    s = PaymentTerms.parse("2/10 net 30").schedule(D(2026, 3, 2), eur(total))
    assert repr(s.total) == repr(eur(total))
    assert sum(i.amount.amount for i in s.instalments) == eur(total).amount
    (offer,) = s.discounts
    assert offer == s.instalments[0].discounts[0]
    _check_offers(s)


def test_a_date_beyond_the_calendar_is_reported() -> None:
    got = _attempt(PaymentTerms.parse("2/10 net 30"), D(9999, 12, 20), eur("10"))
    assert isinstance(got, tuple)
    assert got[0] is InvalidTermsError
    assert "leaves the calendar" in got[1]


def test_run_records_are_built_in_field_order() -> None:
    """A schedule run builds its document workspace and its parts in C from their values in
    field order: the values land in the fields they are meant for (a reordered field fails)."""
    from o2c.money import money
    from o2c.terms.schedule import ScheduleParts, _Document, _document

    terms = PaymentTerms.parse("2/10 30% advance, balance net 30")
    plan = terms._plan
    total = money("100.00", "EUR")
    parts = plan.run(total, baseline=dt.date(2026, 3, 2), rounding=None, untaxed=total)
    assert type(parts) is ScheduleParts
    assert [i.amount for i in parts.instalments] == [money("30.00", "EUR"), money("70.00", "EUR")]
    assert parts.untaxed == total
    assert parts.tax == money("0.00", "EUR")
    assert [o.tier for o in parts.discounts] == [1]
    from o2c.terms.schedule import _steps

    doc = _document(plan, total, Decimal("100.00"), _steps(None, "EUR"), None)
    assert type(doc) is _Document
    assert doc.currency == total.currency
    assert doc.amount == Decimal("100.00")
    assert doc.unit == Decimal("0.01")
    assert doc.cash_step is None
    assert doc.amounts == [Decimal("30.00"), Decimal("70.00")]
    assert doc.moneys == [money("30.00", "EUR"), money("70.00", "EUR")]
    assert doc.base is terms.discount_base
    assert doc.untaxed_total == Decimal("100.00")
    assert doc.untaxed == [Decimal("30.00"), Decimal("70.00")]
    assert doc.tax == [Decimal("0.00"), Decimal("0.00")]
