"""Remittance advices on the public bank-file set: linking, and matching with and without them.

Run: ``.venv/bin/python benchmarks/advices.py [--shared ../shared/bench] [--out DIR]``.

The set (``../shared/bench/cashapp2``) is read as a match folder
(:func:`o2c.adapters.match_folder.read_match_folder`: bank files, master data, history, advices).
Printed:

- **linking** against ``advice_truth.csv`` (read here, for measuring only): advices linked right
  (the truth's payment ids exactly), wrong, left; precision (right / linked) and recall (right /
  advices); duplicates recognised;
- **matching** without and with the advices (``apply_advices`` then ``match_payments``), each
  ``matches.csv`` written as ``o2c match`` writes it and scored by the set's ``score.py``:
  auto-match rate, precision, wrong postings, and the auto-match rate of the payments that have
  an advice.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from o2c.adapters.match_folder import MatchFolder, read_match_folder
from o2c.cash_application import MatchResult, match_payments
from o2c.cash_application.advices import AdviceLink, LinkStatus, apply_advices, link_advices
from o2c.cli.commands.match import write_results
from o2c.statement import Payment

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "bench"


def _scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("cashapp_score", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def linking(links: Sequence[AdviceLink], truth_path: Path) -> dict[str, float]:
    """Advices linked right, wrong and left against the truth; precision and recall."""
    with truth_path.open(newline="", encoding="utf-8") as handle:
        truth = {r["advice_id"]: r for r in csv.DictReader(handle)}
    right = wrong = left = dup_right = dup_n = 0
    for link in links:
        t = truth.get(link.advice_id)
        if t is None:
            continue
        want = set(t["payment_ids"].split())
        got = set(link.payment_ids)
        if not got:
            left += 1
        elif got == want:
            right += 1
        else:
            wrong += 1
            print(f"  wrong: {link.advice_id} -> {sorted(got)} (truth {sorted(want)})")
        if t["duplicate_of"]:
            dup_n += 1
            dup_right += link.duplicate_of == t["duplicate_of"]
    linked = right + wrong
    n = len(truth)
    print(
        f"linking: {n} advices: {right} right, {wrong} wrong, {left} left; "
        f"precision {right / linked if linked else 0:.2%}, recall {right / n if n else 0:.2%}; "
        f"duplicates recognised {dup_right}/{dup_n}"
    )
    return {"right": right, "wrong": wrong, "left": left}


def scored(
    name: str,
    results: Sequence[MatchResult],
    out: Path,
    bench: Path,
    scorer: ModuleType,
    advised: set[str],
) -> None:
    """Write ``results`` as ``o2c match`` does, score them, and print the figures."""
    path = out / f"matches_{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        write_results([r for r in results if r.payment.is_incoming], handle)
    figures, _table = scorer.score(str(bench / "truth.csv"), str(path))
    truth, _scen = scorer.load_truth(str(bench / "truth.csv"))
    auto, _proposed = scorer.load_matches(str(path))
    with_advice = [pid for pid in advised if truth.get(pid)]
    ok = sum(1 for pid in with_advice if auto.get(pid) and scorer.same(auto[pid], truth[pid]))
    bad = sum(1 for pid in with_advice if auto.get(pid) and not scorer.same(auto[pid], truth[pid]))
    print(
        f"{name:16} auto-match {figures['auto_match_rate']:.2%}  precision "
        f"{figures['auto_precision']:.2%}  wrong {figures['wrong_auto']:3}  | payments with "
        f"an advice: {ok}/{len(with_advice)} auto-applied right ({ok / len(with_advice):.1%}), "
        f"{bad} wrong"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Measure advice linking and matching with and without advices on the public set."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=Path("/tmp/o2c-advices-bench"))
    args = parser.parse_args(argv)
    bench = Path(args.shared) / "cashapp2"
    if not (bench / "advice_truth.csv").exists():
        print(f"benchmark data not found in {bench}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    folder: MatchFolder = read_match_folder(bench)
    print(
        f"read {len(folder.payments):,} bank lines, {len(folder.items):,} open items, "
        f"{len(folder.advices)} advices, {folder.history_payments:,} history payments in "
        f"{time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    links = link_advices(
        folder.advices, folder.payments, customers=folder.customers, open_items=folder.items
    )
    print(f"linked in {time.perf_counter() - started:.2f} s")
    linking(links, bench / "advice_truth.csv")
    with (bench / "advice_truth.csv").open(newline="", encoding="utf-8") as handle:
        advised = {pid for r in csv.DictReader(handle) for pid in r["payment_ids"].split()}
    scorer = _scorer(Path(args.shared) / "cashapp" / "score.py")
    runs: list[tuple[str, Sequence[Payment]]] = [
        ("without advices", folder.payments),
        ("with advices", apply_advices(folder.payments, links, open_items=folder.items)),
    ]
    for name, payments in runs:
        results = match_payments(
            payments,
            folder.items,
            customers=folder.customers,
            shared_payers=folder.shared_payers,
            rates=folder.rates,
        )
        scored(name.replace(" ", "_"), results, args.out, bench, scorer, advised)
    statuses = {s: sum(k.status is s for k in links) for s in LinkStatus}
    print("link statuses: " + ", ".join(f"{s.value} {n}" for s, n in statuses.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
