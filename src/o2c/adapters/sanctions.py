"""Readers of the official sanctions lists, each giving a ``SanctionsList`` to screen against.

- EU consolidated financial sanctions file (FSF, XML 1.1: ``export``/``sanctionEntity``/
  ``nameAlias``): :func:`read_eu_fsf`;
- OFAC Specially Designated Nationals list, XML (``sdnList``/``sdnEntry``/``akaList``):
  :func:`read_ofac_sdn`, and the CSV files (``sdn.csv`` with ``alt.csv`` and ``add.csv``):
  :func:`read_ofac_sdn_csv`;
- UN Security Council consolidated list XML (``CONSOLIDATED_LIST``/``INDIVIDUAL``/``ENTITY``):
  :func:`read_un_consolidated`;
- UK OFSI consolidated list CSV (``ConList.csv``: a ``Last Updated`` line, then ``Name 6``,
  ``Name 1`` ... ``Group ID``; and the UK Sanctions List CSV that replaced it: a
  ``Report Date`` line, then ``Unique ID``, ``Name 6`` ...): :func:`read_ofsi_csv`.

:func:`read_sanctions_list` tells the formats apart by their first bytes.  Each list keeps its
version and date as the file states them (EU ``globalFileId`` and ``generationDate``, OFAC
``Publish_Date``, UN ``dateGenerated``, OFSI ``Last Updated``/``Report Date``), so every hit
can cite them.

Files are read as streams: XML with ``defusedxml``'s ``iterparse`` (extra ``bank``; a document
type, entity or external reference is refused) dropping each entry once read, CSV row by row;
sizes, entries, names per entry and nesting are bounded.  Whatever the bytes, a reader raises
:class:`SanctionsFormatError` (an :class:`~o2c.errors.O2CError`) naming the place.

>>> xml = '''<export xmlns="http://eu.europa.ec/fpi/fsd/export"
...   generationDate="2026-11-30T18:00:00.000+01:00" globalFileId="171703">
... <sanctionEntity logicalId="13" euReferenceNumber="EU.27.28">
...   <regulation programme="UKR"/><subjectType code="person" classificationCode="P"/>
...   <nameAlias wholeName="Ivan Petrovich SIDOROV" strong="true"/>
...   <nameAlias wholeName="Иван Петрович Сидоров" nameLanguage="RU" strong="true"/>
...   <citizenship countryIso2Code="RU"/></sanctionEntity></export>'''
>>> eu = read_sanctions_list(xml)
>>> eu.name, eu.version, eu.published
('EU FSF', '171703', datetime.date(2026, 11, 30))
>>> e = eu.entries[0]
>>> e.entry_id, e.names, sorted(e.countries), e.kind.value, e.programmes
('EU.27.28', ('Ivan Petrovich SIDOROV', 'Иван Петрович Сидоров'), ['RU'], 'person', ('UKR',))
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import IO, Any

from o2c._checks import shown
from o2c._optional import require
from o2c.adapters._bank import Source
from o2c.cash_application.screening import EntryKind, SanctionsEntry, SanctionsList
from o2c.errors import SanctionsFormatError

__all__ = [
    "MAX_BYTES",
    "MAX_ENTRIES",
    "MAX_NAMES_PER_ENTRY",
    "SanctionsFormatError",
    "country_code",
    "read_eu_fsf",
    "read_ofac_sdn",
    "read_ofac_sdn_csv",
    "read_ofsi_csv",
    "read_sanctions_list",
    "read_un_consolidated",
]

#: The largest file read (bytes).  The official files are far smaller (EU FSF XML about 25 MB,
#: OFAC SDN XML about 10 MB, UN about 2 MB, OFSI CSV about 10 MB in 2026).
MAX_BYTES = 512 * 1024 * 1024
#: The most entries a list may hold (OFAC SDN, the largest, has about 18,000).
MAX_ENTRIES = 200_000
#: The most names and aliases of one entry (the official lists give at most a few hundred).
MAX_NAMES_PER_ENTRY = 2_000
#: The deepest element nesting read (the official files nest five levels).
_MAX_DEPTH = 32
#: The longest CSV field (a statement of reasons runs to a few thousand characters).
_MAX_FIELD = 100_000


# --------------------------------------------------------------------------------------------
# sources: streams with a size bound


class _Bounded(io.RawIOBase):
    """A binary stream that refuses to give more than :data:`MAX_BYTES`."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data: Any = self._raw.read(len(buffer))
        if isinstance(data, str):
            data = data.encode("utf-8")
        n = len(data)
        self.read_bytes += n
        if self.read_bytes > MAX_BYTES:
            raise SanctionsFormatError(
                f"the file is larger than {MAX_BYTES} bytes: no sanctions list is",
                location=f"byte {MAX_BYTES}",
            )
        buffer[:n] = data
        return n


