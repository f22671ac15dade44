"""The ``o2c aging`` command."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from o2c.cli import main

HEADER = (
    "item_id,customer_id,customer_name,document_number,payment_reference,document_date,"
    "due_date,currency,original_amount,open_amount,discount_date,discount_amount\n"
)


@pytest.fixture
def items_csv(tmp_path: Path) -> Path:
    path = tmp_path / "open_items.csv"
    path.write_text(
        HEADER
        + "I1,C1,One,INV-1,,2026-01-01,2026-03-31,EUR,100.00,100.00,,\n"
        + "I2,C1,One,INV-2,,2026-01-01,2026-02-15,EUR,50.00,50.00,,\n"
        + "I3,C2,Two,CM-1,,2026-01-01,2026-01-31,EUR,-20.00,-20.00,,\n",
        encoding="utf-8",
    )
    return path


def test_table_output(items_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["aging", "--open-items", str(items_csv), "--as-of", "2026-03-31"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "aging as of 2026-03-31 (due_date)"
    assert out[1].split() == ["customer", "cur", "not", "due", "1-30", "31-60", "61-90",
                              "91-120", "121+", "credits", "balance"]  # fmt: skip
    assert out[2].split() == ["C1", "EUR", "100.00", "0.00", "50.00", "0.00", "0.00", "0.00",
                              "0.00", "150.00"]  # fmt: skip
    assert out[-1].split()[-2:] == ["-20.00", "130.00"]


def test_csv_output_with_erpnext_convention(
    items_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["aging", "--open-items", str(items_csv), "--as-of", "2026-03-31", "--csv"]
    assert main([*argv, "--due-today", "overdue", "--buckets", "30,60"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["customer_id", "currency", "not due", "0-30", "31-60", "61+", "credits",
                       "balance"]  # fmt: skip
    assert rows[1] == ["C1", "EUR", "0.00", "100.00", "50.00", "0.00", "0.00", "150.00"]
    assert rows[-1][0] == ""


def test_bad_input_is_exit_status_2(
    tmp_path: Path, items_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.csv"
    assert main(["aging", "--open-items", str(missing), "--as-of", "2026-03-31"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("o2c: error: aging: argument --open-items:")
    assert "nope.csv" in line
    assert main(["aging", "--open-items", str(items_csv), "--as-of", "31/03/2026"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("o2c: error: aging: argument --as-of: '31/03/2026'")


def test_a_bad_row_stops_the_aging_unless_partial_is_accepted(
    items_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with items_csv.open("a", encoding="utf-8") as f:
        f.write("I4,C2,Two,INV-4,,2026-01-01,2026-03-01,EUR,11.005,11.005,,\n")
    argv = ["aging", "--open-items", str(items_csv), "--as-of", "2026-03-31", "--csv"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("o2c: error: ")
    assert "open_items.csv:5: open_amount='11.005' has more decimals than EUR allows" in line
    assert "--accept-partial" in line
    assert main([*argv, "--accept-partial"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("o2c: skipped 1 row: ")
    assert "open_items.csv:5" in captured.err
    assert list(csv.reader(io.StringIO(captured.out)))[-1][-1] == "130.00"  # I4 left out


def test_converted_to_a_report_currency(
    tmp_path: Path, items_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with items_csv.open("a", encoding="utf-8") as f:
        f.write("I4,C2,Two,INV-4,,2026-01-01,2026-03-01,USD,11.00,11.00,,\n")
    rates = tmp_path / "rates.csv"
    rates.write_text("date,base,quote,rate\n2026-03-31,EUR,USD,1.1\n", encoding="utf-8")
    argv = ["aging", "--open-items", str(items_csv), "--as-of", "2026-03-31"]
    assert main([*argv, "--report-currency", "EUR", "--rates", str(rates)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "aging as of 2026-03-31 (due_date) in EUR at the rates of 2026-03-31"
    assert out[-1].split() == ["TOTAL", "EUR", "100.00", "10.00", "50.00", "0.00", "0.00",
                               "0.00", "-20.00", "140.00"]  # fmt: skip
    assert main([*argv, "--report-currency", "EUR"]) == 2
    assert "--rates" in capsys.readouterr().err
