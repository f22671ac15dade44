"""A ledger read once for the portfolio engine, shared by every report that runs on it.

The reports that take ``engine=`` (aged balance, DSO trend, provision matrix, collector worklist,
exposure) read the ledger as the portfolio's columnar read model
(:func:`o2c.portfolio.from_facts`).  Building that model is what such a report costs on a large
ledger (the engine's kernels take a fraction of it), so :func:`ledger_columns` builds it once
and every report given the result (``columns=``) runs on it.

In the same pass it keeps what the columnar model does not carry: the customer master's facts
(names, credit limits and groups, read by the ledger's own :func:`o2c.ledger.read`) and which
customers have disputes (their exposure, which leaves disputed amounts out, is answered by the
domain path from their own stream).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import attrs

from o2c.ledger import Ledger, read
from o2c.ledger.customers import CustomerMaster
from o2c.ledger.facts import (
    CustomerAliasAdded,
    CustomerAliasRemoved,
    CustomerChanged,
    CustomerRegistered,
    DisputeOpened,
    Fact,
    PayerAccountLinked,
    PayerAccountUnlinked,
)

if TYPE_CHECKING:
    from o2c.portfolio import ReadModel

__all__ = ["MASTER_FACTS", "LedgerColumns", "columns_for", "ledger_columns"]

#: The customer master's facts (what :meth:`o2c.ledger.History.customer_master` reads).
MASTER_FACTS = (
    CustomerRegistered,
    CustomerChanged,
    PayerAccountLinked,
    PayerAccountUnlinked,
    CustomerAliasAdded,
    CustomerAliasRemoved,
)


@attrs.frozen(kw_only=True)
class LedgerColumns:
    """A ledger (or one customer's stream) as the portfolio's columnar read model, with the
    customer master's facts and the customers that have disputes."""

    model: ReadModel
    master_facts: tuple[Fact, ...]
    #: Customers with a ``DisputeOpened`` fact (whenever effective or recorded).
    disputing: frozenset[str]
    #: The one customer read, or ``None`` for the whole ledger.
    customer_id: str | None = None

    def master(self, as_of: dt.date, known_at: dt.datetime | None = None) -> CustomerMaster:
        """The customer master on ``as_of`` as known at ``known_at``."""
        return read(self.master_facts, as_of, known_at=known_at).customer_master()


class _Side:
    """Passes the facts through, keeping the master's facts and who disputes."""

    def __init__(self) -> None:
        self.master: list[Fact] = []
        self.disputing: set[str] = set()

    def watch(self, facts: Iterable[Fact]) -> Iterator[Fact]:
        master, disputing = self.master, self.disputing
        for fact in facts:
            if isinstance(fact, MASTER_FACTS):
                master.append(fact)
            elif isinstance(fact, DisputeOpened):
                disputing.add(fact.customer_id)
            yield fact


def ledger_columns(ledger: Ledger, customer_id: str | None = None) -> LedgerColumns:
    """The ledger (or ``customer_id``'s stream) read once for the engine (see the module)."""
    from o2c.portfolio import from_facts

    side = _Side()
    if customer_id is not None:
        facts: Iterable[Fact] = ledger.store.read_customer(customer_id)
    else:
        facts = ledger.store.iter_by_customer()
    model = from_facts(side.watch(facts))
    return LedgerColumns(
        model=model,
        master_facts=tuple(side.master),
        disputing=frozenset(side.disputing),
        customer_id=customer_id,
    )


def columns_for(
    ledger: Ledger, customer_id: str | None, columns: LedgerColumns | None
) -> LedgerColumns:
    """``columns`` when given (checked to be of ``customer_id``), else the ledger read now.

    Raises:
        ValidationError: ``columns`` of another customer (or of the whole ledger) than asked.
    """
    if columns is None:
        return ledger_columns(ledger, customer_id)
    if columns.customer_id != customer_id:
        from o2c.errors import ValidationError

        raise ValidationError(
            f"the columns read are of customer {columns.customer_id!r}, not of "
            f"{customer_id or 'the whole ledger'}: read them with ledger_columns(ledger, "
            f"{customer_id!r})",
            field="columns",
            value=columns.customer_id,
        )
    return columns
