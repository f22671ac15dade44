"""Portfolio benchmark: as-of aging of 1M and 10M items (3 settlements each) on every path.

Per size, on the same generated data, each in a forked child (peak memory = the child's RSS
high-water mark above its start):

- **o2c engine**: :func:`o2c.portfolio.aging_table` over the columnar read model on the embedded
  DuckDB engine (the kernel compiled from the bucket scheme);
- **DuckDB SQL**: a hand-written query over the same Arrow tables;
- **pandas**: groupby / ``pd.cut`` / groupby over numpy columns;
- **pure Python**: :func:`o2c.receivables.aging.age_columns` over lists (1M only: its lists
  alone take gigabytes at 10M);
- **Dask**: the o2c kernel on a ``LocalCluster`` (two in-process workers on 127.0.0.1), data
  partitioned by customer and scattered to the workers.

Then the o2c KPI figures (:func:`o2c.portfolio.kpi_table`) of the twelve months to the aging
date, per customer, on the embedded engine (every settlement an allocation).

All answers are checked to agree to the minor unit.  Then ledger store -> columnar read model:
``--store-facts`` facts (invoice, payment, allocation cycles) streamed out of an in-memory
store through the history's projection into Arrow.

Run: ``.venv/bin/python benchmarks/portfolio.py [--sizes 1000000,10000000] [--huge]``.
The last line: ``portfolio: items N, o2c/duckdb-sql X.XX, o2c/pandas Y.YY, dask equal yes|no``
(for the first size).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from o2c.ledger import CustomerId  # noqa: E402
from o2c.receivables.aging import (  # noqa: E402
    ApplicationColumns,
    BucketScheme,
    ItemColumns,
    age_columns,
)

AS_OF = dt.date(2026, 3, 31)
EDGES = (30, 60, 90, 120)
WIDTH = len(EDGES) + 3
EPOCH = dt.date(1970, 1, 1).toordinal()


def generate(n_items: int, seed: int = 20260331) -> dict[str, Any]:
    """Items (customer, document, due, signed cents) and 3 settlements per item (a quarter each,
    so none is over-applied), dated 0-150 days after the document; 100 items per customer."""
    rng = np.random.default_rng(seed)
    n_apps = 3 * n_items
    n_customers = max(1, n_items // 100)
    start = dt.date(2025, 1, 1).toordinal()
    document = start + rng.integers(0, 546, n_items)
    due = document + rng.choice(np.array([0, 14, 30, 45, 60, 90]), n_items)
    amount = rng.integers(100, 10_000_000, n_items)
    amount = np.where(rng.random(n_items) < 0.1, -amount, amount)
    customer = rng.integers(0, n_customers, n_items)
    app_item = np.arange(n_apps) % n_items
    app_on = document[app_item] + rng.integers(0, 150, n_apps)
    app_amount = np.abs(amount[app_item]) // 4
    return {
        "customer": customer.astype(np.int64),
        "document": document.astype(np.int64),
        "due": due.astype(np.int64),
        "amount": amount.astype(np.int64),
        "app_item": app_item.astype(np.int64),
        "app_on": app_on.astype(np.int64),
        "app_amount": app_amount.astype(np.int64),
        "n_customers": n_customers,
    }


def model_of(data: dict[str, Any]) -> Any:
    """The o2c read model of the data (customers ``C000001`` ...; dates as dates)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from o2c.portfolio import from_tables

    names = pa.array([f"C{i:07d}" for i in range(data["n_customers"])], pa.string())
    items = pa.table(
        {
            "customer": pc.take(names, pa.array(data["customer"])),
            "document": pa.array(data["document"] - EPOCH, pa.int32()).cast(pa.date32()),
            "due": pa.array(data["due"] - EPOCH, pa.int32()).cast(pa.date32()),
            "amount": pa.array(data["amount"]),
        }
    )
    settlements = pa.table(
        {
            "item": pa.array(data["app_item"]),
            "on": pa.array(data["app_on"] - EPOCH, pa.int32()).cast(pa.date32()),
            "amount": pa.array(data["app_amount"]),
            "cause": pa.array(np.zeros(len(data["app_item"]), np.int8)),  # allocations
        }
    )
    return from_tables(items, settlements, currency_code="EUR")


