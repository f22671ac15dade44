"""The SQLite :class:`~o2c.ports.LedgerStore` (standard library): the embedded default.

One file holds every fact, one row each (the fact as JSON plus the columns it is found by).  The
database runs in WAL mode, so readers never block the writer and see only committed batches;
each batch is one ``BEGIN IMMEDIATE`` transaction, which takes the write lock before the stream
versions are checked, so two writers (threads or processes) never both pass the check: the
second gets :class:`~o2c.errors.ConcurrencyError`.  ``synchronous=NORMAL`` keeps committed
batches across a crash of the process (not necessarily across a power cut: pass
``synchronous="FULL"`` for that).

The change feed (:meth:`SQLiteLedgerStore.changes`) reads by ``seq``, the table's rowid: SQLite
lets one writer at a time hold the write lock, and a batch takes its ``seq`` values under that
lock, so ``seq`` order is commit order and a reader never sees a higher ``seq`` before a lower
one commits.  The facts are never deleted, so a ``seq`` is never handed out twice.  Databases
created by earlier versions already have the column: no upgrade is needed.

>>> import tempfile, pathlib
>>> from o2c.ledger import Ledger
>>> with tempfile.TemporaryDirectory() as tmp:
...     store = SQLiteLedgerStore(pathlib.Path(tmp) / "ledger.sqlite")
...     ledger = Ledger(store)
...     before = ledger.version("C1")
...     store.close()
>>> before
0
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from o2c.errors import ConcurrencyError, DuplicateFactError, StorageError
from o2c.ledger.facts import Fact, fact_to_json, facts_from_json
from o2c.ledger.store import DEFAULT_FEED_LIMIT, ChangeBatch, Cursor, check_batch, check_limit

__all__ = ["SCHEMA", "SQLiteLedgerStore", "schema"]

#: The table and indexes (created when missing).  ``seq`` is the global append order;
#: ``version`` is the fact's 1-based position in its customer's stream.
SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger_facts (
    seq INTEGER PRIMARY KEY,
    fact_id TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    effective TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    UNIQUE (customer_id, version)
);
CREATE INDEX IF NOT EXISTS ledger_facts_effective ON ledger_facts (effective);
"""

