"""Payer names: normalisation and fuzzy matching against customers.

A bank line names its payer as the payer's bank wrote it: upper case, legal form dropped or
abbreviated, spaces lost, accents stripped, sometimes only initials.  :func:`normalize` reduces
a name to its distinctive words; :class:`NameIndex` finds the customers a payer name may mean,
each with a score in [0, 1] and the kind of match that produced it.

>>> normalize("Müller & Söhne GmbH & Co. KG")
'muller and sohne'
>>> normalize("ORION FURNITURE CO., LTD.")
'orion furniture'
>>> initials("Baltic Steel Inc.")
'bs'
>>> index = NameIndex.build([("C1", "Baltic Steel Inc."), ("C2", "Blue Sky Ltd"),
...                         ("C3", "Harbor Textiles Co., Ltd.")])
>>> index.lookup("HARBORTEXTILES")
(NameMatch(customer_id='C3', score=0.97, kind=<NameMatchKind.COMPACT: 'compact'>),)
>>> [m.customer_id for m in index.lookup("BS Inc.")]
['C1']

Fuzzy matching uses rapidfuzz (the ``match`` extra) when it is installed and falls back to the
standard library's :mod:`difflib` otherwise; both give the same kind of similarity ratio.
"""

from __future__ import annotations

import difflib
import enum
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

import attrs

__all__ = [
    "LEGAL_FORMS",
    "LEGAL_FORM_MISMATCH",
    "MAX_NAME_LENGTH",
    "NameIndex",
    "NameMatch",
    "NameMatchKind",
    "compact_name",
    "initials",
    "legal_form",
    "normalize",
    "similarity",
]

#: Legal-form words and abbreviations (after dots are removed and the text is lower-cased).
#: Multi-word forms are written with spaces.
LEGAL_FORMS: frozenset[str] = frozenset(
    {
        "ab",
        "ag",
        "as",
        "asa",
        "bhd",
        "bv",
        "bvba",
        "cia",
        "co",
        "co kg",
        "co ltd",
        "company",
        "corp",
        "corporation",
        "cv",
        "eg",
        "ev",
        "gbr",
        "gmbh",
        "gmbh co kg",
        "inc",
        "incorporated",
        "kft",
        "kg",
        "kk",
        "lda",
        "limited",
        "llc",
        "llp",
        "lp",
        "ltd",
        "ltda",
        "nv",
        "ohg",
        "oy",
        "oyj",
        "plc",
        "pte",
        "pty",
        "sa",
        "sarl",
        "sas",
        "se",
        "sl",
        "spa",
        "sp zoo",
        "sro",
        "srl",
        "ug",
    }
)

#: Common abbreviations in company names, expanded before comparison.
_ABBREVIATIONS = {
    "intl": "international",
    "int'l": "international",
    "mfg": "manufacturing",
    "svc": "services",
    "svcs": "services",
    "ind": "industries",
    "inds": "industries",
    "bros": "brothers",
    "tech": "technologies",
    "techn": "technologies",
    "grp": "group",
    "hldgs": "holdings",
    "hldg": "holding",
    "mgmt": "management",
    "natl": "national",
    "assoc": "associates",
    "dist": "distribution",
    "eng": "engineering",
    "&": "and",
    "und": "and",
    "et": "and",
    "y": "and",
}

_LEGAL_TOKENS = tuple(sorted((tuple(f.split()) for f in LEGAL_FORMS), key=len, reverse=True))
#: The legal forms by their last word, longest first (a name's last word picks the few to try).
_LEGAL_BY_LAST: dict[str, tuple[tuple[str, ...], ...]] = {
    last: tuple(f for f in _LEGAL_TOKENS if f[-1] == last)
    for last in {f[-1] for f in _LEGAL_TOKENS}
}
_NON_ALNUM = re.compile(r"[^0-9a-z&]+")
_AMP = re.compile(r"&")


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()  # (ASCII decomposes to itself and folds as it lowers)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().replace("ß", "ss")


#: Names are read up to this many characters (SEPA allows 140, SWIFT 4 x 35): a longer "name"
#: is junk, and reading only its start keeps time and the cache's memory bounded.
MAX_NAME_LENGTH = 1000


