"""The ledger's identifiers and projected value types (re-exported by :mod:`o2c.ledger`).

They live in their own module so that the facts, projections and the :class:`o2c.ledger.Ledger`
facade can all import them without a cycle; import them from :mod:`o2c.ledger`.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import NewType

import attrs
from moneyed import Money

from o2c.terms import DiscountOffer

__all__ = ["CustomerId", "FactId", "ItemId", "ItemKind", "OpenItem", "PaymentId"]

CustomerId = NewType("CustomerId", str)
ItemId = NewType("ItemId", str)
PaymentId = NewType("PaymentId", str)
#: A fact's id: its idempotency key (appending the same id with the same content is a no-op).
FactId = NewType("FactId", str)


class ItemKind(enum.Enum):
    """What an open item is."""

    INVOICE = "invoice"
    CREDIT_MEMO = "credit_memo"
    #: A payment's unapplied remainder (money on account): a negative open item.
    UNAPPLIED_CASH = "unapplied_cash"


@attrs.frozen(kw_only=True)
class OpenItem:
    """An item as open on an effective date (a projection of the ledger's facts).

    Amounts are in the item's own currency.  ``open_amount`` is negative for credit memos and
    unapplied cash.  An invoice with several instalments is one item per instalment
    (``instalment`` is its 1-based number; ``None`` for a single-instalment document).
    """

    item_id: ItemId
    customer_id: CustomerId
    kind: ItemKind
    document_number: str
    document_date: dt.date
    due_date: dt.date
    original_amount: Money
    open_amount: Money
    #: Structured creditor reference the document carried (ISO 11649 RF...), if any.
    payment_reference: str | None = None
    discounts: tuple[DiscountOffer, ...] = ()
    instalment: int | None = None
    #: The part of the open amount under dispute (left out of dunning).
    disputed_amount: Money | None = None
    #: The id of the document the item belongs to (the invoice's id for each of its instalments;
    #: the item's own id otherwise).
    document_id: ItemId | None = None
