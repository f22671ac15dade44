"""References in remittance text: which open documents a payment names, and how surely.

A payer writes an invoice number the way its own system prints it: with or without the prefix,
in any case, with spaces, dashes or slashes, with leading zeros dropped, in lists
(``"INV-1, -2, -3"``, ``"123/124/130"``) and ranges (``"100-104"``).  :class:`DocumentIndex`
holds the open documents under several keys; :func:`find_references` scans a text for them.

Only numbers that exist as open documents can match, and numbers that only look like references
are masked first: dates, amounts, IBANs and the number after words such as ``ORDER`` or ``PO``.

>>> index = DocumentIndex.build([
...     ("I1", "INV-2026-100673", None, "C1"),
...     ("I2", "INV-2026-100674", None, "C1"),
...     ("I3", "INV-2026-100675", None, "C1"),
...     ("I4", "0104593", "RF5700033100005", "C2"),
... ])
>>> [(h.item_id, h.kind.value) for h in find_references("inv 2026 100673, -674 & -675", index)]
[('I1', 'full'), ('I2', 'list'), ('I3', 'list')]
>>> [(h.item_id, h.kind.value) for h in find_references("Zahlung 104593 order 4711", index)]
[('I4', 'full')]
>>> [h.item_id for h in find_references("RF57 0003 3100 005", index)]
['I4']
>>> find_references("ORDER 0104593 of 10/2026, EUR 1.045,93", index)
()

Fuzzy matching (:func:`fuzzy_matches`) compares the reference-like strings of a text with a
given set of documents (for example those of the payer's customer) and accepts one edit: a
substitution, a transposition, a dropped or added character, or an OCR confusion.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import attrs

from o2c.invoice import references as creditor_reference

__all__ = [
    "DocumentIndex",
    "HitKind",
    "MAX_REMITTANCE_TEXT",
    "ReferenceHit",
    "document_key",
    "find_references",
    "fuzzy_matches",
    "mask_non_references",
    "reference_strings",
    "within_one_edit",
]


class HitKind(enum.Enum):
    """How a document was found in a text (strongest first)."""

    #: A structured document number (camt ``RfrdDocInf``) equal to the document's number.
    STRUCTURED = "structured"
    #: A valid ISO 11649 creditor reference the document carries.
    CREDITOR_REFERENCE = "creditor_reference"
    #: The document number, ignoring case, separators and leading zeros.
    FULL = "full"
    #: The digits of the document number without its letters (``2026100673``).
    DIGITS = "digits"
    #: The document number after an OCR repair of letters among digits (``1I7519``).
    OCR = "ocr"
    #: A creditor reference repaired by one edit, the only repair naming an open document.
    REPAIRED_REFERENCE = "repaired_reference"
    #: Only the last group of digits (``100673`` for ``INV-2026-100673``).
    TAIL = "tail"
    #: Expanded from a list (``INV-100673, -674``).
    LIST = "list"
    #: Expanded from a range (``100673-100676``).
    RANGE = "range"
    #: One edit away from the document number (accept only when confirmed).
    FUZZY = "fuzzy"


#: How much each kind of hit is worth on its own, in [0, 1].
HIT_STRENGTH: dict[HitKind, float] = {
    HitKind.STRUCTURED: 1.0,
    HitKind.CREDITOR_REFERENCE: 1.0,
    HitKind.FULL: 1.0,
    HitKind.DIGITS: 0.95,
    HitKind.OCR: 0.9,
    HitKind.REPAIRED_REFERENCE: 0.9,
    HitKind.TAIL: 0.85,
    HitKind.LIST: 0.9,
    HitKind.RANGE: 0.85,
    HitKind.FUZZY: 0.6,
}


@attrs.frozen
class ReferenceHit:
    """A document named by a text: the item, how it was found and the text that named it."""

    item_id: str
    kind: HitKind
    text: str

    @property
    def strength(self) -> float:
        """The hit's weight in [0, 1] (see :data:`HIT_STRENGTH`)."""
        return HIT_STRENGTH[self.kind]


_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
_DIGIT_GROUPS = re.compile(r"[0-9]+")


_SEPARATORS = str.maketrans("", "", " -/._#:")


