"""Demo section: take an order through the credit check; scores, the provision, a cash forecast.

Reads ``ctx.today`` and, when earlier sections left them, ``ctx.state["ledger"]`` (anything with
``facts()`` and ``open_items()``: an order from its largest debtor is checked against its open
items, and it is the portfolio when it holds enough payment history; otherwise a sample ledger of
six customers and fifteen months is built here) and ``ctx.state["dunning"]`` (the collections
section's dunning run: that customer's dunning level).  Sets ``ctx.state["credit_check"]``
(the order's :class:`~o2c.credit.CreditCheck`), ``ctx.state["provision"]`` (the
:class:`~o2c.credit.provisioning.ProvisionMatrix`) and ``ctx.state["cash_forecast"]`` (the
:class:`~o2c.credit.forecast.WeeklyForecast`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from o2c.cli.demos import DemoContext
from o2c.credit import (
    AltmanModel,
    CreditLimits,
    CreditPolicy,
    FinancialStatements,
    PaymentRecord,
    altman_score,
    behavioural_score,
    paydex,
    payment_history,
    recommend_limit,
)
from o2c.credit.forecast import backtest_from_ledger, forecast_from_ledger
from o2c.credit.orders import Order, take_order
from o2c.credit.provisioning import ForwardLooking, provision_from_ledger
from o2c.ledger import (
    CustomerId,
    DisputeOpened,
    Fact,
    FactId,
    InvoiceIssued,
    ItemId,
    Ledger,
    OpenItem,
    PaymentAllocated,
    PaymentId,
    PaymentReceived,
    WrittenOff,
)
from o2c.money import format_money, money
from o2c.terms import Instalment

#: Customer -> (days late on average, spread, monthly amount).
_HABITS = {
    "ACME": (4, 6, 4000),
    "BOLT": (0, 2, 2500),
    "CRUX": (18, 10, 3000),
    "DYNE": (45, 20, 1500),
    "EPIC": (-5, 3, 6000),
    "FLUX": (70, 30, 1200),
}


def _sample_ledger(today: dt.date) -> Ledger:
    """A deterministic ledger: monthly invoices for 15 months, paid by each customer's habit."""
    utc = dt.UTC
    facts: list[Fact] = []
    start = today - dt.timedelta(days=30 * 14 + 8)
    for c_no, (customer, (late, spread, base)) in enumerate(sorted(_HABITS.items())):
        for m in range(15):
            issued = start + dt.timedelta(days=30 * m + c_no)
            due = issued + dt.timedelta(days=30)
            n = f"{customer}-{m:02}"
            cents = base * 100 + 3737 * ((m * 7 + c_no) % 11)
            amount = money(Decimal(cents).scaleb(-2), "EUR")
            facts.append(
                InvoiceIssued.from_instalments(
                    fact_id=f"i-{n}",
                    customer_id=customer,
                    item_id=n,
                    document_number=n,
                    document_date=issued,
                    recorded_at=dt.datetime.combine(issued, dt.time(8), utc),
                    instalments=[Instalment(number=1, due_date=due, amount=amount)],
                )
            )
            wobble = ((m * 5 + c_no * 3) % (2 * spread + 1)) - spread if spread else 0
            paid = due + dt.timedelta(days=late + wobble)
            if customer == "FLUX" and m == 3:
                facts.append(
                    WrittenOff(
                        fact_id=FactId(f"w-{n}"),
                        customer_id=CustomerId(customer),
                        effective=due + dt.timedelta(days=200),
                        recorded_at=dt.datetime.combine(due + dt.timedelta(200), dt.time(9), utc),
                        item_id=ItemId(n),
                        amount=amount,
                    )
                )
                continue
            if customer == "CRUX" and m == 12:
                facts.append(
                    DisputeOpened(
                        fact_id=FactId(f"d-{n}"),
                        customer_id=CustomerId(customer),
                        effective=due,
                        recorded_at=dt.datetime.combine(due, dt.time(9), utc),
                        item_id=ItemId(n),
                        amount=money("500", "EUR"),
                        reason_code="short delivery",
                    )
                )
                continue
            if paid > today:
                continue
            recorded = dt.datetime.combine(paid + dt.timedelta(days=1), dt.time(7), utc)
            facts.append(
                PaymentReceived(
                    fact_id=FactId(f"p-{n}"),
                    customer_id=CustomerId(customer),
                    effective=paid,
                    recorded_at=recorded,
                    payment_id=PaymentId(f"PAY-{n}"),
                    amount=amount,
                    value_date=paid,
                )
            )
            facts.append(
                PaymentAllocated(
                    fact_id=FactId(f"a-{n}"),
                    customer_id=CustomerId(customer),
                    effective=paid,
                    recorded_at=recorded,
                    source_id=f"PAY-{n}",
                    item_id=ItemId(n),
                    applied=amount,
                )
            )
    facts.sort(key=lambda f: (f.customer_id, f.recorded_at))
    ledger = Ledger()
    ledger.append(facts)
    return ledger