# --------------------------------------------------------------------------------------------
# The implementations; each result becomes {customer index: [minor units per column]}


def run_o2c(model: Any) -> Any:
    from o2c.adapters.duckdb import DuckDBEngine
    from o2c.portfolio import aging_table

    return aging_table(model, AS_OF, DuckDBEngine(threads=2), scheme=BucketScheme.standard(EDGES))


def o2c_result(table: Any) -> dict[int, list[int]]:
    d = table.to_pydict()
    names = [f"c{i}" for i in range(WIDTH)]
    return {int(c[1:]): [d[n][k] for n in names] for k, c in enumerate(d["customer"])}


def run_kpis(model: Any) -> Any:
    """The KPI figures of the twelve months to AS_OF, per customer, on the o2c engine."""
    from o2c.adapters.duckdb import DuckDBEngine
    from o2c.portfolio import kpi_table
    from o2c.portfolio.kpi import month_ends

    bounds = [dt.date(2025, 3, 31), *month_ends(dt.date(2025, 4, 1), AS_OF)]
    return kpi_table(model, bounds, DuckDBEngine(threads=2), countback=3)


def kpi_result(table: Any) -> tuple[int, int]:
    return table.num_rows, sum(table.column("paid_items").to_pylist())


def run_sql(model: Any) -> Any:
    """The hand-written query over the same Arrow tables."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("items", model.items)
    con.register("apps", model.settlements)
    e1, e2, e3, e4 = EDGES
    day = f"DATE '{AS_OF.isoformat()}'"
    rows = con.sql(
        f"""
        WITH applied AS (
            SELECT item, SUM(amount) AS done FROM apps WHERE "on" <= {day} GROUP BY item
        ), open_items AS (
            SELECT i.customer, {day} - i.due AS age, i.amount,
                   CASE WHEN i.amount >= 0 THEN i.amount - COALESCE(a.done, 0)
                        ELSE i.amount + COALESCE(a.done, 0) END AS open_amount
            FROM items i LEFT JOIN applied a ON a.item = i.item
            WHERE i.document <= {day}
        )
        SELECT customer,
               CASE WHEN amount < 0 THEN 6 WHEN age < 1 THEN 0 WHEN age <= {e1} THEN 1
                    WHEN age <= {e2} THEN 2 WHEN age <= {e3} THEN 3 WHEN age <= {e4} THEN 4
                    ELSE 5 END AS col,
               SUM(open_amount)::BIGINT AS total
        FROM open_items WHERE open_amount <> 0 GROUP BY ALL
        """
    ).fetchall()
    con.close()
    return rows


def sql_result(rows: list[tuple[str, int, int]]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for customer, col, total in rows:
        out.setdefault(int(customer[1:]), [0] * WIDTH)[int(col)] = int(total)
    return out


def run_pandas(data: dict[str, Any]) -> Any:
    import pandas as pd

    as_of = AS_OF.toordinal()
    apps = pd.DataFrame({"item": data["app_item"], "on": data["app_on"], "a": data["app_amount"]})
    n = len(data["amount"])
    applied = (
        apps.loc[apps["on"] <= as_of]
        .groupby("item")["a"]
        .sum()
        .reindex(pd.RangeIndex(n), fill_value=0)
        .to_numpy()
    )
    amount = data["amount"]
    open_ = np.where(amount >= 0, amount - applied, amount + applied)
    keep = (data["document"] <= as_of) & (open_ != 0)
    age = as_of - data["due"][keep]
    codes = pd.cut(age, bins=[-np.inf, 0, *EDGES, np.inf], labels=False, right=True)
    column = np.where(amount[keep] < 0, WIDTH - 1, codes)
    frame = pd.DataFrame({"c": data["customer"][keep], "col": column, "open": open_[keep]})
    table = frame.groupby(["c", "col"])["open"].sum().unstack(fill_value=0)
    return table.reindex(columns=range(WIDTH), fill_value=0)


def pandas_result(table: Any) -> dict[int, list[int]]:
    return {
        int(c): [int(v) for v in row] for c, row in zip(table.index, table.to_numpy(), strict=True)
    }


def run_python(data: dict[str, Any]) -> Any:
    lists = {
        k: data[k].tolist()
        for k in ("customer", "document", "due", "amount", "app_item", "app_on", "app_amount")
    }
    customers = tuple(CustomerId(f"C{i:07d}") for i in range(data["n_customers"]))
    return age_columns(
        ItemColumns(
            currency="EUR",
            customers=customers,
            customer=lists["customer"],
            document=lists["document"],
            due=lists["due"],
            amount=lists["amount"],
        ),
        ApplicationColumns(item=lists["app_item"], on=lists["app_on"], amount=lists["app_amount"]),
        AS_OF,
        scheme=BucketScheme.standard(EDGES),
    )


def python_result(report: Any) -> dict[int, list[int]]:
    from o2c.money import to_minor

    return {int(str(r.customer_id)[1:]): [to_minor(c) for c in r.columns] for r in report.rows}


def run_dask(model: Any) -> Any:
    import warnings

    import distributed

    from o2c.adapters.dask import DaskEngine
    from o2c.portfolio import aging_table

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2,
            processes=False,
            threads_per_worker=1,
            host="127.0.0.1",
            protocol="tcp",
            dashboard_address=None,
        )
        client = distributed.Client(cluster)
    try:
        return aging_table(
            model,
            AS_OF,
            DaskEngine(client=client, partitions=4),
            scheme=BucketScheme.standard(EDGES),
        )
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client.close()
            cluster.close()


# --------------------------------------------------------------------------------------------
# Measurement


def _kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def measure(fn: Callable[[], Any], finish: Callable[[Any], Any]) -> tuple[float, float, Any]:
    """Seconds, peak MiB above the forked child's start, and ``finish(fn())`` (not timed)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
                f.write("5")
            start = _kib("VmRSS")
            t0 = time.perf_counter()
            raw = fn()
            seconds = time.perf_counter() - t0
            peak = (_kib("VmHWM") - start) / 1024
            payload = pickle.dumps((seconds, peak, finish(raw)))
        except BaseException as exc:
            payload = pickle.dumps(exc)
        with os.fdopen(write_end, "wb") as w:
            w.write(payload)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as r:
        payload = r.read()
    os.waitpid(pid, 0)
    answer = pickle.loads(payload)
    if isinstance(answer, BaseException):
        raise answer
    return answer  # type: ignore[no-any-return]


