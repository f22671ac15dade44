"""``o2c migrate``: load customers, payer accounts, open items and payment history into a ledger.

The columns are documented in :mod:`o2c.ledger.migration` (and docs/ledger.md): customers (into
the customer master; without the file, the open items' customers), payer accounts, open items
(the layout of ``../shared/bench/*/open_items.csv`` included), payments and, optionally, the
settlements of invoices closed before the cut-over (so the customers' real lateness survives
the migration).  The ledger is a SQLite file (``--db``) or a
SQLAlchemy URL (``--url``, extra ``sql``).  Every rejected row is reported on standard output
with its file, line and reason; while any row is rejected nothing is loaded unless
``--accept-partial`` is given, and the accepted rows are appended as one atomic batch.  Running
the same files again changes nothing; a row whose content changed since is refused.

Errors end in one line ``o2c: error: ...`` (see :mod:`o2c.cli`): exit status 2 for rejected
rows, unreadable files and a batch the ledger refuses (``DuplicateFactError`` ...), 1 when the
database fails or another writer got there first (``ConcurrencyError``: run it again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from o2c.cli.commands import input_file, ledger_file, read_csv
from o2c.errors import ValidationError
from o2c.ledger import Ledger, account_key
from o2c.ledger.migration import (
    CUSTOMER_COLUMNS,
    OPEN_ITEM_COLUMNS,
    PAYER_ACCOUNT_COLUMNS,
    PAYMENT_COLUMNS,
    SETTLEMENT_COLUMNS,
    plan_migration,
    post_migration,
)
from o2c.ledger.store import LedgerStore

__all__ = ["history_payer_accounts", "read_rows", "register", "run"]

#: Per file: the columns every row needs (the rest are optional).
_REQUIRED = {
    "customers": ("customer_id",),
    "payer_accounts": ("customer_id", "account"),
    "open_items": (
        "customer_id",
        "item_id",
        "document_date",
        "currency",
        "original_amount",
        "open_amount",
    ),
    "payments": ("customer_id", "payment_id", "value_date", "currency", "amount"),
    "settlements": (
        "customer_id",
        "payment_id",
        "item_id",
        "document_date",
        "currency",
        "amount",
    ),
}
_COLUMNS = {
    "customers": CUSTOMER_COLUMNS,
    "payer_accounts": PAYER_ACCOUNT_COLUMNS,
    "open_items": OPEN_ITEM_COLUMNS,
    "payments": PAYMENT_COLUMNS,
    "settlements": SETTLEMENT_COLUMNS,
}


def read_rows(path: str | None, source: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of one migration file with their line numbers (nothing for ``None``).

    Raises:
        ValidationError: the file is unreadable, not UTF-8 CSV or lacks a required column
            (the message names the file and line).
    """
    if path is None:
        return []
    return list(read_csv(Path(path), required=_REQUIRED[source], expected=_COLUMNS[source]))


def history_payer_accounts(
    directory: str, known: Sequence[tuple[int, dict[str, str]]] = ()
) -> list[tuple[int, dict[str, str]]]:
    """Payer-account rows the confirmed history shows: each history payment's account linked to
    the customers its allocations settled (``payments.csv`` and ``allocations.csv`` in
    ``directory``, the layout ``o2c match --history`` reads), each pair once and none already in
    ``known`` (the payer-accounts file's rows).  Line numbers are ``payments.csv``'s.

    Raises:
        ValidationError: either file is missing, unreadable or lacks a column it needs.
    """
    root = Path(directory)
    served: dict[str, set[str]] = {}
    for _, row in read_csv(
        root / "allocations.csv",
        required=("payment_id", "customer_id"),
        expected=("payment_id", "item_id", "customer_id", "applied_amount"),
    ):
        served.setdefault(row["payment_id"], set()).add(row["customer_id"])
    seen = {(row["customer_id"], account_key(row["account"])) for _, row in known}
    out: list[tuple[int, dict[str, str]]] = []
    for line, row in read_csv(
        root / "payments.csv",
        required=("payment_id", "payer_account"),
        expected=("payment_id", "value_date", "amount", "payer_name", "payer_account"),
    ):
        account = row["payer_account"]
        if not account_key(account):
            continue
        for customer in sorted(served.get(row["payment_id"], ())):
            pair = (customer, account_key(account))
            if customer and pair not in seen:
                seen.add(pair)
                holder = row.get("payer_name", "")
                out.append(
                    (line, {"customer_id": customer, "account": account, "holder_name": holder})
                )
    return out


