"""PostgreSQL restarted or briefly down under requests (issue 14): the app answers 503
`database_unavailable` with Retry-After (a friendly page for browsers), never 500, and
recovers by itself. The app runs against a PostgreSQL cluster of this test's own, which the
test restarts (tests/faults.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.faults import PostgresServer
from tests.helpers import family_body, postgres_only

pytestmark = [pytest.mark.live, postgres_only]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    env = {**os.environ, "DATABASE_URL": server.url, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "app", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    yield server
    server.remove()


async def test_a_database_restart_answers_503_never_500(live_server: Any, postgres_server: PostgresServer) -> None:
    base = live_server.start(workers=1, extra_env={"DATABASE_URL": postgres_server.url, "DB_POOL_SIZE": "4"})
    statuses: list[int] = []
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        assert (await client.post("/api/v1/families", json=family_body())).status_code == 201

        async def keep_asking(stop: asyncio.Event) -> None:
            while not stop.is_set():
                for path in ("/api/v1/spaces", "/"):
                    r = await client.get(path)
                    statuses.append(r.status_code)
                    if r.status_code == 503:
                        assert int(r.headers["retry-after"]) > 0
                        if path.startswith("/api/"):
                            assert r.json()["code"] == "database_unavailable"
                        else:
                            assert "text/html" in r.headers["content-type"]
                await asyncio.sleep(0.02)

        stop = asyncio.Event()
        asker = asyncio.create_task(keep_asking(stop))
        await asyncio.sleep(0.5)
        await asyncio.to_thread(postgres_server.stop, "fast")
        await asyncio.sleep(1.5)  # down for a while: every request in between must be a 503
        down = (await client.get("/api/v1/spaces")).status_code
        await asyncio.to_thread(postgres_server.start)
        for _ in range(100):  # the pool reconnects by itself
            if (await client.get("/api/v1/spaces")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        stop.set()
        await asker
        assert (await client.post("/api/v1/families", json=family_body())).status_code == 201

    assert down == 503
    assert 500 not in statuses, statuses
    assert set(statuses) <= {200, 503}
    assert statuses.count(503) >= 1
