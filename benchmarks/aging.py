"""Aging benchmark: 1,000,000 open items with 3,000,000 applications, aged as of a date.

Three implementations of the same aging (open amount as of the date = document amount less the
applications dated on or before it; age by due date; not due / 1-30 / 31-60 / 61-90 / 91-120 /
121+ / credits; sums per customer) run on the same generated data in the same run:

- **o2c**: :func:`o2c.receivables.aging.age_columns` over Python lists (pure Python, integer
  minor units; the same replay and tally loop that :func:`o2c.receivables.aging.age` runs);
- **pandas**: ``groupby`` for the applications, ``pd.cut`` for the buckets, ``groupby`` for the
  sums, over numpy columns;
- **DuckDB**: one SQL query over the same numpy columns (registered as DataFrames).

Each runs in a forked child so its peak memory is measured alone: the peak resident set size
above the child's starting RSS (``/proc/self/status`` VmHWM after resetting it).  The results are
checked to agree to the minor unit.  A last line times the domain path
(:func:`o2c.receivables.aging.age`
over ``OpenItem`` objects with ``Money``) on a smaller sample, for scale.

Run: ``.venv/bin/python benchmarks/aging.py [--items N] [--applications M] [--repeat R]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pickle
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np

from o2c.ledger import CustomerId, ItemId, ItemKind, OpenItem
from o2c.money import from_minor, to_minor
from o2c.receivables.aging import (
    AgingReport,
    ApplicationColumns,
    BucketScheme,
    ItemColumns,
    age,
    age_columns,
)

AS_OF = dt.date(2026, 3, 31)
EDGES = (30, 60, 90, 120)
LABELS = ("not due", "1-30", "31-60", "61-90", "91-120", "121+", "credits")


# --------------------------------------------------------------------------------------------
# Data


def generate(n_items: int, n_apps: int, n_customers: int, seed: int = 20260331) -> dict[str, Any]:
    """Deterministic columns: items (customer, document, due, signed cents) and applications.

    Application ``k`` goes to item ``k % n_items`` with a quarter of its amount, so no item is
    ever over-applied; application dates fall 0-150 days after the document date.
    """
    rng = np.random.default_rng(seed)
    start = dt.date(2025, 1, 1).toordinal()
    document = start + rng.integers(0, 546, n_items)  # to mid-2026: some after the as-of date
    due = document + rng.choice(np.array([0, 14, 30, 45, 60, 90]), n_items)
    amount = rng.integers(100, 10_000_000, n_items)
    credit = rng.random(n_items) < 0.1
    amount = np.where(credit, -amount, amount)
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


# --------------------------------------------------------------------------------------------
# The three implementations; each returns {customer index: [minor units per column]}


def run_o2c(data: dict[str, Any], lists: dict[str, list[int]]) -> AgingReport:
    """o2c's columnar aging over Python lists (converted before timing): an AgingReport."""
    customers = tuple(CustomerId(f"C{i:05d}") for i in range(data["n_customers"]))
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


def o2c_result(report: AgingReport) -> dict[int, list[int]]:
    """The report as {customer index: [minor units per column]} (not timed)."""
    return {
        int(str(row.customer_id)[1:]): [to_minor(c) for c in row.columns] for row in report.rows
    }


def run_pandas(data: dict[str, Any]) -> Any:
    """pandas: groupby the applications, pd.cut the ages, groupby-sum per customer and column."""
    import pandas as pd

    as_of = AS_OF.toordinal()
    items = pd.DataFrame(
        {k: data[k] for k in ("customer", "document", "due", "amount")}, copy=False
    )
    apps = pd.DataFrame(
        {"item": data["app_item"], "on": data["app_on"], "amount": data["app_amount"]},
        copy=False,
    )
    applied = (
        apps.loc[apps["on"] <= as_of]
        .groupby("item")["amount"]
        .sum()
        .reindex(pd.RangeIndex(len(items)), fill_value=0)
        .to_numpy()
    )
    amount = items["amount"].to_numpy()
    open_ = np.where(amount >= 0, amount - applied, amount + applied)
    keep = (items["document"].to_numpy() <= as_of) & (open_ != 0)
    age_days = as_of - items["due"].to_numpy()[keep]
    bins = [-np.inf, 0, *EDGES, np.inf]
    codes = pd.cut(age_days, bins=bins, labels=False, right=True)
    column = np.where(amount[keep] < 0, len(LABELS) - 1, codes)
    frame = pd.DataFrame(
        {"customer": items["customer"].to_numpy()[keep], "column": column, "open": open_[keep]}
    )
    table = frame.groupby(["customer", "column"])["open"].sum().unstack(fill_value=0)
    return table.reindex(columns=range(len(LABELS)), fill_value=0)


