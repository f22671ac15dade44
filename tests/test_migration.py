"""Migration from CSV files: parsing, rejected rows, atomic and repeatable loading."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from o2c.adapters.sqlite import SQLiteLedgerStore
from o2c.cli import main
from o2c.errors import InvalidFactError, ValidationError
from o2c.ledger import ItemKind, Ledger
from o2c.ledger.migration import plan_migration, post_migration
from tests.test_ledger import invoice

CUTOVER = dt.date(2026, 3, 31)
AT = dt.datetime(2026, 4, 1, 6, tzinfo=dt.UTC)

CUSTOMERS = """customer_id,name,currency,credit_limit,payment_terms
C1,Acme GmbH,EUR,50000.00,net 30
C2,Globex Inc,USD,,2/10 net 30
"""
OPEN_ITEMS = (
    "customer_id,item_id,kind,document_number,document_date,due_date,currency,"
    "original_amount,open_amount,payment_reference\n"
    """C1,INV-1,invoice,2026-001,2026-02-01,2026-03-03,EUR,1190.00,1190.00,RF18539007547034
C1,INV-2,invoice,2026-002,2026-03-01,2026-03-31,EUR,500.00,200.00,
C1,CM-1,credit_memo,CM-001,2026-03-10,,EUR,50.00,50.00,
C2,INV-3,invoice,US-1,2026-03-15,2026-04-14,USD,99.99,99.99,
"""
)
PAYMENTS = (
    "customer_id,payment_id,value_date,currency,amount,unapplied_amount,payer_name,"
    "payer_account,reference\n"
    """C1,PAY-1,2026-01-15,EUR,800.00,,Acme GmbH,DE89370400440532013000,INV 2025-77
