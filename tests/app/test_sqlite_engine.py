"""The SQLite engine (`app.kernel.db.PooledSQLiteEngine`): queries outside a transaction reuse
open connections, stay correct when many run at once beside a writer, never reuse a
connection left in a bad state, keep pools per event loop, and transactions close their
connection whatever fails."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from piccolo.querystring import QueryString

from app.kernel.db import PooledSQLiteEngine, engine, write_transaction
from app.tables import KeyValue
from tests.helpers import sqlite_only

pytestmark = sqlite_only

EXPIRES = datetime(2030, 1, 1, tzinfo=UTC)
SLOW_QUERY = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000) SELECT count(*) AS n FROM c"
)


def db() -> PooledSQLiteEngine:
    found = engine()
    assert isinstance(found, PooledSQLiteEngine)
    return found


def worker_threads() -> list[threading.Thread]:
    """aiosqlite's connection threads that are still running."""
    return [t for t in threading.enumerate() if "_connection_worker_thread" in t.name]


async def wait_for_threads(at_most: int) -> list[threading.Thread]:
    """The worker threads once at most `at_most` run (threads end just after their close)."""
    for _ in range(200):
        if len(worker_threads()) <= at_most:
            break
        await asyncio.sleep(0.01)
    return worker_threads()


@pytest.fixture
async def fresh_pool() -> AsyncIterator[PooledSQLiteEngine]:
    """An empty pool for this loop (so counts start at zero), closed again afterwards."""
    await db().close_connections()
    yield db()
    await db().close_connections()


async def settled_threads() -> int:
    """How many worker threads run once those closing have ended (others may belong elsewhere)."""
    return len(await wait_for_threads(at_most=0))


async def put(key: str) -> None:
    await KeyValue.insert(KeyValue(key=key, value=key.encode(), expires_at=EXPIRES))