_INSERT = (
    "INSERT INTO {table} (fact_id, customer_id, version, kind, effective, recorded_at, "
    "payload) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def schema(table: str = "ledger_facts") -> str:
    """The statements that create ``table`` and its index (:data:`SCHEMA` for the default).

    Raises:
        StorageError: ``table`` is not a plain SQL name (letters, digits, underscores).
    """
    if not _NAME.fullmatch(table):
        raise StorageError(
            f"table={table!r} is not a plain SQL table name: use letters, digits and underscores"
        )
    return SCHEMA.replace("ledger_facts", table)


_CHUNK = 500
#: Rows a streaming read fetches and decodes at a time (one JSON parse per batch): a batch of
#: facts of a few hundred bytes each is a few hundred KiB, so a stream's memory stays flat.
FETCH_ROWS = 1000


def recorded_text(moment: dt.datetime) -> str:
    """A recording time as sortable UTC text (always with microseconds)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _encode_row(fact: Fact, version: int) -> tuple[str, str, int, str, str, str, str]:
    """The row stored for ``fact`` at ``version`` of its stream."""
    return (
        fact.fact_id,
        fact.customer_id,
        version,
        fact.kind.value,
        fact.effective.isoformat(),
        recorded_text(fact.recorded_at),
        fact_to_json(fact),
    )


def _rows(facts: Sequence[Fact], expected: Mapping[str, int]) -> Iterator[tuple[object, ...]]:
    versions = dict(expected)
    for fact in facts:
        versions[fact.customer_id] += 1
        # A module global looked up per row: a test can stand in for it to stop mid-batch.
        yield _encode_row(fact, versions[fact.customer_id])


class SQLiteLedgerStore:
    """Facts in a SQLite file; one connection per thread, safe across threads and processes.

    Args:
        path: the database file (created when missing).
        timeout: seconds a writer waits for another writer's batch to commit.
        synchronous: SQLite's ``synchronous`` pragma (``NORMAL`` or ``FULL``).
        table: the table facts are kept in: another name keeps another ledger in the same file
            (the schedule runner's journal of runs, say).

    Raises:
        StorageError: the file cannot be opened or is not a ledger database.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        timeout: float = 30.0,
        synchronous: str = "NORMAL",
        table: str = "ledger_facts",
    ) -> None:
        if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise StorageError(f"synchronous={synchronous!r} is not a SQLite synchronous mode")
        self.path = Path(path)
        schema(table)  # checks the name before it is put into SQL
        self.table = table
        self._timeout = timeout
        self._synchronous = synchronous.upper()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in schema(self.table).split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot prepare the ledger database {self.path}: {exc}") from exc

    # -- connections ----------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the ledger database {self.path}: {exc}") from exc
        return conn

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this store opened (it reopens on the next use)."""
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> SQLiteLedgerStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the port -------------------------------------------------------------------------

    def append(self, facts: Sequence[Fact], *, expected_versions: Mapping[str, int]) -> None:
        """Store the batch in one transaction if each stream is at its expected version.

        Raises:
            ConcurrencyError: a stream is at another version (nothing is stored).
            DuplicateFactError: a fact id is already stored (nothing is stored).
            StorageError: the database failed (nothing is stored).
        """
        batch = list(facts)
        customers = check_batch(batch, expected_versions)
        if not batch:
            return
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StorageError(f"cannot start a transaction on {self.path}: {exc}") from exc
        try:
            actual = self._versions(conn, customers)
            for customer in customers:
                if actual.get(customer, 0) != expected_versions[customer]:
                    raise ConcurrencyError(
                        customer, expected_versions[customer], actual.get(customer, 0)
                    )
            conn.executemany(_INSERT.format(table=self.table), _rows(batch, expected_versions))
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.IntegrityError):
                raise self._duplicate(batch) from exc
            if isinstance(exc, sqlite3.Error):
                raise StorageError(f"appending to {self.path} failed: {exc}") from exc
            raise

    def _duplicate(self, batch: Sequence[Fact]) -> DuplicateFactError:
        stored = self.get(f.fact_id for f in batch)
        fact_id = next(iter(stored), None)
        return DuplicateFactError(
            f"fact id {fact_id!r} is already stored", field="fact_id", value=fact_id
        )

    def _versions(self, conn: sqlite3.Connection, customers: Sequence[str]) -> dict[str, int]:
        # One indexed MAX per stream (a single seek), not a scan of the streams' facts.
        return {c: self._version(conn, c) for c in customers}

    def _version(self, conn: sqlite3.Connection, customer_id: str) -> int:
        row = conn.execute(
            f"SELECT COALESCE(MAX(version), 0) FROM {self.table} WHERE customer_id = ?",
            (customer_id,),
        ).fetchone()
        return int(row[0])

    def version(self, customer_id: str) -> int:
        """The number of facts in the customer's stream."""
        try:
            return self._version(self._conn(), customer_id)
        except sqlite3.Error as exc:
            raise StorageError(f"reading {self.path} failed: {exc}") from exc

    def read_customer(self, customer_id: str, *, after_version: int = 0) -> list[Fact]:
        """The customer's facts after the first ``after_version``, in stream order."""
        try:
            rows = self._conn().execute(
                f"SELECT payload FROM {self.table} WHERE customer_id = ? AND version > ? "
                "ORDER BY version",
                (customer_id, after_version),
            )
            return facts_from_json([payload for (payload,) in rows], validate=False)
        except sqlite3.Error as exc:
            raise StorageError(f"reading {self.path} failed: {exc}") from exc

    def get(self, fact_ids: Iterable[str]) -> dict[str, Fact]:
        """The stored facts among ``fact_ids``."""
        ids = list(dict.fromkeys(fact_ids))
        found: dict[str, Fact] = {}
        conn = self._conn()
        try:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT fact_id, payload FROM {self.table} WHERE fact_id IN ({marks})",
                    chunk,
                ).fetchall()
                facts = facts_from_json([payload for _, payload in rows], validate=False)
                found.update(zip((fact_id for fact_id, _ in rows), facts, strict=True))
        except sqlite3.Error as exc:
            raise StorageError(f"reading {self.path} failed: {exc}") from exc
        return found

    def read_range(
        self, start: dt.date, end: dt.date, *, customer_id: str | None = None
    ) -> Iterator[Fact]:
        """The facts effective from ``start`` to ``end`` inclusive, in append order."""
        sql = f"SELECT payload FROM {self.table} WHERE effective BETWEEN ? AND ?"
        params: tuple[str, ...] = (start.isoformat(), end.isoformat())
        if customer_id is not None:
            sql += " AND customer_id = ?"
            params += (customer_id,)
        return self._stream(sql + " ORDER BY seq", params)

    def iter_all(self) -> Iterator[Fact]:
        """Every fact, in append order, from one consistent snapshot (streamed)."""
        return self._stream(f"SELECT payload FROM {self.table} ORDER BY seq", ())

    def iter_by_customer(self) -> Iterator[Fact]:
        """Every fact, customer by customer (by customer id), each stream in order (streamed)."""
        return self._stream(f"SELECT payload FROM {self.table} ORDER BY customer_id, version", ())

    def changes(
        self, after: Cursor | None = None, *, limit: int = DEFAULT_FEED_LIMIT
    ) -> ChangeBatch:
        """The facts committed after ``after``, in commit order (at most ``limit``).

        Raises:
            ValidationError: ``limit`` is not a whole number >= 1.
            StorageError: the database failed.
        """
        check_limit(limit)
        start = after.position if after is not None else 0
        try:
            rows = (
                self._conn()
                .execute(
                    f"SELECT seq, payload FROM {self.table} WHERE seq > ? ORDER BY seq LIMIT ?",
                    (start, limit),
                )
                .fetchall()
            )
        except sqlite3.Error as exc:
            raise StorageError(f"reading {self.path} failed: {exc}") from exc
        facts = tuple(facts_from_json([payload for _, payload in rows], validate=False))
        return ChangeBatch(facts, Cursor(rows[-1][0] if rows else start))

    def iter_payloads(self) -> Iterator[str]:
        """Every fact's stored JSON, in append order (for exports and benchmarks)."""
        return self._stream_raw(f"SELECT payload FROM {self.table} ORDER BY seq", ())

    def _stream(self, sql: str, params: tuple[str, ...]) -> Iterator[Fact]:
        for payloads in self._stream_batches(sql, params):
            yield from facts_from_json(payloads, validate=False)

    def _stream_raw(self, sql: str, params: tuple[str, ...]) -> Iterator[str]:
        for payloads in self._stream_batches(sql, params):
            yield from payloads

    def _stream_batches(self, sql: str, params: tuple[str, ...]) -> Iterator[list[str]]:
        """The payloads ``sql`` selects, :data:`FETCH_ROWS` at a time, from one snapshot."""
        # Its own connection: one SELECT is one read snapshot in WAL mode, and it must not
        # share a connection with the appends this thread may make while iterating.
        conn = self._open()
        try:
            conn.execute("BEGIN")
            cursor = conn.execute(sql, params)
            while True:
                rows = cursor.fetchmany(FETCH_ROWS)
                if not rows:
                    break
                yield [payload for (payload,) in rows]
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StorageError(f"reading {self.path} failed: {exc}") from exc
        finally:
            conn.close()
