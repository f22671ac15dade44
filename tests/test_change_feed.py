"""The change feed's pure parts: cursors, the polling helper and batching (in memory).

The feed's contract on every store (order, no gap, no duplicate, resume, concurrent writers)
is in tests/test_storage_contract.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from o2c.errors import ValidationError
from o2c.ledger.store import ChangeBatch, Cursor, InMemoryLedgerStore, follow
from tests.test_ledger import payment


def _fill(store: InMemoryLedgerStore, sizes: list[int]) -> list[str]:
    ids: list[str] = []
    for b, size in enumerate(sizes):
        facts = [
            payment(f"f{b}-{n}", f"P{b}-{n}", "1.00", customer=f"C{b % 3}") for n in range(size)
        ]
        store.append(facts, expected_versions={f"C{b % 3}": store.version(f"C{b % 3}")})
        ids += [f.fact_id for f in facts]
    return ids


@given(sizes=st.lists(st.integers(1, 6), max_size=8), limit=st.integers(1, 10))
def test_batches_of_any_size_add_up_to_the_whole_feed(sizes: list[int], limit: int) -> None:
    store = InMemoryLedgerStore()
    ids = _fill(store, sizes)
    seen: list[str] = []
    cursor = Cursor()
    while batch := store.changes(cursor, limit=limit).facts:
        assert len(batch) <= limit
        seen += [f.fact_id for f in batch]
        cursor = store.changes(cursor, limit=limit).cursor
    assert seen == ids
    assert cursor == Cursor(len(ids))


@given(st.integers(0, 2**63))
def test_a_cursor_survives_its_token(position: int) -> None:
    cursor = Cursor(position)
    assert Cursor.parse(cursor.token) == cursor
    assert Cursor.parse(f"  {cursor.token}\n") == cursor


@pytest.mark.parametrize("token", ["", "42", "o2c-feed:", "o2c-feed:-1", "o2c-feed:4x", "x:1"])
def test_a_token_that_is_not_a_cursor_is_refused_by_name(token: str) -> None:
    with pytest.raises(ValidationError, match="not a change-feed cursor") as caught:
        Cursor.parse(token)
    assert caught.value.field == "cursor"


@pytest.mark.parametrize("position", [-1, True, 1.0, "3"])
def test_a_position_must_be_a_whole_number(position: object) -> None:
    with pytest.raises(ValidationError, match="whole number"):
        Cursor(position)  # type: ignore[arg-type]


def test_follow_waits_only_when_caught_up_and_stops_when_told() -> None:
    store = InMemoryLedgerStore()
    _fill(store, [3, 2])
    waits: list[int] = []
    asked = 0

    def wait() -> None:
        waits.append(asked)
        if len(waits) == 1:  # something arrives while the follower waits
            _fill_more(store)

    def stop() -> bool:
        nonlocal asked
        asked += 1
        return len(waits) >= 2

    batches = list(follow(store, wait=wait, stop=stop, limit=2))
    assert [[f.fact_id for f in b.facts] for b in batches] == [
        ["f0-0", "f0-1"],
        ["f0-2", "f1-0"],
        ["f1-1"],
        ["late"],
    ]
    # It waited after the short read of 1 (caught up) and after the short read of 'late'.
    assert waits == [3, 4]
    assert batches[-1].cursor == Cursor(6)
    # Resuming from a saved cursor gives nothing twice.
    assert list(follow(store, batches[1].cursor, wait=lambda: None, stop=_once(), limit=9)) == [
        ChangeBatch(tuple(store.get(["f1-1", "late"]).values()), Cursor(6))
    ]


def _fill_more(store: InMemoryLedgerStore) -> None:
    store.append([payment("late", "L", "1.00", customer="C9")], expected_versions={"C9": 0})


def _once() -> object:
    calls = iter([False, True])
    return lambda: next(calls)


def test_follow_refuses_a_limit_below_one() -> None:
    with pytest.raises(ValidationError, match="limit"):
        next(follow(InMemoryLedgerStore(), wait=lambda: None, limit=0))
