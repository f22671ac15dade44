"""``o2c aging``: age a CSV of open items as of a date and print the table (or CSV).

The input is the open-items CSV of ``o2c match`` (``item_id, customer_id, ..., document_date,
due_date, currency, original_amount, open_amount``; a negative open amount is a credit memo).
An aging must add up to the ledger, so a row that cannot be read (a bad date, an unknown
currency, an amount beyond the limit or with more decimals than its currency has) stops the
command with exit status 2 and names the first such line; ``--accept-partial`` ages the rows that
can be read instead and counts the others on standard error.  Amounts are never rounded on the
way in.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path
from typing import IO, Any

from o2c.cli.commands import input_file, skipped_rows
from o2c.errors import O2CError, RateNotFoundError, ValidationError
from o2c.money import Money, currency, quantize
from o2c.receivables.aging import (
    AgingBasis,
    AgingReport,
    BucketScheme,
    DueToday,
    age,
    convert_report,
)

__all__ = ["register", "run", "write_csv", "write_table"]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None


def _edges(text: str) -> tuple[int, ...]:
    try:
        edges = tuple(int(p) for p in text.split(","))
        BucketScheme.standard(edges)
    except (ValueError, O2CError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of increasing positive day counts like 30,60,90,120"
        ) from None
    return edges


def _currency(text: str) -> str:
    try:
        return currency(text).code
    except O2CError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(subparsers: Any) -> None:
    """Add the ``aging`` sub-command to the ``o2c`` parser."""
    parser = subparsers.add_parser(
        "aging",
        help="age open items as of a date",
        description="Age a CSV of open items (the o2c match format) as of a date.",
    )
    parser.add_argument("--open-items", required=True, type=input_file, help="open items CSV file")
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
        "--report-currency",
        default=None,
        type=_currency,
        help="convert to this currency (needs --rates)",
    )
    parser.add_argument(
        "--rates", default=None, type=input_file, help="exchange rates CSV (date,base,quote,rate)"
    )
    parser.add_argument("--csv", action="store_true", help="write CSV instead of a table")
    parser.add_argument(
        "--accept-partial",
        action="store_true",
        help="age the rows that can be read and count the others on standard error",
    )
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    return run(args, out=sys.stdout, err=sys.stderr)


def run(args: argparse.Namespace, *, out: IO[str], err: IO[str]) -> int:
    """Run the command; returns the exit status (0).

    Raises:
        ValidationError: bad input: a file that cannot be read, a row that cannot be read
            (unless ``--accept-partial``; then when no row can be read), ``--report-currency``
            without ``--rates``, or no rate for a currency.
    """
    from o2c.cli.commands.match import read_open_items, read_rates

    if args.report_currency is not None and args.rates is None:
        raise ValidationError(
            "--report-currency needs --rates (a date,base,quote,rate CSV file)",
            field="--rates",
            value=None,
        )
    path = Path(args.open_items)
    problems: list[ValidationError] = []
    items, _customers = read_open_items(path, errors=problems)
    if problems and (not items or not getattr(args, "accept_partial", False)):
        first = " ".join(str(problems[0]).split())
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        then = (
            ": fix the rows, or pass --accept-partial to age the others"
            if items
            else "; no row could be read"
        )
        raise ValidationError(f"{first}{more}{then}", field=str(path), value=len(problems))
    if problems:
        err.write(skipped_rows(problems) + "\n")
    scheme = BucketScheme.standard(args.buckets, due_today=DueToday(args.due_today))
    report = age(items, args.as_of, scheme=scheme, basis=AgingBasis(args.basis), detail=False)
    if args.report_currency is not None:
        rates = read_rates(Path(args.rates))
        try:
            report = convert_report(report, args.report_currency, args.as_of, rates)
        except RateNotFoundError as exc:
            raise ValidationError(
                f"--rates {args.rates}: {exc}", field="--rates", value=args.rates
            ) from exc
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