def _store(args: argparse.Namespace) -> LedgerStore:
    if args.url:
        from o2c.adapters.sqlalchemy import SQLAlchemyLedgerStore

        return SQLAlchemyLedgerStore(args.url)
    from o2c.adapters.sqlite import SQLiteLedgerStore

    return SQLiteLedgerStore(args.db)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the migration the parsed arguments describe; returns the exit status.

    Raises:
        ValidationError: rows were rejected (each is reported on ``out`` first) and
            ``--accept-partial`` was not given, or a file cannot be read; nothing is loaded.
        O2CError: the ledger refused the batch (nothing is loaded).
    """
    out = out if out is not None else sys.stdout
    recorded_at = dt.datetime.now(dt.UTC)
    files = {
        "customers": args.customers,
        "payer_accounts": args.payer_accounts,
        "open_items": args.open_items,
        "payments": args.payments,
        "settlements": args.settlements,
    }
    rows = {source: read_rows(path, source) for source, path in files.items()}
    if args.history is not None:
        learnt = history_payer_accounts(args.history, rows["payer_accounts"])
        out.write(f"history: {len(learnt)} payer account(s) linked by confirmed payments\n")
        rows["payer_accounts"] = rows["payer_accounts"] + learnt
        if files["payer_accounts"] is None:
            files["payer_accounts"] = str(Path(args.history) / "payments.csv")
    plan = plan_migration(
        customers=rows["customers"] if args.customers is not None else None,
        payer_accounts=rows["payer_accounts"],
        open_items=rows["open_items"],
        payments=rows["payments"],
        settlements=rows["settlements"],
        cutover=args.cutover,
        recorded_at=recorded_at,
        recorded_by=args.recorded_by,
    )
    for source, count in plan.accepted:
        if files[source] is not None:
            out.write(f"{source}: {count} row(s) accepted\n")
        elif source == "customers" and count:
            out.write(f"customers: {count} registered from the open items\n")
    for rejected in plan.rejected:
        out.write(f"REJECTED {files[rejected.source]}:{rejected.row}: {rejected.error.message}\n")
    if plan.rejected and not args.accept_partial:
        first = plan.rejected[0]
        raise ValidationError(
            f"{len(plan.rejected)} row(s) rejected, nothing loaded (fix them, or pass "
            f"--accept-partial to load the accepted rows); the first: "
            f"{files[first.source]}:{first.row}: {first.error.message}",
            field=f"{files[first.source]}:{first.row}",
            value=first.error.value,
        )
    store = _store(args)
    try:
        result = post_migration(plan, Ledger(store), accept_partial=True)
    finally:
        close: Any = getattr(store, "close", None)
        if close is not None:
            close()
    out.write(
        f"loaded {len(result.appended)} fact(s) for {len(plan.customers)} customer(s); "
        f"{len(result.unchanged)} already there\n"
    )
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def register(subparsers: Any) -> None:
    """Add the ``migrate`` sub-command to the ``o2c`` parser."""
    parser = subparsers.add_parser(
        "migrate",
        help="load customers, open items and payment history from CSV into a ledger",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=ledger_file, help="SQLite ledger file (created when missing)")
    where.add_argument("--url", help="SQLAlchemy URL of the ledger database (extra 'sql')")
    parser.add_argument(
        "--customers",
        default=None,
        type=input_file,
        help="customers CSV file (the customer master; without it, the customers of the open "
        "items are registered with their customer_name)",
    )
    parser.add_argument(
        "--payer-accounts",
        default=None,
        type=input_file,
        help="payer accounts CSV file: customer_id, account[, holder_name, bic]",
    )
    parser.add_argument("--open-items", default=None, type=input_file, help="open items CSV file")
    parser.add_argument(
        "--payments", default=None, type=input_file, help="payment history CSV file"
    )
    parser.add_argument(
        "--history",
        default=None,
        help="folder of confirmed payment history (payments.csv, allocations.csv, as "
        "`o2c match --history` reads): the accounts each customer's payments came from are "
        "linked to it in the master",
    )
    parser.add_argument(
        "--settlements",
        default=None,
        type=input_file,
        help="settlements CSV file: which payment settled which closed invoice, when "
        "(keeps the customers' real lateness)",
    )
    parser.add_argument(
        "--cutover",
        required=True,
        type=_date,
        help="the date the open amounts are as of (YYYY-MM-DD)",
    )
    parser.add_argument("--recorded-by", default="migration", help="who records the migration")
    parser.add_argument(
        "--accept-partial",
        action="store_true",
        help="load the accepted rows even though some rows were rejected",
    )
    parser.set_defaults(func=run)
