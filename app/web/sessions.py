"""Browser sessions in a store shared by every web process: the database by default, Redis
when `REDIS_URL` is set. The cookie holds a random id; the store key is its hash, so a leaked
store does not leak live cookies. Rotated at every log-in (session fixation)."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.stores.base import Store
from litestar.stores.redis import RedisStore
from piccolo.query.mixins import OnConflictAction

from app.kernel.db import write_transaction
from app.settings import Settings
from app.tables import KeyValue

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


def build_session_store(settings: Settings) -> Store:
    if settings.redis_url:
        return RedisStore.with_client(url=settings.redis_url, namespace="storycorner:sessions")
    return DatabaseStore(namespace="session")


def store_key(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def encode_session(user_id: int, epoch: int) -> bytes:
    return json.dumps({"uid": user_id, "epoch": epoch}).encode()


def decode_session(raw: bytes) -> tuple[int, int] | None:
    try:
        data = json.loads(raw)
        return int(data["uid"]), int(data["epoch"])
    except (ValueError, KeyError, TypeError):
        return None
