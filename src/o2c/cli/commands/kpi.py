"""``o2c kpi``: the receivables KPIs of a ledger or a layout, per period (and per customer).

The figures come from a ledger (``--db`` SQLite file, ``--url`` SQLAlchemy URL) or a Parquet/CSV
layout of the columnar read model (``--layout DIR``), read by an engine (``--engine``):
``duckdb`` (embedded, the default), ``dask`` (a cluster: ``--scheduler ADDRESS``, or two local
workers) or ``python`` (the domain path of :mod:`o2c.receivables.kpi`, for a ledger).  The
periods run from ``--from`` to ``--to`` (both included) by ``--period``: calendar months,
quarters, or the whole span; ``--by-customer`` adds each customer's rows before the portfolio's.

Each row is one figure or KPI of one customer (or ``TOTAL``), currency and period: the figures
(receivables at the start and the end, current receivables, credit sales, write-offs, paid
items) and the KPIs of :func:`o2c.receivables.kpi.kpi_summary` with the days-to-pay KPIs; when
the figures leave the ratios undefined (no credit sales in a period) the row says why.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from o2c.cli.commands import ledger_file
from o2c.cli.commands.aging import add_source_options, engine_from, model_from, open_store
from o2c.errors import ValidationError
from o2c.money import quantize
from o2c.receivables.aging import BucketScheme, DueToday
from o2c.receivables.kpi import SalesConvention

if TYPE_CHECKING:
    from o2c.ledger import Ledger
    from o2c.portfolio import PortfolioKpis

__all__ = ["period_bounds", "register", "run", "write_csv", "write_table"]

#: What ``--period`` names.
PERIODS = ("month", "quarter", "whole")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None


def _months(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 120:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of months from 0 to 120")
    return value


def _directory(text: str) -> str:
    from o2c.cli.commands.aging import _directory as directory

    return directory(text)


def register(subparsers: Any) -> None:
    """Add the ``kpi`` sub-command to the ``o2c`` parser."""
    parser = subparsers.add_parser(
        "kpi",
        help="receivables KPIs per period (DSO, CEI, days to pay ...)",
        description="The receivables KPIs of a ledger or a layout, per period and customer.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--db", type=ledger_file, help="SQLite ledger file")
    source.add_argument("--url", help="SQLAlchemy URL of the ledger database (extra 'sql')")
    source.add_argument(
        "--layout", type=_directory, help="directory with items and settlements Parquet/CSV"
    )
    add_source_options(parser)
    parser.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        required=True,
        type=_date,
        help="first day (YYYY-MM-DD)",
    )
    parser.add_argument(
        "--to", dest="end", metavar="DATE", required=True, type=_date, help="last day (included)"
    )
    parser.add_argument(
        "--period",
        choices=PERIODS,
        default="month",
        help="periods: calendar months (default), quarters, or the whole span",
    )
    parser.add_argument(
        "--by-customer", action="store_true", help="each customer's rows, then the portfolio's"
    )
    parser.add_argument(
        "--countback",
        type=_months,
        default=3,
        help="months of sales the countback DSO looks back (default 3; 0: none)",
    )
    parser.add_argument(
        "--convention",
        choices=[c.value for c in SalesConvention],
        default=SalesConvention.PERIOD_TOTAL.value,
        help="CEI's credit sales: the period's total or its monthly average",
    )
    parser.add_argument(
        "--due-today",
        choices=[d.value for d in DueToday],
        default=DueToday.NOT_DUE.value,
        help="an item due on a period's last day is current (default) or overdue",
    )
    parser.add_argument("--csv", action="store_true", help="write CSV instead of a table")
    parser.set_defaults(func=_main, parser=parser)


def _main(args: argparse.Namespace) -> int:
    import sys

    if not any(getattr(args, k, None) for k in ("db", "url", "layout")):
        args.parser.error("one of the arguments --db --url --layout is required")
    return run(args, out=sys.stdout)


def period_bounds(start: dt.date, end: dt.date, period: str) -> tuple[dt.date, ...]:
    """The bounds of the periods from ``start`` to ``end`` (both included): the day before
    ``start``, each month's (or quarter's) last day before ``end``, then ``end``.

    >>> [d.isoformat() for d in period_bounds(dt.date(2026, 1, 1), dt.date(2026, 3, 15), "month")]
    ['2025-12-31', '2026-01-31', '2026-02-28', '2026-03-15']

    Raises:
        ValidationError: ``start`` after ``end``.
    """
    from o2c.portfolio.kpi import month_ends

    if start > end:
        raise ValidationError(
            f"--from {start} is after --to {end}", field="--from", value=start.isoformat()
        )
    ends = [
        e
        for e in month_ends(start, end)
        if e < end and (period == "month" or (period == "quarter" and e.month % 3 == 0))
    ]
    return (start - dt.timedelta(days=1), *ends, end)


def _months_of(period: str, start: dt.date, end: dt.date) -> int:
    """The months a period spans, for CEI's monthly average: 1, 3, or the calendar months the
    whole span touches."""
    if period == "month":
        return 1
    if period == "quarter":
        return 3
    return (end.year - start.year) * 12 + end.month - start.month + 1


def run(args: argparse.Namespace, *, out: IO[str]) -> int:
    """Run the command; returns the exit status (0).

    Raises:
        ValidationError: bad input (a period that ends before it starts, a layout that cannot be
            read, ``--engine python`` for a layout).
    """
    bounds = period_bounds(args.start, args.end, args.period)
    scheme = BucketScheme.standard(due_today=DueToday(args.due_today))
    options: dict[str, Any] = {
        "known_at": args.known_at,
        "scheme": scheme,
        "convention": SalesConvention(args.convention),
        "months": _months_of(args.period, args.start, args.end),
        "countback": args.countback,
        "by_customer": args.by_customer,
    }
    engine_name = args.engine or ("dask" if args.scheduler else "duckdb")
    if engine_name == "python":
        rows = _python_kpis(args, bounds, options)
    else:
        from o2c.portfolio import portfolio_kpis

        model = model_from(args)
        with engine_from(engine_name, args.scheduler) as engine:
            rows = list(portfolio_kpis(model, bounds, engine, **options))
    if args.csv:
        write_csv(rows, out)
    else:
        known = f" as known at {args.known_at.isoformat()}" if args.known_at else ""
        out.write(f"KPIs from {args.start} to {args.end} by {args.period}{known}\n")
        write_table(rows, out)
    return 0


# --------------------------------------------------------------------------------------------
# The domain path (a ledger read by o2c.receivables.kpi)


def _python_kpis(
    args: argparse.Namespace, bounds: Sequence[dt.date], options: dict[str, Any]
) -> list[PortfolioKpis]:
    """The domain path: each customer's ledger (``--by-customer``), then the whole ledger."""
    from o2c.ledger import InMemoryLedgerStore, Ledger

    if getattr(args, "layout", None):
        raise ValidationError(
            "--engine python reads a ledger (--db/--url); a layout's KPIs come from "
            "--engine duckdb or dask",
            field="--engine",
            value="python",
        )
    rows: list[PortfolioKpis] = []
    with open_store(args) as store:
        if options["by_customer"]:
            facts: list[Any] = []
            for fact in store.iter_by_customer():
                if facts and fact.customer_id != facts[0].customer_id:
                    rows += _ledger_kpis(_one(facts, InMemoryLedgerStore), bounds, options, True)
                    facts = []
                facts.append(fact)
            if facts:
                rows += _ledger_kpis(_one(facts, InMemoryLedgerStore), bounds, options, True)
        rows += _ledger_kpis(Ledger(store), bounds, options, False)
    return rows


