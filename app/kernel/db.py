"""The one place that knows the difference between the engines.

SQLite: writes take the lock at BEGIN (`IMMEDIATE`), else two readers upgrading to writers
deadlock into "database is locked". PostgreSQL: a plain transaction; invariants are held by
conditional updates and unique indexes inside it.

`PooledSQLiteEngine` is the SQLite engine: Piccolo's opens an aiosqlite connection (a thread,
the connect, `PRAGMA foreign_keys`, the close) for every query outside a transaction, which
was most of the CPU of a check-in (docs/benchmarks.md, SQLite). Ours keeps those connections
open for the next query; transactions still get a connection of their own, as in Piccolo, and
the write transactions of a process queue for SQLite's lock in arrival order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sqlite3
import threading
import weakref
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import aiosqlite
from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

from app.kernel import piccolo_fk

piccolo_fk.install()


@cache
def engine() -> Engine:  # type: ignore[type-arg]
    found = engine_finder()
    if found is None:
        raise RuntimeError("no Piccolo engine configured (PICCOLO_CONF)")
    return found


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


def write_transaction() -> Any:
    """An async context manager: a write transaction, nested calls join the outer one."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


async def serialize_on(key: str) -> None:
    """Inside a `write_transaction()`: transactions naming the same key run one after the
    other until commit (a check-then-insert such as "one SMS code a minute per phone").
    SQLite's write transactions are serial already; PostgreSQL takes a transaction-scoped
    advisory lock on the key's hash."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return
    await db.run_querystring(QueryString("SELECT pg_advisory_xact_lock(hashtext({}))", key))


async def write_statement(statement: QueryString) -> list[dict[str, Any]]:
    """One writing statement that needs no transaction around it (it commits by itself). On
    SQLite outside a transaction it waits its turn at the process's write gate like a write
    transaction, so a stream of such statements cannot starve the transactions (and runs on a
    pooled connection: one thread hop, not a connection and BEGIN/COMMIT of its own)."""
    db = engine()
    if isinstance(db, PooledSQLiteEngine) and db.current_transaction.get() is None:
        gate = await db._enter_write_gate()
        try:
            rows = await db.run_querystring(statement)
        finally:
            gate.release()
    else:
        rows = await db.run_querystring(statement)
    return list(rows or [])


def is_unique_violation(exc: BaseException) -> bool:
    """True when `exc` is a unique-constraint failure on either engine."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg ships with the postgres extra
        return False
    return isinstance(exc, asyncpg.UniqueViolationError)


# --- SQLite -------------------------------------------------------------------------------

# Statements that change a connection's state beyond the statement (transactions, pragmas,
# attached or temporary databases) run on a connection of their own, as in Piccolo.
_CONNECTION_STATE = re.compile(
    r"\s*(?:PRAGMA|ATTACH|DETACH|BEGIN|COMMIT|END|ROLLBACK|SAVEPOINT|RELEASE|VACUUM|CREATE\s+TEMP(?:ORARY)?)\b",
    re.IGNORECASE,
)


async def _close(connection: aiosqlite.Connection) -> None:
    try:
        await connection.close()
    except Exception:  # pragma: no cover - the connection is gone either way
        connection.stop()


def _autocommit(connection: aiosqlite.Connection) -> bool:
    """Open and outside any transaction: fit for the next query."""
    try:
        return not connection.in_transaction
    except (ValueError, sqlite3.ProgrammingError):  # closed
        return False


