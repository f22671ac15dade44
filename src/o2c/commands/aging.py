"""``o2c aging``: age a CSV of open items as of a date and print the table (or CSV).

The input is the open-items CSV of ``o2c match`` (``item_id, customer_id, ..., document_date,
due_date, currency, original_amount, open_amount``; a negative open amount is a credit memo).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path
from typing import IO, Any

from o2c.aging import AgingBasis, AgingReport, BucketScheme, DueToday, age, convert_report
from o2c.errors import O2CError
from o2c.money import Money, quantize

__all__ = ["register", "run", "write_csv", "write_table"]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None


def _edges(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list like 30,60,90,120") from None


def register(subparsers: Any) -> None:
    """Add the ``aging`` sub-command to the ``o2c`` parser."""
    parser = subparsers.add_parser(
        "aging",
        help="age open items as of a date",
        description="Age a CSV of open items (the o2c match format) as of a date.",
    )
    parser.add_argument("--open-items", required=True, help="open items CSV file")
    parser.add_argument("--as-of", required=True, type=_date, help="aging date (YYYY-MM-DD)")
    parser.add_argument(
        "--buckets", type=_edges, default=(30, 60, 90, 120), help="bucket edges (30,60,90,120)"
    )
    parser.add_argument(
        "--due-today",
        choices=[d.value for d in DueToday],
        default=DueToday.NOT_DUE.value,
        help="an item due on the aging date is not due (Odoo) or overdue (ERPNext)",
    )
    parser.add_argument(
        "--basis", choices=[b.value for b in AgingBasis], default=AgingBasis.DUE_DATE.value
    )
    parser.add_argument(
        "--report-currency", default=None, help="convert to this currency (needs --rates)"
    )
    parser.add_argument("--rates", default=None, help="exchange rates CSV (date,base,quote,rate)")
    parser.add_argument("--csv", action="store_true", help="write CSV instead of a table")
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    return run(args, out=sys.stdout, err=sys.stderr)


def run(args: argparse.Namespace, *, out: IO[str], err: IO[str]) -> int:
    """Run the command; returns the exit status (2 for bad input)."""
    from o2c.commands.match import read_open_items, read_rates

    try:
        items, _customers = read_open_items(Path(args.open_items))
        scheme = BucketScheme.standard(args.buckets, due_today=DueToday(args.due_today))
        report = age(items, args.as_of, scheme=scheme, basis=AgingBasis(args.basis), detail=False)
        if args.report_currency is not None:
            if args.rates is None:
                err.write("o2c aging: --report-currency needs --rates\n")
                return 2
            rates = read_rates(Path(args.rates))
            report = convert_report(report, args.report_currency, args.as_of, rates)
    except (O2CError, OSError) as exc:
        err.write(f"o2c aging: {exc}\n")
        return 2
    if args.csv:
        write_csv(report, out)
    else:
        write_table(report, out)
    return 0


def _text(amount: Money) -> str:
    return str(quantize(amount).amount)


def _cells(report: AgingReport) -> list[list[str]]:
    rows = []
    for row in (*report.rows, *report.totals):
        who = row.customer_id if row.customer_id is not None else "TOTAL"
        rows.append([who, row.currency, *(_text(c) for c in row.columns), _text(row.balance)])
    return rows


def write_table(report: AgingReport, out: IO[str]) -> None:
    """A fixed-width table: one line per customer and currency, then the totals."""
    header = ["customer", "cur", *report.column_labels, "balance"]
    rows = _cells(report)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    converted = (
        f" in {report.report_currency} at the rates of {report.rate_date}"
        if report.report_currency
        else ""
    )
    out.write(f"aging as of {report.as_of} ({report.basis.value}){converted}\n")
    for r in [header, *rows]:
        cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1])]
        cells += [c.rjust(w) for c, w in zip(r[2:], widths[2:], strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")


def write_csv(report: AgingReport, out: IO[str]) -> None:
    """CSV with a header row; total rows have an empty customer."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["customer_id", "currency", *report.column_labels, "balance"])
    for r in _cells(report):
        writer.writerow(["" if r[0] == "TOTAL" else r[0], *r[1:]])
