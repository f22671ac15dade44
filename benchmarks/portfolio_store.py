"""Ledger store -> columnar read model: SQLite facts streamed into the portfolio's Arrow tables.

Run: ``.venv/bin/python benchmarks/portfolio_store.py [--facts 1000000] [--sample 30000]``.

Workload: benchmarks/ledger.py's cycles (an invoice, a payment, an allocation of the payment in
full or in part), ``--facts`` of them appended to a SQLite ledger through the store (100 facts
per customer).  Then, in a fresh process (so that its peak memory is its own):

* the decoder on a sample of stored rows, against the previous one in the same run: the
  previous path parsed each row with ``json.loads`` and filled the fact field by field in a
  loop (kept below as ``previous_decode``, a copy of the code it replaced); the stored rows are
  now parsed one batch per JSON call and built by a decoder compiled per fact class
  (``o2c.ledger.facts.facts_from_json``);
* the store read and decoded (``store.iter_by_customer()``), then the whole road to columns
  (``o2c.portfolio.from_facts(store.iter_by_customer())``: items and settlements), with the
  movements table too, and the same road with the previous decoder (raw rows, the previous
  decoding, today's projection);

each with CPU time (``cpu``: steadier than wall time on a shared machine), microseconds per fact
and peak memory above the process at rest.  The target of issue 19 is 5 s per million facts.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # benchmarks/ledger.py's workload

from ledger import _peak_kib, _reset_peak_kib, batches  # noqa: E402  (its /proc readings too)
from o2c.adapters.sqlite import FETCH_ROWS, SQLiteLedgerStore  # noqa: E402
from o2c.ledger.facts import (  # noqa: E402
    FACT_TYPES,
    Fact,
    FactKind,
    _field_codecs,
    facts_from_json,
)

BY_CUSTOMER = "SELECT payload FROM ledger_facts ORDER BY customer_id, version"


def previous_decode(text: str) -> Fact:
    """The decoding the stores used before issue 19 (``fact_from_json(text, validate=False)``):
    one ``json.loads`` per row, then each field set in a loop over the class's field codecs."""
    data = json.loads(text)
    cls = FACT_TYPES[FactKind(data["kind"])]
    fact = object.__new__(cls)
    for name, _, dec, default in _field_codecs(cls):
        if name in data:
            value = data[name] if dec is None else dec(data[name])
        elif default is attrs.NOTHING:
            raise TypeError(f"missing field {name!r}")
        else:
            value = default
        object.__setattr__(fact, name, value)
    return fact


def _measure(fn: Callable[[], Any]) -> tuple[float, float, float, Any]:
    """(cpu seconds, wall seconds, peak MiB above rest, result)."""
    rest = _reset_peak_kib()
    w, c = time.perf_counter(), time.process_time()
    result = fn()
    cpu, wall = time.process_time() - c, time.perf_counter() - w
    return cpu, wall, (_peak_kib() - rest) / 1024, result


def _payloads(store: SQLiteLedgerStore, limit: int) -> list[str]:
    out: list[str] = []
    for text in store._stream_raw(BY_CUSTOMER, ()):
        out.append(text)
        if len(out) >= limit:
            break
    return out


def _previous_facts(store: SQLiteLedgerStore) -> Iterator[Fact]:
    return (previous_decode(t) for t in store._stream_raw(BY_CUSTOMER, ()))


