"""Examples and properties of the FX core: rates, the in-memory table, conversion, wrappers, FX."""

from __future__ import annotations

import csv
import datetime as dt
import functools
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from moneyed import Money

from o2c.errors import (
    CurrencyMismatchError,
    FloatNotAllowedError,
    InvalidAmountError,
    RateNotFoundError,
    RateUnavailableError,
    ValidationError,
)
from o2c.fx import (
    CachedRates,
    CarryingAmount,
    FallbackRates,
    FxDifferenceKind,
    InMemoryRates,
    Rate,
    RateKind,
    average_rate,
    convert,
    convert_at,
    cross_rate,
    realised_fx,
    revalue,
)
from o2c.money import AMOUNT_INTEGER_DIGITS, Rounding, RoundingPolicy, allocate, minor_unit, money
from o2c.ports import RateProvider
from tests.conftest import BENCH
from tests.strategies import currency_codes, moneys, rate_values

D = dt.date(2024, 1, 2)


def table(*rows: tuple[str, str, str, str], **kwargs: object) -> InMemoryRates:
    return InMemoryRates.from_rows(rows, **kwargs)  # type: ignore[arg-type]


class Refusing:
    """A provider that must not be asked."""

    def rate(self, base: str, quote: str, on: dt.date, kind: RateKind = RateKind.SPOT) -> Rate:
        raise AssertionError(f"asked for {base}->{quote}")


class Counting:
    """Counts calls to the wrapped provider."""

    def __init__(self, inner: RateProvider) -> None:
        self.inner = inner
        self.calls = 0

    def rate(self, base: str, quote: str, on: dt.date, kind: RateKind = RateKind.SPOT) -> Rate:
        self.calls += 1
        return self.inner.rate(base, quote, on, kind)


class Offline:
    source = "offline"

    def rate(self, base: str, quote: str, on: dt.date, kind: RateKind = RateKind.SPOT) -> Rate:
        raise RateUnavailableError("offline", "no network")


# ------------------------------------------------------------------------------ Rate


def test_rate_is_frozen_normalised_and_refuses_floats_and_non_positive_values() -> None:
    r = Rate("eur", " usd", "1.0956", date=D)  # type: ignore[arg-type]
    assert (r.base, r.quote, r.value) == ("EUR", "USD", Decimal("1.0956"))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        r.value = Decimal(2)  # type: ignore[misc]
    with pytest.raises(FloatNotAllowedError):
        Rate("EUR", "USD", 1.0956, date=D)  # type: ignore[arg-type]
    for bad in ("0", "-1.2", "NaN"):
        with pytest.raises(ValidationError):
            Rate("EUR", "USD", Decimal(bad), date=D)
    with pytest.raises(ValidationError, match="three letters"):
        Rate("EURO", "USD", Decimal(1), date=D)
    with pytest.raises(ValidationError, match="not a date"):
        Rate("EUR", "USD", Decimal(1), date=dt.datetime(2024, 1, 2))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not a RateKind"):
        Rate("EUR", "USD", Decimal(1), date=D, kind="spot")  # type: ignore[arg-type]


def test_inverse_is_an_exact_fraction_and_inverts_back() -> None:
    r = Rate("EUR", "USD", Decimal("1.0956"), date=D, source="ECB")
    inv = r.inverse()
    assert (inv.base, inv.quote, inv.date, inv.source) == ("USD", "EUR", D, "ECB")
    assert inv.fraction() == (Decimal(1), Decimal("1.0956"))
    assert inv.legs == (r,)
    assert inv.inverse().fraction() == (Decimal("1.0956"), Decimal(1))


def test_apply_divides_by_the_published_quote_rather_than_multiplying_a_rounded_inverse() -> None:
    # 0.03 USD at 1 EUR = 1.2 USD is exactly 0.025 EUR: half-up must give 0.03, which a
    # multiplication by a rounded 0.8333... would miss (0.0249999... -> 0.02).
    r = Rate("EUR", "USD", Decimal("1.2"), date=D)
    assert convert_at(money("0.03", "USD"), r).amount == money("0.03", "EUR")
    assert convert_at(money("0.03", "USD"), r.inverse()).amount == money("0.03", "EUR")
    with pytest.raises(CurrencyMismatchError):
        r.apply(Decimal(1), "GBP")


