"""The read model's movements table is the history's account movements to the minor unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings

from o2c.ledger import (
    AllocationReversed,
    CreditMemoIssued,
    Fact,
    InvoiceIssued,
    Ledger,
    PaymentAllocated,
    PaymentReassigned,
    PaymentReceived,
    Refunded,
    WrittenOff,
)
from o2c.ledger.history import ActivityKind, read
from o2c.money import money, to_minor
from o2c.terms import Instalment
from tests.test_portfolio import T0, as_of_dates, knowledge, portfolios

pa = pytest.importorskip("pyarrow")

from o2c.portfolio.model import (  # noqa: E402
    MOVEMENT_CODES,
    MOVEMENT_COLUMNS,
    batches_from_facts,
    from_facts,
    movements_schema,
)

_KIND_NAMES = {code: name for name, code in MOVEMENT_CODES.items()}


def _table_rows(
    table: Any, as_of: dt.date | None, known_at: dt.datetime | None
) -> dict[str, list[tuple[Any, ...]]]:
    """Per customer, the movements as of ``as_of`` known at ``known_at``, in row order."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for row in table.to_pylist():
        if as_of is not None and row["on"] > as_of:
            continue
        if known_at is not None and row["recorded"] > known_at:
            continue
        found.setdefault(row["customer"], []).append(
            (
                row["on"],
                row["document"],
                _KIND_NAMES[row["kind"]],
                row["currency"],
                row["amount"],
            )
        )
    return found


def _domain_rows(
    facts: list[Fact], as_of: dt.date | None, known_at: dt.datetime | None
) -> dict[str, list[tuple[Any, ...]]]:
    found: dict[str, list[tuple[Any, ...]]] = {}
    for customer in dict.fromkeys(f.customer_id for f in facts):
        lines = read(facts, as_of, known_at=known_at, customer_id=customer).movements
        if lines:
            found[customer] = [
                (m.on, m.document, m.kind.value, m.amount.currency.code, to_minor(m.amount))
                for m in lines
            ]
    return found


@settings(max_examples=200)
@given(portfolios(), as_of_dates, knowledge)
def test_property_movements_are_the_historys_to_the_minor_unit(
    facts: list[Fact], as_of: dt.date, known_at: dt.datetime | None
) -> None:
    model = from_facts(facts, movements=True)
    assert model.movements is not None
    assert model.movements.schema.equals(movements_schema())
    assert _table_rows(model.movements, as_of, known_at) == _domain_rows(facts, as_of, known_at)
    assert _table_rows(model.movements, None, None) == _domain_rows(facts, None, None)
    # the same projection: items and settlements do not change when movements are noted
    plain = from_facts(facts)
    assert plain.movements is None
    assert model.items.equals(plain.items)
    assert model.settlements.equals(plain.settlements)