def _ledger(ctx: DemoContext) -> tuple[Any, str]:
    given = ctx.state.get("ledger")
    if given is not None and hasattr(given, "facts") and hasattr(given, "open_items"):
        try:
            if len(payment_history(given.facts(), as_of=ctx.today)) >= 20:
                return given, "the ledger of the earlier sections"
        except Exception:  # a foreign object: fall back to the sample
            pass
    return _sample_ledger(ctx.today), "a sample ledger (6 customers, 15 months)"


def _shared_ledger_check(ctx: DemoContext) -> None:
    """An order from a customer of the earlier sections, checked against the shared ledger."""
    ledger: Any = ctx.state.get("ledger")
    if not hasattr(ledger, "open_items"):
        return
    try:
        items = [
            i
            for i in ledger.open_items(ctx.today)
            if i.kind.value == "invoice" and i.open_amount.currency.code == "EUR"
        ]
    except Exception:  # a foreign object: nothing to show
        return
    if not items:
        return
    customer = max(items, key=lambda i: (i.open_amount.amount, i.customer_id)).customer_id
    level = 0
    dunning = ctx.state.get("dunning")
    if dunning is not None and hasattr(dunning, "notice_for"):
        try:
            level = int(dunning.notice_for(customer).level.level)
        except (LookupError, AttributeError):
            level = 0
    order = Order.create(
        "SO-2026-030", customer, ctx.today, "EUR", [("service kit", "3", "400.00")]
    )
    taken = take_order(
        order,
        as_of=ctx.today,
        limits=CreditLimits(default=money("3000", "EUR")),
        open_items=[i for i in items if i.customer_id == customer],
        dunning_level=level,
    )
    check = taken.credit_check
    assert check is not None
    ctx.say(
        f"order {order.order_id} from {customer} of the shared ledger "
        f"({format_money(order.amount, 'en_IE')}, default limit €3,000, dunning level {level}): "
        f"{check.decision.value.upper()} -> {taken.credit_status.value}"
    )
    for r in check.rules:
        ctx.say(f"  [{r.outcome.value:7}] {r.rule.value:16} {r.reason}")
    ctx.say("")


def _dunning_levels(ledger: Any, today: dt.date) -> dict[str, int]:
    """Each customer's level in a dunning run over the ledger (collections' 14/30/60 days)."""
    from o2c.collecting import DunningLevel, DunningPolicy, propose_dunning

    policy = DunningPolicy(
        levels=[
            DunningLevel(level=1, days_after_due=14),
            DunningLevel(level=2, days_after_due=30),
            DunningLevel(level=3, days_after_due=60),
        ]
    )
    run_ = propose_dunning(ledger.open_items(today), today, policy)
    return {n.customer_id: n.level.level for n in run_.notices}


def run(ctx: DemoContext) -> None:
    """Take an order through the credit check; print scores, the provision and a forecast."""
    today = ctx.today
    eur = "EUR"
    ctx.heading("Credit: exposure, credit check, scores, expected loss, cash forecast")
    _shared_ledger_check(ctx)
    ledger, source = _ledger(ctx)
    ctx.say(f"portfolio: {source}")
    history = payment_history(ledger.facts(), as_of=today)
    customers = sorted({r.customer_id for r in history})
    customer = "ACME" if "ACME" in customers else customers[0]
    open_items = ledger.open_items(today, customer_id=customer)
    limits = CreditLimits(
        customer={customer: money("12000", eur)},
        groups=dict.fromkeys(customers, "trade"),
        group={"trade": money("8000", eur)},
        default=money("5000", eur),
    )
    policy = CreditPolicy(horizon_days=30)

    _order_checks(ctx, customer, open_items, limits, policy)
    _late_payer(ctx, ledger, customers, limits, policy)
    _scores(ctx, ledger, history, customer, limits)
    _provision(ctx, ledger)
    _forecast(ctx, ledger)


