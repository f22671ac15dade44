"""Migrated payment history keeps the customers' real lateness.

The settlements file carries each closed invoice's document date, due date and settlement
date; after the migration, payment history (credit), paid items (KPIs) and the payment model
(forecast) read exactly the figures of the source rows.  What a payment applied without a
settlement row settles a stand-in that payment behaviour leaves out (it used to count as a
punctual payment).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters.sqlite import SQLiteLedgerStore
from o2c.cli import main
from o2c.credit import paydex, payment_history, settlement_trails
from o2c.credit.forecast import fit_payment_model
from o2c.errors import DuplicateFactError
from o2c.ledger import InvoiceIssued, Ledger
from o2c.ledger.migration import MigrationPlan, plan_migration, post_migration
from o2c.receivables.kpi import paid_items_from_ledger

CUTOVER = dt.date(2026, 3, 31)
AT = dt.datetime(2026, 4, 1, 6, tzinfo=dt.UTC)
CUSTOMERS = [{"customer_id": "C1", "name": "Acme"}, {"customer_id": "C2", "name": "Globex"}]
PAYMENTS = [
    # PAY-1 settles INV-10 (late) and half of INV-11; PAY-2 the rest of INV-11 (later still).
    {"customer_id": "C1", "payment_id": "PAY-1", "value_date": "2026-01-20", "currency": "EUR",
     "amount": "700.00"},
    {"customer_id": "C1", "payment_id": "PAY-2", "value_date": "2026-02-25", "currency": "EUR",
     "amount": "250.00", "unapplied_amount": "50.00"},
    # PAY-3 has no settlement rows (older than the cleared-items export): a stand-in.
    {"customer_id": "C2", "payment_id": "PAY-3", "value_date": "2026-01-05", "currency": "USD",
     "amount": "80.00"},
]  # fmt: skip
SETTLEMENTS = [
    {"customer_id": "C1", "payment_id": "PAY-1", "item_id": "INV-10", "document_number": "10",
     "document_date": "2025-11-15", "due_date": "2025-12-15", "currency": "EUR",
     "amount": "500.00", "settlement_date": "2026-01-22"},
    {"customer_id": "C1", "payment_id": "PAY-1", "item_id": "INV-11", "document_date":
     "2025-12-01", "due_date": "2025-12-31", "currency": "EUR", "amount": "200.00"},
    {"customer_id": "C1", "payment_id": "PAY-2", "item_id": "INV-11", "document_date":
     "2025-12-01", "due_date": "2025-12-31", "currency": "EUR", "amount": "200.00",
     "settlement_date": "2026-03-02"},
]  # fmt: skip
#: The source's figures: invoice -> (days late, days to pay) of its last settlement.
SOURCE = {"INV-10": (38, 68), "INV-11": (61, 91)}


def _plan(settlements: list[dict[str, str]] = SETTLEMENTS, **kw: object) -> MigrationPlan:
    return plan_migration(
        customers=CUSTOMERS,
        open_items=[],
        payments=PAYMENTS,
        settlements=settlements,
        cutover=CUTOVER,
        recorded_at=AT,
        **kw,  # type: ignore[arg-type]
    )


def test_lateness_after_migration_is_the_source_rows() -> None:
    plan = _plan()
    assert plan.rejected == ()
    ledger = Ledger()
    post_migration(plan, ledger)
    history = payment_history(ledger.facts())
    assert {r.item_id: (r.days_late, r.days_to_pay) for r in history} == SOURCE
    inv11 = next(r for r in history if r.item_id == "INV-11")
    assert (str(inv11.amount.amount), inv11.paid_date) == ("400.00", dt.date(2026, 3, 2))
    paid = paid_items_from_ledger(ledger, dt.date(2025, 1, 1), CUTOVER)
    assert {p.item_id: (p.days_late, p.days_to_pay) for p in paid} == SOURCE
    # The history is known from the migration's recording on (the ledger is bitemporal).
    model = fit_payment_model(history, as_of=AT.date())
    assert model.median_days_late("C1") in {38, 61}
    assert paydex(history, min_records=2).score is not None
    # PAY-2's unapplied 50.00 stays on account; PAY-3's applied part settles a stand-in that is
    # closed in the books but is nobody's punctual payment.
    assert {i.item_id: i.open_amount.amount for i in ledger.open_items(CUTOVER)} == {
        "PAY-2": Decimal("-50.00")
    }
    stand_in = ledger.get("migration:PAY-3:applied-before-migration")
    assert isinstance(stand_in, InvoiceIssued)
    assert stand_in.stand_in
    assert "PAY-3:applied-before-migration" not in {
        t.item_id for t in settlement_trails(ledger.facts())
    }


def test_without_settlements_the_stand_ins_are_not_punctual_history() -> None:
    ledger = Ledger()
    post_migration(_plan(settlements=[]), ledger)
    assert payment_history(ledger.facts()) == ()
    assert paid_items_from_ledger(ledger, dt.date(2025, 1, 1), CUTOVER) == ()
    assert ledger.unapplied("PAY-1", customer_id="C1").amount == 0


def test_a_partly_used_credit_memo_stand_in_is_not_history_either() -> None:
    plan = plan_migration(
        customers=CUSTOMERS,
        open_items=[
            {
                "customer_id": "C1",
                "item_id": "CM-1",
                "kind": "credit_memo",
                "document_date": "2026-01-10",
                "currency": "EUR",
                "original_amount": "30.00",
                "open_amount": "10.00",
            },
        ],
        payments=[],
        cutover=CUTOVER,
        recorded_at=AT,
    )
    ledger = Ledger()
    post_migration(plan, ledger)
    assert payment_history(ledger.facts()) == ()


def test_changed_settlement_rows_are_refused_on_a_rerun() -> None:
    ledger = Ledger()
    post_migration(_plan(), ledger)
    assert post_migration(_plan(), ledger).appended == ()
    changed = [dict(SETTLEMENTS[0], settlement_date="2026-01-25"), *SETTLEMENTS[1:]]
    with pytest.raises(DuplicateFactError, match="PAY-1->INV-10"):
        post_migration(_plan(settlements=changed), ledger)


def _reason(**change: str) -> tuple[str | None, str]:
    rows = [dict(SETTLEMENTS[0], **change)]
    [rejected] = _plan(settlements=rows).rejected
    return rejected.error.field, rejected.error.message


def test_settlement_rows_that_cannot_be_true_are_rejected() -> None:
    assert _reason(payment_id="PAY-9")[0] == "payment_id"
    assert _reason(customer_id="C2")[0] == "payment_id"  # PAY-1 is C1's
    assert _reason(currency="USD")[0] == "currency"
    assert _reason(amount="700.01")[0] == "amount"  # more than PAY-1 applied
    assert _reason(amount="1.001")[0] == "amount"  # more decimals than EUR
    assert _reason(amount="0")[0] == "amount"
    assert _reason(settlement_date="2026-01-19")[0] == "settlement_date"  # before the payment
    assert _reason(settlement_date="2026-04-01")[0] == "settlement_date"  # after the cut-over
    paid_before_invoiced = _reason(document_date="2026-01-23", due_date="2026-02-22")
    assert paid_before_invoiced[0] == "settlement_date"
    assert _reason(due_date="2025-11-01")[0] == "due_date"
    assert _reason(document_date="15.11.2025")[0] == "document_date"


def test_rows_of_one_invoice_must_agree_and_not_repeat_a_payment() -> None:
    rows = [SETTLEMENTS[1], dict(SETTLEMENTS[2], due_date="2026-01-15")]
    [rejected] = _plan(settlements=rows).rejected
    assert (rejected.row, rejected.error.field) == (3, "due_date")
    assert "disagrees with line 2" in rejected.error.message
    rows = [SETTLEMENTS[1], dict(SETTLEMENTS[1], amount="100.00")]
    [rejected] = _plan(settlements=rows).rejected
    assert "settled by payment 'PAY-1' twice" in rejected.error.message


def test_a_settlement_of_an_open_item_is_rejected() -> None:
    plan = plan_migration(
        customers=CUSTOMERS,
        open_items=[
            {
                "customer_id": "C1",
                "item_id": "INV-10",
                "kind": "invoice",
                "document_date": "2025-11-15",
                "currency": "EUR",
                "original_amount": "900.00",
                "open_amount": "400.00",
            },
        ],
        payments=PAYMENTS,
        settlements=SETTLEMENTS[:1],
        cutover=CUTOVER,
        recorded_at=AT,
    )
    assert [(r.source, r.error.field) for r in plan.rejected] == [("settlements", "item_id")]


def test_amounts_beyond_the_limit_are_rejected_rows() -> None:
    plan = plan_migration(
        customers=CUSTOMERS,
        open_items=[
            {
                "customer_id": "C1",
                "item_id": "BIG",
                "kind": "invoice",
                "document_date": "2026-03-01",
                "currency": "EUR",
                "original_amount": "1000000000000000.00",
                "open_amount": "1.00",
            },
        ],
        payments=[dict(PAYMENTS[0], amount="1E+16")],
        cutover=CUTOVER,
        recorded_at=AT,
    )
    assert [(r.source, r.error.field) for r in plan.rejected] == [
        ("open_items", "original_amount"),
        ("payments", "amount"),
    ]
    assert "at most 15 digits" in plan.rejected[0].error.message


# A day offset from 2025-10-01 for the document, days to due, days from due to payment.
_settlement = st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(-20, 90))


# Each example plans, loads and reads back a migration (about 2 ms): 500 examples keep it near
# a second in the ci profile on a shared machine.
@settings(max_examples=500)
@given(st.lists(_settlement, min_size=1, max_size=6))
def test_property_migrated_lateness_equals_the_source_rows(
    rows: list[tuple[int, int, int]],
) -> None:
    start = dt.date(2025, 10, 1)
    payments, settlements, source = [], [], {}
    for n, (doc, terms, late) in enumerate(rows):
        document = start + dt.timedelta(days=doc)
        due = document + dt.timedelta(days=terms)
        paid_on = max(document, due + dt.timedelta(days=late))
        payments.append(
            {"customer_id": "C1", "payment_id": f"P{n}", "value_date": paid_on.isoformat(),
             "currency": "EUR", "amount": f"{n + 1}.00"}
        )  # fmt: skip
        settlements.append(
            {"customer_id": "C1", "payment_id": f"P{n}", "item_id": f"I{n}",
             "document_date": document.isoformat(), "due_date": due.isoformat(),
             "currency": "EUR", "amount": f"{n + 1}.00"}
        )  # fmt: skip
        source[f"I{n}"] = ((paid_on - due).days, (paid_on - document).days)
    plan = plan_migration(
        customers=CUSTOMERS[:1],
        open_items=[],
        payments=payments,
        settlements=settlements,
        cutover=dt.date(2026, 6, 30),
        recorded_at=AT + dt.timedelta(days=100),
    )
    assert plan.rejected == ()
    ledger = Ledger()
    post_migration(plan, ledger)
    history = payment_history(ledger.facts())
    assert {r.item_id: (r.days_late, r.days_to_pay) for r in history} == source
    paid = paid_items_from_ledger(ledger, start - dt.timedelta(days=1), dt.date(2026, 6, 30))
    assert {p.item_id: p.days_to_pay for p in paid} == {k: v[1] for k, v in source.items()}
    assert {p.item_id: p.days_late for p in paid} == {k: max(0, v[0]) for k, v in source.items()}


def test_o2c_migrate_reads_the_settlements_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    files = {
        "c.csv": "customer_id,name\nC1,Acme\n",
        "p.csv": "customer_id,payment_id,value_date,currency,amount\n"
        "C1,PAY-1,2026-01-20,EUR,700.00\n",
        "s.csv": "customer_id,payment_id,item_id,document_date,due_date,currency,amount,"
        "settlement_date\n"
        "C1,PAY-1,INV-10,2025-11-15,2025-12-15,EUR,500.00,2026-01-22\n"
        "\n"
        "C1,PAY-1,INV-11,2025-12-01,2025-12-31,EUR,200.00,2026-01-21\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    db = tmp_path / "ledger.sqlite"
    args = ["migrate", "--db", str(db), "--customers", str(tmp_path / "c.csv")]
    args += ["--payments", str(tmp_path / "p.csv"), "--settlements", str(tmp_path / "s.csv")]
    assert main([*args, "--cutover", "2026-03-31"]) == 0
    assert "settlements: 2 row(s) accepted" in capsys.readouterr().out
    with SQLiteLedgerStore(db) as store:
        history = payment_history(Ledger(store).facts())
    assert {r.item_id: r.days_late for r in history} == {"INV-10": 38, "INV-11": 21}
    # A bad row names its file and line (the blank line counts).
    bad = files["s.csv"].replace("2026-01-21", "2026-01-19")
    (tmp_path / "s.csv").write_text(bad, encoding="utf-8")
    assert main([*args, "--cutover", "2026-03-31"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 's.csv'}:4: settlement_date 2026-01-19 must be on or after" in err
    # A missing required column is refused before anything is read.
    (tmp_path / "s.csv").write_text("customer_id,payment_id\nC1,PAY-1\n", encoding="utf-8")
    assert main([*args, "--cutover", "2026-03-31"]) == 2
    assert "missing columns item_id, document_date, currency, amount" in capsys.readouterr().err
    assert main([*args, "--cutover", "31.03.2026"]) == 2
    assert "'31.03.2026' is not a date" in capsys.readouterr().err
