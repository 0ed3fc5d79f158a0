"""`Idempotency-Key` on state-changing API requests: the same key from the same user returns
the first response again (kept 24 h) instead of acting twice.

A unique index on (owner, key) makes two simultaneous requests with one key act once: the
second sees the first "in progress" and gets 409 `idempotency_in_progress`. A key reused
with a different request gets 422 `idempotency_key_reused`. Server errors are not stored,
so a retry after a 5xx acts again. Log-in (token creation) is never stored: its response
holds a secret.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.types import ASGIApp, Scope

from app.kernel.db import is_unique_violation
from app.kernel.tables import IdempotencyRecord

KEEP_FOR = timedelta(hours=24)
METHODS = {"POST", "PUT", "PATCH", "DELETE"}
NOT_STORED = {"/api/v1/auth/tokens"}
REPLAYED_HEADERS = {b"content-type", b"location", b"retry-after"}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


async def _send_problem(send: Any, status: int, code: str, title: str, retry_after: int | None = None) -> None:
    body = json.dumps(
        {"type": "about:blank", "status": status, "code": code, "title": title, "detail": title}, ensure_ascii=False
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    if retry_after:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        path = scope.get("path", "")
        if not key or scope.get("method") not in METHODS or not path.startswith("/api/") or path in NOT_STORED:
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= 255:
            await _send_problem(send, 400, "invalid_input", "Idempotency-Key 长度应为 1–255 个字符")
            return

        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)

        actor = scope.get("user")
        client = scope.get("client") or ("-", 0)
        owner = f"user:{actor.user_id}" if actor is not None else f"anon:{client[0]}"
        fingerprint = hashlib.sha256(
            b"\0".join([scope["method"].encode(), path.encode(), scope.get("query_string", b""), body])
        ).hexdigest()
        where = (IdempotencyRecord.owner == owner) & (IdempotencyRecord.key == key)
        now = datetime.now(UTC)

        existing = await IdempotencyRecord.select().where(where).first()
        if existing is not None and existing["created_at"] < now - KEEP_FOR:
            await IdempotencyRecord.delete().where(where)
            existing = None
        if existing is None:
            try:
                await IdempotencyRecord.insert(
                    IdempotencyRecord(
                        owner=owner, key=key, fingerprint=fingerprint, method=scope["method"], path=path, created_at=now
                    )
                )
            except Exception as exc:
                if not is_unique_violation(exc):
                    raise
                existing = await IdempotencyRecord.select().where(where).first()
        if existing is not None:
            await self.answer_existing(existing, fingerprint, send)
            return

        sent_body = False

        async def replay_receive() -> Any:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        headers: list[tuple[bytes, bytes]] = []
        out: list[bytes] = []

        async def capture(message: Any) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                out.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        finally:
            if status >= 500:
                await IdempotencyRecord.delete().where(where)
            else:
                kept = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers if k.lower() in REPLAYED_HEADERS]
                await IdempotencyRecord.update(
                    {
                        IdempotencyRecord.completed: True,
                        IdempotencyRecord.status: status,
                        IdempotencyRecord.headers: kept,
                        IdempotencyRecord.body: b"".join(out),
                    }
                ).where(where)

    async def answer_existing(self, record: dict[str, Any], fingerprint: str, send: Any) -> None:
        if record["fingerprint"] != fingerprint:
            await _send_problem(send, 422, "idempotency_key_reused", "这个 Idempotency-Key 已用于另一个请求")
            return
        if not record["completed"]:
            await _send_problem(send, 409, "idempotency_in_progress", "相同的请求正在处理中", retry_after=1)
            return
        stored = record["headers"]
        if isinstance(stored, str):
            stored = json.loads(stored)
        body = bytes(record["body"])
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored]
        headers += [(b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]
        await send({"type": "http.response.start", "status": record["status"], "headers": headers})
        await send({"type": "http.response.body", "body": body})