def pandas_result(table: Any) -> dict[int, list[int]]:
    """The pandas table as {customer index: [minor units per column]} (not timed)."""
    return {
        int(c): [int(v) for v in row] for c, row in zip(table.index, table.to_numpy(), strict=True)
    }


def run_duckdb(data: dict[str, Any]) -> list[tuple[int, int, int]]:
    """DuckDB: one SQL query over the numpy columns registered as DataFrames."""
    import duckdb
    import pandas as pd

    as_of = AS_OF.toordinal()
    items = pd.DataFrame(
        {
            "idx": np.arange(len(data["amount"]), dtype=np.int64),
            **{k: data[k] for k in ("customer", "document", "due", "amount")},
        },
        copy=False,
    )
    apps = pd.DataFrame(
        {"item": data["app_item"], "on_day": data["app_on"], "amount": data["app_amount"]},
        copy=False,
    )
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("items", items)
    con.register("apps", apps)
    e1, e2, e3, e4 = EDGES
    rows = con.execute(
        f"""
        WITH applied AS (
            SELECT item, SUM(amount) AS done FROM apps WHERE on_day <= {as_of} GROUP BY item
        ), open_items AS (
            SELECT i.customer, i.due, i.amount,
                   CASE WHEN i.amount >= 0 THEN i.amount - COALESCE(a.done, 0)
                        ELSE i.amount + COALESCE(a.done, 0) END AS open_amount
            FROM items i LEFT JOIN applied a ON a.item = i.idx
            WHERE i.document <= {as_of}
        )
        SELECT customer,
               CASE WHEN amount < 0 THEN 6
                    WHEN {as_of} - due < 1 THEN 0
                    WHEN {as_of} - due <= {e1} THEN 1
                    WHEN {as_of} - due <= {e2} THEN 2
                    WHEN {as_of} - due <= {e3} THEN 3
                    WHEN {as_of} - due <= {e4} THEN 4
                    ELSE 5 END AS col,
               SUM(open_amount)::BIGINT AS total
        FROM open_items WHERE open_amount <> 0
        GROUP BY ALL
        """
    ).fetchall()
    con.close()
    return rows


def duckdb_result(rows: list[tuple[int, int, int]]) -> dict[int, list[int]]:
    """The query's rows as {customer index: [minor units per column]} (not timed)."""
    result: dict[int, list[int]] = {}
    for customer, col, total in rows:
        result.setdefault(int(customer), [0] * len(LABELS))[int(col)] = int(total)
    return result


# --------------------------------------------------------------------------------------------
# Measurement


