"""Demo section: aging as of a date (and as known before a late payment), and the AR KPIs.

Reads ``ctx.today``, ``ctx.state["ledger"]`` when an earlier section left an
:class:`o2c.ledger.Ledger` with open items (otherwise a sample ledger of four customers is built
here) and ``ctx.state["rates"]`` (a rate provider, to convert the aging to EUR) when present.
Sets ``ctx.state["aging"]`` (the :class:`~o2c.receivables.aging.AgingReport` as of
``ctx.today``) and
``ctx.state["collections_ledger"]`` (the ledger it aged, for the collections section).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from o2c.cli.demos import DemoContext
from o2c.errors import RateError
from o2c.ledger import (
    CreditMemoIssued,
    CustomerId,
    DisputeOpened,
    Fact,
    FactId,
    InvoiceIssued,
    ItemId,
    Ledger,
    PaymentAllocated,
    PaymentId,
    PaymentReceived,
    PromisedToPay,
)
from o2c.money import format_money, money, quantize
from o2c.receivables.aging import (
    AgingReport,
    BucketScheme,
    DueToday,
    age_from_ledger,
    convert_report,
)
from o2c.receivables.kpi import (
    kpi_summary,
    monthly_sales_from_ledger,
    paid_items_from_ledger,
    period_figures_from_ledger,
)
from o2c.terms import Instalment

__all__ = ["run", "sample_ledger"]

CUSTOMERS = {
    "C1": "Alpine Tools GmbH",
    "C2": "Baltic Retail SIA",
    "C3": "Cobalt Labs Ltd",
    "C4": "Delta Foods SA",
}


class _Sample:
    """What the sample ledger's facts are made with: days counted from ``today`` and a clock
    that records each fact a minute after the one before."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.clock = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC)

    def at(self) -> dt.datetime:
        """The next recording time (a minute later)."""
        self.clock += dt.timedelta(minutes=1)
        return self.clock

    def day(self, offset: int) -> dt.date:
        """``offset`` days from today."""
        return self.today + dt.timedelta(days=offset)

    def invoice(
        self, cust: str, n: str, doc: int, net: int, amount: str, code: str = "EUR"
    ) -> Fact:
        """An invoice of one instalment, ``net`` days after its date ``doc`` days from today."""
        return InvoiceIssued.from_instalments(
            fact_id=FactId(f"inv-{n}"),
            customer_id=CustomerId(cust),
            item_id=n,
            document_number=n,
            document_date=self.day(doc),
            recorded_at=self.at(),
            instalments=[
                Instalment(number=1, due_date=self.day(doc + net), amount=money(amount, code))
            ],
        )

    def pay(self, cust: str, n: str, on: int, amount: str, item: str | None) -> list[Fact]:
        """A payment ``on`` days from today, allocated to ``item`` (on account without)."""
        stamp = self.at()
        facts: list[Fact] = [
            PaymentReceived(
                fact_id=FactId(f"pay-{n}"),
                customer_id=CustomerId(cust),
                effective=self.day(on),
                recorded_at=stamp,
                payment_id=PaymentId(f"P-{n}"),
                amount=money(amount, "EUR"),
                value_date=self.day(on),
                payer_name=CUSTOMERS[cust],
            )
        ]
        if item is not None:
            facts.append(
                PaymentAllocated(
                    fact_id=FactId(f"alloc-{n}"),
                    customer_id=CustomerId(cust),
                    effective=self.day(on),
                    recorded_at=stamp,
                    source_id=f"P-{n}",
                    item_id=ItemId(item),
                    applied=money(amount, "EUR"),
                )
            )
        return facts


def sample_ledger(today: dt.date) -> tuple[Ledger, dt.datetime]:
    """A small deterministic ledger around ``today``; returns it and a time before its last fact.

    The last fact is a payment recorded after ``today`` for a value date before it, so the aging
    "as known at" the returned time differs from the aging with everything recorded.
    """
    s = _Sample(today)
    ledger = Ledger()
    ledger.append(
        [
            s.invoice("C1", "INV-100", -120, 30, "1000.00"),
            s.invoice("C1", "INV-101", -85, 30, "1190.00"),
            s.invoice("C1", "INV-102", -49, 30, "595.00"),
            s.invoice("C1", "INV-103", -11, 30, "2380.00"),
            s.invoice("C2", "INV-201", -136, 30, "4760.00"),
            s.invoice("C2", "INV-202", -40, 30, "830.00"),
            s.invoice("C3", "INV-301", -58, 30, "2000.00", "USD"),
            s.invoice("C4", "INV-401", -120, 30, "800.00"),
            s.invoice("C4", "INV-402", -75, 30, "1200.00"),
        ]
    )
    ledger.append(s.pay("C1", "1", -82, "1000.00", "INV-100"))
    ledger.append(s.pay("C1", "2", -30, "300.00", "INV-101"))
    ledger.append(s.pay("C4", "3", -80, "800.00", "INV-401"))
    ledger.append(s.pay("C4", "4", -47, "1200.00", "INV-402"))
    ledger.append(s.pay("C4", "5", -5, "250.00", None))  # money on account
    ledger.append(
        [
            CreditMemoIssued(
                fact_id=FactId("cm-201"),
                customer_id=CustomerId("C2"),
                effective=s.day(-20),
                recorded_at=s.at(),
                item_id=ItemId("CM-201"),
                document_number="CM-201",
                document_date=s.day(-20),
                amount=money("120.00", "EUR"),
                credits_item_id=ItemId("INV-201"),
            ),
            DisputeOpened(
                fact_id=FactId("dispute-201"),
                customer_id=CustomerId("C2"),
                effective=s.day(-18),
                recorded_at=s.at(),
                item_id=ItemId("INV-201"),
                amount=money("500.00", "EUR"),
                reason_code="pricing",
            ),
            PromisedToPay(
                fact_id=FactId("ptp-201"),
                customer_id=CustomerId("C2"),
                effective=s.day(-21),
                recorded_at=s.at(),
                amount=money("1000.00", "EUR"),
                promised_date=s.day(-11),
                item_id=ItemId("INV-201"),
            ),
        ]
    )
    known_before = s.at()
    # recorded after "today", effective before it: a payment we only learn about later
    s.clock = dt.datetime.combine(today + dt.timedelta(days=2), dt.time(9), tzinfo=dt.UTC)
    ledger.append(s.pay("C2", "6", -3, "830.00", "INV-202"))
    return ledger, known_before