def _open(source: Source) -> tuple[IO[bytes], Callable[[], None]]:
    """A binary stream over ``source`` and what closes it."""
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(bytes(source)), lambda: None
    if isinstance(source, str):
        return io.BytesIO(source.encode("utf-8", "surrogatepass")), lambda: None
    if isinstance(source, os.PathLike):
        fh = open(os.fspath(source), "rb")  # noqa: SIM115 - closed by the caller's finally
        return fh, fh.close
    if getattr(source, "read", None) is None:
        raise TypeError(
            f"source has type {type(source).__name__}: pass a pathlib.Path, bytes, str "
            "(the file's content) or an open file"
        )
    return source, lambda: None  # type: ignore[return-value]


def _peek(source: Source, size: int = 4096) -> tuple[bytes, Source]:
    """The first bytes of ``source`` and a source that still gives all of it."""
    if isinstance(source, bytes | bytearray):
        return bytes(source[:size]), source
    if isinstance(source, str):
        return source[:size].encode("utf-8", "surrogatepass"), source
    if isinstance(source, os.PathLike):
        with open(os.fspath(source), "rb") as fh:
            return fh.read(size), source
    stream, _ = _open(source)
    data: Any = stream.read()
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return bytes(data[:size]), bytes(data)


# --------------------------------------------------------------------------------------------
# XML


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _iter_xml(
    source: Source, entry_tags: frozenset[str], what: str, root_attrs: dict[str, str]
) -> Iterator[tuple[str, ET.Element]]:
    """``(tag, element)`` for each entry element, dropped once yielded; the root's attributes
    (and its local name as ``_tag``) are put in ``root_attrs``.

    Entries are found by local name (namespaces vary between editions of a list).
    """
    dxml = require("defusedxml.ElementTree", extra="bank", feature=f"reading {what} safely")
    defused = require("defusedxml", extra="bank", feature=f"reading {what} safely")
    stream, close = _open(source)
    bounded = _Bounded(stream)
    stack: list[ET.Element] = []
    count = 0
    try:
        events = dxml.iterparse(
            io.BufferedReader(bounded), events=("start", "end"), forbid_dtd=True
        )
        for event, elem in events:
            if event == "start":
                if not stack:
                    root_attrs.update(elem.attrib)
                    root_attrs["_tag"] = _local(elem.tag)
                stack.append(elem)
                if len(stack) > _MAX_DEPTH:
                    raise SanctionsFormatError(
                        f"elements nested more than {_MAX_DEPTH} deep: not a {what} file",
                        location=f"entry {count + 1}",
                    )
                continue
            stack.pop()
            tag = _local(elem.tag)
            if tag in entry_tags:
                count += 1
                if count > MAX_ENTRIES:
                    raise SanctionsFormatError(
                        f"more than {MAX_ENTRIES} entries: no sanctions list has that many",
                        location=f"entry {count}",
                    )
                yield tag, elem
                if stack:
                    stack[-1].remove(elem)
    except SanctionsFormatError:
        raise
    except ET.ParseError as exc:
        line, column = exc.position
        raise SanctionsFormatError(
            f"not well-formed XML: {exc}", location=f"line {line}, column {column}"
        ) from None
    except defused.DefusedXmlException as exc:
        raise SanctionsFormatError(
            f"refused XML with a document type, entity or external reference ({exc}): "
            f"{what} files need none",
            location="line 1",
        ) from None
    except (LookupError, UnicodeError, ValueError) as exc:
        raise SanctionsFormatError(
            f"the XML cannot be read: {exc}", location="line 1", value=str(exc)
        ) from None
    finally:
        close()


