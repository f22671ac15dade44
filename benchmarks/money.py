"""Money core: ns per operation against plain Decimal doing the same work in the same run.

Run: ``.venv/bin/python benchmarks/money.py [--repeat N]``.  Prints one row per operation with o2c's
time, the baseline's time and the ratio (o2c / baseline).
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from o2c.money import Rounding, allocate, allocate_decimal, money, quantize, quantize_decimal

CENT = Decimal("0.01")
WEIGHTS_12 = [1] * 12


def _baseline_allocate_12(amount: Decimal) -> list[Decimal]:
    """Allocate into 12 equal parts by hand: floor each share, give the rest to the first parts."""
    units = int(amount / CENT)
    base, rest = divmod(units, 12)
    return [Decimal(base + (1 if i < rest else 0)) * CENT for i in range(12)]


def _ns(fn: Callable[[], object], number: int, repeat: int) -> float:
    best = min(timeit.repeat(fn, number=number, repeat=repeat))
    return best / number * 1e9


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()
    n, r = args.number, args.repeat

    m = money("1234567.89", "EUR")
    raw = Decimal("1234.5678")
    raw_m = money(raw, "EUR")
    assert sum(p.amount for p in allocate(m, WEIGHTS_12)) == m.amount
    assert sum(_baseline_allocate_12(m.amount)) == m.amount

    rows = [
        (
            "allocate into 12 parts (Money)",
            _ns(lambda: allocate(m, WEIGHTS_12), n // 4, r),
            _ns(lambda: _baseline_allocate_12(m.amount), n // 4, r),
        ),
        (
            "allocate into 12 parts (Decimal API)",
            _ns(lambda: allocate_decimal(m.amount, WEIGHTS_12, CENT), n // 4, r),
            _ns(lambda: _baseline_allocate_12(m.amount), n // 4, r),
        ),
        (
            "quantize (Money, currency minor unit)",
            _ns(lambda: quantize(raw_m), n, r),
            _ns(lambda: raw.quantize(CENT, rounding=ROUND_HALF_UP), n, r),
        ),
        (
            "quantize_decimal (Decimal API)",
            _ns(lambda: quantize_decimal(raw, CENT, Rounding.HALF_UP), n, r),
            _ns(lambda: raw.quantize(CENT, rounding=ROUND_HALF_UP), n, r),
        ),
        (
            "construct money('12.34', 'EUR')",
            _ns(lambda: money("12.34", "EUR"), n, r),
            _ns(lambda: Decimal("12.34"), n, r),
        ),
    ]
    print(f"{'operation':42} {'o2c ns/op':>11} {'Decimal ns/op':>14} {'ratio':>7}")
    for name, ours, base in rows:
        print(f"{name:42} {ours:11.0f} {base:14.0f} {ours / base:7.1f}x")


if __name__ == "__main__":
    main()