def document_key(text: str) -> str:
    """The comparison key of a document number: upper-case letters and digits, no leading zeros.

    >>> document_key("inv-2026-0042"), document_key("0100010"), document_key("26/124014")
    ('INV20260042', '100010', '26124014')
    """
    quick = text.upper().translate(_SEPARATORS)
    if quick.isascii() and quick.isalnum():
        return quick.lstrip("0")
    return _NON_ALNUM.sub("", quick).lstrip("0")


def _digit_groups(number: str) -> list[str]:
    """The groups of digits of a document number ("INV-2026-0042" gives 2026 and 0042)."""
    if number.isdigit():
        return [number]
    return _DIGIT_GROUPS.findall(number)


@attrs.frozen
class DocumentIndex:
    """Open documents under their comparison keys (see :meth:`build`)."""

    full: dict[str, tuple[str, ...]]
    digits: dict[str, tuple[str, ...]]
    tail: dict[str, tuple[str, ...]]
    creditor: dict[str, tuple[str, ...]]
    customer_of: dict[str, str]
    keys_of: dict[str, tuple[str, ...]]
    #: Per item, each key with what :func:`fuzzy_matches` looks it up by: its length, its
    #: head ``(n, key[:n - 3])`` and its tail ``(-n, key[n - 2:])`` (filled when first asked).
    probes_of: dict[str, tuple[tuple[str, int, tuple[int, str], tuple[int, str]], ...]] = (
        attrs.field(factory=dict, eq=False, repr=False)
    )

    @classmethod
    def build(
        cls, entries: Iterable[tuple[str, str, str | None, str]], *, min_tail: int = 5
    ) -> DocumentIndex:
        """Index ``(item_id, document_number, creditor_reference, customer_id)`` entries.

        Each document is found by its full key, by its digits alone (when it has letters), by its
        last group of digits (when it has at least ``min_tail`` digits) and by its creditor
        reference.
        """
        full: dict[str, list[str]] = {}
        digits: dict[str, list[str]] = {}
        tail: dict[str, list[str]] = {}
        creditor: dict[str, list[str]] = {}
        customer_of: dict[str, str] = {}
        keys_of: dict[str, tuple[str, ...]] = {}
        for item_id, number, reference, customer_id in entries:
            if item_id in customer_of:
                continue
            customer_of[item_id] = customer_id
            key = document_key(number)
            keys: tuple[str, ...] = ()
            if key:
                full.setdefault(key, []).append(item_id)
                keys = (key,)
            groups = _digit_groups(number)
            dkey = "".join(groups).lstrip("0")
            if dkey and dkey != key:
                digits.setdefault(dkey, []).append(item_id)
                keys += (dkey,)
            tkey = groups[-1].lstrip("0") if groups else ""
            if len(tkey) >= min_tail and tkey != key and tkey != dkey:
                tail.setdefault(tkey, []).append(item_id)
                keys += (tkey,)
            if reference:
                creditor.setdefault(creditor_reference.compact(reference), []).append(item_id)
            keys_of[item_id] = keys
        return cls(
            full={k: tuple(v) for k, v in full.items()},
            digits={k: tuple(v) for k, v in digits.items()},
            tail={k: tuple(v) for k, v in tail.items()},
            creditor={k: tuple(v) for k, v in creditor.items()},
            customer_of=customer_of,
            keys_of=keys_of,
        )

    def lookup_number(self, number: str) -> tuple[ReferenceHit, ...]:
        """The documents a structured document number names (exact key, then digits)."""
        key = document_key(number)
        found = self.full.get(key) or self.creditor.get(creditor_reference.compact(number))
        if not found and key.isdigit():
            found = self.digits.get(key)
        return tuple(ReferenceHit(i, HitKind.STRUCTURED, number) for i in found or ())


# --------------------------------------------------------------------------------------------
# Masks: what only looks like a reference.