class _Transaction(SQLiteTransaction):
    """Piccolo's transaction, with three changes:

    - a write transaction (`IMMEDIATE`, `EXCLUSIVE`) first waits its turn at its event loop's
      write gate (FIFO, at most the busy timeout), so the writers of one process reach
      `BEGIN` one at a time and in order instead of polling in SQLite's busy handler;
    - behind the gate it runs on the loop's one writer connection, kept open for the next
      (a connection and its thread per write transaction cost ~2 ms: issue 17); it is closed
      instead when the transaction did not end cleanly;
    - any other connection is closed (and the context reset) whatever fails: Piccolo's left
      the connection (a thread) open when `BEGIN IMMEDIATE` met "database is locked", which
      kept a process from exiting, and kept the finished transaction current when COMMIT
      failed.
    """

    _gate: asyncio.Lock | None = None
    _writer_of: _Pool | None = None  # the pool whose writer connection this transaction holds

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        engine = self.engine
        try:
            if self.transaction_type is not TransactionType.deferred and isinstance(engine, PooledSQLiteEngine):
                self._gate = await engine._enter_write_gate()
                self._writer_of = engine._pool()
                self.connection = await engine._writer(self._writer_of)
            else:
                self.connection = await self.get_connection()  # type: ignore[no-untyped-call]
            await self.begin()  # type: ignore[no-untyped-call]
        except BaseException:
            await self._release(reuse=False)
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def _release(self, *, reuse: bool) -> None:
        """Give the writer connection back (`reuse`: the transaction ended cleanly) or close
        the connection; then let the next writer through."""
        connection: aiosqlite.Connection | None = getattr(self, "connection", None)
        pool, self._writer_of = self._writer_of, None
        keep = reuse and pool is not None and not pool.closed and connection is not None and _autocommit(connection)
        if pool is not None and not keep:
            pool.writer = None  # decided before the gate opens: the next writer opens its own
        gate, self._gate = self._gate, None
        if gate is not None:
            gate.release()
        if connection is not None and not keep:
            await _close(connection)

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        ended = False
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()  # type: ignore[no-untyped-call]
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
            ended = exception is None or isinstance(exception, Exception)  # not cancelled midway
        finally:
            try:
                await self._release(reuse=ended)
            finally:
                self.engine.current_transaction.reset(self.context)
        return exception is None


@dataclass(eq=False)
class _Pool:
    """One event loop's open connections (each runs one statement at a time) and write gate."""

    loop: asyncio.AbstractEventLoop
    max_idle: int
    idle: list[aiosqlite.Connection] = field(default_factory=list)
    in_use: int = 0
    opened: int = 0
    closed: bool = False
    write_gate: asyncio.Lock = field(default_factory=asyncio.Lock)
    writer: aiosqlite.Connection | None = None  # for write transactions, behind the gate


