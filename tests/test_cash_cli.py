"""``o2c cash`` on ../shared/bench/cashapp2 migrated into a ledger (issue 18, done-when checks).

The unit tests import a subset of the bank files (two days of camt.053, a week of MT940, a day
of BAI2 and one camt.054: 579 lines); the test marked ``slow`` imports every test file.  Each
check runs the CLI as a user would (``o2c migrate``, then ``o2c cash ...``) and reads the ledger
afterwards.  Without ../shared the tests skip.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from o2c.adapters.match_folder import read_bank_paths
from o2c.adapters.sqlite import SQLiteLedgerStore
from o2c.cli import main
from o2c.ledger import History, Ledger, ScreeningVerdict
from o2c.names import normalize

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench" / "cashapp2"
TEST = BENCH / "test"
SUBSET = [
    TEST / "camt053" / "camt053_A_20260302.xml",
    TEST / "camt053" / "camt053_A_20260303.xml",
    TEST / "mt940" / "mt940_C_2026w10.sta",
    TEST / "bai2" / "bai2_D_20260302.bai",
    TEST / "camt054" / "camt054_B_20260323.xml",
]
SANCTIONED = "Braun Hydraulik AG"

pytestmark = pytest.mark.skipif(not BENCH.is_dir(), reason="../shared/bench is not here")

_SUMMARY = re.compile(
    r"o2c cash import: (\d+) lines read: (\d+) auto-posted, (\d+) unapplied, (\d+) suspense, "
    r"(\d+) held, (\d+) flagged, (\d+) already recorded, (\d+) not incoming; (\d+) facts appended"
)


def _summary(text: str) -> dict[str, int]:
    found = _SUMMARY.search(text)
    assert found is not None, text
    names = "read auto unapplied suspense held flagged recorded not_incoming appended".split()  # noqa: SIM905
    return dict(zip(names, map(int, found.groups()), strict=True))


def _migrate(db: Path) -> None:
    args = [
        "migrate",
        "--db",
        str(db),
        "--customers",
        str(BENCH / "customers.csv"),
        "--payer-accounts",
        str(BENCH / "payer_accounts.csv"),
        "--open-items",
        str(BENCH / "open_items.csv"),
        "--cutover",
        "2026-03-02",
    ]
    assert main(args) == 0


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cashapp2's customers, payer accounts and open items in a SQLite ledger (kept clean)."""
    db = tmp_path_factory.mktemp("cash") / "migrated.db"
    _migrate(db)
    return db


@pytest.fixture
def ledger_db(migrated: Path, tmp_path: Path) -> Path:
    db = tmp_path / "ledger.db"
    shutil.copy(migrated, db)
    return db


def _history(db: Path) -> History:
    with SQLiteLedgerStore(str(db)) as store:
        return Ledger(store).read()


def _import(db: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, int]:
    assert main(["cash", "import", "--db", str(db), *map(str, SUBSET), *extra]) == 0
    return _summary(capsys.readouterr().out)


def _match_auto(
    tmp_path: Path, paths: list[Path], netted: dict[str, str] | None = None
) -> dict[str, set[str]]:
    """What ``o2c match`` auto-applies to the same open items and master data: payment id ->
    the items it pays (credit memos netted left out: they settle the items, not the cash;
    ``netted`` receives credit memo id -> the payment that nets it)."""
    out = tmp_path / "matches.csv"
    args = [
        "match",
        "--quiet",
        "--open-items",
        str(BENCH / "open_items.csv"),
        "--customers",
        str(BENCH / "customers.csv"),
        "--payer-accounts",
        str(BENCH / "payer_accounts.csv"),
        "--out",
        str(out),
        *map(str, paths),
    ]
    assert main(args) == 0
    auto: dict[str, set[str]] = {}
    with out.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["auto"] != "true" or not row["item_id"]:
                continue
            if Decimal(row["applied_amount"]) > 0:
                auto.setdefault(row["payment_id"], set()).add(row["item_id"])
            elif netted is not None:
                netted[row["item_id"]] = row["payment_id"]
    return auto


