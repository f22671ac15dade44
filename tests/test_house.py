"""The house rules of ../shared/DESIGN.md, checked on the source: arrows point one way.

The test parses every module of ``src/o2c`` (no import of o2c itself) and fails on:

- an import cycle between modules;
- an import from a lower area to a higher one, in the order of the flow (type-only imports count:
  where two areas need one type, it lives in the lower one);
- a module outside ``o2c.ledger`` that inspects fact types (``isinstance`` / ``type() is`` with a
  fact class, or ``FactKind`` members): readers go through the ledger's history;
- a core module doing I/O (files, network, processes, the clock, the environment); only
  ``o2c.adapters`` and ``o2c.cli`` may.

``KNOWN`` lists the violations that the re-laying (issue 16) has not removed yet, each with the
module it stands in.  A violation not listed fails the test, and so does a listed one that no
longer occurs: the list only shrinks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

#: Areas from the bottom of the flow to the top (DESIGN.md); a module may import its own area and
#: the areas below it.  The facades (``o2c``, ``o2c.ports``) sit at the top with the CLI: no core
#: module imports them.
AREAS: list[tuple[str, ...]] = [
    ("o2c.errors", "o2c._checks", "o2c._build", "o2c._optional"),
    ("o2c.money",),
    ("o2c.calendars",),
    ("o2c.terms",),
    ("o2c.tax",),
    ("o2c.invoice",),
    ("o2c.fx",),
    ("o2c.ledger",),
    ("o2c.statement", "o2c.names", "o2c.remittance", "o2c.cash_application"),
    ("o2c.receivables",),
    ("o2c.collecting", "o2c.credit"),
    ("o2c.portfolio",),
    ("o2c.reports",),
    ("o2c.adapters",),
    # the command line and the facades: the CLI reads the package's version from o2c
    ("o2c.cli", "o2c", "o2c.ports", "o2c.__main__"),
]
#: Areas allowed to do I/O.
IO_AREAS = ("o2c.adapters", "o2c.cli", "o2c.__main__")

#: Known violations not yet removed by the re-laying: (rule, module, detail).  None is left:
#: every reader goes through ``o2c.ledger.history``; a new violation fails the test.
KNOWN: set[tuple[str, str, str]] = set()


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted((SRC / "o2c").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return out


MODULES = _modules()


def _area(module: str) -> int:
    best, rank = -1, -1
    for i, names in enumerate(AREAS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, rank = len(name), i
    assert rank >= 0, f"{module} is in no area of AREAS: add it"
    return rank


def _imports(module: str, tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("o2c"):
                for alias in node.names:  # "from o2c.x import y" may import a module y
                    sub = f"{node.module}.{alias.name}"
                    yield sub if sub in MODULES else node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("o2c"):
                    yield alias.name


GRAPH = {
    m: sorted({i for i in _imports(m, t) if i in MODULES and i != m}) for m, t in MODULES.items()
}


def _violations() -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    found |= _upward()
    found |= _cycles()
    found |= _fact_inspection()
    found |= _io()
    return found


def _upward() -> set[tuple[str, str, str]]:
    out = set()
    for module, targets in GRAPH.items():
        for target in targets:
            if _area(target) > _area(module):
                out.add(("upward import", module, target))
    return out


def _cycles() -> set[tuple[str, str, str]]:
    out: set[tuple[str, str, str]] = set()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in GRAPH[m]:
            if state.get(t) == 1:
                cycle = stack[stack.index(t) :]
                out.add(("import cycle", min(cycle), " -> ".join(cycle)))
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in GRAPH:
        if m not in state:
            visit(m)
    return out


def _fact_names() -> set[str]:
    tree = MODULES["o2c.ledger.facts"]
    return {
        n.name
        for n in tree.body
        if isinstance(n, ast.ClassDef) and any(getattr(b, "id", "") == "_FactBase" for b in n.bases)
    }


FACTS = _fact_names()


def _fact_inspection() -> set[tuple[str, str, str]]:
    out = set()
    for module, tree in MODULES.items():
        if module == "o2c.ledger" or module.startswith("o2c.ledger."):
            continue
        for node in ast.walk(tree):
            names: set[str] = set()
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance":
                names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
            elif isinstance(node, ast.Compare) and any(
                isinstance(op, ast.Is | ast.IsNot) for op in node.ops
            ):
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            elif isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "FactKind":
                names = {"FactKind"}
            for name in sorted(names & (FACTS | {"FactKind"})):
                out.add(("fact-type inspection", module, name))
    return out


_IO_MODULES = {"socket", "sqlite3", "subprocess", "urllib", "http", "requests", "smtplib", "shutil"}
_IO_CALLS = {"open", "input", "print"}
_IO_METHODS = {"read_text", "write_text", "read_bytes", "write_bytes", "now", "today", "utcnow"}


def _io() -> set[tuple[str, str, str]]:
    out = set()
    for module, tree in MODULES.items():
        if any(module == a or module.startswith(a + ".") for a in IO_AREAS):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names.append(node.module)
                for name in names:
                    if name.split(".")[0] in _IO_MODULES:
                        out.add(("core I/O", module, f"import {name}"))
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id in _IO_CALLS:
                    out.add(("core I/O", module, f"{func.id}()"))
                elif isinstance(func, ast.Attribute) and func.attr in _IO_METHODS:
                    out.add(("core I/O", module, f".{func.attr}()"))
                elif isinstance(func, ast.Attribute) and func.attr == "getenv":
                    out.add(("core I/O", module, "os.getenv()"))
            elif isinstance(node, ast.Attribute) and node.attr == "environ":
                out.add(("core I/O", module, "os.environ"))
    return out


VIOLATIONS = _violations()


def test_every_module_sits_in_an_area() -> None:
    for module in MODULES:
        _area(module)


def test_no_new_violation_of_the_house_rules() -> None:
    new = sorted(VIOLATIONS - KNOWN)
    assert not new, "house rules broken (see DESIGN.md):\n" + "\n".join(map(str, new))


def test_known_violations_only_shrink() -> None:
    gone = sorted(KNOWN - VIOLATIONS)
    assert not gone, "fixed, so remove from KNOWN:\n" + "\n".join(map(str, gone))


def test_the_checks_can_fail() -> None:
    # Each rule finds what it looks for in a module written to break it.
    bad = ast.parse(
        "import socket\nfrom o2c.cli import main\n"
        "def f(x):\n    print(x)\n    return isinstance(x, PaymentAllocated) or x.now()\n"
    )
    MODULES["o2c.money._bad"] = bad
    GRAPH["o2c.money._bad"] = ["o2c.cli"]
    try:
        found = {
            (rule, detail) for rule, module, detail in _violations() if module.endswith("_bad")
        }
    finally:
        del MODULES["o2c.money._bad"], GRAPH["o2c.money._bad"]
    assert ("upward import", "o2c.cli") in found
    assert ("core I/O", "import socket") in found
    assert ("core I/O", "print()") in found
    assert ("core I/O", ".now()") in found
    assert ("fact-type inspection", "PaymentAllocated") in found