class PooledSQLiteEngine(SQLiteEngine):
    """SQLite with open connections reused by the queries that run outside a transaction.

    Each event loop (each test's app, each uvicorn worker process) has its own pool. A query
    checks a connection out, runs its one statement to the end in the connection's thread (one
    hop: execute and fetch together) and checks it back in. Connections are in autocommit
    mode (`isolation_level=None`), so a read holds no snapshot after its statement and a
    single write commits by itself; one that is left inside a transaction (or whose query was
    cancelled midway) is closed instead of reused. A query never waits for a connection:
    when all are busy it opens another, as Piccolo always did, and at most `max_idle` stay
    open afterwards. So WAL readers keep running beside a writer that waits for the lock.
    Their threads are daemons: a process that never calls `close_connections()` still exits.
    """

    __slots__ = ("__weakref__", "_forked_away", "_pools", "max_idle")

    def __init__(self, path: str = "piccolo.sqlite", *, max_idle: int = 8, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        self.max_idle = max_idle
        self._pools: dict[asyncio.AbstractEventLoop, _Pool] = {}
        self._forked_away: list[dict[asyncio.AbstractEventLoop, _Pool]] = []
        this = weakref.ref(self)

        def after_fork_in_child() -> None:
            # A child must not use (nor close) its parent's connections: keep them unreachable.
            engine = this()
            if engine is not None:
                engine._forked_away.append(engine._pools)
                engine._pools = {}

        os.register_at_fork(after_in_child=after_fork_in_child)

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> SQLiteTransaction:
        return _Transaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def get_connection(self) -> aiosqlite.Connection:
        """A new connection (transactions, batches and the pool): Piccolo's, but its thread is
        a daemon (a connection left open cannot keep the process from exiting) and it is
        closed again if its set-up fails."""
        connection = aiosqlite.connect(**self.connection_kwargs)
        thread = getattr(connection, "_thread", None)
        if isinstance(thread, threading.Thread) and not thread.is_alive():
            thread.daemon = True
        await connection
        try:
            connection.row_factory = dict_factory  # type: ignore[assignment] # rows as dicts, as in Piccolo
            await connection.execute_fetchall("PRAGMA foreign_keys = 1")
        except BaseException:
            await _close(connection)
            raise
        return connection

    # --- the pool -----------------------------------------------------------------------

    def _pool(self) -> _Pool:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            for ended in [p for p in list(self._pools.values()) if p.loop.is_closed()]:
                self._pools.pop(ended.loop, None)
                ended.closed = True
                while ended.idle:  # idle: they stop at once in their own threads
                    ended.idle.pop().stop()
                if ended.writer is not None:
                    ended.writer.stop()
                    ended.writer = None
            pool = self._pools[loop] = _Pool(loop=loop, max_idle=self.max_idle)
        return pool

    async def _checkout(self, pool: _Pool) -> aiosqlite.Connection:
        if pool.idle:
            connection = pool.idle.pop()
        else:
            connection = await self.get_connection()
            pool.opened += 1
        pool.in_use += 1
        return connection

    async def _writer(self, pool: _Pool) -> aiosqlite.Connection:
        """The loop's writer connection (behind the write gate), opened when there is none.
        `synchronous=NORMAL` under WAL: a commit waits for the log's write, not its sync to
        the disk; a power cut may lose the last transactions, never corrupt the file."""
        if pool.writer is None:
            connection = await self.get_connection()
            try:
                await connection.execute_fetchall("PRAGMA synchronous = NORMAL")
            except BaseException:
                await _close(connection)
                raise
            pool.writer = connection
        return pool.writer

    def _checkin(self, pool: _Pool, connection: aiosqlite.Connection, *, reusable: bool) -> None:
        pool.in_use -= 1
        if reusable and not pool.closed and len(pool.idle) < pool.max_idle and _autocommit(connection):
            pool.idle.append(connection)
        else:
            # Behind whatever the connection's thread is still running, without waiting for it.
            connection.stop()

    async def close_connections(self) -> None:
        """Close the pooled connections of this event loop and of loops that have ended (those
        of other running loops are theirs); connections in use close when their query ends.
        Later queries open new ones."""
        current = asyncio.get_running_loop()
        pools = [p for p in list(self._pools.values()) if p.loop is current or p.loop.is_closed()]
        for pool in pools:
            self._pools.pop(pool.loop, None)
            pool.closed = True
            idle, pool.idle = pool.idle, []
            if pool.writer is not None and not pool.write_gate.locked():  # else its transaction closes it
                idle.append(pool.writer)
                pool.writer = None
            for connection in idle:
                await _close(connection)

    def pool_stats(self) -> dict[str, int]:
        """This event loop's pool: connections opened so far, idle now, in use now."""
        pool = self._pools.get(asyncio.get_running_loop())
        if pool is None:
            return {"opened": 0, "idle": 0, "in_use": 0}
        return {"opened": pool.opened, "idle": len(pool.idle), "in_use": pool.in_use}

    async def _enter_write_gate(self) -> asyncio.Lock:
        """Write transactions of one event loop take SQLite's lock one after the other, in
        arrival order: SQLite's busy handler polls and is not fair, so under the booking burst
        some writers starved past the 30 s busy timeout while others got through at once
        (docs/benchmarks.md). Waiting here is bounded by the same busy timeout and then fails
        as SQLite would ("database is locked", answered 503 by app.errors)."""
        gate = self._pool().write_gate
        try:
            async with asyncio.timeout(float(self.connection_kwargs.get("timeout", 5.0))):
                await gate.acquire()
        except TimeoutError as exc:
            raise sqlite3.OperationalError("database is locked") from exc
        return gate

    # --- queries outside a transaction --------------------------------------------------

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        if _CONNECTION_STATE.match(query) or (query_type == "insert" and self.get_version_sync() < 3.35):
            return await super()._run_in_new_connection(query, args, query_type, table)
        pool = self._pool()
        connection = await self._checkout(pool)
        try:
            rows = await connection.execute_fetchall(query, args or [])
        except Exception:
            self._checkin(pool, connection, reusable=True)  # the statement failed whole (autocommit)
            raise
        except BaseException:
            # Cancelled midway: stop the statement (sqlite3_interrupt, no hop) and never reuse it.
            with contextlib.suppress(ValueError, sqlite3.ProgrammingError):
                await connection.interrupt()
            self._checkin(pool, connection, reusable=False)
            raise
        self._checkin(pool, connection, reusable=True)
        return list(rows)
