"""``o2c dashboard``: one self-contained HTML page of the receivables: headline figures, aging,
DSO / ADD trend, cash-in forecast and the top of the collector's worklist.

The page has its CSS inline and its charts as ``data:`` SVG images: it opens anywhere, offline,
and fetches nothing.  ``--as-of`` defaults to today; ``--known-at`` shows the ledger as it was
known then.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from o2c.cli.commands import ledger_file, output_file
from o2c.cli.commands.aging import ENGINES, _moment, engine_from, open_store
from o2c.cli.commands.report import _count, _date, _rate

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``dashboard`` sub-command to the ``o2c`` parser."""
    from o2c.reports.messages import LANGUAGES

    parser = subparsers.add_parser(
        "dashboard",
        help="one self-contained HTML dashboard of the receivables",
        description="Write one self-contained HTML page: figures, aging, trends, worklist.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", type=ledger_file, help="SQLite ledger file")
    source.add_argument("--url", help="SQLAlchemy URL of the ledger database (extra 'sql')")
    parser.add_argument("--out", type=output_file, required=True, help="HTML file to write")
    parser.add_argument(
        "--as-of", dest="as_of", metavar="DATE", type=_date, default=None, help="default today"
    )
    parser.add_argument(
        "--known-at",
        dest="known_at",
        type=_moment,
        default=None,
        help="what was recorded by this time (ISO, with a UTC offset)",
    )
    parser.add_argument("--locale", choices=LANGUAGES, default="en", help="language (default en)")
    parser.add_argument("--months", type=_count, default=12, help="months of the DSO trend (12)")
    parser.add_argument("--weeks", type=_count, default=13, help="weeks of the forecast (13)")
    parser.add_argument("--top", type=_count, default=20, help="worklist rows shown (20)")
    parser.add_argument("--currency", default=None, help="currency of trend and forecast")
    parser.add_argument(
        "--rate",
        dest="rates",
        metavar="CODE=RATE",
        type=_rate,
        action="append",
        default=None,
        help="units of --currency per unit of CODE, to rank a worklist in several currencies",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help="the aging, trend and worklist on this engine over one columnar read (duckdb, "
        "dask; extra 'portfolio'; the worklist then ranks without a payment model); python: "
        "the domain path (the default)",
    )
    parser.add_argument(
        "--scheduler", default=None, help="address of a running Dask scheduler (--engine dask)"
    )
    parser.set_defaults(func=_main, parser=parser)


def _main(args: argparse.Namespace) -> int:
    return run(args, out=sys.stdout)


def run(args: argparse.Namespace, *, out: IO[str]) -> int:
    """Build and write the dashboard; returns the exit status (0)."""
    from o2c.ledger import Ledger
    from o2c.reports.dashboard import dashboard
    from o2c.reports.render import render_html

    as_of = args.as_of or dt.date.today()
    engine_name = args.engine or ("dask" if args.scheduler else "python")
    with open_store(args) as store, ExitStack() as stack:
        engine = None
        if engine_name != "python":
            engine = stack.enter_context(engine_from(engine_name, args.scheduler))
        board = dashboard(
            Ledger(store),
            as_of=as_of,
            known_at=args.known_at,
            months=args.months,
            weeks=args.weeks,
            top=args.top,
            currency_code=args.currency,
            rates=dict(args.rates) if args.rates else None,
            engine=engine,
        )
    data = render_html(board, args.locale).encode("utf-8")
    Path(args.out).write_bytes(data)
    out.write(f"dashboard as of {as_of}: {len(data):,} bytes written to {args.out}\n")
    if board.worklist is None:
        out.write(
            "the worklist is left out: its items are in several currencies; rank them on one "
            "scale with --currency and --rate CODE=RATE\n"
        )
    return 0
