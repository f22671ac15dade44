"""``o2c match``: the CSV contract, the progress bar, the summary and the exit codes."""

# ruff: noqa: E501  (CSV fixtures are kept one record per line)

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from o2c.cli import main
from o2c.cli.commands.match import OUTPUT_COLUMNS

OPEN_ITEMS = """item_id,customer_id,customer_name,document_number,payment_reference,document_date,due_date,currency,original_amount,open_amount,discount_date,discount_amount
I1,C1,Baltic Steel Inc.,INV-2026-100001,,2026-03-01,2026-03-31,EUR,1000.00,1000.00,2026-03-11,20.00
I2,C1,Baltic Steel Inc.,INV-2026-100002,,2026-03-01,2026-03-31,EUR,250.00,250.00,,
I3,C2,Orion Furniture Co. Ltd.,0100003,,2026-03-01,2026-03-31,USD,500.00,500.00,,
I4,C2,Orion Furniture Co. Ltd.,0100004,,2026-03-01,2026-03-31,USD,500.00,500.00,,
I5,C2,Orion Furniture Co. Ltd.,CN-7,,2026-03-01,2026-03-31,USD,-50.00,-50.00,,
"""
PAYMENTS = """payment_id,value_date,currency,amount,payer_name,payer_account,reference,remittance_info
P1,2026-03-10,EUR,980.00,BALTIC STEEL,DE01,INV-2026-100001,
P2,2026-03-10,EUR,300.00,BALTIC STEEL,DE01,INV 2026 100002,
P3,2026-03-10,USD,500.00,Orion Furniture,US01,,
P4,2026-03-12,EUR,12.34,Someone,XX01,REFUND,
P5,2026-03-12,USD,450.00,Orion Furniture,US01,0100003 less CN-7,
"""


def _files(tmp_path: Path) -> tuple[Path, Path]:
    items = tmp_path / "open_items.csv"
    payments = tmp_path / "payments.csv"
    items.write_text(OPEN_ITEMS, encoding="utf-8")
    payments.write_text(PAYMENTS, encoding="utf-8")
    return items, payments


def test_match_writes_the_csv_contract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items, payments = _files(tmp_path)
    out = tmp_path / "matches.csv"
    code = main(
        ["match", "--open-items", str(items), "--payments", str(payments), "--out", str(out)]
    )
    assert code == 0
    with out.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == OUTPUT_COLUMNS
        rows = list(reader)
    by_payment: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_payment.setdefault(row["payment_id"], []).append(row)
    assert set(by_payment) == {"P1", "P2", "P3", "P4", "P5"}
    [p1] = by_payment["P1"]
    assert (p1["item_id"], p1["applied_amount"], p1["residual_kind"], p1["residual_amount"]) == (
        "I1",
        "1000.00",
        "discount",
        "20.00",
    )
    assert p1["auto"] == "true"
    assert p1["explanation"]
    [p2] = by_payment["P2"]
    assert (p2["item_id"], p2["residual_kind"], p2["residual_amount"]) == (
        "I2",
        "on_account",
        "50.00",
    )
    # Two equal open items and no reference: ambiguous on its own, but P5 (decided first,
    # being stronger) settles I3, so P3 is left with exactly one candidate.
    [p3] = by_payment["P3"]
    assert (p3["item_id"], p3["auto"]) == ("I4", "true")
    [p4] = by_payment["P4"]
    assert (p4["item_id"], p4["residual_kind"], p4["auto"]) == ("", "unmatched", "false")
    assert {r["item_id"]: r["applied_amount"] for r in by_payment["P5"]} == {
        "I3": "500.00",
        "I5": "-50.00",
    }
    err = capsys.readouterr().err
    assert "5 payments" in err
    assert "auto" in err


def _match_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str
) -> list[dict[str, str]]:
    items, payments = _files(tmp_path)
    code = main(["match", "--open-items", str(items), "--payments", str(payments), *flags])
    assert code == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_match_to_stdout_with_threshold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # --threshold (now also --auto-threshold) bars the raw score: no raw score reaches 1.
    rows = _match_rows(tmp_path, capsys, "--threshold", "1")
    assert rows
    assert all(r["auto"] == "false" for r in rows)
    assert _match_rows(tmp_path, capsys, "--auto-threshold", "1") == rows


