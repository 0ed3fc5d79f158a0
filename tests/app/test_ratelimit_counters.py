"""The database rate-limit counters (no Redis): one request's counters are counted in one
statement, which on SQLite takes its turn at the process's write gate and waits for a held
write lock instead of failing; an over-limit request is refused after its counts are committed."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from typing import Any

import pytest

from app.kernel.db import engine, is_sqlite, write_transaction
from app.kernel.errors import RateLimited
from app.tables import RateCounter
from app.web.ratelimit import Limit, RateLimiter
from tests.helpers import sqlite_only


def limiter(per_account: int = 3, per_client: int = 100) -> RateLimiter:
    return RateLimiter({"booking": Limit(per_account=per_account, per_client=per_client, window_seconds=60)})


async def hits() -> dict[str, int]:
    """Counts by key (`rl:<key>:<window>`), summed over windows."""
    counts: dict[str, int] = {}
    for row in await RateCounter.select(RateCounter.key, RateCounter.hits):
        key = row["key"].removeprefix("rl:").rsplit(":", 1)[0]
        counts[key] = counts.get(key, 0) + row["hits"]
    return counts


@pytest.fixture(autouse=True)
async def inside_one_window() -> None:
    """Start at least 3 s before the current 60 s window ends, so a test's requests share it."""
    left = 60 - time.time() % 60
    if left < 3:
        await asyncio.sleep(left + 0.1)


async def test_over_the_limit_is_refused_and_still_counted() -> None:
    rl = limiter(per_account=2)
    for _ in range(2):
        await rl.check("booking", account="7", client="10.0.0.1")
    with pytest.raises(RateLimited) as refused:
        await rl.check("booking", account="7", client="10.0.0.1")
    assert 1 <= refused.value.retry_after <= 60
    # The refused request's hits are committed, on both counters.
    assert await hits() == {"booking:a:7": 3, "booking:c:10.0.0.1": 3}
    await rl.check("booking", account=None, client="10.0.0.1")
    assert await hits() == {"booking:a:7": 3, "booking:c:10.0.0.1": 4}


async def test_the_counters_of_a_request_are_one_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    db: Any = engine()
    seen: list[str] = []
    run_querystring = type(db).run_querystring

    async def spy(self: Any, querystring: Any, in_pool: bool = False) -> Any:
        if "app_rate_counter" in str(querystring):
            seen.append(str(querystring))
        return await run_querystring(self, querystring, in_pool=in_pool)

    monkeypatch.setattr(type(db), "run_querystring", spy)
    await limiter().check("booking", account="7", client="10.0.0.1")
    assert len(seen) == 1
    assert await hits() == {"booking:a:7": 1, "booking:c:10.0.0.1": 1}


@sqlite_only
async def test_counting_waits_its_turn_behind_a_write_transaction_of_the_process() -> None:
    """The write gate: a counter statement arriving while a write transaction of this process
    holds SQLite's lock runs after it, in order, instead of polling SQLite's busy handler."""
    order: list[str] = []
    inside = asyncio.Event()
    waiting_connections: list[int] = []

    async def writer() -> None:
        async with write_transaction():
            await RateCounter.count()
            inside.set()
            await asyncio.sleep(0.3)
            # The counter waits at the gate, not on a pooled connection in SQLite's busy handler.
            waiting_connections.append(engine().pool_stats()["in_use"])  # type: ignore[attr-defined]
            order.append("transaction")

    async def counter() -> None:
        await inside.wait()
        await limiter().check("booking", account="7", client="10.0.0.1")
        order.append("counter")

    await asyncio.gather(writer(), counter())
    assert waiting_connections == [0]
    assert order == ["transaction", "counter"]


@sqlite_only
async def test_counting_waits_for_a_held_write_lock() -> None:
    assert is_sqlite()
    path = os.environ["DATABASE_URL"].split("://", 1)[1]
    locked = threading.Event()

    def hold_the_lock() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        threading.Event().wait(0.4)
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert locked.wait(5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await limiter().check("booking", account="7", client="10.0.0.1")
    waited = loop.time() - started
    holder.join()
    assert waited >= 0.3  # it queued behind the lock (busy timeout 30 s) rather than failing
    assert await hits() == {"booking:a:7": 1, "booking:c:10.0.0.1": 1}
