"""The ``o2c`` command line: ``o2c demo`` and the area commands.

Besides the adapters, this is the only module that reads files, clocks and the environment.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from o2c import demos

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

#: Sub-commands besides ``demo``: each is a module ``o2c.commands.<name>`` with a
#: ``register(subparsers)`` function that adds its parser and sets ``func``.
COMMAND_MODULES = ("match", "migrate", "aging")


def _cmd_demo(args: argparse.Namespace) -> int:
    if args.db is not None:
        return demos.run(db_path=Path(args.db), out=sys.stdout)
    with tempfile.TemporaryDirectory(prefix="o2c-demo-") as tmp:
        return demos.run(db_path=Path(tmp) / "o2c-demo.sqlite", out=sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``o2c`` command."""
    parser = argparse.ArgumentParser(prog="o2c", description="o2c order-to-cash toolkit")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="walk through the order-to-cash cycle built so far")
    demo.add_argument(
        "--db", default=None, help="SQLite file to keep the demo's ledger in (default: temporary)"
    )
    demo.set_defaults(func=_cmd_demo)
    for name in COMMAND_MODULES:
        module_name = f"o2c.commands.{name}"
        if importlib.util.find_spec(module_name) is not None:
            importlib.import_module(module_name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result
