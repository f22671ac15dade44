"""The ledger's read model as columns: items and settlements as Arrow tables of integer minor units.

The columnar read model holds every item a ledger ever opened and every change of an item's open
amount, each with its effective date and its recording time, so that any engine answers "open
on D as known at T" for any D and T from the same two tables:

``items`` (one row per open item: an invoice instalment, a credit memo, a payment's cash)
    ``item`` (int64, the row's position: the key settlements refer to), ``customer`` (string),
    ``item_id`` (string, may be null in a layout), ``kind`` (int8, a code of
    :data:`KIND_CODES`: 0 invoice, 1 credit memo, 2 unapplied cash), ``currency`` (string),
    ``issued`` (date: when the item counts), ``recorded`` (timestamp, UTC, null: always known),
    ``document`` and ``due`` (dates), ``amount`` (int64: the full amount in minor units, negative
    for credits), ``stand_in`` (bool: a migration's stand-in for documents settled before it,
    ``InvoiceIssued.stand_in``, which has no settlement trail).
``settlements`` (one row per change of an item's open amount)
    ``item`` (int64), ``on`` (date, effective), ``recorded`` (timestamp, UTC, null: always
    known), ``amount`` (int64 minor units that bring the item toward zero: a reversal is
    negative), ``cause`` (int8, a code of :data:`CAUSE_CODES`: 0 allocation, 1 reversal,
    2 refund, 3 write-off; null in a layout that does not say), ``written_off`` (int64 minor
    units given up: the write-off part of an allocation on its item's row, negated on its
    reversal's, and the whole of a write-off; null: none), ``reversed_on`` and
    ``reversed_recorded`` (on an allocation's rows: the effective date and recording time of the
    reversal that undid it, null while none did).
``movements`` (one row per movement of a customer's balance, built when asked:
    ``from_facts(..., movements=True)``; ``None`` otherwise)
    ``customer`` (string), ``on`` (date, effective), ``recorded`` (timestamp, UTC: when the
    ledger learnt it), ``document`` (string: the invoice, credit memo, payment or item it
    names), ``kind`` (int8, a code of :data:`MOVEMENT_CODES`: 0 invoice, 1 credit memo,
    2 payment, 3 adjustment, 4 reversal, 5 refund, 6 write-off, 7 reassigned), ``currency``
    (string), ``amount`` (int64 minor units, signed: positive raises what the customer owes).
    They are the history's own account movements (:attr:`o2c.ledger.history.History.movements`,
    what statements and the activity of :mod:`o2c.ledger.history` show), each with the
    recording time of the fact that made it: the movements as of ``D`` known at ``T`` are the
    rows with ``on <= D`` and ``recorded <= T``.

Small-int codes rather than strings, so that engines compare integers; :data:`KIND_CODES` and
:data:`CAUSE_CODES` are the one mapping (a layout may give the names, :func:`from_tables`
maps them).

An item is open on ``D`` as known at ``T`` when it was issued by ``D`` and recorded by ``T``; its
open amount is its amount less (for credits: plus) the settlements effective by ``D`` and
recorded by ``T``.  Amounts are integers with the currency beside them, so every engine sums them
exactly: no float or DOUBLE anywhere (``check_exact`` guards what comes back from an engine).

Built from a ledger (:func:`from_facts`, streaming a :class:`~o2c.ledger.LedgerStore`'s
``iter_by_customer`` one customer at a time, the ledger's own
:class:`~o2c.ledger.history.Projection` deciding every change) or from another system's
columns (:func:`from_tables`, the layout of ``benchmarks/portfolio.py``).  Arrow is an optional
dependency (``o2c[portfolio]``).

>>> import datetime as dt
>>> from o2c.ledger.facts import InvoiceIssued, PaymentAllocated, PaymentReceived
>>> from o2c.money import money
>>> from o2c.terms import Instalment
>>> t = lambda day: dt.datetime(2026, 3, day, 12, tzinfo=dt.timezone.utc)
>>> facts = [
...     InvoiceIssued.from_instalments(fact_id="i1", customer_id="C1", item_id="INV-1",
...         document_number="INV-1", document_date=dt.date(2026, 3, 1), recorded_at=t(1),
...         instalments=[Instalment(number=1, due_date=dt.date(2026, 3, 31),
...                                 amount=money("100.00", "EUR"))]),
...     PaymentReceived(fact_id="p1", customer_id="C1", effective=dt.date(2026, 3, 10),
...         recorded_at=t(11), payment_id="PAY-1", amount=money("60.00", "EUR"),
...         value_date=dt.date(2026, 3, 10)),
...     PaymentAllocated(fact_id="a1", customer_id="C1", effective=dt.date(2026, 3, 10),
...         recorded_at=t(11), source_id="PAY-1", item_id="INV-1",
...         applied=money("60.00", "EUR")),
... ]
>>> model = from_facts(facts)
>>> model.items.column("amount").to_pylist(), model.items.column("kind").to_pylist()
([10000, -6000], [0, 2])
>>> model.settlements.column("item").to_pylist(), model.settlements.column("amount").to_pylist()
([0, 1], [6000, 6000])
>>> moves = from_facts(facts, movements=True).movements
>>> moves.column("kind").to_pylist(), moves.column("amount").to_pylist()
([0, 2], [10000, -6000])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import islice
from types import ModuleType
from typing import Any

import attrs

from o2c._optional import require
from o2c.errors import InvalidAmountError, ValidationError
from o2c.ledger.facts import (
    AllocationReversed,
    Fact,
    InvoiceIssued,
    PaymentAllocated,
    Refunded,
    WrittenOff,
)
from o2c.ledger.history import ActivityKind, ActivityLine, History, Projection
from o2c.ledger.ids import ItemKind
from o2c.money import currency, minor_units

__all__ = [
    "CAUSE_CODES",
    "ITEM_COLUMNS",
    "KIND_CODES",
    "MOVEMENT_CODES",
    "MOVEMENT_COLUMNS",
    "ReadModel",
    "SETTLEMENT_COLUMNS",
    "arrow",
    "batches_from_facts",
    "check_exact",
    "from_facts",
    "from_tables",
    "items_schema",
    "movements_schema",
    "settlements_schema",
]

#: Arrow, as an optional dependency (a table is ``Any`` to the type checker).
Table = Any

#: Column names of the items table, in order.
ITEM_COLUMNS = (
    "item",
    "customer",
    "item_id",
    "kind",
    "currency",
    "issued",
    "recorded",
    "document",
    "due",
    "amount",
    "stand_in",
)
#: Column names of the settlements table, in order.
SETTLEMENT_COLUMNS = (
    "item",
    "on",
    "recorded",
    "amount",
    "cause",
    "written_off",
    "reversed_on",
    "reversed_recorded",
)

#: Column names of the movements table, in order.
MOVEMENT_COLUMNS = ("customer", "on", "recorded", "document", "kind", "currency", "amount")

#: The ``kind`` column's codes (int8): an engine compares small integers, not strings.
KIND_CODES: dict[str, int] = {
    ItemKind.INVOICE.value: 0,
    ItemKind.CREDIT_MEMO.value: 1,
    ItemKind.UNAPPLIED_CASH.value: 2,
}
#: The ``cause`` column's codes (int8).
CAUSE_CODES: dict[str, int] = {"allocation": 0, "reversal": 1, "refund": 2, "write_off": 3}
#: The movements' ``kind`` codes (int8): the history's :class:`~o2c.ledger.history.ActivityKind`
#: in the order it declares them.
MOVEMENT_CODES: dict[str, int] = {kind.value: code for code, kind in enumerate(ActivityKind)}

#: The kinds of item that are credits (their amount is negative).
CREDIT_KINDS = (ItemKind.CREDIT_MEMO.value, ItemKind.UNAPPLIED_CASH.value)
#: Their codes.
CREDIT_CODES = tuple(KIND_CODES[k] for k in CREDIT_KINDS)

#: Rows buffered before they become one Arrow record batch (memory: a few MiB of Python objects).
BATCH_ROWS = 65_536


def arrow() -> ModuleType:
    """The ``pyarrow`` module, or :class:`~o2c.errors.MissingExtraError` naming the extra."""
    return require("pyarrow", extra="portfolio", feature="the columnar read model")


def items_schema() -> Any:
    """The Arrow schema of the items table."""
    pa = arrow()
    return pa.schema(
        [
            ("item", pa.int64()),
            ("customer", pa.string()),
            ("item_id", pa.string()),
            ("kind", pa.int8()),
            ("currency", pa.string()),
            ("issued", pa.date32()),
            ("recorded", pa.timestamp("us", tz="UTC")),
            ("document", pa.date32()),
            ("due", pa.date32()),
            ("amount", pa.int64()),
            ("stand_in", pa.bool_()),
        ]
    )


def settlements_schema() -> Any:
    """The Arrow schema of the settlements table."""
    pa = arrow()
    return pa.schema(
        [
            ("item", pa.int64()),
            ("on", pa.date32()),
            ("recorded", pa.timestamp("us", tz="UTC")),
            ("amount", pa.int64()),
            ("cause", pa.int8()),
            ("written_off", pa.int64()),
            ("reversed_on", pa.date32()),
            ("reversed_recorded", pa.timestamp("us", tz="UTC")),
        ]
    )


def movements_schema() -> Any:
    """The Arrow schema of the movements table."""
    pa = arrow()
    return pa.schema(
        [
            ("customer", pa.string()),
            ("on", pa.date32()),
            ("recorded", pa.timestamp("us", tz="UTC")),
            ("document", pa.string()),
            ("kind", pa.int8()),
            ("currency", pa.string()),
            ("amount", pa.int64()),
        ]
    )


@attrs.frozen
class ReadModel:
    """The columnar read model: the ``items`` and ``settlements`` Arrow tables, and the
    ``movements`` table when it was built (see the module).

    :meth:`tables` gives the tables kernels read (``items`` and ``settlements``).
    """

    items: Table
    settlements: Table
    movements: Table | None = None

    @property
    def item_count(self) -> int:
        """The number of items (rows of ``items``)."""
        return int(self.items.num_rows)

    def tables(self) -> dict[str, Table]:
        """The tables by the names kernels use."""
        return {"items": self.items, "settlements": self.settlements}


# --------------------------------------------------------------------------------------------
# From the ledger: the history's projection decides every change, this module only records it


class _Recorder(Projection):
    """A projection that notes which items a fact touched and why (the handlers stay the
    ledger's: each override only notes what the fact was, then runs the projection's own
    handler)."""

    def __init__(self) -> None:
        super().__init__()
        self.touched: list[tuple[Any, Decimal]] = []
        self.cause: int | None = None
        self.stand_in = False
        #: The allocation being applied (its write-off part goes on its item's row).
        self.allocation: PaymentAllocated | None = None
        #: The allocation a reversal undoes, by its fact id.
        self.reverses: str | None = None
        #: Per allocation (fact id): its settlement rows and its write-off part.
        self.rows: dict[str, tuple[list[int], Decimal]] = {}

    def reset(self) -> None:
        self.touched.clear()
        self.cause = None
        self.stand_in = False
        self.allocation = None
        self.reverses = None

    def item(self, customer_id: str, item_id: str) -> Any:
        found = super().item(customer_id, item_id)
        self.touched.append((found, found.open))
        return found

    def _invoice(self, fact: InvoiceIssued) -> None:
        self.stand_in = fact.stand_in
        super()._invoice(fact)

    def _allocation(self, fact: PaymentAllocated) -> None:
        self.cause = CAUSE_CODES["allocation"]
        self.allocation = fact
        super()._allocation(fact)

    def _reversal(self, fact: AllocationReversed) -> None:
        self.cause = CAUSE_CODES["reversal"]
        self.reverses = fact.allocation_id
        kept = self._allocations.get(fact.allocation_id)
        if kept is not None:  # the projection's own bookkeeping names the two items it moves
            self.touched.extend((i, i.open) for i in kept[:2])
        super()._reversal(fact)

    def _refund(self, fact: Refunded) -> None:
        self.cause = CAUSE_CODES["refund"]
        super()._refund(fact)

    def _write_off(self, fact: WrittenOff) -> None:
        self.cause = CAUSE_CODES["write_off"]
        super()._write_off(fact)


class _MovementRecorder(_Recorder, History):
    """The same recorder over the ledger's :class:`~o2c.ledger.history.History`, whose handlers
    also note each account movement (:attr:`History.movements`, read and emptied per fact)."""


class _Columns:
    """The tables' rows (tuples), turned into Arrow batches every ``BATCH_ROWS``."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, ...]] = []
        self.settlements: list[tuple[Any, ...]] = []
        self.movements: list[tuple[Any, ...]] = []
        #: Settlement rows an allocation's reversal undid: row -> (effective, recorded).
        self.undone: dict[int, tuple[dt.date, dt.datetime]] = {}
        self.count = 0
        self.factors: dict[str, int] = {}

    def minor(self, value: Decimal, code: str) -> int:
        digits = self.factors.get(code)
        if digits is None:
            digits = self.factors[code] = minor_units(currency(code))
        scaled = value.scaleb(digits)
        units = int(scaled)
        if units != scaled:
            raise InvalidAmountError(
                f"amount={value} {code} has more decimals than {code} has minor units",
                field="amount",
                value=value,
            )
        return units

    def add_item(self, state: Any, fact: Fact, stand_in: bool) -> int:
        number = self.count
        self.count = number + 1
        self.items.append(
            (
                number,
                state.customer_id,
                state.item_id,
                _KIND_OF[state.kind],
                state.currency,
                fact.effective,
                fact.recorded_at,
                state.document_date,
                state.due_date,
                self.minor(state.original, state.currency),
                stand_in,
            )
        )
        return number

    def add_movements(self, lines: list[ActivityLine], fact: Fact) -> None:
        """The history's movements of ``fact`` (then emptied: one fact's at a time)."""
        rows = self.movements
        customer, recorded = fact.customer_id, fact.recorded_at
        for line in lines:
            code = line.amount.currency.code
            rows.append(
                (
                    customer,
                    line.on,
                    recorded,
                    line.document,
                    _MOVEMENT_OF[line.kind],
                    code,
                    self.minor(line.amount.amount, code),
                )
            )
        lines.clear()

    def full(self) -> bool:
        return len(self.items) + len(self.settlements) + len(self.movements) >= BATCH_ROWS

    def flush(self, movements: bool) -> tuple[Any, ...]:
        pa = arrow()
        item_types = items_schema().types
        items_columns = list(zip(*self.items, strict=True)) or [()] * len(ITEM_COLUMNS)
        items = pa.RecordBatch.from_arrays(
            [pa.array(c, t) for c, t in zip(items_columns, item_types, strict=True)],
            schema=items_schema(),
        )
        set_columns = list(zip(*self.settlements, strict=True)) or [()] * 6
        set_types = settlements_schema().types
        n = len(self.settlements)
        on: Any = pa.nulls(n, set_types[6])
        at: Any = pa.nulls(n, set_types[7])
        if self.undone:
            undone = self.undone
            on = pa.array([undone[r][0] if r in undone else None for r in range(n)], on.type)
            at = pa.array([undone[r][1] if r in undone else None for r in range(n)], at.type)
        settlements = pa.RecordBatch.from_arrays(
            [*(pa.array(c, t) for c, t in zip(set_columns, set_types[:6], strict=True)), on, at],
            schema=settlements_schema(),
        )
        self.items = []
        self.settlements = []
        self.undone = {}
        if not movements:
            return items, settlements
        schema = movements_schema()
        move_columns = list(zip(*self.movements, strict=True)) or [()] * len(MOVEMENT_COLUMNS)
        moved = pa.RecordBatch.from_arrays(
            [pa.array(c, t) for c, t in zip(move_columns, schema.types, strict=True)],
            schema=schema,
        )
        self.movements = []
        return items, settlements, moved


