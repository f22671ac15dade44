"""Demo section: a dunning proposal with interest and compensation, a reminder, early warnings.

Reads ``ctx.today`` and ``ctx.state["collections_ledger"]`` (left by the aging section; a sample
ledger is built when it is missing or has nothing to dun yet).  Sets ``ctx.state["dunning"]`` (the
:class:`~o2c.collecting.DunningRun`) and ``ctx.state["outbox"]`` (the
:class:`~o2c.collecting.reminders.InMemoryNotifier` the reminders were "sent" to: no mail leaves
the demo).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from o2c.cli.demos import DemoContext
from o2c.cli.demos.aging import CUSTOMERS, sample_ledger
from o2c.collecting import (
    GERMANY_COMPENSATION,
    UK_COMPENSATION,
    Debt,
    DunningAction,
    DunningLevel,
    DunningPolicy,
    DunningRun,
    InterestRule,
    ReferenceRate,
    ReferenceRateTable,
    late_payment_claim,
    propose_dunning,
    signals_from_ledger,
)
from o2c.collecting.disputes import disputes_from_ledger, open_disputes
from o2c.collecting.reminders import (
    InMemoryNotifier,
    account_activity,
    render_reminder,
    render_statement,
    send_reminders,
)
from o2c.ledger import ItemId, Ledger
from o2c.money import format_money, money

__all__ = ["run"]

#: The German base rate (Basiszinssatz, para. 247 BGB) by half-year; 2026 is illustrative.
BASISZINSSATZ = ReferenceRateTable(
    name="Basiszinssatz",
    rates=[
        ReferenceRate(dt.date(2024, 7, 1), Decimal("0.0337")),
        ReferenceRate(dt.date(2025, 1, 1), Decimal("0.0227")),
        ReferenceRate(dt.date(2025, 7, 1), Decimal("0.0127")),
        ReferenceRate(dt.date(2026, 1, 1), Decimal("0.0127")),
    ],
)


def _policy() -> DunningPolicy:
    return DunningPolicy(
        levels=[
            DunningLevel(level=1, days_after_due=7, actions={DunningAction.EMAIL}),
            DunningLevel(
                level=2,
                days_after_due=30,
                minimum_amount=money("50.00", "EUR"),
                fee=money("5.00", "EUR"),
                actions={DunningAction.LETTER, DunningAction.CHARGE_INTEREST},
            ),
            DunningLevel(
                level=3,
                days_after_due=60,
                minimum_amount=money("250.00", "EUR"),
                fee=money("10.00", "EUR"),
                actions={
                    DunningAction.LETTER,
                    DunningAction.CHARGE_INTEREST,
                    DunningAction.CLAIM_COMPENSATION,
                    DunningAction.BLOCK_DELIVERIES,
                },
            ),
        ],
        grace_days=3,
        interest=InterestRule.germany_b2b(BASISZINSSATZ),
        compensation=GERMANY_COMPENSATION,
    )


def _name(customer_id: str) -> str:
    return CUSTOMERS.get(customer_id, customer_id)


def run(ctx: DemoContext) -> None:
    """Propose dunning as of today, render and "send" reminders, list early warnings."""
    ctx.heading("Collections: dunning, late-payment interest, reminders, disputes")
    given: Any = ctx.state.get("collections_ledger")
    ledger = given if isinstance(given, Ledger) else sample_ledger(ctx.today)[0]
    run_ = propose_dunning(ledger.open_items(ctx.today), ctx.today, _policy())
    if not run_.notices:
        ctx.say("nothing in the ledger is late enough to dun yet; a sample ledger of four")
        ctx.say("customers shows dunning, reminders and warnings instead")
        ledger = sample_ledger(ctx.today)[0]
        run_ = propose_dunning(ledger.open_items(ctx.today), ctx.today, _policy())
    _show_dunning(ctx, run_)
    ctx.state["dunning"] = run_
    _show_uk_claim(ctx)
    if run_.notices:
        _remind(ctx, run_)
    _show_statement(ctx, ledger, run_)
    _show_disputes_and_warnings(ctx, ledger)


def _show_dunning(ctx: DemoContext, run_: DunningRun) -> None:
    """The notices of a dunning run with their claims, and what it left out."""
    ctx.say(
        f"dunning as of {ctx.today} (grace 3 days; German B2B interest: base rate + 9 points "
        "per half-year; EUR 40 flat compensation):"
    )
    for notice in run_.notices:
        claim = notice.claim
        ctx.say(
            f"  {_name(notice.customer_id)}: level {notice.level.level} "
            f"({', '.join(sorted(a.value for a in notice.level.actions))})"
        )
        for line in claim.lines:
            rates = ", ".join(f"{p.days}d at {p.rate * 100:.2f}%" for p in line.periods) or "-"
            ctx.say(
                f"    {line.debt.document_number}: {line.debt.principal.amount} "
                f"{line.days} days late, interest {line.interest.amount} ({rates}), "
                f"compensation {line.compensation.amount}"
            )
        ctx.say(
            f"    overdue {claim.principal.amount} + interest {claim.interest.amount} + "
            f"compensation {claim.compensation.amount} + fee {claim.fee.amount} = "
            f"{format_money(claim.total, 'de_DE')}"
        )
    for excluded in run_.exclusions:
        what = excluded.item_id or "all items"
        ctx.say(
            f"  left out: {_name(excluded.customer_id)} {what} "
            f"({excluded.reason.value}, {excluded.amount.amount} {excluded.amount.currency.code})"
        )


def _show_uk_claim(ctx: DemoContext) -> None:
    """A UK statutory late-payment claim: interest rounded once."""
    debt = Debt(
        item_id=ItemId("UK-1"),
        document_number="UK-1",
        due_date=dt.date(2026, 1, 1),
        until=dt.date(2026, 4, 12),
        principal=money("5000.00", "GBP"),
    )
    uk = late_payment_claim(
        [debt], InterestRule.fixed(Decimal("0.1225")), compensation=UK_COMPENSATION
    )
    ctx.say(
        f"a UK statutory claim on GBP 5,000 for {uk.lines[0].days} days at 12.25%: interest "
        f"{uk.interest.amount} (rounded once, not a rounded daily amount x days) + "
        f"compensation {uk.compensation.amount} = {uk.charges.amount}"
    )


def _remind(ctx: DemoContext, run_: DunningRun) -> None:
    """The highest notice rendered, and every notice handed to the in-memory notifier."""
    notice = max(run_.notices, key=lambda n: n.level.level)
    doc = render_reminder(
        notice,
        locale="de_DE",
        customer=_name(notice.customer_id),
        company="o2c Demo AG",
        address=("Beispielstraße 1", "10115 Berlin"),
        payment_details="IBAN DE89 3704 0044 0532 0130 00, RF18 5390 0754 7034",
    )
    ctx.say(f"\nrendered reminder (de_DE, text part), subject: {doc.subject}")
    for text in doc.text.rstrip().splitlines():
        ctx.say(f"  | {text}")
    outbox = InMemoryNotifier()
    contacts = {c: [f"ap@{c.lower()}.example"] for c in CUSTOMERS}
    results = send_reminders(
        run_.notices,
        outbox,
        contacts=contacts,
        sender="collections@o2c-demo.example",
        locale={"C1": "de_DE", "C2": "en_GB"},
        company="o2c Demo AG",
        customer_names=CUSTOMERS,
    )
    ctx.say(
        f"{sum(r.message_id is not None for r in results)} reminders handed to the in-memory "
        "notifier (text + HTML; SMTP is o2c.adapters.smtp)"
    )
    ctx.state["outbox"] = outbox


def _show_statement(ctx: DemoContext, ledger: Ledger, run_: DunningRun) -> None:
    """The statement of account of the customer with the highest dunning level."""
    # the statement of the customer with the highest dunning level (C2 in the sample)
    top = max(run_.notices, key=lambda n: n.level.level, default=None)
    customer = top.customer_id if top is not None else "C2"
    statement = render_statement(
        ledger.open_items(ctx.today, customer_id=customer),
        ctx.today,
        locale="en_GB",
        customer=_name(customer),
        company="o2c Demo AG",
        activity=account_activity(ledger, customer, ctx.today - dt.timedelta(days=60), ctx.today),
    )
    ctx.say(f"\nstatement of account, subject: {statement.subject}")
    for text in statement.text.rstrip().splitlines()[3:]:
        ctx.say(f"  | {text}")


def _show_disputes_and_warnings(ctx: DemoContext, ledger: Ledger) -> None:
    """Open disputes and deductions, and the early warnings of the last week."""
    disputes = disputes_from_ledger(ledger.facts())
    for code, summary in open_disputes(disputes, kind=None).items():
        ctx.say(
            f"\nopen disputes and deductions: {summary.count} for {summary.amount.amount} {code}"
        )
    signals = signals_from_ledger(
        ledger, ctx.today, since=ctx.today - dt.timedelta(days=7), thresholds=(15, 30, 60, 90)
    )
    ctx.say("early warnings since a week ago:")
    for s in signals:
        ctx.say(f"  {_name(s.customer_id)}: {s.kind.value} {s.item_id or ''} {s.detail}".rstrip())
