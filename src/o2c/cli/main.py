"""The ``o2c`` command line: ``o2c demo`` and the area commands.

Besides the adapters, this is the only module that reads files, clocks and the environment.

:func:`main` is the one error boundary of every sub-command: whatever goes wrong ends in exactly
one line ``o2c: error: ...`` on standard error and an exit status:

- ``0`` done;
- ``1`` a runtime failure: the database or a service could not be reached
  (:class:`~o2c.errors.StorageError`, :class:`~o2c.errors.DeliveryError` ...), a missing optional
  package, or an unexpected error (``internal error: <type>: <message>``);
- ``2`` bad input or usage: an unknown option or a bad option value, an input file that is
  missing, unreadable or malformed, and every :class:`~o2c.errors.ValidationError` (with unknown
  currencies and missing rates);
- ``130`` interrupted (Ctrl-C).

``--debug`` (anywhere on the line) prints the traceback before that line.  A closed standard
output (``o2c aging ... | head -1``) ends the command quietly.
"""

from __future__ import annotations

import argparse
import csv
import errno
import importlib
import importlib.metadata
import importlib.util
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from o2c.cli import demos
from o2c.errors import (
    CurrencyError,
    FloatNotAllowedError,
    O2CError,
    RateNotFoundError,
    ValidationError,
)

__all__ = ["COMMAND_MODULES", "EXIT_INPUT", "EXIT_RUNTIME", "build_parser", "main", "version"]

#: Sub-commands besides ``demo``: each is a module ``o2c.cli.commands.<name>`` with a
#: ``register(subparsers)`` function that adds its parser and sets ``func``.
COMMAND_MODULES = (
    "match",
    "migrate",
    "aging",
    "cash",
    "kpi",
    "invoice",
    "report",
    "dashboard",
    "schedule",
)

#: Exit status for a runtime failure (database, network, an unexpected error).
EXIT_RUNTIME = 1
#: Exit status for bad input or usage.
EXIT_INPUT = 2
_EXIT_INTERRUPTED = 130
_EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a command killed by it
_MAX_LINE = 2000

#: O2C errors that mean "the input is wrong" (the rest are runtime failures).
_INPUT_ERRORS = (ValidationError, CurrencyError, RateNotFoundError, FloatNotAllowedError)
#: Errors of the operating system about a path the user named.
_PATH_ERRNOS = {errno.ENOENT, errno.EISDIR, errno.ENOTDIR, errno.EACCES, errno.EPERM}


class _UsageError(ValidationError):
    """The command line itself is wrong (argparse's message, with the parser that found it)."""

    def __init__(self, message: str, *, prog: str) -> None:
        super().__init__(message, field=prog, value=None)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors reach :func:`main`'s boundary as exceptions."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message, prog=self.prog)


def version() -> str:
    """The installed package's version (``o2c.__version__`` when it is not installed)."""
    try:
        return importlib.metadata.version("o2c")
    except importlib.metadata.PackageNotFoundError:
        import o2c

        return str(getattr(o2c, "__version__", "unknown"))


def _cmd_demo(args: argparse.Namespace) -> int:
    if args.db is not None:
        return demos.run(db_path=Path(args.db), out=sys.stdout)
    with tempfile.TemporaryDirectory(prefix="o2c-demo-") as tmp:
        return demos.run(db_path=Path(tmp) / "o2c-demo.sqlite", out=sys.stdout)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``o2c`` command."""
    parser = _Parser(prog="o2c", description="o2c order-to-cash toolkit")
    parser.add_argument("--version", action="version", version=f"o2c {version()}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="print the traceback of an error (anywhere on the line)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="walk through the order-to-cash cycle built so far",
        description="Walk through the order-to-cash cycle built so far.",
    )
    demo.add_argument(
        "--db",
        default=None,
        help="SQLite file to keep the demo's ledger in (default: temporary); a new file or one "
        "an earlier demo wrote, which is started afresh, never another ledger",
    )
    demo.set_defaults(func=_cmd_demo)
    for name in COMMAND_MODULES:
        module_name = f"o2c.cli.commands.{name}"
        if importlib.util.find_spec(module_name) is not None:
            importlib.import_module(module_name).register(sub)
    for subparser in sub.choices.values():
        # Accepted after the sub-command too; SUPPRESS keeps the global value when absent.
        subparser.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module docstring)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    try:
        args = build_parser().parse_args(arguments)
        result: int = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the boundary
        return result
    except SystemExit as exc:  # --help and --version, or a command that exits
        return _exit_status(exc)
    except KeyboardInterrupt:
        _report("interrupted", debug=debug)
        return _EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return _EXIT_BROKEN_PIPE
    except Exception as exc:
        status, message = _describe(exc)
        _report(message, debug=debug)
        return status


def _describe(exc: BaseException) -> tuple[int, str]:
    """The exit status and the one-line message for an error that ended a command."""
    if isinstance(exc, _UsageError):
        where = exc.prog.removeprefix("o2c").strip()
        prefix = f"{where}: " if where else ""
        return EXIT_INPUT, f"{prefix}{exc} (see '{exc.prog} --help')"
    if isinstance(exc, _INPUT_ERRORS):
        return EXIT_INPUT, str(exc)
    if isinstance(exc, O2CError):
        return EXIT_RUNTIME, str(exc)
    if isinstance(exc, OSError) and exc.errno in _PATH_ERRNOS and exc.filename is not None:
        return EXIT_INPUT, f"cannot open {os.fsdecode(exc.filename)!r}: {exc.strerror}"
    if isinstance(exc, UnicodeDecodeError):
        if exc.object[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return EXIT_INPUT, "an input file is UTF-16 text: save it as UTF-8"
        return EXIT_INPUT, (
            f"an input file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
            f"{exc.start}): save it as UTF-8"
        )
    if isinstance(exc, csv.Error):
        return EXIT_INPUT, f"an input file is not valid CSV: {exc}"
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({os.fsdecode(exc.filename)!r})" if exc.filename is not None else ""
        return EXIT_RUNTIME, f"{exc.strerror}{where}"
    return EXIT_RUNTIME, (
        f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"
    )


def _one_line(message: str) -> str:
    text = " ".join(message.split())
    return text if len(text) <= _MAX_LINE else text[: _MAX_LINE - 3] + "..."


def _report(message: str, *, debug: bool) -> None:
    if debug:
        traceback.print_exc(file=sys.stderr)
    sys.stderr.write(f"o2c: error: {_one_line(message)}\n")
    sys.stderr.flush()


def _exit_status(exc: SystemExit) -> int:
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    sys.stderr.write(f"o2c: error: {_one_line(str(exc.code))}\n")
    return EXIT_RUNTIME


def _silence_stdout() -> None:
    """Point standard output at the null device, so the exit flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture)
        pass
