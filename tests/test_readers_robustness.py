"""Junk and damaged files: every reader returns whole statements or raises StatementFormatError."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.adapters.bai2 import read_bai2_statements
from o2c.adapters.camt import read_camt053_statements, read_camt054_statements
from o2c.adapters.csv import CsvMapping, SignConvention, read_csv
from o2c.adapters.mt940 import read_mt940_statements
from o2c.errors import StatementFormatError
from o2c.statement import Statement

DATA = Path(__file__).parent / "data" / "bank"

_CSV = CsvMapping(
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

_US = CsvMapping(
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

READERS: dict[str, tuple[Callable[[Any], object], str]] = {
    "camt053": (read_camt053_statements, "camt053_v08_structured.xml"),
    "camt054": (read_camt054_statements, "camt054_v06_notification.xml"),
    "mt940": (read_mt940_statements, "mt940_de_two_days.sta"),
    "mt940-slash": (read_mt940_statements, "mt940_nl_slash.sta"),
    "mt940-gb": (read_mt940_statements, "mt940_gb_year_end.sta"),
    "camt053-v02": (read_camt053_statements, "camt053_v02_single.xml"),
    "csv-us": (lambda source: read_csv(source, _US), "payments_us.csv"),
    "bai2": (read_bai2_statements, "bai2_two_accounts.bai"),
    "csv": (lambda source: read_csv(source, _CSV), "payments_de.csv"),
}


def _whole_or_refused(reader: Callable[[Any], object], source: bytes | str) -> None:
    refused: StatementFormatError | None = None
    try:
        result = reader(source)
    except StatementFormatError as exc:
        refused = exc
    if refused is not None:
        assert refused.location
        return
    statements = result if isinstance(result, tuple) else (result,)
    for statement in statements:
        assert isinstance(statement, Statement)
        ids = [p.payment_id for p in statement.lines]
        assert len(ids) == len(set(ids))


@given(
    name=st.sampled_from(sorted(READERS)),
    junk=st.one_of(st.binary(max_size=300), st.text(max_size=300)),
)
def test_junk_is_refused_cleanly(name: str, junk: bytes | str) -> None:
    reader, _ = READERS[name]
    _whole_or_refused(reader, junk)


@given(name=st.sampled_from(sorted(READERS)), data=st.data())
def test_damaged_samples_are_refused_cleanly(name: str, data: st.DataObject) -> None:
    reader, sample = READERS[name]
    raw = (DATA / sample).read_bytes()
    lines = raw.split(b"\n")
    action = data.draw(st.sampled_from(["drop", "duplicate", "cut", "byte"]))
    i = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
    if action == "drop":
        del lines[i]
    elif action == "duplicate":
        lines.insert(i, lines[i])
    elif action == "cut":
        lines = lines[:i]
    else:
        line = bytearray(lines[i])
        if line:
            j = data.draw(st.integers(min_value=0, max_value=len(line) - 1))
            line[j] = data.draw(st.sampled_from(b"0123456789,.;:/-?<>&\"' ACDXZ\x00\xff"))
        lines[i] = bytes(line)
    _whole_or_refused(reader, b"\n".join(lines))


def test_missing_extra_names_the_bank_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from o2c.adapters import bai2, mt940
    from o2c.errors import MissingExtraError

    for module in ("defusedxml", "defusedxml.ElementTree", "mt940", "mt940.tags", "bai2"):
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.setitem(sys.modules, "bai2.constants", None)
    mt940._statement_line_pattern.cache_clear()
    bai2._type_codes.cache_clear()
    try:
        for name in ("camt053", "mt940", "bai2"):
            reader, sample = READERS[name]
            raised: MissingExtraError | None = None
            try:
                reader((DATA / sample).read_bytes())
            except MissingExtraError as exc:
                raised = exc
            assert raised is not None, name
            assert raised.extra == "bank"
            assert 'pip install "o2c[bank]"' in str(raised)
    finally:
        mt940._statement_line_pattern.cache_clear()
        bai2._type_codes.cache_clear()
