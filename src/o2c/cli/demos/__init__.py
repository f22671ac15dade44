"""The end-to-end demo behind ``o2c demo``: one section module per area, run in cycle order.

Each section is a module ``o2c.cli.demos.<name>`` with a function ``run(ctx: DemoContext) -> None``
that prints what its area does and leaves what later sections need in ``ctx.state``.  Sections
that do not exist yet are skipped, so the demo always walks the cycle built so far.

The demo writes its ledger only into a file of its own: a new (or empty) file, which it marks
as the demo's (a table ``o2c_demo``), or a file an earlier demo marked, which it starts afresh
so that every run prints the same figures.  Any other file (a real ledger, a SQLite database of
something else, a file that is not SQLite, a directory) is refused before anything is written.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import sqlite3
from pathlib import Path
from typing import Any, TextIO

import attrs

from o2c.errors import StorageError, ValidationError

__all__ = ["DEMO_MARKER", "DemoContext", "SECTIONS", "prepare_demo_file", "run"]

#: The table and row that mark a SQLite file as written by ``o2c demo``.
DEMO_MARKER = ("o2c_demo", "written by o2c demo: its data is made up and is replaced on each run")
_SQLITE_HEADER = b"SQLite format 3\x00"

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


def _refuse(db_path: Path, what: str) -> ValidationError:
    return ValidationError(
        f"--db {str(db_path)!r} {what}: the demo writes only into a new file or one an earlier "
        "demo wrote; give another file name (or none, for a temporary file)",
        field="db_path",
        value=str(db_path),
    )


def _is_demo_file(db_path: Path) -> bool:
    table, note = DEMO_MARKER
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        return (
            found is not None
            and conn.execute(f"SELECT 1 FROM {table} WHERE note = ?", (note,)).fetchone()
            is not None
        )
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def prepare_demo_file(db_path: Path) -> None:
    """Make ``db_path`` a fresh demo file, or refuse it if it holds anything but demo data.

    Raises:
        ValidationError: the path is a directory, or a file that is neither empty nor an
            earlier demo's (nothing is written to it).
        StorageError: the file cannot be created or replaced.
    """
    if db_path.is_dir():
        raise _refuse(db_path, "is a directory")
    if not db_path.parent.is_dir():
        raise _refuse(db_path, f"is in {str(db_path.parent)!r}, which is not a directory")
    if db_path.exists():
        try:
            with db_path.open("rb") as handle:
                head = handle.read(len(_SQLITE_HEADER))
        except OSError as exc:
            raise _refuse(db_path, f"cannot be read ({exc.strerror})") from None
        if head and head != _SQLITE_HEADER:
            raise _refuse(db_path, "is not a SQLite file")
        if head and not _is_demo_file(db_path):
            raise _refuse(db_path, "holds data that the demo did not write")
    try:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        conn = sqlite3.connect(db_path)
        try:
            table, note = DEMO_MARKER
            with conn:
                conn.execute(f"CREATE TABLE {table} (note TEXT NOT NULL)")
                conn.execute(f"INSERT INTO {table} (note) VALUES (?)", (note,))
        finally:
            conn.close()
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"cannot create the demo file {db_path}: {exc}") from exc


def run(*, db_path: Path, out: TextIO) -> int:
    """Run every available section in order; returns the exit status.

    Raises:
        ValidationError: ``db_path`` holds anything but an earlier demo's data (see
            :func:`prepare_demo_file`).
    """
    prepare_demo_file(db_path)
    ctx = DemoContext(out=out, db_path=db_path)
    ctx.say(f"o2c demo (ledger kept in SQLite at {db_path})")
    for name in SECTIONS:
        module_name = f"{__name__}.{name}"
        if importlib.util.find_spec(module_name) is None:
            continue
        importlib.import_module(module_name).run(ctx)
    ctx.say("\ndemo complete")
    return 0
