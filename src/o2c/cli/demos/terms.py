"""Demo section: payment terms, schedules, discounts and business days.

Sets ``ctx.state["terms"]``: the :class:`o2c.terms.PaymentTerms` "2/10 net 30" the invoice
section bills with.  Reads nothing from earlier sections.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from o2c.calendars import WeekendCalendar
from o2c.cli.demos import DemoContext
from o2c.money import format_money, money
from o2c.terms import PaymentTerms, Schedule, to_ubl, to_x12


def _show(ctx: DemoContext, schedule: Schedule) -> None:
    for inst in schedule.instalments:
        ctx.say(
            f"  #{inst.number} due {inst.due_date:%a %d %b %Y}: "
            f"{format_money(inst.amount, 'en_GB')}"
        )
        for offer in inst.discounts:
            due = offer.amount_due if offer.amount_due is not None else inst.amount
            split = ""
            if offer.untaxed_part is not None and offer.tax_part is not None:
                split = (
                    f" (base {format_money(offer.untaxed_part, 'en_GB')}, "
                    f"tax {format_money(offer.tax_part, 'en_GB')})"
                )
            ctx.say(
                f"      or {format_money(due, 'en_GB')} by {offer.deadline:%d %b}: "
                f"{format_money(offer.amount, 'en_GB')} off{split}"
            )


def run(ctx: DemoContext) -> None:
    """Turn an invoice date into schedules with discounts; leave "2/10 net 30" for invoicing."""
    ctx.heading("Terms: from an invoice date to a schedule with discounts")
    invoice_date = dt.date(2026, 1, 31)
    total, untaxed = money("1190.00", "EUR"), money("1000.00", "EUR")

    terms = PaymentTerms.parse("2/10 net 30")
    ctx.say(f"Invoice of {invoice_date:%d %b %Y}, {format_money(total, 'en_GB')}, terms {terms}:")
    schedule = terms.schedule(invoice_date, total)
    _show(ctx, schedule)
    cost = schedule.cost_of_forgoing(year_days=365)
    ctx.say(
        f"  forgoing 2% to pay {cost.days} days later costs {cost.nominal * 100:.2f}% a year "
        f"(365-day basis; {cost.effective * 100:.2f}% compounded)"
    )
    late = schedule.discount_for(money("1166.20", "EUR"), on=dt.date(2026, 2, 11))
    ctx.say(f"  paid 1,166.20 on 11 Feb (a day late): discount earned {late.amount.amount}")

    tiers = PaymentTerms.parse("3% 14 days, 2% 30 days, net 45 base=mixed")
    ctx.say(f"\nThree tiers, VAT share reduced too ({tiers}):")
    _show(ctx, tiers.schedule(invoice_date, total, untaxed=untaxed))

    monthly = PaymentTerms.parse("30% advance, 35% net 1m, balance net 2m")
    ctx.say(f"\nInstalments counted from 31 Jan, never month by month ({monthly}):")
    for line in monthly.schedule(invoice_date, money("1000.01", "EUR")).explain().splitlines()[1:]:
        ctx.say(f"  {line}")

    easter = WeekendCalendar(holidays=[dt.date(2026, 4, 3), dt.date(2026, 4, 6)])
    ctx.say("\nnet 30 from 4 Mar 2026 lands on Good Friday; Easter Monday is a holiday too:")
    for convention in ("none", "following", "modified_preceding"):
        rolled = PaymentTerms.parse(f"net 30 roll={convention}")
        due = rolled.schedule(dt.date(2026, 3, 4), total, calendar=easter).due_date
        ctx.say(f"  roll={convention:19} due {due:%a %d %b %Y}")

    prox = PaymentTerms.parse("10th prox")
    ctx.say("\n'10th prox' on 20 Dec 2026 rolls into the next year:")
    _show(ctx, prox.schedule(dt.date(2026, 12, 20), money("250.00", "GBP")))

    ctx.say("\nInterchange for 2/10 net 30:")
    ctx.say(f"  X12: {to_x12(terms, schedule)[0].segment()}")
    note = to_ubl(terms, schedule).note.replace("\n", "\\n")
    ctx.say(f"  XRechnung BT-20: {note}")
    try:
        PaymentTerms.parse("2/10 net thirty")
    except ValueError as exc:
        ctx.say(f"  unknown text is refused: {exc}")
    assert schedule.instalments[0].discounts[0].percent == Decimal("2")
    ctx.state["terms"] = terms