def test_confidence_is_the_expected_precision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from o2c.cash_application import DEFAULT_CONFIDENCE

    rows = _match_rows(tmp_path, capsys)
    posted = [r for r in rows if r["auto"] == "true"]
    assert posted
    for r in rows:
        # Four decimals, rounded down: an expected precision never reads higher than it is.
        assert len(r["confidence"].partition(".")[2]) == 4
        assert Decimal(r["confidence"]) <= Decimal(str(max(DEFAULT_CONFIDENCE.values)))
    assert all(Decimal(r["confidence"]) >= Decimal("0.998") for r in posted)


def test_auto_precision_decides_what_auto_means(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    default = _match_rows(tmp_path, capsys)
    posted = {r["payment_id"] for r in default if r["auto"] == "true"}
    least = min(Decimal(r["confidence"]) for r in default if r["auto"] == "true")
    # Asking for more than any posted proposal has holds them all, suggested.
    above = str(min(least + Decimal("0.0001"), Decimal(1)))
    held = _match_rows(tmp_path, capsys, "--auto-precision", "1")
    assert all(r["auto"] == "false" for r in held)
    # (P1 stands alone; P3's proposal depends on P5 having been posted.)
    assert [r["item_id"] for r in held if r["payment_id"] == "P1"] == ["I1"]
    stricter = _match_rows(tmp_path, capsys, "--auto-precision", above)
    assert {r["payment_id"] for r in stricter if r["auto"] == "true"} < posted
    # Asking for less posts nothing the raw score's bar or the margin would not.
    lenient = _match_rows(tmp_path, capsys, "--auto-precision", "0")
    assert posted <= {r["payment_id"] for r in lenient if r["auto"] == "true"}


def test_progress_bar_for_long_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items, _ = _files(tmp_path)
    payments = tmp_path / "many.csv"
    lines = [PAYMENTS.splitlines()[0]]
    lines += [f"Q{i},2026-03-10,EUR,250.00,BALTIC STEEL,DE01,INV-2026-100002," for i in range(600)]
    payments.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "m.csv"
    assert (
        main(["match", "--open-items", str(items), "--payments", str(payments), "--out", str(out)])
        == 0
    )
    err = capsys.readouterr().err
    assert "matching [" in err
    assert "600/600" in err
    assert "600 payments: 1 auto" in err  # one payment settles the item; the rest go unposted


def test_malformed_rows_are_skipped_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items, payments = _files(tmp_path)
    payments.write_text(PAYMENTS.replace("980.00", "9.8.0"), encoding="utf-8")
    out = tmp_path / "m.csv"
    code = main(
        ["match", "--open-items", str(items), "--payments", str(payments), "--out", str(out)]
    )
    assert code == 0
    err = capsys.readouterr().err
    assert "o2c: skipped 1 row: " in err
    assert "payments.csv:2: amount='9.8.0'" in err
    assert "o2c: error" not in err
    with out.open(encoding="utf-8") as handle:
        ids = {r["payment_id"] for r in csv.DictReader(handle)}
    assert ids == {"P2", "P3", "P4", "P5"}


def test_lenient_amounts_and_dates(tmp_path: Path) -> None:
    from o2c.cli.commands.match import read_payments

    path = tmp_path / "p.csv"
    path.write_text(
        PAYMENTS.splitlines()[0] + '\nP1,10.03.2026,EUR,"1,234.50",X,,INV-1,\n', encoding="utf-8"
    )
    [p] = read_payments(path)
    assert (str(p.value_date), str(p.amount.amount)) == ("2026-03-10", "1234.50")


def test_missing_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["match", "--open-items", str(tmp_path / "x.csv"), "--payments", str(tmp_path / "y.csv")]
    )
    assert code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("o2c: error: match: argument --open-items:")
    assert "x.csv" in line


