"""RF references from document numbers: the one-pass construction equals the composition."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.errors import ValidationError
from o2c.invoice import references as creditor_reference


def _composed(number: str) -> str:
    """The former construction: drop non-letters/digits, keep the last 21, then ``create``."""
    text = re.sub(r"[^0-9A-Z]", "", number.upper())
    return creditor_reference.create(text[-creditor_reference.MAX_BODY :])


@pytest.mark.parametrize(
    "number",
    [
        "INV-2026-0042",
        "INV/2026/0042",
        "inv 2026.0042",
        "Rechnung Nr. 2026-000000000000000123",
        "0",
        "Z",
        "A" * 21,
        "9" * 40,
        "straße-7",  # upper() makes SS
        "ﬁle 12",  # the ligature upper-cases to FI
        "Nº 42 / ü",
    ],
)
def test_from_document_number_equals_the_composition(number: str) -> None:
    ref = creditor_reference.from_document_number(number)
    assert ref == _composed(number)
    assert creditor_reference.is_valid(ref)


def _outcome(make: Callable[[str], str], number: str) -> tuple[str, str | None, object]:
    """The reference, or the error's message, field and value."""
    try:
        return ("ok", make(number), None)
    except ValidationError as exc:
        return (str(exc), exc.field, exc.value)


@given(st.text(max_size=40))
def test_from_document_number_equals_the_composition_on_any_text(number: str) -> None:
    assert _outcome(creditor_reference.from_document_number, number) == _outcome(_composed, number)


@pytest.mark.parametrize("number", ["", "---", "//.. ", "äöü"])
def test_from_document_number_refuses_numbers_without_letters_or_digits(number: str) -> None:
    with pytest.raises(ValidationError) as caught:
        creditor_reference.from_document_number(number)
    assert caught.value.field == "reference"
    with pytest.raises(ValidationError):
        _composed(number)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_from_document_number_equals_the_composition_on_ascii(number: str) -> None:
    try:
        expected = _composed(number)
    except ValidationError:
        with pytest.raises(ValidationError):
            creditor_reference.from_document_number(number)
    else:
        assert creditor_reference.from_document_number(number) == expected
