"""``o2c report NAME``: build a report of the catalogue from a ledger and write it to a file.

The ledger is a SQLite file (``--db``) or a SQLAlchemy URL (``--url``); the report is as of
``--as-of``, as known at ``--known-at`` (everything recorded when omitted), optionally for one
customer (``--customer``; the statement needs one).  ``--format`` picks HTML, PDF (extra
``pdf``), XLSX or CSV (default: from the extension of ``--out``), ``--locale`` the language
(en, de, fr).  The options of single reports (``--detail``, ``--from``, ``--months``,
``--weeks``, ``--currency``, ``--limit``) are refused by reports that do not take them.

Bad input (an unknown report, a missing ledger, a bad date, an option the report does not
take) ends with one line on standard error and exit status 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import sys
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from o2c.cli.commands import ledger_file, output_file
from o2c.cli.commands.aging import ENGINES, _moment, engine_from, open_store
from o2c.errors import ValidationError

__all__ = ["register", "run"]

#: CLI option -> (builder keyword, what it is for): passed only to builders that take it.
_REPORT_OPTIONS = {
    "detail": ("detail", "--detail"),
    "start": ("start", "--from"),
    "months": ("months", "--months"),
    "weeks": ("weeks", "--weeks"),
    "currency": ("currency_code", "--currency"),
    "limit": ("limit", "--limit"),
    "rates": ("rates", "--rate"),
    "max_rows": ("", "--max-rows"),
    "payee_name": ("payee_name", "--payee-name"),
    "payee_iban": ("payee_iban", "--payee-iban"),
}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 100000")
    return value


def _rate(text: str) -> tuple[str, Decimal]:
    code, _, value = text.partition("=")
    try:
        rate = Decimal(value)
    except ArithmeticError:
        rate = Decimal(0)
    if len(code.strip()) != 3 or not rate.is_finite() or rate <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not CODE=RATE like USD=0.92")
    return code.strip().upper(), rate


def register(subparsers: Any) -> None:
    """Add the ``report`` sub-command to the ``o2c`` parser."""
    from o2c.reports import FORMATS, report_names
    from o2c.reports.messages import LANGUAGES

    parser = subparsers.add_parser(
        "report",
        help="build a report (aged balance, statement, DSO trend ...) into a file",
        description="Build a report of the catalogue from a ledger and write it to a file.",
    )
    parser.add_argument(
        "name", metavar="NAME", choices=report_names(), help=", ".join(report_names())
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", type=ledger_file, help="SQLite ledger file")
    source.add_argument("--url", help="SQLAlchemy URL of the ledger database (extra 'sql')")
    parser.add_argument(
        "--as-of", dest="as_of", metavar="DATE", type=_date, required=True, help="YYYY-MM-DD"
    )
    parser.add_argument(
        "--known-at",
        dest="known_at",
        type=_moment,
        default=None,
        help="what was recorded by this time (ISO, with a UTC offset)",
    )
    parser.add_argument("--customer", default=None, help="one customer's report (ID)")
    parser.add_argument("--locale", choices=LANGUAGES, default="en", help="language (default en)")
    parser.add_argument(
        "--format", choices=FORMATS, default=None, help="file format (default: from --out)"
    )
    parser.add_argument("--out", type=output_file, required=True, help="file to write")
    parser.add_argument("--no-charts", action="store_true", help="leave the charts out")
    parser.add_argument(
        "--detail", action="store_true", default=None, help="aged-balance: the items too"
    )
    parser.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        type=_date,
        default=None,
        help="statement, payments: first day (default: first of the month)",
    )
    parser.add_argument("--months", type=_count, default=None, help="dso-trend: months (12)")
    parser.add_argument("--weeks", type=_count, default=None, help="forecast: weeks (13)")
    parser.add_argument(
        "--currency",
        default=None,
        help="dso-trend, forecast, provision, exposure: currency (default: the most used)",
    )
    parser.add_argument("--limit", type=_count, default=None, help="worklist: first N rows")
    parser.add_argument(
        "--rate",
        dest="rates",
        metavar="CODE=RATE",
        type=_rate,
        action="append",
        default=None,
        help="worklist: units of --currency per unit of CODE (repeat per currency)",
    )
    parser.add_argument(
        "--payee-name", default=None, help="statement: your name for an EPC QR code (extra qr)"
    )
    parser.add_argument("--payee-iban", default=None, help="statement: your IBAN for it")
    parser.add_argument(
        "--max-rows",
        dest="max_rows",
        type=_count,
        default=None,
        help="html, pdf: the most rows per table (default 5000 / 200)",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help="aged-balance, dso-trend, exposure, provision, worklist: read the ledger as "
        "columns and run on this engine (duckdb embedded, dask distributed; extra "
        "'portfolio'; the worklist then ranks without a payment model); python: the domain "
        "path",
    )
    parser.add_argument(
        "--scheduler", default=None, help="address of a running Dask scheduler (--engine dask)"
    )
    parser.set_defaults(func=_main, parser=parser)


def _main(args: argparse.Namespace) -> int:
    return run(args, out=sys.stdout)


def _format_of(args: argparse.Namespace) -> str:
    from o2c.reports import FORMATS

    if args.format:
        return str(args.format)
    suffix = Path(args.out).suffix.lower().lstrip(".")
    if suffix == "htm":
        suffix = "html"
    if suffix not in FORMATS:
        raise ValidationError(
            f"--out {args.out}: name the format with --format ({', '.join(FORMATS)}) or use "
            "one of their extensions",
            field="--format",
            value=suffix,
        )
    return suffix


def _options(args: argparse.Namespace) -> dict[str, Any]:
    from o2c.reports import REPORTS

    accepted = inspect.signature(REPORTS[args.name]).parameters
    options: dict[str, Any] = {}
    for attr, (keyword, flag) in _REPORT_OPTIONS.items():
        value = getattr(args, attr)
        if value is None or not keyword:
            continue
        if attr == "rates":
            value = dict(value)
        if keyword not in accepted:
            raise ValidationError(
                f"{flag} does not apply to the {args.name} report", field=flag, value=value
            )
        options[keyword] = value
    return options


def run(args: argparse.Namespace, *, out: IO[str]) -> int:
    """Build, render and write the report; returns the exit status (0).

    Raises:
        ValidationError: bad input (see the module docstring).
    """
    from o2c.ledger import Ledger
    from o2c.reports import build_report, render

    fmt = _format_of(args)
    options = _options(args)
    with open_store(args) as store:
        ledger = Ledger(store)
        if args.customer is not None and not any(True for _ in ledger.facts(args.customer)):
            raise ValidationError(
                f"--customer {args.customer}: the ledger has no such customer",
                field="--customer",
                value=args.customer,
            )
        engine_name = args.engine or ("dask" if args.scheduler else None)
        if engine_name in (None, "python"):
            report = build_report(
                args.name,
                ledger,
                as_of=args.as_of,
                known_at=args.known_at,
                customer_id=args.customer,
                **options,
            )
        else:
            from o2c.reports import REPORTS

            if "engine" not in inspect.signature(REPORTS[args.name]).parameters:
                raise ValidationError(
                    f"--engine does not apply to the {args.name} report",
                    field="--engine",
                    value=engine_name,
                )
            with engine_from(engine_name, args.scheduler) as engine:
                report = build_report(
                    args.name,
                    ledger,
                    as_of=args.as_of,
                    known_at=args.known_at,
                    customer_id=args.customer,
                    engine=engine,
                    **options,
                )
    max_rows = args.max_rows if args.max_rows is not None else -1
    data = render(report, fmt, args.locale, charts=not args.no_charts, max_rows=max_rows)
    Path(args.out).write_bytes(data)
    out.write(f"{args.name}: {len(data):,} bytes of {fmt} written to {args.out}\n")
    return 0
