"""The fast paths of name reading answer exactly what their plain definitions answer."""

from __future__ import annotations

import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from o2c import names
from o2c.names import LEGAL_FORMS, MAX_NAME_LENGTH


def _fold_by_unicode(text: str) -> str:
    """The definition of folding: decomposed, combining marks dropped, case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().replace("ß", "ss")


def _tokens_by_every_form(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The definition of a name's words: every legal form tried, longest first, at the end."""
    text = _fold_by_unicode(name[:MAX_NAME_LENGTH]).replace(".", "")
    text = names._AMP.sub(" & ", text)
    words = [w for w in names._NON_ALNUM.sub(" ", text).split() if w]
    words = [names._ABBREVIATIONS.get(w, w) for w in words]
    forms: list[tuple[str, ...]] = []
    changed = True
    while changed and words:
        changed = False
        for form in names._LEGAL_TOKENS:
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


_WORDS = st.sampled_from(
    [*sorted(LEGAL_FORMS), "Baltic", "Steel", "&", "and", "Co.", "Müller", "Söhne", "ß", "Ltd."]
)
_NAMES = st.lists(st.one_of(_WORDS, st.text(max_size=6)), max_size=8).map(" ".join)


@given(_NAMES)
@example("Müller & Söhne GmbH & Co. KG")
@example("ORION FURNITURE CO., LTD.")
@example("Harbor Textiles Co., Ltd. and")
@settings(max_examples=400)
def test_tokens_try_the_forms_the_last_word_can_end(name: str) -> None:
    names._tokens.cache_clear()
    assert names._tokens(name) == _tokens_by_every_form(name)


@given(st.text(max_size=12))
@example("Straße")
@example("ÉCOLE Ǆ")
def test_fold_of_ascii_and_other_text(text: str) -> None:
    assert names._fold(text) == _fold_by_unicode(text)
