"""Stored facts read back: the compiled stored-row decoder builds what the constructor builds."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings

from o2c.errors import InvalidFactError
from o2c.ledger import Ledger
from o2c.ledger.facts import (
    _STORED_MONEY,
    _STORED_MONEY_SIZE,
    FACT_TYPES,
    Fact,
    PaymentReceived,
    Refunded,
    _compiled,
    fact_from_dict,
    fact_from_json,
    fact_to_dict,
    fact_to_json,
    facts_from_json,
)
from o2c.money import money
from tests.test_portfolio import portfolios

AT = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def _refund(n: int, amount: str = "5.00", code: str = "EUR") -> Refunded:
    return Refunded(
        fact_id=f"r{n}",
        customer_id="C1",
        effective=AT.date(),
        recorded_at=AT,
        source_id="P1",
        amount=money(amount, code),
    )


@settings(max_examples=150)
@given(portfolios())
def test_property_the_stored_decoder_builds_what_the_constructor_builds(
    facts: list[Fact],
) -> None:
    texts = [fact_to_json(f) for f in facts]
    assert facts_from_json(texts, validate=False) == facts
    assert facts_from_json(texts) == facts
    for fact, text in zip(facts, texts, strict=True):
        stored = fact_from_json(text, validate=False)
        assert stored == fact
        assert type(stored) is type(fact)
        assert fact_to_json(stored) == text  # every field, its type and its exponent kept
        assert fact_from_dict(json.loads(text)) == fact


def test_every_fact_class_has_a_compiled_decoder_that_fills_every_slot() -> None:
    for cls in FACT_TYPES.values():
        decoder = _compiled(cls)
        assert decoder is _compiled(cls)  # compiled once
    fact = _refund(1)
    stored = fact_from_dict(fact_to_dict(fact), validate=False)
    assert [getattr(stored, f.name) for f in attrs.fields(Refunded)] == [
        getattr(fact, f.name) for f in attrs.fields(Refunded)
    ]
    assert hash(stored) == hash(fact)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        stored.reason = "changed"  # type: ignore[misc]


def test_stored_amounts_keep_their_text_exactly_and_the_memory_is_bounded() -> None:
    one = fact_from_json(fact_to_json(_refund(1, "1.00")), validate=False)
    jpy = fact_from_json(fact_to_json(_refund(2, "100", "JPY")), validate=False)
    assert (str(one.amount.amount), one.amount.currency.code) == ("1.00", "EUR")
    assert (str(jpy.amount.amount), jpy.amount.currency.code) == ("100", "JPY")
    data = fact_to_dict(_refund(3))
    data["amount"] = ["1.0", "EUR"]  # another text of the same value stays another amount
    assert str(fact_from_dict(data, validate=False).amount.amount) == "1.0"
    rows = [fact_to_json(_refund(n, f"{n}.00")) for n in range(1, _STORED_MONEY_SIZE + 50)]
    decoded = facts_from_json(rows, validate=False)
    assert [f.amount.amount for f in decoded] == [
        Decimal(f"{n}.00") for n in range(1, _STORED_MONEY_SIZE + 50)
    ]
    assert len(_STORED_MONEY["EUR"]) <= _STORED_MONEY_SIZE


@pytest.mark.parametrize("validate", [True, False])
def test_a_bad_row_in_a_batch_is_named_as_it_would_be_alone(validate: bool) -> None:
    good = fact_to_json(_refund(1))
    with pytest.raises(InvalidFactError, match="not JSON"):
        facts_from_json([good, "{"], validate=validate)
    with pytest.raises(InvalidFactError, match="unknown fact kind 'nope'"):
        facts_from_json([good, '{"kind":"nope"}'], validate=validate)
    with pytest.raises(InvalidFactError, match="JSON object"):
        facts_from_json([good, "[1]"], validate=validate)
    # two objects in one row and none in another never pass for two rows
    with pytest.raises(InvalidFactError, match="not JSON"):
        facts_from_json([f"{good},{good}", ""], validate=validate)
    missing = fact_to_dict(_refund(2))
    del missing["amount"]
    with pytest.raises(InvalidFactError, match="amount"):
        facts_from_json([good, json.dumps(missing)], validate=validate)
    wrong = fact_to_dict(_refund(3))
    wrong["amount"] = ["5.00", "QQQ"]
    with pytest.raises(InvalidFactError, match="Refunded cannot be rebuilt"):
        facts_from_json([good, json.dumps(wrong)], validate=validate)
    assert facts_from_json([], validate=validate) == []


def test_the_checked_decoder_still_refuses_what_the_constructor_refuses() -> None:
    data = fact_to_dict(_refund(1))
    data["amount"] = ["-5.00", "EUR"]
    with pytest.raises(InvalidFactError, match="must be positive"):
        fact_from_dict(data)
    assert fact_from_dict(data, validate=False).amount == money("-5.00", "EUR")  # trusted rows


def test_sqlite_streams_decode_batch_by_batch_in_stream_order(tmp_path: Path) -> None:
    from o2c.adapters.sqlite import FETCH_ROWS, SQLiteLedgerStore

    facts = [
        PaymentReceived(
            fact_id=f"p{n}",
            customer_id=f"C{n % 3}",
            effective=AT.date(),
            recorded_at=AT + dt.timedelta(seconds=n),
            payment_id=f"P{n}",
            amount=money(f"{1 + n % 7}.{n % 100:02d}", "EUR"),
            value_date=AT.date(),
        )
        for n in range(FETCH_ROWS * 2 + 7)
    ]
    with SQLiteLedgerStore(tmp_path / "ledger.db") as store:
        Ledger(store).append(facts)
        assert list(store.iter_all()) == facts
        by_customer = list(store.iter_by_customer())
        assert by_customer == sorted(facts, key=lambda f: f.customer_id)
        assert store.read_customer("C1") == [f for f in facts if f.customer_id == "C1"]
        ids = [f"p{n}" for n in range(0, len(facts), 5)]
        assert store.get(ids) == {f.fact_id: f for f in facts if f.fact_id in ids}
        assert store.changes(limit=FETCH_ROWS + 3).facts == tuple(facts[: FETCH_ROWS + 3])