_KIND_OF = {ItemKind(name): code for name, code in KIND_CODES.items()}
_MOVEMENT_OF = {ActivityKind(name): code for name, code in MOVEMENT_CODES.items()}
_ALLOCATION, _REVERSAL, _WRITE_OFF = (
    CAUSE_CODES["allocation"],
    CAUSE_CODES["reversal"],
    CAUSE_CODES["write_off"],
)


def _record(cols: _Columns, recorder: _Recorder, numbers: dict[str, int], fact: Fact) -> None:
    """The settlement rows of what ``fact`` changed (the recorder has just been fed it)."""
    allocation = recorder.allocation
    cause = recorder.cause
    undone = recorder.rows.pop(recorder.reverses, None) if recorder.reverses else None
    rows: list[int] = []
    settlements = cols.settlements
    first = True
    for state, before in recorder.touched:
        delta = state.open - before
        if not delta:
            first = False
            continue
        units = cols.minor(-delta if state.original > 0 else delta, state.currency)
        written: int | None = None
        if cause == _WRITE_OFF:
            written = units
        elif first and allocation is not None and allocation.write_off is not None:
            written = cols.minor(allocation.write_off.amount, state.currency)  # the item's row
        elif first and undone is not None and undone[1]:
            written = -cols.minor(undone[1], state.currency)  # the reversal takes it back
        first = False
        rows.append(len(settlements))
        settlements.append(
            (numbers[state.item_id], fact.effective, fact.recorded_at, units, cause, written)
        )
    if allocation is not None:
        part = allocation.write_off.amount if allocation.write_off is not None else Decimal(0)
        recorder.rows[allocation.fact_id] = (rows, part)
    if undone is not None:
        mark = (fact.effective, fact.recorded_at)
        for row in undone[0]:
            cols.undone[row] = mark


