"""The fast paths of remittance reading answer exactly what their plain definitions answer."""

from __future__ import annotations

import itertools
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from o2c.remittance import (
    _MASKS,
    _MAX_REMEMBERED,
    _TOKEN,
    _mask,
    _read,
    _segments,
    within_one_edit,
)

#: Pieces that make the masks, the tokens and the windows do something: dates, amounts,
#: IBAN-like groups, labels, month names, letters glued to digits, OCR-like letters.
_PIECES = (
    "INV",
    "2026",
    "01.03.2026",
    "2026-03-01",
    "3/2026",
    "12 MAR 2026",
    "MAR 3, 2026",
    "1.234,56",
    "1234.5",
    "EUR 12,00",
    "$5",
    "DE89 3704 0044 0532 0130 00",
    "RF18 5390 0754 7034",
    "PO 4711",
    "ORDER NO. 12-A",
    "KD-NR 253489",
    "KUNDE",
    "CASE",
    "TEL",
    "1I7519",
    "IO7797",
    "1129OS",
    "100673INV",
    "INV100673",
    "-674",
    "/",
    "|",
    "\n",
    " ",
    ".",
    ",",
)
_TEXT = st.lists(
    st.one_of(st.sampled_from(_PIECES), st.text(alphabet="0123456789ABIOSZ./-, ", max_size=8)),
    max_size=12,
).map("".join)


def _mask_by_every_pattern(text: str) -> str:
    """The definition of the masks: every pattern searched, in order, on the text so far."""
    for pattern in _MASKS:
        if pattern.search(text):
            text = pattern.sub(lambda m: "|" * len(m.group(0)), text)
    return text


@given(_TEXT)
@example("PO 4711 OF 01.03.2026, EUR 1.234,56 INV 100673")
@example("DELIVERY NOTE 12 MAR 2026 DE89370400440532013000")
@settings(max_examples=300)
def test_mask_masks_what_every_pattern_masks(text: str) -> None:
    assert _mask(text) == _mask_by_every_pattern(text)


def _segments_by_tokens(text: str) -> list[list[tuple[str, int, int]]]:
    """The definition of the segments: the tokens of each unmasked part, as _TOKEN reads it."""
    out = []
    for part in re.finditer(r"[^|\n]+", text):
        tokens = [
            (m.group(0), m.start() + part.start(), m.end() + part.start())
            for m in _TOKEN.finditer(part.group(0))
        ]
        if tokens:
            out.append(tokens)
    return out


@given(_TEXT)
@example("INV100673 100673INV IO7797 1129OS 2026-1I7519")
@settings(max_examples=300)
def test_segments_are_the_tokens_of_each_part(text: str) -> None:
    assert list(_segments(text)) == _segments_by_tokens(text)


@given(_TEXT)
@settings(max_examples=100)
def test_a_text_read_twice_reads_the_same_as_masked_and_segmented(text: str) -> None:
    expected = (_mask_by_every_pattern(text), _segments_by_tokens(_mask_by_every_pattern(text)))
    for _ in range(2):  # (the second reading is remembered)
        masked, segments = _read(text)
        assert (masked, [list(s) for s in segments]) == expected


def test_a_long_text_is_read_the_same_without_being_remembered() -> None:
    text = "INV 100673 01.03.2026 " * (_MAX_REMEMBERED // 10)
    masked, segments = _read(text)
    assert masked == _mask_by_every_pattern(text)
    assert [list(s) for s in segments] == _segments_by_tokens(masked)
    assert _read(text) is not _read(text)  # (built anew each time)


def _one_edit_variants(text: str, alphabet: str) -> set[str]:
    """Every string one substitution, transposition, insertion or deletion from ``text``."""
    out = {text}
    for i in range(len(text) + 1):
        out.update(text[:i] + ch + text[i:] for ch in alphabet)
        if i < len(text):
            out.add(text[:i] + text[i + 1 :])
            out.update(text[:i] + ch + text[i + 1 :] for ch in alphabet)
        if i + 1 < len(text):
            out.add(text[:i] + text[i + 1] + text[i] + text[i + 2 :])
    return out


@given(st.text(alphabet="012", max_size=6), st.text(alphabet="012", max_size=6))
@settings(max_examples=400)
def test_within_one_edit_is_one_edit(a: str, b: str) -> None:
    assert within_one_edit(a, b) == (b in _one_edit_variants(a, "012"))


def test_within_one_edit_on_every_pair_of_short_strings() -> None:
    words = ["".join(p) for n in range(5) for p in itertools.product("ab", repeat=n)]
    for a in words:
        variants = _one_edit_variants(a, "ab")
        for b in words:
            assert within_one_edit(a, b) == (b in variants), (a, b)


#: Each word the mask of labelled numbers knows, and each month name.
_LABELS = (
    *("ORDER", "ORDERNO", "PO", "P.O.", "PURCHASE ORDER", "BESTELLUNG", "BESTELLNR"),
    *("BESTELLNUMMER", "AUFTRAG", "AUFTRAGSNR", "AUFTRAGSNUMMER", "COMMANDE", "PEDIDO"),
    *("ORDINE", "CUST", "CUSTOMER", "KUNDE", "KUNDEN", "KUNDENNR", "KUNDENNUMMER", "KD-NR"),
    *("KDNR", "CLIENT", "DEBITOR", "DEBTOR", "ACCOUNT", "ACCT", "KTO", "KONTO", "IBAN", "BLZ"),
    *("TEL", "PHONE", "FAX", "VAT", "UST-ID", "CONTRACT", "VERTRAG", "TICKET", "CASE"),
    *("LIEFERSCHEIN", "LIEFERSCHEINNR", "DELIVERY NOTE", "ALBARAN", "BON DE LIVRAISON"),
)
_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV")
_MONTH_NAMES += ("DEC", "MRZ", "MAI", "OKT", "DEZ")


def test_each_label_month_and_kind_alone_is_masked_as_every_pattern_masks() -> None:
    texts = [f"{label} 4711-A" for label in _LABELS]
    texts += [f"{m} 2026 / 3 {m}. 26 / {m} 3, 2026" for m in _MONTH_NAMES]
    texts += ["2026.3.1", "1/3/26", "3-2026", "12,50", "1 234.56", "GB29 NWBK 6016 1331 9268 19"]
    texts += ["USD 12", "£7"]
    for text in texts:
        masked = _mask(text)
        assert masked == _mask_by_every_pattern(text), text
        assert "|" in masked, text  # (each text has something to mask)
    for label in _LABELS:  # (glued to a word, a label is none)
        assert _mask(f"X{label}:12 9") == _mask_by_every_pattern(f"X{label}:12 9")
