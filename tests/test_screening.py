"""Sanctions screening: the list model, transliteration and the fuzzy matcher (core, no I/O)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from o2c.cash_application.screening import (
    EntryKind,
    SanctionsEntry,
    SanctionsList,
    SanctionsScreen,
    ScreeningHitKind,
    ScreeningPolicy,
    name_key,
    sound_key,
    transliterate,
)
from o2c.errors import ValidationError

LIST = SanctionsList(
    name="EU FSF",
    version="171703",
    published=dt.date(2026, 11, 30),
    entries=(
        SanctionsEntry(
            entry_id="EU.27.28",
            names=("Ivan Petrovich SIDOROV", "Иван Петрович Сидоров"),
            countries=frozenset({"RU"}),
            kind=EntryKind.PERSON,
        ),
        SanctionsEntry(
            entry_id="EU.100.1",
            names=("Rosneft Oil Company PJSC", "ROSNEFT"),
            countries=frozenset({"RU"}),
            kind=EntryKind.ORGANISATION,
        ),
        SanctionsEntry(entry_id="EU.5.9", names=("Mohammed Al-Rashid",)),
        SanctionsEntry(entry_id="EU.7.7", names=("Ιωάννης Παπαδόπουλος",)),
        SanctionsEntry(entry_id="EU.8.8", names=("BNC", "The Base")),
    ),
)
EMBARGO = SanctionsList(name="embargo", version="2026-12", embargoed_countries={"KP", "ir"})
SCREEN = SanctionsScreen.build([LIST, EMBARGO])


def ids(name: str, **kw: str) -> list[str]:
    return [h.entry_id for h in SCREEN.screen_name(name, **kw)]


# --- exact, in any order, any script --------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Ivan Petrovich Sidorov",
        "SIDOROV IVAN PETROVICH",
        "Sidorov, Ivan Petrovich",
        "Иван Петрович Сидоров",
        "СИДОРОВ ИВАН ПЕТРОВИЧ",
    ],
)
def test_the_same_words_in_any_order_or_script_are_an_exact_hit(name: str) -> None:
    hit = SCREEN.screen_name(name)[0]
    assert (hit.entry_id, hit.kind, hit.score) == ("EU.27.28", ScreeningHitKind.EXACT, 1.0)
    assert (hit.list_name, hit.list_version, hit.list_date) == (
        "EU FSF",
        "171703",
        dt.date(2026, 11, 30),
    )


def test_a_hit_records_the_list_version_date_and_entry() -> None:
    hit = SCREEN.screen_name("Ivan Sidorov Petrovich", country="ru")[0]
    assert hit.same_country
    text = hit.describe()
    assert "EU.27.28" in text
    assert "171703" in text
    assert "2026-11-30" in text


def test_legal_forms_at_either_end_do_not_matter() -> None:
    assert ids("PJSC Rosneft Oil Company") == ["EU.100.1"]
    assert ids("ROSNEFT OIL COMPANY") == ["EU.100.1"]


def test_greek_is_transliterated() -> None:
    assert ids("Ioannis Papadopoulos") == ["EU.7.7"]
    assert ids("PAPADOPOULOS IOANNIS") == ["EU.7.7"]


# --- fuzzy -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Ivan Petrovich Sidorow",  # one letter
        "Iwan Petrowitsch Sidorow",  # German transliteration
        "Muhammad Al Rashid",  # another transliteration of an Arabic name
        "MOHAMED ALRASHID",
    ],
)
def test_spelling_variants_are_fuzzy_hits(name: str) -> None:
    hits = SCREEN.screen_name(name)
    assert hits, name
    assert hits[0].kind is ScreeningHitKind.FUZZY
    assert ScreeningPolicy().min_score <= hits[0].score < 1.0


@pytest.mark.parametrize(
    "name",
    [
        "Ivan Sidorenko",
        "Petra Sidorova Consulting GmbH",
        "Acme Trading GmbH",
        "Mohammed Al-Hassan",
        "Base Camp Outdoor Ltd",  # "The Base" is a listed alias, but short and common
        "Ivanov Petrovich Trading",  # one word in common is not the name
        "BNC Logistics",  # three letters are matched exactly, never inside a name
        "",
        "¿?!",
    ],
)
def test_other_names_are_no_hit(name: str) -> None:
    assert SCREEN.screen_name(name) == ()


def test_short_names_match_only_exactly() -> None:
    assert ids("BNC") == ["EU.8.8"]
    assert ids("BNX") == []


def test_a_listed_name_inside_the_payers_is_a_contained_hit() -> None:
    hit = SCREEN.screen_name("ROSNEFT TRADING SA")[0]
    assert (hit.entry_id, hit.kind, hit.listed_name) == (
        "EU.100.1",
        ScreeningHitKind.CONTAINED,
        "ROSNEFT",
    )


def test_a_listed_name_cut_short_by_the_bank_is_a_contained_hit() -> None:
    hit = SCREEN.screen_name("ROSNEFT OIL COMPA")[0]
    assert (hit.entry_id, hit.kind) == ("EU.100.1", ScreeningHitKind.CONTAINED)
    assert ids("ROSNEFT OIL") == ["EU.100.1"]  # (ROSNEFT is a listed alias)
    assert ids("IVAN PETROVICH SI") == ["EU.27.28"]
    assert ids("IVAN PETROV") == []  # too short to be a name cut short


def test_a_stricter_policy_drops_fuzzy_hits() -> None:
    strict = SanctionsScreen.build([LIST], ScreeningPolicy(min_score=0.99))
    assert strict.screen_name("Iwan Petrowitsch Sidorow") == ()
    assert [h.entry_id for h in strict.screen_name("Sidorov Ivan Petrovich")] == ["EU.27.28"]


def test_one_hit_per_entry_best_first() -> None:
    hits = SCREEN.screen_name("Rosneft Oil Company")
    assert [h.entry_id for h in hits] == ["EU.100.1"]


def test_the_fallback_without_rapidfuzz_gives_the_same_hits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    names = ["Iwan Petrowitsch Sidorow", "Muhammad Al Rashid", "Ivan Sidorenko", "ROSNEFT SA"]
    with_rf = [SCREEN.screen_name(n) for n in names]
    monkeypatch.setitem(sys.modules, "rapidfuzz", None)
    from o2c.names import _ratio_function

    _ratio_function.cache_clear()
    try:
        without = [SCREEN.screen_name(n) for n in names]
    finally:
        _ratio_function.cache_clear()
    assert [[h.entry_id for h in hs] for hs in without] == [
        [h.entry_id for h in hs] for hs in with_rf
    ]


# --- countries ---------------------------------------------------------------------------------


def test_an_embargoed_country_is_a_country_hit() -> None:
    (hit,) = SCREEN.screen_country("kp")
    assert (hit.kind, hit.list_name, hit.list_version, hit.screened) == (
        ScreeningHitKind.COUNTRY,
        "embargo",
        "2026-12",
        "KP",
    )
    assert SCREEN.screen_country("IR")
    assert SCREEN.screen_country("DE") == ()
    assert SCREEN.screen_country("") == ()


def test_countries_must_be_iso_codes() -> None:
    with pytest.raises(ValidationError, match="ISO 3166"):
        SanctionsList(name="x", embargoed_countries={"Iran"})
    with pytest.raises(ValidationError, match="ISO 3166"):
        SanctionsEntry(entry_id="1", names=("A",), countries={"RUS"})


def test_entry_names_are_cleaned_and_deduplicated() -> None:
    entry = SanctionsEntry(entry_id="1", names=("  Ivan   Petrov ", "Ivan Petrov", ""))
    assert entry.names == ("Ivan Petrov",)
    with pytest.raises(ValidationError):
        SanctionsEntry(entry_id="1", names=(1,))  # type: ignore[arg-type]


# --- keys --------------------------------------------------------------------------------------


def test_transliteration_table() -> None:
    assert transliterate("Щукин Юрий Жуков") == "shchukin iurii zhukov"
    assert transliterate("Ђорђе Јовановић") == "djordje jovanovic"
    assert transliterate("Ευάγγελος Ουρανός") == "evaggelos ouranos"
    assert transliterate("Łukasz Øberg Ærø") == "lukasz oberg aero"
    assert name_key("ООО «Ромашка»") == ("romashka",)
    assert sound_key(("petrowitsch",)) == sound_key(("petrovich",))


# --- properties --------------------------------------------------------------------------------

_LATIN = "abcdefghijklmnopqrstuvwxyzäöüéèêáàçñøåšžčćłńśźż"
_CYRILLIC = "абвгдежзийклмнопрстуфхцчшщыэюя"
_GREEK = "αβγδεζηθικλμνξοπρστυφχψω"


def _words(alphabet: str) -> st.SearchStrategy[list[str]]:
    word = st.text(alphabet=alphabet, min_size=4, max_size=10)
    return st.lists(word, min_size=2, max_size=3)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _screen_of(name: str) -> SanctionsScreen:
    entry = SanctionsEntry(entry_id="X1", names=(name,))
    return SanctionsScreen.build([SanctionsList(name="L", version="1", entries=(entry,))])


@given(_words(_LATIN), st.booleans(), st.randoms(use_true_random=False))
def test_a_listed_name_with_accents_removed_reordered_or_upper_case_still_hits(
    words: list[str], upper: bool, rnd: object
) -> None:
    listed = " ".join(w.capitalize() for w in words)
    screen = _screen_of(listed)
    shuffled = list(words)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    payer = _fold(" ".join(shuffled))
    payer = payer.upper() if upper else payer
    hits = screen.screen_name(payer)
    assert [h.entry_id for h in hits] == ["X1"], (listed, payer)


@given(_words(_CYRILLIC) | _words(_GREEK))
def test_a_name_written_in_cyrillic_or_greek_hits_its_transliteration_and_back(
    words: list[str],
) -> None:
    native = " ".join(words)
    latin = transliterate(native).upper()
    assert [h.entry_id for h in _screen_of(native).screen_name(latin)] == ["X1"]
    assert [h.entry_id for h in _screen_of(latin).screen_name(native)] == ["X1"]


@given(_words(_LATIN), st.integers(min_value=0, max_value=30))
@example(["aabcd", "aaaa", "aaaa"], 0)  # the first letter of a five-letter word (CI profile)
def test_one_changed_letter_in_a_long_name_still_hits(words: list[str], where: int) -> None:
    listed = " ".join(words)
    letters = [i for i, ch in enumerate(listed) if ch != " "]
    i = letters[where % len(letters)]
    changed = listed[:i] + ("x" if listed[i] != "x" else "y") + listed[i + 1 :]
    if len(name_key(listed)[0]) < 5 or sum(len(w) for w in name_key(listed)) < 12:
        return  # one letter in a short name is a large change
    if len(set(listed.replace(" ", ""))) < 4:
        return  # "aaaaa aaaa aaaa" is no name: the index blocks on word starts and sounds
    before, after = sorted(name_key(listed)), sorted(name_key(changed))
    pairs = list(zip(before, after, strict=False))
    if (
        len(before) != len(after)
        or any(len(a) != len(b) for a, b in pairs)
        or sum(x != y for a, b in pairs for x, y in zip(a, b, strict=True)) != 1
    ):
        return  # the letter changed a word the normaliser rewrites ("natl" -> "national")
    assert _screen_of(listed).screen_name(changed), (listed, changed)
