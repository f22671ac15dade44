"""Aging and KPIs from the ledger: as of a date, as known at a time, and for a period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from o2c.ledger import (
    CreditMemoIssued,
    InvoiceIssued,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
    WrittenOff,
)
from o2c.money import money
from o2c.receivables.aging import BucketScheme, DueToday, age_from_ledger
from o2c.receivables.kpi import (
    kpi_summary,
    monthly_sales_from_ledger,
    paid_items_from_ledger,
    period_figures_from_ledger,
)
from o2c.terms import Instalment

UTC = dt.UTC
START = dt.datetime(2026, 1, 1, tzinfo=UTC)


class _Clock:
    """Recording times that never go backwards (the ledger refuses that)."""

    def __init__(self) -> None:
        self.now = START

    def tick(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=1)
        return self.now


def _invoice(clock: _Clock, n: str, doc: dt.date, *parts: tuple[int, str], customer: str = "C1"):  # type: ignore[no-untyped-def]
    return InvoiceIssued.from_instalments(
        fact_id=f"inv-{n}",
        customer_id=customer,
        item_id=n,
        document_number=n,
        document_date=doc,
        recorded_at=clock.tick(),
        instalments=[
            Instalment(number=i + 1, due_date=doc + dt.timedelta(days=days), amount=money(a, "EUR"))
            for i, (days, a) in enumerate(parts)
        ],
    )


def _pay(
    clock: _Clock, n: str, on: dt.date, amount: str, item: str, customer: str = "C1"
) -> list[PaymentReceived | PaymentAllocated]:
    at = clock.tick()
    return [
        PaymentReceived(
            fact_id=f"pay-{n}",
            customer_id=customer,
            effective=on,
            recorded_at=at,
            payment_id=f"P{n}",
            amount=money(amount, "EUR"),
            value_date=on,
        ),
        PaymentAllocated(
            fact_id=f"alloc-{n}",
            customer_id=customer,
            effective=on,
            recorded_at=at,
            source_id=f"P{n}",
            item_id=item,
            applied=money(amount, "EUR"),
        ),
    ]


def test_oca707_with_the_ledger_as_of_and_known_at() -> None:
    clock = _Clock()
    ledger = Ledger()
    ledger.append([_invoice(clock, "INV-1", dt.date(2020, 4, 30), (0, "1000.00"))])
    known_before_payment = clock.tick()
    ledger.append(_pay(clock, "1", dt.date(2020, 6, 30), "1000.00", "INV-1"))
    scheme = BucketScheme.standard(due_today=DueToday.OVERDUE)
    as_of = age_from_ledger(ledger, dt.date(2020, 5, 31), scheme=scheme)
    assert as_of.total("EUR").buckets[1] == money("1000.00", "EUR")  # 31 days: "31-60"
    assert as_of.items[0].age_days == 31
    today = age_from_ledger(ledger, dt.date(2020, 7, 1))
    assert today.totals == ()
    known = age_from_ledger(ledger, dt.date(2020, 7, 1), known_at=known_before_payment)
    assert known.total("EUR").balance == money("1000.00", "EUR")
    assert known.known_at == known_before_payment


def test_instalments_are_aged_by_their_own_due_dates() -> None:
    clock = _Clock()
    ledger = Ledger()
    ledger.append(
        [_invoice(clock, "INV-2", dt.date(2026, 1, 1), (30, "100.00"), (60, "100.00"), (90, "50"))]
    )
    report = age_from_ledger(ledger, dt.date(2026, 3, 15))
    total = report.total("EUR")
    assert total.not_due == money("50.00", "EUR")  # due 1 April
    assert total.buckets[0] == money("100.00", "EUR")  # due 2 March: 13 days
    assert total.buckets[1] == money("100.00", "EUR")  # due 31 January: 43 days
    assert sorted(a.item.instalment or 0 for a in report.items) == [1, 2, 3]


@st.composite
def _ledgers(draw: st.DrawFn) -> tuple[Ledger, _Clock, list[tuple[str, Decimal]]]:
    clock = _Clock()
    ledger = Ledger()
    invoices = []
    for i in range(draw(st.integers(min_value=1, max_value=5))):
        doc = dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 60)))
        units = draw(st.integers(min_value=100, max_value=10**6))
        amount = Decimal(units).scaleb(-2)
        due_days = draw(st.integers(0, 60))
        customer = draw(st.sampled_from(["C1", "C2"]))
        ledger.append([_invoice(clock, f"I{i}", doc, (due_days, str(amount)), customer=customer)])
        invoices.append((f"I{i}", amount, doc, customer))
    paid = []
    for j, (item, amount, doc, customer) in enumerate(invoices):
        if draw(st.booleans()):
            part = (amount * draw(st.integers(1, 9)) / 10).quantize(Decimal("0.01"))
            on = doc + dt.timedelta(days=draw(st.integers(0, 90)))
            ledger.append(_pay(clock, f"{j}", on, str(part), item, customer=customer))
            paid.append((item, amount - part))
        else:
            paid.append((item, amount))
    return (
        ledger,
        clock,
        [(f"{i}|{c}", a) for (i, a), (_, _, _, c) in zip(paid, invoices, strict=True)],
    )


@given(
    _ledgers(),
    st.dates(min_value=dt.date(2025, 12, 1), max_value=dt.date(2026, 7, 1)),
    st.integers(min_value=1, max_value=200),
    st.integers(min_value=0, max_value=4),
)
def test_an_application_recorded_after_the_date_never_changes_the_aging(
    data: tuple[Ledger, _Clock, list[tuple[str, Decimal]]], as_of: dt.date, later: int, pick: int
) -> None:
    ledger, clock, remaining = data
    before = age_from_ledger(ledger, as_of)
    for row in (*before.rows, *before.totals):
        assert sum(c.amount for c in row.columns) == row.balance.amount
    known_at = clock.tick()
    key, left = remaining[pick % len(remaining)]
    item, customer = key.split("|")
    on = max(as_of, dt.date(2026, 3, 2)) + dt.timedelta(days=later)
    ledger.append(_pay(clock, "late", on, str(left), item, customer=customer))
    after = age_from_ledger(ledger, as_of)
    assert after.rows == before.rows
    assert after.totals == before.totals
    # and the aging known at a time before the payment was recorded never changes either
    then = age_from_ledger(ledger, on, known_at=known_at)
    now = age_from_ledger(ledger, on)
    assert then.total("EUR").balance.amount - now.total("EUR").balance.amount == left


def test_kpis_from_the_ledger_for_a_period() -> None:
    clock = _Clock()
    ledger = Ledger()
    ledger.append(
        [
            _invoice(clock, "A", dt.date(2025, 12, 1), (30, "600.00")),
            _invoice(clock, "B", dt.date(2026, 1, 10), (30, "1000.00")),
            _invoice(clock, "C", dt.date(2026, 1, 20), (30, "400.00")),
            _invoice(clock, "D", dt.date(2026, 1, 25), (30, "300.00")),
        ]
    )
    ledger.append(_pay(clock, "1", dt.date(2026, 1, 5), "600.00", "A"))  # 5 days late
    ledger.append(_pay(clock, "2", dt.date(2026, 1, 30), "1000.00", "B"))  # on time
    at = clock.tick()
    ledger.append(
        [
            CreditMemoIssued(
                fact_id="cm-1",
                customer_id="C1",
                effective=dt.date(2026, 1, 28),
                recorded_at=at,
                item_id="CM-1",
                document_number="CM-1",
                document_date=dt.date(2026, 1, 28),
                amount=money("100.00", "EUR"),
            ),
            WrittenOff(
                fact_id="wo-1",
                customer_id="C1",
                effective=dt.date(2026, 1, 29),
                recorded_at=at,
                item_id="D",
                amount=money("300.00", "EUR"),
            ),
        ]
    )
    figures = period_figures_from_ledger(ledger, dt.date(2025, 12, 31), dt.date(2026, 1, 31), "EUR")
    assert figures.days == 31
    assert figures.beginning_receivables == money("600.00", "EUR")
    assert figures.ending_receivables == money("300.00", "EUR")  # C 400 less the credit 100
    assert figures.ending_current_receivables == money("400.00", "EUR")
    assert figures.credit_sales == money("1600.00", "EUR")  # B + C + D - CM
    assert figures.write_offs == money("300.00", "EUR")
    paid = paid_items_from_ledger(ledger, dt.date(2025, 12, 31), dt.date(2026, 1, 31))
    assert sorted((p.item_id, p.days_to_pay, p.days_late) for p in paid) == [
        ("A", 35, 5),
        ("B", 20, 0),
    ]
    monthly = monthly_sales_from_ledger(ledger, dt.date(2026, 1, 31), 3, "EUR")
    assert monthly == [
        (money("1600.00", "EUR"), 31),  # January: B + C + D - CM
        (money("600.00", "EUR"), 31),  # December: A
        (money("0", "EUR"), 30),
    ]
    kpis = {k.name: k.value for k in kpi_summary(figures, paid=paid, monthly_sales=monthly)}
    assert kpis["DSO (countback)"] == Decimal(300 * 31) / 1600
    assert kpis["DSO"] == Decimal(300 * 31) / 1600
    assert kpis["bad-debt ratio"] == Decimal("18.75")
    assert kpis["weighted days late"] == Decimal(600 * 5) / 1600


def test_paid_items_ignore_reversed_allocations_and_split_instalments() -> None:
    from o2c.ledger import AllocationReversed

    clock = _Clock()
    ledger = Ledger()
    ledger.append([_invoice(clock, "S", dt.date(2026, 1, 1), (30, "100.00"), (60, "50.00"))])
    ledger.append(_pay(clock, "1", dt.date(2026, 1, 20), "100.00", "S#1"))
    ledger.append(_pay(clock, "2", dt.date(2026, 2, 10), "50.00", "S#2"))
    at = clock.tick()
    ledger.append(
        [
            AllocationReversed(
                fact_id="rev-2",
                customer_id="C1",
                effective=dt.date(2026, 2, 12),
                recorded_at=at,
                allocation_id="alloc-2",
            )
        ]
    )
    paid = paid_items_from_ledger(ledger, dt.date(2025, 12, 31), dt.date(2026, 3, 31))
    assert [(p.item_id, p.paid_on, p.days_late) for p in paid] == [("S#1", dt.date(2026, 1, 20), 0)]
    # known before the reversal was recorded, the second instalment was paid
    before = paid_items_from_ledger(
        ledger, dt.date(2025, 12, 31), dt.date(2026, 3, 31), known_at=at - dt.timedelta(seconds=1)
    )
    assert sorted(p.item_id for p in before) == ["S#1", "S#2"]
