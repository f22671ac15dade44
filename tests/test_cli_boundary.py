"""The error boundary of ``o2c``: exit status by failure class, --debug, --version, demo files."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import io
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

import o2c
import o2c.cli.commands.aging
from o2c.cli import demos, main, version
from o2c.errors import (
    DeliveryError,
    InvalidAmountError,
    MissingExtraError,
    RateNotFoundError,
    StorageError,
    UnknownCurrencyError,
    ValidationError,
)
from o2c.money import check_locale
from tests.test_cli_hostile import ITEMS, item, one_error_line


def _raised(function: Callable[..., object], *args: object) -> Exception:
    """The error ``function(*args)`` raises (so the test uses the real message)."""
    try:
        function(*args)
    except Exception as exc:
        return exc
    raise AssertionError(f"{function.__name__}{args} raised nothing")


FAILURES = [
    # (what the command raised, exit status, the one line after "o2c: error: ")
    (ValidationError("open_amount='x' is bad", field="open_amount"), 2, "open_amount='x' is bad"),
    (InvalidAmountError("amount=1E+16 is out of range", field="amount"), 2, "amount=1E+16 is out"),
    (UnknownCurrencyError("XYZ"), 2, "unknown currency code 'XYZ'"),
    (_raised(check_locale, "zz_QQ"), 2, "locale='zz_QQ' is not a known locale"),
    (RateNotFoundError("EUR", "USD", dt.date(2026, 3, 31)), 2, "no EUR->USD rate for 2026-03-31"),
    (StorageError("cannot open the ledger database x: unable to open"), 1, "cannot open the"),
    (DeliveryError("smtp", "connection refused"), 1, "smtp could not deliver the message"),
    (MissingExtraError("sql", "sqlalchemy", "--url"), 1, "--url needs the optional package"),
    (FileNotFoundError(2, "No such file or directory", "x.csv"), 2, "cannot open 'x.csv': No such"),
    (PermissionError(13, "Permission denied", "/root/x"), 2, "cannot open '/root/x': Permission"),
    (OSError(28, "No space left on device", "out.csv"), 1, "No space left on device ('out.csv')"),
    (UnicodeDecodeError("utf-8", b"ab\xfc", 2, 3, "invalid start byte"), 2, "an input file is"),
    (UnicodeDecodeError("utf-8", b"\xff\xfeI\x00", 0, 1, "invalid"), 2, "an input file is UTF-16"),
    (RuntimeError("boom"), 1, "internal error: RuntimeError: boom (run with --debug for the"),
    (KeyError("customer_id"), 1, "internal error: KeyError: 'customer_id'"),
    (ValueError("first line\nsecond line"), 1, "internal error: ValueError: first line second"),
]


IDS = [f"{type(f[0]).__name__}-{n}" for n, f in enumerate(FAILURES)]


@pytest.fixture
def items_csv(tmp_path: Path) -> Path:
    path = tmp_path / "items.csv"
    path.write_text(ITEMS + item(), encoding="utf-8")
    return path


def _aging_raises(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    def run(*args: object, **kwargs: object) -> int:
        raise error

    monkeypatch.setattr(o2c.cli.commands.aging, "run", run)


@pytest.mark.parametrize(
    ("error", "status", "message"),
    FAILURES,
    ids=IDS,
)
def test_each_class_of_failure_has_its_exit_status_and_one_line(
    error: BaseException,
    status: int,
    message: str,
    items_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _aging_raises(monkeypatch, error)
    assert main(["aging", "--open-items", str(items_csv), "--as-of", "2026-03-31"]) == status
    line = one_error_line(capsys.readouterr().err)
    assert line.startswith(f"o2c: error: {message}")


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(
    where: str, items_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _aging_raises(monkeypatch, RuntimeError("boom"))
    argv = ["aging", "--open-items", str(items_csv), "--as-of", "2026-03-31"]
    argv = ["--debug", *argv] if where == "before" else [*argv, "--debug"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert "RuntimeError: boom" in err
    assert err.splitlines()[-1].startswith("o2c: error: internal error: RuntimeError: boom")


def test_debug_shows_the_traceback_of_bad_input_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["--debug", "aging", "--open-items", str(bad), "--as-of", "2026-03-31"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "o2c.errors.ValidationError" in err
    assert err.splitlines()[-1].startswith(f"o2c: error: {bad}:1: missing columns")


def test_an_interrupt_is_exit_130_and_one_line(
    items_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _aging_raises(monkeypatch, KeyboardInterrupt())
    assert main(["aging", "--open-items", str(items_csv), "--as-of", "2026-03-31"]) == 130
    assert one_error_line(capsys.readouterr().err) == "o2c: error: interrupted"


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_standard_output_is_quiet(
    items_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    assert main(["aging", "--open-items", str(items_csv), "--as-of", "2026-03-31"]) == 141
    assert capsys.readouterr().err == ""


def test_usage_errors_are_to_the_point(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["aging", "--as-of", "2026-03-31"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert line == (
        "o2c: error: aging: the following arguments are required: --open-items "
        "(see 'o2c aging --help')"
    )


def test_help_is_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--version" in capsys.readouterr().out
    assert main(["match", "--help"]) == 0
    assert "--open-items" in capsys.readouterr().out


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"o2c {importlib.metadata.version('o2c')}\n"


def test_version_falls_back_to_the_module_attribute(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    monkeypatch.setattr(o2c, "__version__", "9.9.9", raising=False)
    assert version() == "9.9.9"


# -- o2c demo --db ------------------------------------------------------------------------------


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_the_demo_marks_its_file_and_starts_it_afresh(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite"
    first, second = io.StringIO(), io.StringIO()
    assert demos.run(db_path=db, out=first) == 0
    assert {"o2c_demo", "ledger_facts"} <= _tables(db)
    assert demos.run(db_path=db, out=second) == 0  # its own file: started afresh
    assert second.getvalue() == first.getvalue()


def test_the_demo_takes_an_empty_file(tmp_path: Path) -> None:
    db = tmp_path / "made-by-mktemp"
    db.touch()
    demos.prepare_demo_file(db)
    assert _tables(db) == {"o2c_demo"}


def test_the_demo_refuses_a_sqlite_file_of_something_else(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (id TEXT)")
    before = db.read_bytes()
    with pytest.raises(ValidationError, match="holds data that the demo did not write"):
        demos.prepare_demo_file(db)
    assert db.read_bytes() == before


def test_the_demo_refuses_a_file_marked_by_someone_else(tmp_path: Path) -> None:
    db = tmp_path / "fake.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE o2c_demo (note TEXT)")
        conn.execute("INSERT INTO o2c_demo VALUES ('my real ledger')")
    with pytest.raises(ValidationError, match="holds data that the demo did not write"):
        demos.prepare_demo_file(db)