def test_cross_rate_requires_meeting_legs_of_one_kind_and_keeps_the_older_date() -> None:
    usd = Rate("EUR", "USD", Decimal("1.0956"), date=D)
    jpy = Rate("EUR", "JPY", Decimal("155.68"), date=D - dt.timedelta(days=1))
    cross = cross_rate(usd.inverse(), jpy)
    assert cross.date == D - dt.timedelta(days=1)
    assert cross.legs == (usd.inverse(), jpy)
    with pytest.raises(ValidationError, match="quote must be"):
        cross_rate(usd, jpy)
    with pytest.raises(ValidationError, match="spot rate"):
        cross_rate(usd.inverse(), attrs.evolve(jpy, kind=RateKind.CLOSING))


def test_average_rate_is_exact_and_rounds_only_when_asked() -> None:
    rs = [
        Rate("EUR", "USD", Decimal(v), date=D + dt.timedelta(days=i)) for i, v in enumerate("123")
    ]
    avg = average_rate(rs)
    assert avg.value == Decimal(2)
    assert avg.date == D + dt.timedelta(days=2)
    assert avg.kind is RateKind.MONTHLY_AVERAGE
    third = average_rate([*rs[:2], attrs.evolve(rs[2], value=Decimal("2"))])
    assert third.fraction() == (Decimal(5), Decimal(3))
    assert average_rate(rs[:2], places=0).value == Decimal(2)  # 1.5 rounds half-even to 2
    with pytest.raises(ValidationError):
        average_rate([])
    with pytest.raises(ValidationError, match="cannot average"):
        average_rate([rs[0], Rate("EUR", "GBP", Decimal(1), date=D)])


# ------------------------------------------------------------------------------ InMemoryRates


def test_lookup_falls_back_within_max_age_and_names_pair_and_date_beyond_it() -> None:
    t = table(("2024-01-05", "EUR", "USD", "1.09"), max_age=dt.timedelta(days=3))
    assert t.rate("EUR", "USD", dt.date(2024, 1, 8)).date == dt.date(2024, 1, 5)
    with pytest.raises(RateNotFoundError) as info:
        t.rate("EUR", "USD", dt.date(2024, 1, 9))
    assert isinstance(info.value, LookupError)
    assert (info.value.base, info.value.quote, info.value.on) == ("EUR", "USD", dt.date(2024, 1, 9))
    assert "EUR->USD" in str(info.value)
    assert "2024-01-09" in str(info.value)
    assert "4 days before" in str(info.value)
    with pytest.raises(RateNotFoundError, match="starts 2024-01-05"):
        t.rate("EUR", "USD", dt.date(2024, 1, 4))  # never from the future


def test_zero_max_age_needs_the_exact_day() -> None:
    t = table(("2024-01-05", "EUR", "USD", "1.09"), max_age=dt.timedelta(0))
    assert t.rate("EUR", "USD", dt.date(2024, 1, 5)).value == Decimal("1.09")
    with pytest.raises(RateNotFoundError):
        t.rate("EUR", "USD", dt.date(2024, 1, 6))
    with pytest.raises(ValidationError):
        InMemoryRates({}, max_age=dt.timedelta(days=-1))