def _rss_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measure(
    fn: Callable[[], Any], finish: Callable[[Any], dict[int, list[int]]]
) -> tuple[float, float, dict[int, list[int]]]:
    """Run ``fn`` in a forked child: seconds, peak MiB above the child's start, and its result
    through ``finish`` (not timed)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_end)
        try:
            _reset_peak()
            start_rss = _rss_kib("VmRSS")
            t0 = time.perf_counter()
            raw = fn()
            seconds = time.perf_counter() - t0
            peak = (_rss_kib("VmHWM") - start_rss) / 1024
            payload = pickle.dumps((seconds, peak, finish(raw)))
        except BaseException as exc:  # report any failure to the parent
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
    seconds, peak, result = answer
    return seconds, peak, result


def domain_path(n: int) -> tuple[float, float]:
    """Seconds to build and to age ``n`` OpenItems (Money amounts) with :func:`age`."""
    t0 = time.perf_counter()
    items = [
        OpenItem(
            item_id=ItemId(f"I{i}"),
            customer_id=CustomerId(f"C{i % 1000}"),
            kind=ItemKind.INVOICE,
            document_number=f"I{i}",
            document_date=dt.date(2026, 1, 1),
            due_date=dt.date(2026, 1, 1) + dt.timedelta(days=i % 120),
            original_amount=from_minor(1000 + i, "EUR"),
            open_amount=from_minor(1000 + i, "EUR"),
        )
        for i in range(n)
    ]
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    age(items, AS_OF, detail=False)
    return build, time.perf_counter() - t0


def main() -> None:
    """Generate, run the three implementations, check they agree, print figures and ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--applications", type=int, default=3_000_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--domain-sample", type=int, default=100_000)
    args = parser.parse_args()

    import duckdb
    import pandas as pd

    t0 = time.perf_counter()
    data = generate(args.items, args.applications, args.customers)
    lists = {
        k: data[k].tolist()
        for k in ("customer", "document", "due", "amount", "app_item", "app_on", "app_amount")
    }
    print(
        f"aging {args.items:,} items with {args.applications:,} applications "
        f"({args.customers:,} customers) as of {AS_OF}; data generated in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    print(
        f"python {sys.version.split()[0]}, pandas {pd.__version__}, duckdb {duckdb.__version__}, "
        f"{os.cpu_count()} CPUs; best of {args.repeat}; peak = RSS high-water mark above start"
    )
    impls: list[tuple[str, Callable[[], Any], Callable[[Any], dict[int, list[int]]]]] = [
        ("o2c age_columns", lambda: run_o2c(data, lists), o2c_result),
        ("pandas (pd.cut)", lambda: run_pandas(data), pandas_result),
        ("DuckDB (SQL)", lambda: run_duckdb(data), duckdb_result),
    ]
    figures = {}
    results = {}
    for name, fn, finish in impls:
        runs = [measure(fn, finish) for _ in range(args.repeat)]
        seconds = min(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        figures[name] = (seconds, peak)
        results[name] = runs[0][2]
    reference = results["o2c age_columns"]
    for name, result in results.items():
        if result != reference:
            raise SystemExit(f"{name} disagrees with o2c: the implementations differ")
    totals = [sum(row[i] for row in reference.values()) for i in range(len(LABELS))]
    balance = Decimal(sum(totals)).scaleb(-2)
    print(
        "all three agree to the cent; totals: "
        + ", ".join(
            f"{label} {Decimal(t).scaleb(-2)}" for label, t in zip(LABELS, totals, strict=True)
        )
        + f"; balance {balance}"
    )
    o2c_s, o2c_mb = figures["o2c age_columns"]
    header = ("implementation", "seconds", "peak MiB", "time vs o2c", "mem vs o2c")
    print(f"{header[0]:18} {header[1]:>8} {header[2]:>9} {header[3]:>12} {header[4]:>11}")
    for name, (seconds, peak) in figures.items():
        print(
            f"{name:18} {seconds:8.2f} {peak:9.0f} {seconds / o2c_s:11.2f}x "
            f"{(peak / o2c_mb if o2c_mb else float('nan')):10.2f}x"
        )
    print(
        f"o2c / pandas time: {o2c_s / figures['pandas (pd.cut)'][0]:.2f}; "
        f"o2c / DuckDB time: {o2c_s / figures['DuckDB (SQL)'][0]:.2f}"
    )
    if args.domain_sample:
        build, aged = domain_path(args.domain_sample)
        print(
            f"domain path: age() over {args.domain_sample:,} OpenItem objects: {aged:.2f} s "
            f"({aged / args.domain_sample * 1e6:.2f} us/item; building them took {build:.2f} s)"
        )


if __name__ == "__main__":
    main()
