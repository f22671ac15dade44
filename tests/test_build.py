"""Objects from o2c's keyword builders are the objects their classes' ``__init__`` makes."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given

from o2c._build import builder
from o2c.invoice import Invoice
from o2c.invoice import document as invoice_module
from tests.strategies import invoices


@attrs.frozen
class _Pair:
    a: int
    _b: str = "x"


def test_a_builder_stores_every_attribute_by_its_init_keyword() -> None:
    new = builder(_Pair)
    built = new(b="y", a=1)
    assert built == _Pair(a=1, b="y")
    assert type(built) is _Pair
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.a = 2  # type: ignore[misc]


def test_a_builder_takes_keywords_only_and_every_one_of_them() -> None:
    new = builder(_Pair)
    with pytest.raises(TypeError, match="positional"):
        new(1, "y")
    with pytest.raises(TypeError, match="'b'"):
        new(a=1)  # no default, even where the class has one


def test_a_builder_refuses_classes_it_cannot_fill_completely() -> None:
    @attrs.frozen(slots=False)
    class NoSlots:
        a: int

    @attrs.frozen(cache_hash=True)
    class CachedHash:
        a: int

    with pytest.raises(TypeError, match="slot"):
        builder(NoSlots)
    with pytest.raises(TypeError, match="slots outside"):
        builder(CachedHash)


def _same_as_init(value: Any) -> None:
    """``value`` equals (and prints as) the object ``__init__`` builds from its attributes."""
    again = attrs.evolve(value)  # runs __init__: converters, validators, post-init checks
    assert again == value
    assert repr(again) == repr(value)
    for field in attrs.fields(type(value)):
        assert getattr(again, field.name) == getattr(value, field.name), field.name


@given(invoices(max_lines=4))
def test_invoices_built_by_the_fast_paths_pass_their_constructors(inv: Any) -> None:
    assert isinstance(inv, Invoice)
    _same_as_init(inv)
    _same_as_init(inv.tax)
    _same_as_init(inv.totals)
    _same_as_init(inv.references)
    assert inv.schedule is not None
    _same_as_init(inv.schedule)
    for inst in inv.schedule.instalments:
        _same_as_init(inst)
        for offer in inst.discounts:
            _same_as_init(offer)


def test_the_builders_in_use_cover_their_classes() -> None:
    # A field added to one of these classes must be passed where they are built too: a builder
    # takes every field by keyword, none with a default, so a call that forgets it fails at once.
    for new, cls in [
        (invoice_module._new_invoice, Invoice),
    ]:
        assert new.__code__.co_argcount == 0, cls.__name__
        assert new.__code__.co_kwonlyargcount == len(attrs.fields(cls)), cls.__name__
        assert new.__kwdefaults__ is None, cls.__name__
