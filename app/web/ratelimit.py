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

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from piccolo.querystring import QueryString

from app.accounts.errors import PhoneTaken
from app.kernel.db import write_statement
from app.kernel.errors import RateLimited
from app.kernel.values import frozen
from app.tables import RateCounter

T = TypeVar("T")
log = logging.getLogger("storycorner.ratelimit")


def redis_down() -> tuple[type[Exception], ...]:
    """What a Redis that is down or unreachable raises. An `except` clause evaluates this only
    when something was raised, so a process without Redis never imports its client."""
    from redis.exceptions import RedisError

    return (RedisError, OSError)


@frozen
class Limit:
    per_account: int
    per_client: int
    window_seconds: int


class RateLimiter:
    """Counts in Redis when there is one; while Redis is down, in the database (said once in
    the log per outage), so families can still book."""

    def __init__(self, limits: dict[str, Limit], redis: Any = None) -> None:
        self.limits = limits
        self.redis = redis
        self._failing = False

    def _redis_down(self, exc: BaseException) -> None:
        if not self._failing:
            self._failing = True
            log.warning("Redis unavailable for rate limits (%s); counting in the database until it is back", exc)

    def _redis_ok(self) -> None:
        if self._failing:
            self._failing = False
            log.warning("Redis is back; rate limits count there again")

    async def counts(self, keys: list[str], window_seconds: int) -> tuple[list[int], int]:
        """Count one request under each key; returns (each key's count in this window, seconds
        until the window ends)."""
        now = time.time()
        window = int(now // window_seconds)
        retry_after = max(1, int((window + 1) * window_seconds - now))
        full_keys = [f"rl:{key}:{window}" for key in keys]
        if self.redis is not None:
            try:
                pipe = self.redis.pipeline()
                for full_key in full_keys:
                    pipe.incr(full_key)
                    pipe.expire(full_key, window_seconds + 5)
                results = await pipe.execute()
                self._redis_ok()
                return [int(n) for n in results[::2]], retry_after
            except redis_down() as exc:
                self._redis_down(exc)  # count in the database meanwhile: a limit, not an outage
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

    async def exceeded(self, bucket: str, *, client: str) -> int | None:
        """Seconds to wait when the address is over the bucket's limit in this window (nothing
        counted), else None."""
        limit = self.limits[bucket]
        now = time.time()
        window = int(now // limit.window_seconds)
        key = f"rl:{bucket}:c:{client}:{window}"
        hits = None
        if self.redis is not None:
            try:
                hits = int(await self.redis.get(key) or 0)
            except redis_down() as exc:
                self._redis_down(exc)
        if hits is None:
            rows = await RateCounter.select(RateCounter.hits).where(RateCounter.key == key)
            hits = int(rows[0]["hits"]) if rows else 0
        if hits < limit.per_client:
            return None
        return max(1, int((window + 1) * limit.window_seconds - now))

    async def check(self, bucket: str, *, account: str | None, client: str) -> None:
        limit = self.limits[bucket]
        checks = [(f"{bucket}:c:{client}", limit.per_client)]
        if account is not None:
            checks.insert(0, (f"{bucket}:a:{account}", limit.per_account))
        counts, retry_after = await self.counts([key for key, _ in checks], limit.window_seconds)
        if any(count > allowed for count, (_, allowed) in zip(counts, checks, strict=True)):
            raise RateLimited(retry_after=retry_after)


# Registration answers 409 `phone_taken` (the API's contract), which tells whether a number has
# an account: an address gets few of those answers an hour, then no answer at all for a while.
REGISTRATION = "registration"
PHONE_TAKEN = "registration_taken"


def client_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.client.host if connection.client else "-"


async def registering(connection: ASGIConnection[Any, Any, Any, Any], work: Callable[[], Awaitable[T]]) -> T:
    """Run a registration, counting the answers that reveal a registered phone."""
    limiter: RateLimiter = connection.app.state.rate_limiter
    client = client_of(connection)
    if (wait := await limiter.exceeded(PHONE_TAKEN, client=client)) is not None:
        raise RateLimited(retry_after=wait)
    try:
        return await work()
    except PhoneTaken:
        await limiter.check(PHONE_TAKEN, account=None, client=client)
        raise


async def rate_limit_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    bucket = handler.opt.get("rate_limit")
    if not bucket:
        return
    limiter: RateLimiter = connection.app.state.rate_limiter
    actor = connection.scope.get("user")
    client = client_of(connection)
    await limiter.check(bucket, account=str(actor.user_id) if actor else None, client=client)
