"""Early-warning signals: broken promises to pay, payments later than the customer's usual, balances
crossing thresholds, and the same from the ledger.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal

import attrs
from moneyed import Money

from o2c.collecting.interest import _ZERO
from o2c.ledger import (
    CustomerId,
    ItemId,
    ItemKind,
    Ledger,
    OpenItem,
)
from o2c.receivables.kpi import PaidItem, paid_items_from_trails

__all__ = [
    "PromiseToPay",
    "Signal",
    "SignalKind",
    "behaviour_signals",
    "broken_promises",
    "later_than_usual",
    "signals_from_ledger",
    "threshold_crossings",
]


class SignalKind(enum.Enum):
    """What an early-warning signal is about."""

    BROKEN_PROMISE = "broken_promise"
    LATER_THAN_USUAL = "later_than_usual"
    THRESHOLD_CROSSED = "threshold_crossed"


@attrs.frozen(kw_only=True)
class Signal:
    """An early warning about a customer (and an item, where it is about one)."""

    kind: SignalKind
    customer_id: CustomerId
    on: dt.date
    detail: str
    item_id: ItemId | None = None
    amount: Money | None = None


@attrs.frozen(kw_only=True)
class PromiseToPay:
    """A customer's promise, made on ``made_on``, to pay ``amount`` by ``pay_by``."""

    customer_id: CustomerId
    made_on: dt.date
    pay_by: dt.date
    amount: Money
    item_ids: tuple[ItemId, ...] = ()


def broken_promises(
    promises: Iterable[PromiseToPay],
    payments: Iterable[tuple[str, dt.date, Money]],
    as_of: dt.date,
) -> tuple[Signal, ...]:
    """Promises whose date has passed with less paid (from ``made_on`` to ``pay_by``) than promised.

    ``payments`` are ``(customer id, value date, amount)``.
    """
    received = list(payments)
    result = []
    for p in promises:
        if as_of <= p.pay_by:
            continue
        paid = sum(
            (
                amount.amount
                for customer_id, on, amount in received
                if customer_id == p.customer_id
                and p.made_on <= on <= p.pay_by
                and amount.currency == p.amount.currency
            ),
            _ZERO,
        )
        if paid < p.amount.amount:
            short = Money(p.amount.amount - paid, p.amount.currency)
            result.append(
                Signal(
                    kind=SignalKind.BROKEN_PROMISE,
                    customer_id=p.customer_id,
                    on=as_of,
                    detail=f"promised {p.amount.amount} by {p.pay_by}, {short.amount} short",
                    amount=short,
                )
            )
    return tuple(result)


def later_than_usual(
    items: Iterable[OpenItem],
    history: Mapping[str, Sequence[PaidItem]],
    as_of: dt.date,
    *,
    tolerance_days: int = 5,
    min_history: int = 3,
    recent: Iterable[PaidItem] = (),
) -> tuple[Signal, ...]:
    """Payments and open invoices later than the customer's usual pattern.

    The usual pattern is the median days late of the customer's ``history`` of paid items; a
    signal is raised for each ``recent`` payment made more than ``tolerance_days`` later than
    that, and for each open invoice already that late on ``as_of``.  Customers with fewer than
    ``min_history`` paid items have no usual pattern and are skipped.
    """
    usual: dict[str, Decimal] = {}
    for customer_id, paid in history.items():
        if len(paid) >= min_history:
            days = sorted(p.days_late for p in paid)
            mid = len(days) // 2
            usual[customer_id] = (
                Decimal(days[mid]) if len(days) % 2 else Decimal(days[mid - 1] + days[mid]) / 2
            )
    result = []
    for payment in recent:
        who = payment.customer_id
        norm = usual.get(who) if who is not None else None
        if who is not None and norm is not None and payment.days_late > norm + tolerance_days:
            result.append(
                Signal(
                    kind=SignalKind.LATER_THAN_USUAL,
                    customer_id=who,
                    on=payment.paid_on,
                    item_id=payment.item_id,
                    amount=payment.amount,
                    detail=f"paid {payment.days_late} days late; usually {norm} days",
                )
            )
    for item in _owed_invoices(items):
        norm = usual.get(item.customer_id)
        if norm is None:
            continue
        late = (as_of - item.due_date).days
        if late > norm + tolerance_days:
            detail = f"{late} days late; usually {norm} days"
            result.append(_item_signal(SignalKind.LATER_THAN_USUAL, item, as_of, detail))
    return tuple(result)


