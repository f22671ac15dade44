"""Examples and properties of the money core."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.errors import (
    AllocationError,
    CurrencyMismatchError,
    FloatNotAllowedError,
    InvalidAmountError,
    MoneyParseError,
    O2CError,
    UnknownCurrencyError,
    ValidationError,
)
from o2c.money import (
    AMOUNT_INTEGER_DIGITS,
    CashRounding,
    RemainderPolicy,
    Rounding,
    RoundingPolicy,
    allocate,
    allocate_decimal,
    cash_increment,
    cash_round,
    check_amount,
    currency,
    format_money,
    from_minor,
    minor_unit,
    minor_units,
    money,
    parse_money,
    quantize,
    quantize_decimal,
    require_same_currency,
    rounder,
    sum_money,
    to_minor,
    zero,
)
from tests.strategies import CURRENCIES, currency_codes, moneys, raw_decimals, weights

# ------------------------------------------------------------------------------ currencies


@pytest.mark.parametrize(
    ("code", "digits"), [("JPY", 0), ("EUR", 2), ("USD", 2), ("KWD", 3), ("BHD", 3), ("CLF", 4)]
)
def test_minor_units_follow_iso_4217(code: str, digits: int) -> None:
    assert minor_units(code) == digits
    assert minor_unit(code) == Decimal(1).scaleb(-digits)


@pytest.mark.parametrize("code", ["XYZ", "EURO", "", "eu", 978, None])
def test_unknown_currency_is_a_lookup_error_naming_the_code(code: object) -> None:
    with pytest.raises(UnknownCurrencyError) as info:
        currency(code)  # type: ignore[arg-type]
    assert isinstance(info.value, LookupError)
    assert isinstance(info.value, O2CError)
    assert info.value.code == code
    assert repr(code) in str(info.value)


def test_currency_codes_are_case_insensitive() -> None:
    assert currency(" usd ").code == "USD"


# ---------------------------------------------------------------------------- construction


@pytest.mark.parametrize("amount", ["1.10", Decimal("1.10"), 11, "  -3.5 ", "1_000.25"])
def test_money_accepts_str_decimal_int(amount: object) -> None:
    m = money(amount, "EUR")  # type: ignore[arg-type]
    assert isinstance(m.amount, Decimal)
    assert m.currency.code == "EUR"


def test_money_keeps_the_amount_exactly() -> None:
    assert money("0.1", "EUR").amount + money("0.2", "EUR").amount == Decimal("0.3")
    assert money("1.005", "EUR").amount == Decimal("1.005")


@pytest.mark.parametrize("amount", [0.1, 1.0, float("nan")])
def test_money_refuses_floats_with_type_error(amount: float) -> None:
    with pytest.raises(FloatNotAllowedError) as info:
        money(amount, "EUR")  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError)
    assert info.value.field == "amount"
    assert "Decimal" in str(info.value)


@pytest.mark.parametrize(
    "amount",
    [
        "NaN",
        "sNaN",
        "Infinity",
        "-inf",
        Decimal("NaN"),
        Decimal("-Infinity"),
        "1,50",
        "",
        True,
        None,
        [1],
    ],
)
def test_money_refuses_non_finite_and_malformed(amount: object) -> None:
    with pytest.raises(InvalidAmountError) as info:
        money(amount, "EUR")  # type: ignore[arg-type]
    assert isinstance(info.value, ValueError)
    assert info.value.field == "amount"


def test_sum_money_works_for_empty_and_refuses_mixed() -> None:
    assert sum_money([], "KWD") == zero("KWD")
    assert sum_money(iter([money("1", "USD")] * 3), "USD") == money("3", "USD")
    with pytest.raises(CurrencyMismatchError) as info:
        sum_money([money("1", "USD"), money("1", "EUR")], "USD")
    assert (info.value.expected, info.value.got) == ("USD", "EUR")


# -------------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("amount", "rounding", "expected"),
    [
        ("2.345", Rounding.HALF_UP, "2.35"),
        ("-2.345", Rounding.HALF_UP, "-2.35"),
        ("2.345", Rounding.HALF_EVEN, "2.34"),
        ("2.355", Rounding.HALF_EVEN, "2.36"),
        ("2.341", Rounding.UP, "2.35"),
        ("-2.341", Rounding.UP, "-2.35"),
        ("2.349", Rounding.DOWN, "2.34"),
        ("-2.349", Rounding.DOWN, "-2.34"),
        ("-2.341", Rounding.CEILING, "-2.34"),
        ("-2.341", Rounding.FLOOR, "-2.35"),
        ("2.341", Rounding.CEILING, "2.35"),
    ],
)
def test_quantize_modes(amount: str, rounding: Rounding, expected: str) -> None:
    assert quantize(money(amount, "EUR"), rounding=rounding).amount == Decimal(expected)


@pytest.mark.parametrize(
    ("code", "amount", "expected"),
    [("JPY", "1234.5", "1235"), ("KWD", "1.2345", "1.235"), ("CLF", "1.23456", "1.2346")],
)
def test_quantize_to_minor_unit_per_currency(code: str, amount: str, expected: str) -> None:
    assert str(quantize(money(amount, code)).amount) == expected


def test_quantize_to_explicit_step() -> None:
    assert quantize(money("10.13", "EUR"), step=Decimal("0.05")).amount == Decimal("10.15")
    assert quantize(money("1249", "JPY"), step=Decimal("100")).amount == Decimal("1200")
    assert str(quantize(money("10.126", "EUR"), step=Decimal("0.001")).amount) == "10.126"


def test_steps_equal_in_value_but_not_in_form_round_alike() -> None:
    # Decimal("1") == Decimal("1.00"): a cache keyed on the value once made the second a 0.01 step.
    for step in (Decimal("1"), Decimal("1.00"), Decimal("1.0"), Decimal("1")):
        assert quantize(money("1088.24", "EUR"), step=step).amount == Decimal("1088")
    assert str(quantize(money("1088.24", "EUR"), step=Decimal("1.00")).amount) == "1088.00"
    assert allocate(money("3", "EUR"), [1, 2], step=Decimal("1.00"))[1].amount == Decimal("2")
    sek = CashRounding(overrides={"SEK": Decimal("1.00")})
    assert cash_round(money("10.49", "SEK")).amount == Decimal("10")
    assert sek.apply(money("10.49", "SEK")).amount == Decimal("10")


def test_rounding_policy_refuses_bad_step() -> None:
    with pytest.raises(O2CError):
        RoundingPolicy(step=Decimal("-0.05"))
    with pytest.raises(FloatNotAllowedError):
        RoundingPolicy(step=0.05)  # type: ignore[arg-type]


@given(
    currency_codes.flatmap(lambda c: st.tuples(st.just(c), raw_decimals())),
    st.sampled_from(Rounding),
)
def test_quantize_is_idempotent(case: tuple[str, Decimal], rounding: Rounding) -> None:
    code, raw = case
    once = quantize(money(raw, code), rounding=rounding)
    assert quantize(once, rounding=rounding) == once
    assert abs(once.amount - raw) < minor_unit(code)
    assert -once.amount.as_tuple().exponent == minor_units(code)  # type: ignore[operator]


@given(currency_codes.flatmap(lambda c: st.tuples(st.just(c), raw_decimals())))
def test_half_rounding_is_within_half_a_unit(case: tuple[str, Decimal]) -> None:
    code, raw = case
    for mode in (Rounding.HALF_UP, Rounding.HALF_EVEN, Rounding.HALF_DOWN):
        assert abs(quantize(money(raw, code), rounding=mode).amount - raw) <= minor_unit(code) / 2


# ---------------------------------------------------------------------------- cash rounding


@pytest.mark.parametrize(
    ("code", "amount", "expected"),
    [
        ("CHF", "10.02", "10.00"),
        ("CHF", "10.025", "10.05"),
        ("CHF", "10.074", "10.05"),
        ("DKK", "10.24", "10.00"),
        ("DKK", "10.25", "10.50"),
        ("SEK", "10.50", "11"),
        ("EUR", "10.005", "10.01"),
        ("JPY", "10.5", "11"),
    ],
)
def test_cash_round_uses_cldr_increments(code: str, amount: str, expected: str) -> None:
    assert cash_round(money(amount, code)).amount == Decimal(expected)


def test_cash_rounding_overrides() -> None:
    finland = CashRounding(overrides={"EUR": Decimal("0.05")})
    assert finland.increment("EUR") == Decimal("0.05")
    assert finland.apply(money("9.97", "EUR")).amount == Decimal("9.95")
    assert cash_increment("USD") == Decimal("0.01")


# ------------------------------------------------------------------------------ allocation


def test_allocate_examples() -> None:
    parts = allocate(money("100", "EUR"), [1, 1, 1])
    assert [p.amount for p in parts] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    parts = allocate(money("100", "EUR"), [1, 1, 1], policy=RemainderPolicy.FIRST)
    assert [p.amount for p in parts] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    parts = allocate(money("0.05", "EUR"), [0, 1, 1, 0], policy=RemainderPolicy.LAST)
    assert [p.amount for p in parts] == [0, Decimal("0.02"), Decimal("0.03"), 0]
    parts = allocate(money("0.05", "EUR"), [3, 0, 1, 1])
    assert [p.amount for p in parts] == [Decimal("0.03"), 0, Decimal("0.01"), Decimal("0.01")]


def test_allocate_largest_remainder_prefers_larger_fractions() -> None:
    # exact shares 0.5714.., 0.2857.., 0.1428.. of 0.10 → units 5.71, 2.86, 1.43 → 6, 3, 1
    parts = allocate(money("0.10", "EUR"), [4, 2, 1])
    assert [p.amount for p in parts] == [Decimal("0.06"), Decimal("0.03"), Decimal("0.01")]


def test_allocate_refuses_bad_input() -> None:
    with pytest.raises(AllocationError):
        allocate(money("1", "EUR"), [])
    with pytest.raises(AllocationError) as info:
        allocate(money("1", "EUR"), [1, -1])
    assert info.value.field == "weights[1]"
    with pytest.raises(AllocationError):
        allocate(money("1", "EUR"), [0, 0])
    with pytest.raises(AllocationError):
        allocate(money("1.005", "EUR"), [1, 1])
    with pytest.raises(FloatNotAllowedError):
        allocate(money("1", "EUR"), [0.5, 0.5])  # type: ignore[list-item]
    assert allocate(money("0", "EUR"), [0, 0]) == (zero("EUR"), zero("EUR"))


@given(
    moneys(),
    st.lists(weights, min_size=1, max_size=20).filter(lambda ws: sum(ws) > 0),
    st.sampled_from(RemainderPolicy),
)
def test_allocation_parts_sum_to_the_whole(total, ws, policy) -> None:  # type: ignore[no-untyped-def]
    parts = allocate(total, ws, policy=policy)
    assert len(parts) == len(ws)
    assert sum(p.amount for p in parts) == total.amount
    assert all(p.currency == total.currency for p in parts)
    unit = minor_unit(total.currency)
    for p, w in zip(parts, ws, strict=True):
        assert p.amount % unit == 0
        if w == 0:
            assert p.amount == 0
        # every part has the total's sign (or is zero)
        assert p.amount * total.amount >= 0


@given(moneys(), st.lists(weights, min_size=1, max_size=12).filter(lambda ws: sum(ws) > 0))
def test_largest_remainder_parts_are_within_one_unit_of_exact_share(total, ws) -> None:  # type: ignore[no-untyped-def]
    parts = allocate(total, ws)
    unit = minor_unit(total.currency)
    weight_sum = sum(Decimal(w) for w in ws)
    for p, w in zip(parts, ws, strict=True):
        exact = total.amount * Decimal(w) / weight_sum
        assert abs(p.amount - exact) < unit


@given(moneys(), st.lists(weights, min_size=1, max_size=8).filter(lambda ws: sum(ws) > 0))
def test_allocation_of_the_negation_is_the_negation(total, ws) -> None:  # type: ignore[no-untyped-def]
    assert [p.amount for p in allocate(-total, ws)] == [-p.amount for p in allocate(total, ws)]


@given(
    st.integers(-(10**9), 10**9),
    st.sampled_from(["0.05", "0.25", "1", "100"]),
    st.lists(weights, min_size=1, max_size=6).filter(lambda ws: sum(ws) > 0),
)
def test_allocate_decimal_with_a_step_sums_exactly(units: int, step: str, ws) -> None:  # type: ignore[no-untyped-def]
    amount = Decimal(units) * Decimal(step)
    parts = allocate_decimal(amount, ws, Decimal(step))
    assert sum(parts) == amount
    assert all(p % Decimal(step) == 0 for p in parts)


# ------------------------------------------------------------------------------ minor units


@given(moneys())
def test_minor_unit_round_trip(m) -> None:  # type: ignore[no-untyped-def]
    assert from_minor(to_minor(m), m.currency) == m


@given(currency_codes, st.integers(-(10**15 - 1), 10**15 - 1))
def test_from_minor_round_trip(code: str, units: int) -> None:
    assert to_minor(from_minor(units, code)) == units


@given(st.integers(min_value=-(10**20), max_value=10**20), st.integers(0, 4))
def test_amount_limit_is_exact_at_its_edges(units: int, places: int) -> None:
    value = Decimal(units).scaleb(-places)
    digits_before = len(str(abs(units) // 10**places)) if abs(units) >= 10**places else 0
    if digits_before <= AMOUNT_INTEGER_DIGITS:
        assert check_amount(value) == value
        assert money(value, "EUR").amount == value
    else:
        with pytest.raises(InvalidAmountError) as info:
            money(value, "EUR")
        assert info.value.field == "amount"


@pytest.mark.parametrize(
    "junk",
    [
        Decimal("1e999999"),
        Decimal("-1e-999999"),
        "1" * 5000,
        10**5000,
        "\u0661\u0662",  # Arabic-Indic digits
        "²",
        "1e-200",
        Decimal("0.12345678901"),  # 11 significant decimals
    ],
    ids=lambda junk: type(junk).__name__,
)
def test_out_of_range_amounts_are_one_clear_error(junk: object) -> None:
    with pytest.raises(InvalidAmountError) as info:
        money(junk, "EUR")  # type: ignore[arg-type]
    assert len(str(info.value)) < 400  # a huge value is shortened in the message


_JUNK = [
    None,
    1.5,
    True,
    [],
    "",
    "abc",
    "\x00",
    "\ud800",
    10**5000,
    -(10**40),
    0,
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("-Infinity"),
    Decimal("1e999999"),
    Decimal("1e-999999"),
    Decimal("1e-40"),
    Decimal("0.05"),
    Decimal(-1),
    "EUR",
    "XXX",
    "de_DE",
]


def _money_calls() -> dict[str, Callable[[object, object], object]]:
    eur = money("100.00", "EUR")
    return {
        "money": lambda a, b: money(a, b),  # type: ignore[arg-type]
        "quantize_step": lambda a, b: quantize(eur, step=a),  # type: ignore[arg-type]
        "quantize_decimal": lambda a, b: quantize_decimal(a, b),  # type: ignore[arg-type]
        "rounder": lambda a, b: rounder(a)(b),  # type: ignore[arg-type]
        "allocate": lambda a, b: allocate(eur, [a, b]),  # type: ignore[list-item]
        "allocate_decimal": lambda a, b: allocate_decimal(a, [1, b], Decimal("0.01")),  # type: ignore[arg-type]
        "cash_round": lambda a, b: cash_round(money("10.03", a)),  # type: ignore[arg-type]
        "cash_increment": lambda a, b: cash_increment(a, overrides={"EUR": b}),  # type: ignore[arg-type, dict-item]
        "to_minor": lambda a, b: to_minor(money(a, b)),  # type: ignore[arg-type]
        "from_minor": lambda a, b: from_minor(a, b),  # type: ignore[arg-type]
        "format_money": lambda a, b: format_money(eur, a, step=b),  # type: ignore[arg-type]
        "parse_money": lambda a, b: parse_money(a, "EUR", b),  # type: ignore[arg-type]
        "sum_money": lambda a, b: sum_money([eur], a),  # type: ignore[arg-type]
        "minor_unit": lambda a, b: minor_unit(a),  # type: ignore[arg-type]
        "rounding_policy": lambda a, b: RoundingPolicy(step=a),  # type: ignore[arg-type]
        "require_same_currency": lambda a, b: require_same_currency(eur, money("1", a)),  # type: ignore[arg-type]
    }


@pytest.mark.parametrize("name", sorted(_money_calls()))
@settings(max_examples=200)  # each example is a cheap call; 200 pairs cover the junk list well
@given(a=st.sampled_from(_JUNK), b=st.sampled_from(_JUNK))
def test_money_functions_raise_only_o2c_errors_on_junk(name: str, a: object, b: object) -> None:
    with contextlib.suppress(O2CError):
        _money_calls()[name](a, b)


def test_to_minor_never_truncates() -> None:
    with pytest.raises(InvalidAmountError):
        to_minor(money("1.5", "JPY"))
    assert to_minor(money("1.50000", "EUR")) == 150


# ------------------------------------------------------------------------------ formatting

LOCALES = {
    "de_DE": "EUR",
    "en_US": "USD",
    "en_IN": "INR",
    "ja_JP": "JPY",
    "fr_CH": "CHF",
}


@pytest.mark.parametrize(
    ("locale", "code", "amount", "text"),
    [
        ("de_DE", "EUR", "1234.5", "1.234,50\xa0€"),
        ("en_US", "USD", "-1234.5", "-$1,234.50"),
        ("en_IN", "INR", "1234567.891", "₹12,34,567.89"),
        ("ja_JP", "JPY", "1234.5", "￥1,235"),
        ("en_US", "KWD", "1.2345", "KWD1.235"),
    ],
)
def test_format_money_examples(locale: str, code: str, amount: str, text: str) -> None:
    assert format_money(money(amount, code), locale) == text


@pytest.mark.parametrize("locale", ["fr_CH", "de_CH", "it_CH", "fr_FR", "de_DE", "en_US"])
def test_format_money_groups_by_the_locales_own_marks(locale: str) -> None:
    # Expectations come from babel's CLDR data, not from one CLDR version's output: Swiss
    # locales group with a narrow no-break space in CLDR 46 and an apostrophe in CLDR 47.
    from babel.numbers import get_decimal_symbol, get_group_symbol

    group, mark = get_group_symbol(locale=locale), get_decimal_symbol(locale=locale)
    text = format_money(money("1234567.5", "CHF"), locale)
    assert f"1{group}234{group}567{mark}50" in text
    assert parse_money(text, "CHF", locale) == money("1234567.50", "CHF")


@pytest.mark.parametrize("locale", ["fr_CH", "de_CH", "fr_FR"])
@pytest.mark.parametrize("mark", ["'", "\u2019", "\u02bc", " ", "\u00a0", "\u202f"])
def test_parse_money_reads_every_grouping_mark_people_type(locale: str, mark: str) -> None:
    from babel.numbers import get_decimal_symbol

    dec = get_decimal_symbol(locale=locale)
    assert parse_money(f"1{mark}234{mark}567{dec}50 CHF", "CHF", locale).amount == Decimal(
        "1234567.50"
    )


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("1'23'4.50", "de_CH"),  # marks in the wrong places
        ("1 234.50", "en_US"),  # en_US groups with a comma only
        ("1'234,50", "de_DE"),  # de_DE groups with a dot only
        ("1'234'5.50", "fr_CH"),
    ],
)
def test_lookalike_grouping_still_refuses_ambiguous_text(text: str, locale: str) -> None:
    with pytest.raises(MoneyParseError):
        parse_money(text, "CHF", locale)


def test_unknown_locale_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as info:
        parse_money("1.00", "EUR", "xx_NOPE")
    assert info.value.field == "locale"
    with pytest.raises(ValidationError):
        format_money(money("1", "EUR"), "not a locale")


@pytest.mark.parametrize("locale", sorted(LOCALES))
@given(data=st.data())
def test_format_then_strict_parse_round_trips(locale: str, data: st.DataObject) -> None:
    code = data.draw(st.sampled_from([LOCALES[locale], "EUR", "KWD", "JPY"]))
    m = data.draw(moneys(code))
    assert parse_money(format_money(m, locale), code, locale) == m


@pytest.mark.parametrize(
    ("text", "code", "locale"),
    [
        ("1,234.50", "EUR", "de_DE"),  # en grouping in a de locale
        ("12,34", "EUR", "en_US"),
        ("1.2.3", "EUR", "de_DE"),
        ("abc", "EUR", "en_US"),
        ("1.234", "EUR", "en_US"),  # three decimals for a two-decimal currency
        ("1.5", "JPY", "en_US"),
        ("", "EUR", "en_US"),
    ],
)
def test_parse_money_is_strict(text: str, code: str, locale: str) -> None:
    with pytest.raises(MoneyParseError) as info:
        parse_money(text, code, locale)
    assert info.value.field == "text"


@pytest.mark.parametrize("code", CURRENCIES)
def test_every_strategy_currency_is_known(code: str) -> None:
    assert currency(code).code == code
