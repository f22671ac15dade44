"""The cohort, behaviour and candidate kernels on Dask (a LocalCluster on 127.0.0.1, two workers)
answer what the embedded engine answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters.duckdb import DuckDBEngine
from o2c.ledger import Fact
from tests.dask_cluster import local_dask_engine
from tests.test_portfolio import START
from tests.test_portfolio_kernels import books, days, knowledge

pa = pytest.importorskip("pyarrow")
distributed = pytest.importorskip("distributed")

from o2c.portfolio import from_facts  # noqa: E402
from o2c.portfolio.candidates import candidates_table  # noqa: E402
from o2c.portfolio.cohorts import cohort_table  # noqa: E402
from o2c.portfolio.features import behaviour_table  # noqa: E402

EMBEDDED = DuckDBEngine(threads=1)


@pytest.fixture(scope="module")
def dask_engine() -> Iterator[Any]:
    """One LocalCluster for this module (see :mod:`tests.dask_cluster`)."""
    with local_dask_engine() as engine:
        yield engine


# The cluster's threads (heartbeats) use the random module while Hypothesis draws the data in
# this process: Hypothesis notices and warns; the draws themselves do not use it.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@settings(max_examples=15, deadline=None)
@given(books(), days, knowledge, st.sampled_from(["EUR", "JPY", "USD"]), st.booleans())
def test_property_dask_answers_the_cohorts_and_features_the_embedded_engine_answers(
    dask_engine: Any,
    facts: list[Fact],
    as_of: dt.date,
    known_at: dt.datetime | None,
    code: str,
    by_customer: bool,
) -> None:
    model = from_facts(facts)
    options: dict[str, Any] = {
        "currency_code": code,
        "issued_from": START,
        "issued_to": START + dt.timedelta(days=90),
        "known_at": known_at,
        "open_as_loss_after_days": 20,
        "by_customer": by_customer,
    }
    cohorts = cohort_table(model, as_of, dask_engine, **options)
    assert cohorts.equals(cohort_table(model, as_of, EMBEDDED, **options))
    features = behaviour_table(model, as_of, dask_engine, known_at=known_at, trend_window=2)
    assert features.equals(
        behaviour_table(model, as_of, EMBEDDED, known_at=known_at, trend_window=2)
    )


@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@settings(max_examples=15, deadline=None)
@given(books(), days, knowledge, st.data())
def test_property_dask_answers_the_candidates_the_embedded_engine_answers(
    dask_engine: Any,
    facts: list[Fact],
    as_of: dt.date,
    known_at: dt.datetime | None,
    data: st.DataObject,
) -> None:
    model = from_facts(facts)
    ids = model.items.column("item_id").to_pylist()
    customers = model.items.column("customer").to_pylist()
    n = data.draw(st.integers(0, 12))
    picks = [data.draw(st.integers(0, len(ids) - 1)) if ids else None for _ in range(n)]
    payments = pa.table(
        {
            "payment": [f"Q{k // 2}" for k in range(n)],  # two rows a payment: two references
            "currency": [data.draw(st.sampled_from(["EUR", "JPY", "USD"])) for _ in range(n)],
            "amount": pa.array([data.draw(st.integers(1, 200_000)) for _ in range(n)], pa.int64()),
            "reference": [
                data.draw(st.sampled_from([ids[p], ids[p].lower(), ids[p][-4:], None]))
                if p is not None
                else None
                for p in picks
            ],
            "customer": [customers[p] if p is not None else None for p in picks],
        }
    )
    got = candidates_table(model, payments, as_of, dask_engine, known_at=known_at)
    assert got.equals(candidates_table(model, payments, as_of, EMBEDDED, known_at=known_at))


def test_a_reference_tier_is_chosen_across_partitions(dask_engine: Any) -> None:
    """A number that is one customer's document key and another's digits: the full key wins,
    wherever the two customers' items went."""
    items = pa.table(
        {
            "customer": ["A", "B", "C"],
            "item_id": ["2026100", "INV-2026100", "X-1"],
            "document": [dt.date(2026, 3, 1)] * 3,
            "due": [dt.date(2026, 3, 31)] * 3,
            "amount": pa.array([500, 700, 900], pa.int64()),
        }
    )
    settlements = pa.table(
        {
            "item": pa.array([], pa.int64()),
            "on": pa.array([], pa.date32()),
            "amount": pa.array([], pa.int64()),
        }
    )
    from o2c.portfolio import from_tables

    model = from_tables(items, settlements, currency_code="EUR")
    payments = pa.table(
        {
            "payment": ["P1", "P2"],
            "currency": ["EUR", "EUR"],
            "amount": pa.array([1, 900], pa.int64()),
            "reference": ["002026100", "inv 2026100"],
        }
    )
    day = dt.date(2026, 3, 31)
    for engine in (dask_engine, EMBEDDED):
        got = candidates_table(model, payments, day, engine).to_pylist()
        assert [(r["payment"], r["item_id"], r["reason"]) for r in got] == [
            ("P1", "2026100", "reference"),
            ("P2", "INV-2026100", "reference"),
            ("P2", "X-1", "amount"),
        ]