def threshold_crossings(
    items: Iterable[OpenItem],
    since: dt.date,
    as_of: dt.date,
    thresholds: Sequence[int] = (30, 60, 90),
) -> tuple[Signal, ...]:
    """Items whose days past due crossed a threshold after ``since``, up to ``as_of``."""
    result = []
    for item in _owed_invoices(items):
        before = (since - item.due_date).days
        now = (as_of - item.due_date).days
        for t in thresholds:
            if before < t <= now:
                on = item.due_date + dt.timedelta(days=t)
                result.append(
                    _item_signal(SignalKind.THRESHOLD_CROSSED, item, on, f"{t} days past due")
                )
    return tuple(result)


def _owed_invoices(items: Iterable[OpenItem]) -> Iterator[OpenItem]:
    """The items signals watch: invoices with an amount still owed."""
    return (i for i in items if i.kind is ItemKind.INVOICE and i.open_amount.amount > 0)


def _item_signal(kind: SignalKind, item: OpenItem, on: dt.date, detail: str) -> Signal:
    """A signal about an open item, for its open amount."""
    return Signal(
        kind=kind,
        customer_id=item.customer_id,
        on=on,
        item_id=item.item_id,
        amount=item.open_amount,
        detail=detail,
    )


def behaviour_signals(
    items: Sequence[OpenItem],
    as_of: dt.date,
    *,
    since: dt.date,
    promises: Iterable[PromiseToPay] = (),
    payments: Iterable[tuple[str, dt.date, Money]] = (),
    history: Mapping[str, Sequence[PaidItem]] | None = None,
    recent: Iterable[PaidItem] = (),
    thresholds: Sequence[int] = (30, 60, 90),
) -> tuple[Signal, ...]:
    """Every early-warning signal from what customers did since the last check (promises broken,
    payments later than usual, thresholds crossed), sorted by customer, date and kind.  Warnings
    from predicted lateness are :func:`o2c.credit.early_warnings`.

    ``history`` (paid items before the check window, per customer) sets each customer's usual
    lateness; ``recent`` are the items paid since the last check.
    """
    signals = [
        *broken_promises(promises, payments, as_of),
        *later_than_usual(items, history or {}, as_of, recent=recent),
        *threshold_crossings(items, since, as_of, thresholds),
    ]
    return tuple(
        sorted(signals, key=lambda s: (s.customer_id, s.on, s.kind.value, s.item_id or ""))
    )


def signals_from_ledger(
    ledger: Ledger,
    as_of: dt.date,
    *,
    since: dt.date,
    thresholds: Sequence[int] = (30, 60, 90),
    history_from: dt.date | None = None,
    known_at: dt.datetime | None = None,
) -> tuple[Signal, ...]:
    """Every early-warning signal from the ledger: its promises to pay and payments received,
    each customer's items paid from ``history_from`` to ``since`` (its usual lateness), the
    items paid since ``since`` and the items open on ``as_of``.
    """
    read_model = ledger.read(as_of, known_at=known_at)
    promises = [
        PromiseToPay(
            customer_id=p.customer_id,
            made_on=p.effective,
            pay_by=p.promised_date,
            amount=p.amount,
            item_ids=(p.item_id,) if p.item_id else (),
        )
        for p in read_model.promises
    ]
    payments = [(p.customer_id, p.value_date, p.amount) for p in read_model.payments]
    history: dict[str, list[PaidItem]] = {}
    start = history_from or dt.date.min
    # The usual lateness is what was known as of ``since`` (a later reversal does not rewrite it).
    before = ledger.read(since, known_at=known_at).settlement_trails()
    for paid in paid_items_from_trails(before, start, since):
        if paid.customer_id is not None:
            history.setdefault(paid.customer_id, []).append(paid)
    return behaviour_signals(
        read_model.open_items(),
        as_of,
        since=since,
        promises=promises,
        payments=payments,
        history=history,
        recent=paid_items_from_trails(read_model.settlement_trails(), since, as_of),
        thresholds=thresholds,
    )
