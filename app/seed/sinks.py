"""Where the synthetic rows go, one transaction for the whole run: binary `COPY` (asyncpg
`copy_records_to_table`) on PostgreSQL, `executemany` on SQLite, a digest in memory for
tests of determinism. On PostgreSQL the sequences are moved past the written ids at the end
and the tables get a `VACUUM (ANALYZE)`, so the planner knows their new sizes and which
pages are all visible."""

# S608: table and column names come from app.seed.rows, never from input.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from app.seed.rows import SeedError


class Sink(Protocol):
    """Where rows go; one transaction for the whole run."""

    async def begin(self) -> None: ...

    async def max_id(self, table: str) -> int: ...

    async def exists(self, sql: str, value: Any) -> bool: ...

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None: ...

    async def commit(self, tables: Sequence[str]) -> None: ...

    async def rollback(self) -> None: ...


# Tables PostgreSQL fills from a seeded one (its triggers: reading_book's search pieces), loaded
# in bulk all the same.
DERIVED = {"reading_book": ("reading_book_piece",)}


class PostgresSink(Sink):
    """Binary COPY over one asyncpg connection (from the Piccolo engine's pool when it has one)."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.conn: Any = None
        self.release: Callable[[], Any] | None = None
        self.tx: Any = None

    async def begin(self) -> None:
        if self.db.pool is not None:
            self.conn = await self.db.pool.acquire()
            pool = self.db.pool
            conn = self.conn

            async def release() -> None:
                await pool.release(conn)

            self.release = release
        else:
            import asyncpg

            self.conn = await asyncpg.connect(**self.db.config)
            self.release = self.conn.close
        self.tx = self.conn.transaction()
        await self.tx.start()
        # The rows are consistent by construction; skipping the per-row foreign-key triggers
        # makes the COPY several times faster. Needs a superuser (the bench's `postgres`);
        # anyone else simply gets the checks.
        if await self.conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
            await self.conn.execute("SET LOCAL session_replication_role = replica")

    async def max_id(self, table: str) -> int:
        return int(await self.conn.fetchval(f'SELECT coalesce(max(id), 0) FROM "{table}"'))

    async def exists(self, sql: str, value: Any) -> bool:
        return bool(await self.conn.fetchval(sql.replace("?", "$1"), value))

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def commit(self, tables: Sequence[str]) -> None:
        for table in tables:
            await self.conn.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT max(id) FROM "{table}"), true) WHERE EXISTS (SELECT 1 FROM "{table}")'
            )
        await self.tx.commit()
        # Fresh statistics and visibility maps, as after any bulk load: the bench starts right
        # after the seed, and without a VACUUM (autovacuum may be off, or not yet round)
        # index-only scans read every row's page and the planner avoids them.
        for table in (*tables, *(derived for seeded in tables for derived in DERIVED.get(seeded, ()))):
            await self.conn.execute(f'VACUUM (ANALYZE) "{table}"')
        await self._close()

    async def rollback(self) -> None:
        if self.tx is not None:
            await self.tx.rollback()
        await self._close()

    async def _close(self) -> None:
        if self.release is not None:
            await self.release()
            self.release = None


class SQLiteSink(Sink):
    """`executemany` inside one transaction on a plain sqlite3 connection. Piccolo's sqlite3
    adapters (registered when its engine is imported) store datetimes, dates and times in the
    same text forms as the app's own writes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.conn: Any = None

    async def begin(self) -> None:
        import sqlite3

        import piccolo.engine.sqlite  # noqa: F401  (registers the adapters)

        self.conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    async def max_id(self, table: str) -> int:
        return int(self.conn.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"').fetchone()[0])

    async def exists(self, sql: str, value: Any) -> bool:
        return self.conn.execute(sql, (value,)).fetchone() is not None

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        self.conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    async def commit(self, tables: Sequence[str]) -> None:
        self.conn.execute("COMMIT")
        self.conn.close()

    async def rollback(self) -> None:
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()


class MemorySink(Sink):
    """Keeps a digest and counts only: for tests of determinism without a database."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.counts: dict[str, int] = {}

    async def begin(self) -> None:
        return None

    async def max_id(self, table: str) -> int:
        return 0

    async def exists(self, sql: str, value: Any) -> bool:
        return False

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        for row in rows:
            self.digest.update(repr((table, row)).encode())

    async def commit(self, tables: Sequence[str]) -> None:
        return None

    async def rollback(self) -> None:
        return None


def default_sink() -> Sink:
    from piccolo.engine.postgres import PostgresEngine
    from piccolo.engine.sqlite import SQLiteEngine

    from app.kernel.db import engine

    db = engine()
    if isinstance(db, PostgresEngine):
        return PostgresSink(db)
    if isinstance(db, SQLiteEngine):
        return SQLiteSink(str(db.path))
    raise SeedError(f"unsupported database engine {type(db).__name__}")
