"""Sanctions lists and the screening of names and countries against them (core, no I/O).

A :class:`SanctionsList` is what a user supplies: the list's name, its version and publication
date, and its entries (names and aliases, countries, the list's own id for each entry).  The
readers of the official files (EU consolidated financial sanctions XML, OFAC SDN, UN consolidated
list, UK OFSI CSV) live in :mod:`o2c.adapters.sanctions`; a list may also be built in code, with
``embargoed_countries`` for countries under comprehensive sanctions.

:class:`SanctionsScreen` indexes lists once and screens names many times.  Names are compared as
the bank writes them, whatever the script: Cyrillic and Greek letters are transliterated to Latin
(:func:`transliterate`, a small table in the core), accents folded, case, punctuation and legal
forms dropped, word order ignored; then the names are matched exactly, fuzzily (the similarity
:func:`o2c.names.similarity` uses, of the names as spelled and as they sound, among the listed
names that share a word's sound, or its first or last four letters) or by containment (every word
of a listed name in the payer's).
Each :class:`SanctionsHit` records the list's name, version and date and the entry's id.

>>> import datetime as dt
>>> eu = SanctionsList(name="EU FSF", version="171703", published=dt.date(2026, 11, 30),
...     entries=(SanctionsEntry(entry_id="EU.27.28", names=("Ivan Petrovich SIDOROV",
...                                                          "Иван Петрович Сидоров")),))
>>> screen = SanctionsScreen.build([eu])
>>> hit = screen.screen_name("SIDOROV IVAN PETROVICH")[0]
>>> hit.list_name, hit.list_version, hit.entry_id, hit.kind.value
('EU FSF', '171703', 'EU.27.28', 'exact')
>>> [h.entry_id for h in screen.screen_name("Sidorow Iwan Petrowitsch")]
['EU.27.28']
>>> screen.screen_name("Iwan Sidorenko Trading GmbH")
()
>>> transliterate("Сидоров Ηλίας")
'sidorov ilias'
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache

import attrs

from o2c.errors import ValidationError
from o2c.names import LEGAL_FORMS, MAX_NAME_LENGTH, _ratio_function, normalize

__all__ = [
    "DEFAULT_SCREENING_POLICY",
    "EntryKind",
    "SanctionsEntry",
    "SanctionsHit",
    "SanctionsList",
    "SanctionsScreen",
    "ScreeningHitKind",
    "ScreeningPolicy",
    "name_key",
    "sound_key",
    "transliterate",
]


class EntryKind(enum.Enum):
    """What a listed entry is (the lists' subject types)."""

    PERSON = "person"
    ORGANISATION = "organisation"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    OTHER = "other"


class ScreeningHitKind(enum.Enum):
    """How a screened name or country met a list (strongest first)."""

    #: The same words after transliteration, folding and normalisation (any order).
    EXACT = "exact"
    #: Every word of the listed name is one of the screened name's words, or the screened name
    #: is the listed name cut short.
    CONTAINED = "contained"
    #: Close spelling: the similarity reached :attr:`ScreeningPolicy.min_score`.
    FUZZY = "fuzzy"
    #: The country is under the list's comprehensive (country-wide) sanctions.
    COUNTRY = "country"


def _countries(values: Iterable[str]) -> frozenset[str]:
    out = set()
    for value in values:
        code = value.strip().upper()
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            raise ValidationError(
                f"country {value!r} is not an ISO 3166 alpha-2 code (e.g. 'RU')",
                field="countries",
                value=value,
            )
        out.add(code)
    return frozenset(out)


def _names(values: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise ValidationError(
                f"a listed name must be text, not {type(value).__name__}",
                field="names",
                value=value,
            )
        text = " ".join(value.split())[:MAX_NAME_LENGTH]
        if text and text not in out:
            out.append(text)
    return tuple(out)


@attrs.frozen(kw_only=True)
class SanctionsEntry:
    """One listed person, organisation, vessel ...: its names (primary first) and countries.

    ``entry_id`` is the list's own identifier (EU reference number or logical id, OFAC uid, UN
    reference number or data id, OFSI group id): what a hit cites.
    """

    entry_id: str
    names: tuple[str, ...] = attrs.field(converter=_names)
    countries: frozenset[str] = attrs.field(default=frozenset(), converter=_countries)
    kind: EntryKind = EntryKind.OTHER
    #: The sanctions programmes or regimes the entry is listed under (as the list names them).
    programmes: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class SanctionsList:
    """A sanctions list as published: name, version, date and entries.

    ``embargoed_countries`` (ISO alpha-2) are countries under comprehensive sanctions: a payer
    from one of them is a hit whatever its name.  The official files carry none; a user adds
    them by building a list in code.
    """

    name: str
    version: str = ""
    published: dt.date | None = None
    entries: tuple[SanctionsEntry, ...] = ()
    embargoed_countries: frozenset[str] = attrs.field(default=frozenset(), converter=_countries)


@attrs.frozen(kw_only=True)
class SanctionsHit:
    """A screened name (or country) that met a list's entry, with what cites it."""

    list_name: str
    list_version: str
    list_date: dt.date | None
    #: The entry's id in the list (empty for an embargoed country).
    entry_id: str
    #: The listed name that matched (or the embargoed country's code).
    listed_name: str
    #: The name (or country) screened.
    screened: str
    kind: ScreeningHitKind
    #: Similarity in [0, 1] (1 for exact, contained and country hits).
    score: float
    #: True when the entry also lists the screened party's country.
    same_country: bool = False

    def describe(self) -> str:
        """One line for a person: what matched which entry of which list."""
        when = f" of {self.list_date.isoformat()}" if self.list_date else ""
        version = f" version {self.list_version}" if self.list_version else ""
        if self.kind is ScreeningHitKind.COUNTRY:
            return f"country {self.screened} is embargoed by {self.list_name}{version}{when}"
        country = ", same country" if self.same_country else ""
        return (
            f"{self.screened!r} {self.kind.value} match ({self.score:.2f}{country}) for "
            f"{self.listed_name!r}, entry {self.entry_id} of {self.list_name}{version}{when}"
        )


def _fraction(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValidationError(
            f"{attribute.name}={value!r} must be a number above 0 and at most 1",
            field=attribute.name,
            value=value,
        )


@attrs.frozen(kw_only=True)
class ScreeningPolicy:
    """Thresholds of name screening.

    ``min_score``: the least similarity of two names (as written, or with their words sorted)
    that is a hit; 0.86 is the cut-off :class:`o2c.names.NameIndex` uses for payer names, and it
    keeps a one-letter change in a ten-letter name (0.90), one of the usual transliterations
    (``Sidorow``/``Sidorov``, ``Mohammed``/``Muhammad``, 0.86-0.93) and a dropped middle initial
    a hit while two different family names sharing a first name stay apart.
    ``min_fuzzy_chars``: names shorter than this (letters, without spaces) are matched exactly
    only (``BNC``, ``ADF``): a fuzzy match of three letters means nothing.
    Fuzzy candidates are the listed names sharing a block key with the screened name (a word's
    sound, or for words of five letters or more their first or last four: it takes a wrong
    letter in every word of a name to escape) or its whole sound.
    ``min_contained_chars``: a listed name of one word must have this many letters to be found
    inside a longer payer name (``ROSNEFT`` in ``ROSNEFT TRADING SA``; not ``BASE``).
    """

    min_score: float = attrs.field(default=0.86, validator=_fraction)
    #: The weight of a similarity of sounds (:func:`sound_key`): below 1, so that two names
    #: spelled alike outrank two that only sound alike, and high enough that the same sounds
    #: (``Mohammed``/``Muhammad``) reach ``min_score``.
    sound_weight: float = attrs.field(default=0.95, validator=_fraction)
    #: The least similarity of each word of a fuzzy hit to a word of the other name (the name
    #: with fewer words decides): one wrong letter in a four-letter word (0.75) is still alike.
    min_word_score: float = attrs.field(default=0.75, validator=_fraction)
    min_fuzzy_chars: int = 5
    #: A screened name of at least this many letters that begins a listed name is the listed
    #: name cut short (SWIFT fields hold 35 characters, some banks keep 16-20): a contained hit.
    min_prefix_chars: int = 12
    #: A block key (a word's sound, its first or last four letters) shared by more listed names
    #: than this does not make them candidates by itself: ``TRADING`` or ``MOHAMMED`` would bring
    #: thousands (a millisecond a screening).  The names still meet through their other words,
    #: or their whole sound.
    max_block: int = 1000
    min_contained_chars: int = 6


DEFAULT_SCREENING_POLICY = ScreeningPolicy()

# Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Macedonian) after accents are folded (й and
# ё fold to и and е); ICAO 9303 (machine-readable passports) where it has a rule, which is what
# the lists' Latin names mostly follow.  Greek after ELOT 743 (accents folded first).
# fmt: off
_TRANSLIT: dict[str, str] = {
    # Cyrillic
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
    "є": "ie", "і": "i", "ґ": "g", "ў": "u",
    "ђ": "dj", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ѓ": "gj", "ќ": "kj",
    "ѕ": "dz",
    # Greek
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th",
    "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p",
    "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps",
    "ω": "o",
    # Latin letters that do not decompose into a letter and an accent
    "ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d", "ı": "i",
}
# fmt: on
_TRANSLIT_TABLE = str.maketrans(_TRANSLIT)
#: Greek vowel pairs ELOT 743 writes as one sound.
_GREEK_DIGRAPHS = (("ου", "ou"), ("αυ", "av"), ("ευ", "ev"))

#: Spellings the same sound takes in different transliterations (German, French, English,
#: ICAO ...), longest first: ``Sidorow``/``Sidorov``, ``Petrowitsch``/``Petrovich``,
#: ``Dzhamal``/``Djamal``/``Jamal``, ``Khalil``/``Halil``.
# fmt: off
_SOUNDS = (
    ("tsch", "ch"), ("dzh", "j"), ("sch", "sh"), ("tch", "ch"), ("dj", "j"), ("zh", "j"),
    ("kh", "h"), ("ph", "f"), ("ck", "k"), ("w", "v"), ("q", "k"), ("x", "ks"), ("y", "i"),
)
# fmt: on
_VOWELS = str.maketrans("eiou", "aaaa")

#: Legal forms at either end of a name that :func:`o2c.names.normalize` does not drop (it drops
#: trailing Western ones): the Russian and CIS forms the lists are full of, spelled as
#: transliterated, and English forms written first.
# fmt: off
_EXTRA_FORMS = frozenset(
    {"ooo", "zao", "oao", "pao", "ao", "pjsc", "ojsc", "cjsc", "jsc", "tov", "pat", "fzco", "fze",
     "llc", "ltd", "the"}
)
# fmt: on
#: The one-word legal forms of :data:`o2c.names.LEGAL_FORMS` ("gmbh", "ltda", "sarl" ...).
_ONE_WORD_FORMS = frozenset(f for f in LEGAL_FORMS if " " not in f)


def transliterate(text: str) -> str:
    """``text`` folded to lower-case Latin: Cyrillic and Greek transliterated, accents dropped.

    >>> transliterate("Ιωάννης Πέτρου"), transliterate("Žižek Ñandú")
    ('ioannis petrou', 'zizek nandu')
    """
    decomposed = unicodedata.normalize("NFKD", text[:MAX_NAME_LENGTH])
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = stripped.casefold()
    for digraph, latin in _GREEK_DIGRAPHS:
        text = text.replace(digraph, latin)
    return text.translate(_TRANSLIT_TABLE)


def name_key(name: str) -> tuple[str, ...]:
    """The words a name is screened by: transliterated, folded, legal forms dropped.

    >>> name_key("OOO «Ромашка»"), name_key("Müller & Söhne GmbH")
    (('romashka',), ('muller', 'and', 'sohne'))
    """
    words = normalize(transliterate(name)).split()
    # Screening ignores word order, so a one-word legal form counts nowhere in the name (not
    # only at its ends, as a payer may write "Ltda" before or after the rest).
    kept = [w for w in words if w not in _EXTRA_FORMS and w not in _ONE_WORD_FORMS]
    return tuple(kept) if kept else tuple(words)


def sound_key(words: Iterable[str]) -> str:
    """A name's words as they sound, roughly: the usual transliteration variants written one way
    and every vowel as ``a`` (``Mohammed`` and ``Muhammad`` meet), repeated letters once.

    Similarity on these keys (weighted by :attr:`ScreeningPolicy.sound_weight`) finds a name
    spelled after another transliteration; it is never an exact match.

    >>> sound_key(("mohammed",)) == sound_key(("muhammad",))
    True
    >>> sound_key(("sidorow", "iwan")), sound_key(("sidorov", "ivan"))
    ('sadarav avan', 'sadarav avan')
    """
    return " ".join(_word_sound(word) for word in words)


_SOUND_PATTERN = re.compile("|".join(spelling for spelling, _ in _SOUNDS))
_SOUND_OF = dict(_SOUNDS)
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def _word_sound(word: str) -> str:
    spoken = _SOUND_PATTERN.sub(lambda m: _SOUND_OF[m[0]], word).translate(_VOWELS)
    return _REPEATS.sub(r"\1", spoken)


@attrs.frozen
class _Name:
    list_index: int
    entry_index: int
    name: str
    words: tuple[str, ...]
    #: compact spelling as written, with words sorted, and the same two as they sound
    keys: tuple[str, str, str, str]
    #: the lengths of the spelling and of the sound
    lengths: tuple[int, int]


def _keys(words: tuple[str, ...]) -> tuple[str, str, str, str]:
    ordered = sorted(words)
    return (
        "".join(words),
        "".join(ordered),
        sound_key(words).replace(" ", ""),
        sound_key(ordered).replace(" ", ""),
    )


@attrs.frozen(kw_only=True)
class SanctionsScreen:
    """Sanctions lists indexed for screening; build it once with :meth:`build`."""

    lists: tuple[SanctionsList, ...]
    policy: ScreeningPolicy
    _names: tuple[_Name, ...]
    _by_compact: dict[str, tuple[int, ...]]
    _by_word: dict[str, tuple[int, ...]]
    #: names by block key (:func:`_blocks`) and by their whole sound, for fuzzy candidates
    _by_block: dict[str, tuple[int, ...]]

    @classmethod
    def build(
        cls, lists: Iterable[SanctionsList], policy: ScreeningPolicy = DEFAULT_SCREENING_POLICY
    ) -> SanctionsScreen:
        """Index every name of every entry of ``lists``."""
        lists = tuple(lists)
        names: list[_Name] = []
        by_compact: dict[str, list[int]] = defaultdict(list)
        by_word: dict[str, list[int]] = defaultdict(list)
        by_block: dict[str, list[int]] = defaultdict(list)
        for li, sl in enumerate(lists):
            for ei, entry in enumerate(sl.entries):
                for text in entry.names:
                    words = name_key(text)
                    if not words:
                        continue  # a script without a transliteration: other names cover it
                    n = len(names)
                    keys = _keys(words)
                    names.append(_Name(li, ei, text, words, keys, (len(keys[0]), len(keys[2]))))
                    by_compact[keys[0]].append(n)
                    by_compact[keys[1]].append(n)
                    # a name is contained when all its words are: one word (its longest) finds it
                    by_word[_longest(words)].append(n)
                    if len(keys[0]) >= policy.min_fuzzy_chars:
                        for block in _blocks(words, keys):
                            by_block[block].append(n)
        return cls(
            lists=lists,
            policy=policy,
            names=tuple(names),
            by_compact={k: tuple(dict.fromkeys(v)) for k, v in by_compact.items()},
            by_word={k: tuple(v) for k, v in by_word.items()},
            by_block={k: tuple(dict.fromkeys(v)) for k, v in by_block.items()},
        )

    @property
    def size(self) -> int:
        """How many names are indexed."""
        return len(self._names)

    def screen_name(self, name: str, *, country: str = "") -> tuple[SanctionsHit, ...]:
        """The entries ``name`` may be, best first (one hit per entry).

        ``country`` (ISO alpha-2, when known) marks hits whose entry lists the same country.
        """
        words = name_key(name)
        if not words:
            return ()
        keys = _keys(words)
        found: dict[tuple[int, int], tuple[float, ScreeningHitKind, _Name]] = {}

        def offer(n: int, score: float, kind: ScreeningHitKind) -> None:
            ref = self._names[n]
            key = (ref.list_index, ref.entry_index)
            old = found.get(key)
            if old is None or (score, -_RANK[kind]) > (old[0], -_RANK[old[1]]):
                found[key] = (score, kind, ref)

        for key in {keys[0], keys[1]}:
            for n in self._by_compact.get(key, ()):
                offer(n, 1.0, ScreeningHitKind.EXACT)
        mine = set(words)
        candidates = {n for word in mine for n in self._by_word.get(word, ())}
        for n in candidates:
            theirs = self._names[n].words
            long_enough = len(theirs) >= 2 or len(theirs[0]) >= self.policy.min_contained_chars
            if long_enough and len(theirs) < len(words) and set(theirs) <= mine:
                offer(n, 1.0, ScreeningHitKind.CONTAINED)
        policy = self.policy
        if len(keys[0]) >= policy.min_fuzzy_chars:
            ratio = _ratio_function()
            spelled, sounded = len(keys[0]), len(keys[2])
            least = policy.min_score
            for n in self._candidates(words, keys):
                ref = self._names[n]
                if len(keys[0]) >= policy.min_prefix_chars and ref.keys[0].startswith(keys[0]):
                    offer(n, 1.0, ScreeningHitKind.CONTAINED)  # the name cut short by a bank
                    continue
                # a ratio is at most 2 min / (sum of the lengths): skip what cannot reach it
                a, b = ref.lengths
                score = 0.0
                if 2 * min(a, spelled) / (a + spelled) >= least:
                    score = max(ratio(keys[0], ref.keys[0]), ratio(keys[1], ref.keys[1]))
                if policy.sound_weight * 2 * min(b, sounded) / (b + sounded) >= max(least, score):
                    sound = max(ratio(keys[2], ref.keys[2]), ratio(keys[3], ref.keys[3]))
                    score = max(score, policy.sound_weight * sound)
                if score >= policy.min_score and self._words_agree(words, ref.words):
                    offer(n, score, ScreeningHitKind.FUZZY)
        country = country.strip().upper()
        hits = []
        for (li, ei), (score, kind, ref) in found.items():
            sl = self.lists[li]
            entry = sl.entries[ei]
            hits.append(
                SanctionsHit(
                    list_name=sl.name,
                    list_version=sl.version,
                    list_date=sl.published,
                    entry_id=entry.entry_id,
                    listed_name=ref.name,
                    screened=name,
                    kind=kind,
                    score=round(score, 4),
                    same_country=bool(country) and country in entry.countries,
                )
            )
        hits.sort(key=lambda h: (-h.score, _RANK[h.kind], h.list_name, h.entry_id))
        return tuple(hits)

    def screen_country(self, country: str) -> tuple[SanctionsHit, ...]:
        """The lists that embargo ``country`` (ISO alpha-2), one hit each."""
        code = country.strip().upper()
        return tuple(
            SanctionsHit(
                list_name=sl.name,
                list_version=sl.version,
                list_date=sl.published,
                entry_id="",
                listed_name=code,
                screened=code,
                kind=ScreeningHitKind.COUNTRY,
                score=1.0,
                same_country=True,
            )
            for sl in self.lists
            if code and code in sl.embargoed_countries
        )

    def _words_agree(self, mine: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
        """Whether each word of the name with fewer words is like a word of the other (spelled or
        sounded, :attr:`ScreeningPolicy.min_word_score`; an initial like a word it begins): one
        long word in common does not make ``Schwaben Haustechnik`` ``Schäfer Haustechnik``."""
        ratio = _ratio_function()
        policy = self.policy
        short, long_ = (mine, theirs) if len(mine) <= len(theirs) else (theirs, mine)
        for word in short:
            if len(word) == 1 and any(other[0] == word for other in long_):
                continue  # an initial
            sound = _word_sound(word)
            if not any(
                ratio(word, other) >= policy.min_word_score
                or policy.sound_weight * ratio(sound, _word_sound(other)) >= policy.min_word_score
                for other in long_
            ):
                return False
        return True

    def _candidates(self, words: tuple[str, ...], keys: tuple[str, str, str, str]) -> set[int]:
        """The listed names sharing a block key with ``words`` (common keys left out)."""
        found: set[int] = set()
        limit = self.policy.max_block
        for block in _blocks(words, keys):
            names = self._by_block.get(block, ())
            if block.startswith("=") or len(names) <= limit:
                found.update(names)
        return found


def _longest(words: tuple[str, ...]) -> str:
    return max(words, key=lambda w: (len(w), w))


def _blocks(words: tuple[str, ...], keys: tuple[str, str, str, str]) -> Iterator[str]:
    """The block keys of a name: each word's sound, the first and last four letters of words of
    five letters or more (one changed letter, even the first, leaves one of them), and the whole
    sound (words sorted, marked ``=``)."""
    yield "=" + keys[3]
    for word in words:
        sound = _word_sound(word)
        if len(sound) >= 3:
            yield "w" + sound
        if len(word) >= 5:
            yield "p" + word[:4]
            yield "s" + word[-4:]


_RANK = {
    ScreeningHitKind.EXACT: 0,
    ScreeningHitKind.CONTAINED: 1,
    ScreeningHitKind.FUZZY: 2,
    ScreeningHitKind.COUNTRY: 3,
}