def _child(path: str, n_facts: int, sample: int, queue: Any) -> None:
    from o2c.portfolio import from_facts

    store = SQLiteLedgerStore(path)
    texts = _payloads(store, sample)
    from_facts(facts_from_json(texts[:300], validate=False))  # warm the imports
    figures: dict[str, Any] = {"sample": len(texts)}
    previous: list[float] = []
    now: list[float] = []
    for _ in range(3):  # alternating, best of three: the machine is shared
        c = time.process_time()
        old = [previous_decode(t) for t in texts]
        previous.append(time.process_time() - c)
        c = time.process_time()
        new = [
            f
            for i in range(0, len(texts), FETCH_ROWS)
            for f in facts_from_json(texts[i : i + FETCH_ROWS], validate=False)
        ]
        now.append(time.process_time() - c)
        assert new == old
    del old, new, texts
    figures["previous"], figures["now"] = min(previous), min(now)

    def count(facts: Iterator[Fact]) -> int:
        return sum(1 for _ in facts)

    figures["read"] = _measure(lambda: count(store.iter_by_customer()))[:3]
    figures["read_previous"] = _measure(lambda: count(_previous_facts(store)))[:3]

    def shape(model: Any) -> tuple[int, ...]:
        moves = model.movements.num_rows if model.movements is not None else 0
        return (model.items.num_rows, model.settlements.num_rows, moves)

    cpu, wall, peak, model = _measure(lambda: from_facts(store.iter_by_customer()))
    figures["columns"], figures["shape"] = (cpu, wall, peak), shape(model)
    del model
    cpu, wall, peak, model = _measure(lambda: from_facts(store.iter_by_customer(), movements=True))
    figures["movements"], figures["shape_movements"] = (cpu, wall, peak), shape(model)
    del model
    cpu, wall, peak, model = _measure(lambda: from_facts(_previous_facts(store)))
    figures["columns_previous"] = (cpu, wall, peak)
    del model
    store.close()
    queue.put(figures)


def build(path: Path, n_facts: int) -> float:
    store = SQLiteLedgerStore(path)
    versions: dict[str, int] = {}
    t = time.perf_counter()
    for batch in batches(n_facts, 10_000, max(1, n_facts // 100)):
        expected: dict[str, int] = {}
        for f in batch:
            expected.setdefault(f.customer_id, versions.get(f.customer_id, 0))
            versions[f.customer_id] = versions.get(f.customer_id, 0) + 1
        store.append(batch, expected_versions=expected)
    store.close()
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--facts", type=int, default=1_000_000, help="facts (default 1,000,000)")
    parser.add_argument(
        "--sample", type=int, default=30_000, help="rows the decoders are compared on"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="o2c-bench-store-") as tmp:
        path = Path(tmp) / "ledger.sqlite"
        made = build(path, args.facts)
        n = (args.facts // 3) * 3
        print(f"{n:,} facts appended to SQLite in {made:.1f} s (wall; not part of the figures)")
        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        proc = ctx.Process(target=_child, args=(str(path), n, args.sample, queue))
        proc.start()
        f = queue.get()
        proc.join()
    us = 1e6 / f["sample"]
    print(
        f"decoding a stored row ({f['sample']:,} rows, CPU, best of 3): previous "
        f"{f['previous'] * us:.2f} us/fact, now {f['now'] * us:.2f} us/fact "
        f"({f['previous'] / f['now']:.2f}x faster)"
    )

    def line(label: str, key: str, extra: str = "") -> None:
        cpu, wall, peak = f[key]
        print(
            f"  {label:34} cpu {cpu:6.2f} s ({cpu / n * 1e6:5.2f} us/fact)  wall {wall:6.2f} s  "
            f"peak {peak:6.1f} MiB{extra}"
        )

    print(f"store -> facts -> columns, {n:,} facts (SQLite, streamed customer by customer):")
    line("read + decode, previous decoder", "read_previous")
    line("read + decode, now", "read")
    items, settlements, _ = f["shape"]
    line("columns, previous decoder", "columns_previous")
    line("columns, now", "columns", f"  ({items:,} items, {settlements:,} settlements)")
    line("columns + movements, now", "movements", f"  ({f['shape_movements'][2]:,} movements)")
    before, after = f["columns_previous"][0], f["columns"][0]
    per_million = after / n * 1e6
    print(
        f"store -> columns: previous/now {before / after:.2f}x (CPU); {per_million:.1f} s CPU per "
        f"1M facts ({'within' if per_million <= 5 else 'above'} the 5 s target)"
    )


if __name__ == "__main__":
    main()
