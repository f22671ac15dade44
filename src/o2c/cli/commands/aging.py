"""``o2c aging``: age open items as of a date and print the table (or CSV).

The items come from an open-items CSV (``--open-items``), a ledger (``--db`` SQLite file,
``--url`` SQLAlchemy URL) or a Parquet/CSV layout of the columnar read model (``--layout DIR``
with ``items`` and ``settlements`` files, see :func:`o2c.portfolio.model.from_tables`).  A ledger
or a layout is aged by an engine (``--engine``): ``duckdb`` (embedded, the default), ``dask``
(a cluster: ``--scheduler ADDRESS``, or two local workers) or ``python`` (the domain path);
``--known-at`` ages what was recorded by then.

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
import contextlib
import csv
import datetime as dt
import sys
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from o2c.cli.commands import input_file, ledger_file, skipped_rows
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

if TYPE_CHECKING:
    from o2c.ledger import OpenItem
    from o2c.ledger.store import LedgerStore
    from o2c.portfolio import Engine, ReadModel

__all__ = [
    "ENGINES",
    "add_source_options",
    "engine_from",
    "model_from",
    "open_store",
    "register",
    "run",
    "write_csv",
    "write_table",
]


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


#: The engines ``--engine`` names.
ENGINES = ("duckdb", "dask", "python")


def _directory(text: str) -> str:
    if not Path(text).is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is not a directory")
    return text


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO time with a UTC offset (2026-03-31T18:00:00+00:00)"
        )
    return moment


def register(subparsers: Any) -> None:
    """Add the ``aging`` sub-command to the ``o2c`` parser."""
    parser = subparsers.add_parser(
        "aging",
        help="age open items as of a date",
        description="Age a CSV of open items (the o2c match format) as of a date.",
    )
    # one source is needed: checked in _main so the usage error stays "--open-items is required"
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--open-items", type=input_file, help="open items CSV file")
    source.add_argument("--db", type=ledger_file, help="SQLite ledger file")
    source.add_argument("--url", help="SQLAlchemy URL of the ledger database (extra 'sql')")
    source.add_argument(
        "--layout", type=_directory, help="directory with items and settlements Parquet/CSV"
    )
    add_source_options(parser)
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
    parser.set_defaults(func=_main, parser=parser)


def _main(args: argparse.Namespace) -> int:
    if not any(getattr(args, k, None) for k in ("open_items", "db", "url", "layout")):
        args.parser.error("the following arguments are required: --open-items")
    return run(args, out=sys.stdout, err=sys.stderr)


def run(args: argparse.Namespace, *, out: IO[str], err: IO[str]) -> int:
    """Run the command; returns the exit status (0).

    Raises:
        ValidationError: bad input: a file that cannot be read, a row that cannot be read
            (unless ``--accept-partial``; then when no row can be read), ``--report-currency``
            without ``--rates``, or no rate for a currency.
    """
    from o2c.cli.commands.match import read_rates

    if args.report_currency is not None and args.rates is None:
        raise ValidationError(
            "--report-currency needs --rates (a date,base,quote,rate CSV file)",
            field="--rates",
            value=None,
        )
    scheme = BucketScheme.standard(args.buckets, due_today=DueToday(args.due_today))
    if getattr(args, "open_items", None):
        if getattr(args, "engine", None) not in (None, "python"):
            raise ValidationError(
                "--engine ages a ledger (--db/--url) or a layout (--layout); an open-items CSV "
                "is aged by the domain path",
                field="--engine",
                value=args.engine,
            )
        items = _read_items(args, err)
        report = age(items, args.as_of, scheme=scheme, basis=AgingBasis(args.basis), detail=False)
    else:
        report = _age_portfolio(args, scheme)
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


def _read_items(args: argparse.Namespace, err: IO[str]) -> list[Any]:
    from o2c.cli.commands.match import read_open_items

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
    return list(items)


def _age_portfolio(args: argparse.Namespace, scheme: BucketScheme) -> AgingReport:
    """A ledger or a layout, aged by the engine ``--engine`` names."""
    engine_name = args.engine or ("dask" if args.scheduler else "duckdb")
    basis = AgingBasis(args.basis)
    if engine_name == "python":
        return _python_aging(args, scheme, basis)
    from o2c.portfolio import age_portfolio

    model = model_from(args)
    with engine_from(engine_name, args.scheduler) as engine:
        return age_portfolio(
            model, args.as_of, engine, known_at=args.known_at, scheme=scheme, basis=basis
        )


# --------------------------------------------------------------------------------------------
# Ledgers and layouts on an engine (shared with ``o2c kpi``)


def add_source_options(parser: Any) -> None:
    """``--engine``, ``--scheduler`` and ``--known-at`` (the source options are the caller's)."""
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help="what reads a ledger or a layout: duckdb (default), dask or python (domain path)",
    )
    parser.add_argument(
        "--scheduler", default=None, help="address of a running Dask scheduler (--engine dask)"
    )
    parser.add_argument(
        "--known-at",
        type=_moment,
        default=None,
        help="what was recorded by this time (ISO, with a UTC offset)",
    )


