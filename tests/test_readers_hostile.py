"""Hostile input: whatever the bytes, the readers and the remittance parser raise only O2CError.

Like python-stdnum's test over all its modules, one junk-input test loops over every reader
(camt.053, camt.054, MT940, BAI2, CSV) and the remittance text parser: random bytes, random
text, and mutations (truncation, byte flips, inserted junk, duplicated lines) of the real
samples in ``tests/data/bank`` and, when present, ``../shared/bench/cashapp2/test``.  Then one
test per class of hostile input: encodings, NUL, surrogates, non-ASCII digits, huge numbers,
the csv field-size limit, XML bombs, deep nesting and huge namespaces, and time and memory
that grow linearly.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters.bai2 import read_bai2_statements
from o2c.adapters.camt import read_camt053_statements, read_camt054_statements
from o2c.adapters.csv import CsvMapping, SignConvention, read_csv
from o2c.adapters.mt940 import read_mt940_statements
from o2c.errors import O2CError, StatementFormatError
from o2c.remittance import DocumentIndex, find_references, mask_non_references, reference_strings
from o2c.statement import Statement

DATA = Path(__file__).parent / "data" / "bank"
SHARED_TEST = Path(__file__).parents[1].parent / "shared" / "bench" / "cashapp2" / "test"

US = CsvMapping(
    payment_id="id",
    value_date="date",
    indicator="type",
    amount="amount",
    currency="currency",
    payer_name="payer",
    remittance_info="memo",
    sign=SignConvention.INDICATOR,
    thousands_separator=",",
)
DE = CsvMapping(
    value_date="Valuta",
    payer_name="Auftraggeber",
    remittance_info="Verwendungszweck",
    credit="Haben",
    debit="Soll",
    sign=SignConvention.SPLIT,
    currency="Währung",
    date_format="%d.%m.%Y",
    decimal_mark=",",
    thousands_separator=".",
    delimiter=";",
    skip_lines=2,
)
INDEX = DocumentIndex.build(
    [
        ("I1", "INV-2026-100673", "RF18539007547034", "C1"),
        ("I2", "INV-2026-100674", None, "C1"),
        ("I3", "0104593", None, "C2"),
    ]
)


def _text(source: bytes | str) -> str:
    return source.decode("latin-1") if isinstance(source, bytes) else source


def _remittance(source: bytes | str) -> object:
    text = _text(source)
    return find_references(text, INDEX), reference_strings(text), mask_non_references(text)


#: Every parser of untrusted text, and its local sample files.
READERS: dict[str, tuple[Callable[[Any], object], tuple[str, ...]]] = {
    "camt053": (
        read_camt053_statements,
        ("camt053_v02_single.xml", "camt053_v04_two_accounts.xml", "camt053_v08_structured.xml"),
    ),
    "camt054": (read_camt054_statements, ("camt054_v06_notification.xml",)),
    "mt940": (
        read_mt940_statements,
        ("mt940_de_two_days.sta", "mt940_nl_slash.sta", "mt940_gb_year_end.sta"),
    ),
    "bai2": (read_bai2_statements, ("bai2_two_accounts.bai",)),
    "csv-us": (lambda source: read_csv(source, US), ("payments_us.csv",)),
    "csv-de": (lambda source: read_csv(source, DE), ("payments_de.csv",)),
    "remittance": (_remittance, ("mt940_nl_slash.sta", "payments_de.csv")),
}
#: The shared samples, by reader (read-only; the test skips them when absent).
SHARED_DIRS = {"camt053": "camt053", "camt054": "camt054", "mt940": "mt940", "bai2": "bai2"}


def _shared_samples() -> list[tuple[str, Path]]:
    found = []
    for name, folder in SHARED_DIRS.items():
        files = sorted((SHARED_TEST / folder).glob("*"), key=lambda p: p.stat().st_size)
        found.extend((name, path) for path in files[:3])  # the three smallest of each
    return found


SHARED_SAMPLES = _shared_samples() if SHARED_TEST.is_dir() else []
LOCAL_SAMPLES = [(name, DATA / f) for name, (_, files) in READERS.items() for f in files]
_BYTES: dict[Path, bytes] = {}


def _bytes(path: Path) -> bytes:
    if path not in _BYTES:
        _BYTES[path] = path.read_bytes()
    return _BYTES[path]


def only_o2c_errors(name: str, source: bytes | str) -> None:
    """Run a reader: a result is whole statements, an error is an O2CError with a location."""
    reader, _ = READERS[name]
    try:
        result = reader(source)
    except O2CError as exc:
        error: O2CError = exc
    else:
        error = None  # type: ignore[assignment]
    if error is not None:
        assert getattr(error, "location", "-")
        assert len(str(error)) < 2_000  # a 10 MB value is never repeated in full
        return
    if name == "remittance":
        return
    statements = result if isinstance(result, tuple) else (result,)
    for statement in statements:
        assert isinstance(statement, Statement)
        ids = [p.payment_id for p in statement.lines]
        assert len(ids) == len(set(ids))


JUNK = [
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    "²".encode(),
    "٣".encode(),
    "\u00a0".encode(),
    b"9" * 40,
    b"9" * 5000,
    b"0.00000000001",
    b"1E+30",
    b"-",
    b",",
    b"/",
    b"\r",
    b"\r\n",
    b"?2",
    b":86:",
    b":61:",
    b"88,",
    b"16,",
    b"<",
    b"&amp;",
    b"<!DOCTYPE x>",
    b"]]>",
    b'"',
    b";",
    b"NaN",
    b"\xed\xa0\x80",  # an encoded lone surrogate (invalid UTF-8)
]


@st.composite
def mutated(draw: st.DrawFn, samples: list[tuple[str, Path]]) -> tuple[str, bytes]:
    name, path = draw(st.sampled_from(samples))
    data = bytearray(_bytes(path))
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["cut", "flip", "insert", "duplicate"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "cut":
            del data[i:]
        elif action == "flip" and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[i:i] = draw(st.sampled_from(JUNK))
        else:
            lines = bytes(data).split(b"\n")
            k = draw(st.integers(0, len(lines) - 1))
            lines.insert(k, lines[k])
            data = bytearray(b"\n".join(lines))
    return name, bytes(data)


@given(
    name=st.sampled_from(sorted(READERS)),
    junk=st.one_of(st.binary(max_size=400), st.text(max_size=400)),
)
def test_random_bytes_and_text_raise_only_o2c_errors(name: str, junk: bytes | str) -> None:
    only_o2c_errors(name, junk)


@given(mutated(LOCAL_SAMPLES))
def test_mutated_local_samples_raise_only_o2c_errors(case: tuple[str, bytes]) -> None:
    only_o2c_errors(*case)


@pytest.mark.skipif(not SHARED_SAMPLES, reason="../shared/bench/cashapp2/test is not present")
@settings(max_examples=150)  # files of 10-90 kB, about 10 ms a read: 150 keep this under 3 s
@given(mutated(SHARED_SAMPLES))
def test_mutated_shared_samples_raise_only_o2c_errors(case: tuple[str, bytes]) -> None:
    only_o2c_errors(*case)


def test_shared_samples_are_read_whole() -> None:
    if not SHARED_SAMPLES:
        pytest.skip("../shared/bench/cashapp2/test is not present")
    for name, path in SHARED_SAMPLES:
        reader, _ = READERS[name]
        assert reader(_bytes(path)), path


# --------------------------------------------------------------------------------------------
# Encodings, NUL, surrogates

TEXT_READERS = ["mt940", "bai2", "csv-us", "csv-de"]


def _sample(name: str) -> bytes:
    return _bytes(DATA / READERS[name][1][0])


@pytest.mark.parametrize("name", [*TEXT_READERS, "camt053", "camt054"])
@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_a_byte_order_mark_decides_the_encoding(name: str, codec: str) -> None:
    reader, _ = READERS[name]
    text = _sample(name).decode("utf-8")
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    assert reader(data) == reader(text)


@pytest.mark.parametrize("name", [*TEXT_READERS, "camt053", "camt054"])
def test_utf16_without_a_mark_is_refused_naming_the_encoding(name: str) -> None:
    reader, _ = READERS[name]
    data = _sample(name).decode("utf-8").encode("utf-16-le")
    with pytest.raises(StatementFormatError) as info:
        reader(data)
    if name in TEXT_READERS:
        assert "UTF-16" in str(info.value)
        assert info.value.field == "encoding"


@pytest.mark.parametrize("name", TEXT_READERS)
def test_a_nul_byte_is_refused_at_its_line(name: str) -> None:
    reader, _ = READERS[name]
    lines = _sample(name).split(b"\n")
    lines[2] = lines[2][:3] + b"\x00" + lines[2][3:]
    with pytest.raises(StatementFormatError, match="NUL") as info:
        reader(b"\n".join(lines))
    assert info.value.location == "line 3"


@pytest.mark.parametrize("name", [*TEXT_READERS, "camt053", "camt054"])
def test_a_lone_surrogate_is_refused(name: str) -> None:
    reader, _ = READERS[name]
    text = _sample(name).decode("utf-8")
    cut = text.index("\n", 40)
    with pytest.raises(StatementFormatError, match="surrogate"):
        reader(text[:cut] + "\ud800" + text[cut:])


def test_an_unknown_encoding_is_a_validation_error() -> None:
    with pytest.raises(O2CError, match="not a known text encoding"):
        read_mt940_statements(_sample("mt940"), encoding="no-such-codec")


# --------------------------------------------------------------------------------------------
# Digits that are not ASCII, huge numbers


def _replace(name: str, old: str, new: str, file: int = 0) -> str:
    text = _bytes(DATA / READERS[name][1][file]).decode("utf-8")
    assert old in text, old
    return text.replace(old, new, 1)


#: (reader, text in the sample, the same with a non-ASCII digit): amounts and dates.
UNICODE_DIGITS = [
    ("camt053", '<Amt Ccy="EUR">1190.00</Amt>', '<Amt Ccy="EUR">1190.0٠</Amt>'),
    ("camt053", "<BookgDt><Dt>2026-03-02</Dt>", "<BookgDt><Dt>2026-03-0²</Dt>"),
    ("mt940", ":60F:C260301EUR10000,00", ":60F:C260301EUR1000٠,00"),
    ("mt940", ":61:2603020302C1190,00", ":61:2603020302C1190,0²"),
    ("mt940", ":61:2603020302C1190,00", ":61:٢603020302C1190,00"),
    ("bai2", "16,195,1250000,", "16,195,125000٠,"),
    ("bai2", "01,BANKUS33,ACMECORP,260303", "01,BANKUS33,ACMECORP,26030³"),
    ("bai2", "16,301,200000,V,260303", "16,301,200000,V,26030٣"),
    ("csv-us", "1,500.00", "1,500.0٣"),
    ("csv-de", "1.190,00", "1.190,0²"),
    ("csv-de", "02.03.2026;02.03.2026", "02.03.2026;1٢.03.2026"),
]


@pytest.mark.parametrize(("name", "old", "new"), UNICODE_DIGITS)
def test_superscript_and_other_digits_are_no_amounts_or_dates(
    name: str, old: str, new: str
) -> None:
    reader, _ = READERS[name]
    reader(_replace(name, old, old))  # the sample reads
    with pytest.raises(StatementFormatError) as info:
        reader(_replace(name, old, new))
    assert info.value.location


def test_non_ascii_digits_in_a_summary_count_are_refused() -> None:
    text = _replace("camt053", "<NbOfNtries>3</NbOfNtries>", "<NbOfNtries>³</NbOfNtries>")
    with pytest.raises(StatementFormatError, match="NbOfNtries"):
        read_camt053_statements(text)


HUGE = [
    ("camt053", '<Amt Ccy="EUR">1190.00</Amt>', '<Amt Ccy="EUR">' + "9" * 16 + ".00</Amt>"),
    ("camt053", '<Amt Ccy="EUR">1190.00</Amt>', '<Amt Ccy="EUR">' + "9" * 5000 + "</Amt>"),
    ("mt940", ":61:2603020302C1190,00", ":61:2603020302C" + "9" * 15 + ","),
    ("mt940", ":60F:C260301EUR10000,00", ":60F:C260301EUR" + "9" * 5000 + ",00"),
    ("bai2", "16,195,1250000,", "16,195," + "9" * 5000 + ","),
    ("bai2", "16,195,1250000,", "16,195," + "9" * 30 + ","),
    ("bai2", "03,0012345678,USD,010,5000000", "03,0012345678,USD,010," + "9" * 5000),
    ("csv-us", "1,500.00", "9" * 30),
    ("csv-de", "1.190,00", "9" * 5000),
]


@pytest.mark.parametrize(("name", "old", "new"), HUGE)
def test_huge_numbers_are_refused_with_the_limit(name: str, old: str, new: str) -> None:
    reader, _ = READERS[name]
    with pytest.raises(StatementFormatError) as info:
        reader(_replace(name, old, new))
    assert info.value.location
    assert len(str(info.value)) < 400


def test_a_field_over_the_csv_field_size_limit_is_refused_at_its_line() -> None:
    text = _replace("csv-us", "Acme Corp", "A" * 200_000)
    with pytest.raises(StatementFormatError, match="field larger than field limit") as info:
        read_csv(text, US)
    assert info.value.location == "line 2"


# --------------------------------------------------------------------------------------------
# XML: bombs, entities, nesting, names


def test_xml_bombs_and_entities_are_refused() -> None:
    for name in ("billion_laughs.xml", "external_entity.xml"):
        with pytest.raises(StatementFormatError, match="refused XML"):
            read_camt053_statements(DATA / name)


def test_deeply_nested_xml_is_refused_cleanly() -> None:
    depth = 200_000
    xml = (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
        + "<BkToCstmrStmt>" * depth
        + "</BkToCstmrStmt>" * depth
        + "</Document>"
    )
    with pytest.raises(StatementFormatError):
        read_camt053_statements(xml)


def _peak(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
    except O2CError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_huge_namespace_uri_is_refused_before_it_costs_memory() -> None:
    uri = "urn:x:" + "n" * 2_000_000
    names = "".join(f"<Tag{i}/>" for i in range(200))  # one copy of the URI per name
    xml = f'<Document xmlns="{uri}">{names}</Document>'.encode()
    with pytest.raises(StatementFormatError, match="namespace URI") as info:
        read_camt053_statements(xml)
    assert len(str(info.value)) < 400
    assert _peak(lambda: read_camt053_statements(xml)) < 6 * len(xml)


def test_a_huge_element_name_costs_a_small_multiple_of_the_file() -> None:
    name = "N" * 2_000_000
    xml = f"<{name}><{name}/></{name}>".encode()
    assert _peak(lambda: read_camt053_statements(xml)) < 8 * len(xml)


# --------------------------------------------------------------------------------------------
# Time and memory grow linearly


def _seconds(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        with contextlib.suppress(O2CError):
            fn()
        best = min(best, time.process_time() - start)
    # CPU time, so other processes on a loaded machine do not count.  Below 25 ms a ratio is
    # noise (a 1 MB input rejected in 3 ms against 10 MB in 0.25 s reads as 90x); a quadratic
    # reader is far slower than that on 1 MB.
    return max(best, 0.025)


def _camt_ustrd(size: int) -> str:
    return _replace("camt053", "<Ustrd>", "<Ustrd>" + "Rechnung 4711 " * (size // 14), 2)


def _mt940_86(size: int) -> str:
    return _replace(
        "mt940", ":86:805?00ENTGELT", ":86:805?00ENTGELT\n" + ("?2" * 32 + "\n") * (size // 65)
    )


def _bai2_88(size: int) -> str:
    return _replace("bai2", "88,REMITTANCE", ("88," + "Y" * 76 + "\n") * (size // 80) + "88,R")


def _csv_rows(size: int) -> str:
    head, _, _ = _bytes(DATA / "payments_us.csv").decode("utf-8").partition("\n")
    rows = [
        f"T{i},2026-03-02,CR,{i % 900 + 100}.00,USD,Payer {i},INV-{i}\n" for i in range(size // 45)
    ]
    return head + "\n" + "".join(rows)


#: Inputs that grow with ``size``: one huge line or field, or many rows.
GROWING: dict[str, tuple[str, Callable[[int], str | bytes]]] = {
    "camt one line": ("camt053", lambda n: "<" + "A" * n),
    "camt Ustrd": ("camt053", _camt_ustrd),
    "mt940 one line": ("mt940", lambda n: ":20:" + "A" * n),
    "mt940 :86: lines": ("mt940", _mt940_86),
    "mt940 :61:": ("mt940", lambda n: _replace("mt940", ":61:", ":61:" + "1" * n)),
    "bai2 one line": ("bai2", lambda n: "01," + "," * n),
    "bai2 88 records": ("bai2", _bai2_88),
    "bai2 summary fields": ("bai2", lambda n: _replace("bai2", ",,,015,", "," * n + ",,,015,")),
    "csv one line": ("csv-us", lambda n: "id,date," + "x" * n),
    "csv rows": ("csv-us", _csv_rows),
    "remittance text": ("remittance", lambda n: "INV 2026 100673, -674 ORDER-4711 " * (n // 34)),
    "remittance RF": ("remittance", lambda n: "RF18 5390 0754 7035 RF97 A " * (n // 27)),
}


#: Smaller sizes for the inputs read token by token or row by row (the same ratio is measured).
SLOW = {"remittance text": 20_000, "remittance RF": 20_000, "csv rows": 100_000}


@pytest.mark.parametrize("case", sorted(GROWING))
def test_ten_times_the_input_takes_about_ten_times_as_long(case: str) -> None:
    name, build = GROWING[case]
    small = SLOW.get(case, 1_000_000)  # and 10 MB
    reader, _ = READERS[name]
    small_input, large_input = build(small), build(10 * small)
    ratio = _seconds(lambda: reader(large_input), 1) / _seconds(lambda: reader(small_input), 3)
    assert ratio < 25, f"{case}: 10x the input took {ratio:.1f}x the time"


@pytest.mark.parametrize("case", sorted(GROWING))
def test_memory_is_a_small_multiple_of_the_input(case: str) -> None:
    name, build = GROWING[case]
    data = build(SLOW.get(case, 200_000) // 5)
    reader, _ = READERS[name]
    peak = _peak(lambda: reader(data))
    limit = 80 if name == "remittance" else 40  # Python objects per token and per payment
    assert peak < limit * len(data), f"{case}: {peak / len(data):.1f}x the input"
