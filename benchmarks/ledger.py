"""Ledger: appending facts to SQLite and PostgreSQL against a raw ``executemany`` of the same
rows, and rebuilding open items from every fact (time and peak memory).

Run: ``.venv/bin/python benchmarks/ledger.py [--facts N] [--batch 1000] [--no-postgres]``.
The default (100,000 facts) takes about a minute; ``--facts 1000000`` is the full-size run.

Workload: cycles of three facts for customers ``C0``..: an invoice, a payment, and an
allocation of the payment to the invoice (in full for two cycles in three, in part otherwise),
effective over one year, recorded one second apart.  Facts are appended through the store (the
port: version check per customer stream, JSON encoding, one transaction per batch); the
baseline inserts the same, already encoded rows with ``executemany`` into an identical table in
one transaction per batch.  The rebuild streams every fact out of the SQLite file and projects
the open items as of the year's end, in a fresh process so that its peak memory is its own.
PostgreSQL runs on a throwaway server started like the tests do (tests/pg.py).  The machine is
shared: wall times vary with its load; CPU times (``cpu``) are steadier.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.pg starts the PostgreSQL server

from o2c.ledger import (  # noqa: E402
    Fact,
    InvoiceIssued,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
)
from o2c.money import money  # noqa: E402
from o2c.terms import Instalment  # noqa: E402

START = dt.date(2025, 1, 1)
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
AS_OF = dt.date(2025, 12, 31)


def batches(n_facts: int, batch: int, customers: int) -> Iterator[list[Fact]]:
    """The workload in batches of ``batch`` facts (whole cycles of three facts)."""
    cycles = n_facts // 3
    current: list[Fact] = []
    for k in range(cycles):
        cust = f"C{k % customers}"
        day = START + dt.timedelta(days=k * 365 // max(cycles, 1))
        at = T0 + dt.timedelta(seconds=k)
        amount = money(f"{100 + k % 97}.{k % 100:02d}", "EUR")
        current.append(
            InvoiceIssued.from_instalments(
                fact_id=f"i{k}",
                customer_id=cust,
                item_id=f"INV-{k}",
                document_number=f"INV-{k}",
                document_date=day,
                recorded_at=at,
                instalments=[
                    Instalment(number=1, due_date=day + dt.timedelta(days=30), amount=amount)
                ],
            )
        )
        current.append(
            PaymentReceived(
                fact_id=f"p{k}",
                customer_id=cust,
                effective=day,
                recorded_at=at,
                payment_id=f"PAY-{k}",
                amount=amount,
                value_date=day,
                payer_name=f"Customer {cust}",
                reference=f"INV-{k}",
            )
        )
        applied = amount if k % 3 else money(amount.amount - 10, "EUR")
        current.append(
            PaymentAllocated(
                fact_id=f"a{k}",
                customer_id=cust,
                effective=day,
                recorded_at=at,
                source_id=f"PAY-{k}",
                item_id=f"INV-{k}",
                applied=applied,
            )
        )
        if len(current) >= batch:
            yield current
            current = []
    if current:
        yield current


def _versions(batch: list[Fact], versions: dict[str, int]) -> dict[str, int]:
    expected = {f.customer_id: versions.get(f.customer_id, 0) for f in batch}
    for f in batch:
        versions[f.customer_id] = versions.get(f.customer_id, 0) + 1
    return expected


def bench_sqlite(args: argparse.Namespace, tmp: Path) -> Path:
    from o2c.adapters.sqlite import _INSERT, SQLiteLedgerStore
    from o2c.adapters.sqlite import _encode_row as encode_row

    store = SQLiteLedgerStore(tmp / "ledger.sqlite")
    raw_store = SQLiteLedgerStore(tmp / "raw.sqlite")  # the same schema
    raw_store.close()
    raw = sqlite3.connect(tmp / "raw.sqlite", isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = NORMAL")
    ours = ours_cpu = base = base_cpu = 0.0
    versions: dict[str, int] = {}
    raw_versions: dict[str, int] = {}
    total = 0
    for batch in batches(args.facts, args.batch, args.customers):
        expected = _versions(batch, versions)
        w, c = time.perf_counter(), time.process_time()
        store.append(batch, expected_versions=expected)
        ours += time.perf_counter() - w
        ours_cpu += time.process_time() - c
        rows = []
        for f in batch:
            raw_versions[f.customer_id] = raw_versions.get(f.customer_id, 0) + 1
            rows.append(encode_row(f, raw_versions[f.customer_id]))
        w, c = time.perf_counter(), time.process_time()
        raw.execute("BEGIN")
        raw.executemany(_INSERT.format(table="ledger_facts"), rows)
        raw.execute("COMMIT")
        base += time.perf_counter() - w
        base_cpu += time.process_time() - c
        total += len(batch)
    raw.close()
    store.close()
    checked = checked_cpu = 0.0
    with SQLiteLedgerStore(tmp / "checked.sqlite") as checked_store:
        ledger = Ledger(checked_store)
        for batch in batches(args.facts, args.batch, args.customers):
            w, c = time.perf_counter(), time.process_time()
            ledger.append(batch)
            checked += time.perf_counter() - w
            checked_cpu += time.process_time() - c
    print(f"SQLite append, {total:,} facts in batches of {args.batch:,}:")
    print(
        f"  store.append        {ours:8.2f} s  ({total / ours:9,.0f} facts/s, cpu {ours_cpu:.2f} s)"
    )
    print(
        f"  raw executemany     {base:8.2f} s  ({total / base:9,.0f} facts/s, cpu {base_cpu:.2f} s)"
    )
    print(f"  ratio store/raw     {ours / base:8.2f} x  (cpu {ours_cpu / base_cpu:.2f} x)")
    print(
        f"  Ledger.append       {checked:8.2f} s  ({total / checked:9,.0f} facts/s, "
        f"cpu {checked_cpu:.2f} s; invariants checked, idempotency looked up)"
    )
    print(f"  ratio checked/raw   {checked / base:8.2f} x  (cpu {checked_cpu / base_cpu:.2f} x)")
    return tmp / "ledger.sqlite"


def bench_postgres(args: argparse.Namespace) -> None:
    try:
        from tests.pg import fresh_database, postgres_server
    except ImportError as exc:
        print(f"PostgreSQL: skipped ({exc})")
        return
    import psycopg

    from o2c.adapters.sqlalchemy import SQLAlchemyLedgerStore
    from o2c.adapters.sqlalchemy import _encode_row as encode_row

    try:
        server = postgres_server()
        url = server.__enter__()
    except BaseException as exc:  # pytest.skip/fail outside pytest: no binaries
        print(f"PostgreSQL: skipped ({exc})")
        return
    try:
        with fresh_database(url) as db_url:
            store = SQLAlchemyLedgerStore(db_url)
            SQLAlchemyLedgerStore(db_url, table_name="raw_facts").close()
            dsn = db_url.replace("postgresql+psycopg://", "postgresql://")
            cols = "fact_id, customer_id, version, kind, effective, recorded_at, payload"
            sql = f"INSERT INTO raw_facts ({cols}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
            ours = base = 0.0
            versions: dict[str, int] = {}
            raw_versions: dict[str, int] = {}
            total = 0
            with psycopg.connect(dsn) as raw:
                for batch in batches(args.facts, args.batch, args.customers):
                    expected = _versions(batch, versions)
                    w = time.perf_counter()
                    store.append(batch, expected_versions=expected)
                    ours += time.perf_counter() - w
                    rows = []
                    for f in batch:
                        raw_versions[f.customer_id] = raw_versions.get(f.customer_id, 0) + 1
                        rows.append(tuple(encode_row(f, raw_versions[f.customer_id]).values()))
                    w = time.perf_counter()
                    with raw.transaction(), raw.cursor() as cur:
                        cur.executemany(sql, rows)
                    base += time.perf_counter() - w
                    total += len(batch)
            store.close()
            print(f"PostgreSQL 15 append, {total:,} facts in batches of {args.batch:,}:")
            print(f"  store.append        {ours:8.2f} s  ({total / ours:9,.0f} facts/s)")
            print(f"  raw executemany     {base:8.2f} s  ({total / base:9,.0f} facts/s)")
            print(f"  ratio store/raw     {ours / base:8.2f} x")
    finally:
        server.__exit__(None, None, None)


def _status_kib(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_kib() -> int:
    """The resident size now, after resetting the peak (Linux; else the peak so far)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return _status_kib("VmRSS") or 0


