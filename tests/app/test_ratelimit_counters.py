"""The database rate-limit counters (no Redis): on SQLite one request's counters are counted
in one `BEGIN IMMEDIATE` transaction, which waits for a held write lock instead of failing;
on either engine an over-limit request is refused after its counts are committed."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from typing import Any

import pytest
from piccolo.engine.sqlite import TransactionType

from app.kernel.db import engine, is_sqlite
from app.kernel.errors import RateLimited
from app.tables import RateCounter
from app.web.ratelimit import Limit, RateLimiter

sqlite_only = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("sqlite"), reason="SQLite's write lock"
)


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
    # The refused request's account hit is committed; the client counter was not reached.
    assert await hits() == {"booking:a:7": 3, "booking:c:10.0.0.1": 2}
    await rl.check("booking", account=None, client="10.0.0.1")
    assert (await hits())["booking:c:10.0.0.1"] == 3


@sqlite_only
async def test_counters_of_a_request_are_counted_in_one_immediate_transaction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db: Any = engine()
    seen: list[Any] = []
    run_querystring = type(db).run_querystring

    async def spy(self: Any, querystring: Any, in_pool: bool = False) -> Any:
        if "app_rate_counter" in str(querystring):
            seen.append(self.current_transaction.get())
        return await run_querystring(self, querystring, in_pool=in_pool)

    monkeypatch.setattr(type(db), "run_querystring", spy)
    await limiter().check("booking", account="7", client="10.0.0.1")
    assert len(seen) == 2
    assert seen[0] is not None and seen[0] is seen[1]
    assert seen[0].transaction_type is TransactionType.immediate


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
