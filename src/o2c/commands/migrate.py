"""``o2c migrate``: load customers, open items and payment history from CSV files into a ledger.

The columns are documented in :mod:`o2c.ledger_migration` (and docs/ledger.md).  The ledger is
a SQLite file (``--db``) or a SQLAlchemy URL (``--url``, extra ``sql``).  Every rejected row is
reported with its file, line and reason; while any row is rejected nothing is loaded unless
``--accept-partial`` is given, and the accepted rows are appended as one atomic batch.  Running
the same files again changes nothing.

Exit status: 0 loaded (or nothing new), 1 rows rejected and nothing loaded, 2 the ledger refused
the batch.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from o2c.errors import O2CError
from o2c.ledger import Ledger
from o2c.ledger_migration import load, plan_migration
from o2c.ports import LedgerStore

__all__ = ["read_rows", "register", "run"]


def read_rows(path: str | None) -> Iterator[dict[str, str | None]]:
    """The rows of a CSV file with a header (UTF-8, BOM tolerated); nothing for ``None``."""
    if path is None:
        return
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        yield from csv.DictReader(handle)


def _store(args: argparse.Namespace) -> LedgerStore:
    if args.url:
        from o2c.adapters.sqlalchemy import SQLAlchemyLedgerStore

        return SQLAlchemyLedgerStore(args.url)
    from o2c.adapters.sqlite import SQLiteLedgerStore

    return SQLiteLedgerStore(args.db)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the migration the parsed arguments describe; returns the exit status."""
    out = out if out is not None else sys.stdout
    recorded_at = dt.datetime.now(dt.UTC)
    plan = plan_migration(
        customers=read_rows(args.customers),
        open_items=read_rows(args.open_items),
        payments=read_rows(args.payments),
        cutover=dt.date.fromisoformat(args.cutover),
        recorded_at=recorded_at,
        recorded_by=args.recorded_by,
    )
    for source, count in plan.accepted:
        out.write(f"{source}: {count} row(s) accepted\n")
    for rejected in plan.rejected:
        out.write(f"REJECTED {rejected}\n")
    if plan.rejected and not args.accept_partial:
        out.write(
            f"{len(plan.rejected)} row(s) rejected: nothing loaded "
            "(fix them, or pass --accept-partial to load the accepted rows)\n"
        )
        return 1
    store = _store(args)
    try:
        result = load(Ledger(store), plan, accept_partial=True)
    except O2CError as exc:
        out.write(f"the ledger refused the migration, nothing loaded: {exc}\n")
        return 2
    finally:
        close: Any = getattr(store, "close", None)
        if close is not None:
            close()
    out.write(
        f"loaded {len(result.appended)} fact(s) for {len(plan.customers)} customer(s); "
        f"{len(result.unchanged)} already there\n"
    )
    return 0


def register(subparsers: Any) -> None:
    """Add the ``migrate`` sub-command to the ``o2c`` parser."""
    parser = subparsers.add_parser(
        "migrate",
        help="load customers, open items and payment history from CSV into a ledger",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="SQLite ledger file (created when missing)")
    where.add_argument("--url", help="SQLAlchemy URL of the ledger database (extra 'sql')")
    parser.add_argument("--customers", required=True, help="customers CSV file")
    parser.add_argument("--open-items", default=None, help="open items CSV file")
    parser.add_argument("--payments", default=None, help="payment history CSV file")
    parser.add_argument(
        "--cutover", required=True, help="the date the open amounts are as of (YYYY-MM-DD)"
    )
    parser.add_argument("--recorded-by", default="migration", help="who records the migration")
    parser.add_argument(
        "--accept-partial",
        action="store_true",
        help="load the accepted rows even though some rows were rejected",
    )
    parser.set_defaults(func=run)
