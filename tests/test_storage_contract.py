"""The LedgerStore contract, run on every adapter: in-memory, SQLite, PostgreSQL (SQLAlchemy).

Besides the port's plain behaviour: concurrent writers (threads and processes) never
over-apply and the loser gets ConcurrencyError; a writer killed mid-batch leaves nothing
partial; readers running beside a writer see whole batches only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest

from o2c.errors import (
    ConcurrencyError,
    DuplicateFactError,
    OverApplicationError,
    StorageError,
    ValidationError,
)
from o2c.ledger import Fact, Ledger
from o2c.ledger.store import ChangeBatch, Cursor, InMemoryLedgerStore
from o2c.ports import LedgerStore
from tests.test_ledger import allocation, at, day, invoice, payment

_SPAWN = multiprocessing.get_context("spawn")


@attrs.define
class Backend:
    """An adapter under test: ``make()`` opens another handle on the same storage."""

    name: str
    make: Callable[[], LedgerStore]
    #: How a child process opens the same storage (None: only in this process).
    spec: tuple[str, str] | None


def open_store(spec: tuple[str, str]) -> LedgerStore:
    kind, where = spec
    if kind == "sqlite":
        from o2c.adapters.sqlite import SQLiteLedgerStore

        return SQLiteLedgerStore(where)
    from o2c.adapters.sqlalchemy import SQLAlchemyLedgerStore

    return SQLAlchemyLedgerStore(where)


def _closing(stores: list[Any]) -> None:
    for store in stores:
        close = getattr(store, "close", None)
        if close is not None:
            close()


@contextlib.contextmanager
def _backend(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    opened: list[Any] = []

    def opener(spec: tuple[str, str]) -> Callable[[], LedgerStore]:
        def make() -> LedgerStore:
            opened.append(open_store(spec))
            return opened[-1]  # type: ignore[no-any-return]

        return make

    if kind == "memory":
        shared = InMemoryLedgerStore()
        yield Backend("memory", lambda: shared, None)
    elif kind == "sqlite":
        spec = ("sqlite", str(tmp_path / "ledger.sqlite"))
        yield Backend("sqlite", opener(spec), spec)
    else:
        from tests.pg import fresh_database

        with fresh_database(request.getfixturevalue("postgres_url")) as url:
            spec = ("postgres", url)
            try:
                yield Backend("postgres", opener(spec), spec)
            finally:
                _closing(opened)
    _closing(opened)


_POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


@pytest.fixture(params=["memory", "sqlite", _POSTGRES])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Every adapter."""
    with _backend(request.param, request, tmp_path) as found:
        yield found


