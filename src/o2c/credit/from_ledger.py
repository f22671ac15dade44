"""Credit figures from the ledger: settlement trails, payment history and the credit check over a
ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from moneyed import Money

from o2c.credit.behaviour import PaymentRecord
from o2c.credit.exposure import (
    CreditCheck,
    CreditLimits,
    CreditPolicy,
    ExposureComponent,
    OpenReceivables,
    Release,
    check_credit,
)
from o2c.ledger import Fact, History, OpenItem, SettlementTrail, TrailEntry, read

__all__ = [
    "CreditLedger",
    "MasterLedger",
    "SettlementTrail",
    "TrailEntry",
    "check_credit_from_ledger",
    "payment_history",
    "records_from_trails",
    "settlement_trails",
]


class CreditLedger(Protocol):
    """What credit needs from :class:`o2c.ledger.Ledger`: its facts and open items."""

    def facts(self, customer_id: str | None = None) -> Iterator[Fact]:
        """The customer's facts (or every fact) in stream order."""
        ...

    def open_items(
        self, as_of: dt.date, *, known_at: dt.datetime | None = None, customer_id: str | None = None
    ) -> list[OpenItem]:
        """The items open on ``as_of`` as known at ``known_at``."""
        ...


class MasterLedger(CreditLedger, Protocol):
    """A :class:`CreditLedger` that also gives its read model (the customer master with it)."""

    def read(
        self,
        as_of: dt.date | None = None,
        *,
        known_at: dt.datetime | None = None,
        customer_id: str | None = None,
    ) -> History:
        """The read model of the facts effective by ``as_of`` and recorded by ``known_at``."""
        ...


def settlement_trails(
    facts: Iterable[Fact],
    *,
    as_of: dt.date | None = None,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
) -> tuple[SettlementTrail, ...]:
    """Every invoice item of the facts with its settlements, as of ``as_of`` known at ``known_at``.

    The ledger's read model (:meth:`o2c.ledger.History.settlement_trails`): reversed allocations
    are dropped; write-offs (facts, or the write-off part of an allocation) are kept apart from
    what was collected; a migration's stand-in for documents settled before it has no trail.
    """
    return read(facts, as_of, known_at=known_at, customer_id=customer_id).settlement_trails()


def payment_history(
    facts: Iterable[Fact],
    *,
    as_of: dt.date | None = None,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
) -> tuple[PaymentRecord, ...]:
    """The settled invoices of the facts as :class:`PaymentRecord` values.

    An item counts once it is fully settled by collections (no write-off): its paid date is
    :attr:`~o2c.ledger.SettlementTrail.collected_on` (the rule the KPIs' paid items use too),
    ``recorded_on`` the latest recording date.

    >>> from o2c.ledger import Ledger, InvoiceIssued, PaymentReceived, PaymentAllocated
    >>> from o2c.terms import Instalment
    >>> at = lambda d: dt.datetime(2026, 3, d, 9, tzinfo=dt.timezone.utc)
    >>> ledger = Ledger()
    >>> _ = ledger.append([
    ...     InvoiceIssued.from_instalments(fact_id="i1", customer_id="C1", item_id="INV-1",
    ...         document_number="INV-1", document_date=dt.date(2026, 3, 1), recorded_at=at(1),
    ...         instalments=[Instalment(number=1, due_date=dt.date(2026, 3, 10),
    ...                                 amount=Money("100.00", "EUR"))]),
    ...     PaymentReceived(fact_id="p1", customer_id="C1", effective=dt.date(2026, 3, 14),
    ...         recorded_at=at(15), payment_id="PAY-1", amount=Money("100.00", "EUR"),
    ...         value_date=dt.date(2026, 3, 14)),
    ...     PaymentAllocated(fact_id="a1", customer_id="C1", effective=dt.date(2026, 3, 14),
    ...         recorded_at=at(15), source_id="PAY-1", item_id="INV-1",
    ...         applied=Money("100.00", "EUR"))])
    >>> [(r.item_id, r.days_late, r.recorded_on) for r in payment_history(ledger.facts())]
    [('INV-1', 4, datetime.date(2026, 3, 15))]
    """
    trails = settlement_trails(facts, as_of=as_of, known_at=known_at, customer_id=customer_id)
    return records_from_trails(trails)


def records_from_trails(trails: Iterable[SettlementTrail]) -> tuple[PaymentRecord, ...]:
    """The fully collected trails as :class:`PaymentRecord` values (see :func:`payment_history`)."""
    out = []
    for t in trails:
        paid_on = t.collected_on
        if paid_on is None:
            continue
        out.append(
            PaymentRecord(
                item_id=t.item_id,
                customer_id=t.customer_id,
                amount=t.amount,
                document_date=t.document_date,
                due_date=t.due_date,
                paid_date=paid_on,
                disputed=t.disputed,
                recorded_on=max(s.recorded_on for s in t.settlements),
            )
        )
    return tuple(out)


def check_credit_from_ledger(
    ledger: MasterLedger,
    customer_id: str,
    *,
    as_of: dt.date,
    amount: Money,
    limits: CreditLimits | None = None,
    known_at: dt.datetime | None = None,
    extra_components: Sequence[ExposureComponent] = (),
    policy: CreditPolicy | None = None,
    dunning_level: int = 0,
    release: Release | None = None,
    delivery_date: dt.date | None = None,
    document_id: str | None = None,
) -> CreditCheck:
    """:func:`check_credit` with the customer's open items and master record read from the
    ledger.

    Exposure = open receivables (as of ``as_of``, known at ``known_at``) + ``extra_components``
    (orders, payments in transit ...).  The customer's own credit limit and group come from the
    customer master as of ``as_of``, known at ``known_at``, where ``limits`` names none
    (:meth:`~o2c.credit.CreditLimits.with_master`): a limit changed after the check date, or
    recorded after ``known_at``, does not count.

    >>> from o2c.ledger import CustomerChanged, CustomerDetails, CustomerRegistered, Ledger
    >>> at = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
    >>> ledger = Ledger()
    >>> _ = ledger.append([
    ...     CustomerRegistered(fact_id="r1", customer_id="C1", effective=dt.date(2026, 1, 1),
    ...         recorded_at=at, details=CustomerDetails(name="Acme",
    ...                                                credit_limit=Money("1000", "EUR"))),
    ...     CustomerChanged(fact_id="c1", customer_id="C1", effective=dt.date(2026, 4, 1),
    ...         recorded_at=at, details=CustomerDetails(credit_limit=Money("5000", "EUR")))])
    >>> def check(day):
    ...     return check_credit_from_ledger(ledger, "C1", as_of=day,
    ...                                     amount=Money("2000", "EUR"))
    >>> check(dt.date(2026, 3, 2)).decision.value, check(dt.date(2026, 4, 2)).decision.value
    ('block', 'approve')
    """
    pol = policy or CreditPolicy()
    master = ledger.read(as_of, known_at=known_at, customer_id=customer_id).customer_master()
    items = ledger.open_items(as_of, known_at=known_at, customer_id=customer_id)
    components = [OpenReceivables(items, exclude_disputed=pol.exclude_disputed), *extra_components]
    return check_credit(
        customer_id,
        as_of=as_of,
        amount=amount,
        limits=limits,
        components=components,
        open_items=items,
        policy=pol,
        dunning_level=dunning_level,
        release=release,
        delivery_date=delivery_date,
        document_id=document_id,
        master=master,
    )
