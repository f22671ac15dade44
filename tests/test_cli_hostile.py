"""Hostile runs of every sub-command: one line ``o2c: error: ...``, the right exit status, no traceback.

Each row of :data:`CASES` is one failure class: the command line (``{d}`` is a directory holding
the files of :func:`hostile_files`), the exit status (2 bad input or usage, 1 runtime) and a
piece of the one error line, which names the file, line, field or option at fault.
"""

# ruff: noqa: E501  (one case per line reads as a table)

from __future__ import annotations

import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from o2c.adapters.sqlite import SQLiteLedgerStore
from o2c.cli import main

ITEMS = (
    "item_id,customer_id,customer_name,document_number,payment_reference,document_date,"
    "due_date,currency,original_amount,open_amount,discount_date,discount_amount\n"
)
PAYMENTS = (
    "payment_id,value_date,currency,amount,payer_name,payer_account,reference,remittance_info\n"
)
CUSTOMERS = "customer_id,name,currency,credit_limit,payment_terms\n"
MIGRATE_ITEMS = (
    "customer_id,item_id,kind,document_number,document_date,due_date,currency,"
    "original_amount,open_amount,payment_reference\n"
)


def item(amount: str = "100.00", *, currency: str = "EUR", due: str = "2026-03-31") -> str:
    return f"I1,C1,One,INV-1,,2026-01-01,{due},{currency},{amount},{amount},,\n"


def hostile_files(d: Path) -> None:
    """Good files and one of each kind of bad one, in ``d``."""
    (d / "items.csv").write_text(ITEMS + item(), encoding="utf-8")
    (d / "payments.csv").write_text(
        PAYMENTS + "P1,2026-03-10,EUR,100.00,One,DE01,INV-1,\n", encoding="utf-8"
    )
    (d / "rates.csv").write_text("date,base,quote,rate\n2026-03-31,EUR,USD,1.1\n", encoding="utf-8")
    (d / "customers.csv").write_text(CUSTOMERS + "C1,One,EUR,,net 30\n", encoding="utf-8")
    (d / "adir").mkdir()
    (d / "empty.csv").write_bytes(b"")
    (d / "blank.csv").write_text("\n  \n\n", encoding="utf-8")
    (d / "binary.csv").write_bytes(bytes(range(256)) * 8)
    (d / "nul.csv").write_bytes(b"item_id,\x00\x01\x02\n")
    (d / "utf16.csv").write_text(ITEMS + item(), encoding="utf-16")
    (d / "utf16le.csv").write_text(ITEMS + item(), encoding="utf-16-le")
    (d / "latin1.csv").write_bytes((ITEMS + item().replace("One", "M\xfcller")).encode("latin-1"))
    (d / "wrong.csv").write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    (d / "bad_rows.csv").write_text(
        ITEMS + item(due="2026-13-01") + item(due="31 March"), encoding="utf-8"
    )
    (d / "bad_payments.csv").write_text(
        PAYMENTS + "P1,yesterday,EUR,100.00,One,,,\nP2,2026-03-10,EUR,1.2.3,One,,,\n",
        encoding="utf-8",
    )
    (d / "huge.csv").write_text(ITEMS + item().replace("One", "x" * 200_000), encoding="utf-8")
    (d / "eur3.csv").write_text(ITEMS + item("100.005"), encoding="utf-8")
    (d / "beyond.csv").write_text(ITEMS + item("1000000000000000.00"), encoding="utf-8")
    (d / "tiny.csv").write_text(ITEMS + item("0.00000000001"), encoding="utf-8")
    (d / "xyz.csv").write_text(ITEMS + item(currency="XYZ"), encoding="utf-8")
    (d / "migrate_eur3.csv").write_text(
        MIGRATE_ITEMS + "C1,INV-1,invoice,1,2026-02-01,2026-03-03,EUR,10.005,10.005,\n",
        encoding="utf-8",
    )
    (d / "not_sqlite.db").write_text("just some text, not a database\n", encoding="utf-8")
    store = SQLiteLedgerStore(d / "ledger.sqlite")  # a real ledger (empty, but not the demo's)
    store.close()


