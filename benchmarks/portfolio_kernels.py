"""Portfolio kernels benchmark: cohort loss rates, behavioural features and cash-application
candidates over 1M items and 1M payments, on DuckDB embedded and on Dask.

The data (generated before any clock starts, the same for every path): ``--items`` open and
settled items of ``--items / 100`` customers in EUR (a tenth in USD), issued over a year, due
30 days later; about 70 % paid by one allocation around their due date (some a month late), 5 %
partly written off; document numbers ``INV-2026-0000001`` ..., every third item with an ISO 11649
creditor reference.  ``--payments`` payments: 40 % quote a document (as printed, in lower case
with spaces, by its digits alone, or by its creditor reference), 30 % pay an item's open amount
without a reference, 20 % pay a known customer's item less up to 60.00 (charges or a small
difference), 10 % pay nothing open.

What each kernel includes in its time (all from data in memory):

- **cohorts**: :func:`o2c.portfolio.cohorts.cohort_table`, the twelve issue-month cohorts of
  the year in EUR with their flows per bucket (customers combined), as of the year's end;
- **features**: :func:`o2c.portfolio.features.behaviour_table`, every customer's
  behavioural-score features as of the year's end;
- **candidates**: :func:`o2c.portfolio.candidates.candidates_table`, every payment's
  candidates among the items open at the year's end: the open items (a kernel), their lookup
  keys by the domain's ``DocumentIndex.build`` and their write-off and fee limits by the
  ``MatchPolicy`` (in Python, on the client), the payments' keys by ``document_key``, then the
  join (a kernel).  ``candidates: keys`` (the ``python`` line) is the domain's keys of every
  document (open or not: more than the candidates compute) and of every payment, in Python
  alone: the bound of the Python part of ``candidates``.

DuckDB runs with its default threads; Dask is a ``LocalCluster`` of two in-process workers on
127.0.0.1 (one DuckDB thread each), started before its clock (``dask: cluster`` times it).  Each
run is a forked child: ``wall`` is elapsed seconds, ``cpu`` the child's user + system CPU seconds
(every thread), ``peak`` its RSS high-water mark above its start (the generated data is already
in memory).  Dask's answers are checked to be DuckDB's, byte for byte.

Run: ``.venv/bin/python benchmarks/portfolio_kernels.py [--items 1000000] [--payments 1000000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import pickle
import random
import resource
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from o2c.adapters.duckdb import DuckDBEngine
from o2c.invoice import references
from o2c.portfolio import from_tables
from o2c.portfolio.candidates import candidates_table, document_lookup_keys, quoted_lookup_keys
from o2c.portfolio.cohorts import cohort_table
from o2c.portfolio.features import behaviour_table
from o2c.portfolio.model import ReadModel

YEAR = dt.date(2026, 1, 1)
AS_OF = dt.date(2026, 12, 31)


def generate(n_items: int, n_payments: int, seed: int = 19) -> tuple[ReadModel, Any, Any]:
    """The read model, its documents (number and creditor reference per item) and payments."""
    rnd = random.Random(seed)
    customers = max(1, n_items // 100)
    start = YEAR.toordinal()
    cust, code, doc, due, amount, numbers, refs = [], [], [], [], [], [], []
    s_item, s_on, s_amount, s_cause, s_written = [], [], [], [], []
    for i in range(n_items):
        c = rnd.randrange(customers)
        cust.append(f"C{c:06d}")
        code.append("USD" if c % 10 == 0 else "EUR")
        day = start + rnd.randrange(365)
        doc.append(day)
        due.append(day + 30)
        units = rnd.randrange(1_000, 2_000_000)
        amount.append(units)
        numbers.append(f"INV-2026-{i:07d}")
        refs.append(references.create(f"{i:07d}") if i % 3 == 0 else None)
        roll = rnd.random()
        if roll < 0.70:  # paid in one allocation, mostly near the due date
            late = rnd.choice((-10, -2, 0, 3, 8, 15, 35, 70))
            s_item.append(i)
            s_on.append(day + 30 + late)
            s_amount.append(units)
            s_cause.append(0)
            s_written.append(0)
        elif roll < 0.75:  # partly written off
            s_item.append(i)
            s_on.append(day + 30 + rnd.randrange(60, 200))
            s_amount.append(units // 3)
            s_cause.append(3)
            s_written.append(units // 3)
    items = pa.table(
        {
            "customer": cust,
            "item_id": numbers,
            "currency": code,
            "document": pa.array(doc, pa.int64()),
            "due": pa.array(due, pa.int64()),
            "amount": pa.array(amount, pa.int64()),
        }
    )
    settlements = pa.table(
        {
            "item": pa.array(s_item, pa.int64()),
            "on": pa.array(s_on, pa.int64()),
            "amount": pa.array(s_amount, pa.int64()),
            "cause": pa.array(s_cause, pa.int8()),
            "written_off": pa.array(s_written, pa.int64()),
        }
    )
    model = from_tables(items, settlements)
    documents = pa.table({"number": numbers, "reference": refs})
    p_id, p_code, p_amount, p_ref, p_cust = [], [], [], [], []
    for k in range(n_payments):
        i = rnd.randrange(n_items)
        roll = rnd.random()
        ref: str | None = None
        customer: str | None = None
        units = amount[i]
        if roll < 0.40:
            style = rnd.randrange(4)
            if style == 0:
                ref = numbers[i]
            elif style == 1:
                ref = numbers[i].lower().replace("-", " ")
            elif style == 2:
                ref = numbers[i][4:].replace("-", "")
            else:
                ref = refs[i] or numbers[i]
        elif roll < 0.70:
            pass
        elif roll < 0.90:
            customer = cust[i]
            units -= rnd.randrange(1, 6_000)
        else:
            units = rnd.randrange(1, 3_000_000)
        p_id.append(f"PAY{k:07d}")
        p_code.append(code[i])
        p_amount.append(max(1, units))
        p_ref.append(ref)
        p_cust.append(customer)
    payments = pa.table(
        {
            "payment": p_id,
            "currency": p_code,
            "amount": pa.array(p_amount, pa.int64()),
            "reference": p_ref,
            "customer": p_cust,
        }
    )
    return model, documents, payments


def _kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(steps: Callable[[], list[tuple[str, Callable[[], Any]]]]) -> list[Any]:
    """In a forked child: ``steps()`` (untimed) gives named calls, each timed in turn; answers
    ``(name, wall, cpu, peak MiB, digest of the answer)`` per call."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            out = []
            for name, fn in steps():
                with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
                    f.write("5")
                start = _kib("VmRSS")
                c0, t0 = _cpu(), time.perf_counter()
                answer = fn()
                wall, cpu = time.perf_counter() - t0, _cpu() - c0
                peak = (_kib("VmHWM") - start) / 1024
                out.append((name, wall, cpu, peak, _digest(answer)))
            payload = pickle.dumps(out)
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


