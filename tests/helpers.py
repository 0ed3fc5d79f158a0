"""Test helpers: the fake clock, factories with meaningful defaults, live servers."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.accounts.consent import CURRENT_POLICY


class FrozenClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, **kw: float) -> None:
        self._now += timedelta(**kw)

    def set(self, now: datetime) -> None:
        self._now = now


def http_scope(method: str, path: str, *, headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    """An ASGI HTTP scope, for calling an app directly (no server, no client in between)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*(headers or []), (b"host", b"testserver")],
        "client": ("10.0.0.1", 1234),
        "server": ("testserver", 80),
        "state": {},
    }


_phones = itertools.count(10_000_000)


def next_phone() -> str:
    return f"139{next(_phones):08d}"


def family_body(
    phone: str | None = None, *, children: int = 2, password: str = "family-pass-1", consent: bool = True
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "phone": phone or next_phone(),
        "password": password,
        "guardian_name": "王妈妈",
        "children": [{"nickname": f"孩子{i + 1}", "birth_month": f"{2018 + i}-0{i + 3}"} for i in range(children)],
    }
    if consent:
        body["consent"] = {"policy_version": CURRENT_POLICY.version, "accepted": True}
    return body


async def register_family(client: httpx.AsyncClient, **kw: Any) -> dict[str, Any]:
    """Register and log in a family; returns the token, headers, phone and family."""
    body = family_body(**kw)
    r = await client.post("/api/v1/families", json=body)
    assert r.status_code == 201, r.text
    family = r.json()
    token = await login(client, body["phone"], body["password"])
    return {
        "phone": body["phone"],
        "password": body["password"],
        "family": family,
        "token": token,
        "headers": bearer(token),
    }


async def login(client: httpx.AsyncClient, login: str, password: str) -> str:
    r = await client.post("/api/v1/auth/tokens", json={"login": login, "password": password})
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_staff(
    login: str,
    password: str = "staff-pass-1",
    roles: tuple[str, ...] = ("district_admin",),
    spaces: tuple[int, ...] = (),
) -> int:
    from app.accounts.services.users import create_staff_user
    from app.kernel.clock import system_clock
    from spaces.services.staff import assign

    user = await create_staff_user(
        login=login, password=password, display_name=login, roles=list(roles), clock=system_clock
    )
    await assign(user.id, list(spaces))
    return int(user.id)


# The engine under test (tests/conftest.py sets DATABASE_URL before this module is imported):
# a test of one engine's machinery is skipped in the other engine's pass, never both.
ON_SQLITE = os.environ.get("DATABASE_URL", "").startswith("sqlite")
sqlite_only = pytest.mark.skipif(not ON_SQLITE, reason="SQLite's own machinery: runs in the SQLite pass")
postgres_only = pytest.mark.skipif(ON_SQLITE, reason="PostgreSQL's own machinery: runs in the PostgreSQL pass")


async def staff_headers(
    client: httpx.AsyncClient,
    login_name: str = "admin1",
    roles: tuple[str, ...] = ("district_admin",),
    spaces: tuple[int, ...] = (),
) -> dict[str, str]:
    await create_staff(login_name, roles=roles, spaces=spaces)
    return bearer(await login(client, login_name, "staff-pass-1"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServers:
    """The real app in uvicorn subprocesses, on the database under test."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env = env
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *, workers: int = 1, extra_env: dict[str, str] | None = None, timeout: float = 30) -> str:
        """Start `workers` uvicorn workers; wait up to `timeout` seconds for /readyz (a loaded
        machine needs longer to import the app in each worker)."""
        port = free_port()
        log = open(self.tmp / f"server-{port}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env={**self.env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group: stopping it stops the uvicorn workers too
        )
        self.procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {(self.tmp / f'server-{port}.log').read_text()}")
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not start: {(self.tmp / f'server-{port}.log').read_text()}")

    def stop_all(self) -> None:
        for proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)


async def statements(
    call: Callable[[], Awaitable[object]],
    tables: tuple[str, ...] = ("spaces_", "accounts_", "app_policy"),
    seen: list[str] | None = None,
) -> int:
    """How many SQL statements naming one of `tables` (a prefix of their names; "" for every
    statement) `call` runs, each appended to `seen`: only those of its own context (the
    outbox's delivery of notifications, a task running beside it that reads the recipients'
    preferences, is left out)."""
    from app.kernel.db import engine

    db: Any = engine()
    run_querystring = type(db).run_querystring
    seen = [] if seen is None else seen
    counting: ContextVar[bool] = ContextVar("counting", default=False)

    async def spy(self: Any, querystring: Any, in_pool: bool = False) -> Any:
        text = str(querystring)
        if counting.get() and any(table in text for table in tables):
            seen.append(text)
        return await run_querystring(self, querystring, in_pool=in_pool)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(db), "run_querystring", spy)
        token = counting.set(True)
        try:
            await call()
        finally:
            counting.reset(token)
    return len(seen)


async def scanned_whole(query: Any) -> list[str]:
    """The tables PostgreSQL's plan for `query` (a QueryString) reads by sequential scan with
    sequential scans priced out: none, when every table is reached through an index."""
    import json

    from app.kernel.db import engine

    sql, args = query.compile_string(engine_type="postgres")
    async with engine().transaction() as transaction:
        await transaction.connection.execute("SET LOCAL enable_seqscan = off")
        plan = json.loads(await transaction.connection.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args))
    return _sequential(plan)


def _sequential(node: Any) -> list[str]:
    if isinstance(node, list):
        return [name for item in node for name in _sequential(item)]
    if not isinstance(node, dict):
        return []
    here = [node.get("Relation Name", "?")] if node.get("Node Type") == "Seq Scan" else []
    return here + [name for value in node.values() for name in _sequential(value)]


def lifespan(application: Any) -> LifespanManager:
    """The app started and stopped around a test. Stopping lets in-process jobs finish for up
    to DRAIN_SECONDS (a monthly report's drawing on a loaded machine takes a while): the
    manager waits longer than that, instead of failing the test at its own 5 seconds."""
    from app.jobs.queue import DRAIN_SECONDS

    return LifespanManager(application, shutdown_timeout=DRAIN_SECONDS + 10)
