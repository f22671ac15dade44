"""Collection reports: the disputes and deductions log, the dunning run and the collector's
worklist prioritised by value at risk.

They lay out :func:`o2c.collecting.disputes.disputes_from_ledger`,
:func:`o2c.collecting.dunning.propose_dunning` and
:func:`o2c.collecting.priorities.collector_worklist_from_history` over one read of the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

import attrs
from moneyed import Money

from o2c.collecting.disputes import Dispute, ReasonCatalog, disputes_from_ledger
from o2c.collecting.dunning import (
    DunningAction,
    DunningLevel,
    DunningPolicy,
    DunningRun,
    propose_dunning,
)
from o2c.collecting.priorities import (
    CollectorWorklist,
    PriorityPolicy,
    collector_worklist,
    collector_worklist_from_history,
)
from o2c.credit.behaviour import BehaviourScore, RiskClass
from o2c.ledger import CustomerId, ItemId, ItemKind, Ledger, OpenItem
from o2c.ledger.history import select
from o2c.money import currency, from_minor
from o2c.reports.columns import LedgerColumns, columns_for
from o2c.reports.model import Cell, Column, ColumnKind, Figure, Label, Table, sum_by_currency
from o2c.reports.report import LedgerReport

if TYPE_CHECKING:
    from o2c.portfolio import Engine, ReadModel

__all__ = [
    "DEFAULT_DUNNING_POLICY",
    "DisputesLog",
    "DunningReport",
    "WorklistReport",
    "disputes",
    "dunning",
    "worklist_report",
]

_ZERO = Decimal(0)

#: The dunning policy of the ``dunning`` report when none is given: a reminder by e-mail 7
#: days after due, letters at 30 and 60 days, no fees or interest (fixed fees are in one
#: currency; pass your own policy with its fees, interest and minimum amounts).  The days are
#: those of the demo's policy and of the usual three-level procedures (SAP's dunning levels
#: at 7/30/60 days in its standard examples).
DEFAULT_DUNNING_POLICY = DunningPolicy(
    levels=[
        DunningLevel(level=1, days_after_due=7, actions={DunningAction.EMAIL}),
        DunningLevel(level=2, days_after_due=30, actions={DunningAction.LETTER}),
        DunningLevel(level=3, days_after_due=60, actions={DunningAction.LETTER}),
    ]
)


# --------------------------------------------------------------------------------------------
# Disputes and deductions


@attrs.frozen(kw_only=True)
class DisputesLog(LedgerReport):
    """Every dispute and deduction the ledger records by ``as_of``, with its state."""

    name: ClassVar[str] = "disputes"
    disputes: tuple[Dispute, ...]

    def table(self) -> Table:
        columns = (
            Column("dispute_id"),
            Column("customer_id"),
            Column("item_id"),
            Column("kind"),
            Column("reason"),
            Column("currency"),
            Column("amount", ColumnKind.MONEY),
            Column("opened_on", ColumnKind.DATE),
            Column("state"),
            Column("outcome"),
            Column("closed_on", ColumnKind.DATE),
            Column("open_days", ColumnKind.INTEGER),
        )
        rows: list[tuple[Cell, ...]] = []
        for d in self.disputes:
            res = d.resolution
            end = res.on if res is not None else self.as_of
            rows.append(
                (
                    d.dispute_id,
                    d.customer_id,
                    d.item_id,
                    Label(f"kind.{d.kind.value}"),
                    Label(f"reason.{d.reason.code}") if d.reason.standard else d.reason.label,
                    d.amount.currency.code,
                    d.amount,
                    d.opened_on,
                    Label(f"state.{d.state.value}"),
                    Label(f"outcome.{res.outcome.value}") if res is not None else "",
                    res.on if res is not None else None,
                    (end - d.opened_on).days,
                )
            )
        totals = tuple(
            (Label("total"), "", "", "", "", c, Money(v, currency(c)), None, "", "", None, None)
            for c, v in sum_by_currency(d.amount for d in self.disputes).items()
        )
        return Table(columns=columns, rows=tuple(rows), totals=totals)

    def figures(self) -> tuple[Figure, ...]:
        open_ = [d for d in self.disputes if d.is_open]
        sums = sum_by_currency(d.amount for d in open_)
        return (
            Figure(key="figure.count", value=Decimal(len(open_)), unit="count"),
            *(Figure(key="disputed", value=v, unit=c) for c, v in sums.items()),
        )


def disputes(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    catalog: ReasonCatalog | None = None,
) -> DisputesLog:
    """The disputes and deductions effective by ``as_of`` and recorded by ``known_at``."""
    facts = select(ledger.facts(customer_id), as_of, known_at=known_at)
    found = disputes_from_ledger(facts, catalog=catalog)
    return DisputesLog(as_of=as_of, known_at=known_at, disputes=found, customer_id=customer_id)


# --------------------------------------------------------------------------------------------
# Dunning run


@attrs.frozen(kw_only=True)
class DunningReport(LedgerReport):
    """A dunning proposal (:class:`o2c.collecting.dunning.DunningRun`): one row per notice, and
    the items and customers left out with the reason."""

    name: ClassVar[str] = "dunning"
    run: DunningRun

    def table(self) -> Table:
        columns = (
            Column("customer_id"),
            Column("currency"),
            Column("level", ColumnKind.INTEGER),
            Column("items", ColumnKind.INTEGER),
            Column("days_in_arrears", ColumnKind.INTEGER),
            Column("open_amount", ColumnKind.MONEY),
            Column("credits", ColumnKind.MONEY),
            Column("interest", ColumnKind.MONEY),
            Column("fee", ColumnKind.MONEY),
            Column("claim", ColumnKind.MONEY),
        )
        rows = tuple(
            (
                n.customer_id,
                n.currency,
                n.level.level,
                len(n.lines),
                max(line.days_in_arrears for line in n.lines),
                n.overdue,
                n.credits,
                n.claim.interest,
                n.claim.fee,
                n.total,
            )
            for n in self.run.notices
        )
        sums: dict[str, list[Decimal]] = {}
        for n in self.run.notices:
            acc = sums.setdefault(n.currency, [_ZERO] * 5)
            for i, m in enumerate((n.overdue, n.credits, n.claim.interest, n.claim.fee, n.total)):
                acc[i] += m.amount
        totals = tuple(
            (
                Label("total"),
                code,
                None,
                None,
                None,
                *(Money(v, currency(code)) for v in values),
            )
            for code, values in sorted(sums.items())
        )
        return Table(columns=columns, rows=rows, totals=totals)

    def exclusions_table(self) -> Table:
        """The items and customers left out of the run, and why."""
        columns = (
            Column("customer_id"),
            Column("item_id"),
            Column("reason"),
            Column("currency"),
            Column("amount", ColumnKind.MONEY),
        )
        rows = tuple(
            (
                e.customer_id,
                e.item_id or "",
                Label(f"excluded.{e.reason.value}"),
                e.amount.currency.code,
                e.amount,
            )
            for e in self.run.exclusions
        )
        return Table(columns=columns, rows=rows, title="excluded")

    def tables(self) -> tuple[Table, ...]:
        return (self.table(), self.exclusions_table())

    def figures(self) -> tuple[Figure, ...]:
        sums = sum_by_currency(n.total for n in self.run.notices)
        return (
            Figure(key="figure.notices", value=Decimal(len(self.run.notices)), unit="count"),
            *(Figure(key="figure.claimed", value=v, unit=c) for c, v in sorted(sums.items())),
        )


def dunning(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    policy: DunningPolicy | None = None,
) -> DunningReport:
    """The dunning run proposed on ``as_of`` (with :data:`DEFAULT_DUNNING_POLICY` unless a
    policy is given) over the items open then, as known at ``known_at``."""
    items = ledger.open_items(as_of, known_at=known_at, customer_id=customer_id)
    run = propose_dunning(items, as_of, policy or DEFAULT_DUNNING_POLICY)
    return DunningReport(as_of=as_of, known_at=known_at, run=run, customer_id=customer_id)


# --------------------------------------------------------------------------------------------
# Collector worklist


@attrs.frozen(kw_only=True)
class WorklistReport(LedgerReport):
    """The collector's worklist (:class:`o2c.collecting.priorities.CollectorWorklist`): open
    invoices ranked by value at risk = open amount x predicted lateness x risk-class weight."""

    name: ClassVar[str] = "worklist"
    worklist: CollectorWorklist

    def table(self) -> Table:
        columns = (
            Column("rank", ColumnKind.INTEGER),
            Column("customer_id"),
            Column("document_number"),
            Column("due_date", ColumnKind.DATE),
            Column("currency"),
            Column("open_amount", ColumnKind.MONEY),
            Column("predicted_date", ColumnKind.DATE),
            Column("days_late", ColumnKind.INTEGER),
            Column("risk_class"),
            Column("value_at_risk", ColumnKind.MONEY),
            Column("warnings", ColumnKind.INTEGER),
            Column("explanation"),
        )
        rows = tuple(
            (
                r.rank,
                r.customer_id,
                r.item.document_number,
                r.item.due_date,
                r.open_amount.currency.code,
                r.open_amount,
                r.predicted_date,
                r.predicted_days_late,
                r.risk_class.value,
                r.value_at_risk,
                len(r.warnings),
                r.explanation,
            )
            for r in self.worklist.rows
        )
        sums: dict[str, list[Decimal]] = {}
        for r in self.worklist.rows:
            acc = sums.setdefault(r.open_amount.currency.code, [_ZERO, _ZERO])
            acc[0] += r.open_amount.amount
            acc[1] += r.value_at_risk.amount
        totals = tuple(
            (
                Label("total"),
                "",
                "",
                None,
                code,
                Money(v[0], currency(code)),
                None,
                None,
                "",
                Money(v[1], currency(code)),
                None,
                "",
            )
            for code, v in sorted(sums.items())
        )
        return Table(columns=columns, rows=rows, totals=totals)

    def figures(self) -> tuple[Figure, ...]:
        total = self.worklist.total_at_risk
        return (
            Figure(key="figure.items", value=Decimal(len(self.worklist.rows)), unit="count"),
            Figure(key="figure.value_at_risk", value=total.amount, unit=total.currency.code),
        )


def worklist_report(
    ledger: Ledger,
    *,
    as_of: dt.date,
    known_at: dt.datetime | None = None,
    customer_id: str | None = None,
    policy: PriorityPolicy | None = None,
    limit: int | None = None,
    currency_code: str | None = None,
    rates: Mapping[str, Decimal] | None = None,
    risk: Mapping[str, RiskClass | BehaviourScore] | None = None,
    engine: Engine | None = None,
    columns: LedgerColumns | None = None,
) -> WorklistReport:
    """The collector's worklist on ``as_of`` as known at ``known_at`` (the first ``limit`` rows
    when given), from :func:`o2c.collecting.priorities.collector_worklist_from_history`.

    Items in several currencies are ranked on one scale only with ``rates`` (units of
    ``currency_code`` per unit of each currency): the core converts nothing on its own.
    ``risk`` gives customers' risk classes (default: each one's behavioural score).

    With an ``engine`` (and ``columns``, see :func:`o2c.reports.receivables.aged_balance`) the
    open invoices and their open amounts come from the engine and are ranked by
    :func:`o2c.collecting.priorities.collector_worklist` without a payment-date model: each
    counts its days overdue so far and its customer's class from ``risk`` (the policy's
    ``unknown_risk`` without one), as the domain ranks items it has no prediction for.  The
    model and the behavioural scores learn from every invoice's settlement trail, which the
    columnar read model does not make; fitting them is the domain path's.

    Raises:
        ValidationError: items in several currencies and no rates for them.
    """
    code = currency_code.upper() if currency_code else None
    if engine is not None:
        model = columns_for(ledger, customer_id, columns).model
        found = collector_worklist(
            _open_invoices_on(engine, model, as_of, known_at),
            (),
            as_of,
            risk=risk or {},
            policy=policy,
            rates=rates,
            currency_code=code,
        )
    else:
        history = ledger.read(as_of, known_at=known_at, customer_id=customer_id)
        found = collector_worklist_from_history(
            history, as_of, risk=risk, policy=policy, rates=rates, currency_code=code
        )
    if limit is not None:
        found = attrs.evolve(found, rows=found.rows[:limit])
    return WorklistReport(as_of=as_of, known_at=known_at, worklist=found, customer_id=customer_id)


def _open_invoices_on(
    engine: Engine, model: ReadModel, as_of: dt.date, known_at: dt.datetime | None
) -> list[OpenItem]:
    """The invoices open on ``as_of`` (as known at ``known_at``) with something left to pay,
    from :func:`o2c.portfolio.open_items_table` (the document number is the item's id: the
    columnar model keeps no other)."""
    from o2c.portfolio import open_items_table

    table = open_items_table(model, as_of, engine, known_at=known_at)
    rows = table.to_pydict()
    out = []
    for n, kind in enumerate(rows["kind"]):
        if kind != ItemKind.INVOICE.value or rows["open"][n] <= 0:
            continue
        code = rows["currency"][n]
        item_id = rows["item_id"][n] or str(rows["item"][n])
        out.append(
            OpenItem(
                item_id=ItemId(item_id),
                customer_id=CustomerId(rows["customer"][n]),
                kind=ItemKind.INVOICE,
                document_number=item_id,
                document_date=rows["document"][n],
                due_date=rows["due"][n],
                original_amount=from_minor(rows["amount"][n], code),
                open_amount=from_minor(rows["open"][n], code),
            )
        )
    return out