async def get(key: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = await KeyValue.select().where(KeyValue.key == key).first()
    return row


async def test_queries_outside_a_transaction_reuse_one_connection(fresh_pool: PooledSQLiteEngine) -> None:
    threads_before = await settled_threads()
    for i in range(30):
        await put(f"k{i}")
        row = await get(f"k{i}")
        assert row is not None and row["value"] == f"k{i}".encode()
    assert await KeyValue.count() == 30
    assert fresh_pool.pool_stats() == {"opened": 1, "idle": 1, "in_use": 0}
    # One thread for all of them, and a daemon: a process that never closes the pool still exits.
    pooled = worker_threads()
    assert len(pooled) == threads_before + 1
    assert all(t.daemon for t in pooled[threads_before:])
    await fresh_pool.close_connections()
    assert len(await wait_for_threads(at_most=threads_before)) == threads_before
    # Closing is not the end: the next query opens a connection again.
    assert await KeyValue.count() == 30


async def test_concurrent_reads_and_writes_outside_transactions(fresh_pool: PooledSQLiteEngine) -> None:
    workers, rounds = 12, 15

    async def worker(w: int) -> int:
        seen = 0
        for i in range(rounds):
            key = f"w{w}-{i}"
            await put(key)
            row = await get(key)  # every write is committed, and visible to the next read
            assert row is not None and row["key"] == key
            seen = await KeyValue.count().where(KeyValue.key.like(f"w{w}-%"))
            assert seen == i + 1
            with pytest.raises(sqlite3.IntegrityError):
                await put(key)  # a failed statement leaves its connection usable
        return seen

    assert await asyncio.gather(*(worker(w) for w in range(workers))) == [rounds] * workers
    assert await KeyValue.count() == workers * rounds
    stats = fresh_pool.pool_stats()
    assert stats["in_use"] == 0
    # Far fewer connections than the 12 * 15 * 4 statements: they were reused.
    assert 1 <= stats["opened"] <= workers
    assert stats["idle"] == min(stats["opened"], fresh_pool.max_idle)


async def test_wal_readers_run_beside_a_writer_holding_the_lock(fresh_pool: PooledSQLiteEngine) -> None:
    await put("before")
    in_transaction = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        async with write_transaction():
            await put("uncommitted")
            in_transaction.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await asyncio.wait_for(in_transaction.wait(), 5)
    # While the write lock is held: many readers at once, none blocked, none seeing the
    # uncommitted row, none joining the writer's transaction.
    rows = await asyncio.wait_for(asyncio.gather(*(get(k) for k in ["before", "uncommitted"] * 10)), 5)
    assert [r is not None for r in rows] == [True, False] * 10
    assert await KeyValue.count() == 1
    release.set()
    await task
    assert await get("uncommitted") is not None
    assert fresh_pool.pool_stats()["in_use"] == 0


async def test_a_cancelled_query_does_not_give_back_its_connection(fresh_pool: PooledSQLiteEngine) -> None:
    await put("x")
    assert fresh_pool.pool_stats() == {"opened": 1, "idle": 1, "in_use": 0}
    task = asyncio.create_task(fresh_pool.run_querystring(QueryString(SLOW_QUERY)))
    await asyncio.sleep(0.05)
    assert fresh_pool.pool_stats()["in_use"] == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Interrupted and closed in its thread, never reused.
    assert fresh_pool.pool_stats() == {"opened": 1, "idle": 0, "in_use": 0}
    assert await get("x") is not None
    assert fresh_pool.pool_stats() == {"opened": 2, "idle": 1, "in_use": 0}


async def test_connection_state_statements_get_their_own_connection(fresh_pool: PooledSQLiteEngine) -> None:
    """A PRAGMA (or BEGIN) through `run_querystring` must not change the pooled connections."""
    await fresh_pool.run_querystring(QueryString("PRAGMA foreign_keys = 0"))
    rows = await fresh_pool.run_querystring(QueryString("PRAGMA foreign_keys"))
    assert rows == [{"foreign_keys": 1}]  # a fresh connection has Piccolo's PRAGMA
    await fresh_pool.run_querystring(QueryString("BEGIN IMMEDIATE"))
    await put("after-begin")  # not stuck behind a transaction left open on a pooled connection
    assert fresh_pool.pool_stats() == {"opened": 1, "idle": 1, "in_use": 0}
    # Foreign keys are enforced on the pooled connections too.
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await fresh_pool.run_querystring(
            QueryString(
                "INSERT INTO accounts_guardian (family, name, phone) VALUES ({}, {}, {})", 999999, "nobody", None
            )
        )


def _count_in_a_new_loop() -> tuple[int, dict[str, int]]:
    async def count() -> tuple[int, dict[str, int]]:
        return await KeyValue.count(), db().pool_stats()

    return asyncio.run(count())


async def test_each_event_loop_has_its_own_pool(fresh_pool: PooledSQLiteEngine) -> None:
    threads_before = await settled_threads()
    await put("shared")
    # Two other loops (each in its own thread, one after the other): their own connections.
    for _ in range(2):
        count, stats = await asyncio.to_thread(_count_in_a_new_loop)
        assert count == 1
        assert stats == {"opened": 1, "idle": 1, "in_use": 0}
    assert fresh_pool.pool_stats() == {"opened": 1, "idle": 1, "in_use": 0}
    # Pools of loops that have ended close when they are noticed: at the latest by
    # close_connections (as app.database.stop would call it).
    await fresh_pool.close_connections()
    assert len(await wait_for_threads(at_most=threads_before)) == threads_before


async def test_a_transaction_that_cannot_begin_closes_its_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """Piccolo's transaction left its connection (a non-daemon thread) open when `BEGIN
    IMMEDIATE` failed with "database is locked": the process then hung at exit."""
    await db().close_connections()
    threads_before = await settled_threads()
    monkeypatch.setitem(db().connection_kwargs, "timeout", 0.05)
    path = os.environ["DATABASE_URL"].split("://", 1)[1]
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        for _ in range(3):
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                async with write_transaction():
                    raise AssertionError("began under a held lock")
        assert db().current_transaction.get() is None
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert len(await wait_for_threads(at_most=threads_before)) == threads_before
    monkeypatch.undo()
    async with write_transaction():
        await put("now")
    assert await get("now") is not None


async def test_a_failed_commit_still_closes_and_ends_the_transaction(fresh_pool: PooledSQLiteEngine) -> None:
    threads_before = await settled_threads()

    async def roll_back_behind_piccolos_back() -> None:
        async with write_transaction() as tx:
            await put("doomed")
            await tx.connection.execute("ROLLBACK")  # COMMIT will now fail: no transaction is active

    with pytest.raises(sqlite3.OperationalError):
        await roll_back_behind_piccolos_back()
    assert db().current_transaction.get() is None
    assert len(await wait_for_threads(at_most=threads_before)) == threads_before
    assert await get("doomed") is None
    await put("later")  # outside any transaction again
    assert await get("later") is not None


async def test_pool_keeps_at_most_max_idle(fresh_pool: PooledSQLiteEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    await fresh_pool.close_connections()
    monkeypatch.setattr(fresh_pool, "max_idle", 2)
    # Five slow statements at once: nobody waits for a connection, five are opened.
    slow = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT count(*) AS n FROM c"
    )
    results = await asyncio.gather(*(fresh_pool.run_querystring(QueryString(slow)) for _ in range(5)))
    assert results == [[{"n": 200000}]] * 5
    assert fresh_pool.pool_stats() == {"opened": 5, "idle": 2, "in_use": 0}


async def test_write_transactions_of_one_loop_take_the_lock_in_arrival_order(fresh_pool: PooledSQLiteEngine) -> None:
    """SQLite's busy handler polls and is unfair: under a burst some writers starved past the
    busy timeout (503). In one process they queue first-come first-served instead."""
    order: list[int] = []
    holding = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with write_transaction():
            holding.set()
            await release.wait()
            order.append(0)

    async def writer(n: int) -> None:
        async with write_transaction():
            await put(f"w{n}")
            order.append(n)

    blocker = asyncio.create_task(first())
    await holding.wait()
    writers = []
    gate = fresh_pool._pool().write_gate
    for n in range(1, 11):
        writers.append(asyncio.create_task(writer(n)))
        # Arrival order at the gate: opening a connection first takes a thread hop of its own,
        # whose time varies on a busy machine, so wait until this writer is queued.
        async with asyncio.timeout(10):
            while len(gate._waiters or ()) < n:  # type: ignore[attr-defined]
                await asyncio.sleep(0.001)
    release.set()
    await asyncio.wait_for(asyncio.gather(blocker, *writers), 10)
    assert order == list(range(11))
    assert await KeyValue.count() == 10


async def test_waiting_for_the_write_lock_is_bounded_by_the_busy_timeout(
    fresh_pool: PooledSQLiteEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.errors import is_database_busy

    holding = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with write_transaction():
            holding.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await holding.wait()
    monkeypatch.setitem(fresh_pool.connection_kwargs, "timeout", 0.05)
    try:
        with pytest.raises(sqlite3.OperationalError, match="database is locked") as waited:
            await write_transaction().__aenter__()
        assert is_database_busy(waited.value)  # answered 503 database_busy by app.errors
        assert fresh_pool.current_transaction.get() is None
    finally:
        release.set()
        await task
    monkeypatch.undo()
    async with write_transaction():  # the gate was left free
        await put("after")
    assert await get("after") is not None


async def test_write_transactions_share_one_writer_connection(fresh_pool: PooledSQLiteEngine) -> None:
    """Behind the write gate every write transaction of a loop runs on one kept connection
    (a connection and its thread per transaction cost ~2 ms), in `synchronous=NORMAL`; one that
    did not end cleanly is closed, and the next opens a new one."""
    await fresh_pool.close_connections()
    threads_before = await settled_threads()
    for i in range(20):
        async with write_transaction():
            await put(f"t{i}")

    async def change_my_mind() -> None:
        async with write_transaction():
            await put("rolled back")
            raise RuntimeError("changed my mind")  # rolled back cleanly: the connection stays

    async def end_badly() -> None:
        async with write_transaction() as transaction:
            assert transaction.connection is writer
            await transaction.connection.execute("ROLLBACK")  # COMMIT will fail: not a clean end

    with pytest.raises(RuntimeError):
        await change_my_mind()
    assert len(worker_threads()) == threads_before + 1
    async with write_transaction() as transaction:
        writer = transaction.connection
        assert await writer.execute_fetchall("PRAGMA synchronous") == [{"synchronous": 1}]  # NORMAL
    with pytest.raises(sqlite3.OperationalError):
        await end_badly()
    assert await get("rolled back") is None and await KeyValue.count() == 20
    async with write_transaction() as transaction:
        assert transaction.connection is not writer  # the failed one was closed
    await fresh_pool.close_connections()
    assert len(await wait_for_threads(at_most=threads_before)) == threads_before