_MONTHS = r"(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|MRZ|MAI|OKT|DEZ)[A-Z]*\.?"
_MASKS = (
    # ISO dates, day-month-year and month/year.
    re.compile(r"(?<![0-9A-Z])(?:19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2}(?![0-9A-Z])"),
    re.compile(
        r"(?<![0-9A-Z/.-])\d{1,2}[./-]\d{1,2}[./-](?:(?:19|20)\d{2}|\d{2})(?![0-9A-Z/.-]*\d)"
    ),
    re.compile(r"(?<![0-9A-Z/.-])(?:0?[1-9]|1[0-2])[./-](?:19|20)\d{2}(?![0-9A-Z])"),
    re.compile(rf"(?<![0-9A-Z]){_MONTHS}\s*(?:\d{{1,2}},?\s*)?(?:19|20)\d{{2}}(?![0-9A-Z])"),
    re.compile(rf"(?<![0-9A-Z])\d{{1,2}}\.?\s*{_MONTHS}\s*(?:19|20)?\d{{2}}(?![0-9A-Z])"),
    # Amounts with decimals (1,234.56 / 1.234,56 / 1234.56) and amounts after a currency.
    # (not glued to a prefix: "INV-2026-1209.52" is a document number with a dot in it).
    re.compile(
        r"(?<![0-9A-Z.,])(?<![0-9A-Z][/-])\d{1,3}(?:[.,' ]\d{3})*[.,]\d{2}(?![0-9A-Z]|[.,]\d)"
    ),
    re.compile(r"(?<![0-9A-Z.,])(?<![0-9A-Z][/-])\d+[.,]\d{1,2}(?![0-9A-Z]|[.,]\d)"),
    re.compile(r"(?:EUR|USD|GBP|CHF|JPY|SEK|NOK|DKK|PLN|CZK|€|\$|£|¥)\s?[0-9][0-9.,' ]*"),
    # IBANs (not RF creditor references).
    # (the country and check digits, at most a bank code of letters, then groups of digits:
    # "SB83 IHRE BEST" is no IBAN).
    # (15 characters at least, Norway's length: "CN2025001808" is a credit note, not an IBAN).
    re.compile(
        r"(?<![0-9A-Z])(?!RF)[A-Z]{2}\d{2}(?=(?: ?[A-Z]{4})?(?: ?\d{4}){2})(?=(?: ?[A-Z0-9]){11})"
        r"(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?"
    ),
    # The number after words that introduce other kinds of numbers.
    re.compile(
        r"(?<![0-9A-Z])(?:ORDER|ORDERNO|PO|P\.O\.|PURCHASE ORDER|BESTELLUNG|BESTELLNR"
        r"|BESTELLNUMMER|AUFTRAG|AUFTRAGSNR|AUFTRAGSNUMMER|COMMANDE|PEDIDO|ORDINE|CUST|CUSTOMER"
        r"|KUNDE|KUNDEN|KUNDENNR|KUNDENNUMMER|KD-NR|KDNR|CLIENT|DEBITOR|DEBTOR|ACCOUNT|ACCT|KTO"
        r"|KONTO|IBAN|BLZ|TEL|PHONE|FAX|VAT|UST-ID|CONTRACT|VERTRAG|TICKET|CASE|LIEFERSCHEIN"
        r"|LIEFERSCHEINNR|DELIVERY NOTE|ALBARAN|BON DE LIVRAISON)"
        # (possessive and bounded before the first digit: "ORDER-ORDER-..." stays linear).
        r"(?:\s*-?\s*(?:NO|NR|NUM|NUMBER|NUMMER|ID|#|N°)\.?)?[\s:#.-]*+(?>[A-Z-]{0,40})[0-9][0-9A-Z-]*"
    ),
)

_RF = re.compile(r"RF\d{2}(?:[ ]?[0-9A-Z]){1,21}")
#: Letters and digits; a word of two or more letters glued to a number ("INV100673",
#: "100673INV") is split from it, unless the word is two letters OCR reads for digits
#: ("IO7797" and "1129OS" are 107797 and 112905 misread).
_TOKEN = re.compile(
    r"(?![ODQILSBZG]{2}[0-9])[A-Z]{2,}(?=[0-9]{3})"
    r"|[0-9]{3,}(?=[A-Z]{2})(?![ODQILSBZG]{2}(?![A-Z]))"
    r"|[0-9A-Z]+"
)
_OCR = str.maketrans(
    {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "S": "5", "B": "8", "Z": "2", "G": "6"}
)
_RANGE_WORDS = re.compile(r"(?<=\d)\s+(?:TO|BIS|THRU|THROUGH|AU)\s+(?=\d)")
_RANGE_SEPARATORS = frozenset({"-", " - ", "..", " TO ", " BIS ", " A ", "–"})
_LIST_SEPARATOR = re.compile(r"^\s*(?:[,;/&+]|-|AND|UND|ET|Y|\s)\s*-?\s*$")


