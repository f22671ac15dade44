"""Cash application under the noise real remittances show: rate, precision and wrong per kind.

Run: ``.venv/bin/python benchmarks/cash_application_noise.py [--bench DIR] [--n 150] [--seed 7]``.

``tests/cashapp_noise.py`` derives, from the public set and its truth, a batch of payments per
noise kind (prefixes, separators, OCR, typos, other languages, misleading numbers, unknown or
third-party payers, other names, wrapped and truncated lists, another currency, discounts on some
of several invoices, duplicates, invoices already paid).  Each batch is matched together with the
public payments that do not touch its items (so payer accounts are learnt as in a real run), and
only the derived payments are scored: the auto-match rate (right auto-applications / payments
that should be applied), the precision of the auto-applications and the wrong ones (for kinds
where nothing should be applied, ``wrong`` is the figure that counts).  ``--alone`` matches each
kind's payments alone (no accounts learnt from the rest of the batch).
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cashapp_noise import DEFAULT_BENCH, load_world, open_items_for, score, variants  # noqa: E402

from o2c.cash_application import match_payments  # noqa: E402


def _ratio(part: int, whole: int) -> str:
    """``part / whole`` as a percentage, ``-`` when nothing was counted."""
    return f"{part / whole:.1%}" if whole else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--alone", action="store_true", help="match the derived payments alone")
    parser.add_argument("--only", default="", help="comma-separated kinds")
    parser.add_argument("--show", action="store_true", help="print the misses and wrong ones")
    args = parser.parse_args(argv)
    world = load_world(args.bench)
    kinds = variants(world, seed=args.seed, n=args.n)
    if args.only:
        kinds = [v for v in kinds if v.kind in args.only.split(",")]
    gc.disable()
    print(f"{'kind':16} {'n':>5} {'match':>6} {'ok':>5} {'wrong':>6} {'rate':>7} {'prec':>7}")
    total = {"n": 0, "matchable": 0, "ok": 0, "wrong": 0, "auto": 0}
    started = time.perf_counter()
    paid = 0
    for v in kinds:
        touched = set(v.closed) | {i for t in v.truth.values() for i in t}
        background = []
        if not args.alone:
            for pid, p in world.payments.items():
                if not (set(world.truth.get(pid, {})) & touched):
                    background.append(p)
        batch = v.payments + background
        results = match_payments(
            batch, open_items_for(world, v), customers=world.customers, rates=world.rates
        )
        paid += len(batch)
        mine = [r for r in results if r.payment_id in v.truth]
        c = score(mine, v.truth)
        for key in total:
            total[key] += c[key]
        print(
            f"{v.kind:16} {c['n']:5} {c['matchable']:6} {c['ok']:5} {c['wrong']:6} "
            f"{_ratio(c['ok'], c['matchable']):>7} {_ratio(c['ok'], c['auto']):>7}"
        )
        if args.show:
            for r in mine:
                t = v.truth[r.payment_id]
                got = {a.item_id: str(a.applied.amount) for a in r.allocations}
                right = {k: str(x) for k, x in t.items()}
                if r.decision.value == "auto" and got == right:
                    continue
                if not t and r.decision.value != "auto":
                    continue
                p = r.payment
                print(
                    f"   {r.payment_id} {r.decision.value} {r.confidence} got={got} want={right}"
                    f" | {p.amount} {p.payer_name!r} ref={p.reference!r} "
                    f"text={p.remittance_info!r} | {' / '.join(r.explanation)[:300]}"
                )
    elapsed = time.perf_counter() - started
    print(
        f"{'ALL':16} {total['n']:5} {total['matchable']:6} {total['ok']:5} {total['wrong']:6} "
        f"{_ratio(total['ok'], total['matchable']):>7} {_ratio(total['ok'], total['auto']):>7}"
    )
    print(f"{paid} payments matched in {elapsed:.1f} s ({paid / elapsed:,.0f} payments/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
