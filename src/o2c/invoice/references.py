"""ISO 11649 structured creditor references ("RF" references).

An RF reference is ``RF``, two check digits, and 1 to 21 letters or digits.  The check is ISO 7064
MOD 97-10 (as IBAN): move the first four characters to the end, replace letters by numbers
(A=10 ... Z=35) and the number must be 1 modulo 97.

>>> ref = create("INV-2026-0042")
>>> ref
'RF73INV20260042'
>>> is_valid(ref), is_valid("RF74INV20260042")
(True, False)
>>> format_grouped(ref)
'RF73 INV2 0260 042'
>>> body(ref)
'INV20260042'
"""

from __future__ import annotations

import re

from o2c._checks import shown
from o2c.errors import ValidationError

__all__ = [
    "MAX_BODY",
    "body",
    "check_digits",
    "compact",
    "create",
    "format_grouped",
    "from_document_number",
    "is_valid",
]

#: At most 21 characters follow ``RF`` and the check digits.
MAX_BODY = 21
#: The longest text read as a reference (spaces and separators included): anything longer is
#: not a reference, and is refused before it is copied.
_MAX_TEXT = 100


def _checked_text(value: object, field: str = "reference") -> str:
    if not isinstance(value, str):
        raise ValidationError(
            f"{field} must be text, got {type(value).__name__}", field=field, value=shown(value)
        )
    return value


_BODY = re.compile(r"^[0-9A-Z]{1,21}$")
_SEPARATORS = re.compile(r"[\s\-./]")


def compact(text: str) -> str:
    """The reference without spaces, dashes, dots or slashes, upper-cased.

    >>> compact("rf18 5390 0754 7034")
    'RF18539007547034'

    Raises:
        ValidationError: for anything but text, or text longer than any reference.
    """
    text = _checked_text(text)
    if len(text) > _MAX_TEXT:
        raise ValidationError(
            f"{shown(text)!r} is longer than any reference ({_MAX_TEXT} characters)",
            field="reference",
            value=shown(text),
        )
    return _SEPARATORS.sub("", text).upper()


#: Letters to their ISO 7064 numbers (A=10 ... Z=35); digits stay as they are.
_LETTERS = str.maketrans({chr(c): str(c - 55) for c in range(ord("A"), ord("Z") + 1)})


def _to_digits(text: str) -> str:
    return text.translate(_LETTERS)


def check_digits(reference_body: str) -> str:
    """The two ISO 11649 check digits for ``reference_body`` (letters and digits, max 21).

    Raises:
        ValidationError: when the body is empty, too long or has other characters.

    >>> check_digits("539007547034")
    '18'
    """
    text = compact(reference_body)
    if not _BODY.match(text) or not text.isascii():
        raise ValidationError(
            f"reference body {shown(reference_body)!r} must be 1 to {MAX_BODY} letters or digits",
            field="reference",
            value=shown(reference_body),
        )
    return f"{98 - int(_to_digits(text + 'RF00')) % 97:02d}"


def create(reference_body: str) -> str:
    """A valid RF reference for ``reference_body`` (separators are dropped).

    >>> create("539007547034")
    'RF18539007547034'
    """
    text = compact(reference_body)
    return f"RF{check_digits(text)}{text}"


def is_valid(reference: str) -> bool:
    """Whether ``reference`` (spaces allowed, any case) is a well-formed RF reference.

    >>> is_valid("RF18 5390 0754 7034"), is_valid("RF18 5390 0754 7035"), is_valid("RF00")
    (True, False, False)
    """
    if not isinstance(reference, str) or len(reference) > _MAX_TEXT:
        return False
    text = compact(reference)
    if not text.isascii() or len(text) < 5 or not text.startswith("RF") or not text[2:4].isdigit():
        return False
    if not _BODY.match(text[4:]):
        return False
    return int(_to_digits(text[4:] + text[:4])) % 97 == 1


def body(reference: str) -> str:
    """The part of a valid RF reference after the check digits.

    Raises:
        ValidationError: when ``reference`` is not a valid RF reference.
    """
    if not is_valid(reference):
        raise ValidationError(
            f"{shown(reference)!r} is not a valid ISO 11649 reference",
            field="reference",
            value=shown(reference),
        )
    return compact(reference)[4:]


def format_grouped(reference: str) -> str:
    """The reference printed in groups of four, as on paper invoices.

    >>> format_grouped("rf18539007547034")
    'RF18 5390 0754 7034'
    """
    text = compact(reference)
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def from_document_number(number: str) -> str:
    """An RF reference made from a document number's letters and digits.

    Other characters are dropped; a number with more than 21 letters and digits keeps its last
    21 (the distinctive end of most numbering schemes).

    >>> from_document_number("INV/2026/0042")
    'RF73INV20260042'
    >>> from_document_number("Rechnung Nr. 2026-000000000000000123")
    'RF68026000000000000000123'

    Raises:
        ValidationError: when the number has no letter or digit at all.
    """
    # One pass (the same result as ``create(text[-MAX_BODY:])``): ``text`` holds only letters
    # and digits already, so the separators ``create`` and ``check_digits`` drop are gone.
    if type(number) is not str:  # a str subclass passes the check below; anything else fails
        _checked_text(number, "number")
    if number.isascii():
        text = number.translate(_ASCII_BODY)[-MAX_BODY:]
    else:
        text = _NOT_BODY.sub("", number.upper())[-MAX_BODY:]
    if not text:
        raise ValidationError(
            f"reference body {text!r} must be 1 to {MAX_BODY} letters or digits",
            field="reference",
            value=text,
        )
    # ``text + "RF00"`` in ISO 7064 digits: R=27, F=15.
    return f"RF{98 - int(text.translate(_LETTERS) + '271500') % 97:02d}{text}"


_NOT_BODY = re.compile(r"[^0-9A-Z]")
#: For ASCII text: letters upper-cased, digits kept, everything else dropped (as ``_NOT_BODY``
#: after ``upper()``, in one step).
_ASCII_BODY = {c: (chr(c).upper() if chr(c).isalnum() else None) for c in range(128)}