def bench_size(n: int, *, python: bool) -> dict[str, tuple[float, float]]:
    t0 = time.perf_counter()
    data = generate(n)
    model = model_of(data)
    print(
        f"\n{n:,} items, {3 * n:,} settlements, {data['n_customers']:,} customers "
        f"(generated and built in {time.perf_counter() - t0:.1f} s)"
    )
    impls: list[tuple[str, Callable[[], Any], Callable[[Any], Any]]] = [
        ("o2c engine", lambda: run_o2c(model), o2c_result),
        ("DuckDB SQL", lambda: run_sql(model), sql_result),
        ("pandas", lambda: run_pandas(data), pandas_result),
    ]
    if python:
        impls.append(("pure Python", lambda: run_python(data), python_result))
    impls.append(("Dask (2 workers)", lambda: run_dask(model), o2c_result))
    figures: dict[str, tuple[float, float]] = {}
    results: dict[str, Any] = {}
    for name, fn, finish in impls:
        seconds, peak, result = measure(fn, finish)
        figures[name] = (seconds, peak)
        results[name] = result
        print(f"  {name:18} {seconds:8.2f} s  peak {peak:8.0f} MiB", flush=True)
    seconds, peak, (rows, paid) = measure(lambda: run_kpis(model), kpi_result)
    print(
        f"  {'o2c KPIs':18} {seconds:8.2f} s  peak {peak:8.0f} MiB  (12 monthly periods, per "
        f"customer: {rows:,} rows, {paid:,} paid items)",
        flush=True,
    )
    reference = results["o2c engine"]
    for name, result in results.items():
        figures[name + " equal"] = (float(result == reference), 0.0)
        if result != reference:
            print(f"  {name} DISAGREES with the o2c engine")
    return figures


