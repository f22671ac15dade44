"""Keyword constructors for o2c's own hot paths (internal; not part of the API).

An attrs ``__init__`` runs converters and validators and then ``__attrs_post_init__``.  That is
right for values that come from a caller.  The tax engine, the terms and invoices build result
objects from values they have computed and checked themselves, many times a second; for them
:func:`builder` makes a constructor that takes every attribute by keyword (the name
``__init__`` takes, so a call reads like one to the class) and stores it as it is.  That costs
about half of what the class's ``__init__`` does.

The objects are indistinguishable from ones built by ``__init__`` (same class, same slots,
frozen); ``tests/test_build.py`` checks the objects of every builder in use against their
class's ``__init__``.  Every attribute must be passed: a field added to a class fails at once
at the call sites that do not pass it.

>>> import attrs
>>> @attrs.frozen
... class Point:
...     x: int
...     _y: int = 0
>>> new_point = builder(Point)
>>> new_point(x=1, y=2) == Point(x=1, y=2)
True
>>> new_point(x=1, y=2).x = 5
Traceback (most recent call last):
attr.exceptions.FrozenInstanceError: can't set attribute
>>> new_point(x=1)
Traceback (most recent call last):
TypeError: new_Point() missing 1 required keyword-only argument: 'y'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["builder"]

T = TypeVar("T")


def builder(cls: type[T]) -> Callable[..., T]:
    """A constructor of the slotted attrs class ``cls`` taking every attribute by keyword.

    The keywords are those of ``cls.__init__`` (a private attribute ``_x`` is passed as ``x``),
    none has a default.  No converter, validator or ``__attrs_post_init__`` runs: only for
    values already checked.
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    hidden = set(getattr(cls, "__slots__", ())) - {f.name for f in fields} - {"__weakref__"}
    if hidden:  # e.g. attrs' hash cache, which __init__ would have to reset
        raise TypeError(f"{cls.__name__} has slots outside its fields: {sorted(hidden)}")
    # Aliases never start with "_", so they cannot meet the names below (_o, _new, _s0 ...).
    names = [field.alias for field in fields]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    body = []
    for i, field in enumerate(fields):
        descriptor = cls.__dict__.get(field.name)
        if descriptor is None or not hasattr(descriptor, "__set__"):
            raise TypeError(f"{cls.__name__}.{field.name} is not a slot: builder needs slots")
        namespace[f"_s{i}"] = descriptor.__set__
        body.append(f"    _s{i}(_o, {names[i]})\n")
    name = f"new_{cls.__name__}"
    head = f"def {name}(*, {', '.join(names)}):\n    _o = _new(_cls)\n"
    source = f"{head}{''.join(body)}    return _o\n"
    exec(compile(source, f"<o2c builder {cls.__qualname__}>", "exec"), namespace)
    new: Callable[..., T] = namespace[name]
    return new