def _table(ctx: DemoContext, report: AgingReport) -> None:
    labels = report.column_labels
    widths = [max(9, len(label)) for label in labels]
    ctx.say(
        "  "
        f"{'customer':20} {'cur':3} "
        + " ".join(f"{label:>{w}}" for label, w in zip(labels, widths, strict=True))
        + f" {'balance':>10}"
    )
    for row in (*report.rows, *report.totals):
        name = CUSTOMERS.get(str(row.customer_id), str(row.customer_id))
        who = "TOTAL" if row.customer_id is None else name
        cells = " ".join(
            f"{quantize(c).amount!s:>{w}}" for c, w in zip(row.columns, widths, strict=True)
        )
        ctx.say(f"  {who:20} {row.currency:3} {cells} {quantize(row.balance).amount!s:>10}")


def run(ctx: DemoContext) -> None:
    """Age the ledger as of today, as known earlier, in EUR; then the quarter's KPIs."""
    ctx.heading("Aging and AR KPIs")
    given: Any = ctx.state.get("ledger")
    known_before: dt.datetime | None = None
    if isinstance(given, Ledger) and given.open_items(ctx.today):
        ledger = given
        ctx.say("aging the ledger built by the earlier sections")
    else:
        ledger, known_before = sample_ledger(ctx.today)
        ctx.say(f"a sample ledger of {len(CUSTOMERS)} customers (invoices, payments, a credit")
        ctx.say("memo, money on account, a dispute, a promise to pay)")
    ctx.state["collections_ledger"] = ledger
    report = age_from_ledger(ledger, ctx.today)
    ctx.say(f"\naging as of {ctx.today} by due date (due today = not due; Odoo's convention):")
    _table(ctx, report)
    for row in report.rows + report.totals:
        assert sum(c.amount for c in row.columns) == row.balance.amount  # always adds up
    ctx.say("  every row's columns sum to its balance; credits and cash on account are negative")
    erp = age_from_ledger(
        ledger, ctx.today, scheme=BucketScheme.standard(due_today=DueToday.OVERDUE), detail=False
    )
    first = format_money(erp.total("EUR").buckets[0], "en_GB")
    ctx.say(f"ERPNext's convention (due today is 0-30): first bucket {first}")
    if known_before is not None:
        earlier = age_from_ledger(ledger, ctx.today, known_at=known_before, detail=False)
        ctx.say(
            f"as known at {known_before:%Y-%m-%d %H:%M} (before a late-recorded payment): "
            f"EUR balance {earlier.total('EUR').balance.amount} vs "
            f"{report.total('EUR').balance.amount} now"
        )
    rates = ctx.state.get("rates")
    if rates is not None and len(report.currencies) > 1:
        try:
            converted = convert_report(report, "EUR", ctx.today, rates)
        except RateError as exc:
            ctx.say(f"(no conversion to EUR: {exc})")
        else:
            used = ", ".join(
                f"{r.base}->{r.quote} {r.value:.4f} of {r.date}" for r in converted.rates_used
            )
            balance = format_money(converted.total().balance, "en_GB")
            ctx.say(f"in EUR at {used}: balance {balance}")
    ctx.state["aging"] = report

    start = ctx.today - dt.timedelta(days=90)
    figures = period_figures_from_ledger(ledger, start, ctx.today, "EUR")
    if figures.credit_sales.amount <= 0 or figures.ending_receivables.amount <= 0:
        ctx.say(f"\n(no EUR credit sales or receivables in {start} .. {ctx.today}: no KPIs)")
        return
    paid = paid_items_from_ledger(ledger, start, ctx.today)
    ctx.say(f"\nKPIs for {start} .. {ctx.today} (EUR; sales {figures.credit_sales.amount}):")
    monthly = monthly_sales_from_ledger(ledger, ctx.today, 3, "EUR")
    eur_paid = [p for p in paid if p.amount.currency.code == "EUR"]
    for kpi in kpi_summary(figures, paid=eur_paid, monthly_sales=monthly):
        value = kpi.value.quantize(Decimal("0.01"))
        ctx.say(f"  {kpi.name:24} {value!s:>9} {kpi.unit:5}  = {kpi.formula}")