@pytest.fixture(params=["sqlite", _POSTGRES])
def persistent(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """The adapters whose storage outlives the process (shared by processes, reopened)."""
    with _backend(request.param, request, tmp_path) as found:
        yield found


def _seed(store: LedgerStore, payments: int = 1) -> None:
    facts: list[Fact] = [invoice("i", "I", "100.00")]
    facts += [payment(f"p{n}", f"P{n}", "100.00") for n in range(payments)]
    store.append(facts, expected_versions={"C1": 0})


# ------------------------------------------------------------------------------ the port


def test_append_and_read_back_in_every_way(backend: Backend) -> None:
    store = backend.make()
    assert isinstance(store, LedgerStore)
    first = [invoice("i1", "I1", "10.00", effective=1), payment("p1", "P1", "5.00", effective=3)]
    other = [invoice("j1", "J1", "7.00", customer="C2", effective=2)]
    store.append(first + other, expected_versions={"C1": 0, "C2": 0})
    store.append(
        [allocation("a1", "P1", "I1", "5.00", effective=4, recorded=1)],
        expected_versions={"C1": 2},
    )
    reopened = backend.make()
    assert (reopened.version("C1"), reopened.version("C2"), reopened.version("C3")) == (3, 1, 0)
    assert [f.fact_id for f in reopened.read_customer("C1")] == ["i1", "p1", "a1"]
    assert [f.fact_id for f in reopened.read_customer("C1", after_version=2)] == ["a1"]
    assert reopened.read_customer("C1") == [*first, reopened.get(["a1"])["a1"]]
    assert set(reopened.get(["i1", "j1", "zz"])) == {"i1", "j1"}
    assert reopened.get(["j1"])["j1"] == other[0]
    assert [f.fact_id for f in reopened.read_range(day(2), day(3))] == ["p1", "j1"]
    assert [f.fact_id for f in reopened.read_range(day(1), day(9), customer_id="C2")] == ["j1"]
    assert [f.fact_id for f in reopened.iter_all()] == ["i1", "p1", "j1", "a1"]
    assert [f.fact_id for f in reopened.iter_by_customer()] == ["i1", "p1", "a1", "j1"]


def test_the_customer_master_round_trips_through_every_store(backend: Backend) -> None:
    """Every kind of master fact, each field given, comes back equal (the stores serialise facts
    generically), and so does the master read from the store."""
    from o2c.ledger import CustomerAliasRemoved, CustomerField, MasterSource, read
    from tests import test_customer_master as cm

    facts: list[Fact] = [
        attrs.evolve(cm.registered(effective=1, recorded=1), details=cm.FULL),
        cm.changed("chg", effective=2, recorded=2, terms="NET60", cleared=(CustomerField.LOCALE,)),
        cm.linked("lnk", cm.IBAN, effective=2, recorded=2, bic="COBADEFFXXX", holder_name="Acme",
                  source=MasterSource.CONFIRMED_PAYMENT, payment_id="B1"),
        cm.alias("als", "Acme Berlin", effective=2, recorded=2),
        cm.unlinked("unl", cm.IBAN, effective=3, recorded=3),
        CustomerAliasRemoved(
            fact_id="rma", customer_id="C1", effective=cm.day(3), recorded_at=cm.at(3),
            alias="Acme Berlin",
        ),
    ]  # fmt: skip
    Ledger(backend.make()).append(facts)
    reopened = Ledger(backend.make())
    assert list(reopened.facts("C1")) == facts
    assert reopened.store.get(["reg:C1"])["reg:C1"] == facts[0]
    assert reopened.read().customer_master() == read(facts).customer_master()
    assert reopened.append(facts).appended == ()


def test_wrong_expected_version_is_a_concurrency_error_and_stores_nothing(backend: Backend) -> None:
    store = backend.make()
    _seed(store)
    with pytest.raises(ConcurrencyError) as info:
        store.append(
            [payment("x", "X", "1.00", customer="C2"), payment("y", "Y", "1.00")],
            expected_versions={"C2": 0, "C1": 1},
        )
    assert (info.value.stream, info.value.expected, info.value.actual) == ("C1", 1, 2)
    assert (store.version("C1"), store.version("C2")) == (2, 0)
    assert store.get(["x", "y"]) == {}


def test_duplicate_id_and_missing_expected_version_store_nothing(backend: Backend) -> None:
    store = backend.make()
    _seed(store)
    with pytest.raises(DuplicateFactError):
        store.append(
            [
                payment("new", "N", "1.00", customer="C2"),
                payment("p0", "P9", "1.00", customer="C2"),
            ],
            expected_versions={"C2": 0},
        )
    with pytest.raises(ValidationError, match="expected version"):
        store.append([payment("z", "Z", "1.00", customer="C3")], expected_versions={})
    assert [f.fact_id for f in store.iter_all()] == ["i", "p0"]


def test_a_failure_in_the_middle_of_a_batch_leaves_nothing(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = backend.make()
    _seed(store)
    batch = [payment(f"q{n}", f"Q{n}", "1.00", recorded=n) for n in range(1200)]
    if backend.name != "memory":
        import o2c.adapters.sqlalchemy as sqla_module
        import o2c.adapters.sqlite as sqlite_module

        module: Any = sqlite_module if backend.name == "sqlite" else sqla_module
        original = module._encode_row

        def failing(fact: Fact, version: int) -> Any:
            if fact.fact_id == "q1100":
                raise OSError("disk on fire")
            return original(fact, version)

        monkeypatch.setattr(module, "_encode_row", failing)
        with pytest.raises(OSError, match="disk on fire"):
            store.append(batch, expected_versions={"C1": 2})
        monkeypatch.undo()
    else:
        batch.append(batch[0])  # a duplicate at the end
        with pytest.raises(DuplicateFactError):
            store.append(batch, expected_versions={"C1": 2})
    assert backend.make().version("C1") == 2
    assert len(list(backend.make().iter_all())) == 2


# ------------------------------------------------------------------------------ concurrency


def _race(ledger: Ledger, name: str, barrier: Any, expected: int) -> str:
    fact = allocation(f"a-{name}", f"P{name}", "I", "100.00", recorded=1)
    barrier.wait(timeout=60)
    try:
        ledger.append([fact], expected_versions={"C1": expected})
    except ConcurrencyError:
        return "conflict"
    return "ok"


def test_concurrent_threads_one_wins_the_rest_get_concurrency_error(backend: Backend) -> None:
    _seed(backend.make(), payments=4)
    ledgers = [Ledger(backend.make()) for _ in range(4)]
    expected = ledgers[0].version("C1")
    barrier = threading.Barrier(4)
    results: list[str] = []
    threads = [
        threading.Thread(
            target=lambda n=n: results.append(_race(ledgers[n], str(n), barrier, expected))
        )
        for n in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(results) == ["conflict", "conflict", "conflict", "ok"]
    check = Ledger(backend.make())
    assert check.version("C1") == expected + 1
    assert [i.item_id for i in check.open_items(day(1)) if i.item_id == "I"] == []


def test_concurrent_threads_retrying_never_over_apply(backend: Backend) -> None:
    _seed(backend.make(), payments=4)
    barrier = threading.Barrier(4)
    outcome: dict[int, str] = {}

    def worker(n: int) -> None:
        ledger = Ledger(backend.make())
        fact = allocation(f"a{n}", f"P{n}", "I", "30.00", recorded=1)
        barrier.wait(timeout=60)
        for _attempt in range(50):
            try:
                ledger.append([fact])
            except ConcurrencyError:
                continue
            except OverApplicationError:
                outcome[n] = "refused"
                return
            outcome[n] = "ok"
            return
        outcome[n] = "gave up"

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcome.values()) == ["ok", "ok", "ok", "refused"]
    items = {i.item_id: i.open_amount.amount for i in Ledger(backend.make()).open_items(day(1))}
    assert items["I"] == Decimal("10.00")


def _process_race(spec: tuple[str, str], name: str, barrier: Any, queue: Any) -> None:
    store = open_store(spec)
    ledger = Ledger(store)
    expected = ledger.version("C1")
    try:
        queue.put((name, _race(ledger, name, barrier, expected)))
    except Exception as exc:  # reported to the parent, which fails the test
        queue.put((name, repr(exc)))
    finally:
        _closing([store])


def test_concurrent_processes_one_wins_the_rest_get_concurrency_error(persistent: Backend) -> None:
    assert persistent.spec is not None
    _seed(persistent.make(), payments=3)
    barrier = _SPAWN.Barrier(3)
    queue = _SPAWN.Queue()
    procs = [
        _SPAWN.Process(target=_process_race, args=(persistent.spec, str(n), barrier, queue))
        for n in range(3)
    ]
    for p in procs:
        p.start()
    results = sorted(queue.get(timeout=120)[1] for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert results == ["conflict", "conflict", "ok"]
    ledger = Ledger(persistent.make())
    assert ledger.version("C1") == 5
    assert "I" not in {i.item_id for i in ledger.open_items(day(1))}


def _append_and_hang(spec: tuple[str, str], started: Any) -> None:
    """Append 2,000 facts; after 1,100 rows are written inside the transaction, hang."""
    import time

    import o2c.adapters.sqlalchemy as sqla_module
    import o2c.adapters.sqlite as sqlite_module

    module: Any = sqlite_module if spec[0] == "sqlite" else sqla_module
    original = module._encode_row
    count = 0

    def slow(fact: Fact, version: int) -> Any:
        nonlocal count
        count += 1
        if count == 1100:
            started.set()
            time.sleep(600)
        return original(fact, version)

    module._encode_row = slow
    store = open_store(spec)
    batch = [payment(f"k{n}", f"K{n}", "1.00", recorded=n) for n in range(2000)]
    store.append(batch, expected_versions={"C1": store.version("C1")})


def test_a_writer_killed_mid_batch_leaves_nothing_partial(persistent: Backend) -> None:
    assert persistent.spec is not None
    _seed(persistent.make())
    started = _SPAWN.Event()
    proc = _SPAWN.Process(target=_append_and_hang, args=(persistent.spec, started))
    proc.start()
    try:
        assert started.wait(timeout=120), "the writer never got into its batch"
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.join(timeout=60)
    assert proc.exitcode == -signal.SIGKILL
    store = persistent.make()
    assert store.version("C1") == 2
    assert [f.fact_id for f in store.iter_all()] == ["i", "p0"]
    # The stream is writable again (no lock left behind).
    Ledger(store).append([allocation("a", "P0", "I", "100.00", recorded=1)])
    assert persistent.make().version("C1") == 3


def test_readers_beside_a_writer_see_whole_batches_only(backend: Backend) -> None:
    size, batches = 25, 24
    writer_store = backend.make()
    readers = [backend.make() for _ in range(2)]
    done = threading.Event()
    seen: list[int] = []
    problems: list[str] = []

    def write() -> None:
        try:
            for b in range(batches):
                facts = [payment(f"w{b}-{n}", f"W{b}-{n}", "1.00", recorded=b) for n in range(size)]
                writer_store.append(facts, expected_versions={"C1": b * size})
        finally:
            done.set()

    def read(store: LedgerStore) -> None:
        while not done.is_set():
            snapshots = (
                store.read_customer("C1"),
                list(store.iter_all()),
                list(store.iter_by_customer()),
            )
            for facts in snapshots:
                seen.append(len(facts))
                ids = [f.fact_id for f in facts]
                expected = [f"w{b}-{n}" for b in range(len(ids) // size) for n in range(size)]
                if ids != expected:
                    problems.append(f"saw {len(ids)} facts, not whole batches in order")

    threads = [threading.Thread(target=read, args=(r,)) for r in readers]
    threads.append(threading.Thread(target=write))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert problems == []
    assert backend.make().version("C1") == size * batches
    assert seen, "the readers never read"


def test_storage_failure_is_a_storage_error(tmp_path: Path) -> None:
    from o2c.adapters.sqlite import SQLiteLedgerStore

    path = tmp_path / "not-a-db.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError):
        SQLiteLedgerStore(path)


def test_recorded_text_sorts_like_the_times() -> None:
    from o2c.adapters.sqlite import recorded_text

    plus_two = dt.timezone(dt.timedelta(hours=2))
    times = [
        at(0),
        at(0) + dt.timedelta(microseconds=1),
        dt.datetime(2026, 1, 1, 11, tzinfo=plus_two),
    ]
    assert sorted(times) == sorted(times, key=recorded_text)


# ------------------------------------------------------------------------------ lost races
# A writer overtaken by another gets ConcurrencyError (retryable), never InvalidFactError or
# DuplicateFactError: whether the other writer stored the very same facts meanwhile, or facts
# recorded after this writer's recording time.


class _Overtaking:
    """A store on which a rival writer commits once, right after ``get`` or before ``append``."""

    def __init__(self, store: LedgerStore, window: str, rival: Callable[[], object]) -> None:
        self._store = store
        self._window = window
        self._rival: Callable[[], object] | None = rival

    def _overtake(self, window: str) -> None:
        if self._rival is not None and window == self._window:
            rival, self._rival = self._rival, None
            rival()

    def get(self, fact_ids: Any) -> dict[str, Fact]:
        found = self._store.get(fact_ids)
        self._overtake("get")
        return found

    def append(self, facts: Any, *, expected_versions: Any) -> None:
        self._overtake("append")
        self._store.append(facts, expected_versions=expected_versions)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.mark.parametrize("window", ["get", "append"])
def test_a_writer_overtaken_by_an_identical_batch_gets_concurrency_error(
    backend: Backend, window: str
) -> None:
    _seed(backend.make())
    batch = [
        allocation("a", "P0", "I", "60.00", recorded=1),
        payment("p9", "P9", "5.00", recorded=1),
    ]
    rival = Ledger(backend.make())
    loser = Ledger(_Overtaking(backend.make(), window, lambda: rival.append(batch)))  # type: ignore[arg-type]
    with pytest.raises(ConcurrencyError) as info:
        loser.append(batch)
    assert (info.value.stream, info.value.expected, info.value.actual) == ("C1", 2, 4)
    check = Ledger(backend.make())
    assert [f.fact_id for f in check.facts("C1")] == ["i", "p0", "a", "p9"]
    # The retry finds its facts stored: a no-op.
    again = loser.append(batch)
    assert (again.appended, set(again.unchanged)) == ((), {"a", "p9"})


def test_a_store_refuses_an_identical_batch_stored_meanwhile_as_a_lost_race(
    backend: Backend,
) -> None:
    store = backend.make()
    _seed(store)
    batch = [payment("x", "X", "1.00", recorded=1)]
    backend.make().append(batch, expected_versions={"C1": 2})
    with pytest.raises(ConcurrencyError) as info:
        store.append(batch, expected_versions={"C1": 2})
    assert (info.value.expected, info.value.actual) == (2, 3)


@pytest.mark.parametrize("cached", [True, False], ids=["ledger-had-read-it", "new-ledger"])
def test_a_writer_whose_stream_moved_past_its_recording_time_gets_concurrency_error(
    backend: Backend, cached: bool
) -> None:
    _seed(backend.make())  # recorded at minute 0
    writer = Ledger(backend.make())
    if cached:
        writer.append([payment("w", "W", "1.00", recorded=1)])
    # The writer decides at minute 5; meanwhile another writer records a fact at minute 10.
    Ledger(backend.make()).append([payment("r", "R", "2.00", recorded=10)])
    decided = allocation("a", "P0", "I", "50.00", recorded=5)
    with pytest.raises(ConcurrencyError) as info:
        writer.append([decided])
    before = 3 if cached else 2
    assert (info.value.expected, info.value.actual) == (before, before + 1)
    assert "a" not in {f.fact_id for f in Ledger(backend.make()).facts("C1")}
    # Retried with the current time, it goes in.
    writer.append([attrs.evolve(decided, recorded_at=at(11))])
    assert Ledger(backend.make()).version("C1") == before + 2


def test_a_recording_time_behind_what_the_writer_saw_stays_its_own_mistake(
    backend: Backend,
) -> None:
    from o2c.errors import InvalidFactError

    _seed(backend.make())
    writer = Ledger(backend.make())
    writer.append([payment("w", "W", "1.00", recorded=10)])
    with pytest.raises(InvalidFactError, match="recording times only move forward"):
        writer.append([payment("x", "X", "1.00", recorded=5)])
    seen = writer.version("C1")
    fresh = Ledger(backend.make())
    with pytest.raises(InvalidFactError, match="recording times only move forward"):
        fresh.append([payment("x", "X", "1.00", recorded=5)], expected_versions={"C1": seen})


@pytest.mark.parametrize("where", ["sqlite-url", _POSTGRES])
def test_sqlalchemy_reports_a_race_it_did_not_lock_out_as_concurrency_error(
    where: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Both writers passed the version check (no lock on this database, or the check raced):
    the unique keys stop the second, and the error names the lost race, not a duplicate."""
    from o2c.adapters.sqlalchemy import SQLAlchemyLedgerStore

    with contextlib.ExitStack() as stack:
        if where == "sqlite-url":
            url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        else:
            from tests.pg import fresh_database

            url = stack.enter_context(fresh_database(request.getfixturevalue("postgres_url")))
        winner = stack.enter_context(SQLAlchemyLedgerStore(url))
        loser = stack.enter_context(SQLAlchemyLedgerStore(url))
        _seed(winner)
        batch = [payment("x", "X", "1.00", recorded=1)]
        winner.append(batch, expected_versions={"C1": 2})
        loser._versions = lambda conn, customers: {"C1": 2}  # type: ignore[method-assign]
        with pytest.raises(ConcurrencyError) as info:
            loser.append(batch, expected_versions={"C1": 2})
        assert (info.value.expected, info.value.actual) == (2, 3)


# ------------------------------------------------------------------------------ change feed


def _drain(store: LedgerStore, after: Cursor | None = None, *, limit: int = 3) -> list[str]:
    """Every fact id the feed gives from ``after``, reading ``limit`` at a time."""
    ids: list[str] = []
    cursor = after
    while True:
        batch = store.changes(cursor, limit=limit)
        assert len(batch.facts) <= limit
        ids += [f.fact_id for f in batch.facts]
        if not batch.facts:
            assert batch.cursor == (cursor or Cursor())
            return ids
        assert cursor is None or batch.cursor.position > cursor.position
        cursor = batch.cursor


def test_the_feed_gives_every_fact_once_in_commit_order_and_resumes(backend: Backend) -> None:
    store = backend.make()
    assert store.changes() == ChangeBatch((), Cursor())
    store.append(
        [invoice("i1", "I1", "10.00"), invoice("j1", "J1", "7.00", customer="C2")],
        expected_versions={"C1": 0, "C2": 0},
    )
    store.append([payment(f"p{n}", f"P{n}", "1.00") for n in range(5)], expected_versions={"C1": 1})
    store.append([payment("q", "Q", "1.00", customer="C3")], expected_versions={"C3": 0})
    everything = [f.fact_id for f in store.iter_all()]
    assert everything == ["i1", "j1", "p0", "p1", "p2", "p3", "p4", "q"]
    for limit in (1, 2, 3, 7, 8, 100):
        assert _drain(backend.make(), limit=limit) == everything
    first = store.changes(limit=3)
    assert [f.fact_id for f in first.facts] == everything[:3]
    assert first.facts[0] == store.get(["i1"])["i1"]
    # A cursor saved as text resumes on another handle (another process, after a restart).
    saved = first.cursor.token
    store.append([payment("r", "R", "1.00", customer="C3")], expected_versions={"C3": 1})
    assert _drain(backend.make(), Cursor.parse(saved)) == [*everything[3:], "r"]
    end = backend.make().changes(Cursor.parse(saved), limit=100).cursor
    assert backend.make().changes(end) == ChangeBatch((), end)
    with pytest.raises(ValidationError, match="limit"):
        store.changes(limit=0)


def test_the_feed_misses_nothing_beside_concurrent_writers(backend: Backend) -> None:
    writers, batches, size = 3, 12, 4
    done = threading.Event()
    followed: list[str] = []
    errors: list[BaseException] = []

    stores = [backend.make() for _ in range(writers + 1)]  # tables made before the threads

    def write(w: int) -> None:
        store = stores[w]
        try:
            for b in range(batches):
                facts = [
                    payment(f"w{w}-{b}-{n}", f"W{w}-{b}-{n}", "1.00", customer=f"C{w}")
                    for n in range(size)
                ]
                store.append(facts, expected_versions={f"C{w}": b * size})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def read() -> None:
        store = stores[-1]
        cursor = Cursor()
        finished = False
        while True:
            batch = store.changes(cursor, limit=5)
            followed.extend(f.fact_id for f in batch.facts)
            cursor = batch.cursor
            if not batch.facts:
                if finished:
                    return
                finished = done.is_set()  # one more read after the writers stopped

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    reader = threading.Thread(target=read)
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    done.set()
    reader.join(timeout=120)
    assert errors == []
    everything = [f.fact_id for f in backend.make().iter_all()]
    assert len(everything) == writers * batches * size
    # No gap, no duplicate, and the order a live reader saw is the stored commit order.
    assert followed == everything
    for w in range(writers):
        mine = [i for i in followed if i.startswith(f"w{w}-")]
        assert mine == [f"w{w}-{b}-{n}" for b in range(batches) for n in range(size)]


def test_the_feed_never_skips_a_batch_that_commits_after_a_later_numbered_one(
    persistent: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long batch holds its first rows' positions; a short one must not commit past it."""
    import time

    import o2c.adapters.sqlalchemy as sqla_module
    import o2c.adapters.sqlite as sqlite_module

    module: Any = sqlite_module if persistent.name == "sqlite" else sqla_module
    original = module._encode_row
    inside, gate = threading.Event(), threading.Event()

    def slow(fact: Fact, version: int) -> Any:
        if fact.fact_id == "a700":  # past the first chunk of 500 rows: those are inserted
            inside.set()
            gate.wait(timeout=60)
        return original(fact, version)

    monkeypatch.setattr(module, "_encode_row", slow)
    long_store, short_store, reader = (persistent.make() for _ in range(3))
    long_batch = [payment(f"a{n}", f"A{n}", "1.00", recorded=n) for n in range(1000)]
    short_batch = [payment(f"b{n}", f"B{n}", "1.00", customer="C2") for n in range(3)]
    errors: list[BaseException] = []

    def run(store: LedgerStore, batch: list[Fact], customer: str) -> None:
        try:
            store.append(batch, expected_versions={customer: 0})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    first = threading.Thread(target=run, args=(long_store, long_batch, "C1"))
    first.start()
    try:
        assert inside.wait(timeout=60), "the long batch never got going"
        second = threading.Thread(target=run, args=(short_store, short_batch, "C2"))
        second.start()
        time.sleep(0.5)  # room for the short batch to commit first, were it allowed to
        early = reader.changes(limit=5000)
    finally:
        gate.set()
        first.join(timeout=120)
    second.join(timeout=120)
    assert errors == []
    late = reader.changes(early.cursor, limit=5000)
    ids = [f.fact_id for f in early.facts + late.facts]
    assert sorted(ids) == sorted(f.fact_id for f in long_batch + short_batch)
    assert len(ids) == len(set(ids))