def _order_checks(
    ctx: DemoContext,
    customer: str,
    open_items: list[OpenItem],
    limits: CreditLimits,
    policy: CreditPolicy,
) -> None:
    """An order through the credit check, a second one held, released, raised and checked."""
    today = ctx.today
    eur = "EUR"
    # -- an order through the credit check
    order = Order.create(
        "SO-2026-031",
        customer,
        today,
        eur,
        [("pallet of widgets", "20", "180.00"), ("installation", "8", "95.00")],
        delivery_date=today + dt.timedelta(days=10),
    )
    ctx.say(f"\norder {order.order_id} for {customer}: {format_money(order.amount, 'en_IE')}")
    taken = take_order(order, as_of=today, limits=limits, open_items=open_items, policy=policy)
    check = taken.credit_check
    assert check is not None
    ctx.say(
        f"credit check: {check.decision.value.upper()} -> order {taken.credit_status.value}; "
        f"exposure {format_money(check.exposure.total, 'en_IE')} "
        f"({', '.join(f'{ln.component} {ln.amount.amount}' for ln in check.exposure.lines)})"
    )
    for r in check.rules:
        ctx.say(f"  [{r.outcome.value:7}] {r.rule.value:16} {r.reason}")
    bigger = take_order(
        Order.create("SO-2026-032", customer, today, eur, [("rush order", "1", "9000")]),
        as_of=today,
        limits=limits,
        open_items=open_items,
        other_orders=[taken],
        policy=policy,
    )
    assert bigger.credit_check is not None
    ctx.say(
        f"a second order of {format_money(bigger.amount, 'en_IE')}: "
        f"{bigger.credit_check.decision.value.upper()} -> {bigger.credit_status.value}"
    )
    for reason in bigger.credit_check.reasons:
        ctx.say(f"  {reason}")
    released = bigger.release(by="credit.manager", on=today)
    grown = Order.create("SO-2026-032", customer, today, eur, [("rush order", "1", "9450")])
    from attrs import evolve

    recheck = take_order(
        evolve(grown, release_record=released.release_record),
        as_of=today,
        limits=limits,
        open_items=open_items,
        other_orders=[taken],
        policy=policy,
    )
    assert recheck.credit_check is not None
    ctx.say(
        f"released by the credit manager, then raised 5 % to {format_money(grown.amount, 'en_IE')}:"
        f" {recheck.credit_check.decision.value.upper()} -> {recheck.credit_status.value}"
    )
    ctx.say(f"  {next(r for r in recheck.credit_check.rules if r.rule.value == 'release').reason}")
    ctx.state["credit_check"] = check


def _late_payer(
    ctx: DemoContext,
    ledger: Ledger,
    customers: list[CustomerId],
    limits: CreditLimits,
    policy: CreditPolicy,
) -> None:
    """An order from the customer of the highest dunning level: the level feeds the check."""
    today = ctx.today
    eur = "EUR"
    # -- a late payer: dunning levels from collections feed the check
    levels = _dunning_levels(ledger, today)
    late = max(customers, key=lambda c: (levels.get(c, 0), c))
    late_items = ledger.open_items(today, customer_id=late)
    late_order = take_order(
        Order.create("SO-2026-033", late, today, eur, [("spare parts", "4", "250.00")]),
        as_of=today,
        limits=limits,
        open_items=late_items,
        policy=policy,
        dunning_level=levels.get(late, 0),
    )
    assert late_order.credit_check is not None
    ctx.say(
        f"an order from {late} (dunning level {levels.get(late, 0)} in today's dunning run): "
        f"{late_order.credit_check.decision.value.upper()} -> {late_order.credit_status.value}"
    )
    for reason in late_order.credit_check.reasons:
        ctx.say(f"  {reason}")