def bench_store(n_facts: int) -> None:
    """Store -> columnar read model: facts streamed by customer through the projection."""
    from ledger import batches  # benchmarks/ledger.py's workload
    from o2c.ledger import InMemoryLedgerStore
    from o2c.portfolio import from_facts

    store = InMemoryLedgerStore()
    t0 = time.perf_counter()
    versions: dict[str, int] = {}
    for batch in batches(n_facts, 10_000, max(1, n_facts // 100)):
        expected = {}
        for f in batch:
            expected.setdefault(f.customer_id, versions.get(f.customer_id, 0))
            versions[f.customer_id] = versions.get(f.customer_id, 0) + 1
        store.append(batch, expected_versions=expected)
    made = time.perf_counter() - t0

    def build() -> Any:
        return from_facts(store.iter_by_customer())

    seconds, peak, shape = measure(build, lambda m: (m.items.num_rows, m.settlements.num_rows))
    print(
        f"\nstore -> columnar read model: {n_facts:,} facts (in-memory store, made in {made:.1f} s)"
        f" -> {shape[0]:,} items, {shape[1]:,} settlements in {seconds:.2f} s, "
        f"peak {peak:.0f} MiB ({seconds / n_facts * 1e6:.2f} us/fact)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--huge", action="store_true", help="add 100,000,000 items")
    parser.add_argument("--store-facts", type=int, default=1_000_000)
    args = parser.parse_args()
    import duckdb
    import pandas as pd
    import pyarrow as pa

    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.huge:
        sizes.append(100_000_000)
    print(
        f"portfolio aging as of {AS_OF}; python {sys.version.split()[0]}, duckdb "
        f"{duckdb.__version__}, pyarrow {pa.__version__}, pandas {pd.__version__}, "
        f"{os.cpu_count()} CPUs; peak = RSS high-water mark above the forked child's start"
    )
    runs = {n: bench_size(n, python=n <= 1_000_000) for n in sizes}
    if len(sizes) > 1:
        a, b = sizes[0], sizes[-1]
        for name in ("o2c engine", "DuckDB SQL", "pandas", "Dask (2 workers)"):
            ta, ma = runs[a][name]
            tb, mb = runs[b][name]
            print(
                f"growth {a:,} -> {b:,} ({b / a:.0f}x items): {name:18} time {tb / ta:5.1f}x, "
                f"peak memory {mb / ma if ma else float('nan'):5.1f}x"
            )
    if args.store_facts:
        bench_store(args.store_facts)
    first = runs[sizes[0]]
    o2c = first["o2c engine"][0]
    equal = all(first[k][0] == 1.0 for k in first if k.endswith(" equal"))
    dask_equal = first["Dask (2 workers) equal"][0] == 1.0 and equal
    print(
        f"portfolio: items {sizes[0]}, o2c/duckdb-sql {o2c / first['DuckDB SQL'][0]:.2f}, "
        f"o2c/pandas {o2c / first['pandas'][0]:.2f}, dask equal {'yes' if dask_equal else 'no'}"
    )


if __name__ == "__main__":
    main()