def batches_from_facts(
    facts: Iterable[Fact], *, movements: bool = False
) -> Iterator[tuple[Any, ...]]:
    """Arrow record batches ``(items, settlements)`` of the facts, in bounded memory
    (``(items, settlements, movements)`` with ``movements=True``).

    ``facts`` come grouped by customer, each stream in order (``LedgerStore.iter_by_customer``):
    one customer's projection is held at a time, and at most ``BATCH_ROWS`` rows wait to become
    a batch.  The changes are the ledger's :class:`~o2c.ledger.history.Projection`'s own (with
    ``movements``, its :class:`~o2c.ledger.history.History`'s, which also notes the account
    movements), so the batches mean what the history means.

    Raises:
        ValueError: the facts are not grouped by customer.
        InvalidFactError: a fact refers to something the stream does not hold.
    """
    cols = _Columns()
    done: set[str] = set()
    current: str | None = None
    make: type[_Recorder] = _MovementRecorder if movements else _Recorder
    recorder = make()
    items = recorder.items
    touched = recorder.touched
    handlers = recorder._handlers
    lines: list[ActivityLine] = []
    numbers: dict[str, int] = {}
    add_item = cols.add_item
    for fact in facts:
        if fact.customer_id != current:
            if current is not None:
                done.add(current)
                if cols.full():
                    yield cols.flush(movements)
            current = fact.customer_id
            if current in done:
                raise ValueError(
                    f"facts of customer {current!r} come in two groups: pass them grouped by "
                    "customer (LedgerStore.iter_by_customer)"
                )
            recorder = make()
            items = recorder.items
            touched = recorder.touched
            handlers = recorder._handlers
            if movements:
                lines = recorder.movements  # type: ignore[attr-defined]
            numbers = {}
        size = len(items)
        recorder.reset()
        handlers[type(fact)](fact)  # type: ignore[operator]  # Projection.feed, inlined
        grown = len(items) - size
        if grown == 1:
            state = next(reversed(items.values()))
            numbers[state.item_id] = add_item(state, fact, recorder.stand_in)
        elif grown:
            created = list(islice(reversed(items.values()), grown))
            for state in reversed(created):
                numbers[state.item_id] = add_item(state, fact, recorder.stand_in)
        if touched:
            _record(cols, recorder, numbers, fact)
        if lines:
            cols.add_movements(lines, fact)
    yield cols.flush(movements)