def test_pairs_answer_directly_inversely_and_through_the_pivot() -> None:
    t = table(
        ("2024-01-02", "EUR", "USD", "1.0956"),
        ("2024-01-02", "EUR", "JPY", "155.68"),
        ("2024-01-02", "GBP", "EUR", "1.15"),
        pivot="EUR",
    )
    assert t.rate("EUR", "USD", D).legs == ()
    assert t.rate("USD", "EUR", D).fraction() == (Decimal(1), Decimal("1.0956"))
    assert t.rate("USD", "JPY", D).fraction() == (Decimal("155.68"), Decimal("1.0956"))
    assert t.rate("GBP", "USD", D).fraction() == (Decimal("1.15") * Decimal("1.0956"), 1)
    assert t.rate("usd", "usd", D).value == 1
    without_pivot = table(("2024-01-02", "EUR", "USD", "1.0956"), ("2024-01-02", "EUR", "JPY", "1"))
    with pytest.raises(RateNotFoundError, match="no USD/JPY"):
        without_pivot.rate("USD", "JPY", D)
    with pytest.raises(RateNotFoundError, match="through EUR"):
        t.rate("USD", "CHF", D)


def test_direct_series_wins_over_the_inverse_and_cross() -> None:
    t = table(
        ("2024-01-02", "EUR", "USD", "1.1"),
        ("2024-01-02", "USD", "EUR", "0.9"),
        ("2024-01-02", "EUR", "JPY", "150"),
        ("2024-01-02", "USD", "JPY", "140"),
        pivot="EUR",
    )
    assert t.rate("USD", "EUR", D).value == Decimal("0.9")
    assert t.rate("USD", "JPY", D).value == Decimal("140")


def test_kinds_are_separate_series_unless_derived() -> None:
    rows = [
        ("2024-01-02", "EUR", "USD", "1.10"),
        ("2024-01-03", "EUR", "USD", "1.20"),
        ("2024-02-01", "EUR", "USD", "1.30"),
        ("2024-01-31", "EUR", "USD", "1.25", "closing"),
    ]
    plain = InMemoryRates.from_rows(rows, pivot="EUR")
    assert plain.rate("EUR", "USD", dt.date(2024, 1, 31), RateKind.CLOSING).value == Decimal("1.25")
    with pytest.raises(RateNotFoundError):
        plain.rate("EUR", "USD", dt.date(2024, 1, 31), RateKind.MONTHLY_AVERAGE)
    derived = InMemoryRates.from_rows(rows[:3], pivot="EUR", derive_kinds=True)
    avg = derived.rate("EUR", "USD", dt.date(2024, 1, 15), RateKind.MONTHLY_AVERAGE)
    assert (avg.value, avg.kind, avg.date) == (
        Decimal("1.15"),
        RateKind.MONTHLY_AVERAGE,
        D + dt.timedelta(days=1),
    )
    closing = derived.rate("USD", "EUR", dt.date(2024, 1, 5), RateKind.CLOSING)
    assert closing.kind is RateKind.CLOSING
    assert closing.fraction() == (Decimal(1), Decimal("1.20"))
    with pytest.raises(RateNotFoundError, match="to average"):
        derived.rate("EUR", "USD", dt.date(2024, 3, 1), RateKind.MONTHLY_AVERAGE)


def test_rows_may_be_dicts_or_tuples_in_any_order_and_conflicts_are_refused() -> None:
    t = InMemoryRates.from_rows(
        [
            {"date": "2024-01-03", "base": "EUR", "quote": "USD", "rate": "1.2"},
            (dt.date(2024, 1, 2), "EUR", "USD", Decimal("1.1")),
            (dt.date(2024, 1, 2), "EUR", "USD", Decimal("1.10")),  # same value: fine
        ]
    )
    assert t.dates("EUR", "USD") == (D, D + dt.timedelta(days=1))
    assert len(t) == 2
    assert t.pairs() == {("EUR", "USD")}
    with pytest.raises(ValidationError, match="two EUR->USD spot rates"):
        InMemoryRates.from_rows([(D, "EUR", "USD", "1.1"), (D, "EUR", "USD", "1.2")])
    with pytest.raises(ValidationError, match="no 'rate' column"):
        InMemoryRates.from_rows([{"date": "2024-01-02", "base": "EUR", "quote": "USD"}])
    with pytest.raises(ValidationError, match="not a date"):
        InMemoryRates.from_rows([("02/01/2024", "EUR", "USD", "1.1")])
    with pytest.raises(ValidationError, match="datetime"):
        InMemoryRates.from_rows([(dt.datetime(2024, 1, 2), "EUR", "USD", "1.1")])
    with pytest.raises(FloatNotAllowedError):
        InMemoryRates.from_rows([(D, "EUR", "USD", 1.1)])
    with pytest.raises(ValidationError, match="kind"):
        InMemoryRates.from_rows([(D, "EUR", "USD", "1.1", "weekly")])
    with pytest.raises(ValidationError, match="items"):
        InMemoryRates.from_rows([(D, "EUR", "USD")])
    with pytest.raises(ValidationError, match="against itself"):
        InMemoryRates.from_rows([(D, "EUR", "EUR", "1.1")])