MATCH = "match --open-items {d}/items.csv --payments {d}/payments.csv"
AGING = "aging --open-items {d}/items.csv --as-of 2026-03-31"
MIGRATE = "migrate --db {d}/m.sqlite --cutover 2026-03-31 --customers {d}/customers.csv"

# fmt: off
CASES: list[object] = [
    # -- usage ------------------------------------------------------------------------------
    ('no command', '', 2, 'the following arguments are required: COMMAND'),
    ('unknown command', 'nosuch', 2, "invalid choice: 'nosuch'"),
    ('unknown option', f'{MATCH} --bogus', 2, 'unrecognized arguments: --bogus'),
    ('missing option', 'match --open-items {d}/items.csv', 2, 'match: the following arguments are required: --payments'),
    # -- match: input files -------------------------------------------------------------------
    ('match missing file', 'match --open-items {d}/missing.csv --payments {d}/payments.csv', 2, "argument --open-items: '{d}/missing.csv': no such file"),
    ('match directory', 'match --open-items {d}/adir --payments {d}/payments.csv', 2, "argument --open-items: '{d}/adir' is a directory"),
    ('match empty file', 'match --open-items {d}/empty.csv --payments {d}/payments.csv', 2, '{d}/empty.csv is empty: expected a header row with item_id'),
    ('match blank file', 'match --open-items {d}/items.csv --payments {d}/blank.csv', 2, '{d}/blank.csv is empty: expected a header row with payment_id'),
    ('match binary junk', 'match --open-items {d}/binary.csv --payments {d}/payments.csv', 2, '{d}/binary.csv:2: not UTF-8 text (byte 0x80'),
    ('match NUL bytes', 'match --open-items {d}/nul.csv --payments {d}/payments.csv', 2, '{d}/nul.csv:1: a NUL byte'),
    ('match UTF-16', 'match --open-items {d}/utf16.csv --payments {d}/payments.csv', 2, '{d}/utf16.csv is UTF-16 text: save it as UTF-8'),
    ('match UTF-16 no BOM', 'match --open-items {d}/utf16le.csv --payments {d}/payments.csv', 2, '{d}/utf16le.csv:1: a NUL byte'),
    ('match latin-1', 'match --open-items {d}/latin1.csv --payments {d}/payments.csv', 2, '{d}/latin1.csv:2: not UTF-8 text (byte 0xfc'),
    ('match wrong columns', 'match --open-items {d}/wrong.csv --payments {d}/payments.csv', 2, '{d}/wrong.csv:1: missing columns item_id, customer_id, currency, open_amount; expected item_id,'),
    ('match payments wrong columns', 'match --open-items {d}/items.csv --payments {d}/wrong.csv', 2, 'missing columns payment_id, value_date, currency, amount; expected'),
    ('match all items bad', 'match --open-items {d}/bad_rows.csv --payments {d}/payments.csv', 2, "no row of {d}/bad_rows.csv could be read (2 skipped; the first: {d}/bad_rows.csv:2: due_date='2026-13-01'"),
    ('match all payments bad', 'match --open-items {d}/items.csv --payments {d}/bad_payments.csv', 2, "no row of {d}/bad_payments.csv could be read (2 skipped; the first: {d}/bad_payments.csv:2: value_date='yesterday'"),
    ('match huge field', 'match --open-items {d}/huge.csv --payments {d}/payments.csv', 2, '{d}/huge.csv:2: not valid CSV: a field is longer than 131,072 characters'),
    ('match 3-decimal EUR', 'match --open-items {d}/eur3.csv --payments {d}/payments.csv', 2, "{d}/eur3.csv:2: open_amount='100.005' has more decimals than EUR allows"),
    ('match beyond the limit', 'match --open-items {d}/beyond.csv --payments {d}/payments.csv', 2, '{d}/beyond.csv:2: open_amount=1000000000000000.00 is out of range'),
    ('match unknown currency', 'match --open-items {d}/xyz.csv --payments {d}/payments.csv', 2, "{d}/xyz.csv:2: unknown currency code 'XYZ'"),
    ('match rates wrong columns', f'{MATCH} --rates {{d}}/wrong.csv', 2, '{d}/wrong.csv:1: missing columns date, base, quote, rate'),
    ('match rates missing', f'{MATCH} --rates {{d}}/nope.csv', 2, "argument --rates: '{d}/nope.csv': no such file"),
    # -- match: options ---------------------------------------------------------------------------
    ('match out is a directory', f'{MATCH} --out {{d}}/adir', 2, "argument --out: '{d}/adir' is a directory"),
    ('match out in a missing directory', f'{MATCH} --out {{d}}/nodir/m.csv', 2, "argument --out: '{d}/nodir/m.csv': the directory '{d}/nodir' does not exist"),
    ('match out under a file', f'{MATCH} --out {{d}}/items.csv/m.csv', 2, "argument --out: '{d}/items.csv/m.csv': '{d}/items.csv' is not a directory"),
    ('match threshold not a number', f'{MATCH} --threshold abc', 2, "argument --threshold: 'abc' is not a number between 0 and 1"),
    ('match threshold too big', f'{MATCH} --threshold 7', 2, 'argument --threshold: threshold 7 must be between 0 and 1'),
    ('match threshold NaN', f'{MATCH} --threshold nan', 2, 'argument --threshold: threshold nan must be between 0 and 1'),
    # -- aging --------------------------------------------------------------------------------
    ('aging missing file', 'aging --open-items {d}/missing.csv --as-of 2026-03-31', 2, "aging: argument --open-items: '{d}/missing.csv': no such file"),
    ('aging directory', 'aging --open-items {d}/adir --as-of 2026-03-31', 2, "argument --open-items: '{d}/adir' is a directory"),
    pytest.param('aging device', 'aging --open-items /dev/zero --as-of 2026-03-31', 2, "argument --open-items: '/dev/zero' is a device or socket, not a file", id='aging device', marks=pytest.mark.skipif(not Path('/dev/zero').exists(), reason='no /dev/zero')),
    ('aging empty file', 'aging --open-items {d}/empty.csv --as-of 2026-03-31', 2, '{d}/empty.csv is empty'),
    ('aging binary junk', 'aging --open-items {d}/binary.csv --as-of 2026-03-31', 2, '{d}/binary.csv:2: not UTF-8 text'),
    ('aging UTF-16', 'aging --open-items {d}/utf16.csv --as-of 2026-03-31', 2, '{d}/utf16.csv is UTF-16 text'),
    ('aging wrong columns', 'aging --open-items {d}/wrong.csv --as-of 2026-03-31', 2, '{d}/wrong.csv:1: missing columns item_id, customer_id, currency, open_amount; expected'),
    ('aging all rows bad', 'aging --open-items {d}/bad_rows.csv --as-of 2026-03-31', 2, "{d}/bad_rows.csv:2: due_date='2026-13-01' is not a date (YYYY-MM-DD) (and 1 more); no row could be read"),
    ('aging huge field', 'aging --open-items {d}/huge.csv --as-of 2026-03-31', 2, '{d}/huge.csv:2: not valid CSV'),
    ('aging 3-decimal EUR', 'aging --open-items {d}/eur3.csv --as-of 2026-03-31', 2, "{d}/eur3.csv:2: open_amount='100.005' has more decimals than EUR allows"),
    ('aging beyond the limit', 'aging --open-items {d}/beyond.csv --as-of 2026-03-31', 2, '{d}/beyond.csv:2: open_amount=1000000000000000.00 is out of range'),
    ('aging beyond the decimals', 'aging --open-items {d}/tiny.csv --as-of 2026-03-31', 2, '{d}/tiny.csv:2: open_amount=1E-11 is out of range'),
    ('aging unknown currency', 'aging --open-items {d}/xyz.csv --as-of 2026-03-31', 2, "{d}/xyz.csv:2: unknown currency code 'XYZ'"),
    ('aging bad as-of', 'aging --open-items {d}/items.csv --as-of 31/03/2026', 2, "aging: argument --as-of: '31/03/2026' is not an ISO date"),
    ('aging buckets not numbers', f'{AGING} --buckets x', 2, "argument --buckets: 'x' is not a list"),
    ('aging buckets not increasing', f'{AGING} --buckets 60,30', 2, "argument --buckets: '60,30' is not a list of increasing"),
    ('aging bad due-today', f'{AGING} --due-today maybe', 2, "argument --due-today: invalid choice: 'maybe'"),
    ('aging bad basis', f'{AGING} --basis nope', 2, "argument --basis: invalid choice: 'nope'"),
    ('aging unknown report currency', f'{AGING} --report-currency XYZ --rates {{d}}/rates.csv', 2, "argument --report-currency: unknown currency code 'XYZ'"),
    ('aging report currency without rates', f'{AGING} --report-currency USD', 2, '--report-currency needs --rates'),
    ('aging rates wrong columns', f'{AGING} --report-currency USD --rates {{d}}/wrong.csv', 2, '{d}/wrong.csv:1: missing columns date, base, quote, rate'),
    ('aging no rate for a currency', f'{AGING} --report-currency GBP --rates {{d}}/rates.csv', 2, '--rates {d}/rates.csv: no EUR->GBP rate for 2026-03-31'),
    # -- migrate, through the same boundary ----------------------------------------------------
    ('migrate missing file', 'migrate --db {d}/m.sqlite --cutover 2026-03-31 --customers {d}/missing.csv', 2, '{d}/missing.csv'),
    ('migrate directory', 'migrate --db {d}/m.sqlite --cutover 2026-03-31 --customers {d}/adir', 2, '{d}/adir'),
    ('migrate binary junk', 'migrate --db {d}/m.sqlite --cutover 2026-03-31 --customers {d}/binary.csv', 2, 'not UTF-8 text'),
    ('migrate UTF-16', 'migrate --db {d}/m.sqlite --cutover 2026-03-31 --customers {d}/utf16.csv', 2, 'UTF-16 text: save it as UTF-8'),
    ('migrate huge field', 'migrate --db {d}/m.sqlite --cutover 2026-03-31 --customers {d}/huge.csv', 2, 'not valid CSV'),
    ('migrate db and url', f'{MIGRATE} --url sqlite://', 2, 'migrate: argument --url: not allowed with argument --db'),
    ('migrate db is a directory', 'migrate --db {d}/adir --cutover 2026-03-31 --customers {d}/customers.csv', 2, "'{d}/adir' is a directory"),
    ('migrate db is not SQLite', 'migrate --db {d}/not_sqlite.db --cutover 2026-03-31 --customers {d}/customers.csv', 2, "'{d}/not_sqlite.db' is not a SQLite database"),
    ('migrate unreachable url', 'migrate --url sqlite:///{d}/nodir/x.db --cutover 2026-03-31 --customers {d}/customers.csv', 1, 'cannot prepare the ledger table'),
    ('migrate binary junk names the file', 'migrate --db {d}/m.sqlite --cutover 2026-03-31 --customers {d}/binary.csv', 2, '{d}/binary.csv'),
    ('migrate bad cutover', 'migrate --db {d}/m.sqlite --cutover 2026-13-01 --customers {d}/customers.csv', 2, '--cutover'),
    ('migrate malformed url', 'migrate --url nonsense --cutover 2026-03-31 --customers {d}/customers.csv', 2, 'nonsense'),
    ('migrate empty file', 'migrate --db {d}/m.sqlite --cutover 2026-03-31 --customers {d}/empty.csv', 2, '{d}/empty.csv'),
    ('migrate wrong columns', 'migrate --db {d}/m.sqlite --cutover 2026-03-31 --customers {d}/wrong.csv', 2, '{d}/wrong.csv'),
    ('migrate 3-decimal EUR', f'{MIGRATE} --open-items {{d}}/migrate_eur3.csv', 2, 'more decimals than EUR allows'),
    # -- demo -----------------------------------------------------------------------------------
    ('demo db is a directory', 'demo --db {d}/adir', 2, "--db '{d}/adir' is a directory"),
    ('demo db in a missing directory', 'demo --db {d}/nodir/demo.sqlite', 2, "--db '{d}/nodir/demo.sqlite' is in '{d}/nodir', which is not a directory"),
    ('demo db is not SQLite', 'demo --db {d}/not_sqlite.db', 2, "--db '{d}/not_sqlite.db' is not a SQLite file"),
    ('demo db is a ledger', 'demo --db {d}/ledger.sqlite', 2, "--db '{d}/ledger.sqlite' holds data that the demo did not write"),
    ('demo unknown option', 'demo --fast', 2, 'unrecognized arguments: --fast'),
]
# fmt: on


