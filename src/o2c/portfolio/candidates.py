"""Candidate generation for cash application at scale: payments joined to open items.

Millions of incoming payments against millions of open items, by the rules the matcher
(:mod:`o2c.cash_application`) reads a payment with, as an Arrow table of ``(payment, item,
reason)`` candidates:

``reference`` / ``creditor_reference`` / ``reference_digits``
    The document number a payment quotes (a structured reference: camt ``RfrdDocInf``, an
    advice's document) names the item as :meth:`o2c.remittance.DocumentIndex.lookup_number`
    names it: by the document's comparison key (:func:`o2c.remittance.document_key`: case,
    separators and leading zeros ignored), else by the ISO 11649 creditor reference the item
    carries (:func:`o2c.invoice.references.compact`), else, for a number of digits only, by the
    digits of a document number that has letters.  The keys are the domain's own: the items'
    come from :meth:`~o2c.remittance.DocumentIndex.build`, the payments' from ``document_key``
    and ``compact``; the engine only joins them.
``amount``
    The payment's amount equals the item's open amount, in the same currency (the matcher's
    items by amount).
``write_off`` / ``bank_fee``
    Among the open items of the customer the payment names (its ``customer``, when the payer is
    known), the item's open amount exceeds the payment's by no more than
    :meth:`~o2c.cash_application.MatchPolicy.write_off_limit` (a small difference written off)
    or :meth:`~o2c.cash_application.MatchPolicy.fee_limit` (bank charges): the policy's own
    methods give each item's limits.

Items are the read model's open items on ``as_of`` as known at ``known_at``; a payment's
amount candidates need an incoming payment (amount above zero).  Each reference a payment
quotes is one row of the payments table (a payment quoting three documents has three rows);
the answer holds each candidate once.  Free remittance text (lists, ranges, OCR repairs, fuzzy
matches), customer POs and subset sums stay with the matcher: they read one payment at a time.

>>> import datetime as dt
>>> import pyarrow as pa
>>> from o2c.adapters.duckdb import DuckDBEngine
>>> from o2c.portfolio import from_tables
>>> items = pa.table({"customer": ["C1", "C1", "C2"],
...     "item_id": ["INV-2026-0042", "INV-2026-0043", "0100777"],
...     "document": [dt.date(2026, 3, 1)] * 3, "due": [dt.date(2026, 3, 31)] * 3,
...     "amount": pa.array([10_000, 25_000, 9_990], pa.int64())})
>>> settlements = pa.table({"item": pa.array([], pa.int64()), "on": pa.array([], pa.date32()),
...     "amount": pa.array([], pa.int64())})
>>> model = from_tables(items, settlements, currency_code="EUR")
>>> payments = pa.table({"payment": ["P1", "P2", "P3"], "currency": ["EUR"] * 3,
...     "amount": pa.array([10_000, 24_990, 12_345], pa.int64()),
...     "reference": ["inv 2026 0042", None, "100777"], "customer": [None, "C1", None]})
>>> table = candidates_table(model, payments, dt.date(2026, 3, 31), DuckDBEngine(threads=1))
>>> for row in table.to_pylist():
...     print(row["payment"], row["item_id"], row["reason"])
P1 INV-2026-0042 amount
P1 INV-2026-0042 reference
P2 INV-2026-0043 bank_fee
P2 INV-2026-0043 write_off
P3 0100777 reference
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from o2c._optional import require
from o2c.cash_application.policy import FeeChannel, MatchPolicy
from o2c.errors import ValidationError
from o2c.invoice import references as creditor_reference
from o2c.portfolio.engine import Engine, Kernel
from o2c.portfolio.items import open_items_table
from o2c.portfolio.model import ReadModel, arrow, check_exact
from o2c.remittance import DocumentIndex, document_key

__all__ = [
    "REASONS",
    "candidate_kernel",
    "candidates_table",
    "document_lookup_keys",
    "quoted_lookup_keys",
]

#: The reasons a candidate is found, strongest first (a reference's three tiers are tried in
#: this order, as ``DocumentIndex.lookup_number`` tries them).
REASONS = ("reference", "creditor_reference", "reference_digits", "amount", "write_off", "bank_fee")

#: Documents indexed at a time (the domain's index of one chunk is built, read and dropped).
_CHUNK = 65_536


def _compute() -> Any:
    arrow()
    return require("pyarrow.compute", extra="portfolio", feature="the columnar read model")


def document_lookup_keys(
    numbers: list[str | None], references: list[str | None]
) -> dict[str, list[Any]]:
    """The lookup keys of documents, by :meth:`o2c.remittance.DocumentIndex.build` itself:
    ``full_key`` (the document key), ``digits_key`` (its digits, for a number with letters) and
    ``creditor_key`` (the compacted creditor reference), ``None`` where the index has none.

    >>> document_lookup_keys(["INV-2026-0042", "0100777", None],
    ...                      [None, "RF18 5390 0754 7034", None])
    ... # doctest: +NORMALIZE_WHITESPACE
    {'full_key': ['INV20260042', '100777', None], 'digits_key': ['20260042', None, None],
     'creditor_key': [None, 'RF18539007547034', None]}
    """
    full: list[Any] = [None] * len(numbers)
    digits: list[Any] = [None] * len(numbers)
    creditor: list[Any] = [None] * len(numbers)
    for start in range(0, len(numbers), _CHUNK):
        rows = range(start, min(start + _CHUNK, len(numbers)))
        index = DocumentIndex.build(
            (str(row), numbers[row] or "", references[row] or None, "")
            for row in rows
            if numbers[row] is not None or references[row]
        )
        for column, keys in ((full, index.full), (digits, index.digits)):
            for key, ids in keys.items():
                for item in ids:
                    column[int(item)] = key
        for key, ids in index.creditor.items():
            for item in ids:
                creditor[int(item)] = key
    return {"full_key": full, "digits_key": digits, "creditor_key": creditor}


def quoted_lookup_keys(references: list[str | None]) -> dict[str, list[Any]]:
    """The keys a quoted document number is looked up by, as
    :meth:`~o2c.remittance.DocumentIndex.lookup_number` computes them: ``key``
    (:func:`~o2c.remittance.document_key`), ``compact`` (the creditor-reference form; ``None``
    for text no reference can be) and ``digits`` (whether the key is digits only).

    >>> quoted_lookup_keys(["inv 2026/42", "00100777", None])
    ... # doctest: +NORMALIZE_WHITESPACE
    {'key': ['INV202642', '100777', None], 'compact': ['INV202642', '00100777', None],
     'digits': [False, True, None]}
    """
    keys: list[Any] = []
    compacts: list[Any] = []
    digits: list[Any] = []
    seen: dict[str, tuple[str, str | None]] = {}
    for text in references:
        if text is None:
            keys.append(None)
            compacts.append(None)
            digits.append(None)
            continue
        found = seen.get(text)
        if found is None:
            try:
                compact: str | None = creditor_reference.compact(text)
            except ValidationError:  # longer than any reference: it names no creditor reference
                compact = None
            found = seen[text] = (document_key(text), compact)
        keys.append(found[0])
        compacts.append(found[1])
        digits.append(found[0].isdigit())
    return {"key": keys, "compact": compacts, "digits": digits}


def candidate_kernel() -> Kernel:
    """The join of ``payments`` (with :func:`quoted_lookup_keys` and ``row``, ``fee_absorbed``) to
    ``items`` (open items with :func:`document_lookup_keys`, ``open``, ``write_off_limit`` and
    ``fee_limit``): per partition every reference hit with its tier and every amount hit;
    combined into the candidates (for each quoted reference the hits of its first tier that has
    one), each once, by payment, item and reason."""
    sql = """
        WITH p AS (SELECT * FROM payments),
        hits AS (
            SELECT p.row, p.payment, i.item, i.customer, i.item_id, 0 AS tier, NULL AS reason
            FROM p JOIN items i ON i.full_key = p.key
            UNION ALL
            SELECT p.row, p.payment, i.item, i.customer, i.item_id, 1 AS tier, NULL AS reason
            FROM p JOIN items i ON i.creditor_key = p.compact
            UNION ALL
            SELECT p.row, p.payment, i.item, i.customer, i.item_id, 2 AS tier, NULL AS reason
            FROM p JOIN items i ON i.digits_key = p.key WHERE p.digits
            UNION ALL
            SELECT NULL AS row, p.payment, i.item, i.customer, i.item_id, NULL AS tier,
                   'amount' AS reason
            FROM p JOIN items i ON i.currency = p.currency AND i.open = p.amount
            WHERE p.amount > 0
            UNION ALL
            SELECT NULL AS row, p.payment, i.item, i.customer, i.item_id, NULL AS tier,
                   'write_off' AS reason
            FROM p JOIN items i
                 ON i.customer = p.customer AND i.currency = p.currency AND i.open > p.amount
            WHERE p.amount > 0 AND i.open - p.amount <= i.write_off_limit
            UNION ALL
            SELECT NULL AS row, p.payment, i.item, i.customer, i.item_id, NULL AS tier,
                   'bank_fee' AS reason
            FROM p JOIN items i
                 ON i.customer = p.customer AND i.currency = p.currency AND i.open > p.amount
            WHERE p.amount > 0 AND p.fee_absorbed AND i.open - p.amount <= i.fee_limit
        )
        SELECT row, payment, item, customer, item_id, CAST(tier AS TINYINT) AS tier, reason
        FROM hits ORDER BY payment, item
    """
    tiers = ", ".join(f"'{r}'" for r in REASONS[:3])
    combine = f"""
        SELECT DISTINCT payment, item, customer, item_id, reason FROM (
            SELECT payment, item, customer, item_id, list_value({tiers})[tier + 1] AS reason
            FROM partial WHERE tier IS NOT NULL
            QUALIFY tier = MIN(tier) OVER (PARTITION BY row)
            UNION ALL
            SELECT payment, item, customer, item_id, reason FROM partial WHERE tier IS NULL
        )
        ORDER BY payment, item, reason
    """
    return Kernel(name="candidates", sql=sql, order=("payment", "item"), combine=combine)


def _payments(payments: Any, policy: MatchPolicy, channel: FeeChannel) -> Any:
    pa = arrow()
    need = [n for n in ("payment", "currency", "amount") if n not in payments.column_names]
    if need:
        raise ValidationError(
            f"payments have no column {need[0]!r} (columns: {', '.join(payments.column_names)})",
            field=need[0],
            value=payments.column_names,
        )
    if not pa.types.is_integer(payments.schema.field("amount").type):
        kind = payments.schema.field("amount").type
        raise ValidationError(
            f"payments column 'amount' is {kind}: give whole minor units (int64), never a float "
            "or decimal",
            field="amount",
            value=str(kind),
        )
    rows = payments.num_rows

    def text(name: str) -> Any:
        if name in payments.column_names:
            return payments.column(name).cast(pa.string())
        return pa.nulls(rows, pa.string())

    keys = quoted_lookup_keys(text("reference").to_pylist())
    return pa.table(
        {
            "row": pa.array(range(rows), pa.int64()),
            "payment": payments.column("payment").cast(pa.string()),
            "currency": payments.column("currency").cast(pa.string()),
            "amount": payments.column("amount").cast(pa.int64()),
            "customer": text("customer"),
            "key": pa.array(keys["key"], pa.string()),
            "compact": pa.array(keys["compact"], pa.string()),
            "digits": pa.array(keys["digits"], pa.bool_()),
            # whether this run's payments came a way that carries bank charges at all
            "fee_absorbed": pa.array([policy.fee_absorbed.get(channel, True)] * rows, pa.bool_()),
        }
    )


def _items(
    model: ReadModel,
    as_of: dt.date,
    engine: Engine,
    known_at: dt.datetime | None,
    documents: Any | None,
    policy: MatchPolicy,
    channel: FeeChannel,
) -> Any:
    pa = arrow()
    pc = _compute()
    found = open_items_table(model, as_of, engine, known_at=known_at)
    rows = found.column("item")
    if documents is None:
        numbers = found.column("item_id").to_pylist()
        references: list[Any] = [None] * found.num_rows
    else:
        if documents.num_rows != model.item_count or "number" not in documents.column_names:
            raise ValidationError(
                f"documents must have a 'number' column and one row per item of the model "
                f"({model.item_count}), not {documents.num_rows}",
                field="documents",
                value=documents.num_rows,
            )
        numbers = pc.take(documents.column("number").cast(pa.string()), rows).to_pylist()
        references = (
            pc.take(documents.column("reference").cast(pa.string()), rows).to_pylist()
            if "reference" in documents.column_names
            else [None] * found.num_rows
        )
    keys = document_lookup_keys(numbers, references)
    codes = found.column("currency").to_pylist()
    opens = found.column("open").to_pylist()
    write_off = {c: policy.write_off_limit(c) for c in set(codes)}
    fee: dict[tuple[str, int], int] = {}
    fee_limits = []
    for code, units in zip(codes, opens, strict=True):
        if units <= 0:
            fee_limits.append(0)
            continue
        limit = fee.get((code, units))
        if limit is None:
            # the band as it stands for a payment that may carry charges; payments that cannot
            # are kept out by their fee_absorbed flag
            limit = fee[(code, units)] = policy.fee_limit(code, units, FeeChannel.UNKNOWN)
        fee_limits.append(limit)
    return pa.table(
        {
            "item": rows,
            "customer": found.column("customer"),
            "item_id": found.column("item_id"),
            "currency": found.column("currency"),
            "open": found.column("open"),
            "full_key": pa.array(keys["full_key"], pa.string()),
            "digits_key": pa.array(keys["digits_key"], pa.string()),
            "creditor_key": pa.array(keys["creditor_key"], pa.string()),
            "write_off_limit": pa.array([write_off[c] for c in codes], pa.int64()),
            "fee_limit": pa.array(fee_limits, pa.int64()),
        }
    )


def candidates_table(
    model: ReadModel,
    payments: Any,
    as_of: dt.date,
    engine: Engine,
    *,
    known_at: dt.datetime | None = None,
    documents: Any | None = None,
    policy: MatchPolicy | None = None,
    channel: FeeChannel = FeeChannel.UNKNOWN,
) -> Any:
    """The candidates of ``payments`` among the items open on ``as_of`` (known at ``known_at``)
    as an Arrow table: ``payment``, ``item`` (the item's row in the model), ``customer``,
    ``item_id`` and ``reason`` (one of :data:`REASONS`), by payment, item and reason.

    ``payments``: ``payment`` (id), ``currency``, ``amount`` (int minor units), optionally
    ``reference`` (a quoted document number) and ``customer`` (the payer's customer, when
    known).  ``documents``: one row per item of the model with its document ``number`` (and
    optionally its creditor ``reference``); without it the item ids are the numbers.
    ``channel``: how the payments came (:class:`~o2c.cash_application.FeeChannel`: a channel
    that carries no charges has no bank-fee candidates).

    Raises:
        ValidationError: a missing column, amounts that are not integers, ``documents`` not
            one row per item.
        OverApplicationError: an item settled beyond its amount on ``as_of``.
    """
    chosen = policy or MatchPolicy()
    items = _items(model, as_of, engine, known_at, documents, chosen, channel)
    tables = {"items": items, "payments": _payments(payments, chosen, channel)}
    return check_exact(engine.run(candidate_kernel(), tables), what="kernel 'candidates'")
