"""Cash application on the public benchmark set, against a plain ERP rule set in the same run.

Run: ``.venv/bin/python benchmarks/cash_application.py [--bench DIR] [--scale 10]``.

Prints, for o2c's matcher and for the baseline rule set (a reference found verbatim with an exact
amount, or the payer's exact name with one open item of that amount): the scorer's figures
(auto-match rate, precision, wrong auto-applications), the per-scenario table, and payments per
second (matching alone, and the whole ``o2c match`` run with CSV reading and writing).  Then the
same with ``--scale`` times the open items: extra customers with their own documents are
synthesised, so the truth stays valid while every index and candidate list grows.
"""

from __future__ import annotations

import argparse
import csv
import gc
import importlib.util
import io
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from types import ModuleType

from o2c import creditor_reference
from o2c.cash_application import CustomerProfile, MatchResult, match_payments
from o2c.commands.match import read_open_items, read_payments, read_rates, write_results
from o2c.ledger import OpenItem
from o2c.statement import Payment

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BENCH = ROOT.parent / "shared" / "bench" / "cashapp"
WORDS = ("Zeta", "Kappa", "Sigma", "Omega", "Delta", "Gamma", "Theta", "Lambda", "Rho")


def _scorer(bench: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("cashapp_score", bench / "score.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _baseline(
    payments: Sequence[Payment], items: Sequence[OpenItem], customers: Sequence[CustomerProfile]
) -> list[dict[str, str]]:
    """The plain ERP rule set: exact reference with exact amount, or exact name + one item."""
    by_doc: dict[str, list[OpenItem]] = defaultdict(list)
    by_name_amount: dict[tuple[str, str, Decimal], list[OpenItem]] = defaultdict(list)
    names = {c.customer_id: c.name.casefold() for c in customers}
    for item in items:
        by_doc[item.document_number.upper()].append(item)
        if item.payment_reference:
            by_doc[item.payment_reference.upper()].append(item)
        key = (
            names.get(item.customer_id, ""),
            item.open_amount.currency.code,
            item.open_amount.amount,
        )
        by_name_amount[key].append(item)
    rows = []
    for p in payments:
        text = f"{p.reference} {p.remittance_info}".upper()
        found = None
        tokens = re.split(r"[\s,;]+", text)
        tokens += [t.strip("/") for t in tokens] + [t.replace(" ", "") for t in tokens]
        tokens += [part for t in tokens for part in t.split("/INV/")]
        for token in dict.fromkeys(t for t in tokens if t):
            for item in by_doc.get(token, ()):
                if item.open_amount == p.amount:
                    found = item
        if found is None and p.reference:
            for item in by_doc.get(p.reference.replace(" ", "").upper(), ()):
                if item.open_amount == p.amount:
                    found = item
        if found is None:
            key = (p.payer_name.casefold(), p.amount.currency.code, p.amount.amount)
            candidates = by_name_amount.get(key, [])
            if len(candidates) == 1:
                found = candidates[0]
        if found is not None:
            rows.append(
                {
                    "payment_id": p.payment_id,
                    "item_id": found.item_id,
                    "applied_amount": str(found.open_amount.amount),
                    "auto": "true",
                }
            )
    return rows


def _score(
    scorer: ModuleType, truth: Path, rows_csv: str
) -> tuple[dict[str, object], dict[str, dict[str, int]]]:
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
        handle.write(rows_csv)
        path = handle.name
    try:
        out, rows = scorer.score(str(truth), path)
    finally:
        Path(path).unlink()
    return out, rows


def _rows_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=["payment_id", "item_id", "applied_amount", "auto"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _results_csv(results: Sequence[MatchResult]) -> str:
    buffer = io.StringIO()
    write_results(results, buffer)
    return buffer.getvalue()


def _scaled_open_items(source: Path, target: Path, scale: int) -> None:
    """The open items plus ``scale - 1`` synthetic copies for new customers (new documents)."""
    rng = random.Random(20260331)
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0].keys())
    out = list(rows)
    for k in range(1, scale):
        word = WORDS[(k - 1) % len(WORDS)]
        for row in rows:
            new = dict(row)
            new["item_id"] = f"X{k}{row['item_id']}"
            new["customer_id"] = f"X{k}{row['customer_id']}"
            new["customer_name"] = f"{word} {row['customer_name']}"
            digits = "".join(ch for ch in row["document_number"] if ch.isdigit())
            new["document_number"] = f"{word[:2].upper()}-{k}{digits}"
            if row["payment_reference"]:
                new["payment_reference"] = creditor_reference.create(f"X{k}{digits}")
            factor = Decimal(rng.randint(80, 125)) / 100
            places = Decimal(1) if row["currency"] == "JPY" else Decimal("0.01")
            original = (Decimal(row["original_amount"]) * factor).quantize(places)
            open_amount = (Decimal(row["open_amount"]) * factor).quantize(places)
            new["original_amount"], new["open_amount"] = str(original), str(open_amount)
            if row["discount_amount"]:
                new["discount_amount"] = str(
                    (Decimal(row["discount_amount"]) * factor).quantize(places)
                )
            out.append(new)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)


