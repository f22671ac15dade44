"""The mapping tables' machinery: one table per syntax says where each business term (BT) of
EN 16931 sits in the XML, and the same table writes and reads it.

A table is a tree of :class:`Field` (a BT's value at a path), :class:`Fixed` (a constant the
syntax requires) and :class:`Group` (an element holding fields; repeated for a list of items
when it has a ``key``).  Paths are relative XPath steps with namespace prefixes; a step may carry
a predicate (``cac:AllowanceCharge[cbc:ChargeIndicator='false']``) that the reader uses to pick
the element and the writer drops.  A path may end with ``@name`` for an attribute.  The tables are
listed in the schema's element order, so writing in table order gives elements in schema order.

Values are text (the syntax-neutral form of :mod:`o2c.invoice.einvoice.fields`); a field with
``date="102"`` is written as ``YYYYMMDD`` with ``format="102"`` (CII) and read back to ISO form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

__all__ = ["Field", "Fixed", "Group", "Node", "keys_of", "read_table", "write_table"]

Item = dict[str, Any]


@attrs.frozen
class Field:
    """A business term's value: ``key`` (``BT-1``) at ``path``; ``attributes`` are
    ``(name, key)`` pairs written from the item (or the document) and read into the item."""

    key: str
    path: str
    attributes: tuple[tuple[str, str], ...] = ()
    date: str | None = None


@attrs.frozen
class Fixed:
    """A constant the syntax requires at ``path`` (written only beside a value)."""

    path: str
    value: str


@attrs.frozen
class Group:
    """An element at ``path`` holding ``children``; with ``key`` one element per item of the
    list ``item[key]``; without, one element when any child has a value."""

    path: str
    children: tuple[Node, ...]
    key: str | None = None
    #: Written even when empty (an element the schema requires).
    always: bool = False


Node = Field | Fixed | Group

_PREDICATE = re.compile(r"\[[^\]]*\]")


def _steps(path: str) -> list[str]:
    return [s for s in _PREDICATE.sub("", path).split("/") if s]


def _qname(step: str, ns: Mapping[str, str]) -> str:
    prefix, _, local = step.partition(":")
    return f"{{{ns[prefix]}}}{local}"


def _has_value(node: Node, item: Item) -> bool:
    if isinstance(node, Field):
        return item.get(node.key) is not None
    if isinstance(node, Fixed):
        return False
    if node.key is not None:
        return bool(item.get(node.key))
    return any(_has_value(c, item) for c in node.children)


def _make(parent: Any, steps: list[str], ns: Mapping[str, str], *, reuse: bool = False) -> Any:
    """The element at ``steps`` below ``parent``: intermediate steps reused, the last one new
    (reused too with ``reuse``)."""
    elem = parent
    for i, step in enumerate(steps):
        tag = _qname(step, ns)
        found = None
        if reuse or i < len(steps) - 1:
            for child in reversed(elem):
                if child.tag == tag:
                    found = child
                    break
        if found is None:
            found = elem.makeelement(tag)
            elem.append(found)
        elem = found
    return elem


def _write_nodes(
    nodes: tuple[Node, ...], elem: Any, item: Item, root: Item, ns: Mapping[str, str]
) -> None:
    live = any(_has_value(n, item) for n in nodes)
    for node in nodes:
        if isinstance(node, Fixed):
            if live:
                _set(elem, node.path, node.value, ns)
        elif isinstance(node, Field):
            value = item.get(node.key)
            if value is None:
                continue
            if node.date == "102":
                value = value.replace("-", "")
            target = _set(elem, node.path, value, ns)
            if node.date == "102":
                target.set("format", "102")
            for name, key in node.attributes:
                attr = item.get(key, root.get(key))
                if attr is not None:
                    target.set(name, attr)
        elif node.key is None:
            if node.always or _has_value(node, item):
                child = _make(elem, _steps(node.path), ns)
                _write_nodes(node.children, child, item, root, ns)
        else:
            for sub in item.get(node.key) or ():
                child = _make(elem, _steps(node.path), ns)
                _write_nodes(node.children, child, sub, root, ns)


def _set(elem: Any, path: str, value: str, ns: Mapping[str, str]) -> Any:
    steps = _steps(path)
    if steps and steps[-1].startswith("@"):
        target = _make(elem, steps[:-1], ns, reuse=True) if len(steps) > 1 else elem
        target.set(steps[-1][1:], value)
        return target
    target = _make(elem, steps, ns)
    target.text = value
    return target


def write_table(
    table: tuple[Node, ...], root_elem: Any, fields: Item, ns: Mapping[str, str]
) -> None:
    """Write ``fields`` into ``root_elem`` (an lxml element) as ``table`` says."""
    _write_nodes(table, root_elem, fields, fields, ns)


def _read_nodes(nodes: tuple[Node, ...], elem: Any, item: Item, ns: Mapping[str, str]) -> None:
    for node in nodes:
        if isinstance(node, Fixed):
            continue
        if isinstance(node, Field):
            path = node.path
            attr = None
            if "/@" in path or path.startswith("@"):
                path, _, attr = path.rpartition("@")
                path = path.rstrip("/") or "."
            found = elem.xpath(path, namespaces=ns)
            if not found:
                continue
            target = found[0]
            value = target.get(attr) if attr is not None else (target.text or "").strip()
            if value is None:
                continue
            if node.date == "102" and len(value) == 8 and value.isdigit():
                value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
            item[node.key] = value
            for name, key in node.attributes:
                if target.get(name) is not None:
                    item[key] = target.get(name)
        elif node.key is None:
            found = elem.xpath(node.path, namespaces=ns)
            if found:
                _read_nodes(node.children, found[0], item, ns)
        else:
            items = []
            for child in elem.xpath(node.path, namespaces=ns):
                sub: Item = {}
                _read_nodes(node.children, child, sub, ns)
                items.append(sub)
            if items:
                item[node.key] = items


def read_table(table: tuple[Node, ...], root_elem: Any, ns: Mapping[str, str]) -> Item:
    """The fields ``table`` finds in ``root_elem``."""
    item: Item = {}
    _read_nodes(table, root_elem, item, ns)
    return item


def keys_of(table: tuple[Node, ...]) -> Iterator[str]:
    """Every key ``table`` writes, in table order (groups' keys included)."""
    for node in table:
        if isinstance(node, Field):
            yield node.key
            for _name, key in node.attributes:
                yield key
        elif isinstance(node, Group):
            if node.key is not None:
                yield node.key
            yield from keys_of(node.children)