def from_facts(facts: Iterable[Fact], *, movements: bool = False) -> ReadModel:
    """The read model of a ledger's facts, grouped by customer (see :func:`batches_from_facts`).

    For a store: ``from_facts(store.iter_by_customer())``; ``movements=True`` builds the
    movements table too (the history's account movements; it costs about a third more).
    """
    pa = arrow()
    parts: tuple[list[Any], ...] = ([], [], [])
    for batch in batches_from_facts(facts, movements=movements):
        for part, table in zip(parts, batch, strict=False):
            part.append(table)
    return ReadModel(
        items=pa.Table.from_batches(parts[0], schema=items_schema()),
        settlements=pa.Table.from_batches(parts[1], schema=settlements_schema()),
        movements=pa.Table.from_batches(parts[2], schema=movements_schema()) if movements else None,
    )


# --------------------------------------------------------------------------------------------
# From another system's columns (the layout of benchmarks/portfolio.py)


def _integer(table: Any, name: str, where: str) -> None:
    pa = arrow()
    kind = table.schema.field(name).type
    if not pa.types.is_integer(kind):
        raise ValidationError(
            f"{where} column {name!r} is {kind}: give whole minor units (int64), never a "
            "float or decimal",
            field=name,
            value=str(kind),
        )


def _dates(table: Any, name: str, where: str) -> Any:
    """A date32 column from a date or timestamp column, or from proleptic ordinals (int)."""
    pa = arrow()
    pc = require("pyarrow.compute", extra="portfolio", feature="the columnar read model")
    column = table.column(name)
    kind = column.type
    if pa.types.is_date32(kind):
        return column
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        return column.cast(pa.date32())
    if pa.types.is_integer(kind):  # ordinals: day 1 is 0001-01-01, day 719163 is 1970-01-01
        return (
            pc.subtract(column.cast(pa.int64()), _EPOCH_ORDINAL).cast(pa.int32()).cast(pa.date32())
        )
    raise ValidationError(
        f"{where} column {name!r} is {kind}: give dates (or day ordinals)",
        field=name,
        value=str(kind),
    )


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _recorded(table: Any, rows: int, name: str = "recorded") -> Any:
    pa = arrow()
    kind = pa.timestamp("us", tz="UTC")
    if name not in table.column_names:
        return pa.nulls(rows, kind)
    column = table.column(name)
    if not pa.types.is_timestamp(column.type) or column.type.tz is None:
        raise ValidationError(
            f"column {name!r} is {column.type}: give timezone-aware timestamps",
            field=name,
            value=str(column.type),
        )
    return column.cast(kind)