@lru_cache(maxsize=65536)
def _tokens(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The name's core words and its trailing legal-form words."""
    text = _fold(name[:MAX_NAME_LENGTH]).replace(".", "")
    text = _AMP.sub(" & ", text)
    words = [w for w in _NON_ALNUM.sub(" ", text).split() if w]
    words = [_ABBREVIATIONS.get(w, w) for w in words]
    forms: list[tuple[str, ...]] = []  # trailing legal forms, last first
    changed = True
    while changed and words:
        changed = False
        for form in _LEGAL_BY_LAST.get(words[-1], ()):
            n = len(form)
            if len(words) > n and tuple(words[-n:]) == form:
                forms.append(form)
                del words[-n:]
                changed = True
                break
        while len(words) > 1 and words[-1] == "and":
            del words[-1]
            changed = True
    return tuple(words), tuple(w for form in reversed(forms) for w in form)


def normalize(name: str) -> str:
    """The name folded to lower case without accents, punctuation and trailing legal forms.

    >>> normalize("  Société Générale S.A. ")
    'societe generale'
    >>> normalize("PRAIRIE MEDICAL OY")
    'prairie medical'
    """
    return " ".join(_tokens(name)[0])


def legal_form(name: str) -> str:
    """The trailing legal form of ``name``, normalised (``""`` when there is none).

    >>> legal_form("Pioneer Chemicals A.G."), legal_form("Orion Furniture Co., Ltd.")
    ('ag', 'co ltd')
    """
    return " ".join(_tokens(name)[1])


def compact_name(name: str) -> str:
    """The normalised name without spaces (``"HARBORTEXTILES"`` and ``"Harbor Textiles"`` meet).

    >>> compact_name("Harbor Textiles Co., Ltd.")
    'harbortextiles'
    """
    return "".join(_tokens(name)[0])


def initials(name: str) -> str:
    """The initials of the name's core words (``"Baltic Steel Inc."`` gives ``"bs"``).

    >>> initials("Pioneer Chemicals AG")
    'pc'
    """
    return "".join(w[0] for w in _tokens(name)[0] if w != "and")


def _difflib_ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@lru_cache(maxsize=1)
def _ratio_function() -> Callable[[str, str], float]:
    try:
        from rapidfuzz import fuzz
    except ImportError:  # the `match` extra is optional: fall back to the standard library
        return _difflib_ratio

    def ratio(a: str, b: str) -> float:
        return float(fuzz.ratio(a, b)) / 100.0

    return ratio


def similarity(a: str, b: str) -> float:
    """The similarity in [0, 1] of two names after normalisation (1 = the same words).

    >>> similarity("Cedar Steel", "CEDAR STEEL SARL")
    1.0
    >>> round(similarity("Cedar Steel", "Cedar Steal"), 2)
    0.9
    """
    na, nb = compact_name(a), compact_name(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    return _ratio_function()(na, nb)


class NameMatchKind(enum.Enum):
    """How a payer name matched a customer (strongest first)."""

    #: The same words after normalisation (case, accents, punctuation, legal form).
    EXACT = "exact"
    #: The same letters once spaces are removed.
    COMPACT = "compact"
    #: A known alias of the customer (learned from confirmed matches or given).
    ALIAS = "alias"
    #: The customer's words begin the payer's ("Baltic Steel Inc. Hamburg Branch"), or the
    #: payer's name is the customer's cut short by the bank ("INTERNATIONAL WIDGETS MAN").
    PREFIX = "prefix"
    #: Close spelling (fuzzy ratio above the cut-off).
    FUZZY = "fuzzy"
    #: Only the initials agree (``"BS Inc."`` for ``"Baltic Steel Inc."``): weak, often shared.
    INITIALS = "initials"


@attrs.frozen
class NameMatch:
    """A customer a payer name may mean, with a score in [0, 1]."""

    customer_id: str
    score: float
    kind: NameMatchKind


#: The score factor for the same words under an incompatible legal form.
LEGAL_FORM_MISMATCH = 0.75

_KIND_SCORE: dict[NameMatchKind, float] = {
    NameMatchKind.EXACT: 1.0,
    NameMatchKind.ALIAS: 0.98,
    NameMatchKind.COMPACT: 0.97,
}


@attrs.frozen
class NameIndex:
    """Customers' names (and aliases) indexed for payer-name lookups.

    Build it with :meth:`build`; :meth:`lookup` returns the candidate customers best first.
    """

    by_exact: dict[str, tuple[str, ...]]
    by_compact: dict[str, tuple[str, ...]]
    by_alias: dict[str, tuple[str, ...]]
    by_initials: dict[str, tuple[str, ...]]
    by_first_word: dict[str, tuple[str, ...]]
    words_of: dict[str, tuple[str, ...]]
    legal: dict[str, str]
    compact_names: tuple[tuple[str, str], ...]
    choices: tuple[str, ...]
    fuzzy_cutoff: float = 0.86
    #: Every core word, for names with abbreviated words ("HIGH. STEEL").
    by_word: dict[str, tuple[str, ...]] = attrs.field(factory=dict)

    @classmethod
    def build(
        cls,
        names: Iterable[tuple[str, str]],
        *,
        aliases: Iterable[tuple[str, str]] = (),
        fuzzy_cutoff: float = 0.86,
    ) -> NameIndex:
        """Index ``(customer_id, name)`` pairs and ``(customer_id, alias)`` pairs."""
        exact: dict[str, list[str]] = {}
        compact: dict[str, list[str]] = {}
        alias: dict[str, list[str]] = {}
        inits: dict[str, list[str]] = {}
        first: dict[str, list[str]] = {}
        by_word: dict[str, list[str]] = {}
        words_of: dict[str, tuple[str, ...]] = {}
        legal: dict[str, str] = {}
        compact_names: list[tuple[str, str]] = []
        for customer_id, name in names:
            norm = normalize(name)
            if not norm:
                continue
            _add(exact, norm, customer_id)
            comp = norm.replace(" ", "")
            _add(compact, comp, customer_id)
            ini = initials(name)
            if len(ini) >= 2:
                _add(inits, ini, customer_id)
            legal[customer_id] = legal_form(name)
            words = _tokens(name)[0]
            words_of[customer_id] = words
            _add(first, words[0], customer_id)
            for word in set(words):
                _add(by_word, word, customer_id)
            compact_names.append((comp, customer_id))
        for customer_id, name in aliases:
            comp = compact_name(name)
            if comp:
                _add(alias, comp, customer_id)
        return cls(
            by_exact={k: tuple(v) for k, v in exact.items()},
            by_compact={k: tuple(v) for k, v in compact.items()},
            by_alias={k: tuple(v) for k, v in alias.items()},
            by_initials={k: tuple(v) for k, v in inits.items()},
            by_first_word={k: tuple(v) for k, v in first.items()},
            words_of=words_of,
            legal=legal,
            compact_names=tuple(compact_names),
            choices=tuple(c for c, _ in compact_names),
            fuzzy_cutoff=fuzzy_cutoff,
            by_word={k: tuple(v) for k, v in by_word.items()},
        )

    def lookup(self, payer_name: str, *, limit: int = 12) -> tuple[NameMatch, ...]:
        """The customers ``payer_name`` may mean, best first (at most ``limit``).

        Exact, compact and alias matches score near 1; fuzzy matches score their ratio scaled
        below them; initials (with a legal form that agrees when the payer gives one) score 0.5
        divided among the customers sharing them.
        """
        return self._lookup(payer_name, limit)

    def _lookup(self, payer_name: str, limit: int) -> tuple[NameMatch, ...]:
        words, legal = _tokens(payer_name)
        if not words:
            return ()
        norm = " ".join(words)
        comp = "".join(words)
        found: dict[str, NameMatch] = {}

        def offer(customer_id: str, score: float, kind: NameMatchKind) -> None:
            old = found.get(customer_id)
            if old is None or old.score < score:
                found[customer_id] = NameMatch(customer_id, round(score, 4), kind)

        legal_text = " ".join(legal)

        def form_factor(cid: str) -> float:
            # Same words, another legal form: "Polar Foods SARL" is not "Polar Foods S.p.A.".
            theirs = self.legal.get(cid, "")
            if legal_text and theirs and not _legal_compatible(legal_text, theirs):
                return LEGAL_FORM_MISMATCH
            return 1.0

        for cid in self.by_exact.get(norm, ()):
            offer(cid, _KIND_SCORE[NameMatchKind.EXACT] * form_factor(cid), NameMatchKind.EXACT)
        for cid in self.by_alias.get(comp, ()):
            offer(cid, _KIND_SCORE[NameMatchKind.ALIAS], NameMatchKind.ALIAS)
        for cid in self.by_compact.get(comp, ()):
            offer(cid, _KIND_SCORE[NameMatchKind.COMPACT] * form_factor(cid), NameMatchKind.COMPACT)
        if not found and len(words) >= 2:
            for start in range(1, len(words) - 1):
                # The customer's words inside the payer's ("AP DEPT BALTIC STEEL INC").
                for cid in self.by_first_word.get(words[start], ()):
                    theirs = self.words_of[cid]
                    if len(theirs) >= 2 and tuple(words[start : start + len(theirs)]) == theirs:
                        offer(cid, 0.88 * form_factor(cid), NameMatchKind.PREFIX)
            for cid in self.by_first_word.get(words[-1], ()):
                # The same words in another order ("STEEL BALTIC").
                if sorted(self.words_of[cid]) == sorted(words):
                    offer(cid, 0.95 * form_factor(cid), NameMatchKind.FUZZY)
            for cid in self.by_first_word.get(words[0], ()):
                theirs = self.words_of[cid]
                n = len(theirs)
                if n >= 2 and len(words) > n and tuple(words[:n]) == theirs:
                    offer(cid, 0.9 * form_factor(cid), NameMatchKind.PREFIX)
                elif (
                    len(comp) >= 12
                    and len(words) <= n
                    and tuple(words[:-1]) == theirs[: len(words) - 1]
                    and theirs[len(words) - 1].startswith(words[-1])
                ):
                    offer(cid, 0.85, NameMatchKind.PREFIX)
        if not found and len(words) >= 2:
            self._abbreviated(words, offer, form_factor)
        if not found and len(comp) >= 5:
            ratio = _ratio_function()
            cutoff = self.fuzzy_cutoff
            for other, cid in self._fuzzy_candidates(comp):
                r = ratio(comp, other)
                if r >= cutoff:
                    offer(cid, 0.6 + 0.35 * (r - cutoff) / (1.0 - cutoff), NameMatchKind.FUZZY)
        if len(words) == 1 and 2 <= len(comp) <= 4:
            shared = [
                cid
                for cid in self.by_initials.get(comp, ())
                if not legal_text or _legal_compatible(legal_text, self.legal.get(cid, ""))
            ]
            if shared:
                score = 0.5 / len(shared) ** 0.5
                for cid in shared:
                    offer(cid, score, NameMatchKind.INITIALS)
        ranked = sorted(found.values(), key=lambda m: (-m.score, m.customer_id))
        return tuple(ranked[:limit])

    def _abbreviated(
        self,
        words: tuple[str, ...],
        offer: Callable[[str, float, NameMatchKind], None],
        form_factor: Callable[[str], float],
    ) -> None:
        """Customers whose words the payer's words spell out or begin ("HIGH. STEEL")."""
        anchor = max((w for w in words if len(w) >= 4 and w in self.by_word), key=len, default="")
        if not anchor or len(self.by_word[anchor]) > 500:
            return
        fits = []
        for cid in self.by_word[anchor]:
            theirs = self.words_of[cid]
            if len(theirs) == len(words) and all(
                p == t or (len(p) >= 3 and t.startswith(p))
                for p, t in zip(words, theirs, strict=True)
            ):
                fits.append(cid)
        # One customer fits (under the payer's legal form, when it gives one): nearly as good as
        # the name cut short; several share the evidence.
        same_form = [cid for cid in fits if form_factor(cid) == 1.0]
        score = 0.85 if len(same_form or fits) == 1 else 0.4
        for cid in fits:
            offer(cid, score * form_factor(cid), NameMatchKind.PREFIX)

    def _fuzzy_candidates(self, comp: str) -> Iterable[tuple[str, str]]:
        try:
            from rapidfuzz import fuzz, process
        except ImportError:  # pure-Python fallback: compare with every name
            return self.compact_names
        hits = process.extract(
            comp, self.choices, scorer=fuzz.ratio, limit=8, score_cutoff=self.fuzzy_cutoff * 100
        )
        return [self.compact_names[i] for _, _, i in hits]


_LEGAL_SYNONYMS = {
    "limited": "ltd",
    "corporation": "corp",
    "incorporated": "inc",
    "company": "co",
    "oyj": "oy",
}


def _legal_compatible(payer_form: str, customer_form: str) -> bool:
    """Whether two legal forms may be the same ("Ltd." and "Co., Ltd.", "Limited" and "Ltd")."""
    if not customer_form:
        return False
    payer = [_LEGAL_SYNONYMS.get(w, w) for w in payer_form.split()]
    theirs = [_LEGAL_SYNONYMS.get(w, w) for w in customer_form.split()]
    return payer == theirs or all(w in theirs for w in payer) or all(w in payer for w in theirs)


def _add(table: dict[str, list[str]], key: str, value: str) -> None:
    bucket = table.setdefault(key, [])
    if value not in bucket:
        bucket.append(value)
