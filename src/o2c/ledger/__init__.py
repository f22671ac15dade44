"""The AR ledger: append-only, bitemporal facts and the one read model every reader uses.

- :mod:`o2c.ledger.facts`: the fact types (invoice issued, payment received, allocated ...).
- :mod:`o2c.ledger.ids`: identifiers and :class:`OpenItem`.
- :mod:`o2c.ledger.rules`: the invariants a customer's book keeps on every append.
- :mod:`o2c.ledger.store`: the :class:`LedgerStore` port and its in-memory implementation.
- :mod:`o2c.ledger.history`: the one read model (open items as of a date known at a time,
  balances, settlement trails, account movements, disputes and deductions, promises, and the
  incoming payments' cases: screening, suggestions, reassignments and decisions).
- :mod:`o2c.ledger.ledger`: the :class:`Ledger` facade that checks and appends.
- :mod:`o2c.ledger.posting`: an :mod:`o2c.invoice` document's fact (``invoice_fact``), or the
  document posted (``post_invoice``).
- :mod:`o2c.ledger.customers`: the customer master read model (:class:`CustomerMaster`, from
  ``History.customer_master()``) and what a confirmed payment teaches it
  (``learn_from_confirmation``).
- :mod:`o2c.ledger.migration`: customers, payer accounts, open items and history from another
  system.
"""

from __future__ import annotations

from o2c.ledger.bulk import (
    STAMPED_BY,
    UNRECORDED,
    HistoryLoad,
    PreparedHistory,
    prepare_history,
)
from o2c.ledger.customers import (
    CustomerMaster,
    CustomerRecord,
    KnownAccount,
    PayerAccount,
    learn_from_confirmation,
)
from o2c.ledger.facts import (
    AddressPurpose,
    AllocationReversed,
    CollectionPreferences,
    ContactChannel,
    CreditMemoIssued,
    CustomerAddress,
    CustomerAliasAdded,
    CustomerAliasRemoved,
    CustomerChanged,
    CustomerContact,
    CustomerDetails,
    CustomerField,
    CustomerRegistered,
    DisputeOpened,
    DisputeResolved,
    Fact,
    FactKind,
    InvoiceIssued,
    MasterSource,
    PayerAccountLinked,
    PayerAccountUnlinked,
    PaymentAllocated,
    PaymentDecided,
    PaymentDecision,
    PaymentReassigned,
    PaymentReceived,
    PaymentScreened,
    PaymentSuggested,
    PromisedToPay,
    Refunded,
    RunOutcome,
    ScheduledRunRecorded,
    ScreeningVerdict,
    SuggestedLine,
    SuggestedMatch,
    WrittenOff,
    account_key,
    alias_key,
    instalment_item_id,
)
from o2c.ledger.history import (
    ActivityKind,
    ActivityLine,
    DisputeRecord,
    History,
    PaymentCase,
    SettlementTrail,
    TrailEntry,
    read,
)
from o2c.ledger.ids import CustomerId, FactId, ItemId, ItemKind, OpenItem, PaymentId
from o2c.ledger.ledger import AppendResult, Ledger
from o2c.ledger.store import ChangeBatch, Cursor, InMemoryLedgerStore, LedgerStore, follow

__all__ = [
    "ActivityKind",
    "ActivityLine",
    "AddressPurpose",
    "AllocationReversed",
    "AppendResult",
    "ChangeBatch",
    "CollectionPreferences",
    "ContactChannel",
    "CreditMemoIssued",
    "Cursor",
    "CustomerAddress",
    "CustomerAliasAdded",
    "CustomerAliasRemoved",
    "CustomerChanged",
    "CustomerContact",
    "CustomerDetails",
    "CustomerField",
    "CustomerId",
    "CustomerMaster",
    "CustomerRecord",
    "CustomerRegistered",
    "DisputeOpened",
    "DisputeRecord",
    "DisputeResolved",
    "Fact",
    "FactId",
    "FactKind",
    "History",
    "HistoryLoad",
    "InMemoryLedgerStore",
    "InvoiceIssued",
    "ItemId",
    "ItemKind",
    "KnownAccount",
    "Ledger",
    "LedgerStore",
    "MasterSource",
    "OpenItem",
    "PayerAccount",
    "PayerAccountLinked",
    "PayerAccountUnlinked",
    "PaymentAllocated",
    "PaymentCase",
    "PaymentDecided",
    "PaymentDecision",
    "PaymentId",
    "PaymentReassigned",
    "PaymentReceived",
    "PaymentScreened",
    "PaymentSuggested",
    "PreparedHistory",
    "PromisedToPay",
    "Refunded",
    "RunOutcome",
    "STAMPED_BY",
    "ScheduledRunRecorded",
    "ScreeningVerdict",
    "SettlementTrail",
    "SuggestedLine",
    "SuggestedMatch",
    "TrailEntry",
    "UNRECORDED",
    "WrittenOff",
    "account_key",
    "alias_key",
    "follow",
    "instalment_item_id",
    "learn_from_confirmation",
    "prepare_history",
    "read",
]
