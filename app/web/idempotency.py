"""`Idempotency-Key` on state-changing API requests: the same key from the same user returns
the first response again (kept 24 h) instead of acting twice, through the one idempotency
helper (`app.kernel.idempotency`) on the app's clock.

A unique index on (owner, key) makes two simultaneous requests with one key act once: the
second sees the first "in progress" and gets 409 `idempotency_in_progress`. A key reused
with a different request gets 422 `idempotency_key_reused`. Server errors are not stored,
so a retry after a 5xx acts again. Log-in (token creation) is never stored: its response
holds a secret.
"""

from __future__ import annotations

import json
from typing import Any

from litestar.types import ASGIApp, Scope

from app.kernel import idempotency
from app.kernel.clock import Clock
from app.kernel.numbers import is_whole_number

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


DEFAULT_MAX_BODY = 10_000_000


async def _read_body(scope: Scope, receive: Any) -> bytes | None:
    """The request body, which the key's fingerprint needs, or None past the route's size limit:
    the limit holds before anything is buffered (a declared length over it is refused unread)."""
    handler = scope.get("route_handler")
    resolve = getattr(handler, "resolve_request_max_body_size", None)
    limit = (resolve() if resolve else None) or DEFAULT_MAX_BODY
    declared = _header(scope, b"content-length")
    if declared is not None and is_whole_number(declared, 18) and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _replaying(body: bytes, receive: Any) -> Any:
    """A `receive` that gives the app the body the key's fingerprint already read."""
    sent = False

    async def replay() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _Recorder:
    """Holds the response until its last part, records it, then sends it all."""

    def __init__(self, owner: str, key: str, send: Any) -> None:
        self.owner, self.key, self.out = owner, key, send
        self.held: list[Any] = []
        self.recorded = False

    async def send(self, message: Any) -> None:
        self.held.append(message)
        if message["type"] != "http.response.body" or message.get("more_body", False):
            return
        start = self.held[0]
        if start["status"] >= 500:
            await idempotency.release(self.owner, self.key)
        else:
            body = b"".join(m.get("body", b"") for m in self.held[1:])
            kept = [
                [k.decode("latin-1"), v.decode("latin-1")]
                for k, v in start.get("headers", [])
                if k.lower() in REPLAYED_HEADERS
            ]
            await idempotency.complete(self.owner, self.key, idempotency.Answer(start["status"], body, kept))
        self.recorded = True
        for held in self.held:
            await self.out(held)
        self.held.clear()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        path = scope.get("path", "")
        if not key or scope.get("method") not in METHODS or not path.startswith("/api/") or path in NOT_STORED:
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= 255:
            await _send_problem(send, 400, "invalid_input", "Idempotency-Key 长度应为 1–255 个字符")
            return

        body = await _read_body(scope, receive)
        if body is None:
            await _send_problem(send, 413, "payload_too_large", "提交的内容太大")
            return

        actor = scope.get("user")
        client = scope.get("client") or ("-", 0)
        owner = f"user:{actor.user_id}" if actor is not None else f"anon:{client[0]}"
        print_ = idempotency.fingerprint(scope["method"], path, scope.get("query_string", b""), body)
        verdict = await idempotency.claim(owner, key, print_, now=self.clock.now(), method=scope["method"], path=path)
        if verdict.state is not idempotency.State.NEW:
            await self.answer_existing(verdict, send)
            return

        await self.act_once(scope, _replaying(body, receive), send, owner, key)

    async def act_once(self, scope: Any, receive: Any, send: Any, owner: str, key: str) -> None:
        """Run the request and record its answer before it leaves: a process that dies after
        answering has already recorded it, so the client's retry gets it, not "in progress"."""
        recorder = _Recorder(owner, key, send)
        try:
            await self.app(scope, receive, recorder.send)
        finally:
            if not recorder.recorded:  # failed before answering: the next try acts again
                await idempotency.release(owner, key)

    async def answer_existing(self, verdict: idempotency.Claim, send: Any) -> None:
        if verdict.state is idempotency.State.MISMATCH:
            await _send_problem(send, 422, "idempotency_key_reused", "这个 Idempotency-Key 已用于另一个请求")
            return
        if verdict.state is idempotency.State.IN_PROGRESS or verdict.answer is None:
            await _send_problem(send, 409, "idempotency_in_progress", "相同的请求正在处理中", retry_after=1)
            return
        answer = verdict.answer
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers]
        headers += [(b"content-length", str(len(answer.body)).encode()), (b"idempotent-replayed", b"true")]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})
