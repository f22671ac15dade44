"""References in remittance text: spellings, lists, ranges, masks, creditor references, fuzz."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.invoice import references as creditor_reference
from o2c.remittance import (
    DocumentIndex,
    HitKind,
    _mask,
    _ocr_fix,
    _segments,
    document_key,
    find_references,
    fuzzy_matches,
    reference_strings,
    within_one_edit,
)

DOCS = [
    ("A1", "INV-2026-100673", None, "C1"),
    ("A2", "INV-2026-100674", None, "C1"),
    ("A3", "INV-2026-100675", None, "C1"),
    ("A4", "INV-2026-100676", None, "C1"),
    ("B1", "0104593", None, "C2"),
    ("B2", "0104594", None, "C2"),
    ("B3", "0104600", None, "C2"),
    ("D1", "26/124014", None, "C3"),
    ("D2", "26/124015", None, "C3"),
    ("E1", "INV-2026-117519", creditor_reference.create("00516117519"), "C4"),
]
INDEX = DocumentIndex.build(DOCS)


def found(text: str) -> list[str]:
    return [h.item_id for h in find_references(text, INDEX)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INV-2026-100673", ["A1"]),
        ("inv-2026-100673", ["A1"]),
        ("INV 2026 100673", ["A1"]),
        ("/INV/INV-2026-100673/", ["A1"]),
        ("Rechnung INV2026100673 danke", ["A1"]),
        ("Zahlung 2026100673", ["A1"]),
        ("INV100673", ["A1"]),
        ("invoice #100673", ["A1"]),
        ("0104593", ["B1"]),
        ("104593", ["B1"]),
        ("Payment of invoice no. 0104593 thank you", ["B1"]),
        ("26/124014", ["D1"]),
        ("26124014", ["D1"]),
        ("RE 26/124014; 26/124015", ["D1", "D2"]),
    ],
)
def test_spellings_of_a_document_number(text: str, expected: list[str]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INV-2026-100673, -674, -675", ["A1", "A2", "A3"]),
        ("INV-2026-100673/74/75", ["A1", "A2", "A3"]),
        ("0104593/94", ["B1", "B2"]),
        ("INV-2026-100673 - 100676", ["A1", "A2", "A3", "A4"]),
        ("INV-2026-100673 to 100675", ["A1", "A2", "A3"]),
        ("INV INV-2026-100673; INV-2026-100676", ["A1", "A4"]),
    ],
)
def test_lists_and_ranges(text: str, expected: list[str]) -> None:
    assert found(text) == expected


def test_list_expansion_stays_with_the_anchors_customer() -> None:
    index = DocumentIndex.build([*DOCS, ("X1", "INV-2026-100677", None, "C9")])
    assert [h.item_id for h in find_references("INV-2026-100676/77", index)] == ["A4"]


@pytest.mark.parametrize(
    "text",
    [
        "ORDER 0104593",
        "PO 104593",
        "Kto 2026100673",
        "Bestellung 104593",
        "KD-NR 0104593",
        "SALARY 10/2026",
        "paid 12.03.2026",
        "2026-10-04",
        "2026/10/04",
        "EUR 1,045.93",
        "1.045,93 EUR",
        "USD 104593",
        "DE89 3704 0044 0532 0130 00",
        "GB33BUKB20201555555555",
    ],
)
def test_numbers_that_only_look_like_references(text: str) -> None:
    assert found(text) == []


def test_creditor_reference_valid_and_glued_to_text() -> None:
    rf = creditor_reference.create("00516117519")
    assert found(rf) == ["E1"]
    assert found(f"Paiement {creditor_reference.format_grouped(rf)}") == ["E1"]
    assert found(f"Zahlung {rf}THX") == ["E1"]
    [hit] = find_references(rf, INDEX)
    assert hit.kind is HitKind.CREDITOR_REFERENCE


def test_creditor_reference_single_error_repaired_when_unique() -> None:
    rf = creditor_reference.create("00516117519")
    broken = rf[:-1] + ("0" if rf[-1] != "0" else "1")
    assert not creditor_reference.is_valid(broken)
    [hit] = find_references(broken, INDEX)
    assert hit.item_id == "E1"
    assert hit.kind is HitKind.REPAIRED_REFERENCE


def test_creditor_reference_repair_refused_when_not_unique() -> None:
    body_a, body_b = "12345678", "12345679"
    index = DocumentIndex.build(
        [
            ("X", "X-1", creditor_reference.create(body_a), "C1"),
            ("Y", "Y-1", creditor_reference.create(body_b), "C1"),
        ]
    )
    # A reference with both a wrong last digit and wrong check digits that one edit can turn
    # into either known reference is ambiguous: no repair.
    ambiguous = [
        f"RF{cd:02d}1234567{last}"
        for cd in range(100)
        for last in "0123456789"
        if not creditor_reference.is_valid(f"RF{cd:02d}1234567{last}")
    ]
    refused = 0
    for text in ambiguous[:300]:
        hits = find_references(text, index)
        assert len(hits) <= 1
        refused += not hits
    assert refused > 0


def test_ocr_confusions_are_read_as_digits() -> None:
    [hit] = find_references("INV-2026-1I7519", INDEX)
    assert (hit.item_id, hit.kind) == ("E1", HitKind.OCR)
    assert found("O1O4593") == ["B1"]


def test_document_key() -> None:
    assert document_key(" inv-2026/000042 ") == "INV2026000042"
    assert document_key("0000123") == "123"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("117199", "111199", True),  # substitution
        ("101325", "101352", True),  # transposition
        ("10251", "104251", True),  # dropped digit
        ("2114237", "114237", True),  # added digit
        ("123456", "654321", False),
        ("12345", "1234567", False),
    ],
)
def test_within_one_edit(a: str, b: str, expected: bool) -> None:
    assert within_one_edit(a, b) is expected
    assert within_one_edit(b, a) is expected


@given(st.text(alphabet="0123456789AB", min_size=1, max_size=12))
def test_within_one_edit_is_reflexive_and_symmetric(text: str) -> None:
    assert within_one_edit(text, text)
    other = text[1:] + "X"
    assert within_one_edit(text, other) == within_one_edit(other, text)


def test_fuzzy_matches_against_a_set_of_documents() -> None:
    strings = reference_strings("Payment INV-2026-100763 thanks")
    hits = fuzzy_matches(strings, ["A1", "A2", "B1"], INDEX)
    assert [h.item_id for h in hits] == ["A1"]
    assert hits[0].kind is HitKind.FUZZY
    assert fuzzy_matches(reference_strings("INV-2026-999999"), ["A1", "A2"], INDEX) == ()


def test_short_numbers_do_not_fuzzy_match() -> None:
    index = DocumentIndex.build([("S", "4711", None, "C1")])
    assert fuzzy_matches(reference_strings("4712"), ["S"], index) == ()


@given(st.text(max_size=80))
def test_any_text_is_safe(text: str) -> None:
    for hit in find_references(text, INDEX):
        assert hit.item_id in {d[0] for d in DOCS}


def test_remittance_text_is_read_up_to_its_limit() -> None:
    import time

    from o2c.remittance import MAX_REMITTANCE_TEXT

    text = "INV-2026-100673 " + "x" * MAX_REMITTANCE_TEXT + " INV-2026-100676"
    assert [h.item_id for h in find_references(text, INDEX)] == ["A1"]  # the tail is not read
    start = time.perf_counter()
    find_references("INV 2026 100673, -674 " * 500_000, INDEX)  # 11 MB of references
    assert time.perf_counter() - start < 10  # about one second: only the first 100,000 chars


def _fuzzy_by_comparing_every_key(
    strings: list[str], items: list[str], index: DocumentIndex
) -> tuple[tuple[str, str], ...]:
    """The definition fuzzy_matches answers by its filter: every key against every string."""
    out = []
    for item in items:
        for key in index.keys_of.get(item, ()):
            if len(key) < 5:
                continue
            s = next((s for s in strings if len(s) >= 5 and within_one_edit(s, key)), None)
            if s is not None:
                out.append((item, s))
                break
    return tuple(out)


_DIGITS = st.text(alphabet="0123", min_size=4, max_size=9)


@given(
    st.lists(_DIGITS, min_size=1, max_size=12, unique=True),
    st.lists(st.tuples(_DIGITS, st.integers(0, 4), st.integers(0, 8)), max_size=12),
)
def test_fuzzy_matches_finds_what_comparing_every_key_finds(
    numbers: list[str], edits: list[tuple[str, int, int]]
) -> None:
    # Documents with small digits (many near misses), strings that are edits of them or not.
    index = DocumentIndex.build((f"I{k}", f"INV-{n}", None, "C1") for k, n in enumerate(numbers))
    strings = []
    for base, op, at in edits:
        s = list(base)
        at = min(at, len(s) - 1)
        if op == 0:
            s[at] = "9"
        elif op == 1 and at + 1 < len(s):
            s[at], s[at + 1] = s[at + 1], s[at]
        elif op == 2:
            del s[at]
        elif op == 3:
            s.insert(at, "3")
        strings.append("".join(s))
    strings += [f"INV{n}" for n in numbers[:2]]
    items = sorted(index.keys_of)
    got = tuple((h.item_id, h.text) for h in fuzzy_matches(strings, items, index))
    assert got == _fuzzy_by_comparing_every_key(strings, items, index)
    assert all(h.kind is HitKind.FUZZY for h in fuzzy_matches(strings, items, index))


def _strings_window_by_window(text: str, min_digits: int) -> tuple[str, ...]:
    """The definition reference_strings answers: every window of up to three tokens."""
    upper = _mask(text.upper())
    found: dict[str, None] = {}
    fixed: dict[str, None] = {}
    for tokens in _segments(upper):
        n = len(tokens)
        for i in range(n):
            for w in range(1, min(3, n - i) + 1):
                joined = "".join(t for t, _, _ in tokens[i : i + w]).lstrip("0")
                if sum(ch.isdigit() for ch in joined) < min_digits or len(joined) > 30:
                    continue
                found.setdefault(joined)
                ocr = "".join(_ocr_fix(t) for t, _, _ in tokens[i : i + w]).lstrip("0")
                if ocr != joined:
                    fixed.setdefault(ocr)
    ordered = sorted(found, key=len, reverse=True)
    return tuple(ordered + [f for f in sorted(fixed, key=len, reverse=True) if f not in found])


@given(
    st.text(alphabet="0123456789 ABCIOS-/,.:", max_size=60)
    | st.lists(st.sampled_from(["INV", "00", "1I75", "2026", "-", " ", "0104593", "x"])).map(
        "".join
    ),
    st.integers(1, 5),
)
def test_reference_strings_are_every_window_with_enough_digits(text: str, digits: int) -> None:
    assert reference_strings(text, min_digits=digits) == _strings_window_by_window(text, digits)


def test_a_short_letter_prefixed_number_is_no_iban() -> None:
    """Two letters, two digits and eight more ("CN2025001808") are a document number, not an
    IBAN (the shortest IBAN, Norway's, has 15 characters); real IBANs are still masked."""
    from o2c.remittance import DocumentIndex, find_references

    index = DocumentIndex.build(
        [("I1", "INV/2025/059118", None, "C1"), ("I2", "CN/2025/001808", None, "C1")]
    )
    found = find_references("INV2025059118 ./. CN2025001808", index)
    assert [h.item_id for h in found] == ["I1", "I2"]
    iban_index = DocumentIndex.build([("I3", "8601 1117 947", None, "C1")])
    assert find_references("from NO93 8601 1117 947", iban_index) == ()
