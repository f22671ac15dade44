"""A ledger read once for the portfolio engine, shared by every report that runs on it.

The reports that take ``engine=`` (aged balance, DSO trend, provision matrix, collector worklist,
exposure) read the ledger as the portfolio's columnar read model
(:func:`o2c.portfolio.from_facts`).  Building that model is most of what such a report costs on
a large ledger (the engine's kernels take a fraction of it), so :func:`ledger_columns` builds it
once and every report given the result (``columns=``) runs on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from o2c.errors import ValidationError
from o2c.ledger import Ledger

if TYPE_CHECKING:
    from o2c.portfolio import ReadModel

__all__ = ["LedgerColumns", "columns_for", "ledger_columns"]


@attrs.frozen(kw_only=True)
class LedgerColumns:
    """A ledger (or one customer's stream) as the portfolio's columnar read model."""

    model: ReadModel
    #: The one customer read, or ``None`` for the whole ledger.
    customer_id: str | None = None


def ledger_columns(ledger: Ledger, customer_id: str | None = None) -> LedgerColumns:
    """The ledger (or ``customer_id``'s stream) read once for the engine (see the module)."""
    from o2c.portfolio import from_facts

    if customer_id is not None:
        model = from_facts(ledger.store.read_customer(customer_id))
    else:
        model = from_facts(ledger.store.iter_by_customer())
    return LedgerColumns(model=model, customer_id=customer_id)


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
        raise ValidationError(
            f"the columns read are of {columns.customer_id or 'the whole ledger'}, not of "
            f"{customer_id or 'the whole ledger'}: read them with ledger_columns(ledger, "
            f"{customer_id!r})",
            field="columns",
            value=columns.customer_id,
        )
    return columns