def test_cash_application_rates_file_loads_and_answers_every_business_day() -> None:
    path = BENCH / "cashapp" / "rates.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    t = InMemoryRates.from_rows(rows, pivot="EUR", source="bench")
    assert len(t) == len(rows)
    for row in rows[:: max(1, len(rows) // 50)]:
        on = dt.date.fromisoformat(row["date"])
        r = t.rate(row["base"], row["quote"], on)
        assert (r.value, r.date) == (Decimal(row["rate"]), on)
        back = t.rate(row["quote"], row["base"], on)
        assert back.fraction() == (Decimal(1), Decimal(row["rate"]))
    assert isinstance(t, RateProvider)


# ------------------------------------------------------------------------------ convert


def test_convert_rounds_once_and_records_rate_original_and_dates() -> None:
    t = table(("2024-01-02", "EUR", "USD", "1.0956"), pivot="EUR")
    c = convert(money("1000000.00", "USD"), "EUR", dt.date(2024, 1, 4), t)
    assert c.amount == money("912741.88", "EUR")
    assert c.original == money("1000000.00", "USD")
    assert (c.on, c.rate.date) == (dt.date(2024, 1, 4), D)
    assert c.unrounded.quantize(Decimal("0.000001")) == Decimal("912741.876597")
    assert c.rounding == RoundingPolicy()
    down = convert(money("1000000.00", "USD"), "EUR", D, t, rounding=RoundingPolicy(Rounding.DOWN))
    assert down.amount == money("912741.87", "EUR")
    assert convert(
        money("10", "EUR"), "USD", D, t, rounding=RoundingPolicy(step=Decimal("0.05"))
    ).amount == money("10.95", "USD")


def test_convert_max_age_is_stricter_than_the_provider() -> None:
    t = table(("2024-01-02", "EUR", "USD", "1.0956"))
    assert convert(money("1", "EUR"), "USD", dt.date(2024, 1, 5), t).rate.date == D
    with pytest.raises(RateNotFoundError, match="older than 2 days"):
        convert(money("1", "EUR"), "USD", dt.date(2024, 1, 5), t, max_age=dt.timedelta(days=2))


def test_convert_uses_a_rate_quoted_the_other_way_round_by_dividing() -> None:
    class Reversed:
        def rate(self, base: str, quote: str, on: dt.date, kind: RateKind = RateKind.SPOT) -> Rate:
            return Rate(quote, base, Decimal("1.0956"), date=on)

    c = convert(money("1000000.00", "USD"), "EUR", D, Reversed())
    assert c.amount == money("912741.88", "EUR")
    assert (c.rate.base, c.rate.quote) == ("EUR", "USD")


def test_convert_refuses_a_provider_answering_another_pair() -> None:
    class Wrong:
        def rate(self, base: str, quote: str, on: dt.date, kind: RateKind = RateKind.SPOT) -> Rate:
            return Rate("EUR", "GBP", Decimal(1), date=on)

    with pytest.raises(ValidationError, match="answered EUR->GBP"):
        convert(money("1", "EUR"), "USD", D, Wrong())


@given(moneys(max_units=10**15 - 1, min_units=-(10**15 - 1)), st.dates())
def test_same_currency_conversion_is_the_identity(amount: Money, on: dt.date) -> None:
    c = convert(amount, amount.currency.code, on, Refusing())
    assert c.amount == amount
    assert c.rate.value == 1
    assert c.rate.source == "identity"


@given(
    st.data(),
    rate_values(),
    rate_values(),
    st.integers(min_value=-(10**12), max_value=10**12),
)
def test_cross_through_the_pivot_equals_the_direct_rate_of_a_consistent_table(
    data: st.DataObject, a: Decimal, c: Decimal, units: int
) -> None:
    x, y = data.draw(
        st.lists(currency_codes.filter(lambda k: k != "EUR"), min_size=2, max_size=2, unique=True)
    )
    pivot_table = table(
        ("2024-01-02", "EUR", x, str(a)), ("2024-01-02", "EUR", y, str(a * c)), pivot="EUR"
    )
    direct = table(("2024-01-02", x, y, str(c)))
    amount = money(Decimal(units).scaleb(-2), x)
    assume(abs(amount.amount * c) < 10**14)  # beyond the amount limit convert refuses
    via = convert(amount, y, D, pivot_table)
    assert via.rate.value == c
    assert via.amount == convert(amount, y, D, direct).amount
    assert via.unrounded == convert(amount, y, D, direct).unrounded


@given(
    st.data(),
    rate_values(),
    st.sampled_from(list(Rounding)[:3]),
    st.booleans(),
)
def test_converted_amount_is_within_half_a_minor_unit_of_the_exact_product(
    data: st.DataObject, value: Decimal, rounding: Rounding, inverse: bool
) -> None:
    base, quote = data.draw(st.lists(currency_codes, min_size=2, max_size=2, unique=True))
    amount = data.draw(moneys(quote if inverse else base))
    r = Rate(base, quote, value, date=D)
    exact = (
        Fraction(amount.amount) / Fraction(value)
        if inverse
        else Fraction(amount.amount) * Fraction(value)
    )
    convert_it = functools.partial(
        convert,
        amount,
        base if inverse else quote,
        D,
        table(("2024-01-02", base, quote, str(value))),
        rounding=RoundingPolicy(rounding),
    )
    if abs(exact) >= 10**AMOUNT_INTEGER_DIGITS:  # beyond the amount limit: refused, not rounded
        with pytest.raises(InvalidAmountError):
            convert_it()
        return
    c = convert_it()
    assert (
        abs(Fraction(c.amount.amount) - exact) <= Fraction(minor_unit(c.amount.currency.code)) / 2
    )
    assert c.rate.fraction() == (r.inverse() if inverse else r).fraction()


# ------------------------------------------------------------------------------ wrappers


def test_cache_answers_repeats_without_asking_and_keeps_misses_but_not_outages() -> None:
    inner = Counting(table(("2024-01-02", "EUR", "USD", "1.0956"), pivot="EUR"))
    cached = CachedRates(inner, maxsize=2)
    first = cached.rate("USD", "EUR", D)
    assert cached.rate("USD", "EUR", D) == first
    assert inner.calls == 1
    raised = []
    for _ in range(2):
        with pytest.raises(
            RateNotFoundError, match="2023-01-01: the EUR->USD series starts"
        ) as info:
            cached.rate("EUR", "USD", dt.date(2023, 1, 1))
        raised.append(info.value)
    assert raised[0] is not raised[1]
    assert raised[1].context["source"] == "memory"
    assert inner.calls == 2
    assert (cached.hits, cached.misses) == (2, 2)
    cached.rate("EUR", "USD", D)
    cached.rate("USD", "EUR", D)  # evicted by the two newer entries
    assert inner.calls == 4
    cached.clear()
    cached.rate("USD", "EUR", D)
    assert inner.calls == 5
    no_misses = CachedRates(inner, cache_misses=False)
    for _ in range(2):
        with pytest.raises(RateNotFoundError):
            no_misses.rate("EUR", "USD", dt.date(2023, 1, 1))
    assert inner.calls == 7
    offline = Counting(Offline())
    flaky = CachedRates(offline)
    for _ in range(2):
        with pytest.raises(RateUnavailableError):
            flaky.rate("EUR", "USD", D)
    assert offline.calls == 2
    with pytest.raises(ValidationError):
        CachedRates(inner, maxsize=0)


def test_fallback_takes_the_first_answer_and_reports_every_failure() -> None:
    empty = table(("2024-01-02", "EUR", "GBP", "0.86"))
    full = table(("2024-01-02", "EUR", "USD", "1.0956"), source="second")
    chain = FallbackRates([Offline(), empty, full])
    assert chain.rate("EUR", "USD", D).source == "second"
    with pytest.raises(RateUnavailableError) as info:
        chain.rate("EUR", "JPY", D)
    failures = info.value.context["failures"]
    assert [name for name, _ in failures] == ["offline", "memory", "second"]
    assert "offline" in str(info.value)
    assert "no EUR/JPY" in str(info.value)
    with pytest.raises(RateNotFoundError) as not_found:
        FallbackRates([empty, full]).rate("EUR", "JPY", D)
    assert len(not_found.value.context["failures"]) == 2
    with pytest.raises(ValidationError):
        FallbackRates([])


# ------------------------------------------------------------------------------ FX accounting


def test_realised_fx_over_partial_payments_sums_to_the_carrying_amount() -> None:
    item = CarryingAmount(money("1000.00", "USD"), money("912.74", "EUR"), booked=D, ref="INV-1")
    rates = [Decimal("1.0811"), Decimal("1.0700"), Decimal("1.1000")]
    parts = [money("333.33", "USD"), money("333.33", "USD"), money("333.34", "USD")]
    carried = []
    total_difference = Decimal(0)
    for i, (part, value) in enumerate(zip(parts, rates, strict=True)):
        r = Rate("EUR", "USD", value, date=D + dt.timedelta(days=30 * (i + 1)))
        payment = CarryingAmount.at_rate(part, r)
        fx = realised_fx(item, payment, part)
        assert fx.difference.amount == fx.settlement.amount - fx.carrying.amount
        assert fx.kind is FxDifferenceKind.of(fx.difference.amount)
        assert fx.on == r.date
        assert fx.payment_residual.amount.amount == 0
        carried.append(fx.carrying.amount)
        total_difference += fx.difference.amount
        item = fx.item_residual
    assert sum(carried) == Decimal("912.74")
    assert item.amount.amount == 0
    assert item.company_amount.amount == 0
    assert item.ref == "INV-1"
    assert total_difference == sum(
        convert_at(p, Rate("EUR", "USD", v, date=D)).amount.amount
        for p, v in zip(parts, rates, strict=True)
    ) - Decimal("912.74")


@given(
    moneys("USD", min_units=1, max_units=10**10),
    rate_values(max_digits=5),
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=100), rate_values(max_digits=5)),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_partial_settlements_add_up_to_the_item_whatever_the_rates(
    amount: Money, booked: Decimal, parts: list[tuple[int, Decimal]], credit: bool
) -> None:
    # keep every converted amount inside the amount limit (beyond it convert refuses)
    assume(all(abs(amount.amount) / v < 10**14 for v in [booked, *(v for _, v in parts)]))
    sign = -1 if credit else 1
    amount = Money(sign * amount.amount, amount.currency)
    item = CarryingAmount.at_rate(amount, Rate("EUR", "USD", booked, date=D))
    shares = allocate(amount, [w for w, _ in parts])
    carried = settled = Decimal(0)
    rest = item
    for share, (_, value) in zip(shares, parts, strict=True):
        if share.amount == 0:
            continue
        payment = CarryingAmount.at_rate(share, Rate("EUR", "USD", value, date=D))
        fx = realised_fx(rest, payment, share)
        assert fx.difference.amount == fx.settlement.amount - fx.carrying.amount
        carried += fx.carrying.amount
        settled += fx.settlement.amount
        rest = fx.item_residual
    assert rest.amount.amount == 0
    assert rest.company_amount.amount == 0
    assert carried == item.company_amount.amount


def test_a_refunded_credit_memo_at_a_worse_rate_is_a_loss() -> None:
    memo = CarryingAmount(money("-100.00", "USD"), money("-90.00", "EUR"))
    refund = CarryingAmount(money("-100.00", "USD"), money("-95.00", "EUR"))
    fx = realised_fx(memo, refund, money("-100.00", "USD"))
    assert fx.difference == money("-5.00", "EUR")
    assert fx.kind is FxDifferenceKind.LOSS


def test_realised_fx_refuses_over_application_and_mixed_currencies() -> None:
    item = CarryingAmount(money("100.00", "USD"), money("90.00", "EUR"))
    payment = CarryingAmount(money("50.00", "USD"), money("46.00", "EUR"))
    with pytest.raises(ValidationError, match="payment"):
        realised_fx(item, payment, money("60.00", "USD"))
    with pytest.raises(ValidationError, match="same sign"):
        realised_fx(item, payment, money("-10.00", "USD"))
    with pytest.raises(CurrencyMismatchError):
        realised_fx(item, payment, money("10.00", "GBP"))
    with pytest.raises(CurrencyMismatchError):
        realised_fx(
            item,
            CarryingAmount(money("50.00", "USD"), money("40.00", "GBP")),
            money("10.00", "USD"),
        )
    gain = realised_fx(item, payment, money("50.00", "USD"), on=D)
    assert (gain.difference.amount, gain.kind, gain.on) == (
        Decimal("1.00"),
        FxDifferenceKind.GAIN,
        D,
    )


def test_revaluation_gives_one_adjustment_per_item_and_its_reversal_day() -> None:
    rates = table(
        ("2024-01-31", "EUR", "USD", "1.0837", "closing"),
        ("2024-01-31", "EUR", "GBP", "0.8", "closing"),
        pivot="EUR",
    )
    items = [
        CarryingAmount(money("1000.00", "USD"), money("912.74", "EUR"), ref="A"),
        CarryingAmount(money("80.00", "GBP"), money("101.00", "EUR"), ref="B"),
        CarryingAmount(money("50.00", "EUR"), money("50.00", "EUR"), ref="C"),
    ]
    on = dt.date(2024, 1, 31)
    result = revalue(items, on, rates)
    assert [r.item.ref for r in result] == ["A", "B", "C"]
    assert [r.adjustment.amount for r in result] == [
        Decimal("10.02"),
        Decimal("-1.00"),
        Decimal("0.00"),
    ]
    assert [r.kind for r in result] == [
        FxDifferenceKind.GAIN,
        FxDifferenceKind.LOSS,
        FxDifferenceKind.NONE,
    ]
    assert all(
        r.reversal_date == dt.date(2024, 2, 1) and r.rate.kind is RateKind.CLOSING for r in result
    )
    with pytest.raises(RateNotFoundError):
        revalue(items, on, rates, kind=RateKind.SPOT)


@pytest.mark.parametrize("amount", ["1e999999", "-1e20", "1e-999999"])
@pytest.mark.parametrize("value", ["1", "1e29", "1e-30"])
def test_conversion_of_out_of_range_amounts_is_one_clear_error(amount: str, value: str) -> None:
    # Money built directly (bypassing money()) can hold any Decimal: convert checks it.
    rates = table(("2024-01-02", "EUR", "USD", value))
    call = functools.partial(convert, Money(Decimal(amount), "EUR"), "USD", D, rates)
    with pytest.raises(InvalidAmountError, match="out of range"):
        call()


def test_rate_rows_that_are_not_rows_are_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="row 1 has no items"):
        InMemoryRates.from_rows([Rate("EUR", "USD", Decimal("1.1"), date=D)])  # type: ignore[list-item]
