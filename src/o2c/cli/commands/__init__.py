"""Sub-commands of the ``o2c`` command line, one module each (see :mod:`o2c.cli`).

Shared by the commands: the checks every file option gets while the arguments are parsed (so a
missing input or an unwritable output fails before any work starts), and one CSV reader that
turns every way a file can be unreadable (missing, a directory, empty, binary, UTF-16, not
UTF-8, a huge field, missing columns) into one :class:`~o2c.errors.ValidationError` naming the
file and, where there is one, the line.
"""

from __future__ import annotations

import argparse
import csv
import io
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from o2c.errors import ValidationError

__all__ = ["input_file", "ledger_file", "output_file", "read_csv", "skipped_rows"]

#: How many skipped rows ``o2c: skipped N rows: ...`` shows (the count covers them all).
SHOWN_SKIPPED = 3
_REASON_CHARS = 200


def input_file(text: str) -> str:
    """An ``argparse`` type: ``text`` names an existing file this process can read.

    Raises:
        argparse.ArgumentTypeError: otherwise (argparse names the option).
    """
    if not text:
        raise argparse.ArgumentTypeError("an empty file name")
    path = Path(text)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise argparse.ArgumentTypeError(f"{text!r}: no such file") from None
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: cannot read it ({exc.strerror})") from None
    if stat.S_ISDIR(mode):
        raise argparse.ArgumentTypeError(f"{text!r} is a directory, not a file")
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):  # a pipe is fine; /dev/zero is not
        raise argparse.ArgumentTypeError(f"{text!r} is a device or socket, not a file")
    if stat.S_ISREG(mode):
        try:
            with path.open("rb"):
                pass
        except OSError as exc:
            raise argparse.ArgumentTypeError(f"{text!r}: cannot read it ({exc.strerror})") from None
    return text


#: The first bytes of every SQLite database file.
_SQLITE_HEADER = b"SQLite format 3\x00"


def ledger_file(text: str) -> str:
    """An ``argparse`` type: ``text`` names a SQLite ledger file, or a new one to create.

    A directory, a missing directory, an unwritable place or an existing file that is not a
    SQLite database is bad input (exit 2), refused before any work; a database that fails while
    o2c works with it is a runtime failure (exit 1).

    Raises:
        argparse.ArgumentTypeError: otherwise (argparse names the option).
    """
    checked = output_file(text)
    path = Path(checked)
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as handle:
            if handle.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                raise argparse.ArgumentTypeError(f"{text!r} is not a SQLite database")
    return checked


def output_file(text: str) -> str:
    """An ``argparse`` type: ``text`` names a file this process can create or overwrite.

    An existing file is opened for appending and left as it was; a new one is created and
    removed again, so nothing is written before the command has done its work.

    Raises:
        argparse.ArgumentTypeError: otherwise (argparse names the option).
    """
    if not text:
        raise argparse.ArgumentTypeError("an empty file name")
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory, not a file")
    parent = path.parent
    if not parent.exists():
        raise argparse.ArgumentTypeError(f"{text!r}: the directory {str(parent)!r} does not exist")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}: {str(parent)!r} is not a directory")
    try:
        if path.exists():
            with path.open("ab"):
                pass
        else:
            with path.open("xb"):
                pass
            path.unlink()
    except FileExistsError:  # created meanwhile by someone else: it is writable or it is not
        return output_file(text)
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: cannot write it ({exc.strerror})") from None
    return text


def _decoded(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError(
            f"{path} is UTF-16 text: save it as UTF-8 CSV", field=str(path), value="UTF-16"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValidationError(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}):"
            " save it as UTF-8 CSV",
            field=f"{path}:{line}",
            value=data[exc.start : exc.start + 8],
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ValidationError(
            f"{path}:{line}: a NUL byte: this is a binary file (or UTF-16 without a byte-order"
            " mark), not a CSV text file",
            field=f"{path}:{line}",
            value="\x00",
        )
    return text


def read_csv(
    path: Path, *, required: Sequence[str], expected: Sequence[str] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV file with a header, each with the line number it ends on.

    Names and values are stripped; missing values are ``""``; extra values are dropped.  The
    file is read in full first, so every problem with it as a whole is raised before the first
    row is yielded.

    Args:
        path: a UTF-8 CSV file (a byte-order mark is tolerated).
        required: the columns every row needs; a header without one of them is refused.
        expected: every column the file may have, named in the error (default: ``required``).

    Raises:
        ValidationError: the file cannot be read, is empty, is not UTF-8 text, lacks a
            required column, or is not valid CSV (a field longer than the csv module's
            limit, for one); the message names the file and the line.
    """
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ValidationError(
            f"{path} is a directory, not a file", field=str(path), value=str(path)
        ) from None
    except OSError as exc:
        raise ValidationError(
            f"cannot read {path}: {exc.strerror or exc}", field=str(path), value=str(path)
        ) from None
    return _rows(path, _decoded(path, data), required, expected or required)


def _rows(
    path: Path, text: str, required: Sequence[str], expected: Sequence[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next((r for r in reader if any(c.strip() for c in r)), None)
        if header is None:
            raise ValidationError(
                f"{path} is empty: expected a header row with {', '.join(expected)}",
                field=str(path),
                value="",
            )
        names = [c.strip() for c in header]
        missing = [c for c in required if c not in names]
        if missing:
            shown = ", ".join(repr(n[:40]) for n in names[:12] if n) or "nothing"
            raise ValidationError(
                f"{path}:{reader.line_num}: missing column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)}; expected {', '.join(expected)} (the header has {shown})",
                field=f"{path}:{reader.line_num}",
                value=missing,
            )
        columns = [(i, n) for i, n in enumerate(names) if n]
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            width = len(values)
            yield reader.line_num, {n: values[i].strip() if i < width else "" for i, n in columns}
    except csv.Error as exc:
        line = reader.line_num
        reason = str(exc)
        if "field limit" in reason:
            reason = f"a field is longer than {csv.field_size_limit():,} characters"
        raise ValidationError(
            f"{path}:{line}: not valid CSV: {reason}", field=f"{path}:{line}", value=None
        ) from None


def skipped_rows(problems: Sequence[ValidationError]) -> str:
    """The one stderr line that counts skipped rows and shows the first few reasons."""
    reasons = []
    for problem in problems[:SHOWN_SKIPPED]:
        reason = " ".join(str(problem).split())
        if len(reason) > _REASON_CHARS:
            reason = reason[: _REASON_CHARS - 3] + "..."
        reasons.append(reason)
    more = f"; {len(problems) - SHOWN_SKIPPED} more" if len(problems) > SHOWN_SKIPPED else ""
    noun = "row" if len(problems) == 1 else "rows"
    return f"o2c: skipped {len(problems)} {noun}: {'; '.join(reasons)}{more}"