#: Plain patterns that every match of some masks contains: a text without one is not searched
#: by those masks (a search with a look-behind tries every position).  Masking writes ``|``
#: only, so what the text lacks before masking it lacks after.
_MONTH_WORD = re.compile(r"JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|MRZ|MAI|OKT|DEZ")
_LETTERS_DIGITS = re.compile(r"[A-Z]{2}[0-9]{2}")
_NUMBER_WORD = re.compile(
    r"ORDER|PO|P\.O\.|PURCHASE ORDER|BESTELL|AUFTRAG|COMMANDE|PEDIDO|ORDINE|CUST|KUNDE|KD"
    r"|CLIENT|DEBITOR|DEBTOR|ACCOUNT|ACCT|KTO|KONTO|IBAN|BLZ|TEL|PHONE|FAX|VAT|UST-ID|CONTRACT"
    r"|VERTRAG|TICKET|CASE|LIEFERSCHEIN|DELIVERY NOTE|ALBARAN|BON DE LIVRAISON"
)


def _bars(match: re.Match[str]) -> str:
    return "|" * len(match.group(0))


def _mask(text: str) -> str:
    # Which masks may match (see above), in the order of _MASKS.
    separator = "." in text or "/" in text or "-" in text
    month = _MONTH_WORD.search(text) is not None
    decimal = "." in text or "," in text
    wanted = (
        separator,
        separator,
        separator,
        month,
        month,
        decimal,
        decimal,
        True,
        _LETTERS_DIGITS.search(text) is not None,
        _NUMBER_WORD.search(text) is not None,
    )
    for pattern, may in zip(_MASKS, wanted, strict=True):
        if may and pattern.search(text):
            text = pattern.sub(_bars, text)
    return text


def mask_non_references(text: str) -> str:
    """``text`` (upper case) with dates, amounts, IBANs and order/customer numbers masked (``|``).

    >>> mask_non_references("PO 4711 OF 01.03.2026, EUR 1.234,56 INV 100673")
    '||||||| OF ||||||||||, EUR |||||||| INV 100673'
    """
    return _mask(text)


@lru_cache(maxsize=65536)
def _ocr_fix(token: str) -> str:
    """Letters read instead of digits, in a token that is mostly digits."""
    if token.isdigit() or token.isalpha():
        return token
    digits = sum(map(str.isdigit, token))
    if digits == 0 or digits == len(token) or digits * 2 < len(token):
        return token
    return token.translate(_OCR)


#: How many distinct unknown ``RF`` references of one text are tried for a one-edit repair
#: (each try builds about 2,000 variants; a remittance text names a handful of references).
_MAX_REPAIRS = 20


def _creditor_hits(text: str, index: DocumentIndex) -> tuple[list[ReferenceHit], str]:
    hits: list[ReferenceHit] = []
    pieces: list[str] = []
    done = 0
    repaired: dict[str, str | None] = {}
    for match in _RF.finditer(text):
        raw = match.group(0)
        compact = raw.replace(" ", "")
        found: str | None = None
        # The longest valid, known prefix ("RF29...164THX" ends before "THX").
        for end in range(len(compact), 4, -1):
            candidate = compact[:end]
            if candidate in index.creditor and creditor_reference.is_valid(candidate):
                found = candidate
                break
        kind = HitKind.CREDITOR_REFERENCE
        if found is None:
            if compact not in repaired and len(repaired) < _MAX_REPAIRS:
                repaired[compact] = _repair_creditor(compact, index)
            found = repaired.get(compact)
            kind = HitKind.REPAIRED_REFERENCE
        if found is None:
            continue
        hits.extend(ReferenceHit(i, kind, raw) for i in index.creditor[found])
        pieces.append(text[done : match.start()])
        pieces.append("|" * len(raw))
        done = match.end()
    if not pieces:
        return hits, text
    pieces.append(text[done:])
    return hits, "".join(pieces)


_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _repair_creditor(compact: str, index: DocumentIndex) -> str | None:
    """The unique known, valid reference one edit away from ``compact`` (or a prefix of it)."""
    repairs: set[str] = set()
    for end in range(len(compact), max(len(compact) - 4, 5), -1):
        text = compact[:end]
        for candidate in _one_edit_variants(text):
            if candidate in index.creditor and creditor_reference.is_valid(candidate):
                repairs.add(candidate)
        if repairs:
            break
    return next(iter(repairs)) if len(repairs) == 1 else None


