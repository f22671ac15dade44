"""The AR ledger: append-only, bitemporal facts and the pure projections over them.

(Seed: the projection value types other areas consume.  The ledger area owns this module and
extends it; these names and fields are a contract: fields may be added with defaults, not renamed.)
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import NewType

import attrs
from moneyed import Money

from o2c.terms import DiscountOffer

__all__ = ["CustomerId", "ItemId", "ItemKind", "OpenItem", "PaymentId"]

CustomerId = NewType("CustomerId", str)
ItemId = NewType("ItemId", str)
PaymentId = NewType("PaymentId", str)


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
