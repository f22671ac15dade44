"""Demo section: the AR ledger in a SQLite file: facts, invariants, "open on D as known at T".

Reads ``ctx.db_path`` (the SQLite file the ledger is kept in), ``ctx.today`` and
``ctx.state["invoice"]`` (the :class:`o2c.invoice.Invoice` of the invoice section, recorded
with :func:`o2c.ledger.posting.invoice_fact`; the sample invoices are recorded either way).
Sets ``ctx.state["ledger"]``: the :class:`~o2c.ledger.Ledger` over
:class:`~o2c.adapters.sqlite.SQLiteLedgerStore` for the cash-application, aging and credit
sections, ``ctx.state["ledger_store"]``: that store, and ``ctx.state["customers"]``: the
:class:`~o2c.cash_application.CustomerProfile` of every customer in the ledger (name as billed).
Every fact is recorded before ``ctx.today`` 12:00 UTC, so later sections can record after it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from o2c.adapters.sqlite import SQLiteLedgerStore
from o2c.cash_application import CustomerProfile
from o2c.cli.demos import DemoContext
from o2c.errors import O2CError, OverApplicationError
from o2c.ledger import (
    AllocationReversed,
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
)
from o2c.money import format_money, money
from o2c.terms import Instalment

__all__ = ["run", "section_invoice_fact"]


def section_invoice_fact(invoice: Any, *, recorded_at: dt.datetime) -> Fact | None:
    """The fact recording the invoice section's invoice (``None`` when there is none)."""
    from o2c.invoice import Invoice
    from o2c.ledger.posting import invoice_fact

    if not isinstance(invoice, Invoice):
        return None
    return invoice_fact(invoice, recorded_at=recorded_at)


#: The names of the sample customers, as billed.
_SAMPLE_NAMES = {"C-2002": "Example Trading Ltd", "C-3003": "Nordwind Logistik GmbH"}


def _customers(invoice: Any) -> tuple[CustomerProfile, ...]:
    """The customers the ledger holds, as cash application knows them."""
    from o2c.invoice import Invoice

    names = dict(_SAMPLE_NAMES)
    if isinstance(invoice, Invoice):
        names[invoice.customer.id] = invoice.customer.name
    return tuple(CustomerProfile(cid, name) for cid, name in sorted(names.items()))


def _m(value: Any) -> str:
    return format_money(value, "en_IE")


def _show(ctx: DemoContext, items: list[OpenItem]) -> None:
    for i in items:
        part = f" (instalment {i.instalment})" if i.instalment else ""
        disputed = f", disputed {_m(i.disputed_amount)}" if i.disputed_amount else ""
        ctx.say(
            f"  {i.customer_id:7} {i.item_id:18} {i.kind.value:14} due {i.due_date}{part}: "
            f"{_m(i.open_amount)} of {_m(i.original_amount)}{disputed}"
        )


def _sample(today: dt.date, at: Any) -> list[Fact]:
    issue = today - dt.timedelta(days=40)
    eur = "EUR"
    return [
        InvoiceIssued.from_instalments(
            fact_id="invoice:INV-2026-0100",
            customer_id="C-2002",
            item_id="INV-2026-0100",
            document_number="INV-2026-0100",
            document_date=issue,
            instalments=[
                Instalment(
                    number=1, due_date=issue + dt.timedelta(days=30), amount=money("595.00", eur)
                ),
                Instalment(
                    number=2, due_date=issue + dt.timedelta(days=60), amount=money("595.00", eur)
                ),
            ],
            payment_reference="RF712026I0100",
            recorded_at=at(-40, 9),
            recorded_by="billing",
        ),
        InvoiceIssued.from_instalments(
            fact_id="invoice:INV-2026-0101",
            customer_id="C-3003",
            item_id="INV-2026-0101",
            document_number="INV-2026-0101",
            document_date=issue + dt.timedelta(days=5),
            instalments=[
                Instalment(
                    number=1, due_date=issue + dt.timedelta(days=35), amount=money("2380.00", eur)
                )
            ],
            recorded_at=at(-35, 9),
            recorded_by="billing",
        ),
    ]


def run(ctx: DemoContext) -> None:
    """Record invoices, a payment learnt late, a refused over-application; show both time axes."""
    ctx.heading("Ledger: append-only facts in SQLite, open items as of D and as known at T")
    today = ctx.today
    at = functools.partial(_at, today)
    store = SQLiteLedgerStore(ctx.db_path)
    ledger = Ledger(store)
    _record(ctx, ledger, at)
    _late_payment(ctx, ledger, today, at)
    _show_both_axes(ctx, ledger, today, at)
    _correct(ctx, ledger, today, at)
    ctx.state["ledger"] = ledger
    ctx.state["ledger_store"] = store
    ctx.state["customers"] = _customers(ctx.state.get("invoice"))


def _at(today: dt.date, days: int, hour: int) -> dt.datetime:
    """``hour`` o'clock UTC, ``days`` from ``today``."""
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour), tzinfo=dt.UTC)