def _one_edit_variants(text: str) -> Iterable[str]:
    n = len(text)
    for i in range(2, n):
        for ch in _ALNUM:
            if ch != text[i]:
                yield text[:i] + ch + text[i + 1 :]
        yield text[:i] + text[i + 1 :]
        if i + 1 < n:
            yield text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    for i in range(2, n + 1):
        for ch in _ALNUM:
            yield text[:i] + ch + text[i:]


_PART = re.compile(r"[^|\n]+")
#: A run of letters and digits: tokens never span two runs (nor do :data:`_TOKEN`'s looks
#: ahead see past one), so a run of letters alone or digits alone is one token.
_RUN = re.compile(r"[0-9A-Z]+")


def _segments(text: str) -> Iterable[list[tuple[str, int, int]]]:
    """Runs of tokens not interrupted by a masked span."""
    for part in _PART.finditer(text):
        tokens: list[tuple[str, int, int]] = []
        for run in _RUN.finditer(text, part.start(), part.end()):
            word = run.group(0)
            at = run.start()
            if word.isdigit() or word.isalpha():
                tokens.append((word, at, run.end()))
            else:
                tokens.extend(
                    (m.group(0), at + m.start(), at + m.end()) for m in _TOKEN.finditer(word)
                )
        if tokens:
            yield tokens


#: The longest text whose reading (:func:`_read`) is remembered: a remittance field or a short
#: advice; longer texts are rare, and remembering them would cost memory for nothing.
_MAX_REMEMBERED = 2_000


def _read_now(text: str) -> tuple[str, tuple[list[tuple[str, int, int]], ...]]:
    masked = _mask(text)
    return masked, tuple(_segments(masked))


_read_remembered = lru_cache(maxsize=16384)(_read_now)


def _read(text: str) -> tuple[str, tuple[list[tuple[str, int, int]], ...]]:
    """``text`` (upper case) masked, and its segments of tokens.

    Remembered for texts up to :data:`_MAX_REMEMBERED` characters (shared: callers do not
    change the lists): the matcher reads one remittance text at several stages, and payers
    repeat their texts.
    """
    if len(text) > _MAX_REMEMBERED:
        return _read_now(text)
    return _read_remembered(text)


def _lookup(key: str, index: DocumentIndex, single: bool) -> tuple[HitKind, tuple[str, ...]]:
    found = index.full.get(key)
    if found:
        return HitKind.FULL, found
    if key.isdigit():
        found = index.digits.get(key)
        if found:
            return HitKind.DIGITS, found
        if single:
            found = index.tail.get(key)
            if found:
                return HitKind.TAIL, found
    return HitKind.FUZZY, ()


#: Remittance text is read up to this many characters (about 1,500 invoice lines; a SEPA
#: remittance field holds 140): reading costs about 10 µs a character, so a junk 10 MB text
#: costs what a long real one does.  Longer advices belong in structured intake.
MAX_REMITTANCE_TEXT = 100_000


def find_references(
    text: str, index: DocumentIndex, *, max_window: int = 4
) -> tuple[ReferenceHit, ...]:
    """The open documents ``text`` names, in the order they appear (strongest hit per item).

    Only the first :data:`MAX_REMITTANCE_TEXT` characters are read.

    Args:
        text: free remittance text, a reference field, or both joined.
        index: the open documents.
        max_window: how many consecutive tokens may form one number (``INV 2026 100673`` is 3).
    """
    upper = _RANGE_WORDS.sub(" - ", text[:MAX_REMITTANCE_TEXT].upper())
    hits, upper = _creditor_hits(upper, index)
    masked, segments = _read(upper)
    for tokens in segments:
        hits.extend(_scan(tokens, masked, index, max_window))
    best: dict[str, ReferenceHit] = {}
    order: list[str] = []
    for hit in hits:
        old = best.get(hit.item_id)
        if old is None:
            order.append(hit.item_id)
            best[hit.item_id] = hit
        elif hit.strength > old.strength:
            best[hit.item_id] = hit
    return tuple(best[i] for i in order)


