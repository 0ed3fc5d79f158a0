"""Browser sessions in a store shared by every web process: the database, with Redis in
front of it when `REDIS_URL` is set (a read per request stays in memory). The database holds
every session, so Redis going down logs nobody out and log-in keeps working: the store reads
the database while Redis fails (said once in the log). The cookie holds a random id; the
store key is its hash, so a leaked store does not leak live cookies. Rotated at every log-in
(session fixation)."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.stores.base import Store
from piccolo.query.mixins import OnConflictAction

from app.kernel.db import write_transaction
from app.kernel.values import frozen
from app.settings import Settings
from app.tables import KeyValue
from app.web.ratelimit import redis_down

log = logging.getLogger("storycorner.sessions")

SESSION_COOKIE = "sc_session"
SESSION_TTL = timedelta(days=30)


def _expiry(expires_in: int | timedelta | None) -> datetime | None:
    if expires_in is None:
        return None
    seconds = expires_in.total_seconds() if isinstance(expires_in, timedelta) else expires_in
    return datetime.now(UTC) + timedelta(seconds=seconds)


class DatabaseStore(Store):
    """A Litestar `Store` on the `app_kv` table (works on SQLite and PostgreSQL)."""

    def __init__(self, namespace: str = "") -> None:
        self.namespace = namespace

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}" if self.namespace else key

    def _live(self, key: str) -> Any:
        now = datetime.now(UTC)
        return (KeyValue.key == self._key(key)) & (KeyValue.expires_at.is_null() | (KeyValue.expires_at > now))

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        expires_at = _expiry(expires_in)
        async with write_transaction():
            await KeyValue.insert(KeyValue(key=self._key(key), value=data, expires_at=expires_at)).on_conflict(
                target=KeyValue.key,
                action=OnConflictAction.do_update,
                values=[KeyValue.value, KeyValue.expires_at],
            )

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        row = await KeyValue.select(KeyValue.value).where(self._live(key)).first()
        if row is None:
            return None
        if renew_for is not None:
            await KeyValue.update({KeyValue.expires_at: _expiry(renew_for)}).where(KeyValue.key == self._key(key))
        return bytes(row["value"])

    async def delete(self, key: str) -> None:
        await KeyValue.delete().where(KeyValue.key == self._key(key))

    async def delete_all(self) -> None:
        prefix = f"{self.namespace}:%" if self.namespace else "%"
        await KeyValue.delete().where(KeyValue.key.like(prefix))

    async def exists(self, key: str) -> bool:
        return await KeyValue.exists().where(self._live(key))

    async def expires_in(self, key: str) -> int | None:
        row = await KeyValue.select(KeyValue.expires_at).where(self._live(key)).first()
        if row is None or row["expires_at"] is None:
            return None
        return int((row["expires_at"] - datetime.now(UTC)).total_seconds())


class CachedStore(Store):
    """The database store with Redis as a cache in front: writes go to both (the database
    first: it is the record), reads try Redis and fall back to the database, which also covers
    a Redis that was flushed or restarted empty."""

    def __init__(self, cache: Store, durable: Store) -> None:
        self.cache = cache
        self.durable = durable
        self._failing = False

    async def _try(self, work: Any) -> Any:
        try:
            result = await work
        except redis_down() as exc:
            if not self._failing:
                self._failing = True
                log.warning("Redis unavailable for sessions (%s); reading them from the database", exc)
            return _MISSING
        if self._failing:
            self._failing = False
            log.warning("Redis is back for sessions")
        return result

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        await self.durable.set(key, value, expires_in)
        await self._try(self.cache.set(key, value, expires_in))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        cached = await self._try(self.cache.get(key, renew_for))
        if cached is not _MISSING and cached is not None:
            return bytes(cached)
        value = await self.durable.get(key, renew_for)
        if value is not None and cached is not _MISSING:  # Redis answers but lost it: warm it again
            ttl = await self.durable.expires_in(key)
            await self._try(self.cache.set(key, value, ttl))
        return value

    async def delete(self, key: str) -> None:
        await self.durable.delete(key)
        await self._try(self.cache.delete(key))

    async def delete_all(self) -> None:
        await self.durable.delete_all()
        await self._try(self.cache.delete_all())

    async def exists(self, key: str) -> bool:
        return await self.durable.exists(key)

    async def expires_in(self, key: str) -> int | None:
        return await self.durable.expires_in(key)


_MISSING = object()


def build_session_store(settings: Settings) -> Store:
    durable = DatabaseStore(namespace="session")
    if settings.redis_url:
        from litestar.stores.redis import RedisStore  # the embedded default runs without Redis

        return CachedStore(RedisStore.with_client(url=settings.redis_url, namespace="storycorner:sessions"), durable)
    return durable


def store_key(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


# A staff session ends after this long without a request (staff pages show other families'
# data; a phone left at the desk must not stay logged in); a family's lasts SESSION_TTL.
STAFF_IDLE = timedelta(hours=12)
# How stale "last seen" may get before it is written again (one write per user every few
# minutes, not one per request).
SEEN_EVERY = timedelta(minutes=5)


@frozen
class SessionData:
    user_id: int
    epoch: int
    seen: datetime | None = None  # the last request (sessions from before have none)


def encode_session(user_id: int, epoch: int, seen: datetime | None = None) -> bytes:
    data: dict[str, Any] = {"uid": user_id, "epoch": epoch}
    if seen is not None:
        data["seen"] = int(seen.timestamp())
    return json.dumps(data).encode()


def decode_session(raw: bytes) -> SessionData | None:
    try:
        data = json.loads(raw)
        seen = datetime.fromtimestamp(int(data["seen"]), UTC) if "seen" in data else None
        return SessionData(int(data["uid"]), int(data["epoch"]), seen)
    except (ValueError, KeyError, TypeError, OverflowError, OSError):
        return None