def _children(elem: ET.Element, tag: str) -> Iterator[ET.Element]:
    for child in elem:
        if _local(child.tag) == tag:
            yield child


def _text(elem: ET.Element | None, tag: str) -> str:
    if elem is None:
        return ""
    for child in _children(elem, tag):
        return " ".join((child.text or "").split())
    return ""


def _descendants(elem: ET.Element, tag: str) -> Iterator[ET.Element]:
    for child in elem.iter():
        if _local(child.tag) == tag:
            yield child


def _entry(
    entry_id: str,
    names: list[str],
    countries: set[str],
    kind: EntryKind,
    programmes: list[str],
    location: str,
) -> SanctionsEntry:
    if not entry_id:
        raise SanctionsFormatError("an entry without an id", location=location)
    if len(names) > MAX_NAMES_PER_ENTRY:
        raise SanctionsFormatError(
            f"{len(names)} names for one entry (at most {MAX_NAMES_PER_ENTRY})",
            location=location,
            value=entry_id,
        )
    return SanctionsEntry(
        entry_id=entry_id,
        names=tuple(n for n in names if n),
        countries=frozenset(c for c in countries if c),
        kind=kind,
        programmes=tuple(dict.fromkeys(p for p in programmes if p)),
    )


def _iso_date(text: str) -> dt.date | None:
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", text)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _dmy_date(text: str, *, month_first: bool = False) -> dt.date | None:
    match = re.search(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        a, b, year = int(match[1]), int(match[2]), int(match[3])
        month, day = (a, b) if month_first else (b, a)
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    match = re.search(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})", text)
    if match:
        try:
            return dt.datetime.strptime(f"{match[1]} {match[2]} {match[3]}", "%d %b %Y").date()
        except ValueError:
            return None
    return None


def _eu_code(code: str | None) -> str:
    code = (code or "").strip().upper()
    return code if len(code) == 2 and code.isalpha() and code != "00" else ""


def read_eu_fsf(source: Source, *, name: str = "EU FSF") -> SanctionsList:
    """Read the EU consolidated financial sanctions file (FSF XML 1.0 / 1.1).

    Each ``sanctionEntity`` is an entry: its ``euReferenceNumber`` (else ``logicalId``), every
    ``nameAlias`` (``wholeName``, else first, middle and last name), the ``countryIso2Code`` of its
    citizenships, addresses and birth places, ``subjectType/@code`` and the programmes of its
    ``regulation`` elements.  The version is the file's ``globalFileId`` (else its
    ``generationDate``), the date its ``generationDate``.
    """
    entries: list[SanctionsEntry] = []
    root: dict[str, str] = {}
    for i, (_, elem) in enumerate(_iter_xml(source, frozenset({"sanctionEntity"}), name, root)):
        names = []
        for alias in _children(elem, "nameAlias"):
            whole = alias.get("wholeName") or " ".join(
                alias.get(k) or "" for k in ("firstName", "middleName", "lastName")
            )
            names.append(whole)
        countries = {
            _eu_code(c.get("countryIso2Code"))
            for tag in ("citizenship", "address", "birthdate")
            for c in _children(elem, tag)
        }
        subject = next(_children(elem, "subjectType"), None)
        code = (subject.get("code") or "") if subject is not None else ""
        kind = {"person": EntryKind.PERSON, "enterprise": EntryKind.ORGANISATION}.get(
            code.lower(), EntryKind.OTHER
        )
        programmes = [r.get("programme") or "" for r in _children(elem, "regulation")]
        entry_id = elem.get("euReferenceNumber") or elem.get("logicalId") or ""
        entries.append(_entry(entry_id, names, countries, kind, programmes, f"entry {i + 1}"))
    _check_root(root, "export", name)
    generated = root.get("generationDate", "")
    return SanctionsList(
        name=name,
        version=root.get("globalFileId") or generated,
        published=_iso_date(generated),
        entries=tuple(entries),
    )


def _check_root(root: dict[str, str], tag: str, what: str) -> None:
    if root.get("_tag") != tag:
        raise SanctionsFormatError(
            f"the root element is {root.get('_tag')!r}, not {tag!r}: this is not a {what} file",
            location="line 1",
            value=root.get("_tag"),
        )


