"""Positional constructors for o2c's own hot paths (internal; not part of the API).

An attrs ``__init__`` takes keyword arguments, runs converters and validators and then
``__attrs_post_init__``.  That is right for values that come from a caller.  The fast paths of
the tax engine, the terms and invoices build result objects from values they have computed and
checked themselves, many times a second; for them :func:`builder` makes a constructor that takes
every attribute positionally, in ``attrs.fields`` order, and stores it as it is.  Keyword
matching alone costs about as much as storing the attributes, so this roughly halves the cost
of a result object.

The objects are indistinguishable from ones built by ``__init__`` (same class, same slots,
frozen); ``tests/test_build.py`` checks every builder against its class's ``__init__``, and the
fast paths are property-tested against the general ones, which use ``__init__``.

>>> import attrs
>>> @attrs.frozen
... class Point:
...     x: int
...     y: int = 0
>>> new_point = builder(Point)
>>> new_point(1, 2) == Point(x=1, y=2)
True
>>> new_point(1, 2).x = 5
Traceback (most recent call last):
attr.exceptions.FrozenInstanceError: can't set attribute
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["builder"]

T = TypeVar("T")


def builder(cls: type[T]) -> Callable[..., T]:
    """A constructor of the slotted attrs class ``cls`` taking every attribute positionally.

    No converter, validator or ``__attrs_post_init__`` runs: only for values already checked.
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    hidden = set(getattr(cls, "__slots__", ())) - {f.name for f in fields} - {"__weakref__"}
    if hidden:  # e.g. attrs' hash cache, which __init__ would have to reset
        raise TypeError(f"{cls.__name__} has slots outside its fields: {sorted(hidden)}")
    args = [f"a{i}" for i in range(len(fields))]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    body = []
    for i, field in enumerate(fields):
        descriptor = cls.__dict__.get(field.name)
        if descriptor is None or not hasattr(descriptor, "__set__"):
            raise TypeError(f"{cls.__name__}.{field.name} is not a slot: builder needs slots")
        namespace[f"_s{i}"] = descriptor.__set__
        body.append(f"    _s{i}(o, a{i})\n")
    source = f"def new({', '.join(args)}):\n    o = _new(_cls)\n{''.join(body)}    return o\n"
    exec(compile(source, f"<o2c builder {cls.__qualname__}>", "exec"), namespace)
    new: Callable[..., T] = namespace["new"]
    new.__qualname__ = new.__name__ = f"new_{cls.__name__}"
    return new
