"""The SQLAlchemy Core :class:`~o2c.ports.LedgerStore` (extra ``sql``): PostgreSQL and friends.

Tested on PostgreSQL 15 (``postgresql+psycopg://...``); any SQLAlchemy 2 database with
transactions and unique constraints works.  One row per fact (its JSON plus the columns it is
found by) in the table ``ledger_facts`` (or ``table_name``).  Each batch is one transaction.  On
PostgreSQL a writer first takes a transaction-scoped advisory lock per customer stream it
touches (in a fixed order, so writers never deadlock), so the version check and the insert are
one step: the second of two concurrent writers waits, sees the new version and gets
:class:`~o2c.errors.ConcurrencyError`.  Elsewhere the unique ``(customer_id, version)``
constraint turns the same race into ``ConcurrencyError``.  A writer that dies mid-batch leaves
nothing: the server rolls the open transaction back.

**The change feed** (:meth:`SQLAlchemyLedgerStore.changes`) reads by ``seq``, the table's
identity column.  On PostgreSQL a sequence value is handed out when a row is inserted, not when
its transaction commits, so a batch numbered 10 can commit after one numbered 11: a reader that
already moved its cursor past 11 would skip 10 for ever.  So every writer, once its streams are
checked and just before it inserts, also takes one transaction-scoped advisory lock for the
table (the feed lock, in the two-key space so no customer's lock can collide with it); the lock
is released only after the commit is visible, so ``seq`` values are allocated and committed one
batch at a time and ``seq`` order is commit order.  The price: appends to different customers no
longer overlap from the insert to the commit (they still check their streams in parallel).  The
alternative — recording each row's transaction id and reading only below the oldest running
transaction (``pg_snapshot_xmin``) — keeps writers parallel but needs a new column, orders by
transaction start rather than commit, and lets any long transaction on the server (a report, a
backup) hold every reader back; a serialised append is simpler and exact.  Tables created by
earlier versions already have ``seq``: no upgrade is needed.  SQLite through SQLAlchemy
serialises writers by itself; on other databases the feed is exact only if their writers are
serialised too.

>>> store = SQLAlchemyLedgerStore("sqlite://")     # any SQLAlchemy URL or Engine
>>> store.version("C1")
0
>>> store.close()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from o2c.adapters import require
from o2c.errors import ConcurrencyError, DuplicateFactError, StorageError, ValidationError
from o2c.ledger.facts import Fact, fact_to_json, facts_from_json
from o2c.ledger.store import DEFAULT_FEED_LIMIT, ChangeBatch, Cursor, check_batch, check_limit

if TYPE_CHECKING:
    import sqlalchemy as sa

__all__ = ["SQLAlchemyLedgerStore"]

_CHUNK = 500
#: Rows a streaming read fetches and decodes at a time (one JSON parse per batch): a batch of
#: facts of a few hundred bytes each is a few hundred KiB, so a stream's memory stays flat.
FETCH_ROWS = 1000
#: The second key of the feed lock (``pg_advisory_xact_lock(hashtext(table), key)``): any
#: fixed number; the two-key lock space is apart from the one-key space of the stream locks.
_FEED_LOCK = 0x0FEED


def _sa() -> Any:
    return require("sqlalchemy", extra="sql", feature="the SQLAlchemy ledger store")


def _encode_row(fact: Fact, version: int) -> dict[str, Any]:
    """The row stored for ``fact`` at ``version`` of its stream."""
    return {
        "fact_id": fact.fact_id,
        "customer_id": fact.customer_id,
        "version": version,
        "kind": fact.kind.value,
        "effective": fact.effective,
        "recorded_at": fact.recorded_at,
        "payload": fact_to_json(fact),
    }


def _rows(facts: Sequence[Fact], expected: Mapping[str, int]) -> Iterator[dict[str, Any]]:
    versions = dict(expected)
    for fact in facts:
        versions[fact.customer_id] += 1
        # A module global looked up per row: a test can stand in for it to stop mid-batch.
        yield _encode_row(fact, versions[fact.customer_id])


def _table(sa: Any, metadata: Any, name: str) -> Any:
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    return sa.Table(
        name,
        metadata,
        sa.Column("seq", big, primary_key=True, autoincrement=True),
        sa.Column("fact_id", sa.String(200), nullable=False),
        sa.Column("customer_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("effective", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.UniqueConstraint("fact_id", name=f"{name}_fact_id_key"),
        sa.UniqueConstraint("customer_id", "version", name=f"{name}_stream_key"),
        sa.Index(f"{name}_effective_idx", "effective"),
    )


class SQLAlchemyLedgerStore:
    """Facts in a SQL database through SQLAlchemy Core.

    Args:
        url: a SQLAlchemy URL (``postgresql+psycopg://user@host:port/db``) or an ``Engine``.
        table_name: the table to keep facts in.
        create: create the table and its indexes when missing.

    Raises:
        MissingExtraError: SQLAlchemy is not installed (``pip install "o2c[sql]"``).
        ValidationError: ``url`` is not a SQLAlchemy URL (or names a dialect not installed).
        StorageError: the database cannot be reached or prepared.
    """

    def __init__(
        self, url: str | sa.Engine, *, table_name: str = "ledger_facts", create: bool = True
    ) -> None:
        sql = _sa()
        self._sa = sql
        self._owns_engine = isinstance(url, str)
        try:
            self.engine: sa.Engine = sql.create_engine(url) if isinstance(url, str) else url
        except sql.exc.ArgumentError as exc:  # unparsable, or a dialect that is not installed
            raise ValidationError(
                f"url={url!r} is not a usable SQLAlchemy database URL ({exc}): write it as "
                "dialect+driver://user@host:port/database, e.g. postgresql+psycopg://...",
                field="url",
                value=url,
            ) from None
        self._postgres = self.engine.dialect.name == "postgresql"
        self.table = _table(sql, sql.MetaData(), table_name)
        if create:
            try:
                self.table.metadata.create_all(self.engine, checkfirst=True)
            except sql.exc.SQLAlchemyError as exc:
                raise StorageError(f"cannot prepare the ledger table {table_name}: {exc}") from exc

    def close(self) -> None:
        """Release the connection pool (of an engine this store created)."""
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> SQLAlchemyLedgerStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _versions(self, conn: Any, customers: Sequence[str]) -> dict[str, int]:
        """Each stream's version: one index descent per stream, whatever its length."""
        sql = self._sa
        if self._postgres:
            table = self.engine.dialect.identifier_preparer.quote(self.table.name)
            query = sql.text(
                f"SELECT u.c, (SELECT f.version FROM {table} f WHERE f.customer_id = u.c "
                "ORDER BY f.version DESC LIMIT 1) FROM unnest(CAST(:cs AS text[])) AS u(c)"
            )
            rows = conn.execute(query, {"cs": list(customers)})
            return {c: int(v or 0) for c, v in rows}
        return {c: int(conn.execute(self._version_query(c)).scalar_one()) for c in customers}

    def _version_query(self, customer_id: str) -> Any:
        sa, t = self._sa, self.table
        return sa.select(sa.func.coalesce(sa.func.max(t.c.version), 0)).where(
            t.c.customer_id == customer_id
        )

    def append(self, facts: Sequence[Fact], *, expected_versions: Mapping[str, int]) -> None:
        """Store the batch in one transaction if each stream is at its expected version.

        Raises:
            ConcurrencyError: a stream is at another version (nothing is stored).
            DuplicateFactError: a fact id is already stored (nothing is stored).
            StorageError: the database failed (nothing is stored).
        """
        sql = self._sa
        batch = list(facts)
        customers = check_batch(batch, expected_versions)
        if not batch:
            return
        try:
            with self.engine.begin() as conn:
                if self._postgres:
                    # One lock per stream, taken in sorted order so writers never deadlock.
                    conn.execute(
                        sql.text(
                            "SELECT pg_advisory_xact_lock(hashtextextended(c, 7)) FROM "
                            "unnest(CAST(:cs AS text[])) WITH ORDINALITY AS u(c, n) ORDER BY n"
                        ),
                        {"cs": sorted(customers)},
                    )
                actual = self._versions(conn, customers)
                for customer in customers:
                    if actual.get(customer, 0) != expected_versions[customer]:
                        raise ConcurrencyError(
                            customer, expected_versions[customer], actual.get(customer, 0)
                        )
                if self._postgres:
                    # The feed lock, taken last (after every stream lock, so no cycle): seq
                    # values are then allocated and committed in one order (module docstring).
                    conn.execute(
                        sql.text("SELECT pg_advisory_xact_lock(hashtext(:t), :k)"),
                        {"t": self.table.name, "k": _FEED_LOCK},
                    )
                rows = _rows(batch, expected_versions)
                insert = self.table.insert()
                while chunk := list(islice(rows, _CHUNK)):
                    conn.execute(insert, chunk)
        except sql.exc.IntegrityError as exc:
            raise self._integrity(exc, batch, customers, expected_versions) from exc
        except sql.exc.OperationalError as exc:
            # A deadlock or serialisation failure: another writer won; retrying is safe.
            if getattr(exc.orig, "sqlstate", None) in {"40001", "40P01"}:
                raise self._integrity(exc, batch, customers, expected_versions) from exc
            raise StorageError(f"appending to the ledger table failed: {exc}") from exc
        except sql.exc.SQLAlchemyError as exc:
            raise StorageError(f"appending to the ledger table failed: {exc}") from exc

    def _integrity(
        self,
        exc: Exception,
        batch: Sequence[Fact],
        customers: Sequence[str],
        expected: Mapping[str, int],
    ) -> Exception:
        # A stream that moved first: whoever won (even with the very same facts, whose ids
        # then collide too) makes this a lost race, which the caller can retry.
        for customer in customers:
            actual = self.version(customer)
            if actual != expected[customer]:
                return ConcurrencyError(customer, expected[customer], actual)
        orig = getattr(exc, "orig", exc)
        diag = getattr(orig, "diag", None)
        constraint = getattr(diag, "constraint_name", None) or str(orig)
        if f"{self.table.name}_fact_id_key" in constraint or ".fact_id" in constraint:
            stored = self.get(f.fact_id for f in batch)
            fact_id = next(iter(stored), None)
            return DuplicateFactError(
                f"fact id {fact_id!r} is already stored", field="fact_id", value=fact_id
            )
        return StorageError(f"appending to the ledger table failed: {exc}")

    def version(self, customer_id: str) -> int:
        """The number of facts in the customer's stream."""
        try:
            with self.engine.connect() as conn:
                return int(conn.execute(self._version_query(customer_id)).scalar_one())
        except self._sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"reading the ledger table failed: {exc}") from exc

    def read_customer(self, customer_id: str, *, after_version: int = 0) -> list[Fact]:
        """The customer's facts after the first ``after_version``, in stream order."""
        t = self.table
        query = (
            self._sa.select(t.c.payload)
            .where(t.c.customer_id == customer_id, t.c.version > after_version)
            .order_by(t.c.version)
        )
        try:
            with self.engine.connect() as conn:
                payloads = list(conn.execute(query).scalars())
            return facts_from_json(payloads, validate=False)
        except self._sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"reading the ledger table failed: {exc}") from exc

    def get(self, fact_ids: Iterable[str]) -> dict[str, Fact]:
        """The stored facts among ``fact_ids``."""
        ids = list(dict.fromkeys(fact_ids))
        t = self.table
        found: dict[str, Fact] = {}
        try:
            with self.engine.connect() as conn:
                for start in range(0, len(ids), _CHUNK):
                    query = self._sa.select(t.c.fact_id, t.c.payload).where(
                        t.c.fact_id.in_(ids[start : start + _CHUNK])
                    )
                    rows = conn.execute(query).all()
                    facts = facts_from_json([payload for _, payload in rows], validate=False)
                    found.update(zip((fact_id for fact_id, _ in rows), facts, strict=True))
        except self._sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"reading the ledger table failed: {exc}") from exc
        return found

    def read_range(
        self, start: dt.date, end: dt.date, *, customer_id: str | None = None
    ) -> Iterator[Fact]:
        """The facts effective from ``start`` to ``end`` inclusive, in append order."""
        t = self.table
        query = self._sa.select(t.c.payload).where(t.c.effective.between(start, end))
        if customer_id is not None:
            query = query.where(t.c.customer_id == customer_id)
        return self._facts(query.order_by(t.c.seq))

    def iter_all(self) -> Iterator[Fact]:
        """Every fact, in append order, from one consistent snapshot (streamed)."""
        return self._facts(self._sa.select(self.table.c.payload).order_by(self.table.c.seq))

    def iter_by_customer(self) -> Iterator[Fact]:
        """Every fact, customer by customer (by customer id), each stream in order (streamed)."""
        t = self.table
        query = self._sa.select(t.c.payload).order_by(t.c.customer_id, t.c.version)
        return self._facts(query)

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
        t = self.table
        query = (
            self._sa.select(t.c.seq, t.c.payload)
            .where(t.c.seq > start)
            .order_by(t.c.seq)
            .limit(limit)
        )
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
        except self._sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"reading the ledger table failed: {exc}") from exc
        facts = tuple(facts_from_json([payload for _, payload in rows], validate=False))
        return ChangeBatch(facts, Cursor(int(rows[-1][0]) if rows else start))

    def iter_payloads(self) -> Iterator[str]:
        """Every fact's stored JSON, in append order (for exports and benchmarks)."""
        t = self.table
        return self._stream(self._sa.select(t.c.payload).order_by(t.c.seq))

    def _stream(self, query: Any) -> Iterator[str]:
        for payloads in self._stream_batches(query):
            yield from payloads

    def _facts(self, query: Any) -> Iterator[Fact]:
        """The facts of the payloads ``query`` selects, decoded a batch at a time."""
        for payloads in self._stream_batches(query):
            yield from facts_from_json(payloads, validate=False)

    def _stream_batches(self, query: Any) -> Iterator[list[str]]:
        # One statement on a server-side cursor: one snapshot, streamed in chunks.
        try:
            with self.engine.connect() as conn:
                result = conn.execution_options(stream_results=True, yield_per=FETCH_ROWS).execute(
                    query
                )
                for chunk in result.scalars().partitions(FETCH_ROWS):
                    yield list(chunk)
        except self._sa.exc.SQLAlchemyError as exc:
            raise StorageError(f"reading the ledger table failed: {exc}") from exc
