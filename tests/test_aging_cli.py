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


# ------------------------------------------------------------------ ledgers and layouts on engines


def _ledger(tmp_path: Path) -> Path:
    import datetime as dt

    from o2c.adapters.sqlite import SQLiteLedgerStore
    from o2c.ledger import InvoiceIssued, Ledger, PaymentAllocated, PaymentReceived
    from o2c.money import money
    from o2c.terms import Instalment

    at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    facts = [
        InvoiceIssued.from_instalments(
            fact_id=f"i{n}",
            customer_id=c,
            item_id=f"INV-{n}",
            document_number=f"INV-{n}",
            document_date=dt.date(2026, 1, 1),
            recorded_at=at,
            instalments=[Instalment(number=1, due_date=due, amount=money(amount, "EUR"))],
        )
        for n, (c, due, amount) in enumerate(
            [("C1", dt.date(2026, 3, 31), "100.00"), ("C1", dt.date(2026, 2, 15), "50.00"),
             ("C2", dt.date(2026, 1, 31), "20.00")]
        )
    ]  # fmt: skip
    facts += [
        PaymentReceived(fact_id="p1", customer_id="C2", effective=dt.date(2026, 3, 2),
                        recorded_at=at + dt.timedelta(days=1), payment_id="P1",
                        amount=money("30.00", "EUR"), value_date=dt.date(2026, 3, 2)),
        PaymentAllocated(fact_id="a1", customer_id="C2", effective=dt.date(2026, 3, 2),
                         recorded_at=at + dt.timedelta(days=1), source_id="P1", item_id="INV-2",
                         applied=money("20.00", "EUR")),
    ]  # fmt: skip
    path = tmp_path / "ledger.db"
    with SQLiteLedgerStore(path) as store:
        Ledger(store).append(facts)
    return path


@pytest.mark.parametrize("engine", ["duckdb", "python"])
def test_a_ledger_ages_alike_on_every_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str
) -> None:
    db = _ledger(tmp_path)
    argv = ["aging", "--db", str(db), "--as-of", "2026-03-31", "--csv", "--engine", engine]
    assert main(argv) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[1] == ["C1", "EUR", "100.00", "0.00", "50.00", "0.00", "0.00", "0.00", "0.00",
                       "150.00"]  # fmt: skip
    assert rows[2] == ["C2", "EUR", "0.00"] + ["0.00"] * 5 + ["-10.00", "-10.00"]
    known = ["--known-at", "2026-03-01T12:00:00+00:00"]
    assert main([*argv, *known]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[2] == ["C2", "EUR", "0.00", "0.00", "20.00", "0.00", "0.00", "0.00", "0.00",
                       "20.00"]  # fmt: skip


def test_a_layout_ages_on_duckdb_like_on_the_domain_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "layout").mkdir()
    (tmp_path / "layout" / "items.csv").write_text(
        "customer,currency,document,due,amount\n"
        "C1,EUR,2026-01-01,2026-03-31,10000\nC1,EUR,2026-01-01,2026-02-15,5000\n"
        "C2,JPY,2026-01-01,2026-01-31,-700\n",
        encoding="utf-8",
    )
    (tmp_path / "layout" / "settlements.csv").write_text(
        "item,on,amount\n1,2026-03-01,1000\n1,2026-04-01,4000\n", encoding="utf-8"
    )
    outs = []
    for engine in ("duckdb", "python"):
        argv = ["aging", "--layout", str(tmp_path / "layout"), "--as-of", "2026-03-31"]
        assert main([*argv, "--engine", engine]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    assert "C2        JPY" in outs[0].replace("  ", " " * 2) or "-700" in outs[0]
    assert outs[0].splitlines()[2].split()[-1] == "140.00"


def test_an_engine_for_an_open_items_csv_and_a_bad_known_at_are_usage_errors(
    items_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["aging", "--open-items", str(items_csv), "--as-of", "2026-03-31"]
    assert main([*base, "--engine", "duckdb"]) == 2
    assert "--engine" in capsys.readouterr().err
    db = _ledger(tmp_path)
    assert (
        main(["aging", "--db", str(db), "--as-of", "2026-03-31", "--known-at", "2026-03-01"]) == 2
    )
    assert "UTC offset" in capsys.readouterr().err
