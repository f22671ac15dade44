"""The end-to-end demo behind ``o2c demo``: one section module per area, run in cycle order.

Each section is a module ``o2c.demos.<name>`` with a function ``run(ctx: DemoContext) -> None``
that prints what its area does and leaves what later sections need in ``ctx.state``.  Sections
that do not exist yet are skipped, so the demo always walks the cycle built so far.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from pathlib import Path
from typing import Any, TextIO

import attrs

__all__ = ["DemoContext", "SECTIONS", "run"]

#: The demo's sections in order-to-cash order.
SECTIONS = (
    "money",
    "terms",
    "invoice",
    "fx",
    "ledger",
    "cash_application",
    "aging",
    "collections",
    "credit",
)


@attrs.define
class DemoContext:
    """What the demo sections share: where to print, the SQLite file, the scenario's dates."""

    out: TextIO
    db_path: Path
    #: The demo's "today": fixed, so the demo prints the same figures every run.
    today: dt.date = dt.date(2026, 3, 31)
    #: Values a section leaves for later ones (the invoice, the ledger store ...).
    state: dict[str, Any] = attrs.Factory(dict)

    def heading(self, title: str) -> None:
        """Print a section heading."""
        self.out.write(f"\n== {title} ==\n")

    def say(self, text: str = "") -> None:
        """Print a line."""
        self.out.write(text + "\n")


def run(*, db_path: Path, out: TextIO) -> int:
    """Run every available section in order; returns the exit status."""
    ctx = DemoContext(out=out, db_path=db_path)
    ctx.say(f"o2c demo (ledger kept in SQLite at {db_path})")
    for name in SECTIONS:
        module_name = f"{__name__}.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        importlib.import_module(module_name).run(ctx)
    ctx.say("\ndemo complete")
    return 0