def _digest(answer: Any) -> str:
    if not isinstance(answer, pa.Table):
        return ""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, answer.schema) as writer:
        writer.write_table(answer.combine_chunks())
    return f"{answer.num_rows} rows {hashlib.sha256(sink.getvalue()).hexdigest()[:12]}"


def _kernels(
    model: ReadModel, documents: Any, payments: Any, engine: Any
) -> list[tuple[str, Callable[[], Any]]]:
    return [
        (
            "cohorts",
            lambda: cohort_table(
                model,
                AS_OF,
                engine,
                currency_code="EUR",
                issued_from=YEAR,
                issued_to=AS_OF,
                open_as_loss_after_days=90,
            ),
        ),
        ("features", lambda: behaviour_table(model, AS_OF, engine)),
        (
            "candidates",
            lambda: candidates_table(model, payments, AS_OF, engine, documents=documents),
        ),
    ]


def _dask_steps(model: ReadModel, documents: Any, payments: Any) -> list[Any]:
    import distributed

    from o2c.adapters.dask import DaskEngine

    holder: dict[str, Any] = {}

    def start() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cluster = distributed.LocalCluster(
                n_workers=2,
                processes=False,
                threads_per_worker=1,
                host="127.0.0.1",
                protocol="tcp",
                dashboard_address=None,
                memory_limit=0,
                # the scheduler's HTTP routes on a free port (8787 may be another cluster's)
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            )
            holder["engine"] = DaskEngine(client=distributed.Client(cluster), partitions=4)

    class Late:
        def run(self, kernel: Any, tables: Any) -> Any:
            return holder["engine"].run(kernel, tables)

    return [("cluster", start), *_kernels(model, documents, payments, Late())]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--payments", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    model, documents, payments = generate(args.items, args.payments)
    print(
        f"portfolio kernels: {args.items:,} items, {model.settlements.num_rows:,} settlements, "
        f"{args.payments:,} payments (generated in {time.perf_counter() - t0:.1f} s; "
        f"{os.cpu_count()} cores)",
        flush=True,
    )
    numbers = documents.column("number").to_pylist()
    refs = documents.column("reference").to_pylist()
    quoted = payments.column("reference").to_pylist()

    def keys() -> list[tuple[str, Callable[[], Any]]]:
        return [
            (
                "candidates: keys",
                lambda: (document_lookup_keys(numbers, refs), quoted_lookup_keys(quoted)),
            ),
        ]

    results: dict[str, list[Any]] = {
        "duckdb": measure(lambda: _kernels(model, documents, payments, DuckDBEngine())),
        "dask": measure(lambda: _dask_steps(model, documents, payments)),
        "python": measure(keys),
    }
    digests: dict[tuple[str, str], str] = {}
    for engine, rows in results.items():
        for name, wall, cpu, peak, digest in rows:
            digests[(engine, name)] = digest
            print(
                f"  {engine:7} {name:17} {wall:8.2f} s  cpu {cpu:8.2f} s  peak {peak:8.0f} MiB"
                + (f"  {digest}" if digest else ""),
                flush=True,
            )
    equal = all(
        digests[("duckdb", name)] == digests[("dask", name)]
        for name in ("cohorts", "features", "candidates")
    )
    print(
        f"portfolio kernels: items {args.items}, payments {args.payments}, "
        f"dask equal {'yes' if equal else 'no'}"
    )
    if not equal:
        sys.exit(1)


if __name__ == "__main__":
    main()
