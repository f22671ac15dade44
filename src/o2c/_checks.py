"""Input checks every area shares: values shown short in messages, collections read safely.

Private: the areas call these so that one rule (how long a value may be in a message, what counts
as a collection) holds everywhere; users see only the errors they raise.

>>> shown("x" * 100)
'xxxxxxxxxxxxxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxxxxxxxxxxxx (100 characters)'
>>> shown(10**400)
'an integer of 1329 bits'
>>> as_tuple([1, 2], "lines", "invoice lines")
(1, 2)
>>> as_tuple("ab", "lines", "invoice lines")
Traceback (most recent call last):
...
o2c.errors.ValidationError: lines='ab' must be a collection of invoice lines
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from o2c.errors import ValidationError

__all__ = ["as_tuple", "shown"]

#: Longest value shown whole in an error message; longer ones are cut in the middle.
_SHOWN = 60
#: Integers longer than this many bits are described, not printed (Python refuses to print
#: integers of more than 4,300 digits, and a message should not carry hundreds of digits).
_SHOWN_BITS = 64


def shown(value: object) -> object:
    """``value`` short enough for an error message: long text, bytes and lists cut in the middle,
    huge integers described."""
    if isinstance(value, bytes) and len(value) > _SHOWN:
        return f"{value[:28]!r}...{value[-28:]!r} ({len(value)} bytes)"
    if isinstance(value, str) and len(value) > _SHOWN:
        return f"{value[:28]}...{value[-28:]} ({len(value)} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _SHOWN_BITS:
        return f"an integer of {value.bit_length()} bits"
    if isinstance(value, list | tuple) and sum(len(repr(shown(v))) for v in value[:20]) > _SHOWN:
        return f"{len(value)} values starting {shown(repr(shown(value[0])))!r}" if value else value
    return value


def as_tuple(
    value: object, field: str, what: str, error: type[ValidationError] = ValidationError
) -> tuple[Any, ...]:
    """``value`` as a tuple: any iterable but text, bytes and mappings; else ``error`` naming
    ``field`` (a tuple is returned as it is)."""
    if type(value) is tuple:
        return value
    if not isinstance(value, str | bytes | Mapping):
        try:
            return tuple(value)  # type: ignore[arg-type]
        except TypeError:
            pass
    raise error(
        f"{field}={shown(value)!r} must be a collection of {what}", field=field, value=shown(value)
    )