@pytest.mark.parametrize(
    ("flag", "what"),
    [
        ("--threshold", "threshold"),
        ("--auto-threshold", "threshold"),
        ("--auto-precision", "auto precision"),
    ],
)
def test_thresholds_must_be_fractions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, what: str
) -> None:
    items, payments = _files(tmp_path)
    argv = ["match", "--open-items", str(items), "--payments", str(payments), flag]
    assert main([*argv, "7"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("o2c: error: match: argument ")
    assert f"{what} 7 must be between 0 and 1" in line


def test_unknown_currency_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items, payments = _files(tmp_path)
    payments.write_text(
        PAYMENTS.replace("P4,2026-03-12,EUR", "P4,2026-03-12,XYZ"), encoding="utf-8"
    )
    assert main(["match", "--open-items", str(items), "--payments", str(payments)]) == 0
    err = capsys.readouterr().err
    assert "o2c: skipped 1 row: " in err
    assert "payments.csv:5: unknown currency code 'XYZ'" in err


def test_strict_readers_raise(tmp_path: Path) -> None:
    from o2c.cli.commands.match import read_payments
    from o2c.errors import ValidationError

    _, payments = _files(tmp_path)
    payments.write_text(PAYMENTS.replace("980.00", "9.8.0"), encoding="utf-8")
    with pytest.raises(ValidationError, match=r"payments\.csv:2"):
        read_payments(payments)


# --------------------------------------------------------------------------------------------
# Bank files, master data, history, advices and whole match folders.

BANK = Path(__file__).resolve().parent / "data" / "bank"
FOLDER_ITEMS = """item_id,customer_id,customer_name,document_number,payment_reference,document_date,due_date,currency,original_amount,open_amount,discount_date,discount_amount
I1,C1,Alpha SARL,F-2026-001,,2026-02-01,2026-03-03,EUR,1000.00,1000.00,,
Z1,C5,Delta Inc.,DL-2026-0001,,2026-02-01,2026-03-03,EUR,600.00,600.00,,
Z2,C5,Delta Inc.,DL-2026-0002,,2026-02-02,2026-03-04,EUR,317.40,317.40,,
Z3,C5,Delta Inc.,DL-2026-0003,,2026-02-03,2026-03-05,EUR,500.00,500.00,,
Z4,C5,Delta Inc.,DL-2026-0004,,2026-02-04,2026-03-06,EUR,417.40,417.40,,
"""
ADVICE = b"""From: Accounts Payable Delta Inc. <ap@delta.example>
Date: Thu, 05 Mar 2026 09:00:00 +0100
Subject: Remittance advice 5566778899
Content-Type: text/plain; charset=utf-8

Please be advised that we have sent a payment of EUR 917.40.
Invoices paid:
DL-2026-0001   EUR 600.00
DL-2026-0002   EUR 317.40

Total: EUR 917.40
"""


def _bank_folder(tmp_path: Path) -> Path:
    root = tmp_path / "set"
    (root / "bank").mkdir(parents=True)
    (root / "advices").mkdir()
    (root / "open_items.csv").write_text(FOLDER_ITEMS, encoding="utf-8")
    for name in ("camt053_v08_structured.xml", "mt940_de_two_days.sta"):
        (root / "bank" / name).write_bytes((BANK / name).read_bytes())
    (root / "advices" / "ADV1.eml").write_bytes(ADVICE)
    return root


def _rows_of(path: Path) -> dict[str, list[dict[str, str]]]:
    by_payment: dict[str, list[dict[str, str]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_payment.setdefault(row["payment_id"], []).append(row)
    return by_payment


def _auto_items(rows: list[dict[str, str]]) -> list[str]:
    return sorted(r["item_id"] for r in rows if r["auto"] == "true" and r["item_id"])


def test_match_reads_a_folder_of_bank_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _bank_folder(tmp_path)
    out = tmp_path / "m.csv"
    argv = ["match", "--open-items", str(root / "open_items.csv"), "--out", str(out)]
    assert main([*argv, "--bank", str(root / "bank")]) == 0
    rows = _rows_of(out)
    assert "8327000090031789" in rows  # the MT940 line, by the bank's reference
    assert _auto_items(rows["B20260304-0001-01"]) == ["I1"]
    # Delta's 917.40: 600.00 + 317.40 or 500.00 + 417.40, nothing says which
    assert _auto_items(rows["B20260304-0002"]) == []
    assert "advices" not in capsys.readouterr().err
    # The same files named one by one, after the options.
    files = [str(p) for p in sorted((root / "bank").iterdir())]
    assert main([*argv, *files]) == 0
    assert _rows_of(out).keys() == rows.keys()


def test_an_advice_says_what_a_bank_line_pays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _bank_folder(tmp_path)
    out = tmp_path / "m.csv"
    argv = ["match", "--open-items", str(root / "open_items.csv"), "--bank", str(root / "bank")]
    assert main([*argv, "--advices", str(root / "advices"), "--out", str(out)]) == 0
    rows = _rows_of(out)
    assert _auto_items(rows["B20260304-0002"]) == ["Z1", "Z2"]
    err = capsys.readouterr().err
    assert "o2c match: 1 advices: 1 linked to 1 payments, 0 duplicates" in err


def test_the_whole_match_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _bank_folder(tmp_path)
    (root / "customers.csv").write_text(
        "customer_id,name,country\nC1,Alpha SARL,FR\nC5,Delta Inc.,US\n", encoding="utf-8"
    )
    (root / "payer_accounts.csv").write_text("customer_id,account\nC5,GB29NWBK60161331926819\n")
    (root / "history").mkdir()
    (root / "history" / "payments.csv").write_text(
        "payment_id,value_date,currency,amount,payer_name,payer_account,reference,remittance_info\n"
        "H1,2026-01-10,EUR,10.00,DELTA TRADING,GB00TEST,,\n",
        encoding="utf-8",
    )
    (root / "history" / "allocations.csv").write_text(
        "payment_id,item_id,customer_id\nH1,X1,C5\n", encoding="utf-8"
    )
    out = tmp_path / "m.csv"
    assert main(["match", "--folder", str(root), "--out", str(out), "--quiet"]) == 0
    assert _auto_items(_rows_of(out)["B20260304-0002"]) == ["Z1", "Z2"]
    assert "1 advices: 1 linked" in capsys.readouterr().err
    # The same from the parts, named one by one.
    argv = [
        "match",
        "--open-items",
        str(root / "open_items.csv"),
        "--bank",
        str(root / "bank"),
        "--customers",
        str(root / "customers.csv"),
        "--payer-accounts",
        str(root / "payer_accounts.csv"),
        "--history",
        str(root / "history"),
        "--advices",
        str(root / "advices"),
        "--out",
        str(tmp_path / "m2.csv"),
    ]
    assert main(argv) == 0
    assert _rows_of(tmp_path / "m2.csv") == _rows_of(out)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--open-items", "{d}/set/open_items.csv"], "required: --payments (or --bank"),
        (["--bank", "{d}/set/bank"], "required: --open-items (or --folder)"),
        (["--folder", "{d}/set", "--open-items", "{d}/set/open_items.csv"], "give it alone"),
        (["--folder", "{d}/set", "--history", "{d}/set"], "give it alone"),
        (["--folder", "{d}/set/open_items.csv"], "is not a folder"),
        (
            ["--open-items", "{d}/set/open_items.csv", "--bank", "{d}/nope"],
            "no such file or folder",
        ),
        (
            ["--open-items", "{d}/set/open_items.csv", "{d}/set/open_items.csv"],
            "is no bank file o2c reads",
        ),
        (
            [
                "--open-items",
                "{d}/set/open_items.csv",
                "--bank",
                "{d}/set/bank",
                "--advices",
                "{d}/bad",
            ],
            "advice BAD.eml: unknown charset",
        ),
    ],
)
def test_bad_bank_and_advice_input_ends_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    _bank_folder(tmp_path)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "BAD.eml").write_bytes(
        b"From: a@b\nContent-Type: text/plain; charset=x-nonsense\n\nEUR 1.00\n"
    )
    code = main(["match", *(a.replace("{d}", str(tmp_path)) for a in argv)])
    assert code == 2
    err = capsys.readouterr().err
    [line] = err.splitlines()
    assert line.startswith("o2c: error: ")
    assert message in line
    assert "Traceback" not in err


def test_creditor_country_makes_a_domestic_short_payment_a_deduction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items, payments = _files(tmp_path)
    payments.write_text(
        PAYMENTS.splitlines()[0]
        + "\nP9,2026-03-10,EUR,240.00,BALTIC STEEL,DE89370400440532013000,INV-2026-100002,\n",
        encoding="utf-8",
    )

    def residual(*flags: str) -> str:
        assert main(["match", "--open-items", str(items), "--payments", str(payments), *flags]) == 0
        [row] = csv.DictReader(io.StringIO(capsys.readouterr().out))
        return row["residual_kind"]

    assert residual() == "bank_fee"  # the creditor's country unknown: the account says nothing
    assert residual("--creditor-country", "de") == "deduction"
    assert residual("--creditor-country", "AT") == "bank_fee"
    bad = ["--creditor-country", "Germany"]
    assert main(["match", "--open-items", str(items), "--payments", str(payments), *bad]) == 2
    assert "not a country code: 'Germany'" in capsys.readouterr().err