def _one(facts: list[Any], store_type: Any) -> Ledger:
    """A ledger of one customer's stream (stored as it was: the ledger accepted it once)."""
    from o2c.ledger import Ledger

    store = store_type()
    store.append(facts, expected_versions={facts[0].customer_id: 0})
    return Ledger(store)


def _ledger_kpis(
    ledger: Ledger, bounds: Sequence[dt.date], options: dict[str, Any], customer: bool
) -> list[PortfolioKpis]:
    from moneyed import Money

    from o2c.ledger import CustomerId
    from o2c.portfolio import DaysToPay, PortfolioKpis
    from o2c.receivables.kpi import (
        kpi_summary,
        monthly_sales_from_ledger,
        paid_items_from_ledger,
        period_figures_from_ledger,
    )

    known_at = options["known_at"]
    found = ledger.read(bounds[-1], known_at=known_at).items.values()
    codes = sorted({i.currency for i in found})
    who = CustomerId(next(iter(found)).customer_id) if customer and codes else None
    rows = []
    for code in codes:
        for period in range(1, len(bounds)):
            start, end = bounds[period - 1], bounds[period]
            figures = period_figures_from_ledger(
                ledger, start, end, code, known_at=known_at, months=options["months"]
            )
            cur = figures.credit_sales.currency
            paid = [
                p
                for p in paid_items_from_ledger(ledger, start, end, known_at=known_at)
                if p.amount.currency == cur
            ]
            monthly = (
                monthly_sales_from_ledger(
                    ledger, end, options["countback"], code, known_at=known_at
                )
                if options["countback"]
                else []
            )
            summed = DaysToPay(
                items=len(paid),
                amount=Money(sum((p.amount.amount for p in paid), Decimal(0)), cur),
                days=sum(p.days_to_pay for p in paid),
                amount_days=sum((p.amount.amount * p.days_to_pay for p in paid), Decimal(0)),
                amount_days_late=sum((p.amount.amount * p.days_late for p in paid), Decimal(0)),
            )
            common: dict[str, Any] = {
                "customer_id": who,
                "currency": code,
                "period": period,
                "figures": figures,
                "paid": summed,
                "monthly_sales": tuple(monthly),
            }
            try:
                kpis = kpi_summary(
                    figures,
                    paid=paid,
                    convention=options["convention"],
                    monthly_sales=monthly,
                )
            except ValidationError as exc:
                rows.append(PortfolioKpis(**common, undefined=str(exc)))
                continue
            rows.append(PortfolioKpis(**common, kpis=kpis))
    return rows


