"""Reports benchmark: every report of the catalogue built from a generated ledger and rendered in
every format (issue 21: "each report renders in every format from the demo ledger and from a
100,000-item ledger").

The ledger is :func:`tests.test_reports_ledger.sample_facts` (customers with limits, invoices
over a year, payments on time, late, partial and with deductions, unapplied cash, credit memos,
disputes, write-offs), loaded into an in-memory ledger with ``Ledger.load_history``.  Per report:
the time to build it (reading the ledger through its read model) and to render CSV, XLSX, HTML
(charts included, at most 5,000 rows per table) and PDF (at most 500 rows per table), in German.

Run: ``.venv/bin/python benchmarks/reports.py [--items 100000] [--demo FILE]``.
The last line: ``reports: items N, build total X.X s, render total Y.Y s``.

``--paths`` instead times the reports that run on the portfolio engine on both paths, in CPU
seconds of this process (DuckDB on one thread) measured in the same run: the domain path, the
engine reading the ledger itself (``engine=``), and the engine on the ledger read once for all
of them (``columns=``, :func:`o2c.reports.columns.ledger_columns`, whose time is printed apart).
The last line: ``paths: items N, domain X.X s, engine Y.Y s, engine on one read Z.Z s``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.test_reports_ledger import AS_OF, sample_facts  # noqa: E402

from o2c.ledger import Ledger  # noqa: E402
from o2c.reports import FORMATS, REPORTS, build_report, render  # noqa: E402

_OPTIONS = {
    "statement": {"customer_id": "C00001"},
    "worklist": {"currency_code": "EUR", "rates": {"USD": __import__("decimal").Decimal("0.9")}},
}


def _run(
    ledger: Ledger, as_of: object, options: dict[str, dict[str, object]]
) -> tuple[float, float]:
    print(f"{'report':14} {'rows':>7} {'build':>8} " + " ".join(f"{f:>8}" for f in FORMATS))
    build_total = render_total = 0.0
    for name in sorted(REPORTS):
        t = time.perf_counter()
        report = build_report(name, ledger, as_of=as_of, **options.get(name, {}))  # type: ignore[arg-type]
        built = time.perf_counter() - t
        build_total += built
        cells = []
        for fmt in FORMATS:
            t = time.perf_counter()
            data = render(report, fmt, "de")
            spent = time.perf_counter() - t
            render_total += spent
            assert data
            cells.append(f"{spent:7.2f}s")
        rows = len(report.table().rows)
        print(f"{name:14} {rows:7d} {built:7.2f}s " + " ".join(cells), flush=True)
    return build_total, render_total


#: The reports that take ``engine=``, with the options both paths are given.
_ENGINE_REPORTS = {
    "aged-balance": {},
    "dso-trend": {},
    "exposure": {},
    "provision": {"currency_code": "EUR"},
    "worklist": {"currency_code": "EUR", "rates": {"USD": __import__("decimal").Decimal("0.9")}},
}


def _paths(ledger: Ledger, as_of: object, items: int) -> None:
    from o2c.adapters.duckdb import DuckDBEngine
    from o2c.reports.columns import ledger_columns

    engine = DuckDBEngine(threads=1)
    clock = time.process_time
    ledger_columns(ledger)  # imports pyarrow and duckdb outside the timings
    t = clock()
    columns = ledger_columns(ledger)
    read = clock() - t
    print(f"ledger read as columns once: {read:.2f} s CPU")
    print(f"{'report':14} {'domain':>8} {'engine':>8} {'ratio':>6} {'on read':>8}")
    sums = [0.0, 0.0, 0.0]
    for name, options in _ENGINE_REPORTS.items():
        spent = []
        for extra in ({}, {"engine": engine}, {"engine": engine, "columns": columns}):
            t = clock()
            build_report(name, ledger, as_of=as_of, **options, **extra)  # type: ignore[arg-type]
            spent.append(clock() - t)
        for i, value in enumerate(spent):
            sums[i] += value
        ratio = spent[1] / spent[0] if spent[0] else float("nan")
        print(
            f"{name:14} {spent[0]:7.2f}s {spent[1]:7.2f}s {ratio:6.2f} {spent[2]:7.2f}s",
            flush=True,
        )
    print(
        f"paths: items {items}, domain {sums[0]:.1f} s, engine {sums[1]:.1f} s, "
        f"engine on one read {sums[2] + read:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="invoices (default 100000)")
    parser.add_argument("--demo", default=None, help="also the ledger `o2c demo --db FILE` wrote")
    parser.add_argument(
        "--paths", action="store_true", help="time the engine reports on both paths (CPU)"
    )
    args = parser.parse_args()
    if args.demo:
        from o2c.adapters.sqlite import SQLiteLedgerStore

        store = SQLiteLedgerStore(args.demo)
        demo = Ledger(store)
        last = max(f.effective for f in demo.facts())
        print(f"demo ledger {args.demo}, as of {last}")
        _run(demo, last, {"statement": {"customer_id": "C-3003"}})
        store.close()
    t = time.perf_counter()
    facts = sample_facts(args.items)
    ledger = Ledger()
    ledger.load_history(facts)
    loaded = time.perf_counter() - t
    items = len(ledger.open_items(AS_OF))
    print(
        f"\ngenerated ledger: {args.items:,} invoices, {len(facts):,} facts "
        f"({items:,} items open on {AS_OF}), generated and loaded in {loaded:.1f} s"
    )
    if args.paths:
        _paths(ledger, AS_OF, args.items)
        return
    build_total, render_total = _run(ledger, AS_OF, _OPTIONS)
    print(
        f"reports: items {args.items}, build total {build_total:.1f} s, "
        f"render total {render_total:.1f} s"
    )


if __name__ == "__main__":
    main()
