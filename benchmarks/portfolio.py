"""Portfolio benchmark: as-of aging of 1M and 10M items (3 settlements each) on every path.

Every path ages the **same in-memory data**, the columnar read model (items: customer and
currency as strings, dates, int64 minor units; settlements: item, date, int64 minor units), as
of one date with the buckets not due / 1-30 / 31-60 / 61-90 / 91-120 / 121+ / credits, and
answers, per customer and currency, the open amount of each column and the number of open items.
What each path includes in its time (all start from data already in memory):

- **o2c engine**: :func:`o2c.portfolio.aging_table` on the embedded engine
  (:class:`o2c.adapters.duckdb.DuckDBEngine`, DuckDB's default threads): the kernel compiled from
  the bucket scheme, the Arrow tables registered zero-copy, the answer checked to hold no float
  and no over-applied item, as an Arrow table;
- **DuckDB SQL**: the query an expert writes by hand over the same Arrow tables (registered
  zero-copy on a fresh default connection; settlements summed per item, one join, one group by),
  fetched as an Arrow table;
- **pandas**: the same steps written in pandas (groupby per item, reindex by position, ``pd.cut``,
  groupby per customer, currency and column) over DataFrames of the same tables; converting the
  Arrow tables to DataFrames (strings as pandas' ``str``, dates as ``datetime64[s]``) is done
  before the clock starts, like DuckDB's registration, and its time is printed apart;
- **pure Python**: :func:`o2c.receivables.aging.age_columns` over Python lists made before the
  clock starts (1M only: its lists take gigabytes at 10M);
- **Dask**: the o2c kernel on a ``LocalCluster`` (two in-process workers on 127.0.0.1, one DuckDB
  thread each), the tables partitioned by customer and scattered to the workers; includes
  starting and stopping the cluster;
- **o2c report** (once): :func:`o2c.portfolio.age_portfolio`, the same aging as the domain's
  ``AgingReport`` (one ``AgingRow`` of ``Money`` per customer: the Python-side cost of small
  answers).

Each run is a forked child: ``wall`` is elapsed seconds, ``cpu`` the child's user + system CPU
seconds (every thread), ``peak`` its RSS high-water mark above its start.  The machine is
shared, so the engine paths run ``--repeat`` times, interleaved, and the medians count; the
ratios use the median wall times (the engines' threads are part of what they offer) and, on a
line of their own, the median CPU times.  All answers are checked to agree to the minor unit.

Then the o2c KPI figures (:func:`o2c.portfolio.kpi_table`) of the twelve months to the aging
date, per customer, on the embedded engine (first size only), and ledger store -> columnar read
model (``--store-facts`` facts streamed out of an in-memory store through the history's
projection into Arrow).

``--huge`` adds 100,000,000 items (300,000,000 settlements): only the two DuckDB paths run
(pandas' frames of that size do not fit beside them in 24 GiB), over a read model holding only
the columns the aging reads (the others are all null in this layout), built chunk by chunk.

Run: ``.venv/bin/python benchmarks/portfolio.py [--sizes 1000000,10000000] [--huge]``.
The last line: ``portfolio: items N, o2c/duckdb-sql X.XX, o2c/pandas Y.YY, dask equal yes|no``
(for the first size).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import pickle
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from o2c.ledger import CustomerId
from o2c.receivables.aging import (
    ApplicationColumns,
    BucketScheme,
    ItemColumns,
    age_columns,
)

AS_OF = dt.date(2026, 3, 31)
EDGES = (30, 60, 90, 120)
WIDTH = len(EDGES) + 3
EPOCH = dt.date(1970, 1, 1).toordinal()
#: Items generated at a time (the settlements of a chunk's items are generated with them).
CHUNK = 10_000_000
HUGE = 100_000_000

#: An answer: {(customer, currency): (minor units per column..., open items)}.
Answer = dict[tuple[str, str], tuple[int, ...]]


# --------------------------------------------------------------------------------------------
# Data: the read model's tables, generated chunk by chunk straight into Arrow


def _chunk(rng: Any, first: int, n: int, n_customers: int) -> tuple[dict[str, Any], ...]:
    """Items ``first`` .. ``first + n - 1`` and their 3 settlements each (a quarter of the amount
    each, so none is over-applied), dated 0-150 days after the document; a tenth are credit
    memos (negative).

    Laid out as :func:`o2c.portfolio.from_facts` lays out a ledger's read model (it streams one
    customer at a time): a customer's items numbered one after the other (100 per customer),
    the settlements customer by customer (here item by item, by date).
    """
    start = dt.date(2025, 1, 1).toordinal() - EPOCH
    document = start + rng.integers(0, 546, n, dtype=np.int32)  # to mid-2026: some after AS_OF
    due = document + rng.choice(np.array([0, 14, 30, 45, 60, 90], np.int32), n)
    amount = rng.integers(100, 10_000_000, n, dtype=np.int64)
    amount = np.where(rng.random(n) < 0.1, -amount, amount)
    customer = np.minimum(np.arange(first, first + n, dtype=np.int64) // 100, n_customers - 1)
    local = np.repeat(np.arange(n, dtype=np.int64), 3)
    later = np.sort(rng.integers(0, 150, (n, 3), dtype=np.int32), axis=1).ravel()
    on = document[local] + later
    items = {
        "customer": customer,
        "document": document,
        "due": due,
        "amount": amount,
    }
    settlements = {"item": local + first, "on": on, "amount": np.abs(amount[local]) // 4}
    return items, settlements


def _strings(value: str, n: int) -> Any:
    """An Arrow string array of ``n`` times ``value`` (built from buffers, no Python list)."""
    import pyarrow as pa

    width = len(value)
    offsets = np.arange(0, width * (n + 1), width, dtype=np.int32)
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer((value * n).encode("ascii"))
    )


def generate(n_items: int, seed: int = 20260331) -> Any:
    """The read model of ``n_items`` items (customers ``C0000000`` ...), one currency (EUR).

    Up to :data:`CHUNK` items: through :func:`o2c.portfolio.from_tables`, every column of the
    read model.  Beyond: the tables hold only the columns the aging reads (``item``,
    ``customer``, ``kind``, ``currency``, ``issued`` = ``document``, ``due``, ``amount``;
    ``item``, ``on``, ``amount``), the others being all null here.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from o2c.portfolio import ReadModel, from_tables

    rng = np.random.default_rng(seed)
    n_customers = max(1, n_items // 100)  # 100 items each
    names = pa.array([f"C{i:07d}" for i in range(n_customers)], pa.string())
    item_chunks: list[Any] = []
    settlement_chunks: list[Any] = []
    for first in range(0, n_items, CHUNK):
        n = min(CHUNK, n_items - first)
        items, settlements = _chunk(rng, first, n, n_customers)
        document = pa.array(items["document"]).view(pa.date32())
        columns = {
            "item": pa.array(np.arange(first, first + n, dtype=np.int64)),
            "customer": pc.take(names, pa.array(items["customer"])),
            "kind": pa.array((items["amount"] < 0).astype(np.int8)),  # 1: a credit memo
            "currency": _strings("EUR", n),
            "issued": document,
            "document": document,
            "due": pa.array(items["due"]).view(pa.date32()),
            "amount": pa.array(items["amount"]),
        }
        item_chunks.append(pa.table(columns))
        settlement_chunks.append(
            pa.table(
                {
                    "item": pa.array(settlements["item"]),
                    "on": pa.array(settlements["on"]).view(pa.date32()),
                    "amount": pa.array(settlements["amount"]),
                }
            )
        )
        del items, settlements
    items_table = pa.concat_tables(item_chunks)
    settlements_table = pa.concat_tables(settlement_chunks)
    if n_items > CHUNK:
        return ReadModel(items=items_table, settlements=settlements_table)
    layout_items = items_table.drop_columns(["item", "issued", "currency"])
    settlements_table = settlements_table.append_column(
        "cause",
        pa.array(np.zeros(settlements_table.num_rows, np.int8)),  # allocations
    )
    return from_tables(layout_items, settlements_table, currency_code="EUR")


# --------------------------------------------------------------------------------------------
# The paths; each answer becomes an Answer (not timed)


def run_o2c(model: Any, memory_limit: str | None) -> Any:
    from o2c.adapters.duckdb import DuckDBEngine
    from o2c.portfolio import aging_table

    engine = DuckDBEngine(memory_limit=memory_limit)
    return aging_table(model, AS_OF, engine, scheme=BucketScheme.standard(EDGES))


def o2c_answer(table: Any) -> Answer:
    d = table.to_pydict()
    names = [f"c{i}" for i in range(WIDTH)]
    return {
        (c, cur): (*(d[n][k] for n in names), d["items"][k])
        for k, (c, cur) in enumerate(zip(d["customer"], d["currency"], strict=True))
    }


def run_report(model: Any) -> Any:
    from o2c.adapters.duckdb import DuckDBEngine
    from o2c.portfolio import age_portfolio

    return age_portfolio(model, AS_OF, DuckDBEngine(), scheme=BucketScheme.standard(EDGES))


def report_answer(report: Any) -> Answer:
    from o2c.money import to_minor

    return {
        (str(r.customer_id), r.currency): (*(to_minor(c) for c in r.columns), r.item_count)
        for r in report.rows
    }


def run_sql(model: Any, memory_limit: str | None) -> Any:
    """The hand-written query over the same Arrow tables, on a default connection."""
    import duckdb

    con = duckdb.connect()
    if memory_limit is not None:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.register("items", model.items)
    con.register("settlements", model.settlements)
    e1, e2, e3, e4 = EDGES
    day = f"DATE '{AS_OF.isoformat()}'"
    table = con.sql(
        f"""
        WITH paid AS (
            SELECT item, SUM(amount) AS paid FROM settlements WHERE "on" <= {day} GROUP BY item
        ), open_items AS (
            SELECT i.customer, i.currency, i.amount, {day} - i.due AS age,
                   CASE WHEN i.amount >= 0 THEN i.amount - COALESCE(p.paid, 0)
                        ELSE i.amount + COALESCE(p.paid, 0) END AS open_amount
            FROM items i LEFT JOIN paid p ON p.item = i.item
            WHERE i.issued <= {day}
        )
        SELECT customer, currency,
               CASE WHEN amount < 0 THEN 6 WHEN age < 1 THEN 0 WHEN age <= {e1} THEN 1
                    WHEN age <= {e2} THEN 2 WHEN age <= {e3} THEN 3 WHEN age <= {e4} THEN 4
                    ELSE 5 END AS col,
               SUM(open_amount)::BIGINT AS total, COUNT(*) AS n
        FROM open_items WHERE open_amount <> 0 GROUP BY ALL
        """
    ).to_arrow_table()
    con.close()
    return table


def _columns_answer(rows: Any) -> Answer:
    out: dict[tuple[str, str], list[int]] = {}
    for customer, cur, col, total, n in rows:
        acc = out.setdefault((customer, cur), [0] * (WIDTH + 1))
        acc[int(col)] += int(total)
        acc[WIDTH] += int(n)
    return {k: tuple(v) for k, v in out.items()}


def sql_answer(table: Any) -> Answer:
    d = table.to_pydict()
    return _columns_answer(
        zip(d["customer"], d["currency"], d["col"], d["total"], d["n"], strict=True)
    )


def frames(model: Any) -> tuple[Any, Any]:
    """The read model's tables as pandas DataFrames (done before timing pandas)."""
    import pandas as pd

    items = model.items.select(["item", "customer", "currency", "issued", "due", "amount"])
    items = items.to_pandas()
    settlements = model.settlements.select(["item", "on", "amount"]).to_pandas()
    for frame, name in ((items, "issued"), (items, "due"), (settlements, "on")):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[s]")
    return items, settlements


def run_pandas(items: Any, settlements: Any) -> Any:
    """The aging in pandas, as an expert writes it over the DataFrames."""
    import pandas as pd

    as_of = pd.Timestamp(AS_OF)
    paid = (
        settlements.loc[settlements["on"] <= as_of]
        .groupby("item")["amount"]
        .sum()
        .reindex(pd.RangeIndex(len(items)), fill_value=0)  # items are numbered by position
        .to_numpy()
    )
    amount = items["amount"].to_numpy()
    open_amount = np.where(amount >= 0, amount - paid, amount + paid)
    keep = (items["issued"] <= as_of).to_numpy() & (open_amount != 0)
    age = (as_of - items["due"][keep]).dt.days.to_numpy()
    bins = [-np.inf, 0, *EDGES, np.inf]
    column = np.where(amount[keep] < 0, WIDTH - 1, pd.cut(age, bins=bins, labels=False))
    frame = pd.DataFrame(
        {
            "customer": items["customer"][keep].to_numpy(),
            "currency": items["currency"][keep].to_numpy(),
            "col": column,
            "open": open_amount[keep],
        }
    )
    return frame.groupby(["customer", "currency", "col"])["open"].agg(["sum", "size"])


def pandas_answer(table: Any) -> Answer:
    return _columns_answer(
        (c, cur, col, total, n)
        for (c, cur, col), total, n in zip(
            table.index, table["sum"].to_numpy(), table["size"].to_numpy(), strict=True
        )
    )


def python_lists(model: Any) -> dict[str, Any]:
    """The read model as the Python lists :func:`age_columns` takes (made before timing)."""
    import pyarrow.compute as pc

    items, settlements = model.items, model.settlements
    encoded = pc.dictionary_encode(items.column("customer")).combine_chunks()

    def days(table: Any, name: str) -> list[int]:
        return [d + EPOCH for d in table.column(name).cast("int32").to_pylist()]

    return {
        "customers": tuple(CustomerId(c) for c in encoded.dictionary.to_pylist()),
        "customer": encoded.indices.to_pylist(),
        "document": days(items, "document"),
        "due": days(items, "due"),
        "amount": items.column("amount").to_pylist(),
        "app_item": settlements.column("item").to_pylist(),
        "app_on": days(settlements, "on"),
        "app_amount": settlements.column("amount").to_pylist(),
    }


def run_python(lists: dict[str, Any]) -> Any:
    return age_columns(
        ItemColumns(
            currency="EUR",
            customers=lists["customers"],
            customer=lists["customer"],
            document=lists["document"],
            due=lists["due"],
            amount=lists["amount"],
        ),
        ApplicationColumns(item=lists["app_item"], on=lists["app_on"], amount=lists["app_amount"]),
        AS_OF,
        scheme=BucketScheme.standard(EDGES),
    )


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
            # the scheduler's HTTP routes on a free port of its own: on the default port
            # (8787), taken by another cluster, distributed retries and leaks a socket
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            # in-process workers share this process, whose memory holds the whole model: no
            # per-worker limit (Dask would pause the workers and refuse the scatter)
            memory_limit=0,
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


def run_kpis(model: Any) -> Any:
    """The KPI figures of the twelve months to AS_OF, per customer, on the o2c engine."""
    from o2c.adapters.duckdb import DuckDBEngine
    from o2c.portfolio import kpi_table
    from o2c.portfolio.kpi import month_ends

    bounds = [dt.date(2025, 3, 31), *month_ends(dt.date(2025, 4, 1), AS_OF)]
    return kpi_table(model, bounds, DuckDBEngine(), countback=3)


def kpi_result(table: Any) -> tuple[int, int]:
    return table.num_rows, sum(table.column("paid_items").to_pylist())


# --------------------------------------------------------------------------------------------
# Measurement


def _kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


#: One run: wall seconds, CPU seconds, peak MiB.
Figures = tuple[float, float, float]


def measure(fn: Callable[[], Any], finish: Callable[[Any], Any]) -> tuple[Figures, Any]:
    """``fn()`` in a forked child: its figures and ``finish(fn())`` (not timed)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
                f.write("5")
            start = _kib("VmRSS")
            c0 = _cpu()
            t0 = time.perf_counter()
            raw = fn()
            seconds = time.perf_counter() - t0
            cpu = _cpu() - c0
            peak = (_kib("VmHWM") - start) / 1024
            payload = pickle.dumps(((seconds, cpu, peak), finish(raw)))
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


def _median(runs: list[Figures]) -> Figures:
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        max(r[2] for r in runs),
    )


def _line(name: str, figures: Figures, note: str = "") -> None:
    wall, cpu, peak = figures
    print(f"  {name:18} {wall:8.2f} s  cpu {cpu:8.2f} s  peak {peak:8.0f} MiB{note}", flush=True)


def bench_size(n: int, *, repeat: int, memory_limit: str | None, kpis: bool) -> dict[str, Figures]:
    t0 = time.perf_counter()
    model = generate(n)
    n_customers = max(1, n // 100)
    print(
        f"\n{n:,} items, {3 * n:,} settlements, {n_customers:,} customers "
        f"(generated in {time.perf_counter() - t0:.1f} s; medians of {repeat} runs, peak: the "
        "largest)",
        flush=True,
    )
    engines: list[tuple[str, Callable[[], Any], Callable[[Any], Answer]]] = [
        ("o2c engine", lambda: run_o2c(model, memory_limit), o2c_answer),
        ("DuckDB SQL", lambda: run_sql(model, memory_limit), sql_answer),
    ]
    huge = n > CHUNK
    if not huge:
        c0, t0 = _cpu(), time.perf_counter()
        items_frame, settlements_frame = frames(model)
        took = time.perf_counter() - t0
        print(
            f"  (Arrow -> pandas DataFrames, before timing pandas: {took:.2f} s, "
            f"cpu {_cpu() - c0:.2f} s)",
            flush=True,
        )
        engines.append(
            ("pandas", lambda: run_pandas(items_frame, settlements_frame), pandas_answer)
        )
    runs: dict[str, list[Figures]] = {name: [] for name, _fn, _finish in engines}
    answers: dict[str, Answer] = {}
    for _ in range(repeat):
        for name, fn, finish in engines:
            figures, answer = measure(fn, finish)
            runs[name].append(figures)
            answers.setdefault(name, answer)
    results = {name: _median(r) for name, r in runs.items()}
    for name in runs:
        _line(name, results[name])
    once: list[tuple[str, Callable[[], Any], Callable[[Any], Answer]]] = []
    if not huge:
        once.append(("o2c report", lambda: run_report(model), report_answer))
        once.append(("Dask (2 workers)", lambda: run_dask(model), o2c_answer))
    if n <= 1_000_000:
        lists = python_lists(model)
        once.append(("pure Python", lambda: run_python(lists), report_answer))
    for name, fn, finish in once:
        results[name], answers[name] = measure(fn, finish)
        _line(name, results[name])
    if kpis:
        figures, (rows, paid) = measure(lambda: run_kpis(model), kpi_result)
        _line(
            "o2c KPIs",
            figures,
            f"  (12 monthly periods, per customer: {rows:,} rows, {paid:,} paid items)",
        )
    reference = answers["o2c engine"]
    for name, answer in answers.items():
        results[name + " equal"] = (float(answer == reference), 0.0, 0.0)
        if answer != reference:
            print(f"  {name} DISAGREES with the o2c engine")
    wall, cpu, _peak = results["o2c engine"]
    for base in ("DuckDB SQL", "pandas"):
        if base in results:
            print(
                f"  o2c engine / {base}: wall {wall / results[base][0]:.2f}, "
                f"cpu {cpu / results[base][1]:.2f}"
            )
    return results


def bench_store(n_facts: int) -> None:
    """Store -> columnar read model: facts streamed by customer through the projection."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
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

    (seconds, cpu, peak), shape = measure(
        build, lambda m: (m.items.num_rows, m.settlements.num_rows)
    )
    print(
        f"\nstore -> columnar read model: {n_facts:,} facts (in-memory store, made in {made:.1f} s)"
        f" -> {shape[0]:,} items, {shape[1]:,} settlements in {seconds:.2f} s (cpu {cpu:.2f} s), "
        f"peak {peak:.0f} MiB ({cpu / n_facts * 1e6:.2f} us cpu/fact)"
    )


def growth(runs: dict[int, dict[str, Figures]], a: int, b: int) -> None:
    """How time, CPU and memory grow from ``a`` to ``b`` items (linear: ``b / a``)."""
    for name in ("o2c engine", "DuckDB SQL", "pandas", "Dask (2 workers)", "o2c report"):
        if name not in runs[a] or name not in runs[b]:
            continue
        (ta, ca, ma), (tb, cb, mb) = runs[a][name], runs[b][name]
        print(
            f"growth {a:,} -> {b:,} ({b / a:.0f}x items): {name:18} time {tb / ta:5.1f}x, "
            f"cpu {cb / ca:5.1f}x, peak memory {mb / ma if ma else float('nan'):5.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--huge", action="store_true", help=f"add {HUGE:,} items")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each engine path")
    parser.add_argument("--memory-limit", help="DuckDB's memory_limit for both DuckDB paths")
    parser.add_argument("--store-facts", type=int, default=1_000_000)
    args = parser.parse_args()
    import duckdb
    import pandas as pd
    import pyarrow as pa

    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.huge:
        sizes.append(HUGE)
    load = os.getloadavg()
    print(
        f"portfolio aging as of {AS_OF}; python {sys.version.split()[0]}, duckdb "
        f"{duckdb.__version__}, pyarrow {pa.__version__}, pandas {pd.__version__}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    # DuckDB spills to its temp_directory (".tmp" of the working directory) past its memory
    # limit: keep that out of the repository, and remove it afterwards
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="o2c-portfolio-bench-") as scratch:
        os.chdir(scratch)
        try:
            runs = {
                n: bench_size(
                    n,
                    repeat=args.repeat,
                    memory_limit=args.memory_limit,
                    kpis=n == min(sizes) <= CHUNK,
                )
                for n in sizes
            }
        finally:
            os.chdir(here)
    print()
    for a, b in itertools.pairwise(sizes):
        growth(runs, a, b)
    if args.store_facts:
        bench_store(args.store_facts)
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    first = runs[sizes[0]]
    o2c = first["o2c engine"][0]
    equal = all(first[k][0] == 1.0 for k in first if k.endswith(" equal"))
    dask_equal = first.get("Dask (2 workers) equal", (0.0,))[0] == 1.0 and equal
    pandas = first["pandas"][0] if "pandas" in first else float("nan")
    print(
        f"portfolio: items {sizes[0]}, o2c/duckdb-sql {o2c / first['DuckDB SQL'][0]:.2f}, "
        f"o2c/pandas {o2c / pandas:.2f}, dask equal {'yes' if dask_equal else 'no'}"
    )


if __name__ == "__main__":
    main()