def _posted(history: History, netted: dict[str, str] | None = None) -> dict[str, set[str]]:
    """Imported payment id -> the items its allocations settled (parts of a split payment
    together; the migration's settlements left out), and the items the credit memos it nets
    (``netted``: credit memo id -> payment id) settled."""
    imported = {c.payment_id for c in history.payment_cases() if c.screening is not None}
    posted: dict[str, set[str]] = {}
    for trail in history.settlement_trails():
        for entry in trail.settlements:
            if entry.source_id is None:
                continue
            pid = entry.source_id.split("/")[0]
            if pid not in imported:
                pid = (netted or {}).get(entry.source_id, "")
            if pid in imported:
                posted.setdefault(pid, set()).add(trail.item_id)
    return posted


def _check_import_against_match(
    db: Path | History, counts: dict[str, int], tmp_path: Path, paths: list[Path]
) -> None:
    """The counts add up to the lines read, every incoming line is screened, and what was
    posted is what ``o2c match`` auto-applies (``db``: a SQLite file, or a ledger's history)."""
    lines, _ = read_bank_paths(list(paths))
    assert counts["read"] == len(lines)
    parts = ("auto", "unapplied", "suspense", "held", "flagged", "recorded", "not_incoming")
    assert sum(counts[k] for k in parts) == counts["read"]
    assert counts["not_incoming"] == sum(1 for p in lines if p.amount.amount <= 0)
    history = db if isinstance(db, History) else _history(db)
    cases = {c.payment_id: c for c in history.payment_cases()}
    screened = {pid for pid, c in cases.items() if c.screening is not None}
    assert len(screened) == counts["read"] - counts["not_incoming"]
    netted: dict[str, str] = {}
    auto = _match_auto(tmp_path, paths, netted)
    posted = _posted(history, netted)
    # Everything posted is what o2c match auto-applies, item for item ...
    assert {pid: posted[pid] for pid in posted} == {pid: auto[pid] for pid in posted}
    assert len(posted) == counts["auto"]
    # ... and what o2c match auto-applies and the import did not post was held or flagged by
    # pre-validation, or is kept for a person with o2c match's allocation as its best candidate.
    for pid in set(auto) - set(posted):
        case = cases[pid]
        assert case.screening is not None
        if case.screening.verdict is ScreeningVerdict.PASS:
            assert case.suggestion is not None
            best = case.suggestion.candidates[0]
            assert auto[pid] <= {line.item_id for line in best.lines}