def _ids(case: object) -> str:
    return str(case[0]) if isinstance(case, tuple) else str(getattr(case, "id", ""))


def one_error_line(err: str) -> str:
    """The single ``o2c: error:`` line of ``err``; fails unless that is all there is."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("o2c: error: "), err
    return lines[0]


@pytest.mark.parametrize(
    ("name", "command", "status", "needle"), CASES, ids=[_ids(c) for c in CASES]
)
def test_a_hostile_run_ends_in_one_error_line(
    name: str,
    command: str,
    status: int,
    needle: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile_files(tmp_path)
    argv = [part.format(d=tmp_path) for part in shlex.split(command)]
    code = main(argv)
    captured = capsys.readouterr()
    line = one_error_line(captured.err)
    assert code == status, line
    assert needle.format(d=tmp_path) in line
    if not command.startswith("migrate"):  # migrate reports the rows it read before it loads
        assert captured.out == ""


def test_the_demo_writes_nothing_into_a_file_it_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_files(tmp_path)
    before = {p: p.read_bytes() for p in (tmp_path / "ledger.sqlite", tmp_path / "not_sqlite.db")}
    for path in before:
        assert main(["demo", "--db", str(path)]) == 2
    capsys.readouterr()
    assert {p: p.read_bytes() for p in before} == before
    with sqlite3.connect(tmp_path / "ledger.sqlite") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "o2c_demo" not in tables


def test_an_unwritable_out_fails_before_any_input_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import o2c.cli.commands.match as match

    hostile_files(tmp_path)

    def must_not_read(*args: object, **kwargs: object) -> object:
        raise AssertionError("the inputs were read before the output was checked")

    monkeypatch.setattr(match, "read_open_items", must_not_read)
    argv = ["match", "--open-items", str(tmp_path / "items.csv"), "--out", str(tmp_path / "adir")]
    code = main([*argv, "--payments", str(tmp_path / "payments.csv")])
    assert code == 2
    assert "argument --out" in one_error_line(capsys.readouterr().err)


def test_a_bad_input_leaves_an_existing_out_alone_and_creates_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile_files(tmp_path)
    kept = tmp_path / "kept.csv"
    kept.write_text("yesterday's matches\n", encoding="utf-8")
    fresh = tmp_path / "fresh.csv"
    for out in (kept, fresh):
        argv = ["match", "--open-items", str(tmp_path / "wrong.csv")]
        assert main([*argv, "--payments", str(tmp_path / "payments.csv"), "--out", str(out)]) == 2
        one_error_line(capsys.readouterr().err)
    assert kept.read_text(encoding="utf-8") == "yesterday's matches\n"
    assert not fresh.exists()


@pytest.mark.skipif(
    sys.platform == "win32" or not hasattr(__import__("os"), "geteuid"), reason="POSIX permissions"
)
def test_an_out_without_permission_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    hostile_files(tmp_path)
    if os.geteuid() == 0:  # root may write anywhere but in sysfs
        target = Path("/sys/o2c-matches.csv")
        if not Path("/sys/kernel").is_dir():
            pytest.skip("running as root without /sys")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "matches.csv"
    argv = ["match", "--open-items", str(tmp_path / "items.csv")]
    code = main([*argv, "--payments", str(tmp_path / "payments.csv"), "--out", str(target)])
    assert code == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"argument --out: '{target}': cannot write it (Permission denied)" in line


def test_skipped_rows_are_counted_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"P{i},2026-03-1{i},EUR,{i}.0.0,X,,,\n" for i in range(5)]
    (tmp_path / "items.csv").write_text(ITEMS + item(), encoding="utf-8")
    payments = tmp_path / "payments.csv"
    payments.write_text(
        PAYMENTS + "".join(rows) + "P9,2026-03-10,EUR,100.00,One,DE01,INV-1,\n", encoding="utf-8"
    )
    code = main(["match", "--open-items", str(tmp_path / "items.csv"), "--payments", str(payments)])
    assert code == 0
    captured = capsys.readouterr()
    [skipped] = [line for line in captured.err.splitlines() if "skipped" in line]
    assert skipped.startswith("o2c: skipped 5 rows: ")
    assert f"{payments}:2: amount='0.0.0'" in skipped
    assert f"{payments}:4: amount='2.0.0'" in skipped
    assert f"{payments}:5:" not in skipped  # only the first three reasons are shown
    assert skipped.endswith("; 2 more")
    assert "o2c: error" not in captured.err
    assert "P9" in captured.out


def test_a_header_only_file_is_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "items.csv").write_text(ITEMS + item(), encoding="utf-8")
    (tmp_path / "payments.csv").write_text(PAYMENTS, encoding="utf-8")
    argv = ["match", "--open-items", str(tmp_path / "items.csv")]
    assert main([*argv, "--payments", str(tmp_path / "payments.csv")]) == 0
    assert "0 payments" in capsys.readouterr().err


# -- end to end: a real interpreter, no traceback ---------------------------------------------


def _o2c(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "o2c", *args], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    ("command", "status", "needle"),
    [
        ("aging --open-items {d}/utf16.csv --as-of 2026-03-31", 2, "{d}/utf16.csv is UTF-16 text"),
        ("match --open-items {d}/binary.csv --payments {d}/payments.csv", 2, "not UTF-8 text"),
        (
            "migrate --db {d}/adir --cutover 2026-03-31 --customers {d}/customers.csv",
            2,
            "is a directory",
        ),
        (  # nothing listens on port 1 of the loopback: an unreachable database is exit 1
            (
                "migrate --url postgresql+psycopg://o2c@127.0.0.1:1/none --cutover 2026-03-31 "
                "--customers {d}/customers.csv"
            ),
            1,
            "connection failed",
        ),
        ("demo --db {d}/ledger.sqlite", 2, "holds data that the demo did not write"),
        ("aging --open-items {d}/items.csv --as-of yesterday", 2, "argument --as-of: 'yesterday'"),
    ],
)
def test_a_real_run_prints_no_traceback(
    tmp_path: Path, command: str, status: int, needle: str
) -> None:
    hostile_files(tmp_path)
    result = _o2c(*(part.format(d=tmp_path) for part in shlex.split(command)))
    line = one_error_line(result.stderr)
    assert result.returncode == status
    assert needle.format(d=tmp_path) in line


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    lines = [item().replace("I1,C1", f"I{n},C{n}") for n in range(3000)]  # about 150 kB of output
    (tmp_path / "items.csv").write_text(ITEMS + "".join(lines), encoding="utf-8")
    command = [sys.executable, "-m", "o2c", "aging", "--csv", "--as-of", "2026-03-31"]
    with subprocess.Popen(
        [*command, "--open-items", str(tmp_path / "items.csv")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert process.stdout.readline().startswith(b"customer_id,")
        process.stdout.close()
        err = process.stderr.read().decode()
        status = process.wait()
    assert err == ""
    assert status in (0, 141)  # 0 only if it all fitted in the pipe before it closed
