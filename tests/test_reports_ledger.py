"""A generated ledger for the report tests and benchmarks/reports.py: customers with names and
credit limits, invoices over a year, payments (on time, late, partial, with deductions),
unapplied cash, credit memos, disputes and write-offs; deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from moneyed import Money

from o2c.ledger import (
    CreditMemoIssued,
    CustomerDetails,
    CustomerRegistered,
    DisputeOpened,
    Fact,
    InvoiceIssued,
    Ledger,
    PaymentAllocated,
    PaymentReceived,
    WrittenOff,
)
from o2c.terms import Instalment

START = dt.date(2025, 4, 1)
AS_OF = dt.date(2026, 3, 31)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(18), dt.UTC)


def sample_facts(n_invoices: int, *, per_customer: int = 40, seed: int = 21) -> list[Fact]:
    """About ``n_invoices`` invoices with their payments and the rest, grouped by customer."""
    rng = random.Random(seed)
    facts: list[Fact] = []
    n_customers = max(1, n_invoices // per_customer)
    span = (AS_OF - START).days
    for c in range(n_customers):
        cid = f"C{c:05d}"
        code = "USD" if c % 10 == 9 else "EUR"
        limit = Money(Decimal(rng.choice((5_000, 20_000, 50_000, 100_000))), code)
        facts.append(
            CustomerRegistered(
                fact_id=f"{cid}-reg",
                customer_id=cid,
                effective=START,
                recorded_at=_at(START),
                details=CustomerDetails(name=f"Customer {c}", credit_limit=limit),
            )
        )
        lateness = rng.choice((-3, 0, 5, 15, 40))
        for k in range(per_customer):
            n = f"{cid}-{k:04d}"
            doc = START + dt.timedelta(days=rng.randrange(span))
            due = doc + dt.timedelta(days=rng.choice((14, 30, 60)))
            amount = Money(Decimal(rng.randrange(5_000, 500_000)).scaleb(-2), code)
            facts.append(
                InvoiceIssued.from_instalments(
                    fact_id=f"{n}-i",
                    customer_id=cid,
                    item_id=f"INV-{n}",
                    document_number=f"INV-{n}",
                    document_date=doc,
                    recorded_at=_at(doc),
                    instalments=[Instalment(number=1, due_date=due, amount=amount)],
                )
            )
            roll = rng.random()
            paid_on = due + dt.timedelta(days=max(-10, lateness + rng.randrange(-5, 20)))
            if roll < 0.7 and paid_on <= AS_OF:
                paid_on = max(paid_on, doc)
                deduction = None
                cash = amount
                if rng.random() < 0.08:
                    deduction = Money(
                        (amount.amount * Decimal("0.05")).quantize(Decimal("0.01")), code
                    )
                    cash = amount - deduction
                elif rng.random() < 0.1:
                    cash = Money((amount.amount / 2).quantize(Decimal("0.01")), code)
                facts.append(
                    PaymentReceived(
                        fact_id=f"{n}-p",
                        customer_id=cid,
                        effective=paid_on,
                        recorded_at=_at(paid_on),
                        payment_id=f"PAY-{n}",
                        amount=cash,
                        value_date=paid_on,
                        payer_name=f"Customer {c}",
                        reference=f"INV-{n}",
                    )
                )
                facts.append(
                    PaymentAllocated(
                        fact_id=f"{n}-a",
                        customer_id=cid,
                        effective=paid_on,
                        recorded_at=_at(paid_on),
                        source_id=f"PAY-{n}",
                        item_id=f"INV-{n}",
                        applied=cash,
                        deduction=deduction,
                        deduction_reason="pricing" if deduction is not None else "",
                    )
                )
            elif roll < 0.75 and doc + dt.timedelta(days=10) <= AS_OF:
                on = doc + dt.timedelta(days=10)
                facts.append(
                    DisputeOpened(
                        fact_id=f"{n}-d",
                        customer_id=cid,
                        effective=on,
                        recorded_at=_at(on),
                        item_id=f"INV-{n}",
                        amount=Money((amount.amount / 4).quantize(Decimal("0.01")), code),
                        reason_code="damaged_goods",
                    )
                )
            elif roll < 0.78 and due + dt.timedelta(days=200) <= AS_OF:
                on = due + dt.timedelta(days=200)
                facts.append(
                    WrittenOff(
                        fact_id=f"{n}-w",
                        customer_id=cid,
                        effective=on,
                        recorded_at=_at(on),
                        item_id=f"INV-{n}",
                        amount=amount,
                    )
                )
            elif roll < 0.80:
                facts.append(
                    CreditMemoIssued(
                        fact_id=f"{n}-c",
                        customer_id=cid,
                        effective=doc,
                        recorded_at=_at(doc),
                        item_id=f"CM-{n}",
                        document_number=f"CM-{n}",
                        document_date=doc,
                        amount=Money((amount.amount / 10).quantize(Decimal("0.01")), code),
                    )
                )
            elif roll < 0.82:
                facts.append(
                    PaymentReceived(
                        fact_id=f"{n}-u",
                        customer_id=cid,
                        effective=doc,
                        recorded_at=_at(doc),
                        payment_id=f"PAY-{n}-U",
                        amount=Money(Decimal(rng.randrange(1_000, 90_000)).scaleb(-2), code),
                        value_date=doc,
                        payer_name=f"Customer {c}",
                    )
                )
    return facts


def sample_ledger(n_invoices: int = 400, **options: int) -> Ledger:
    """An in-memory ledger loaded with :func:`sample_facts`."""
    ledger = Ledger()
    ledger.load_history(sample_facts(n_invoices, **options))
    return ledger