def _every_kind() -> list[Fact]:
    at = [T0 + dt.timedelta(hours=h) for h in range(12)]
    day = dt.date(2026, 1, 5)
    common = {"customer_id": "A", "effective": day}
    return [
        InvoiceIssued.from_instalments(
            fact_id="i1",
            customer_id="A",
            item_id="INV-1",
            document_number="INV-1",
            document_date=day,
            recorded_at=at[0],
            instalments=[
                Instalment(number=1, due_date=day, amount=money("60.00", "EUR")),
                Instalment(number=2, due_date=day, amount=money("40.00", "EUR")),
            ],
        ),
        CreditMemoIssued(
            fact_id="c1",
            item_id="CM-1",
            document_number="CM-1",
            document_date=day,
            amount=money("10.00", "EUR"),
            recorded_at=at[1],
            **common,
        ),
        PaymentReceived(
            fact_id="p1",
            payment_id="PAY-1",
            amount=money("55.00", "EUR"),
            value_date=day,
            reference="INV-1",
            recorded_at=at[2],
            **common,
        ),
        PaymentAllocated(
            fact_id="a1",
            source_id="PAY-1",
            item_id="INV-1#1",
            applied=money("50.00", "EUR"),
            discount=money("1.20", "EUR"),
            write_off=money("0.30", "EUR"),
            recorded_at=at[3],
            **common,
        ),
        AllocationReversed(fact_id="r1", allocation_id="a1", recorded_at=at[4], **common),
        PaymentReceived(
            fact_id="p2",
            payment_id="PAY-2",
            amount=money("10.00", "USD"),
            value_date=day,
            recorded_at=at[5],
            **common,
        ),
        PaymentAllocated(  # across currencies: both balances move
            fact_id="a2",
            source_id="PAY-2",
            item_id="INV-1#2",
            applied=money("9.00", "EUR"),
            source_amount=money("10.00", "USD"),
            rate=Decimal("0.9"),
            recorded_at=at[6],
            **common,
        ),
        Refunded(
            fact_id="f1", source_id="CM-1", amount=money("4.00", "EUR"), recorded_at=at[7], **common
        ),
        WrittenOff(
            fact_id="w1",
            item_id="INV-1#1",
            amount=money("2.00", "EUR"),
            recorded_at=at[8],
            **common,
        ),
        WrittenOff(
            fact_id="w2", item_id="CM-1", amount=money("1.00", "EUR"), recorded_at=at[9], **common
        ),
        PaymentReassigned(
            fact_id="m1",
            payment_id="PAY-1",
            amount=money("5.00", "EUR"),
            to_customer_id="B",
            recorded_at=at[10],
            **common,
        ),
    ]


def test_every_kind_of_movement_with_its_sign_currency_and_recording_time() -> None:
    facts = _every_kind()
    ledger = Ledger()
    ledger.append(facts)  # a stream the ledger accepts
    table = from_facts(facts, movements=True).movements
    assert table.column_names == list(MOVEMENT_COLUMNS)
    rows = list(
        zip(
            table.column("document").to_pylist(),
            [_KIND_NAMES[k] for k in table.column("kind").to_pylist()],
            table.column("currency").to_pylist(),
            table.column("amount").to_pylist(),
            strict=True,
        )
    )
    assert rows == [
        ("INV-1", "invoice", "EUR", 10000),
        ("CM-1", "credit_memo", "EUR", -1000),
        ("INV-1", "payment", "EUR", -5500),
        ("INV-1#1", "adjustment", "EUR", -150),  # the discount and write-off parts
        ("INV-1#1", "reversal", "EUR", 150),
        ("PAY-2", "payment", "USD", -1000),
        ("INV-1#2", "adjustment", "EUR", -900),
        ("PAY-2", "adjustment", "USD", 1000),
        ("CM-1", "refund", "EUR", 400),
        ("INV-1#1", "write_off", "EUR", -200),
        ("CM-1", "write_off", "EUR", 100),
        ("PAY-1", "reassigned", "EUR", 500),
    ]
    recorded = table.column("recorded").to_pylist()
    assert recorded[3] == recorded[4] - dt.timedelta(hours=1)  # each row: its fact's recording
    assert set(MOVEMENT_CODES) == {k.value for k in ActivityKind}
    assert _table_rows(table, None, None) == _domain_rows(facts, None, None)


def test_movement_batches_stream_in_bounded_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    import o2c.portfolio.model as model

    monkeypatch.setattr(model, "BATCH_ROWS", 5)
    facts = [f for n in range(4) for f in _renamed(_every_kind(), f"X{n}")]
    batches = list(batches_from_facts(facts, movements=True))
    assert len(batches) > 2
    assert all(len(b) == 3 for b in batches)
    whole = pa.Table.from_batches([b[2] for b in batches], schema=movements_schema())
    assert whole.num_rows == 4 * 12
    assert [len(b) for b in batches_from_facts(facts)] == [2] * len(batches)


def _renamed(facts: list[Fact], customer: str) -> list[Fact]:
    import attrs

    return [attrs.evolve(f, customer_id=customer) for f in facts]
