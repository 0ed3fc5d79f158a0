"""Test setup: a real database (SQLite by default, PostgreSQL in the second pass), real
Redis when REDIS_URL is set, a fake clock, and the app over ASGI or in uvicorn processes.

The engine is chosen before any app module is imported, because Piccolo's `DB` is built
at import from the environment.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import tempfile
import warnings
from pathlib import Path

ENGINE = os.environ.get("STORYCORNER_TEST_ENGINE") or ("postgres" if os.environ.get("TEST_DATABASE_URL") else "sqlite")
IN_CI = os.environ.get("CI", "").lower() == "true"
TMP = Path(tempfile.mkdtemp(prefix="storycorner-test-"))

# pytest-xdist runs several workers (`-n`): each gets a database of its own (a SQLite file in its
# own temporary folder; on PostgreSQL `<name>_<worker>`, created when missing).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_database(url: str) -> str:
    if not WORKER:
        return url
    import asyncio as _asyncio

    import asyncpg

    base, _sep, name = url.rpartition("/")
    wanted = f"{name}_{WORKER}"

    async def create() -> None:
        conn = await asyncpg.connect(url)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", wanted):
                await conn.execute(f'CREATE DATABASE "{wanted}"')
        finally:
            await conn.close()

    _asyncio.run(create())
    return f"{base}/{wanted}"


if ENGINE == "postgres":
    if not os.environ.get("TEST_DATABASE_URL"):
        raise SystemExit("STORYCORNER_TEST_ENGINE=postgres needs TEST_DATABASE_URL")
    os.environ["DATABASE_URL"] = _worker_database(os.environ["TEST_DATABASE_URL"])
else:
    os.environ["DATABASE_URL"] = f"sqlite://{TMP / 'test.sqlite3'}"
os.environ["STORYCORNER_VAR"] = str(TMP / "var")
os.environ["SECRET_KEY"] = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
os.environ["BASE_URL"] = "http://testserver"
# Live test servers stop at once (the drain before a stop is tested on its own).
os.environ["SHUTDOWN_DRAIN"] = "0"


def _worker_redis(url: str | None) -> str | None:
    """Each xdist worker its own Redis database (the given one + 1 + the worker's number), so
    two workers' arq queues and counters never meet."""
    if not url or not WORKER.startswith("gw"):
        return url
    base, _sep, db = url.rpartition("/")
    number = int(db) if db.isdigit() else 0
    return f"{base}/{number + 1 + int(WORKER[2:])}"


# Kept under a name of its own: xdist workers inherit the environment after this module ran.
os.environ["STORYCORNER_TEST_REDIS_URL"] = os.environ.get("STORYCORNER_TEST_REDIS_URL") or os.environ.get(
    "REDIS_URL", ""
)
REDIS_URL = _worker_redis(os.environ["STORYCORNER_TEST_REDIS_URL"] or None)
# The app under test runs jobs in-process; tests that need arq use REDIS_URL explicitly.
os.environ.pop("REDIS_URL", None)

from collections.abc import AsyncIterator, Iterator  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from typing import Any  # noqa: E402

import httpx  # noqa: E402
import pytest  # noqa: E402

from tests.helpers import FrozenClock, lifespan  # noqa: E402

# The fakes of the SMS providers and WeChat (`tencent_sms`, `aliyun_sms`, `fake_wechat`).
pytest_plugins = ["tests.fakes.fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI:
        missing = [
            name
            for name, value in (("TEST_DATABASE_URL", os.environ.get("TEST_DATABASE_URL")), ("REDIS_URL", REDIS_URL))
            if not value
        ]
        if missing:
            raise pytest.UsageError(f"CI=true requires {', '.join(missing)}: a missing service is an error, not a skip")


def pytest_report_header(config: pytest.Config) -> str:
    return f"storycorner: engine={ENGINE} database={os.environ['DATABASE_URL']} redis={REDIS_URL or 'none'}"


@pytest.fixture(scope="session")
def settings() -> Any:
    from app.settings import load_settings

    return load_settings()


async def _reset_schema() -> None:
    from piccolo.engine.postgres import PostgresEngine

    from app.kernel.db import engine

    db = engine()
    if isinstance(db, PostgresEngine):
        await db.run_ddl("DROP SCHEMA public CASCADE")
        await db.run_ddl("CREATE SCHEMA public")


@pytest.fixture(scope="session", autouse=True)
async def database(settings: Any) -> AsyncIterator[None]:
    from app import database as db

    await db.start(settings)
    await _reset_schema()
    await db.migrate()
    yield
    await db.stop()


def table_names() -> list[str]:
    from piccolo.conf.apps import Finder

    return [t._meta.tablename for t in Finder().get_table_classes()]


@pytest.fixture(autouse=True)
async def no_task_outlives_its_test() -> AsyncIterator[None]:
    """A job still running when its test ends (an app's shutdown drains for 10 s only, and a
    busy machine draws a report slower) would go on in the next test, against rows that
    reuse its ids after the truncation: a report finished with another test's files. Such a
    task is waited for here (cancelled after a minute) and named in a warning."""
    before = asyncio.all_tasks()
    yield
    left = [t for t in asyncio.all_tasks() - before if not t.done() and t is not asyncio.current_task()]
    if not left:
        return
    warnings.warn(f"tasks still running after the test: {[t.get_coro() for t in left]}", stacklevel=1)
    _done, pending = await asyncio.wait(left, timeout=60)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


@pytest.fixture(autouse=True)
async def clean_tables(database: None) -> None:
    """Each test starts from empty tables (truncation, not a shared rolled-back transaction)."""
    await empty_tables()


async def empty_tables() -> None:
    """Empty every table (a module sharing one seeded world calls it once, itself)."""
    from app.kernel import recent
    from app.kernel.db import engine, is_sqlite

    recent.forget_all()  # answers kept for seconds name rows by ids that restart now
    names = table_names()
    if is_sqlite():
        import sqlite3

        path = os.environ["DATABASE_URL"].split("://", 1)[1]
        with sqlite3.connect(path, timeout=30) as conn:
            conn.execute("PRAGMA foreign_keys=OFF")
            for name in names:
                conn.execute(f'DELETE FROM "{name}"')
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
                conn.execute("DELETE FROM sqlite_sequence")
    else:
        import asyncpg

        # Live servers started by module fixtures run their periodic jobs once at start, so a
        # job's write may meet the TRUNCATE's table locks; PostgreSQL then aborts one side as a
        # deadlock. Ours is the side to try again: the job's transaction finishes meanwhile.
        for attempt in range(5):
            try:
                if dirty := await _dirty_tables(names):
                    quoted = ", ".join(f'"{n}"' for n in dirty)
                    await engine().run_ddl(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
                break
            except asyncpg.exceptions.DeadlockDetectedError:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))


async def _dirty_tables(names: list[str]) -> list[str]:
    """The tables a test left rows in or took ids from (PostgreSQL). Truncating all 60 tables
    costs about 230 ms on a slow machine, once per test; a test touches a few. A table whose
    rows were all deleted still has its sequence advanced, and the next test's ids must start
    at 1 again: so the tables owning a used sequence count as dirty too."""
    from piccolo.querystring import QueryString

    from app.kernel.db import engine

    with_rows = " UNION ALL ".join(f"SELECT '{n}' AS name WHERE EXISTS (SELECT 1 FROM \"{n}\")" for n in names)
    rows = await engine().run_querystring(
        QueryString(
            f"{with_rows} UNION SELECT t.relname FROM pg_sequences s"
            " JOIN pg_class q ON q.relname = s.sequencename AND q.relkind = 'S'"
            " JOIN pg_depend d ON d.objid = q.oid AND d.deptype IN ('a', 'i')"
            " JOIN pg_class t ON t.oid = d.refobjid"
            " WHERE s.schemaname = 'public' AND s.last_value IS NOT NULL"
        )
    )
    return sorted({r["name"] for r in rows} & set(names))


# A Saturday morning in Beijing: where the `clock` fixture starts every test.
SATURDAY_MORNING = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@dataclasses.dataclass
class SharedApp:
    app: Any
    clock: FrozenClock
    queue: Any


@pytest.fixture(scope="session")
async def shared_app(database: None, settings: Any) -> AsyncIterator[SharedApp]:
    """One app per worker, started once, for every test on the default settings, `clock` and
    `queue`. Building an app costs about a second on a slow machine (540 handlers, the OpenAPI
    document), which was over 40 % of the suite's time when each test built its own. Nothing
    a test leaves behind outlives it: what the app keeps between requests (sessions, rate
    counters, kept answers) is in tables that each test empties, the clock is set back and
    the queue drained around each test, and the process-wide configuration is applied again."""
    from app.jobs.queue import InProcessQueue
    from app.jobs.registry import JOBS
    from app.web.app import create_app

    clock = FrozenClock(SATURDAY_MORNING)
    queue = InProcessQueue(JOBS, [])  # no cron loop in tests: they drain jobs explicitly
    application = create_app(settings, clock=clock, queue=queue)
    async with lifespan(application):
        yield SharedApp(application, clock, queue)


@pytest.fixture
def clock(shared_app: SharedApp) -> FrozenClock:
    shared_app.clock.set(SATURDAY_MORNING)
    return shared_app.clock


@pytest.fixture
async def queue(shared_app: SharedApp) -> AsyncIterator[Any]:
    yield shared_app.queue
    await shared_app.queue.drain()  # a job left running would go on into the next test


@pytest.fixture
async def app(settings: Any, clock: FrozenClock, queue: Any, shared_app: SharedApp) -> AsyncIterator[Any]:
    """The shared app, or, where a module gives its own `clock` or `queue`, an app of its own."""
    if clock is shared_app.clock and queue is shared_app.queue:
        from app import runtime

        runtime.configure(settings)  # an app started by an earlier test may have configured others
        yield shared_app.app
        return
    from app.web.app import create_app

    application = create_app(settings, clock=clock, queue=queue)
    async with lifespan(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def chromium() -> str:
    """Debian's Chromium for the browser tests: missing, they skip locally and fail under CI."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return str(CHROMIUM)


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set (under CI=true this is an error)")
    return REDIS_URL


@pytest.fixture
def live_env(settings: Any) -> dict[str, str]:
    """Environment for app processes started by tests: same database, no Redis by default."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return env


@pytest.fixture
def live_server(live_env: dict[str, str]) -> Iterator[Any]:
    """Start uvicorn processes on free ports (`start(workers=2)` returns the base URL)."""
    from tests.helpers import LiveServers

    servers = LiveServers(live_env, TMP)
    yield servers
    servers.stop_all()