@contextlib.contextmanager
def open_store(args: argparse.Namespace) -> Iterator[LedgerStore]:
    """The ledger store ``--db`` or ``--url`` names, closed afterwards."""
    if args.url:
        from o2c.adapters.sqlalchemy import SQLAlchemyLedgerStore

        store: Any = SQLAlchemyLedgerStore(args.url)
    else:
        from o2c.adapters.sqlite import SQLiteLedgerStore

        if not Path(args.db).is_file():
            raise ValidationError(f"--db {args.db}: no such ledger", field="--db", value=args.db)
        store = SQLiteLedgerStore(args.db)
    try:
        yield store
    finally:
        store.close()


def model_from(args: argparse.Namespace) -> ReadModel:
    """The columnar read model of ``--layout``, ``--db`` or ``--url``."""
    if getattr(args, "layout", None):
        from o2c.adapters.duckdb import read_layout

        return read_layout(args.layout)
    from o2c.portfolio import from_facts

    with open_store(args) as store:
        return from_facts(store.iter_by_customer())


@contextlib.contextmanager
def engine_from(name: str, scheduler: str | None) -> Iterator[Engine]:
    """The engine ``--engine`` names: DuckDB embedded, or Dask on ``scheduler`` (or on two local
    in-process workers when no scheduler is given); a cluster started here stops afterwards."""
    from o2c.adapters.duckdb import DuckDBEngine

    if name == "duckdb":
        yield DuckDBEngine()
        return
    from o2c.adapters.dask import DaskEngine

    if scheduler:
        engine = DaskEngine.connect(scheduler)
        try:
            yield engine
        finally:
            engine.client.close()
        return
    from o2c._optional import require

    distributed = require("distributed", extra="dask", feature="the Dask engine")
    with warnings.catch_warnings():  # dask's notes on ports and event loops are not the user's
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        cluster = distributed.LocalCluster(
            n_workers=2,
            processes=False,
            threads_per_worker=1,
            host="127.0.0.1",
            protocol="tcp",
            dashboard_address=None,
        )
    with cluster, distributed.Client(cluster) as client:
        yield DaskEngine(client=client)


def _python_aging(args: argparse.Namespace, scheme: BucketScheme, basis: AgingBasis) -> AgingReport:
    """The domain path: the ledger's history (or the layout's items and settlements) and
    :func:`o2c.receivables.aging.age`."""
    if getattr(args, "layout", None):
        from o2c.portfolio.aging import domain_open_items

        items: Iterable[OpenItem] = domain_open_items(
            model_from(args), args.as_of, known_at=args.known_at
        )
    else:
        from o2c.ledger import Ledger

        with open_store(args) as store:
            items = Ledger(store).open_items(args.as_of, known_at=args.known_at)
    return age(items, args.as_of, scheme=scheme, basis=basis, detail=False, known_at=args.known_at)


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