def _scan(
    tokens: list[tuple[str, int, int]], text: str, index: DocumentIndex, max_window: int
) -> list[ReferenceHit]:
    hits: list[ReferenceHit] = []
    n = len(tokens)
    words = [t for t, _, _ in tokens]
    repairs = [_ocr_fix(t) for t in words]
    # Windows of letters alone name nothing: count the tokens with a digit before each one.
    with_digit = [0]
    for t in words:
        with_digit.append(with_digit[-1] + (not t.isalpha()))
    i = 0
    while i < n:
        matched = False
        for w in range(min(max_window, n - i), 0, -1):
            if with_digit[i + w] == with_digit[i]:
                continue
            joined = "".join(words[i : i + w])
            if len(joined) > 30:
                continue
            kind, found = _lookup(joined.lstrip("0"), index, w == 1)
            if not found:
                fixed = "".join(repairs[i : i + w])
                if fixed != joined:
                    kind, found = _lookup(fixed.lstrip("0"), index, w == 1)
                    if found:
                        kind = HitKind.OCR
            if not found:
                continue
            window = tokens[i : i + w]
            raw = text[window[0][1] : window[-1][2]]
            hits.extend(ReferenceHit(item, kind, raw) for item in found)
            end = i + w
            hits.extend(_expand(tokens, end, window, kind, text, index, found))
            i = end
            matched = True
            break
        if not matched:
            i += 1
    return hits


def _expand(
    tokens: list[tuple[str, int, int]],
    start: int,
    window: list[tuple[str, int, int]],
    kind: HitKind,
    text: str,
    index: DocumentIndex,
    anchor_items: tuple[str, ...],
) -> list[ReferenceHit]:
    """Documents named by a list or range continuing the number that ends before ``start``."""
    last = window[-1][0]
    if not last.isdigit() or len(last) < 3:
        return []
    customers = {index.customer_of.get(i) for i in anchor_items}
    prefix = "".join(t for t, _, _ in window[:-1])
    hits: list[ReferenceHit] = []
    previous_end = window[-1][2]
    current = last
    for k in range(start, len(tokens)):  # (not tokens[start:]: no copy per anchor)
        token, s, e = tokens[k]
        separator = text[previous_end:s]
        if not token.isdigit() or len(token) > len(last):
            break
        full_number = current[: len(current) - len(token)] + token
        is_range = separator in _RANGE_SEPARATORS and int(full_number) > int(current)
        if not is_range and not _LIST_SEPARATOR.match(separator):
            break
        if int(full_number) <= int(current):
            break  # lists ascend; "INV-100673/1" is an instalment, not INV-100671
        if len(token) == len(last) and not is_range:
            full_number = token  # "INV-2026-100673, -100674": the next number in full
        numbers = [full_number]
        if is_range and int(full_number) - int(current) <= 50:
            width = len(current)
            numbers = [str(k).zfill(width) for k in range(int(current) + 1, int(full_number) + 1)]
        found_any = False
        for number in numbers:
            hit_kind, found = _lookup((prefix + number).lstrip("0"), index, not prefix)
            for item in found:
                if index.customer_of.get(item) in customers:
                    found_any = True
                    hits.append(
                        ReferenceHit(item, HitKind.RANGE if is_range else HitKind.LIST, text[s:e])
                    )
            del hit_kind
        if not found_any:
            break
        current = full_number
        previous_end = e
    return hits


# --------------------------------------------------------------------------------------------
# Fuzzy matching against a given set of documents.


def reference_strings(text: str, *, min_digits: int = 4, max_window: int = 3) -> tuple[str, ...]:
    """The reference-like keys of a text (with enough digits), for fuzzy comparisons.

    >>> reference_strings("2026-1I7519 order 4711")
    ('20261I7519', '1I7519', '2026', '2026117519', '117519')
    """
    return _reference_strings(text[:MAX_REMITTANCE_TEXT], min_digits, max_window)


