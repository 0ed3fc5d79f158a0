"""Rate limits on chosen operations (`opt={"rate_limit": "<bucket>"}`), per account and per
client address, in fixed windows shared by every process: Redis when configured, otherwise
a counter table. A request over a limit gets 429 `too_many_requests` with Retry-After; the
business transaction never starts, so a burst stays correct.

Per-account limits are the tight ones; the per-address limit is generous because many
families share one address (a corner's Wi-Fi, a school).

On SQLite the counters of one request are counted in one `write_transaction()` (`BEGIN
IMMEDIATE`), which waits for the database's write lock like every other write; PostgreSQL
counts each with a single statement.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from piccolo.querystring import QueryString

from app.kernel.db import engine, is_sqlite, write_transaction
from app.kernel.errors import RateLimited


@dataclass(frozen=True, slots=True)
class Limit:
    per_account: int
    per_client: int
    window_seconds: int


class RateLimiter:
    def __init__(self, limits: dict[str, Limit], redis: Any = None) -> None:
        self.limits = limits
        self.redis = redis

    async def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        """Count one request; returns (count in this window, seconds until it ends)."""
        now = time.time()
        window = int(now // window_seconds)
        retry_after = max(1, int((window + 1) * window_seconds - now))
        full_key = f"rl:{key}:{window}"
        if self.redis is not None:
            pipe = self.redis.pipeline()
            pipe.incr(full_key)
            pipe.expire(full_key, window_seconds + 5)
            count, _ = await pipe.execute()
            return int(count), retry_after
        expires_at = datetime.now(UTC) + timedelta(seconds=retry_after + 5)
        upsert = QueryString(
            "INSERT INTO app_rate_counter (key, hits, expires_at) VALUES ({}, 1, {}) "
            "ON CONFLICT (key) DO UPDATE SET hits = app_rate_counter.hits + 1 RETURNING hits",
            full_key,
            expires_at,
        )
        if is_sqlite():
            async with write_transaction():  # joins the caller's, see `check`
                rows = await engine().run_querystring(upsert)
        else:
            rows = await engine().run_querystring(upsert)
        return int(rows[0]["hits"]), retry_after

    async def check(self, bucket: str, *, account: str | None, client: str) -> None:
        limit = self.limits[bucket]
        checks = [(f"{bucket}:c:{client}", limit.per_client)]
        if account is not None:
            checks.insert(0, (f"{bucket}:a:{account}", limit.per_account))
        if self.redis is None and is_sqlite():
            async with write_transaction():  # one lock wait for all of this request's counters
                over = await self._count(checks, limit.window_seconds)
        else:
            over = await self._count(checks, limit.window_seconds)
        if over is not None:  # raised after the counts are committed
            raise RateLimited(retry_after=over)

    async def _count(self, checks: list[tuple[str, int]], window_seconds: int) -> int | None:
        """Count each key until one is over its limit; returns that one's retry-after, or None."""
        for key, allowed in checks:
            count, retry_after = await self.hit(key, window_seconds)
            if count > allowed:
                return retry_after
        return None


async def rate_limit_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    bucket = handler.opt.get("rate_limit")
    if not bucket:
        return
    limiter: RateLimiter = connection.app.state.rate_limiter
    actor = connection.scope.get("user")
    client = connection.client.host if connection.client else "-"
    await limiter.check(bucket, account=str(actor.user_id) if actor else None, client=client)