_OFAC_KINDS = {
    "individual": EntryKind.PERSON,
    "entity": EntryKind.ORGANISATION,
    "vessel": EntryKind.VESSEL,
    "aircraft": EntryKind.AIRCRAFT,
}


def _person_name(first: str, last: str) -> str:
    return " ".join(p for p in (first, last) if p)


def read_ofac_sdn(source: Source, *, name: str = "OFAC SDN") -> SanctionsList:
    """Read OFAC's SDN list as XML (``sdn.xml``; also the consolidated non-SDN ``cons.xml``).

    Each ``sdnEntry`` is an entry: its ``uid``, its first and last name and those of each
    ``aka``, the countries of its addresses, nationalities and citizenships (names mapped to
    ISO codes), ``sdnType`` and ``programList``.  The version and date are ``Publish_Date``.
    """
    entries: list[SanctionsEntry] = []
    published = ""
    root: dict[str, str] = {}
    tags = frozenset({"sdnEntry", "publshInformation"})
    for i, (tag, elem) in enumerate(_iter_xml(source, tags, name, root)):
        if tag == "publshInformation":
            published = _text(elem, "Publish_Date")
            continue
        names = [_person_name(_text(elem, "firstName"), _text(elem, "lastName"))]
        for aka in _descendants(elem, "aka"):
            names.append(_person_name(_text(aka, "firstName"), _text(aka, "lastName")))
        countries = {
            country_code(_text(e, "country"))
            for tag_ in ("address", "nationality", "citizenship")
            for e in _descendants(elem, tag_)
        }
        kind = _OFAC_KINDS.get(_text(elem, "sdnType").lower(), EntryKind.OTHER)
        programmes = [(p.text or "").strip() for p in _descendants(elem, "program")]
        entries.append(
            _entry(_text(elem, "uid"), names, countries, kind, programmes, f"entry {i + 1}")
        )
    _check_root(root, "sdnList", name)
    return SanctionsList(
        name=name,
        version=published,
        published=_dmy_date(published, month_first=True),
        entries=tuple(entries),
    )


