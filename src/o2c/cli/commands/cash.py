"""``o2c cash``: the incoming-cash loop on a ledger: import bank files, the worklist, decisions.

- ``o2c cash import --db LEDGER [--advices DIR] [--sanctions FILE...] [--rates FILE]
  FILE|DIR...``: read the bank files (camt.053/054, MT940, BAI2, payment CSV; folders read
  recursively), pre-validate, match against the ledger's open items and customer master, post
  what is sure and record the rest (:func:`o2c.cash_application.intake.plan_intake`), in one
  atomic batch.  Prints one summary line whose counts add up to the lines read; importing the
  same files again appends nothing.
- ``o2c cash worklist --db LEDGER [--format table|csv|json] [--as-of DATE]``: the open
  exceptions (held, flagged, suggested, suspense, unapplied), largest first, then oldest.
- ``o2c cash confirm --db LEDGER PAYMENT_ID [ITEM_ID=AMOUNT...] [--candidate N]``: confirm the
  payment's best candidate (or candidate ``N``), or the allocation given; what it teaches the
  customer master is recorded with it.
- ``o2c cash reject --db LEDGER PAYMENT_ID``: the candidates (or the hold) are not right.
- ``o2c cash reassign --db LEDGER PAYMENT_ID CUSTOMER_ID`` and ``o2c cash write-off --db LEDGER
  PAYMENT_ID``: move the cash to another customer; write off a small rest within policy.

Every decision records who (``--by``, default the login name) and why (``--reason``).  With
``--url`` instead of ``--db`` the ledger is a SQLAlchemy database (PostgreSQL; extra ``sql``).
Errors end in one line ``o2c: error: ...`` (exit status 2 for bad input, 1 for a database
failure or another writer that got there first: run it again).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import json
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from o2c.cli.commands import input_file, ledger_file
from o2c.errors import ValidationError
from o2c.ledger import Ledger
from o2c.money import Money

__all__ = ["WORKLIST_COLUMNS", "register", "run"]

#: The columns of ``o2c cash worklist --format csv`` (JSON has the same keys, and candidates).
WORKLIST_COLUMNS = (
    "payment_id",
    "kind",
    "customer_id",
    "amount",
    "currency",
    "value_date",
    "age_days",
    "payer_name",
    "reference",
    "candidate",
    "reasons",
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _who(args: argparse.Namespace) -> str:
    if args.by:
        return str(args.by)
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "o2c"


def run(args: argparse.Namespace, *, out: IO[str] | None = None) -> int:
    """Run ``o2c cash <action>`` with parsed arguments; returns the exit status (0).

    Raises:
        ValidationError: bad input (files, a payment or item not found, amounts).
        O2CError: the ledger refused the facts (nothing is stored).
    """
    from o2c.cli.commands.aging import open_store

    stream = out if out is not None else sys.stdout
    with open_store(args) as store:
        ledger = Ledger(store)
        action = _ACTIONS[args.cash_action]
        return action(args, ledger, stream)


# --------------------------------------------------------------------------------------------
# import


def _import(args: argparse.Namespace, ledger: Ledger, out: IO[str]) -> int:
    from o2c.adapters.advices import read_advice_folder
    from o2c.adapters.match_folder import read_bank_paths_with_accounts
    from o2c.cash_application.intake import plan_intake

    # the statements' own accounts tell the creditor's country (a domestic short payment is a
    # deduction, not a bank fee)
    payments, _files, accounts = read_bank_paths_with_accounts(list(args.paths))
    advices = read_advice_folder(Path(args.advices)) if args.advices else ()
    sanctions = _sanctions(args.sanctions) if args.sanctions else None
    rates = None
    if args.rates:
        from o2c.cli.commands.match import read_rates

        rates = read_rates(Path(args.rates))
    plan = plan_intake(
        payments,
        ledger.read(),
        recorded_at=_now(),
        recorded_by=_who(args),
        advices=advices,
        sanctions=sanctions,
        rates=rates,
        creditor_accounts=accounts,
    )
    appended = ledger.append(list(plan.facts)) if plan.facts else None
    count = len(appended.appended) if appended is not None else 0
    out.write(f"o2c cash import: {plan.summary()}; {count} facts appended\n")
    return 0


def _sanctions(paths: Sequence[str]) -> Any:
    from o2c.adapters.sanctions import read_sanctions_list
    from o2c.cash_application.screening import SanctionsScreen

    return SanctionsScreen.build(read_sanctions_list(Path(p)) for p in paths)


# --------------------------------------------------------------------------------------------
# the worklist


def _worklist(args: argparse.Namespace, ledger: Ledger, out: IO[str]) -> int:
    from o2c.cash_application.worklist import worklist

    as_of = args.as_of or _now().date()
    rows = [_row(w) for w in worklist(ledger.read(), as_of=as_of)]
    if args.format == "json":
        json.dump(rows, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif args.format == "csv":
        writer = csv.DictWriter(out, fieldnames=WORKLIST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: v for k, v in r.items() if k in WORKLIST_COLUMNS} for r in rows)
    else:
        _table(rows, out)
    return 0


def _row(w: Any) -> dict[str, Any]:
    best = w.candidates[0] if w.candidates else None
    candidate = (
        " + ".join(f"{line.item_id}={line.applied.amount}" for line in best.lines)
        + f" ({best.confidence})"
        if best is not None
        else ""
    )
    return {
        "payment_id": w.payment_id,
        "kind": w.kind.value,
        "customer_id": w.customer_id,
        "amount": str(w.amount.amount),
        "currency": w.amount.currency.code,
        "value_date": w.value_date.isoformat(),
        "age_days": w.age_days,
        "payer_name": w.payer_name,
        "reference": w.reference,
        "candidate": candidate,
        "reasons": "; ".join(w.reasons),
        "candidates": [
            {
                "confidence": str(c.confidence),
                "lines": [
                    {
                        "customer_id": line.customer_id,
                        "item_id": line.item_id,
                        "applied": str(line.applied.amount),
                    }
                    for line in c.lines
                ],
                "explanation": c.explanation,
            }
            for c in w.candidates
        ],
    }


_TABLE = ("payment_id", "kind", "customer_id", "amount", "currency", "age_days", "candidate")


def _table(rows: list[dict[str, Any]], out: IO[str]) -> None:
    cells = [list(_TABLE)] + [[str(r[k])[:48] for k in _TABLE] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(_TABLE))]
    for n, line in enumerate(cells):
        out.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n")
        if n == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")
    out.write(f"{len(rows)} open exceptions\n")


# --------------------------------------------------------------------------------------------
# decisions


def _amounts(pairs: Sequence[str], code: str) -> dict[str, Money]:
    from o2c.money import money

    found: dict[str, Money] = {}
    for pair in pairs:
        item_id, sep, text = pair.rpartition("=")
        try:
            if not sep or not item_id:
                raise InvalidOperation
            found[item_id] = money(Decimal(text), code)
        except (InvalidOperation, ValueError, ArithmeticError):
            raise ValidationError(
                f"{pair!r} is not ITEM_ID=AMOUNT (e.g. I0006897=519.67)",
                field="allocation",
                value=pair,
            ) from None
    return found


def _decide(args: argparse.Namespace, ledger: Ledger, out: IO[str]) -> int:
    from o2c.cash_application import worklist as wl

    history = ledger.read()
    common: dict[str, Any] = {
        "recorded_at": _now(),
        "recorded_by": _who(args),
        "reason": args.reason or "",
    }
    action = args.cash_action
    if action == "confirm":
        amounts = None
        if args.allocations:
            case = next(
                (c for c in history.payment_cases() if c.payment_id == args.payment_id), None
            )
            code = case.unapplied[0][1].currency.code if case and case.unapplied else "EUR"
            amounts = _amounts(args.allocations, code)
        facts = wl.confirm(history, args.payment_id, amounts, candidate=args.candidate, **common)
    elif action == "reject":
        facts = wl.reject(history, args.payment_id, **common)
    elif action == "reassign":
        facts = wl.reassign(history, args.payment_id, args.customer_id, **common)
    else:
        facts = wl.write_off(history, args.payment_id, **common)
    result = ledger.append(list(facts))
    out.write(
        f"o2c cash {action}: payment {args.payment_id}: {len(result.appended)} facts appended\n"
    )
    return 0


_ACTIONS = {
    "import": _import,
    "worklist": _worklist,
    "confirm": _decide,
    "reject": _decide,
    "reassign": _decide,
    "write-off": _decide,
}


# --------------------------------------------------------------------------------------------
# arguments


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def _existing(text: str) -> str:
    if not Path(text).exists():
        raise argparse.ArgumentTypeError(f"{text!r}: no such file or folder")
    return text


def _folder(text: str) -> str:
    if not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a folder")
    return text


def _ledger_options(parser: Any, *, decision: bool = False) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", type=ledger_file, help="SQLite ledger file (o2c migrate filled)")
    where.add_argument("--url", help="SQLAlchemy URL of the ledger database (extra 'sql')")
    if decision:
        parser.add_argument("--by", default=None, help="who decides (default: the login name)")
        parser.add_argument("--reason", default=None, help="why (kept with the decision)")


def register(subparsers: Any) -> None:
    """Add the ``cash`` sub-command and its actions to the ``o2c`` parser."""
    parser = subparsers.add_parser(
        "cash",
        help="the incoming-cash loop: import bank files, the worklist, decisions",
        description="Import bank files into a ledger (pre-validate, match, post what is sure, "
        "record the rest), list the open exceptions and decide on them.",
    )
    actions = parser.add_subparsers(dest="cash_action", required=True, metavar="ACTION")
    imp = actions.add_parser(
        "import",
        help="pre-validate, match, post what is sure and record the rest",
        description="Import bank files into the ledger; prints what became of every line.",
    )
    _ledger_options(imp)
    imp.add_argument("--by", default=None, help="who imports (default: the login name)")
    imp.add_argument("--advices", type=_folder, metavar="DIR", help="remittance advices")
    imp.add_argument(
        "--sanctions",
        nargs="+",
        action="extend",
        type=input_file,
        metavar="FILE",
        help="sanctions lists (EU FSF XML, OFAC SDN XML/CSV, UN XML, UK OFSI CSV); after the "
        "bank files, or repeated",
    )
    imp.add_argument("--rates", type=input_file, help="exchange rates CSV (date,base,quote,rate)")
    imp.add_argument(
        "paths", nargs="+", type=_existing, metavar="FILE|DIR", help="bank files or folders"
    )
    work = actions.add_parser(
        "worklist", help="the open exceptions", description="List the open exceptions."
    )
    _ledger_options(work)
    work.add_argument("--format", choices=("table", "csv", "json"), default="table")
    work.add_argument("--as-of", type=_date, default=None, help="the day ages count to")
    conf = actions.add_parser(
        "confirm",
        help="confirm a suggestion or a chosen allocation",
        description="Confirm the payment's best candidate (or --candidate N), or the "
        "allocation ITEM_ID=AMOUNT ...",
    )
    _ledger_options(conf, decision=True)
    conf.add_argument("payment_id", metavar="PAYMENT_ID")
    conf.add_argument("allocations", nargs="*", metavar="ITEM_ID=AMOUNT")
    conf.add_argument("--candidate", type=int, default=0, help="which candidate (0: the best)")
    rej = actions.add_parser("reject", help="reject the payment's candidates or hold")
    _ledger_options(rej, decision=True)
    rej.add_argument("payment_id", metavar="PAYMENT_ID")
    move = actions.add_parser("reassign", help="move a payment's cash to another customer")
    _ledger_options(move, decision=True)
    move.add_argument("payment_id", metavar="PAYMENT_ID")
    move.add_argument("customer_id", metavar="CUSTOMER_ID")
    off = actions.add_parser("write-off", help="write off a small rest of a payment")
    _ledger_options(off, decision=True)
    off.add_argument("payment_id", metavar="PAYMENT_ID")
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    return run(args)