C2,PAY-2,2026-03-20,USD,30.00,30.00,Globex,,on account
"""
)
BAD_OPEN_ITEMS = """customer_id,item_id,kind,document_date,currency,original_amount,open_amount
C1,X-1,invoice,2026-03-01,EUR,10.00,10.00
C1,X-2,invoice,01/03/2026,EUR,10.00,10.00
C1,X-3,receipt,2026-03-01,EUR,10.00,10.00
C1,X-4,invoice,2026-03-01,EUR,10.00,12.00
C1,X-5,invoice,2026-03-01,EUR,10.001,10.00
C1,X-6,invoice,2026-03-01,XYZ,10.00,10.00
C7,X-7,invoice,2026-03-01,EUR,10.00,10.00
C1,X-1,invoice,2026-03-01,EUR,10.00,10.00
C1,X-9,invoice,2026-04-02,EUR,10.00,10.00
C1,X-10,invoice,2026-03-01,EUR,,10.00
"""


def _files(tmp_path: Path, open_items: str = OPEN_ITEMS) -> list[str]:
    for name, text in (("c.csv", CUSTOMERS), ("o.csv", open_items), ("p.csv", PAYMENTS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return [
        "--customers",
        str(tmp_path / "c.csv"),
        "--open-items",
        str(tmp_path / "o.csv"),
        "--payments",
        str(tmp_path / "p.csv"),
        "--cutover",
        CUTOVER.isoformat(),
    ]


def _rows(text: str) -> list[dict[str, str | None]]:
    import csv

    return list(csv.DictReader(io.StringIO(text)))


def test_migration_loads_open_items_customers_and_payment_history(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "ledger.sqlite"
    assert main(["migrate", "--db", str(db), *_files(tmp_path)]) == 0
    # 10 facts of documents and payments, the 2 customers registered in the master and the
    # account PAY-1 came from linked to C1
    assert "loaded 13 fact(s) for 2 customer(s)" in capsys.readouterr().out
    with SQLiteLedgerStore(db) as store:
        ledger = Ledger(store)
        items = {i.item_id: i for i in ledger.open_items(CUTOVER)}
        assert {k: v.open_amount.amount for k, v in items.items()} == {
            "INV-1": Decimal("1190.00"),
            "INV-2": Decimal("200.00"),
            "CM-1": Decimal("-50.00"),
            "INV-3": Decimal("99.99"),
            "PAY-2": Decimal("-30.00"),
        }
        assert items["INV-2"].original_amount.amount == Decimal("500.00")
        assert items["INV-1"].payment_reference == "RF18539007547034"
        assert items["INV-1"].document_number == "2026-001"
        assert items["CM-1"].kind is ItemKind.CREDIT_MEMO
        assert ledger.balance(CUTOVER, customer_id="C1")["EUR"].amount == Decimal("1340.00")
        # The payment history is there, fully applied before the migration.
        assert [f.kind.value for f in ledger.history("PAY-1")] == [
            "payment_received",
            "payment_allocated",
        ]
        assert ledger.unapplied("PAY-1", customer_id="C1").amount == 0
        # the account the history paid from is on file, first seen on that payment
        known = ledger.read().customer_master().account("DE89 3704 0044 0532 0130 00")
        assert known is not None
        assert (known.customers, known.first_seen, known.holder_name) == (
            ("C1",),
            dt.date(2026, 1, 15),
            "Acme GmbH",
        )
        version = ledger.version("C1")
    # Loading the same files again changes nothing.
    assert main(["migrate", "--db", str(db), *_files(tmp_path)]) == 0
    assert "loaded 0 fact(s)" in capsys.readouterr().out
    with SQLiteLedgerStore(db) as store:
        assert Ledger(store).version("C1") == version


def test_rejected_rows_are_reported_and_nothing_is_loaded(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "ledger.sqlite"
    args = ["migrate", "--db", str(db), *_files(tmp_path, BAD_OPEN_ITEMS)]
    assert main(args) == 2  # bad input
    captured = capsys.readouterr()
    out = captured.out
    assert out.count("REJECTED") == 9
    where = tmp_path / "o.csv"
    for expected in (
        "3: document_date='01/03/2026' is not a date",
        "4: kind='receipt'",
        "5: open_amount 12.00 must be above 0 and at most",
        "6: original_amount='10.001' has more decimals than EUR",
        "7: unknown currency code 'XYZ'",
        "8: customer_id='C7' is not in the customers file",
        "9: item_id='X-1' appears more than once",
        "10: document_date 2026-04-02 is after the cut-over",
        "11: original_amount is missing",
    ):
        assert f"REJECTED {where}:{expected}" in out
    assert captured.err == (
        f"o2c: error: 9 row(s) rejected, nothing loaded (fix them, or pass --accept-partial to "
        f"load the accepted rows); the first: {where}:3: document_date='01/03/2026' is not a "
        "date: write it as YYYY-MM-DD\n"
    )
    with SQLiteLedgerStore(db) as store:
        assert list(store.iter_all()) == []
    assert main([*args, "--accept-partial"]) == 0
    with SQLiteLedgerStore(db) as store:
        assert {i.item_id for i in Ledger(store).open_items(CUTOVER)} == {"X-1", "PAY-2"}


def test_a_batch_the_ledger_refuses_loads_nothing() -> None:
    ledger = Ledger()
    # INV-2 already exists in the ledger: the whole migration is refused.
    ledger.append([invoice("old", "INV-2", "1.00", effective=0)])
    plan = plan_migration(
        customers=_rows(CUSTOMERS),
        open_items=_rows(OPEN_ITEMS),
        payments=_rows(PAYMENTS),
        cutover=CUTOVER,
        recorded_at=AT,
    )
    assert plan.rejected == ()
    with pytest.raises(InvalidFactError, match="already has an item"):
        post_migration(plan, ledger)
    assert [f.fact_id for f in ledger.facts()] == ["old"]


def test_load_refuses_a_plan_with_rejections_unless_told() -> None:
    plan = plan_migration(
        customers=_rows(CUSTOMERS),
        open_items=_rows(BAD_OPEN_ITEMS),
        payments=[],
        cutover=CUTOVER,
        recorded_at=AT,
    )
    assert dict(plan.accepted) == {
        "customers": 2,
        "payer_accounts": 0,
        "open_items": 1,
        "payments": 0,
        "settlements": 0,
    }
    assert {r.error.row for r in plan.rejected} == set(range(3, 12))
    ledger = Ledger()
    with pytest.raises(ValidationError, match="nothing was loaded"):
        post_migration(plan, ledger)
    assert list(ledger.facts()) == []
    # the two customers' registrations and the one accepted invoice
    assert len(post_migration(plan, ledger, accept_partial=True).appended) == 3


def test_customers_are_parsed_with_limits() -> None:
    plan = plan_migration(
        customers=_rows(CUSTOMERS + "C1,dup,,,\nC3,,,100,\n"),
        open_items=[],
        payments=[],
        cutover=CUTOVER,
        recorded_at=AT,
    )
    c1 = plan.customers[0]
    assert (c1.name, c1.currency, str(c1.credit_limit.amount) if c1.credit_limit else None) == (
        "Acme GmbH",
        "EUR",
        "50000.00",
    )
    assert [(r.row, r.error.field) for r in plan.rejected] == [(4, "customer_id"), (5, "currency")]


@pytest.mark.postgres
def test_migration_into_postgresql(tmp_path: Path, postgres_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    from o2c.adapters.sqlalchemy import SQLAlchemyLedgerStore
    from tests.pg import fresh_database

    with fresh_database(postgres_url) as url:
        assert main(["migrate", "--url", url, *_files(tmp_path)]) == 0
        assert "loaded 13 fact(s)" in capsys.readouterr().out
        with SQLAlchemyLedgerStore(url) as store:
            assert len(Ledger(store).open_items(CUTOVER)) == 5


def test_history_accounts_already_in_the_payer_accounts_file_are_linked_once() -> None:
    from o2c.ledger import PayerAccountLinked

    payments = _rows(PAYMENTS) + _rows(
        PAYMENTS.replace("PAY-1,2026-01-15", "PAY-0,2025-12-01").replace("PAY-2", "PAY-3")
    )
    accounts = [{"customer_id": "C1", "account": "DE89370400440532013000"}]
    for given, effective in (([], dt.date(2025, 12, 1)), (accounts, CUTOVER)):
        plan = plan_migration(
            customers=_rows(CUSTOMERS),
            payer_accounts=given,
            open_items=_rows(OPEN_ITEMS),
            payments=payments,
            cutover=CUTOVER,
            recorded_at=AT,
        )
        assert not plan.rejected
        links = [f for f in plan.facts if isinstance(f, PayerAccountLinked)]
        # one link (the earliest payment's date, or the file's), and none for PAY-2 (no account)
        assert [(f.customer_id, f.effective) for f in links] == [("C1", effective)]
        ledger = Ledger()
        ledger.append(plan.facts)
        assert ledger.read().customer_master().customers_of_account(links[0].account) == ("C1",)


def test_the_history_folder_links_the_accounts_its_payments_came_from(
    tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    history = tmp_path / "history"
    history.mkdir()
    (history / "payments.csv").write_text(
        "payment_id,value_date,currency,amount,payer_name,payer_account\n"
        "H1,2025-06-02,EUR,10.00,ACME GMBH,DE89 3704 0044 0532 0130 00\n"
        "H2,2025-07-02,EUR,20.00,PAYHUB,NL91ABNA0417164300\n"
        "H3,2025-08-02,EUR,30.00,ACME GMBH,de89370400440532013000\n"
        "H4,2025-08-03,EUR,40.00,NOBODY,\n",
        encoding="utf-8",
    )
    (history / "allocations.csv").write_text(
        "payment_id,item_id,customer_id,applied_amount\n"
        "H1,I1,C1,10.00\nH2,I2,C1,10.00\nH2,I3,C2,10.00\nH3,I4,C1,30.00\nH4,I5,C2,40.00\n",
        encoding="utf-8",
    )
    payer = tmp_path / "payer_accounts.csv"
    payer.write_text("customer_id,account\nC2,NL91ABNA0417164300\n", encoding="utf-8")
    items = tmp_path / "open_items.csv"
    items.write_text(
        "customer_id,item_id,document_date,due_date,currency,original_amount,open_amount\n"
        "C1,I9,2026-01-05,2026-02-04,EUR,100.00,100.00\n"
        "C2,I8,2026-01-05,2026-02-04,EUR,50.00,50.00\n",
        encoding="utf-8",
    )
    db = tmp_path / "ledger.sqlite"
    args = ["migrate", "--db", str(db), "--open-items", str(items), "--cutover", "2026-03-02"]
    assert main([*args, "--payer-accounts", str(payer), "--history", str(history)]) == 0
    assert "history: 2 payer account(s) linked" in capsys.readouterr().out
    master = Ledger(SQLiteLedgerStore(db)).read(dt.date(2026, 3, 2)).customer_master()
    acme = master.account("DE89370400440532013000")
    hub = master.account("NL91ABNA0417164300")
    assert acme is not None
    assert hub is not None
    assert set(acme.customer_ids) == {"C1"}
    assert set(hub.customer_ids) == {"C1", "C2"}
    missing = tmp_path / "nowhere"
    capsys.readouterr()
    assert main([*args, "--history", str(missing)]) == 2
    assert "nowhere/allocations.csv" in capsys.readouterr().err
