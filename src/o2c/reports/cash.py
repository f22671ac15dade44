"""Cash reports: payments received and how they were applied, unapplied cash and credits, and the
cash-application exceptions (the incoming-cash worklist).

Each reads the ledger once through its read model; the exceptions are
:func:`o2c.cash_application.worklist.worklist` laid out as a table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import ClassVar

import attrs
from moneyed import Money

from o2c.cash_application.worklist import WorkItem, worklist
from o2c.errors import ValidationError
from o2c.ledger import ItemKind, Ledger, PaymentReceived
from o2c.money import currency
from o2c.receivables.aging import age
from o2c.reports.model import Cell, Column, ColumnKind, Figure, Label, Table
from o2c.reports.receivables import AgedItems
from o2c.reports.report import LedgerReport

__all__ = [
    "CashExceptions",
    "PaymentApplication",
    "Payments",
    "Unapplied",
    "exceptions",
    "payments",
    "unapplied_report",
]

_ZERO = Decimal(0)


def _totals(
    rows: Iterable[tuple[str, tuple[Decimal, ...]]], width: int
) -> dict[str, list[Decimal]]:
    out: dict[str, list[Decimal]] = {}
    for code, values in rows:
        acc = out.setdefault(code, [_ZERO] * width)
        for i, v in enumerate(values):
            acc[i] += v
    return out


def _money_figures(key: str, sums: dict[str, list[Decimal]], index: int) -> list[Figure]:
    return [Figure(key=key, value=v[index], unit=code) for code, v in sorted(sums.items())]


# --------------------------------------------------------------------------------------------
# Payments received


@attrs.frozen(kw_only=True)
class PaymentApplication:
    """A payment received in a customer's stream: what is applied, what is left, and where it
    went (the items its kept allocations settled, with the amounts settled)."""

    payment: PaymentReceived
    unapplied: Money
    applied_to: tuple[tuple[str, Money], ...]

    @property
    def applied(self) -> Money:
        """The amount no longer unapplied: allocated, refunded or moved to another customer."""
        return self.payment.amount - self.unapplied


@attrs.frozen(kw_only=True)
class Payments(LedgerReport):
    """The payments received from ``start`` to ``as_of`` and how they were applied."""

    name: ClassVar[str] = "payments"
    start: dt.date
    payments: tuple[PaymentApplication, ...]

    def table(self) -> Table:
        columns = (
            Column("payment_id"),
            Column("customer_id"),
            Column("value_date", ColumnKind.DATE),
            Column("reference"),
            Column("payer"),
            Column("currency"),
            Column("amount", ColumnKind.MONEY),
            Column("applied", ColumnKind.MONEY),
            Column("unapplied", ColumnKind.MONEY),
            Column("applied_to"),
        )
        rows = tuple(
            (
                p.payment.payment_id,
                p.payment.customer_id,
                p.payment.value_date,
                p.payment.reference,
                p.payment.payer_name,
                p.payment.amount.currency.code,
                p.payment.amount,
                p.applied,
                p.unapplied,
                ", ".join(item for item, _ in p.applied_to),
            )
            for p in self.payments
        )
        sums = self._sums()
        totals = tuple(
            (
                Label("total"),
                "",
                None,
                "",
                "",
                code,
                *(Money(v, currency(code)) for v in values),
                "",
            )
            for code, values in sorted(sums.items())
        )
        return Table(columns=columns, rows=rows, totals=totals)

    def _sums(self) -> dict[str, list[Decimal]]:
        return _totals(
            (
                (
                    p.payment.amount.currency.code,
                    (p.payment.amount.amount, p.applied.amount, p.unapplied.amount),
                )
                for p in self.payments
            ),
            3,
        )

    def figures(self) -> tuple[Figure, ...]:
        count = Figure(key="figure.count", value=Decimal(len(self.payments)), unit="count")
        sums = self._sums()
        return (count, *_money_figures("amount", sums, 0), *_money_figures("unapplied", sums, 2))


def payments(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    start: dt.date | None = None,
) -> Payments:
    """The payments effective from ``start`` (default: the first day of ``as_of``'s month) to
    ``as_of``, with what each settled (its kept allocations) and what is left unapplied.

    Raises:
        ValidationError: ``start`` after ``as_of``.
    """
    start = start or as_of.replace(day=1)
    if start > as_of:
        raise ValidationError(
            f"start={start} is after as_of={as_of}", field="start", value=start.isoformat()
        )
    history = ledger.read(as_of, known_at=known_at, customer_id=customer_id)
    left: dict[tuple[str, str], Money] = {}
    for case in history.payment_cases():
        for cid, amount in case.unapplied:
            left[(case.payment_id, cid)] = amount
    settled: dict[tuple[str, str], list[tuple[str, Money]]] = {}
    for trail in history.settlement_trails():
        for entry in trail.settlements:
            if entry.source_id is not None:
                amount = Money(entry.collected + entry.written_off, trail.amount.currency)
                key = (entry.source_id, trail.customer_id)
                settled.setdefault(key, []).append((trail.item_id, amount))
    out = []
    for p in history.payments:
        if not start <= p.effective <= as_of:
            continue
        key = (p.payment_id, p.customer_id)
        out.append(
            PaymentApplication(
                payment=p,
                unapplied=left.get(key, Money(_ZERO, p.amount.currency)),
                applied_to=tuple(settled.get(key, ())),
            )
        )
    return Payments(
        as_of=as_of, known_at=known_at, start=start, payments=tuple(out), customer_id=customer_id
    )


# --------------------------------------------------------------------------------------------
# Unapplied cash and credits


_CREDITS = (ItemKind.UNAPPLIED_CASH, ItemKind.CREDIT_MEMO)


@attrs.frozen(kw_only=True)
class Unapplied(AgedItems):
    """Unapplied cash and open credit memos on ``as_of`` (negative: they reduce the balance),
    with their age from the value or document date."""

    name: ClassVar[str] = "unapplied"

    def figures(self) -> tuple[Figure, ...]:
        count = Figure(key="figure.count", value=Decimal(len(self.aging.items)), unit="count")
        return (
            count,
            *(
                Figure(key="figure.unapplied", value=t.balance.amount, unit=t.currency)
                for t in self.aging.totals
            ),
        )


def unapplied_report(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
) -> Unapplied:
    """The unapplied cash and open credit memos on ``as_of`` as known at ``known_at``."""
    items = ledger.open_items(as_of, known_at=known_at, customer_id=customer_id)
    credits = [i for i in items if i.kind in _CREDITS]
    aging = age(credits, as_of, detail=True, known_at=known_at)
    return Unapplied(as_of=as_of, known_at=known_at, aging=aging, customer_id=customer_id)


# --------------------------------------------------------------------------------------------
# Cash-application exceptions


@attrs.frozen(kw_only=True)
class CashExceptions(LedgerReport):
    """The incoming-cash worklist (:func:`o2c.cash_application.worklist.worklist`): payments
    held, flagged, suggested, in suspense or unapplied, largest first."""

    name: ClassVar[str] = "exceptions"
    items: tuple[WorkItem, ...]

    def table(self) -> Table:
        columns = (
            Column("payment_id"),
            Column("kind"),
            Column("customer_id"),
            Column("value_date", ColumnKind.DATE),
            Column("age_days", ColumnKind.INTEGER),
            Column("currency"),
            Column("amount", ColumnKind.MONEY),
            Column("payer"),
            Column("reference"),
            Column("reasons"),
            Column("candidate"),
        )
        rows: list[tuple[Cell, ...]] = []
        for w in self.items:
            best = w.candidates[0] if w.candidates else None
            candidate = (
                f"{', '.join(line.item_id for line in best.lines)} ({best.confidence})"
                if best is not None
                else ""
            )
            rows.append(
                (
                    w.payment_id,
                    Label(f"kind.{w.kind.value}"),
                    w.customer_id,
                    w.value_date,
                    w.age_days,
                    w.amount.currency.code,
                    w.amount,
                    w.payer_name,
                    w.reference,
                    "; ".join(w.reasons),
                    candidate,
                )
            )
        sums = _totals(((w.amount.currency.code, (w.amount.amount,)) for w in self.items), 1)
        totals = tuple(
            (Label("total"), "", "", None, None, code, Money(v[0], currency(code)), "", "", "", "")
            for code, v in sorted(sums.items())
        )
        return Table(columns=columns, rows=tuple(rows), totals=totals)

    def figures(self) -> tuple[Figure, ...]:
        return (Figure(key="figure.count", value=Decimal(len(self.items)), unit="count"),)


def exceptions(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
) -> CashExceptions:
    """The open cash-application exceptions on ``as_of`` as known at ``known_at``."""
    history = ledger.read(as_of, known_at=known_at, customer_id=customer_id)
    return CashExceptions(
        as_of=as_of,
        known_at=known_at,
        items=worklist(history, as_of=as_of),
        customer_id=customer_id,
    )
