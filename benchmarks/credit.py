"""Benchmark: score customers from ledger facts, and backtest the cash forecast.

Part 1 generates synthetic ledger facts (invoices, payments, allocations, disputes, write-offs:
about 50 facts per customer) in chunks of customers and times, from the facts, everything a
portfolio scoring run does: the settlement trails (one pass over the facts with the ledger's
projection), the payment history, and per customer the PAYDEX index and the behavioural score.
The baseline, measured in the same run, is one plain pass over the same facts summing the
invoice totals in Decimal.

Part 2 backtests the payment prediction and weekly forecast over a synthetic year of monthly
invoices, replayed as of six month-ends, and prints its runtime and errors.

    python benchmarks/credit.py                 # 5,000 customers / 250,000 facts (quick)
    python benchmarks/credit.py --full          # 100,000 customers / 5,000,000 facts
    python benchmarks/credit.py --customers 20000 --facts-per-customer 50
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import time
from collections import defaultdict
from decimal import Decimal

from o2c.credit import (
    PaymentRecord,
    behavioural_score,
    paydex,
    records_from_trails,
    settlement_trails,
)
from o2c.credit.forecast import Timing, backtest
from o2c.ledger import (
    CustomerId,
    DisputeOpened,
    Fact,
    FactId,
    InvoiceIssued,
    ItemId,
    ItemKind,
    OpenItem,
    PaymentAllocated,
    PaymentId,
    PaymentReceived,
    WrittenOff,
)
from o2c.money import money
from o2c.terms import Instalment

UTC = dt.UTC
AS_OF = dt.date(2026, 3, 31)
HABITS = (-3, 0, 0, 2, 5, 10, 20, 45, 90)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def customer_facts(rng: random.Random, customer: str, target: int) -> list[Fact]:
    """About ``target`` facts for one customer: invoices every ~3 weeks, paid by its habit."""
    habit = rng.choice(HABITS)
    spread = 1 + abs(habit) // 3
    facts: list[Fact] = []
    cid = CustomerId(customer)
    n = 0
    day = AS_OF - dt.timedelta(days=20 * (target // 3) + 10)  # ~1 invoice (3 facts) / 20 days
    while len(facts) < target:
        n += 1
        day += dt.timedelta(days=rng.randint(10, 30))
        if day > AS_OF:
            day = AS_OF
        item = f"{customer}-{n}"
        due = day + dt.timedelta(days=30)
        amount = money(Decimal(rng.randint(5_000, 500_000)).scaleb(-2), "EUR")
        facts.append(
            InvoiceIssued.from_instalments(
                fact_id=f"i-{item}",
                customer_id=cid,
                item_id=item,
                document_number=item,
                document_date=day,
                recorded_at=_at(day),
                instalments=[Instalment(number=1, due_date=due, amount=amount)],
            )
        )
        roll = rng.random()
        paid = due + dt.timedelta(days=habit + rng.randint(-spread, spread))
        if roll < 0.02:
            on = min(due + dt.timedelta(days=120), AS_OF)
            facts.append(
                WrittenOff(
                    fact_id=FactId(f"w-{item}"),
                    customer_id=cid,
                    effective=on,
                    recorded_at=_at(on),
                    item_id=ItemId(item),
                    amount=amount,
                )
            )
            continue
        if roll < 0.05:
            facts.append(
                DisputeOpened(
                    fact_id=FactId(f"d-{item}"),
                    customer_id=cid,
                    effective=day,
                    recorded_at=_at(day),
                    item_id=ItemId(item),
                    amount=amount,
                    reason_code="quality",
                )
            )
        if paid > AS_OF:
            continue
        recorded = _at(paid + dt.timedelta(days=1))
        facts.append(
            PaymentReceived(
                fact_id=FactId(f"p-{item}"),
                customer_id=cid,
                effective=paid,
                recorded_at=recorded,
                payment_id=PaymentId(f"PAY-{item}"),
                amount=amount,
                value_date=paid,
            )
        )
        facts.append(
            PaymentAllocated(
                fact_id=FactId(f"a-{item}"),
                customer_id=cid,
                effective=paid,
                recorded_at=recorded,
                source_id=f"PAY-{item}",
                item_id=ItemId(item),
                applied=amount,
            )
        )
    facts.sort(key=lambda f: f.recorded_at)
    return facts


def baseline_pass(facts: list[Fact]) -> Decimal:
    """One plain pass over the facts: the sum of the invoice totals."""
    total = Decimal(0)
    for f in facts:
        if isinstance(f, InvoiceIssued):
            total += f.total.amount
    return total


def score_chunk(facts: list[Fact]) -> list[tuple[str, int | None, int, str]]:
    """Trails, payment history and both scores for every customer of the facts."""
    trails = settlement_trails(facts, as_of=AS_OF)
    records: dict[str, list[PaymentRecord]] = defaultdict(list)
    for r in records_from_trails(trails):
        records[r.customer_id].append(r)
    open_by: dict[str, list[OpenItem]] = defaultdict(list)
    for t in trails:
        if not t.closed:
            open_by[t.customer_id].append(
                OpenItem(
                    item_id=t.item_id,
                    customer_id=t.customer_id,
                    kind=ItemKind.INVOICE,
                    document_number=t.item_id,
                    document_date=t.document_date,
                    due_date=t.due_date,
                    original_amount=t.amount,
                    open_amount=money(t.open_amount, "EUR"),
                )
            )
    out = []
    limit = money("20000", "EUR")
    for customer in sorted(set(records) | set(open_by)):
        mine, items = records.get(customer, []), open_by.get(customer, [])
        exposure = money(sum((i.open_amount.amount for i in items), Decimal(0)), "EUR")
        b = behavioural_score(
            customer, mine, as_of=AS_OF, open_items=items, exposure=exposure, limit=limit
        )
        out.append((customer, paydex(mine).score, b.score, b.risk_class.value))
    return out


def bench_scoring(customers: int, per_customer: int, chunk: int) -> None:
    rng = random.Random(20260331)
    t_gen = t_base = t_score = 0.0
    n_facts = 0
    classes: dict[str, int] = defaultdict(int)
    scored = 0
    gc_off = (0.0, 0.0)
    for start in range(0, customers, chunk):
        t0 = time.perf_counter()
        facts: list[Fact] = []
        for c in range(start, min(customers, start + chunk)):
            facts += customer_facts(rng, f"C{c:06}", per_customer)
        t1 = time.perf_counter()
        baseline_pass(facts)
        t2 = time.perf_counter()
        results = score_chunk(facts)
        t3 = time.perf_counter()
        if start == 0:  # the first chunk again with Python's cyclic GC paused (batch setting)
            gc.disable()
            try:
                score_chunk(facts)
            finally:
                gc.enable()
            gc_off = (time.perf_counter() - t3, t3 - t2)
        t_gen += t1 - t0
        t_base += t2 - t1
        t_score += t3 - t2
        n_facts += len(facts)
        scored += len(results)
        for _, _, _, rc in results:
            classes[rc] += 1
    print(f"scoring: {scored:,} customers from {n_facts:,} ledger facts")
    print(f"  generate facts (not timed as scoring): {t_gen:8.2f} s")
    print(f"  baseline (one Decimal pass over facts): {t_base:8.2f} s")
    print(
        f"  score (trails + history + PAYDEX + behaviour): {t_score:8.2f} s"
        f"  = {t_score / t_base:,.0f} x baseline"
    )
    print(
        f"  throughput: {scored / t_score:,.0f} customers/s, {n_facts / t_score:,.0f} facts/s;"
        f" {1e6 * t_score / scored:,.0f} us per customer"
    )
    print(f"  risk classes: {dict(sorted(classes.items()))}")
    print(
        f"  first chunk with the cyclic GC paused: {gc_off[0]:.2f} s instead of {gc_off[1]:.2f} s"
        f" ({gc_off[1] / gc_off[0]:.1f}x): batch jobs may pause it around scoring"
    )


def synthetic_history(customers: int, rng: random.Random) -> list[PaymentRecord]:
    """Monthly invoices for 18 months, each customer with a habit and noise; lag 1-3 days."""
    out = []
    for c in range(customers):
        habit = rng.choice(HABITS)
        spread = 1 + abs(habit) // 3
        for m in range(18):
            issued = dt.date(2024, 10, 1) + dt.timedelta(days=30 * m + c % 28)
            due = issued + dt.timedelta(days=30)
            paid = due + dt.timedelta(days=habit + rng.randint(-spread, spread))
            out.append(
                PaymentRecord(
                    item_id=ItemId(f"H{c}-{m}"),
                    customer_id=CustomerId(f"H{c}"),
                    amount=money(Decimal(rng.randint(10_000, 300_000)).scaleb(-2), "EUR"),
                    document_date=issued,
                    due_date=due,
                    paid_date=paid,
                    recorded_on=paid + dt.timedelta(days=rng.randint(1, 3)),
                )
            )
    return out


def bench_backtest(customers: int, timing: Timing) -> None:
    rng = random.Random(7)
    history = synthetic_history(customers, rng)
    cutoffs = [dt.date(2025, m, 28) for m in range(7, 13)]
    t0 = time.perf_counter()
    report = backtest(history, cutoffs, currency_code="EUR", weeks=4, timing=timing)
    elapsed = time.perf_counter() - t0
    items = sum(c.items for c in report.cutoffs)
    print(
        f"backtest ({timing.value} dates): {customers:,} customers, {len(history):,} settled "
        f"invoices, {len(cutoffs)} cut-offs, {items:,} item predictions: {elapsed:.2f} s"
    )
    print(f"  MAE {report.mae_days} days (naive due-date guess: {report.baseline_mae_days} days)")
    weekly_actual = [
        sum(
            (w.actual.amount for c in report.cutoffs for w in c.weeks if w.week == h + 1),
            Decimal(0),
        )
        / len(report.cutoffs)
        for h in range(4)
    ]
    for h, (mae, bias) in enumerate(zip(report.week_mae, report.week_bias, strict=True)):
        share = mae.amount / weekly_actual[h] if weekly_actual[h] else Decimal(0)
        print(
            f"  week {h + 1}: mean abs error {mae.amount:>12} ({share:.1%} of mean actual "
            f"{weekly_actual[h]:.2f}), bias {bias.amount}"
        )
    print(
        f"  80% interval coverage: {report.coverage:.1%}; z that would have covered 80% of the"
        f" weeks: {report.calibrated_z} (model: 1.2816)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--facts-per-customer", type=int, default=50)
    parser.add_argument("--chunk", type=int, default=2_000)
    parser.add_argument("--backtest-customers", type=int, default=1_000)
    parser.add_argument("--full", action="store_true", help="100,000 customers, 5,000,000 facts")
    args = parser.parse_args()
    if args.full:
        args.customers, args.facts_per_customer = 100_000, 50
        args.backtest_customers = max(args.backtest_customers, 5_000)
    bench_scoring(args.customers, args.facts_per_customer, args.chunk)
    for timing in Timing:
        bench_backtest(args.backtest_customers, timing)


if __name__ == "__main__":
    main()