def _record(ctx: DemoContext, ledger: Ledger, at: Callable[[int, int], dt.datetime]) -> None:
    """The sample invoices (and the invoice section's), appended twice: the second is a no-op."""
    today = ctx.today
    facts = _sample(today, at)
    recorded = section_invoice_fact(ctx.state.get("invoice"), recorded_at=at(-20, 8))
    if recorded is not None:
        facts.insert(0, recorded)
        ctx.say(f"recording {recorded.fact_id} of the invoice section (o2c.ledger.posting)")
    result = ledger.append(facts)
    ctx.say(
        f"{len(result.appended)} invoice fact(s) appended to {ctx.db_path.name} "
        f"(again: {len(ledger.append(facts).appended)} - same id and content is a no-op)"
    )


def _late_payment(
    ctx: DemoContext, ledger: Ledger, today: dt.date, at: Callable[[int, int], dt.datetime]
) -> None:
    """A payment learnt late, an over-application refused, a dispute opened."""
    # A payment with value date 10 days ago, only learnt (recorded) 3 days ago.
    paid_on = today - dt.timedelta(days=10)
    late: list[Fact] = [
        PaymentReceived(
            fact_id=FactId("payment:BANK-7781"),
            customer_id=CustomerId("C-2002"),
            effective=paid_on,
            recorded_at=at(-3, 10),
            payment_id=PaymentId("BANK-7781"),
            amount=money("700.00", "EUR"),
            value_date=paid_on,
            payer_name="Example Trading Ltd",
            reference="INV-2026-0100",
        ),
        PaymentAllocated(
            fact_id=FactId("alloc:BANK-7781:1"),
            customer_id=CustomerId("C-2002"),
            effective=paid_on,
            recorded_at=at(-3, 10),
            source_id="BANK-7781",
            item_id=ItemId("INV-2026-0100#1"),
            applied=money("595.00", "EUR"),
            recorded_by="cash_application",
            reason="reference INV-2026-0100 on the payment",
        ),
    ]
    ledger.append(late)
    ctx.say("a payment of EUR 700.00 (value date 10 days ago, recorded 3 days ago) settles")
    ctx.say("instalment 1 of INV-2026-0100; EUR 105.00 stays on account")
    try:
        ledger.append(
            [
                PaymentAllocated(
                    fact_id=FactId("alloc:BANK-7781:2"),
                    customer_id=CustomerId("C-2002"),
                    effective=today,
                    recorded_at=at(-2, 10),
                    source_id="BANK-7781",
                    item_id=ItemId("INV-2026-0100#2"),
                    applied=money("595.00", "EUR"),
                )
            ]
        )
    except OverApplicationError as exc:
        ctx.say(f"refused: {exc}")
    dispute: list[Fact] = [
        DisputeOpened(
            fact_id=FactId("dispute:INV-2026-0101"),
            customer_id=CustomerId("C-3003"),
            effective=today - dt.timedelta(days=2),
            recorded_at=at(-2, 11),
            item_id=ItemId("INV-2026-0101"),
            amount=money("380.00", "EUR"),
            reason_code="PRICE",
            reason="price differs from the order",
        )
    ]
    ledger.append(dispute)


def _show_both_axes(
    ctx: DemoContext, ledger: Ledger, today: dt.date, at: Callable[[int, int], dt.datetime]
) -> None:
    """Open items as of today, as known now and as known before the payment; balances; a trail."""
    ctx.say(f"open items as of {today} (everything recorded):")
    _show(ctx, ledger.open_items(today))
    known = at(-5, 12)
    ctx.say(f"open items as of {today}, as known at {known:%Y-%m-%d %H:%M} UTC (before the")
    ctx.say("payment was recorded): the same date, another answer, both reproducible")
    _show(ctx, ledger.open_items(today, known_at=known))
    for customer, totals in ledger.balances(today).items():
        ctx.say(f"balance {customer}: {', '.join(_m(v) for v in totals.values())}")
    trail = ledger.history("INV-2026-0100")
    ctx.say(
        "audit trail of INV-2026-0100: "
        + "; ".join(f"{f.kind.value} ({f.effective}, by {f.recorded_by or '-'})" for f in trail)
    )


def _correct(
    ctx: DemoContext, ledger: Ledger, today: dt.date, at: Callable[[int, int], dt.datetime]
) -> None:
    """A correction: an allocation reversed and applied again, in one batch."""
    # A correction is a new fact, never an update: reverse and keep the cash on account.
    correction: list[Fact] = [
        AllocationReversed(
            fact_id=FactId("reverse:alloc:BANK-7781:1:demo"),
            customer_id=CustomerId("C-2002"),
            effective=today,
            recorded_at=at(-1, 9),
            allocation_id=FactId("alloc:BANK-7781:1"),
            reason="demo: undo, then apply again",
        ),
        PaymentAllocated(
            fact_id=FactId("alloc:BANK-7781:1:again"),
            customer_id=CustomerId("C-2002"),
            effective=today,
            recorded_at=at(-1, 9),
            source_id="BANK-7781",
            item_id=ItemId("INV-2026-0100#1"),
            applied=money("595.00", "EUR"),
        ),
    ]
    try:
        ledger.append(correction)
        ctx.say("an allocation reversed and re-applied in one atomic batch (two new facts)")
    except O2CError as exc:  # pragma: no cover - the demo's own data is consistent
        ctx.say(f"correction refused: {exc}")
    ctx.say(
        f"stream versions: C-2002 at {ledger.version('C-2002')}, C-3003 at "
        f"{ledger.version('C-3003')}"
    )
