"""Schedules per second: o2c's PaymentTerms.schedule against a hand-written dateutil/Decimal loop.

The term has three instalments and two discount tiers per instalment:
"3/14 2/30 30% advance, 30% net 1m, balance net 60 scope=instalment".  The baseline computes
the same due dates, amounts, deadlines and discounts with relativedelta and Decimal directly
(no validation, no Money, no policy objects); both are checked to agree before timing.

Run: .venv/bin/python benchmarks/terms.py [iterations]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from o2c.money import money
from o2c.terms import PaymentTerms

TERMS = "3/14 2/30 30% advance, 30% net 1m, balance net 60 scope=instalment"
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def baseline(
    day: dt.date, total: Decimal
) -> list[tuple[dt.date, Decimal, list[tuple[dt.date, Decimal]]]]:
    """The same schedule by hand: percent lines rounded half-up, the balance takes the rest."""
    first = (total * Decimal(30) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    second = (total * Decimal(30) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    rows = [
        (day, first),
        (day + relativedelta(months=1), second),
        (day + dt.timedelta(days=60), total - first - second),
    ]
    tiers = ((Decimal(3), 14), (Decimal(2), 30))
    out = []
    for due, amount in rows:
        offers = [
            (
                day + dt.timedelta(days=days),
                (amount * pct / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP),
            )
            for pct, days in tiers
        ]
        out.append((due, amount, offers))
    return out


def timed(fn: Callable[[], object], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "iterations", type=int, nargs="?", default=5_000, help="schedules per run (5,000)"
    )
    n = parser.parse_args().iterations
    terms = PaymentTerms.parse(TERMS)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=i % 731) for i in range(n)]
    totals = [Decimal(100_000 + 37 * i).scaleb(-2) for i in range(n)]
    moneys = [money(t, "EUR") for t in totals]

    for day, total, m in zip(days[:500], totals[:500], moneys[:500], strict=True):
        s = terms.schedule(day, m)
        got = [
            (i.due_date, i.amount.amount, [(o.deadline, o.amount.amount) for o in i.discounts])
            for i in s.instalments
        ]
        assert got == baseline(day, total), (day, total)

    def run_o2c() -> None:
        for day, m in zip(days, moneys, strict=True):
            terms.schedule(day, m)

    def run_baseline() -> None:
        for day, total in zip(days, totals, strict=True):
            baseline(day, total)

    def run_parse() -> None:
        for _ in range(n):
            PaymentTerms.parse(TERMS)

    t_o2c = timed(run_o2c)
    t_base = timed(run_baseline)
    t_parse = timed(run_parse)
    print(f"terms: {TERMS!r}, {n} schedules per run, best of 3")
    print(f"  o2c PaymentTerms.schedule      {n / t_o2c:>10,.0f} schedules/s")
    print(f"  hand-written dateutil/Decimal  {n / t_base:>10,.0f} schedules/s")
    print(f"  ratio o2c time / hand time     {t_o2c / t_base:>10.1f}x")
    print(f"  PaymentTerms.parse             {n / t_parse:>10,.0f} parses/s")


if __name__ == "__main__":
    main()
