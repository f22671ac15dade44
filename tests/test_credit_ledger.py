"""Credit, provisioning and forecast read from a real :class:`o2c.ledger.Ledger`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from o2c.credit import (
    CreditCheck,
    CreditDecision,
    CreditLimits,
    LimitSource,
    Rule,
    RuleResult,
    check_credit_from_ledger,
    payment_history,
    settlement_trails,
)
from o2c.credit.forecast import backtest_from_ledger, forecast_from_ledger
from o2c.credit.orders import CreditStatus, Order, take_order
from o2c.credit.provisioning import cohort_items, provision_from_ledger
from o2c.ledger import (
    AllocationReversed,
    CustomerChanged,
    CustomerDetails,
    CustomerRegistered,
    DisputeOpened,
    InvoiceIssued,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
    WrittenOff,
)
from o2c.money import money
from o2c.terms import Instalment

UTC = dt.UTC


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def invoice(n: str, customer: str, issued: dt.date, amount: str, days: int = 30) -> InvoiceIssued:
    return InvoiceIssued.from_instalments(
        fact_id=f"i-{n}",
        customer_id=customer,
        item_id=n,
        document_number=n,
        document_date=issued,
        recorded_at=at(issued),
        instalments=[
            Instalment(
                number=1, due_date=issued + dt.timedelta(days=days), amount=money(amount, "EUR")
            )
        ],
    )


def pay(n: str, customer: str, on: dt.date, amount: str, *, lag: int = 1) -> list[object]:
    recorded = at(on + dt.timedelta(days=lag))
    return [
        PaymentReceived(
            fact_id=f"p-{n}",
            customer_id=customer,
            effective=on,
            recorded_at=recorded,
            payment_id=f"PAY-{n}",
            amount=money(amount, "EUR"),
            value_date=on,
        ),
        PaymentAllocated(
            fact_id=f"a-{n}",
            customer_id=customer,
            effective=on,
            recorded_at=recorded,
            source_id=f"PAY-{n}",
            item_id=n,
            applied=money(amount, "EUR"),
        ),
    ]


def build_ledger() -> Ledger:
    """Two customers, monthly invoices in 2025: C1 pays 5 days late, C2 35 days late."""
    ledger = Ledger()
    facts: list[object] = []
    for month in range(1, 13):
        issued = dt.date(2025, month, 1)
        for customer, late in (("C1", 5), ("C2", 35)):
            n = f"{customer}-{month:02}"
            facts.append(invoice(n, customer, issued, "1000.00"))
            paid = issued + dt.timedelta(days=30 + late)
            if paid <= dt.date(2025, 12, 31):
                facts += pay(n, customer, paid, "1000.00")
    # C2's March invoice is disputed and written off in part after a partial payment.
    facts.append(
        DisputeOpened(
            fact_id="d-1",
            customer_id="C2",
            effective=dt.date(2025, 11, 20),
            recorded_at=at(dt.date(2025, 11, 20)),
            item_id="C2-11",
            amount=money("200.00", "EUR"),
            reason_code="damaged",
        )
    )
    facts.append(invoice("C2-X", "C2", dt.date(2025, 1, 15), "500.00"))
    facts += pay("C2-X", "C2", dt.date(2025, 4, 1), "300.00")
    facts.append(
        WrittenOff(
            fact_id="w-1",
            customer_id="C2",
            effective=dt.date(2025, 6, 30),
            recorded_at=at(dt.date(2025, 6, 30)),
            item_id="C2-X",
            amount=money("200.00", "EUR"),
        )
    )
    # A reversed allocation does not count as a payment.
    facts.append(invoice("C1-R", "C1", dt.date(2025, 10, 1), "50.00"))
    facts += pay("C1-R", "C1", dt.date(2025, 10, 20), "50.00")
    facts.append(
        AllocationReversed(
            fact_id="r-1",
            customer_id="C1",
            effective=dt.date(2025, 10, 25),
            recorded_at=at(dt.date(2025, 10, 25)),
            allocation_id="a-C1-R",
        )
    )
    facts.sort(key=lambda f: f.recorded_at)  # type: ignore[attr-defined]  # stable
    ledger.append(facts)  # type: ignore[arg-type]
    return ledger


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    return build_ledger()


def test_payment_history_from_the_ledger(ledger: Ledger) -> None:
    history = payment_history(ledger.facts())
    by_id = {r.item_id: r for r in history}
    assert by_id["C1-01"].days_late == 5
    assert by_id["C2-01"].days_late == 35
    assert by_id["C1-01"].recorded_on == by_id["C1-01"].paid_date + dt.timedelta(days=1)
    assert "C2-X" not in by_id  # partly written off: a loss, not a payment
    assert "C1-R" not in by_id  # its allocation was reversed
    assert "C2-12" not in by_id  # still open
    known = payment_history(ledger.facts(), known_at=at(dt.date(2025, 3, 1)))
    assert {r.item_id for r in known} == {"C1-01"}


def test_settlement_trails_keep_collections_and_write_offs_apart(ledger: Ledger) -> None:
    trails = {t.item_id: t for t in settlement_trails(ledger.facts())}
    x = trails["C2-X"]
    assert x.closed
    assert x.written_off == Decimal("200.00")
    assert sum(s.collected for s in x.settlements) == Decimal("300.00")
    assert trails["C2-11"].disputed
    cohort = cohort_items(
        trails.values(),
        issued_from=dt.date(2025, 1, 1),
        issued_to=dt.date(2025, 1, 31),
        as_of=dt.date(2025, 12, 31),
    )
    assert sorted(c.amount.amount for c in cohort) == [
        Decimal("500.00"),
        Decimal("1000.00"),
        Decimal("1000.00"),
    ]


def test_credit_check_reads_open_items_from_the_ledger(ledger: Ledger) -> None:
    as_of = dt.date(2025, 12, 31)
    limits = CreditLimits(default=money("5000", "EUR"))
    check = check_credit_from_ledger(
        ledger, "C2", as_of=as_of, amount=money("500", "EUR"), limits=limits
    )
    # C2 has Nov and Dec open (1000 each, 200 of November's disputed and left out).
    assert check.exposure.total == money("1800.00", "EUR")
    oldest = next(r for r in check.rules if r.rule is Rule.OLDEST_OPEN_ITEM)
    assert oldest.observed == 30  # November's invoice, due December 1
    share = next(r for r in check.rules if r.rule is Rule.OVERDUE_SHARE)
    assert share.observed == Decimal(800) / Decimal(1800)
    assert check.decision is CreditDecision.WARN
    earlier = check_credit_from_ledger(
        ledger,
        "C2",
        as_of=as_of,
        amount=money("500", "EUR"),
        limits=limits,
        known_at=at(dt.date(2025, 6, 1)),
    )
    assert earlier.exposure.total.amount > check.exposure.total.amount


def test_provision_and_forecast_from_the_ledger(ledger: Ledger) -> None:
    as_of = dt.date(2025, 12, 31)
    rates, matrix = provision_from_ledger(
        ledger,
        as_of=as_of,
        currency_code="EUR",
        cohort_from=dt.date(2025, 1, 1),
        cohort_to=dt.date(2025, 6, 30),
    )
    assert rates.never_collected == Decimal("200.00")
    assert matrix.total_provision.amount <= matrix.total_gross.amount
    assert matrix.total_gross.amount > 0
    predictions, forecast = forecast_from_ledger(ledger, as_of=as_of, currency_code="EUR", weeks=8)
    assert {p.customer_id for p in predictions} == {"C1", "C2"}
    assert all(p.predicted_date > as_of for p in predictions)
    assert forecast.total_expected.amount + forecast.beyond.amount > 0
    report = backtest_from_ledger(
        ledger, [dt.date(2025, 6, 30), dt.date(2025, 9, 30)], currency_code="EUR", weeks=4
    )
    assert report.mae_days is not None
    assert report.mae_days <= report.baseline_mae_days  # type: ignore[operator]


def test_ledger_backtest_sees_the_ledger_as_it_was_known_on_each_cutoff() -> None:
    ledger = Ledger()
    issued = dt.date(2025, 1, 1)
    facts: list[object] = [
        invoice("K-1", "C1", issued, "100.00"),
        invoice("K-2", "C1", issued, "50.00"),
    ]
    # K-1 is paid on Feb 5 but the ledger learns it only on Feb 20 (lag 15 days).
    facts += pay("K-1", "C1", dt.date(2025, 2, 5), "100.00", lag=15)
    facts += pay("K-2", "C1", dt.date(2025, 2, 25), "50.00")
    facts.sort(key=lambda f: f.recorded_at)  # type: ignore[attr-defined]
    ledger.append(facts)  # type: ignore[arg-type]
    cutoff = dt.date(2025, 2, 10)
    report = backtest_from_ledger(ledger, [cutoff], currency_code="EUR", weeks=3)
    (cut,) = report.cutoffs
    assert cut.items == 2  # K-1 still looked open on Feb 10
    assert cut.paid_items == 2
    # K-1 was paid before the cut-off but recorded after it: its cash reaches AR in week 1.
    assert cut.weeks[0].actual.amount == Decimal("100.00")
    assert sum(w.actual.amount for w in cut.weeks) == Decimal("150.00")
    later = backtest_from_ledger(ledger, [dt.date(2025, 2, 21)], currency_code="EUR", weeks=3)
    assert later.cutoffs[0].items == 1


def test_demo_section_takes_an_order_through_the_check(tmp_path: object) -> None:
    import io
    from pathlib import Path

    from o2c.cli.demos import DemoContext
    from o2c.cli.demos import credit as section
    from o2c.credit.forecast import WeeklyForecast
    from o2c.credit.provisioning import ProvisionMatrix

    out = io.StringIO()
    ctx = DemoContext(out=out, db_path=Path(str(tmp_path)) / "demo.sqlite")
    ctx.state["ledger"] = object()  # not a ledger: the section falls back to its sample
    section.run(ctx)
    text = out.getvalue()
    assert "credit check: APPROVE -> order released" in text
    assert "BLOCK -> on_hold" in text
    assert "within the 10.00% deviation" in text
    assert "Altman em" in text
    assert isinstance(ctx.state["provision"], ProvisionMatrix)
    assert isinstance(ctx.state["cash_forecast"], WeeklyForecast)
    assert ctx.state["credit_check"].decision is CreditDecision.APPROVE
    again = io.StringIO()
    section.run(DemoContext(out=again, db_path=Path(str(tmp_path)) / "d2.sqlite"))
    assert again.getvalue() == text  # deterministic


def test_instalments_are_settled_and_scored_one_by_one() -> None:
    ledger = Ledger()
    issued = dt.date(2025, 5, 1)
    facts: list[object] = [
        InvoiceIssued.from_instalments(
            fact_id="i-S",
            customer_id="C5",
            item_id="S",
            document_number="S",
            document_date=issued,
            recorded_at=at(issued),
            instalments=[
                Instalment(number=1, due_date=dt.date(2025, 5, 31), amount=money("60.00", "EUR")),
                Instalment(number=2, due_date=dt.date(2025, 6, 30), amount=money("40.00", "EUR")),
            ],
        )
    ]
    facts += pay("S#1", "C5", dt.date(2025, 6, 3), "60.00")
    facts.sort(key=lambda f: f.recorded_at)  # type: ignore[attr-defined]
    ledger.append(facts)  # type: ignore[arg-type]
    trails = {t.item_id: t for t in settlement_trails(ledger.facts())}
    assert set(trails) == {"S#1", "S#2"}
    assert trails["S#1"].closed
    assert not trails["S#2"].closed
    (record,) = payment_history(ledger.facts())
    assert (record.item_id, record.days_late, record.amount) == ("S#1", 3, money("60.00", "EUR"))
    check = check_credit_from_ledger(
        ledger,
        "C5",
        as_of=dt.date(2025, 7, 15),
        amount=money("1", "EUR"),
        limits=CreditLimits(default=money("1000", "EUR")),
    )
    assert check.exposure.total == money("40.00", "EUR")
    oldest = next(r for r in check.rules if r.rule is Rule.OLDEST_OPEN_ITEM)
    assert oldest.observed == 15


# --- the limit and group come from the customer master ------------------------------------------


def _mastered() -> Ledger:
    """C2 of build_ledger with a master record (recorded 2025-12-20): limit 2,000 from
    2025-01-01, raised to 4,000
    effective 2025-12-15 but recorded only on 2026-01-10; C3 in group 'retail', no own limit."""
    book = build_ledger()
    since = dt.date(2025, 1, 1)
    book.append(
        [
            CustomerRegistered(
                fact_id="reg:C2",
                customer_id="C2",
                effective=since,
                recorded_at=at(dt.date(2025, 12, 20)),
                details=CustomerDetails(name="Beta", credit_limit=money("2000", "EUR")),
            ),
            CustomerRegistered(
                fact_id="reg:C3",
                customer_id="C3",
                effective=since,
                recorded_at=at(since),
                details=CustomerDetails(name="Gamma", credit_group="retail"),
            ),
            CustomerChanged(
                fact_id="chg:C2",
                customer_id="C2",
                effective=dt.date(2025, 12, 15),
                recorded_at=at(dt.date(2026, 1, 10)),
                details=CustomerDetails(credit_limit=money("4000", "EUR")),
            ),
        ]
    )
    return book


def _static(check: CreditCheck) -> RuleResult:
    return next(r for r in check.rules if r.rule is Rule.STATIC_LIMIT)


def test_the_credit_check_takes_the_limit_from_the_master_as_known_at_the_time() -> None:
    book = _mastered()
    as_of = dt.date(2025, 12, 31)
    # exposure 1,800 + 500: over the master's 2,000 as known on 2025-12-31 ...
    before = check_credit_from_ledger(
        book, "C2", as_of=as_of, amount=money("500", "EUR"), known_at=at(dt.date(2025, 12, 31))
    )
    assert _static(before).outcome is CreditDecision.BLOCK
    assert "the customer master's limit" in _static(before).reason
    # ... within the 4,000 once the raise is known
    after = check_credit_from_ledger(book, "C2", as_of=as_of, amount=money("500", "EUR"))
    assert _static(after).outcome is CreditDecision.APPROVE
    # the raise takes effect on 2025-12-15: a check dated before it still sees 2,000
    dated = check_credit_from_ledger(
        book, "C2", as_of=dt.date(2025, 12, 10), amount=money("500", "EUR")
    )
    assert _static(dated).outcome is CreditDecision.BLOCK


def test_a_limit_the_caller_passes_wins_over_the_master() -> None:
    book = _mastered()
    own = CreditLimits(customer={"C2": money("10000", "EUR")})
    check = check_credit_from_ledger(
        book, "C2", as_of=dt.date(2025, 12, 31), amount=money("500", "EUR"), limits=own
    )
    assert _static(check).outcome is CreditDecision.APPROVE
    assert "customer limit" in _static(check).reason


def test_the_group_comes_from_the_master_and_its_limit_from_the_policy() -> None:
    book = _mastered()
    limits = CreditLimits(group={"retail": money("300", "EUR")}, default=money("9000", "EUR"))
    check = check_credit_from_ledger(
        book, "C3", as_of=dt.date(2025, 12, 31), amount=money("500", "EUR"), limits=limits
    )
    assert _static(check).outcome is CreditDecision.BLOCK
    assert "group limit of group retail" in _static(check).reason
    # without the master the customer has no group: the default applies
    assert CreditLimits.resolve(limits, "C3").source is LimitSource.DEFAULT


def test_taking_an_order_reads_the_limit_from_the_master() -> None:
    book = _mastered()
    as_of = dt.date(2025, 12, 31)
    order = Order.create("SO-9", "C2", as_of, "EUR", [("widget", "1", "500.00")])
    items = book.open_items(as_of, customer_id="C2")
    master = book.read(as_of, known_at=at(as_of)).customer_master()
    held = take_order(order, as_of=as_of, open_items=items, master=master)
    assert held.credit_status is CreditStatus.ON_HOLD
    free = take_order(order, as_of=as_of, open_items=items)  # no limit at all: the policy's
    assert _static(free.credit_check).applied is False  # type: ignore[union-attr]
