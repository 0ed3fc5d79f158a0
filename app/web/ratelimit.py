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

from app.kernel.db import write_statement
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

    async def counts(self, keys: list[str], window_seconds: int) -> tuple[list[int], int]:
        """Count one request under each key; returns (each key's count in this window, seconds
        until the window ends)."""
        now = time.time()
        window = int(now // window_seconds)
        retry_after = max(1, int((window + 1) * window_seconds - now))
        full_keys = [f"rl:{key}:{window}" for key in keys]
        if self.redis is not None:
            pipe = self.redis.pipeline()
            for full_key in full_keys:
                pipe.incr(full_key)
                pipe.expire(full_key, window_seconds + 5)
            results = await pipe.execute()
            return [int(n) for n in results[::2]], retry_after
        # Every counter of the request in one statement: one round trip, and on SQLite one turn
        # at the write lock (app.kernel.db.write_statement).
        expires_at = datetime.now(UTC) + timedelta(seconds=retry_after + 5)
        rows = ", ".join("({}, 1, {})" for _ in full_keys)  # placeholders only: values are bound
        upsert = QueryString(
            f"INSERT INTO app_rate_counter (key, hits, expires_at) VALUES {rows} "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET hits = app_rate_counter.hits + 1 RETURNING key, hits",
            *[value for full_key in full_keys for value in (full_key, expires_at)],
        )
        hits = {row["key"]: int(row["hits"]) for row in await write_statement(upsert)}
        return [hits[k] for k in full_keys], retry_after

    async def check(self, bucket: str, *, account: str | None, client: str) -> None:
        limit = self.limits[bucket]
        checks = [(f"{bucket}:c:{client}", limit.per_client)]
        if account is not None:
            checks.insert(0, (f"{bucket}:a:{account}", limit.per_account))
        counts, retry_after = await self.counts([key for key, _ in checks], limit.window_seconds)
        if any(count > allowed for count, (_, allowed) in zip(counts, checks, strict=True)):
            raise RateLimited(retry_after=retry_after)


async def rate_limit_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    bucket = handler.opt.get("rate_limit")
    if not bucket:
        return
    limiter: RateLimiter = connection.app.state.rate_limiter
    actor = connection.scope.get("user")
    client = connection.client.host if connection.client else "-"
    await limiter.check(bucket, account=str(actor.user_id) if actor else None, client=client)