def _scores(
    ctx: DemoContext,
    ledger: Ledger,
    history: tuple[PaymentRecord, ...],
    customer: str,
    limits: CreditLimits,
) -> None:
    """Altman scores of sample statements; PAYDEX and behaviour per customer; a limit."""
    today = ctx.today
    eur = "EUR"
    customers = sorted({r.customer_id for r in history})
    # -- scores
    ctx.say("\nscores")
    statements = FinancialStatements(
        total_assets="2400000",
        total_liabilities="1300000",
        retained_earnings="420000",
        ebit="210000",
        current_assets="900000",
        current_liabilities="610000",
        sales="3100000",
        market_value_equity="1500000",
        book_equity="1100000",
    )
    for model in AltmanModel:
        ctx.say(f"  {altman_score(model, statements).explanation}")
    for c in customers:
        mine = [r for r in history if r.customer_id == c]
        items = ledger.open_items(today, customer_id=c)
        exposure = money(sum((i.open_amount.amount for i in items), Decimal(0)), eur)
        limit = limits.resolve(c).amount
        b = behavioural_score(
            c, mine, as_of=today, open_items=items, exposure=exposure, limit=limit
        )
        px = paydex(mine)
        ctx.say(
            f"  {c}: PAYDEX {px.score} ({px.days_beyond_terms} days beyond terms), "
            f"behaviour {b.score}/100 class {b.risk_class.value}"
        )
        if c == customer or b.risk_class.value in "DE":
            for f in b.factors:
                ctx.say(f"      {f.name} {f.points}/{f.max_points}: {f.explanation}")
        if c == customer:
            sales = money(sum((r.amount.amount for r in mine[-12:]), Decimal(0)), eur)
            rec = recommend_limit(
                credit_sales=sales,
                period_days=365,
                terms_days=30,
                expected_days_late=px.days_beyond_terms or Decimal(0),
                risk_class=b.risk_class,
                net_worth=money("1100000", eur),
            )
            ctx.say(
                f"      recommended limit {format_money(rec.amount, 'en_IE')}: {rec.explanation}"
            )


def _provision(ctx: DemoContext, ledger: Ledger) -> None:
    """The IFRS 9 provision matrix of the ledger."""
    today = ctx.today
    eur = "EUR"
    # -- expected credit loss
    rates, matrix = provision_from_ledger(
        ledger,
        as_of=today,
        currency_code=eur,
        cohort_from=today - dt.timedelta(days=455),
        cohort_to=today - dt.timedelta(days=180),
        adjustment=ForwardLooking(factor=Decimal("0.15"), reason="weaker outlook: +15 %"),
        open_as_loss_after_days=120,
    )
    ctx.say("\nIFRS 9 provision matrix (loss rates from the cohort, +15 % forward-looking)")
    ctx.say(f"  {'bucket':8} {'gross':>12} {'hist. rate':>11} {'adjusted':>9} {'provision':>10}")
    for row in matrix.rows:
        ctx.say(
            f"  {row.bucket:8} {row.gross.amount:>12} {row.loss_rate:>11.4%} "
            f"{row.adjusted_rate:>9.4%} {row.provision.amount:>10}"
        )
    ctx.say(
        f"  total    {matrix.total_gross.amount:>12} {'':>21} {matrix.total_provision.amount:>10}"
        f"  (never collected in the cohort: {rates.never_collected})"
    )
    ctx.state["provision"] = matrix


def _forecast(ctx: DemoContext, ledger: Ledger) -> None:
    """Predicted payments, the weekly cash-in forecast and its backtest."""
    today = ctx.today
    eur = "EUR"
    # -- cash forecast
    predictions, forecast = forecast_from_ledger(ledger, as_of=today, currency_code=eur, weeks=6)
    ctx.say(f"\npredicted payments ({len(predictions)} open invoices), first three:")
    for p in sorted(predictions, key=lambda p: p.predicted_date)[:3]:
        ctx.say(
            f"  {p.item_id} {p.amount.amount} due {p.due_date}: {p.predicted_date} "
            f"({p.low_date}..{p.high_date}) - {p.basis}"
        )
    ctx.say("weekly cash-in forecast (80 % interval):")
    for w in forecast.weeks:
        ctx.say(
            f"  {w.start}..{w.end}: {w.expected.amount:>10} [{w.low.amount} .. {w.high.amount}]"
        )
    ctx.say(f"  later: {forecast.beyond.amount}")
    ctx.state["cash_forecast"] = forecast
    cutoffs = [today - dt.timedelta(days=d) for d in (150, 120, 90, 60)]
    report = backtest_from_ledger(ledger, cutoffs, currency_code=eur, weeks=4)
    ctx.say(
        f"backtest over {len(cutoffs)} past cut-offs: MAE {report.mae_days} days "
        f"(due-date guess {report.baseline_mae_days}); weekly MAE "
        f"{', '.join(str(m.amount) for m in report.week_mae)}; interval coverage "
        f"{'-' if report.coverage is None else format(report.coverage, '.0%')} "
        f"(z for 80 %: {report.calibrated_z})"
    )