def _peak_kib() -> int:
    return _status_kib("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rebuild(path: str, n_facts: int, queue: Any) -> None:
    from o2c.adapters.sqlite import SQLiteLedgerStore
    from o2c.ledger import Ledger
    from o2c.ledger.history import Projection

    store = SQLiteLedgerStore(path)
    ledger = Ledger(store)
    ledger.version("C0")  # warm the imports and the connection
    figures: dict[str, Any] = {}
    # Ledger.open_items: customer by customer (iter_by_customer), one customer's state at a time.
    figures["rest"] = _reset_peak_kib()
    w, c = time.perf_counter(), time.process_time()
    items = ledger.open_items(AS_OF)
    figures["wall"], figures["cpu"] = time.perf_counter() - w, time.process_time() - c
    figures["peak"], figures["items"] = _peak_kib(), len(items)
    del items
    tracemalloc.start()
    ledger.open_items(AS_OF)
    figures["traced"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # The same as one projection of the whole stream in append order (every item kept).
    figures["rest_whole"] = _reset_peak_kib()
    w, c = time.perf_counter(), time.process_time()
    whole = Projection().feed_all(store.iter_all(), AS_OF).open_items()
    figures["wall_whole"], figures["cpu_whole"] = time.perf_counter() - w, time.process_time() - c
    figures["peak_whole"], figures["items_whole"] = _peak_kib(), len(whole)
    del whole
    w = time.perf_counter()
    figures["one"] = len(ledger.open_items(AS_OF, customer_id="C7"))
    figures["one_wall"] = time.perf_counter() - w
    w = time.perf_counter()
    known = ledger.open_items(AS_OF, known_at=T0 + dt.timedelta(seconds=n_facts // 6))
    figures["known_wall"], figures["known"] = time.perf_counter() - w, len(known)
    queue.put(figures)
    store.close()


def bench_rebuild(path: Path, n_facts: int) -> None:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_rebuild, args=(str(path), n_facts, queue))
    proc.start()
    f = queue.get()
    proc.join()
    print(f"Rebuild open items as of {AS_OF} from {n_facts:,} facts (SQLite, streamed):")
    print(
        f"  Ledger.open_items   {f['wall']:8.2f} s  (cpu {f['cpu']:.2f} s, "
        f"{n_facts / f['wall']:,.0f} facts/s; customer by customer)"
    )
    print(f"  open items          {f['items']:11,}")
    print(
        f"  peak memory         {(f['peak'] - f['rest']) / 1024:8.1f} MiB above the process at "
        f"rest ({f['peak'] / 1024:.1f} MiB peak RSS; the result itself included)"
    )
    print(f"  peak Python heap    {f['traced'] / 2**20:8.1f} MiB (tracemalloc, a second pass)")
    print(
        f"  one projection      {f['wall_whole']:8.2f} s  (cpu {f['cpu_whole']:.2f} s, peak "
        f"{(f['peak_whole'] - f['rest_whole']) / 1024:.1f} MiB above rest: every item kept)"
    )
    print(f"  one customer (C7)   {f['one_wall']:8.3f} s  ({f['one']} open items)")
    print(f"  as known half-way   {f['known_wall']:8.2f} s  ({f['known']:,} open items)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--facts", type=int, default=100_000, help="facts to append (default 100,000)"
    )
    parser.add_argument("--batch", type=int, default=1000, help="facts per batch (default 1,000)")
    parser.add_argument(
        "--customers", type=int, default=2000, help="customer streams (default 2,000)"
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="o2c-bench-ledger-") as tmp:
        path = bench_sqlite(args, Path(tmp))
        if not args.no_postgres:
            bench_postgres(args)
        bench_rebuild(path, args.facts)


if __name__ == "__main__":
    main()