def _optional_integer(table: Any, name: str, rows: int) -> Any:
    pa = arrow()
    if name not in table.column_names:
        return pa.nulls(rows, pa.int64())
    _integer(table, name, "settlements")
    return table.column(name).cast(pa.int64())


def _codes(column: Any, codes: dict[str, int], name: str, where: str) -> Any:
    """An int8 column of ``codes`` from their names (strings) or the codes themselves."""
    pa = arrow()
    pc = require("pyarrow.compute", extra="portfolio", feature="the columnar read model")
    if pa.types.is_integer(column.type):
        found = column.cast(pa.int8())
        bad = pc.invert(pc.is_in(found, value_set=pa.array(list(codes.values()), pa.int8())))
    else:
        names = column.cast(pa.string())
        found = pc.index_in(names, value_set=pa.array(list(codes), pa.string())).cast(pa.int8())
        bad = pc.and_(pc.is_null(found), pc.is_valid(names))
    bad = pc.fill_null(bad, False)
    if pc.any(bad).as_py():
        value = pc.filter(column, bad)[0].as_py()
        raise ValidationError(
            f"{where} column {name!r} holds {value!r}: give one of {', '.join(codes)} (or its "
            f"code {', '.join(str(c) for c in codes.values())})",
            field=name,
            value=value,
        )
    return found


