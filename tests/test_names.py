"""Payer names: normalisation, legal forms, initials and fuzzy matching (rapidfuzz or not)."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c import names
from o2c.names import NameIndex, NameMatchKind, compact_name, initials, legal_form, normalize

CUSTOMERS = [
    ("C1", "Baltic Steel Inc."),
    ("C2", "Blue Sky Ltd"),
    ("C3", "Harbor Textiles Co., Ltd."),
    ("C4", "Müller & Söhne GmbH & Co. KG"),
    ("C5", "Pioneer Chemicals AG"),
    ("C6", "Polar Cedar AG"),
    ("C7", "International Widgets Manufacturing S.p.A."),
]
INDEX = NameIndex.build(CUSTOMERS, aliases=[("C1", "Mega Parent Holding AG")])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ORION FURNITURE CO., LTD.", "orion furniture"),
        ("Société Générale S.A.", "societe generale"),
        ("Müller & Söhne GmbH & Co. KG", "muller and sohne"),
        ("Green Retail S.p.A.", "green retail"),
        ("Red Marine B.V.", "red marine"),
        ("Intl Widgets Mfg SpA", "international widgets manufacturing"),
        ("Vega Optics K.K.", "vega optics"),
        ("AG", "ag"),  # a legal form alone is kept: nothing else names the payer
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_legal_form_compact_and_initials() -> None:
    assert legal_form("Pioneer Chemicals A.G.") == "ag"
    assert legal_form("Orion Furniture Co., Ltd.") == "co ltd"
    assert compact_name("HARBOR TEXTILES") == "harbortextiles"
    assert initials("Pioneer Chemicals AG") == "pc"


@pytest.mark.parametrize(
    ("payer", "customer", "kind"),
    [
        ("BALTIC STEEL INC", "C1", NameMatchKind.EXACT),
        ("Baltic Steel", "C1", NameMatchKind.EXACT),
        ("HARBORTEXTILES", "C3", NameMatchKind.COMPACT),
        ("Muller und Sohne", "C4", NameMatchKind.EXACT),
        ("Baltik Steel Inc", "C1", NameMatchKind.FUZZY),
        ("MEGA PARENT HOLDING", "C1", NameMatchKind.ALIAS),
        ("Intl. Widgets Mfg.", "C7", NameMatchKind.EXACT),
    ],
)
def test_lookup_finds_the_customer(payer: str, customer: str, kind: NameMatchKind) -> None:
    best = INDEX.lookup(payer)[0]
    assert (best.customer_id, best.kind) == (customer, kind)
    assert 0.5 < best.score <= 1.0


def test_initials_need_an_agreeing_legal_form_and_are_weak() -> None:
    [match] = INDEX.lookup("BS Inc.")
    assert (match.customer_id, match.kind) == ("C1", NameMatchKind.INITIALS)
    assert match.score == 0.5
    shared = INDEX.lookup("PC AG")
    assert {m.customer_id for m in shared} == {"C5", "C6"}
    assert all(m.score < 0.5 for m in shared)


def test_unknown_payer() -> None:
    assert INDEX.lookup("Completely Different Trading") == ()
    assert INDEX.lookup("") == ()


def test_pure_python_fallback_without_rapidfuzz(monkeypatch: pytest.MonkeyPatch) -> None:
    names._ratio_function.cache_clear()
    monkeypatch.setitem(sys.modules, "rapidfuzz", None)
    try:
        assert names._ratio_function() is names._difflib_ratio
        index = NameIndex.build(CUSTOMERS)
        best = index.lookup("Baltik Steel Inc")[0]
        assert (best.customer_id, best.kind) == ("C1", NameMatchKind.FUZZY)
        assert round(names.similarity("Cedar Steel", "Cedar Steal"), 2) == 0.9
    finally:
        names._ratio_function.cache_clear()


@given(st.text(max_size=40), st.text(max_size=40))
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    s = names.similarity(a, b)
    assert 0.0 <= s <= 1.0
    assert s == pytest.approx(names.similarity(b, a))


@given(st.text(max_size=40))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once or not once


def test_same_words_other_legal_form_scores_lower() -> None:
    index = NameIndex.build([("A", "Polar Foods SARL"), ("B", "Polar Foods S.p.A.")])
    best = index.lookup("POLAR FOODS SARL")
    assert [m.customer_id for m in best] == ["A", "B"]
    assert best[0].score == 1.0
    assert best[1].score == names.LEGAL_FORM_MISMATCH
    assert {m.score for m in index.lookup("Polar Foods")} == {1.0}  # no form given: both
    ltd = NameIndex.build([("C", "Orion Furniture Co., Ltd.")]).lookup("ORION FURNITURE LIMITED")
    assert ltd[0].score == 1.0


@pytest.mark.parametrize(
    ("payer", "customer", "score"),
    [
        ("Baltic Steel Inc. Hamburg Branch", "C1", 0.9),
        ("BALTIC STEEL INC / ACCOUNTS PAYABLE", "C1", 0.9),
        ("INTERNATIONAL WIDGETS MANUF", "C7", 0.85),
    ],
)
def test_prefix_matches(payer: str, customer: str, score: float) -> None:
    best = INDEX.lookup(payer)[0]
    assert (best.customer_id, best.kind, best.score) == (customer, NameMatchKind.PREFIX, score)


def test_name_inside_other_words_and_reordered() -> None:
    inside = INDEX.lookup("AP DEPT BALTIC STEEL INC")[0]
    assert (inside.customer_id, inside.kind, inside.score) == ("C1", NameMatchKind.PREFIX, 0.88)
    reordered = INDEX.lookup("Textiles Harbor")[0]
    assert (reordered.customer_id, reordered.score) == ("C3", 0.95)


def test_abbreviated_words_find_the_one_customer_they_begin() -> None:
    index = NameIndex.build(
        [
            ("C1", "Highland Steel GmbH"),
            ("C2", "Highland Motors GmbH"),
            ("C3", "Rhein Motors GmbH"),
            ("C4", "Rhein Motors SARL"),
        ]
    )
    [m] = index.lookup("High. Steel GmbH")
    assert (m.customer_id, m.kind.value, m.score) == ("C1", "prefix", 0.85)
    # The legal form picks among customers with the same words.
    best = index.lookup("Rhei. Motors GmbH")[0]
    assert (best.customer_id, best.score) == ("C3", 0.85)
    # Too short to be an abbreviation, or no word in full: nothing.
    assert index.lookup("Hi Steel") == ()
    assert index.lookup("High. Stee.") == ()


def test_abbreviations_shared_by_several_customers_are_weak() -> None:
    index = NameIndex.build([("C1", "Highland Steel AG"), ("C2", "Highcliff Steel AG")])
    assert sorted((m.customer_id, m.score) for m in index.lookup("High. Steel AG")) == [
        ("C1", 0.4),
        ("C2", 0.4),
    ]


def test_huge_names_are_read_in_bounded_time() -> None:
    import time

    from o2c.names import MAX_NAME_LENGTH

    small, huge = "GmbH " * (MAX_NAME_LENGTH // 5), "GmbH " * 2_000_000
    start = time.perf_counter()
    normalize(small)
    t_small = time.perf_counter() - start
    start = time.perf_counter()
    assert normalize(huge) == normalize(small)  # only the first MAX_NAME_LENGTH characters
    # a 10 MB name costs about what its first MAX_NAME_LENGTH characters cost (plus slicing)
    assert time.perf_counter() - start < 50 * t_small + 0.5
