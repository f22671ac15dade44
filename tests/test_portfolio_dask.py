"""The Dask engine (a LocalCluster on 127.0.0.1, two workers) answers what the embedded one does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters.duckdb import DuckDBEngine
from o2c.ledger import Fact
from o2c.portfolio import aging_table, from_facts, from_tables, open_items_table
from o2c.portfolio.engine import Kernel
from o2c.portfolio.kpi import kpi_table
from o2c.portfolio.provision import snapshots_kernel
from o2c.receivables.aging import AgingBasis, BucketScheme, CreditPlacement, DueToday
from tests.dask_cluster import local_dask_engine
from tests.test_portfolio import as_of_dates, knowledge, portfolios
from tests.test_portfolio_kpi import bounds_lists, paying_portfolios

pa = pytest.importorskip("pyarrow")
distributed = pytest.importorskip("distributed")

EMBEDDED = DuckDBEngine(threads=1)


@pytest.fixture(scope="module")
def dask_engine() -> Iterator[Any]:
    """One LocalCluster for this module (see :mod:`tests.dask_cluster`)."""
    with local_dask_engine() as engine:
        yield engine


# The cluster's threads (heartbeats) use the random module while Hypothesis draws the data in
# this process: Hypothesis notices and warns; the draws themselves do not use it.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@settings(max_examples=25)
@given(portfolios(), as_of_dates, knowledge, st.sampled_from(CreditPlacement))
def test_property_dask_answers_what_the_embedded_engine_answers(
    dask_engine: Any,
    facts: list[Fact],
    as_of: dt.date,
    known_at: dt.datetime | None,
    credits: CreditPlacement,
) -> None:
    model = from_facts(facts)
    scheme = BucketScheme.standard((10, 20), due_today=DueToday.OVERDUE)
    options: dict[str, Any] = {"known_at": known_at, "scheme": scheme, "credits": credits}
    assert aging_table(model, as_of, dask_engine, **options).equals(
        aging_table(model, as_of, EMBEDDED, **options)
    )
    assert open_items_table(model, as_of, dask_engine, known_at=known_at).equals(
        open_items_table(model, as_of, EMBEDDED, known_at=known_at)
    )


@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@settings(max_examples=15, deadline=None)
@given(paying_portfolios(), bounds_lists, knowledge, st.integers(0, 2))
def test_property_dask_answers_the_kpis_the_embedded_engine_answers(
    dask_engine: Any,
    facts: list[Fact],
    bounds: list[dt.date],
    known_at: dt.datetime | None,
    countback: int,
) -> None:
    model = from_facts(facts)
    for by_customer in (True, False):
        options: dict[str, Any] = {
            "known_at": known_at,
            "countback": countback,
            "by_customer": by_customer,
        }
        assert kpi_table(model, bounds, dask_engine, **options).equals(
            kpi_table(model, bounds, EMBEDDED, **options)
        )


@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@settings(max_examples=15, deadline=None)
@given(portfolios(), st.lists(as_of_dates, min_size=1, max_size=4, unique=True), knowledge)
def test_property_dask_answers_the_provision_snapshots_the_embedded_engine_answers(
    dask_engine: Any, facts: list[Fact], ends: list[dt.date], known_at: dt.datetime | None
) -> None:
    model = from_facts(facts)
    for code in ("EUR", "JPY"):
        kernel = snapshots_kernel(sorted(ends), currency_code=code, known_at=known_at)
        assert dask_engine.run(kernel, model.tables()).equals(EMBEDDED.run(kernel, model.tables()))


def test_a_partition_holds_whole_customers_and_their_settlements() -> None:
    from o2c.adapters.dask import partition_by_customer

    items = pa.table(
        {
            "customer": ["A", "B", "A", "C", "B"],
            "document": [738000] * 5,
            "due": [738000] * 5,
            "amount": pa.array([1, 2, 3, 4, 5], pa.int64()),
        }
    )
    settlements = pa.table(
        {"item": pa.array([4, 0, 2], pa.int64()), "on": [738001] * 3, "amount": [1, 1, 1]}
    )
    model = from_tables(items, settlements, currency_code="EUR")
    pieces = partition_by_customer(model.tables(), 2)
    customers = [set(p["items"].column("customer").to_pylist()) for p in pieces]
    assert customers == [{"A", "C"}, {"B"}]
    assert [p["settlements"].column("item").to_pylist() for p in pieces] == [[0, 2], [4]]


def test_a_combine_query_runs_once_over_the_partitions_answers(dask_engine: Any) -> None:
    items, settlements = _big_layout()
    model = from_tables(items, settlements, currency_code="EUR")
    kernel = Kernel(
        name="totals",
        sql="SELECT customer, CAST(SUM(amount) AS BIGINT) AS total FROM items GROUP BY customer",
        order=("customer",),
        combine="SELECT CAST(SUM(total) AS BIGINT) AS total, COUNT(*) AS customers FROM partial",
    )
    assert dask_engine.run(kernel, model.tables()).to_pylist() == [
        {"total": sum(range(1000)), "customers": 37}
    ]
    assert EMBEDDED.run(kernel, model.tables()).to_pylist() == [
        {"total": sum(range(1000)), "customers": 37}
    ]
    report_options = {"basis": AgingBasis.DOCUMENT_DATE}
    as_of = dt.date(2026, 3, 31)
    assert aging_table(model, as_of, dask_engine, **report_options).equals(
        aging_table(model, as_of, EMBEDDED, **report_options)
    )


def _big_layout() -> tuple[Any, Any]:
    n = 1000
    items = pa.table(
        {
            "customer": [f"C{i % 37:02d}" for i in range(n)],
            "document": [dt.date(2026, 1, 1).toordinal() + i % 90 for i in range(n)],
            "due": [dt.date(2026, 1, 1).toordinal() + i % 150 for i in range(n)],
            "amount": pa.array(range(n), pa.int64()),
        }
    )
    settlements = pa.table(
        {
            "item": pa.array(range(0, n, 3), pa.int64()),
            "on": [dt.date(2026, 2, 1).toordinal()] * len(range(0, n, 3)),
            "amount": pa.array([k // 2 for k in range(0, n, 3)], pa.int64()),
        }
    )
    return items, settlements