@lru_cache(maxsize=16384)
def _reference_strings(text: str, min_digits: int, max_window: int) -> tuple[str, ...]:
    # (remembered: the matcher asks for the strings of one remittance text at several stages.)
    found: dict[str, None] = {}  # insertion-ordered sets
    fixed: dict[str, None] = {}
    for tokens in _read(text.upper())[1]:
        words = [t for t, _, _ in tokens]
        # Per token, its digits and its OCR repair, computed once for every window.
        digits = [sum(map(str.isdigit, t)) for t in words]
        repairs = [_ocr_fix(t) for t in words]
        n = len(words)
        for i in range(n):
            raw = ocr = ""
            count = 0
            for w in range(min(max_window, n - i)):
                raw += words[i + w]
                ocr += repairs[i + w]
                count += digits[i + w]
                joined = raw.lstrip("0")
                if len(joined) > 30:
                    break  # (a longer window is longer still)
                if count - (len(raw) - len(joined)) < min_digits:
                    continue
                found.setdefault(joined)
                repaired = ocr.lstrip("0")
                if repaired != joined:
                    fixed.setdefault(repaired)
    ordered = sorted(found, key=len, reverse=True)
    repaired_strings = sorted(fixed, key=len, reverse=True)
    return tuple(ordered + [f for f in repaired_strings if f not in found])


def within_one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one substitution, transposition, insertion or deletion.

    >>> within_one_edit("0101325", "0101352"), within_one_edit("10251", "104251")
    (True, True)
    >>> within_one_edit("117199", "111199"), within_one_edit("117199", "111999")
    (True, False)
    """
    if a == b:
        return True
    la, lb = len(a), len(b)
    if la == lb:
        i = 0
        while a[i] == b[i]:  # (they differ somewhere)
            i += 1
        # One substitution at i, or the two characters at i and i + 1 swapped.
        return a[i + 1 :] == b[i + 1 :] or (
            a[i + 1 : i + 2] == b[i : i + 1]
            and a[i : i + 1] == b[i + 1 : i + 2]
            and a[i + 2 :] == b[i + 2 :]
        )
    if la - lb not in (1, -1):
        return False
    if la > lb:
        a, b, la = b, a, lb
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _head_length(n: int) -> int:
    """How many first characters of a key of ``n`` the fuzzy filter compares (2 are left)."""
    return max(n - 3, 0)


def _probes(keys: Iterable[str]) -> tuple[tuple[str, int, tuple[int, str], tuple[int, str]], ...]:
    """Each key with its length, head and tail as :func:`fuzzy_matches` looks them up."""
    return tuple(
        (k, len(k), (len(k), k[: _head_length(len(k))]), (-len(k), k[len(k) - 2 :])) for k in keys
    )


def fuzzy_matches(
    strings: Sequence[str], items: Iterable[str], index: DocumentIndex, *, min_length: int = 5
) -> tuple[ReferenceHit, ...]:
    """The ``items`` whose document keys are one edit from one of ``strings``.

    Only keys of at least ``min_length`` characters are compared, so short numbers cannot match
    by accident.  The caller decides whether a match is unique and confirmed.  Each key matches
    the first of ``strings`` (in their order) one edit from it.
    """
    hits: list[ReferenceHit] = []
    long_strings = [s for s in strings if len(s) >= min_length]
    if not long_strings:
        return ()
    # A cheap filter first: one edit leaves a key of n characters either its first n - 3
    # characters or its last 2 (wherever the edit is, transpositions included: the two parts
    # leave one character between them).  So only the strings (of length n - 1 .. n + 1) that
    # share one of them with a key can be one edit from it; within_one_edit decides for those.
    # (The head is long: document numbers of one series share their year and leading zeros.)
    near: dict[tuple[int, str], list[int]] = {}
    for position, s in enumerate(long_strings):
        m = len(s)
        last = s[m - 2 :]
        for n in (m - 1, m, m + 1):
            near.setdefault((n, s[: _head_length(n)]), []).append(position)
            near.setdefault((-n, last), []).append(position)
    probes_of = index.probes_of
    for item in items:
        probes = probes_of.get(item)
        if probes is None:
            probes = probes_of[item] = _probes(index.keys_of.get(item, ()))
        for key, n, head, tail in probes:
            if n < min_length:
                continue
            heads = near.get(head)
            tails = near.get(tail)
            # (each list holds its positions once, ascending)
            if heads is None:
                if tails is None:
                    continue
                positions = tails
            elif tails is None:
                positions = heads
            else:
                positions = sorted({*heads, *tails})
            matched = None
            for p in positions:
                if within_one_edit(long_strings[p], key):
                    matched = long_strings[p]
                    break
            if matched is not None:
                hits.append(ReferenceHit(item, HitKind.FUZZY, matched))
                break
    return tuple(hits)
