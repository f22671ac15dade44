"""Demo section: import a camt.053 statement, match it to the open items and apply it.

Reads ``ctx.state["ledger"]`` (an :class:`o2c.ledger.Ledger`; a small one is built when it is
missing or of another kind), ``ctx.state["rates"]`` (a rate provider, optional) and
``ctx.state["customers"]`` (:class:`o2c.cash_application.CustomerProfile` values, optional).  Leaves
``ctx.state["cash_application"]``: the tuple of :class:`~o2c.cash_application.MatchResult`, and
``ctx.state["ledger"]`` when it built one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from o2c.cash_application import CustomerProfile, MatchDecision, apply, match_payments
from o2c.cli.demos import DemoContext
from o2c.ledger import InvoiceIssued, Ledger, OpenItem
from o2c.money import money, quantize
from o2c.terms import DiscountOffer, Instalment

__all__ = ["run", "statement_xml"]

_DEMO_CUSTOMERS = (
    CustomerProfile("DEMO-C1", "Baltic Steel Inc."),
    CustomerProfile("DEMO-C2", "Orion Furniture GmbH"),
)


def _demo_ledger(today: dt.date) -> Ledger:
    ledger = Ledger()
    at = dt.datetime.combine(today - dt.timedelta(days=30), dt.time(9), tzinfo=dt.UTC)
    specs = [
        ("DEMO-C1", "INV-2026-100101", "1190.00", 10),
        ("DEMO-C1", "INV-2026-100102", "250.00", None),
        ("DEMO-C2", "0100103", "480.00", None),
        ("DEMO-C2", "0100104", "99.90", None),
    ]
    facts = []
    for customer, number, amount, discount_days in specs:
        issued = today - dt.timedelta(days=20)
        total = money(amount, "EUR")
        offers: tuple[DiscountOffer, ...] = ()
        if discount_days is not None:
            offers = (
                DiscountOffer(
                    deadline=today + dt.timedelta(days=discount_days),
                    amount=quantize(money(total.amount * Decimal("0.02"), "EUR")),
                    percent=Decimal("2"),
                ),
            )
        facts.append(
            InvoiceIssued.from_instalments(
                fact_id=f"demo-invoice:{number}",
                customer_id=customer,
                item_id=number,
                document_number=number,
                document_date=issued,
                recorded_at=at,
                instalments=[
                    Instalment(
                        number=1,
                        due_date=issued + dt.timedelta(days=30),
                        amount=total,
                        discounts=offers,
                    )
                ],
            )
        )
    ledger.append(facts)
    return ledger


def _entry(amount: str, currency: str, day: dt.date, payer: str, remittance: str) -> str:
    """One camt.053 entry; ``remittance`` is XML, ``payer`` is text (escaped here)."""
    payer = escape(payer)
    return (
        f'<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        f"<Sts>BOOK</Sts><BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
        f"<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr></RltdPties>"
        f"<RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls></Ntry>"
    )


def statement_xml(items: list[OpenItem], names: dict[str, str], day: dt.date) -> str:
    """A camt.053 statement paying the first open invoices in several ways (demo data)."""
    positive = [i for i in items if i.open_amount.amount > 0]
    invoices = sorted(
        positive, key=lambda i: (not i.discounts, str(i.customer_id), str(i.item_id))
    )[:4]
    entries = []
    if invoices:
        a = invoices[0]
        code = a.open_amount.currency.code
        discount = a.discounts[0].amount if a.discounts else money("0", code)
        paid = a.open_amount - discount
        strd = (
            f"<Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp>"
            f"<Nb>{escape(a.document_number)}</Nb></RfrdDocInf><RfrdDocAmt>"
            f'<DuePyblAmt Ccy="{code}">{a.open_amount.amount}</DuePyblAmt>'
            f'<DscntApldAmt Ccy="{code}">{discount.amount}</DscntApldAmt>'
            f'<RmtdAmt Ccy="{code}">{paid.amount}</RmtdAmt></RfrdDocAmt></Strd>'
        )
        entries.append(_entry(str(paid.amount), code, day, names.get(str(a.customer_id), ""), strd))
    if len(invoices) > 1:
        b = invoices[1]
        entries.append(
            _entry(
                str(b.open_amount.amount),
                b.open_amount.currency.code,
                day,
                names.get(str(b.customer_id), "").upper(),
                f"<Ustrd>Rechnung {escape(b.document_number.lower())} vom 02.03.2026</Ustrd>",
            )
        )
    if len(invoices) > 3:
        c, d = invoices[2], invoices[3]
        if c.open_amount.currency == d.open_amount.currency:
            fee = money("7.50", c.open_amount.currency.code)
            total = c.open_amount + d.open_amount - fee
            entries.append(
                _entry(
                    str(total.amount),
                    total.currency.code,
                    day,
                    names.get(str(c.customer_id), ""),
                    f"<Ustrd>INV {escape(c.document_number)} / {escape(d.document_number)}</Ustrd>",
                )
            )
    entries.append(
        _entry("1234.00", "EUR", day, "Landlord Property KG", "<Ustrd>RENT 03/2026</Ustrd>")
    )
    body = "".join(entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>DEMO-{day}</MsgId><CreDtTm>{day}T18:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>DEMO-STMT-{day}</Id><CreDtTm>{day}T18:00:00</CreDtTm>"
        "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        f"{body}</Stmt></BkToCstmrStmt></Document>"
    )


def run(ctx: DemoContext) -> None:
    """Import a camt.053 statement, match each payment, explain the decisions, apply them."""
    from o2c.adapters.camt import read_camt053

    ctx.heading("Cash application: statement import, matching, posting")
    ledger: Any = ctx.state.get("ledger")
    if not isinstance(ledger, Ledger):
        ledger = _demo_ledger(ctx.today)
        ctx.state.setdefault("ledger", ledger)
        customers: list[CustomerProfile] = list(_DEMO_CUSTOMERS)
        ctx.say("(no ledger from an earlier section: four demo invoices issued)")
    else:
        given = ctx.state.get("customers")
        customers = [c for c in given if isinstance(c, CustomerProfile)] if given else []
    rates = ctx.state.get("rates")
    if rates is not None and not hasattr(rates, "rate"):
        rates = None
    items = ledger.open_items(ctx.today)
    names = {c.customer_id: c.name for c in customers}
    xml = statement_xml(items, names, ctx.today)
    statement = read_camt053(xml)
    ctx.say(
        f"camt.053 {statement.statement_id}: {len(statement.incoming)} incoming payments "
        f"against {len(items)} open items"
    )
    results = match_payments(statement.incoming, items, customers=customers, rates=rates)
    for r in results:
        p = r.payment
        ctx.say(
            f"- {p.amount.amount} {p.amount.currency.code} from {p.payer_name or '?'}: "
            f"{r.decision.value} (confidence {r.confidence:.2f})"
        )
        shown = r.allocations or (r.suggestions[0].allocations if r.suggestions else ())
        for a in shown:
            extra = ", ".join(f"{x.kind.value} {x.amount.amount}" for x in a.residuals)
            ctx.say(
                f"    {a.item_id}: applied {a.applied.amount}" + (f" ({extra})" if extra else "")
            )
        if r.on_account.amount and r.decision is MatchDecision.AUTO:
            ctx.say(f"    on account: {r.on_account.amount}")
        for line in r.explanation[:3]:
            ctx.say(f"    because {line}")
    at = dt.datetime.combine(ctx.today, dt.time(18, 30), tzinfo=dt.UTC)
    report = apply(results, ledger, recorded_at=at)
    again = apply(results, ledger, recorded_at=at + dt.timedelta(hours=1))
    ctx.say(
        f"posted: {report.appended} facts; left for a person: "
        f"{', '.join(pid for pid, _ in report.skipped) or 'none'}; "
        f"applying again appends {again.appended} (idempotent)"
    )
    ctx.say(f"still open: {len(ledger.open_items(ctx.today))} items")
    ctx.state["cash_application"] = results