def test_import_posts_what_match_auto_applies_and_the_counts_add_up(
    ledger_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    counts = _import(ledger_db, capsys)
    assert counts["auto"] > 0
    assert counts["recorded"] == 0
    _check_import_against_match(ledger_db, counts, tmp_path, SUBSET)
    # unapplied and suspense cash are open items of the customer / of suspense
    history = _history(ledger_db)
    suspense = {i.item_id for i in history.open_items() if i.customer_id == "SUSPENSE"}
    screened_there = {
        c.payment_id
        for c in history.payment_cases()
        if c.screening is not None and c.screening.customer_id == "SUSPENSE"
    }
    assert suspense == screened_there
    assert len(suspense) >= counts["suspense"]


def test_a_second_import_appends_nothing(
    ledger_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _import(ledger_db, capsys)
    with SQLiteLedgerStore(str(ledger_db)) as store:
        before = sum(1 for _ in store.iter_all())
    second = _import(ledger_db, capsys)
    with SQLiteLedgerStore(str(ledger_db)) as store:
        after = sum(1 for _ in store.iter_all())
    assert second["appended"] == 0
    assert after == before
    assert second["recorded"] == first["read"] - first["not_incoming"]
    assert second["read"] == first["read"]


def _ofsi_list(path: Path, name: str) -> Path:
    header = ["Name 6", "Name 1", "Country", "Group Type", "Regime", "Last Updated", "Group ID"]
    buffer = io.StringIO()
    buffer.write("Last Updated,28/11/2026\r\n")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerow([name, "", "", "Entity", "Test regime", "28/11/2026", "90001"])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_a_sanctions_file_naming_one_payer_holds_exactly_its_payments(
    ledger_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = _ofsi_list(tmp_path / "ConList.csv", SANCTIONED)
    counts = _import(ledger_db, capsys, "--sanctions", str(listed))
    lines, _ = read_bank_paths(list(SUBSET))
    key = normalize(SANCTIONED)
    expected = {
        p.payment_id
        for p in lines
        if p.amount.amount > 0
        and key in (normalize(p.payer_name), normalize(p.ultimate_payer_name))
    }
    assert len(expected) == 5
    cases = _history(ledger_db).payment_cases()
    held = {
        c.payment_id
        for c in cases
        if c.screening is not None and c.screening.verdict is ScreeningVerdict.HOLD
    }
    assert held == expected
    assert counts["held"] == len(expected)
    for case in cases:
        if case.payment_id in held:
            assert case.unapplied, "a held payment is never posted"
            assert any("sanctions" in r for r in case.screening.reasons)  # type: ignore[union-attr]


def _worklist(db: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    args = ["cash", "worklist", "--db", str(db), "--format", "json", "--as-of", "2026-03-31"]
    assert main(args) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


def _payment_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = [
        "payment_id",
        "value_date",
        "currency",
        "amount",
        "payer_name",
        "payer_account",
        "reference",
        "remittance_info",
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _suggestions(rows: list[dict[str, object]]) -> Iterator[dict[str, object]]:
    for row in rows:
        candidates = row["candidates"]
        assert isinstance(candidates, list)
        if row["kind"] == "suggested" and candidates and row["customer_id"] != "SUSPENSE":
            lines = candidates[0]["lines"]
            if len(lines) == 1 and row["currency"] == "EUR":
                yield row


def test_confirming_a_suggestion_posts_it_and_teaches_the_next_import(
    ledger_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(ledger_db, capsys)
    rows = _worklist(ledger_db, capsys)
    assert rows == sorted(
        rows, key=lambda r: (-Decimal(str(r["amount"])), -int(str(r["age_days"])))
    )
    history = _history(ledger_db)
    master = history.customer_master()
    open_by_customer: dict[str, list[object]] = {}
    for item in history.open_items():
        if item.kind.value == "invoice" and item.open_amount.currency.code == "EUR":
            open_by_customer.setdefault(item.customer_id, []).append(item)
    cases = {c.payment_id: c for c in history.payment_cases()}
    # A suggestion from a payer account the master does not know for the customer, whose
    # customer has another open EUR invoice to pay next.
    chosen = None
    for row in _suggestions(rows):
        payment = cases[str(row["payment_id"])].received[0]
        customer = str(row["customer_id"])
        if (
            payment.payer_account
            and customer not in master.customers_of_account(payment.payer_account)
            and len(open_by_customer.get(customer, [])) > 1
        ):
            chosen = (row, payment, customer)
            break
    assert chosen is not None, "no suggestion from an unknown payer account in the subset"
    row, payment, customer = chosen
    [line] = row["candidates"][0]["lines"]  # type: ignore[index]
    assert main(["cash", "confirm", "--db", str(ledger_db), str(row["payment_id"]), "--by",
                 "alice", "--reason", "the customer confirmed"]) == 0  # fmt: skip
    assert "facts appended" in capsys.readouterr().out
    after = _history(ledger_db)
    assert line["item_id"] in _posted(after)[str(row["payment_id"])]
    assert customer in after.customer_master().customers_of_account(payment.payer_account)
    # No longer a suggestion: at most the rest of an overpayment stays, as unapplied cash.
    listed = {str(r["payment_id"]): r for r in _worklist(ledger_db, capsys)}
    rest = listed.get(str(row["payment_id"]))
    if rest is not None:
        assert rest["kind"] == "unapplied"
        left = Decimal(str(row["amount"])) - Decimal(line["applied"])
        assert Decimal(str(rest["amount"])) == left
    # The next payment from that account, of another open invoice's amount, is auto-applied.
    nxt = next(
        i
        for i in open_by_customer[customer]
        if i.item_id != line["item_id"]  # type: ignore[attr-defined]
    )
    new = _payment_csv(
        tmp_path / "next.csv",
        [
            {
                "payment_id": "NEXT-1",
                "value_date": "2026-03-30",
                "currency": "EUR",
                "amount": str(nxt.open_amount.amount),  # type: ignore[attr-defined]
                "payer_name": payment.payer_name,
                "payer_account": payment.payer_account,
                "reference": nxt.document_number,  # type: ignore[attr-defined]
                "remittance_info": "",
            }
        ],
    )
    assert main(["cash", "import", "--db", str(ledger_db), str(new)]) == 0
    counts = _summary(capsys.readouterr().out)
    assert (counts["read"], counts["auto"]) == (1, 1)


def test_reject_and_the_other_formats(ledger_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _import(ledger_db, capsys)
    rows = _worklist(ledger_db, capsys)
    row = next(_suggestions(rows))
    assert (
        main(["cash", "reject", "--db", str(ledger_db), str(row["payment_id"]), "--by", "b"]) == 0
    )
    capsys.readouterr()
    again = {str(r["payment_id"]): r for r in _worklist(ledger_db, capsys)}
    assert again[str(row["payment_id"])]["kind"] == "unapplied"
    assert main(["cash", "worklist", "--db", str(ledger_db), "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(table) == len(rows)
    assert main(["cash", "worklist", "--db", str(ledger_db)]) == 0
    assert f"{len(rows)} open exceptions" in capsys.readouterr().out


def test_bad_input_ends_in_one_error_line(
    ledger_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cash", "confirm", "--db", str(ledger_db), "NOPE"]) == 2
    assert "no payment received" in capsys.readouterr().err
    assert main(["cash", "confirm", "--db", str(ledger_db), "NOPE", "I1=abc"]) == 2
    assert "ITEM_ID=AMOUNT" in capsys.readouterr().err


@pytest.mark.slow
def test_the_whole_test_set(
    ledger_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cash", "import", "--db", str(ledger_db), str(TEST)]) == 0
    counts = _summary(capsys.readouterr().out)
    assert counts["read"] - counts["not_incoming"] == 5000
    _check_import_against_match(ledger_db, counts, tmp_path, [TEST])
    assert main(["cash", "import", "--db", str(ledger_db), str(TEST)]) == 0
    assert _summary(capsys.readouterr().out)["appended"] == 0


@pytest.mark.postgres
def test_the_loop_on_postgresql(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from o2c.adapters.sqlalchemy import SQLAlchemyLedgerStore
    from tests.pg import fresh_database

    # a representative slice: a day of camt.053 and a day of BAI2 (two formats, EUR and USD)
    one_day = [SUBSET[0], SUBSET[3]]
    with fresh_database(postgres_url) as url:
        args = [
            "migrate",
            "--url",
            url,
            "--customers",
            str(BENCH / "customers.csv"),
            "--payer-accounts",
            str(BENCH / "payer_accounts.csv"),
            "--open-items",
            str(BENCH / "open_items.csv"),
            "--cutover",
            "2026-03-02",
        ]
        assert main(args) == 0
        capsys.readouterr()
        assert main(["cash", "import", "--url", url, *map(str, one_day)]) == 0
        counts = _summary(capsys.readouterr().out)
        assert counts["appended"] > 0
        assert counts["auto"] > 0
        with SQLAlchemyLedgerStore(url) as store:
            imported = Ledger(store).read()
            before = sum(1 for _ in store.iter_all())
        _check_import_against_match(imported, counts, tmp_path, one_day)
        assert main(["cash", "import", "--url", url, *map(str, one_day)]) == 0
        again = _summary(capsys.readouterr().out)
        assert again["appended"] == 0
        assert again["recorded"] == counts["read"] - counts["not_incoming"]
        with SQLAlchemyLedgerStore(url) as store:
            assert sum(1 for _ in store.iter_all()) == before
        assert main(["cash", "worklist", "--url", url, "--format", "json"]) == 0
        rows = json.loads(capsys.readouterr().out)
        row = next(_suggestions(rows))
        pid = str(row["payment_id"])
        assert main(["cash", "confirm", "--url", url, pid, "--by", "alice"]) == 0
        capsys.readouterr()
        with SQLAlchemyLedgerStore(url) as store:
            history = Ledger(store).read()
        case = next(c for c in history.payment_cases() if c.payment_id == pid)
        assert [d.recorded_by for d in case.decisions] == ["alice"]
        assert pid in _posted(history)