def _run(
    bench: Path, open_items: Path, label: str, scorer: ModuleType, with_baseline: bool
) -> None:
    started, cpu_started = time.perf_counter(), time.process_time()
    items, customers = read_open_items(open_items)
    payments = read_payments(bench / "payments.csv")
    rates = read_rates(bench / "rates.csv")
    read_s = time.perf_counter() - started
    t0, c0 = time.perf_counter(), time.process_time()
    results = match_payments(payments, items, customers=customers, rates=rates)
    match_s, match_cpu = time.perf_counter() - t0, time.process_time() - c0
    t1 = time.perf_counter()
    text = _results_csv(results)
    write_s = time.perf_counter() - t1
    total_cpu = time.process_time() - cpu_started
    out, table = _score(scorer, bench / "truth.csv", text)
    total_s = read_s + match_s + write_s
    n = len(payments)
    print(f"\n== {label}: {len(items):,} open items, {n:,} payments ==")
    print(f"o2c matcher: {out}")
    print(f"{'scenario':26} {'n':>6} {'ok':>6} {'wrong':>6} {'sugg':>6}")
    for scenario, c in table.items():
        print(f"{scenario:26} {c['n']:6} {c['ok']:6} {c['wrong']:6} {c['suggested']:6}")
    print(
        f"matching: {match_s:.2f}s wall = {n / match_s:,.0f} payments/s "
        f"({match_cpu:.2f}s CPU = {n / match_cpu:,.0f} payments/s)"
    )
    print(
        f"whole run with CSV I/O: {total_s:.2f}s wall = {n / total_s:,.0f} payments/s "
        f"({total_cpu:.2f}s CPU = {n / total_cpu:,.0f} payments/s; "
        f"read {read_s:.2f}s, write {write_s:.2f}s)"
    )
    if with_baseline:
        b0 = time.perf_counter()
        rows = _baseline(payments, items, customers)
        base_s = time.perf_counter() - b0
        base_out, _ = _score(scorer, bench / "truth.csv", _rows_csv(rows))
        print(f"baseline (ERP rules): {base_out}")
        print(f"baseline speed: {n / base_s:,.0f} payments/s")
        rate = float(str(out["auto_match_rate"]))
        base_rate = float(str(base_out["auto_match_rate"]))
        print(
            f"ratio o2c/baseline: auto-match rate x{rate / base_rate:.2f}, "
            f"wrong autos {out['wrong_auto']} vs {base_out['wrong_auto']}, "
            f"time x{match_s / base_s:.1f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--scale", type=int, default=10)
    args = parser.parse_args(argv)
    bench: Path = args.bench
    if not (bench / "payments.csv").exists():
        print(f"benchmark data not found in {bench}", file=sys.stderr)
        return 1
    scorer = _scorer(bench)
    gc.disable()  # as ``o2c match`` runs: no cycles, the collector would only rescan the items
    _run(bench, bench / "open_items.csv", "public set", scorer, with_baseline=True)
    if args.scale > 1:
        with tempfile.TemporaryDirectory() as tmp:
            scaled = Path(tmp) / "open_items.csv"
            _scaled_open_items(bench / "open_items.csv", scaled, args.scale)
            _run(bench, scaled, f"x{args.scale} open items", scorer, with_baseline=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
