"""Database lifecycle for the wiring: connect, migrate, check for drift."""

from __future__ import annotations

import io
from contextlib import nullcontext, redirect_stdout
from pathlib import Path
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString

from app.kernel.db import PooledSQLiteEngine, engine
from app.settings import Settings


class MigrationError(RuntimeError):
    pass


def prepare_sqlite(settings: Settings) -> None:
    """Create the directory and switch the file to WAL (persistent, so once is enough)."""
    if not settings.is_sqlite:
        return
    import sqlite3

    path = Path(settings.sqlite_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")


async def _keep_session(connection: Any) -> None:
    """Release a pooled connection without asyncpg's reset query (`pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL;`): Piccolo takes a pooled connection for every query
    outside a transaction, so the reset doubled the round trips of simple queries and cost
    PostgreSQL ~40 % of its CPU on `/readyz` (docs/benchmarks.md). asyncpg still rolls back a
    transaction left open; the app uses no advisory locks, cursors outside transactions,
    LISTEN or session-level SET, so there is nothing else to undo."""
    return None


# Web requests run small statements many at a time: a parallel plan there only adds worker
# launches (PostgreSQL forks a process per worker: 5-20 ms each on this machine, and the
# statistics' summary at city scale went from ~65 to ~20 ms of statements without them).
# Their rows are in memory, so an index probe costs about what a sequential page read does
# (random_page_cost 1.1, not the default 4 priced for spinning disks). With the default, the
# statistics' check-ins since the last rollup run (11,000 rows at city scale) were joined to
# their slots and bookings by reading both tables whole (800,000 and 480,000 rows): 296 ms,
# against 61 ms through their primary keys, and worse the longer the history.
# The jobs and the CLI keep the defaults for their long scans (the rollups' build).
SERIAL = {"max_parallel_workers_per_gather": "0", "random_page_cost": "1.1"}


async def start(settings: Settings, *, serial: bool = False) -> bool:
    """Connect; True when this call created the pool (and so its caller should close it).
    `serial`: no parallel plans (web processes)."""
    db = engine()
    if isinstance(db, PostgresEngine):
        if db.pool is not None:
            return False
        await db.start_connection_pool(
            min_size=1,
            max_size=settings.db_pool_size,
            reset=_keep_session,
            **({"server_settings": SERIAL} if serial else {}),
        )
        return True
    if isinstance(db, SQLiteEngine):
        prepare_sqlite(settings)
        return True  # this event loop's pooled connections are the caller's to close
    return False


async def stop() -> None:
    db = engine()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        await db.close_connection_pool()
    elif isinstance(db, PooledSQLiteEngine):
        await db.close_connections()


async def ping() -> None:
    """One round trip to the database (for /readyz)."""
    await engine().run_querystring(QueryString("SELECT 1"))


async def migrate(*, quiet: bool = True) -> None:
    # Piccolo's migration commands are imported by the commands that use them: a serving
    # process never migrates. (piccolo.conf.apps, and black with it, is still imported by
    # Piccolo's engine finder in every process.)
    from piccolo.apps.migrations.commands.forwards import run_forwards

    out = io.StringIO()
    with redirect_stdout(out) if quiet else nullcontext():
        result = await run_forwards(app_name="all")
    if not result.success:
        raise MigrationError(f"migrations failed: {result.message}\n{out.getvalue()}")


async def migrate_down(*, quiet: bool = True) -> None:
    from piccolo.apps.migrations.commands.backwards import run_backwards

    out = io.StringIO()
    with redirect_stdout(out) if quiet else nullcontext():
        result = await run_backwards(app_name="all", auto_agree=True)
    if not result.success:
        raise MigrationError(f"backwards migrations failed: {result.message}\n{out.getvalue()}")


async def pending_changes() -> dict[str, list[str]]:
    """For each Piccolo app, the statements an auto migration would add (empty = no drift)."""
    from piccolo.apps.migrations.commands.new import AutoMigrationManager
    from piccolo.conf.apps import Finder

    drift: dict[str, list[str]] = {}
    for app_config in Finder().get_app_configs():
        with redirect_stdout(io.StringIO()):  # Piccolo prints a summary table per app
            statements = await AutoMigrationManager(auto_input="n").get_alter_statements(app_config=app_config)
        lines = [line for s in statements for line in s.statements]
        if lines:
            drift[app_config.app_name] = lines
    return drift