# --------------------------------------------------------------------------------------------
# Output


def _lines(rows: Iterable[PortfolioKpis], places: int) -> list[list[str]]:
    step = Decimal(1).scaleb(-places)
    out = []
    for row in rows:
        who = row.customer_id if row.customer_id is not None else "TOTAL"
        f = row.figures
        head = [who, row.currency, (f.start + dt.timedelta(days=1)).isoformat(), f.end.isoformat()]
        money_rows = [
            ("receivables at start", f.beginning_receivables),
            ("receivables at end", f.ending_receivables),
            ("current receivables", f.ending_current_receivables),
            ("credit sales", f.credit_sales),
            ("write-offs", f.write_offs),
            ("paid amount", row.paid.amount),
        ]
        for name, amount in money_rows:
            out.append([*head, name, str(quantize(amount).amount), row.currency])
        out.append([*head, "paid items", str(row.paid.items), "items"])
        if row.undefined is not None:
            out.append([*head, "ratios", "undefined", row.undefined])
            for kpi in row.paid.kpis():
                out.append([*head, kpi.name, str(kpi.value.quantize(step)), kpi.unit])
            continue
        for kpi in row.kpis:
            out.append([*head, kpi.name, str(kpi.value.quantize(step)), kpi.unit])
    return out


def write_table(rows: Sequence[PortfolioKpis], out: IO[str]) -> None:
    """A fixed-width table: one line per figure or KPI (values to two decimals)."""
    header = ["customer", "cur", "from", "to", "figure", "value", "unit"]
    lines = _lines(rows, 2)
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(6)]
    for r in [header, *lines]:
        cells = [r[i].ljust(widths[i]) for i in range(5)]
        out.write("  ".join([*cells, r[5].rjust(widths[5]), r[6]]).rstrip() + "\n")


def write_csv(rows: Sequence[PortfolioKpis], out: IO[str]) -> None:
    """CSV with a header row (values to four decimals); total rows have an empty customer."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["customer_id", "currency", "from", "to", "figure", "value", "unit"])
    for r in _lines(rows, 4):
        writer.writerow(["" if r[0] == "TOTAL" else r[0], *r[1:]])