def read_un_consolidated(source: Source, *, name: str = "UN consolidated list") -> SanctionsList:
    """Read the UN Security Council consolidated list XML.

    Each ``INDIVIDUAL`` and ``ENTITY`` is an entry: its ``REFERENCE_NUMBER`` (else ``DATAID``),
    ``FIRST_NAME`` to ``FOURTH_NAME``, ``NAME_ORIGINAL_SCRIPT`` and each alias's
    ``ALIAS_NAME``, the countries of its nationalities and addresses, and ``UN_LIST_TYPE``.
    The version and date are the root's ``dateGenerated``.
    """
    entries: list[SanctionsEntry] = []
    root: dict[str, str] = {}
    tags = frozenset({"INDIVIDUAL", "ENTITY"})
    for i, (tag, elem) in enumerate(_iter_xml(source, tags, name, root)):
        parts = [_text(elem, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
        names = [" ".join(p for p in parts if p), _text(elem, "NAME_ORIGINAL_SCRIPT")]
        for alias_tag in ("INDIVIDUAL_ALIAS", "ENTITY_ALIAS"):
            for alias in _children(elem, alias_tag):
                names.append(_text(alias, "ALIAS_NAME"))
        countries = {country_code(_text(n, "VALUE")) for n in _children(elem, "NATIONALITY")}
        for address_tag in ("INDIVIDUAL_ADDRESS", "ENTITY_ADDRESS"):
            for address in _children(elem, address_tag):
                countries.add(country_code(_text(address, "COUNTRY")))
        kind = EntryKind.PERSON if tag == "INDIVIDUAL" else EntryKind.ORGANISATION
        entry_id = _text(elem, "REFERENCE_NUMBER") or _text(elem, "DATAID")
        programmes = [_text(elem, "UN_LIST_TYPE")]
        entries.append(_entry(entry_id, names, countries, kind, programmes, f"entry {i + 1}"))
    _check_root(root, "CONSOLIDATED_LIST", name)
    generated = root.get("dateGenerated", "")
    return SanctionsList(
        name=name, version=generated, published=_iso_date(generated), entries=tuple(entries)
    )


# --------------------------------------------------------------------------------------------
# CSV


def _csv_rows(source: Source, what: str, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` of each row, read as a stream."""
    stream, close = _open(source)
    text = io.TextIOWrapper(io.BufferedReader(_Bounded(stream)), encoding=encoding, newline="")
    previous = csv.field_size_limit(_MAX_FIELD)
    reader = csv.reader(text)
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise SanctionsFormatError(
            f"not a readable CSV row: {exc}", location=f"line {reader.line_num}"
        ) from None
    except UnicodeDecodeError as exc:
        raise SanctionsFormatError(
            f"the bytes are not {encoding} text: {exc.reason}",
            location=f"line {reader.line_num + 1}",
            field="encoding",
        ) from None
    except LookupError:
        raise SanctionsFormatError(
            f"unknown text encoding {encoding!r}", location="line 1", field="encoding"
        ) from None
    finally:
        csv.field_size_limit(previous)
        close()


def _null(text: str) -> str:
    text = " ".join(text.split())
    return "" if text in {"-0-", "-0- "} else text


def _ofac_name(text: str) -> str:
    # "PUTIN, Vladimir Vladimirovich" names the family first; word order does not matter to
    # screening, the comma does not either
    return _null(text).replace(",", " ")


def read_ofac_sdn_csv(
    sdn: Source,
    *,
    alt: Source | None = None,
    add: Source | None = None,
    version: str = "",
    published: dt.date | None = None,
    name: str = "OFAC SDN",
    encoding: str = "latin-1",
) -> SanctionsList:
    """Read OFAC's SDN list as CSV: ``sdn.csv`` with its aliases (``alt.csv``) and addresses
    (``add.csv``).

    The CSV files carry no date: give the ``version`` and ``published`` date the download
    page states.  OFAC writes them in Latin-1 with ``-0-`` for an empty field.
    """
    by_id: dict[str, tuple[list[str], set[str], EntryKind, list[str]]] = {}
    for line, row in _csv_rows(sdn, name, encoding):
        if not row or (len(row) == 1 and not row[0].strip("\x1a \t")):
            continue  # OFAC ends the file with a lone SUB (end-of-file) character
        if len(row) < 4 or not row[0].strip().isdigit():
            raise SanctionsFormatError(
                "an sdn.csv row starts with the entry number and has at least 4 fields",
                location=f"line {line}",
                value=shown(",".join(row)),
            )
        if len(by_id) >= MAX_ENTRIES:
            raise SanctionsFormatError(f"more than {MAX_ENTRIES} entries", location=f"line {line}")
        kind = _OFAC_KINDS.get(_null(row[2]).lower(), EntryKind.OTHER)
        programmes = [p.strip(" []") for p in _null(row[3]).split("] [")]
        by_id[row[0].strip()] = ([_ofac_name(row[1])], set(), kind, programmes)
    for source, index, target in ((alt, 3, "alt"), (add, 4, "add")):
        if source is None:
            continue
        for line, row in _csv_rows(source, f"{name} {target}.csv", encoding):
            if not row or (len(row) == 1 and not row[0].strip("\x1a \t")):
                continue
            if len(row) <= index:
                raise SanctionsFormatError(
                    f"a {target}.csv row has at least {index + 1} fields",
                    location=f"line {line}",
                    value=shown(",".join(row)),
                )
            found = by_id.get(row[0].strip())
            if found is None:
                continue  # an alias or address of an entry no longer listed
            if target == "alt":
                if len(found[0]) >= MAX_NAMES_PER_ENTRY:
                    raise SanctionsFormatError(
                        f"more than {MAX_NAMES_PER_ENTRY} names for entry {row[0]}",
                        location=f"line {line}",
                    )
                found[0].append(_ofac_name(row[index]))
            else:
                found[1].add(country_code(_null(row[index])))
    entries = tuple(
        _entry(eid, names, countries, kind, programmes, f"entry {eid}")
        for eid, (names, countries, kind, programmes) in by_id.items()
    )
    return SanctionsList(name=name, version=version, published=published, entries=entries)


_OFSI_ID = ("Unique ID", "Group ID", "OFSI Group ID")
_OFSI_NAME_PARTS = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name 6")
_OFSI_NON_LATIN = ("Name Non-Latin Script", "Name non-latin script")
_OFSI_COUNTRIES = (
    "Country",
    "Nationality",
    "Country of Birth",
    "Address Country",
    "Nationality(/ies)",
    "Country of birth",
)
_OFSI_KIND = ("Group Type", "Individual, Entity, Ship", "Designation Type")
_OFSI_REGIME = ("Regime", "Regime Name")
_OFSI_KINDS = {
    "individual": EntryKind.PERSON,
    "entity": EntryKind.ORGANISATION,
    "ship": EntryKind.VESSEL,
}


def read_ofsi_csv(
    source: Source, *, name: str = "UK OFSI", encoding: str = "utf-8-sig"
) -> SanctionsList:
    """Read the UK consolidated list CSV (OFSI ``ConList.csv``, or the UK Sanctions List CSV).

    The first line states the date (``Last Updated,03/06/2026`` or ``Report Date: 13-Feb-2026``),
    the next the header.  Each row is one name; rows of one ``Unique ID`` (else ``Group ID``)
    form one entry: ``Name 1`` to ``Name 5`` then ``Name 6`` (the family or entity name), the
    non-Latin script name, the countries (names mapped to ISO codes), the group type and regime.
    """
    rows = _csv_rows(source, name, encoding)
    banner: list[str] = []
    header: list[str] = []
    for line, row in rows:
        if any(c.strip() in _OFSI_NAME_PARTS for c in row):
            header = [c.strip() for c in row]
            break
        if line > 3:
            break
        banner.extend(row)
    if not header:
        raise SanctionsFormatError(
            "no header naming 'Name 6' within the first lines: this is not an OFSI list",
            location="line 1",
        )
    col = {title: i for i, title in reversed(list(enumerate(header)))}
    id_col = next((col[t] for t in _OFSI_ID if t in col), None)
    if id_col is None:
        raise SanctionsFormatError(
            "the header names no 'Unique ID' or 'Group ID' column", location="header"
        )

    def cell(row: list[str], titles: tuple[str, ...]) -> list[str]:
        return [" ".join(row[col[t]].split()) for t in titles if t in col and col[t] < len(row)]

    by_id: dict[str, tuple[list[str], set[str], EntryKind, list[str]]] = {}
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        entry_id = row[id_col].strip() if id_col < len(row) else ""
        if not entry_id:
            raise SanctionsFormatError("a row without its id", location=f"line {line}")
        found = by_id.get(entry_id)
        if found is None:
            if len(by_id) >= MAX_ENTRIES:
                raise SanctionsFormatError(
                    f"more than {MAX_ENTRIES} entries", location=f"line {line}"
                )
            kinds = cell(row, _OFSI_KIND)
            kind = _OFSI_KINDS.get(kinds[0].lower() if kinds else "", EntryKind.OTHER)
            found = by_id[entry_id] = ([], set(), kind, [])
        if len(found[0]) >= MAX_NAMES_PER_ENTRY:
            raise SanctionsFormatError(
                f"more than {MAX_NAMES_PER_ENTRY} names for entry {entry_id}",
                location=f"line {line}",
            )
        found[0].append(" ".join(p for p in cell(row, _OFSI_NAME_PARTS) if p))
        found[0].extend(cell(row, _OFSI_NON_LATIN))
        for text in cell(row, _OFSI_COUNTRIES):
            for part in text.split("|") if "|" in text else [text]:
                found[1].add(country_code(part))
        found[3].extend(cell(row, _OFSI_REGIME))
    stamp = " ".join(banner)
    entries = tuple(
        _entry(eid, names, countries, kind, regimes, f"entry {eid}")
        for eid, (names, countries, kind, regimes) in by_id.items()
    )
    match = re.search(r"(\d{1,2}[/-][0-9A-Za-z]{1,3}[/-]\d{4})", stamp)
    return SanctionsList(
        name=name,
        version=match[1] if match else "",
        published=_dmy_date(stamp),
        entries=entries,
    )


# --------------------------------------------------------------------------------------------
# detection and countries


def read_sanctions_list(source: Source) -> SanctionsList:
    """Read any of the official formats, told apart by the file's first bytes.

    OFAC's CSV comes in three files and states no date: read it with :func:`read_ofac_sdn_csv`.
    """
    head, source = _peek(source)
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    match = re.search(r"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]", _skip_prolog(text))
    if text.startswith("<") and match:
        root = match[2]
        readers: dict[str, Callable[[Source], SanctionsList]] = {
            "export": read_eu_fsf,
            "sdnList": read_ofac_sdn,
            "CONSOLIDATED_LIST": read_un_consolidated,
        }
        if root in readers:
            return readers[root](source)
        raise SanctionsFormatError(
            f"an XML file whose root element {root!r} is none of the EU FSF 'export', OFAC "
            "'sdnList' or UN 'CONSOLIDATED_LIST'",
            location="line 1",
            value=root,
        )
    if "Name 6" in text:
        return read_ofsi_csv(source)
    raise SanctionsFormatError(
        "not a sanctions list this reader knows (EU FSF XML, OFAC SDN XML, UN consolidated XML, "
        "UK OFSI CSV); OFAC's CSV files are read with read_ofac_sdn_csv()",
        location="line 1",
        value=shown(text[:80]),
    )


def _skip_prolog(text: str) -> str:
    while True:
        text = text.lstrip()
        if text.startswith("<?"):
            end = text.find("?>")
        elif text.startswith("<!--"):
            end = text.find("-->")
        else:
            return text
        if end < 0:
            return text
        text = text[end + 2 :]


#: Country names the lists use that CLDR's English names do not give.
_COUNTRY_ALIASES = {
    "russian federation": "RU",
    "iran islamic republic of": "IR",
    "democratic people s republic of korea": "KP",
    "korea north": "KP",
    "korea democratic people s republic of": "KP",
    "dprk": "KP",
    "republic of korea": "KR",
    "korea south": "KR",
    "syrian arab republic": "SY",
    "democratic republic of the congo": "CD",
    "congo democratic republic of the": "CD",
    "republic of the congo": "CG",
    "congo": "CG",
    "burma": "MM",
    "myanmar": "MM",
    "venezuela bolivarian republic of": "VE",
    "lao people s democratic republic": "LA",
    "viet nam": "VN",
    "united kingdom of great britain and northern ireland": "GB",
    "united states of america": "US",
    "usa": "US",
    "uk": "GB",
    "turkey": "TR",
    "turkiye": "TR",
    "bolivia plurinational state of": "BO",
    "republic of moldova": "MD",
    "moldova republic of": "MD",
    "palestine": "PS",
    "state of palestine": "PS",
    "cote d ivoire": "CI",
    "ivory coast": "CI",
    "the gambia": "GM",
    "macedonia": "MK",
    "swaziland": "SZ",
    "czech republic": "CZ",
    "crimea": "UA",
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


#: CLDR regions with two letters that are no countries (unknown, EU, eurozone, UN, outlying).
_NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO"})


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    from babel import Locale

    codes = (str(c) for c in Locale("en").territories)
    return frozenset(c for c in codes if len(c) == 2 and c.isalpha()) - _NOT_COUNTRIES


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    from babel import Locale

    table = {}
    for code, title in Locale("en").territories.items():
        if (
            isinstance(code, str)
            and len(code) == 2
            and code.isalpha()
            and code not in _NOT_COUNTRIES
        ):
            table[_fold(title)] = code
            table[_fold(re.sub(r"\(.*?\)", "", title))] = code
    table.update(_COUNTRY_ALIASES)
    return table


def country_code(name: str) -> str:
    """The ISO alpha-2 code of a country named in English as the lists do ("" if unknown).

    >>> country_code("Iran (Islamic Republic of)"), country_code("Russia"), country_code("XX")
    ('IR', 'RU', '')
    """
    text = name.strip()
    if len(text) == 2 and text.isascii() and text.isalpha() and text.isupper():
        return text if text in _country_codes() else _COUNTRY_ALIASES.get(text.lower(), "")
    folded = _fold(text)
    names = _country_names()
    return names.get(folded) or names.get(_fold(re.sub(r"\(.*?\)", "", text)), "")
