"""Benchmark: payment prediction on a synthetic ledger with drifting habits, disputes and channels.

The portfolio imitates the public accounts-receivable datasets the issue describes: about 100
customers over two years, invoices on 30-day terms (some 15/45/60, some with a cash discount),
five countries, a paper or electronic invoice channel (each customer goes paperless on its own
date, after which it pays about five days sooner), disputes opened on issue (about 12 days
slower), payment runs at month and quarter end, promises to pay on some late invoices, and a
general drift: mean days to settle fall from about 29 to about 22 over the two years.  Every
invoice, payment, allocation, dispute and promise goes through the ledger, loaded as a history
another system would export: shuffled, without recording times
(:meth:`o2c.ledger.Ledger.load_history` orders it and stamps each fact at the end of its
effective day); the channel, country and group are supplied beside it
(:class:`o2c.credit.FeatureContext`: the ledger does not record them).

Printed: the mean days to settle per half-year (the drift), then for each model (the default
shrinkage model; gradient boosting when scikit-learn is installed) a monthly backtest over the
second year scoring the invoices issued in each month from what was known at its start: MAE
beside the baselines (due date, global median, customer median), the 80 % interval coverage
(calibrated online) and the weekly cash-in interval coverage, each model's gain over the
customer median beside its target (default >= 15 %, learned >= 25 %); then a backtest of the
items open at each cut-off (weekly cash intervals); then the weekly cash-in intervals with a
cut-off every Monday of 2025 (about 200 forecast weeks per scope, enough to read a coverage
from), per horizon (weeks ahead, each calibrated on its own errors shrunk toward every
horizon's); then fit and predict speed (wall-clock and CPU time: the machine may be shared).

    python benchmarks/forecast.py                  # 100 customers, two years
    python benchmarks/forecast.py --customers 300 --seed 7
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from decimal import Decimal

from o2c.credit.features import FeatureContext, build_features, timelines_from_history
from o2c.credit.prediction import ShrinkageModel
from o2c.credit.prediction_backtest import BASELINES, Scope, backtest_predictions
from o2c.errors import MissingExtraError
from o2c.ledger import (
    DisputeOpened,
    DisputeResolved,
    Fact,
    InvoiceIssued,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
    PromisedToPay,
    read,
)
from o2c.ledger.bulk import UNRECORDED
from o2c.money import money
from o2c.terms import DiscountOffer, Instalment

START = dt.date(2024, 1, 1)
DAYS = 730
COUNTRIES = {"391": 0.0, "406": 2.0, "770": -1.5, "818": 4.0, "897": 1.0}


def _month_end(day: dt.date, days: int) -> bool:
    nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (nxt - day).days <= days


def synthesize(customers: int, seed: int) -> tuple[list[Fact], FeatureContext, list[int]]:
    """The facts, the context the ledger does not hold, and days to settle (for the drift)."""
    rng = random.Random(seed)
    facts: list[Fact] = []
    channels: dict[str, str] = {}
    countries: dict[str, str] = {}
    groups: dict[str, str] = {}
    settle: list[tuple[int, int]] = []
    for c in range(customers):
        cid = f"C{c:04d}"
        country = rng.choice(list(COUNTRIES))
        countries[cid] = country
        groups[cid] = f"G{c % 7}"
        habit = rng.gauss(-6.0, 5.0) + COUNTRIES[country]
        paperless = START + dt.timedelta(days=rng.randint(-200, 900))
        dispute_rate = rng.choice((0.05, 0.1, 0.15, 0.3))
        noise = rng.choice((1.5, 3.0, 5.0))
        day = START + dt.timedelta(days=rng.randint(0, 20))
        n = 0
        while day < START + dt.timedelta(days=DAYS):
            n += 1
            item = f"{cid}-{n}"
            terms = rng.choices((30, 15, 45, 60), weights=(80, 5, 10, 5))[0]
            due = day + dt.timedelta(days=terms)
            value = Decimal(f"{rng.lognormvariate(7, 1):.2f}")
            amount = money(value, "EUR")
            discount = rng.random() < 0.15
            electronic = day >= paperless
            channels[item] = "electronic" if electronic else "paper"
            disputed = rng.random() < dispute_rate
            t = (day - START).days / DAYS
            late = habit - 6.0 * t + rng.gauss(0.0, noise)
            late += -5.0 if electronic else 0.0
            late += 12.0 + rng.expovariate(1 / 4) if disputed else 0.0
            late += -6.0 if discount else 0.0
            late += 2.0 if _month_end(due, 3) else 0.0
            late += 3.0 if due.month % 3 == 0 and _month_end(due, 7) else 0.0
            if rng.random() < 0.04:
                late += rng.uniform(15, 45)
            days_late = max(round(late), -terms + 2)
            paid = due + dt.timedelta(days=days_late)
            offers = (
                (
                    DiscountOffer(
                        deadline=day + dt.timedelta(days=10),
                        amount=money((value / 50).quantize(Decimal("0.01")), "EUR"),
                        percent=Decimal(2),
                    ),
                )
                if discount
                else ()
            )
            facts.append(
                InvoiceIssued.from_instalments(
                    fact_id=f"i-{item}",
                    customer_id=cid,
                    item_id=item,
                    document_number=item,
                    document_date=day,
                    recorded_at=UNRECORDED,
                    instalments=[
                        Instalment(number=1, due_date=due, amount=amount, discounts=offers)
                    ],
                )
            )
            if disputed:
                facts.append(
                    DisputeOpened(
                        fact_id=f"d-{item}",
                        customer_id=cid,
                        effective=day,
                        recorded_at=UNRECORDED,
                        item_id=item,
                        amount=amount,
                        reason_code="pricing",
                    )
                )
                done = paid - dt.timedelta(days=rng.randint(0, 5))
                facts.append(
                    DisputeResolved(
                        fact_id=f"r-{item}",
                        customer_id=cid,
                        effective=max(done, day),
                        recorded_at=UNRECORDED,
                        dispute_id=f"d-{item}",
                        amount=amount,
                        reason_code="agreed",
                    )
                )
            if days_late > 10 and rng.random() < 0.5:
                made = due + dt.timedelta(days=5)
                promised = paid + dt.timedelta(days=rng.choice((-3, 0, 0, 2)))
                facts.append(
                    PromisedToPay(
                        fact_id=f"p-{item}",
                        customer_id=cid,
                        effective=made,
                        recorded_at=UNRECORDED,
                        amount=amount,
                        promised_date=max(promised, made),
                        item_id=item,
                    )
                )
            facts.append(
                PaymentReceived(
                    fact_id=f"pay-{item}",
                    customer_id=cid,
                    effective=paid,
                    recorded_at=UNRECORDED,
                    payment_id=f"PAY-{item}",
                    amount=amount,
                    value_date=paid,
                )
            )
            facts.append(
                PaymentAllocated(
                    fact_id=f"a-{item}",
                    customer_id=cid,
                    effective=paid,
                    recorded_at=UNRECORDED,
                    source_id=f"PAY-{item}",
                    item_id=item,
                    applied=amount,
                )
            )
            settle.append(((day - START).days, (paid - day).days))
            day += dt.timedelta(days=max(3, round(rng.expovariate(1 / 28))))
    halves = [
        round(
            sum(s for d, s in settle if h * 182 <= d < (h + 1) * 182)
            / max(1, sum(1 for d, _ in settle if h * 182 <= d < (h + 1) * 182)),
            1,
        )
        for h in range(4)
    ]
    context = FeatureContext(channels=channels, countries=countries, groups=groups)
    rng.shuffle(facts)  # an export in no particular order
    return facts, context, halves  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args()

    t0 = time.perf_counter()
    facts, context, halves = synthesize(args.customers, args.seed)
    synth = time.perf_counter() - t0
    t0 = time.perf_counter()
    ledger = Ledger()
    load = ledger.load_history(facts)
    loaded = time.perf_counter() - t0
    timelines = timelines_from_history(read(ledger.facts()))
    build = time.perf_counter() - t0
    print(
        f"ledger: {len(facts):,} facts, {len(timelines):,} invoices, "
        f"{args.customers} customers; synthesized in {synth:.1f} s, loaded in {loaded:.1f} s, "
        f"loaded and read in {build:.1f} s"
    )
    print(f"  {load.summary()}")
    print(f"mean days to settle per half-year: {halves}")

    cutoffs = [dt.date(2025, m, 1) for m in range(1, 13)]
    models: list[object] = [ShrinkageModel()]
    try:
        import sklearn  # noqa: F401

        from o2c.credit.prediction_learned import GradientBoostingModel

        models.append(GradientBoostingModel())
    except (ImportError, MissingExtraError):
        print("scikit-learn not installed: the learned model is skipped (pip install o2c[learn])")

    print(
        "\nBacktest, invoices issued in each month of 2025 predicted from what was known at "
        "the month's start:"
    )
    reference = None
    targets_pct = {"shrinkage": 15, "gradient boosting": 25}
    for m in models:
        t = time.perf_counter()
        cpu = time.process_time()
        report = backtest_predictions(timelines, cutoffs, model=m, context=context)  # type: ignore[arg-type]
        took = time.perf_counter() - t
        took_cpu = time.process_time() - cpu
        mae = report.mae_days
        if reference is None:
            reference = mae["customer median"]
            print("  baselines: " + ", ".join(f"{b} MAE {mae[b]}" for b in BASELINES))
        gain = (1 - mae[report.model] / reference) * 100 if reference else Decimal(0)
        target = targets_pct.get(report.model)
        verdict = (
            ""
            if target is None
            else f", target >= {target}%: {'met' if gain >= target else 'NOT met'}"
        )
        print(
            f"  {report.model}: MAE {mae[report.model]} days ({gain:.1f}% better than the "
            f"customer median{verdict}) over {len(report.paid)} invoices; 80% intervals cover "
            f"{_pct(report.coverage)} (calibrated {_pct(report.calibrated_coverage)}); weekly "
            f"cash 80% intervals cover {_pct(report.week_coverage)} (calibrated "
            f"{_pct(report.calibrated_week_coverage)}); {took:.1f} s ({took_cpu:.1f} s CPU)"
        )
        sample = report.paid[-1]
        print(f"    e.g. {sample.prediction.explanation}; actual {sample.actual_date}")

    print("\nBacktest, invoices open at each month's start (weekly cash-in over 4 weeks):")
    for m in models:
        report = backtest_predictions(
            timelines,
            cutoffs,
            model=m,
            context=context,
            scope=Scope.OPEN_AT_CUTOFF,  # type: ignore[arg-type]
        )
        mae = report.mae_days
        print(
            f"  {report.model}: MAE {mae[report.model]} days ("
            + ", ".join(f"{b} {mae[b]}" for b in BASELINES)
            + f"); 80% intervals cover "
            f"{_pct(report.coverage)} (calibrated {_pct(report.calibrated_coverage)}); weekly "
            f"cash cover {_pct(report.week_coverage)} (calibrated "
            f"{_pct(report.calibrated_week_coverage)}, {sum(w.calibrated for w in report.weeks)}"
            f" weeks)"
        )

    mondays = [dt.date(2025, 1, 6) + dt.timedelta(days=7 * k) for k in range(52)]
    print("\nWeekly cash-in, 80% intervals, a cut-off every Monday of 2025 (default model):")
    for scope in (Scope.ISSUED_IN_PERIOD, Scope.OPEN_AT_CUTOFF):
        report = backtest_predictions(timelines, mondays, context=context, scope=scope)
        cal = report.calibrated_week_coverage
        inside = cal is not None and Decimal("0.75") <= cal <= Decimal("0.85")
        horizons = ", ".join(
            f"week {h} {_pct(v)}" for h, v in report.calibrated_week_coverage_by_horizon.items()
        )
        print(
            f"  {scope.value}: calibrated weeks cover {_pct(cal)} of "
            f"{sum(w.calibrated for w in report.weeks)} (target 75-85%: "
            f"{'met' if inside else 'NOT met'}); by horizon: {horizons}"
        )

    print("\nSpeed:")
    as_of = dt.date(2025, 12, 31)
    paid = [t for t in timelines if t.paid_by(as_of)]
    t = time.perf_counter()
    feats = build_features(timelines, [(x, x.document_date) for x in paid], context=context)
    took = time.perf_counter() - t
    print(f"  features: {len(feats):,} items in {took:.2f} s ({len(feats) / took:,.0f} /s)")
    targets = [x.days_late or 0 for x in paid]
    batch = (feats * (1 + 20_000 // len(feats)))[:20_000]
    for m in models:
        t = time.perf_counter()
        fitted = m.fit(feats, targets, as_of=as_of)  # type: ignore[attr-defined]
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        cpu = time.process_time()
        predictions = fitted.predict(batch)
        pred_s = time.perf_counter() - t
        pred_cpu = time.process_time() - cpu
        t = time.perf_counter()
        texts = sum(len(p.explanation) > 0 for p in predictions)
        explain_s = time.perf_counter() - t
        print(
            f"  {fitted.name}: fit on {len(feats):,} items {fit_s:.2f} s; "
            f"{len(batch) / pred_s:,.0f} predictions/s wall, {len(batch) / pred_cpu:,.0f}/s "
            f"CPU (every one explained; the texts of all {texts:,} made when read: "
            f"{texts / explain_s:,.0f}/s)"
        )


def _pct(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


if __name__ == "__main__":
    main()
