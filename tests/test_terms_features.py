"""Terms features of issue 20: instalments as a percentage of the untaxed amount (OCA's "percent
of untaxed amount") and the rounding step carried by the terms (printed and parsed back)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.errors import InvalidTermsError
from o2c.money import Rounding, RoundingPolicy, money
from o2c.terms import LineKind, PaymentTerms, TermLine

DAY = dt.date(2026, 3, 2)


# ----------------------------------------------------------------------------- untaxed lines


def test_a_share_of_the_untaxed_amount_leaves_the_tax_to_the_balance() -> None:
    terms = PaymentTerms.parse("30% untaxed advance, balance net 30")
    line = terms.lines[0]
    assert (line.kind, line.percent, line.untaxed) == (LineKind.PERCENT, Decimal(30), True)
    assert terms.needs_untaxed
    s = terms.schedule(DAY, money("1190.00", "EUR"), untaxed=money("1000.00", "EUR"))
    assert [(i.due_date, i.amount.amount) for i in s.instalments] == [
        (DAY, Decimal("300.00")),
        (DAY + dt.timedelta(days=30), Decimal("890.00")),
    ]
    # tax= says the same as untaxed=
    by_tax = terms.schedule(DAY, money("1190.00", "EUR"), tax=money("190.00", "EUR"))
    assert by_tax.instalments == s.instalments
    assert "30% of the untaxed 1000.00" in s.explain()


def test_untaxed_lines_print_and_parse_back() -> None:
    for text in (
        "30% untaxed advance, balance net 30",
        "20% untaxed advance, 30% net 30, balance net 60",
        "10% untaxed advance with 2/5, balance net 30",
    ):
        terms = PaymentTerms.parse(text)
        assert str(terms) == text
        assert PaymentTerms.parse(str(terms)) == terms
    built = PaymentTerms(lines=(TermLine.of_percent(30, untaxed=True), TermLine.balance(30)))
    assert built == PaymentTerms.parse("30% untaxed advance, balance net 30")


def test_the_untaxed_amount_is_asked_for_only_when_needed() -> None:
    terms = PaymentTerms.parse("30% untaxed advance, balance net 30")
    with pytest.raises(InvalidTermsError, match=r"line 1 .* needs the untaxed amount") as err:
        terms.schedule(DAY, money("1190.00", "EUR"))
    assert err.value.field == "untaxed"
    assert not PaymentTerms.parse("30% advance, balance net 30").needs_untaxed
    assert PaymentTerms.parse("2/10 net 30 base=untaxed").needs_untaxed


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: TermLine(kind=LineKind.BALANCE, untaxed=True), "untaxed"),
        (lambda: TermLine.of_amount(money("10", "EUR"), untaxed=True), "untaxed"),
        (lambda: TermLine.of_percent(30, untaxed="yes"), "untaxed"),
        (
            lambda: PaymentTerms(
                lines=(
                    TermLine.of_percent(60, untaxed=True),
                    TermLine.of_percent(50, 10, untaxed=True),
                    TermLine.balance(30),
                )
            ),
            "lines",
        ),
    ],
)
def test_wrong_untaxed_lines_are_refused(build: object, field: str) -> None:
    with pytest.raises(InvalidTermsError) as err:
        build()  # type: ignore[operator]
    assert err.value.field == field


def test_untaxed_percentages_and_total_percentages_are_counted_apart() -> None:
    # 60% of the total and 60% of the untaxed amount may stand together (a balance takes the
    # rest); 100% of the untaxed amount without a balance must meet the total when scheduled.
    PaymentTerms.parse("60% advance, 60% untaxed net 30, balance net 60")
    whole = PaymentTerms.parse("100% untaxed net 30")
    assert whole.schedule(DAY, money("100.00", "EUR"), untaxed=money("100.00", "EUR")).instalments[
        0
    ].amount == money("100.00", "EUR")
    with pytest.raises(InvalidTermsError, match="add a balance line"):
        whole.schedule(DAY, money("119.00", "EUR"), untaxed=money("100.00", "EUR"))
    over = PaymentTerms.parse("60% advance, 60% untaxed net 30, balance net 60")
    with pytest.raises(InvalidTermsError, match="over the total") as err:
        over.schedule(DAY, money("119.00", "EUR"), untaxed=money("100.00", "EUR"))
    assert err.value.line == 2


@pytest.mark.parametrize("text", ["untaxed net 30", "30% untaxed untaxed net 30", "net untaxed"])
def test_untaxed_must_follow_a_percentage(text: str) -> None:
    with pytest.raises(InvalidTermsError) as err:
        PaymentTerms.parse(text)
    assert err.value.token == "untaxed"


@given(
    total=st.integers(min_value=0, max_value=10**9),
    tax_share=st.integers(min_value=0, max_value=100),
    percent=st.integers(min_value=1, max_value=100),
)
def test_untaxed_instalments_sum_to_the_total(total: int, tax_share: int, percent: int) -> None:
    gross = Decimal(total).scaleb(-2)
    tax = (gross * tax_share / 100).quantize(Decimal("0.01"))
    untaxed = gross - tax
    terms = PaymentTerms(lines=(TermLine.of_percent(percent, untaxed=True), TermLine.balance(30)))
    s = terms.schedule(DAY, money(gross, "EUR"), untaxed=money(untaxed, "EUR"))
    first, rest = (i.amount.amount for i in s.instalments)
    assert first + rest == gross
    assert first == (untaxed * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert rest >= tax


# ----------------------------------------------------------------------------- rounding


def test_the_terms_rounding_step_rounds_instalments_and_discounts() -> None:
    terms = PaymentTerms.parse("2/10 30% advance, balance net 30 round=10")
    assert terms.rounding == RoundingPolicy(step=Decimal(10))
    s = terms.schedule(DAY, money("1234.56", "EUR"))
    first, second = s.instalments
    assert first.amount.amount == Decimal(370)
    assert first.amount.amount + second.amount.amount == Decimal("1234.56")
    assert s.rounding == terms.rounding
    assert "rounded HALF_UP to 10" in s.explain()
    # the invoice's discount is rounded to the step (its shares on the instalments follow it)
    (offer,) = s.discounts
    assert offer.amount.amount == Decimal(20)  # 2% of 1234.56 = 24.69 -> 20
    assert sum(i.discounts[0].amount.amount for i in s.instalments) == offer.amount.amount


def test_the_terms_rounding_wins_over_the_callers() -> None:
    terms = PaymentTerms.parse("30% advance, balance net 30 round=1:down")
    caller = RoundingPolicy(Rounding.HALF_UP, step=Decimal("0.05"))
    s = terms.schedule(DAY, money("1234.56", "EUR"), rounding=caller)
    assert s.instalments[0].amount.amount == Decimal(370)  # 370.368 rounded down to 1
    assert s.rounding == RoundingPolicy(Rounding.DOWN, step=Decimal(1))
    plain = PaymentTerms.parse("30% advance, balance net 30")
    assert plain.rounding is None
    assert plain.schedule(DAY, money("1234.56", "EUR"), rounding=caller).instalments[
        0
    ].amount.amount == Decimal("370.35")


@pytest.mark.parametrize(
    ("text", "policy"),
    [
        ("net 30 round=1", RoundingPolicy(step=Decimal(1))),
        ("net 30 round=0.05", RoundingPolicy(step=Decimal("0.05"))),
        ("net 30 round=0.05:half_even", RoundingPolicy(Rounding.HALF_EVEN, Decimal("0.05"))),
        ("net 30 round=half_down", RoundingPolicy(Rounding.HALF_DOWN)),
        ("net 30 round=half_up", RoundingPolicy()),
        ("COD round=1", RoundingPolicy(step=Decimal(1))),
    ],
)
def test_rounding_prints_and_parses_back(text: str, policy: RoundingPolicy) -> None:
    terms = PaymentTerms.parse(text)
    assert terms.rounding == policy
    assert str(terms) == text
    assert PaymentTerms.parse(str(terms)) == terms
    assert terms != PaymentTerms.parse(text.split(" round=")[0])


@given(
    rule=st.sampled_from(list(Rounding)),
    step=st.none() | st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3),
)
def test_any_rounding_policy_round_trips_through_notation(
    rule: Rounding, step: Decimal | None
) -> None:
    terms = PaymentTerms.parse("30% advance, balance net 30")
    terms = PaymentTerms(lines=terms.lines, rounding=RoundingPolicy(rule, step=step))
    again = PaymentTerms.parse(str(terms))
    assert again == terms
    assert again.rounding == terms.rounding


@pytest.mark.parametrize(
    "text", ["net 30 round=", "net 30 round=0", "net 30 round=1:sideways", "net 30 round=-1"]
)
def test_a_wrong_rounding_is_named(text: str) -> None:
    with pytest.raises(InvalidTermsError) as err:
        PaymentTerms.parse(text)
    assert err.value.token is not None
    assert err.value.token.startswith("round=")


def test_rounding_must_be_a_policy() -> None:
    with pytest.raises(InvalidTermsError) as err:
        PaymentTerms(lines=(TermLine.balance(30),), rounding=Decimal(1))  # type: ignore[arg-type]
    assert err.value.field == "rounding"