def _need(table: Any, names: Iterable[str], where: str) -> None:
    missing = [n for n in names if n not in table.column_names]
    if missing:
        raise ValidationError(
            f"{where} has no column {missing[0]!r} (columns: {', '.join(table.column_names)})",
            field=missing[0],
            value=table.column_names,
        )


def from_tables(items: Any, settlements: Any, *, currency_code: str | None = None) -> ReadModel:
    """The read model of another system's items and settlements (Arrow tables).

    ``items`` need ``customer``, ``document``, ``due`` and ``amount`` (int minor units, negative
    for credits), and ``currency`` unless ``currency_code`` names the one currency; ``item``
    (0, 1, 2 ... in row order), ``item_id``, ``kind`` (a name or code of :data:`KIND_CODES`;
    default: ``credit_memo`` for a negative amount, else ``invoice``), ``issued`` (default: the
    document date), ``recorded`` and ``stand_in`` (default false) are optional.
    ``settlements`` need ``item`` (an item's position), ``on`` and ``amount`` (positive minor
    units that bring the item toward zero); ``recorded``, ``cause`` (a name or code of
    :data:`CAUSE_CODES`), ``written_off``, ``reversed_on`` and ``reversed_recorded`` are
    optional (see the module).  Dates may be dates or day ordinals (``date.toordinal()``).

    Raises:
        ValidationError: a missing column, amounts that are not integers (a float or a decimal),
            dates that are not dates, a kind or cause that is none of the codes, or items not
            numbered by position.
    """
    pa = arrow()
    pc = require("pyarrow.compute", extra="portfolio", feature="the columnar read model")
    _need(items, ("customer", "document", "due", "amount"), "items")
    _need(settlements, ("item", "on", "amount"), "settlements")
    _integer(items, "amount", "items")
    _integer(settlements, "amount", "settlements")
    _integer(settlements, "item", "settlements")
    rows = items.num_rows
    if "item" in items.column_names:
        _integer(items, "item", "items")
        number = items.column("item").cast(pa.int64())
        if not number.equals(pa.chunked_array([pa.array(range(rows), pa.int64())])):
            raise ValidationError(
                "items column 'item' must number the rows 0, 1, 2 ... in order (settlements "
                "refer to items by position)",
                field="item",
            )
    else:
        number = pa.array(range(rows), pa.int64())
    amount = items.column("amount").cast(pa.int64())
    if "currency" in items.column_names:
        codes = items.column("currency").cast(pa.string())
        for code in pc.unique(codes).to_pylist():
            currency(code)  # an unknown currency is bad input
    elif currency_code is not None:
        codes = pa.array([currency(currency_code).code] * rows, pa.string())
    else:
        raise ValidationError(
            "items have no 'currency' column: add one or name the currency",
            field="currency",
        )
    if "kind" in items.column_names:
        kinds = _codes(items.column("kind"), KIND_CODES, "kind", "items")
    else:
        kinds = pc.if_else(
            pc.less(amount, 0), KIND_CODES[ItemKind.CREDIT_MEMO.value], KIND_CODES["invoice"]
        ).cast(pa.int8())
    document = _dates(items, "document", "items")
    issued = _dates(items, "issued", "items") if "issued" in items.column_names else document
    item_ids = (
        items.column("item_id").cast(pa.string())
        if "item_id" in items.column_names
        else pa.nulls(rows, pa.string())
    )
    built_items = pa.Table.from_arrays(
        [
            number,
            items.column("customer").cast(pa.string()),
            item_ids,
            kinds,
            codes,
            issued,
            _recorded(items, rows),
            document,
            _dates(items, "due", "items"),
            amount,
            items.column("stand_in").cast(pa.bool_())
            if "stand_in" in items.column_names
            else pa.nulls(rows, pa.bool_()).fill_null(False),
        ],
        schema=items_schema(),
    )
    n_set = settlements.num_rows
    built_settlements = pa.Table.from_arrays(
        [
            settlements.column("item").cast(pa.int64()),
            _dates(settlements, "on", "settlements"),
            _recorded(settlements, n_set),
            settlements.column("amount").cast(pa.int64()),
            _codes(settlements.column("cause"), CAUSE_CODES, "cause", "settlements")
            if "cause" in settlements.column_names
            else pa.nulls(n_set, pa.int8()),
            _optional_integer(settlements, "written_off", n_set),
            _dates(settlements, "reversed_on", "settlements")
            if "reversed_on" in settlements.column_names
            else pa.nulls(n_set, pa.date32()),
            _recorded(settlements, n_set, "reversed_recorded"),
        ],
        schema=settlements_schema(),
    )
    return ReadModel(items=built_items, settlements=built_settlements)


def check_exact(table: Any, *, what: str) -> Any:
    """``table`` if none of its columns is a float or a decimal; raises otherwise.

    The guard every engine's answer passes: DuckDB turns ``DECIMAL / INTEGER`` and some integer
    arithmetic into ``DOUBLE`` without a word, and a float must never carry money.

    Raises:
        ValidationError: a float or decimal column (naming it and ``what`` produced it).
    """
    pa = arrow()
    for field in table.schema:
        if pa.types.is_floating(field.type) or pa.types.is_decimal(field.type):
            raise ValidationError(
                f"{what} returned column {field.name!r} as {field.type}: money and counts "
                "must come back as integers (a float or decimal crept into the kernel)",
                field=field.name,
                value=str(field.type),
            )
    return table
