"""Portfolio KPIs on an engine give the domain path's KPIs exactly (figures to the minor unit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from o2c.adapters.duckdb import DuckDBEngine
from o2c.errors import InvalidFactError, ValidationError
from o2c.ledger import (
    AllocationReversed,
    CreditMemoIssued,
    Fact,
    InvoiceIssued,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
    WrittenOff,
)
from o2c.ledger.history import open_items
from o2c.money import minor_units, money
from o2c.portfolio import from_facts, from_tables
from o2c.portfolio.kpi import kpi_table, month_ends, portfolio_kpis
from o2c.receivables.aging import BucketScheme, DueToday
from o2c.receivables.kpi import (
    SalesConvention,
    average_days_to_pay,
    kpi_summary,
    monthly_sales_from_ledger,
    paid_items_from_ledger,
    period_figures_from_ledger,
    weighted_days_late,
    weighted_days_to_pay,
)
from o2c.terms import Instalment
from tests.test_portfolio import START, T0, knowledge, portfolios

pa = pytest.importorskip("pyarrow")

ENGINE = DuckDBEngine(threads=1)

bounds_lists = st.lists(st.integers(-3, 95), min_size=2, max_size=4, unique=True).map(
    lambda days: [START + dt.timedelta(days=d) for d in sorted(days)]
)


@st.composite
def paying_portfolios(draw: st.DrawFn) -> list[Fact]:
    """:func:`tests.test_portfolio.portfolios`, then invoice items paid in full on a drawn day
    (a payment and its allocation; its last part maybe a write-off, a bank fee or a discount),
    some of those allocations reversed later: paid items, and items that look paid but are not.
    """
    facts = draw(portfolios())
    ledger = Ledger()
    ledger.append(facts)
    added: list[Fact] = []
    items = [
        i for i in open_items(facts, START + dt.timedelta(days=400)) if i.open_amount.amount > 0
    ]
    for n, item in enumerate(items):
        if not draw(st.booleans()):
            continue
        day = START + dt.timedelta(days=draw(st.integers(0, 95)))
        at = T0 + dt.timedelta(hours=45 + 2 * n)  # after the portfolio, in order
        open_units = item.open_amount
        part_name = draw(st.sampled_from([None, "write_off", "bank_fee", "discount"]))
        one = money(Decimal(1).scaleb(-minor_units(open_units.currency.code)), open_units.currency)
        part = one if part_name and open_units > one else None
        applied = open_units - part if part is not None else open_units
        common: dict[str, Any] = {"customer_id": item.customer_id, "effective": day}
        cycle: list[Fact] = [
            PaymentReceived(
                fact_id=f"x{n}p",
                recorded_at=at,
                payment_id=f"X{n}",
                amount=applied,
                value_date=day,
                **common,
            ),
            PaymentAllocated(
                fact_id=f"x{n}a",
                recorded_at=at,
                source_id=f"X{n}",
                item_id=item.item_id,
                applied=applied,
                **({part_name: part} if part is not None else {}),
                **common,
            ),
        ]
        if draw(st.integers(0, 2)) == 0:  # reversed, then (maybe) paid again, maybe earlier
            cycle.append(
                AllocationReversed(
                    fact_id=f"x{n}r",
                    customer_id=item.customer_id,
                    # on the day itself, a payment effective earlier may settle it again
                    effective=day + dt.timedelta(days=draw(st.sampled_from([0, 0, 3, 20]))),
                    recorded_at=at + dt.timedelta(hours=draw(st.integers(0, 1)), minutes=1),
                    allocation_id=f"x{n}a",
                )
            )
        try:
            ledger.append(cycle)
        except InvalidFactError:
            continue
        added += cycle
        if len(cycle) < 3 or not draw(st.booleans()):
            continue
        again = START + dt.timedelta(days=draw(st.integers(0, 95)))
        later = at + dt.timedelta(hours=1, minutes=30)
        repaid: list[Fact] = [
            PaymentReceived(
                fact_id=f"x{n}q",
                customer_id=item.customer_id,
                effective=again,
                recorded_at=later,
                payment_id=f"Y{n}",
                amount=open_units,
                value_date=again,
            ),
            PaymentAllocated(
                fact_id=f"x{n}b",
                customer_id=item.customer_id,
                effective=again,
                recorded_at=later,
                source_id=f"Y{n}",
                item_id=item.item_id,
                applied=open_units,
            ),
        ]
        try:
            ledger.append(repaid)
        except InvalidFactError:
            continue
        added += repaid
    return sorted([*facts, *added], key=lambda f: f.customer_id)


def _keys(facts: list[Fact], last: dt.date, known_at: dt.datetime | None) -> set[tuple[str, str]]:
    """(customer, currency) of every item issued by ``last`` as known at ``known_at``."""
    keys = set()
    for f in facts:
        if f.effective > last or (known_at is not None and f.recorded_at > known_at):
            continue
        if isinstance(f, InvoiceIssued):
            keys.add((f.customer_id, f.total.currency.code))
        elif isinstance(f, CreditMemoIssued | PaymentReceived):
            keys.add((f.customer_id, f.amount.currency.code))
    return keys


def _domain(
    ledger: Ledger,
    code: str,
    start: dt.date,
    end: dt.date,
    known_at: dt.datetime | None,
    convention: SalesConvention,
    months: int,
    countback: int,
) -> tuple[Any, Any, Any]:
    """The domain path: figures, paid items (in ``code``) and KPIs (or the error's text)."""
    figures = period_figures_from_ledger(ledger, start, end, code, known_at=known_at, months=months)
    paid = [
        p
        for p in paid_items_from_ledger(ledger, start, end, known_at=known_at)
        if p.amount.currency.code == code
    ]
    monthly = (
        monthly_sales_from_ledger(ledger, end, countback, code, known_at=known_at)
        if countback
        else []
    )
    try:
        kpis: Any = kpi_summary(figures, paid=paid, convention=convention, monthly_sales=monthly)
    except ValidationError as exc:
        kpis = str(exc)
    return figures, paid, kpis


@given(
    paying_portfolios(),
    bounds_lists,
    knowledge,
    st.sampled_from(SalesConvention),
    st.integers(1, 3),
    st.integers(0, 3),
)
@settings(max_examples=60, deadline=None)
def test_property_portfolio_kpis_are_the_domain_kpis_exactly(
    facts: list[Fact],
    bounds: list[dt.date],
    known_at: dt.datetime | None,
    convention: SalesConvention,
    months: int,
    countback: int,
) -> None:
    _check(facts, bounds, known_at, convention, months, countback)


def _check(
    facts: list[Fact],
    bounds: list[dt.date],
    known_at: dt.datetime | None = None,
    convention: SalesConvention = SalesConvention.PERIOD_TOTAL,
    months: int = 1,
    countback: int = 0,
) -> None:
    """The engine's KPIs per customer and for the portfolio are the domain path's."""
    model = from_facts(facts)
    got = portfolio_kpis(
        model,
        bounds,
        ENGINE,
        known_at=known_at,
        convention=convention,
        months=months,
        countback=countback,
        by_customer=True,
    )
    keys = _keys(facts, bounds[-1], known_at)
    periods = len(bounds) - 1
    assert {(r.customer_id, r.currency) for r in got if r.customer_id is not None} == keys
    assert len(got) == periods * (len(keys) + len({code for _, code in keys}))
    whole = Ledger()
    whole.append(facts)
    ledgers: dict[str | None, Ledger] = {None: whole}
    for customer in {c for c, _ in keys}:
        ledgers[customer] = Ledger()
        ledgers[customer].append([f for f in facts if f.customer_id == customer])
    for row in got:
        start, end = bounds[row.period - 1], bounds[row.period]
        figures, paid, kpis = _domain(
            ledgers[row.customer_id],
            row.currency,
            start,
            end,
            known_at,
            convention,
            months,
            countback,
        )
        assert row.figures == figures
        assert row.paid.items == len(paid)
        assert row.paid.amount.amount == sum((p.amount.amount for p in paid), Decimal(0))
        assert row.paid.days == sum(p.days_to_pay for p in paid)
        assert [k.value for k in row.paid.kpis()] == (
            [average_days_to_pay(paid), weighted_days_to_pay(paid), weighted_days_late(paid)]
            if paid
            else []
        )
        if isinstance(kpis, str):  # the same figure is wrong (written 0 or 0.00)
            assert row.undefined is not None
            assert row.undefined.split("=")[0] == kpis.split("=")[0]
            assert row.kpis == ()
        else:
            assert row.undefined is None
            assert row.kpis == kpis
    # the portfolio's rows alone (the engine's combine) are the same as the totals above
    totals = portfolio_kpis(
        model,
        bounds,
        ENGINE,
        known_at=known_at,
        convention=convention,
        months=months,
        countback=countback,
    )
    assert totals == tuple(r for r in got if r.customer_id is None)


def test_an_allocation_reversed_on_its_day_does_not_date_the_payment() -> None:
    """Paid on 10 Jan, reversed that day, paid again by a payment of 5 Jan: paid on 5 Jan
    (January's period), not on 10 Jan (the reversed allocation's, in the second period)."""
    t = T0 + dt.timedelta(hours=1)
    pay = money("10.00", "EUR")
    facts: list[Fact] = [
        InvoiceIssued.from_instalments(
            fact_id="i",
            customer_id="A",
            item_id="I",
            document_number="I",
            document_date=dt.date(2026, 1, 1),
            recorded_at=T0,
            instalments=[Instalment(number=1, due_date=dt.date(2026, 1, 20), amount=pay)],
        )
    ]
    for n, (payment, day) in enumerate([("P", 10), ("Q", 5)]):
        at = t + dt.timedelta(hours=n)
        on = dt.date(2026, 1, day)
        facts += [
            PaymentReceived(
                fact_id=f"p{n}",
                customer_id="A",
                effective=on,
                recorded_at=at,
                payment_id=payment,
                amount=pay,
                value_date=on,
            ),
            PaymentAllocated(
                fact_id=f"a{n}",
                customer_id="A",
                effective=on,
                recorded_at=at,
                source_id=payment,
                item_id="I",
                applied=pay,
            ),
        ]
        if not n:
            facts.append(
                AllocationReversed(
                    fact_id="r", customer_id="A", effective=on, recorded_at=at, allocation_id="a0"
                )
            )
    bounds = [dt.date(2025, 12, 31), dt.date(2026, 1, 7), dt.date(2026, 1, 31)]
    first, second = portfolio_kpis(from_facts(facts), bounds, ENGINE)
    assert (first.paid.items, second.paid.items) == (1, 0)
    _check(facts, bounds)
    _check(facts, bounds, known_at=t)  # before the second payment: the item is open again


def _cycle() -> list[Fact]:
    """One customer in EUR: an invoice of 100.00 paid in two parts (one allocation with a
    bank fee), an invoice of 50.00 with 10.00 written off, a credit memo of 20.00."""
    t = T0
    facts: list[Fact] = []

    def invoice(n: int, day: int, due: int, units: str) -> InvoiceIssued:
        return InvoiceIssued.from_instalments(
            fact_id=f"i{n}",
            customer_id="C1",
            item_id=f"INV-{n}",
            document_number=f"INV-{n}",
            document_date=dt.date(2026, 1, day),
            recorded_at=t,
            instalments=[
                Instalment(number=1, due_date=dt.date(2026, 1, due), amount=money(units, "EUR"))
            ],
        )

    facts += [invoice(1, 2, 31, "100.00"), invoice(2, 10, 25, "50.00")]
    facts.append(
        CreditMemoIssued(
            fact_id="m1",
            customer_id="C1",
            effective=dt.date(2026, 1, 20),
            recorded_at=t,
            item_id="CM-1",
            document_number="CM-1",
            document_date=dt.date(2026, 1, 20),
            amount=money("20.00", "EUR"),
        )
    )
    for n, (day, units) in enumerate([(15, "60.00"), (22, "39.50")], start=1):
        facts.append(
            PaymentReceived(
                fact_id=f"p{n}",
                customer_id="C1",
                effective=dt.date(2026, 1, day),
                recorded_at=t,
                payment_id=f"PAY-{n}",
                amount=money(units, "EUR"),
                value_date=dt.date(2026, 1, day),
            )
        )
    facts.append(
        PaymentAllocated(
            fact_id="a1",
            customer_id="C1",
            effective=dt.date(2026, 1, 15),
            recorded_at=t,
            source_id="PAY-1",
            item_id="INV-1",
            applied=money("60.00", "EUR"),
        )
    )
    facts.append(
        PaymentAllocated(
            fact_id="a2",
            customer_id="C1",
            effective=dt.date(2026, 2, 5),
            recorded_at=t,
            source_id="PAY-2",
            item_id="INV-1",
            applied=money("39.50", "EUR"),
            bank_fee=money("0.50", "EUR"),
        )
    )
    facts.append(
        WrittenOff(
            fact_id="w1",
            customer_id="C1",
            effective=dt.date(2026, 2, 10),
            recorded_at=t,
            item_id="INV-2",
            amount=money("10.00", "EUR"),
        )
    )
    return facts


def test_monthly_kpis_of_a_small_ledger_read_as_the_domain_reads_them() -> None:
    facts = _cycle()
    bounds = [dt.date(2025, 12, 31), *month_ends(dt.date(2026, 1, 1), dt.date(2026, 2, 28))]
    jan, feb = portfolio_kpis(from_facts(facts), bounds, ENGINE, countback=1)
    assert jan.figures.credit_sales == money("130.00", "EUR")  # 100 + 50 - 20
    # 40 left of INV-1, INV-2, the credit memo, PAY-2 not yet applied
    assert jan.figures.ending_receivables == money("30.50", "EUR")
    assert jan.figures.ending_current_receivables == money("40.00", "EUR")  # INV-1 due 31 Jan
    assert feb.figures.write_offs == money("10.00", "EUR")
    assert (feb.paid.items, feb.paid.days) == (1, 34)  # INV-1: 2 Jan -> 5 Feb
    assert [k.value for k in feb.paid.kpis()] == [34, 34, 5]  # days to pay, weighted, late
    assert feb.kpis == ()
    assert feb.undefined is not None  # no sales in February: the ratios are undefined
    assert "credit_sales" in feb.undefined
    assert jan.kpi("DSO (countback)") is not None
    ledger = Ledger()
    ledger.append(facts)
    figures = period_figures_from_ledger(ledger, bounds[0], bounds[1], "EUR")
    assert jan.figures == figures
    monthly = monthly_sales_from_ledger(ledger, bounds[1], 1, "EUR")
    assert jan.kpis == kpi_summary(figures, monthly_sales=monthly)  # nothing paid in January


def test_due_today_overdue_changes_only_the_current_receivables() -> None:
    facts = _cycle()
    bounds = [dt.date(2025, 12, 31), dt.date(2026, 1, 31)]
    model = from_facts(facts)
    (standard,) = portfolio_kpis(model, bounds, ENGINE)
    (overdue,) = portfolio_kpis(
        model, bounds, ENGINE, scheme=BucketScheme.standard(due_today=DueToday.OVERDUE)
    )
    assert standard.figures.ending_current_receivables == money("40.00", "EUR")
    assert overdue.figures.ending_current_receivables == money("0.00", "EUR")
    assert overdue.figures.ending_receivables == standard.figures.ending_receivables


def test_a_layout_has_kpis_and_a_large_answer_is_an_arrow_table_of_integers() -> None:
    items = pa.table(
        {
            "customer": ["C1", "C1", "C2"],
            "document": [dt.date(2026, 1, 5)] * 3,
            "due": [dt.date(2026, 2, 4)] * 3,
            "amount": pa.array([10000, -2500, 700], pa.int64()),
        }
    )
    settlements = pa.table(
        {
            "item": pa.array([0, 2], pa.int64()),
            "on": [dt.date(2026, 2, 10), dt.date(2026, 1, 20)],
            "amount": pa.array([10000, 700], pa.int64()),
            "cause": ["allocation", "allocation"],
        }
    )
    model = from_tables(items, settlements, currency_code="EUR")
    bounds = [dt.date(2025, 12, 31), dt.date(2026, 1, 31), dt.date(2026, 2, 28)]
    table = kpi_table(model, bounds, ENGINE)
    assert table.column("customer").to_pylist() == ["C1", "C1", "C2", "C2"]
    assert table.column("ending").to_pylist() == [7500, -2500, 0, 0]
    assert table.column("paid_items").to_pylist() == [0, 1, 1, 0]
    assert table.column("paid_amount_days_late").to_pylist() == [0, 60000, 0, 0]
    assert all(pa.types.is_integer(t) for t in table.schema.types[5:])
    totals = kpi_table(model, bounds, ENGINE, by_customer=False)
    assert totals.column("ending").to_pylist() == [7500, -2500]
    assert totals.column("sales").to_pylist() == [8200, 0]


def test_bad_bounds_and_countback_are_refused() -> None:
    model = from_facts(_cycle())
    with pytest.raises(ValidationError, match="bounds"):
        kpi_table(model, [dt.date(2026, 1, 31)], ENGINE)
    with pytest.raises(ValidationError, match="increasing"):
        kpi_table(model, [dt.date(2026, 1, 31), dt.date(2026, 1, 31)], ENGINE)
    with pytest.raises(ValidationError, match="countback"):
        kpi_table(model, [dt.date(2026, 1, 1), dt.date(2026, 1, 31)], ENGINE, countback=-1)
    with pytest.raises(ValidationError, match="timezone"):
        kpi_table(
            model,
            [dt.date(2026, 1, 1), dt.date(2026, 1, 31)],
            ENGINE,
            known_at=dt.datetime(2026, 1, 1),
        )
