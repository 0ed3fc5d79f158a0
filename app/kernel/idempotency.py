"""The one idempotency mechanism: the first answer to (owner, key) is kept and given again.

Three doors use it: the API's `Idempotency-Key` middleware, the scan-driven desk pages (a
nonce per scan) and check-ins (a nonce per scan). A unique index on (owner, key) decides
which of two simultaneous attempts acts; the other sees the claim "in progress" and is told
to retry. The fingerprint says what the key was first used for: the same key for another
request is a mismatch, which each door answers in its own way.

Two ways to record an answer:
- `claim()` before the work, then `complete()` (or `release()` when it failed): for work that
  is not one transaction of ours (the middleware wraps a whole request);
- `record()` inside the business transaction, with the answer: the answer and the change
  commit together or not at all (check-ins).

A claim whose owner died before completing it is taken over after `LEASE`, so a retry never
waits for hours; records are kept `KEEP_FOR` and a fresh claim replaces an older one.
Every time comes from the caller's clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from app.kernel.db import is_unique_violation
from app.kernel.tables import IdempotencyRecord
from app.kernel.values import frozen

KEEP_FOR = timedelta(hours=24)
LEASE = timedelta(seconds=30)


class State(Enum):
    NEW = "new"  # claimed now: do the work
    REPLAY = "replay"  # done before: give `answer` again
    IN_PROGRESS = "in_progress"  # someone is doing it right now: retry in a moment
    MISMATCH = "mismatch"  # the key was first used for another request


@frozen
class Answer:
    """A stored answer: a status, the headers worth replaying and the body."""

    status: int = 200
    body: bytes = b""
    headers: list[list[str]] = field(default_factory=list)

    @classmethod
    def of_json(cls, value: Any, status: int = 200) -> Answer:
        return cls(status=status, body=json.dumps(value, ensure_ascii=False, default=str).encode())

    def json(self) -> Any:
        return json.loads(self.body)


@frozen
class Claim:
    state: State
    answer: Answer | None = None


def fingerprint(*parts: bytes | str) -> str:
    """A short digest of what a key is used for (method, path, body; or a scan's target)."""
    joined = b"\0".join(p.encode() if isinstance(p, str) else p for p in parts)
    return hashlib.sha256(joined).hexdigest()


def _where(owner: str, key: str) -> Any:
    return (IdempotencyRecord.owner == owner) & (IdempotencyRecord.key == key)


def _answer(row: dict[str, Any]) -> Answer:
    headers = row["headers"]
    if isinstance(headers, str):
        headers = json.loads(headers)
    return Answer(status=int(row["status"]), body=bytes(row["body"]), headers=list(headers or []))


def judge(row: dict[str, Any], print_: str, now: datetime) -> Claim | None:
    """What an existing record means for a new attempt; None when it no longer counts."""
    if row["created_at"] < now - KEEP_FOR:
        return None
    if row["fingerprint"] != print_:
        return Claim(State.MISMATCH)
    if row["completed"]:
        return Claim(State.REPLAY, _answer(row))
    if row["created_at"] < now - LEASE:
        return None  # its owner died mid-way: take it over
    return Claim(State.IN_PROGRESS)


async def lookup(owner: str, key: str, print_: str, *, now: datetime) -> Claim | None:
    """The earlier attempt's verdict (replay, in progress, mismatch), or None: act."""
    row = await IdempotencyRecord.select().where(_where(owner, key)).first()
    return judge(row, print_, now) if row is not None else None


async def claim(owner: str, key: str, print_: str, *, now: datetime, method: str = "POST", path: str = "") -> Claim:
    """Claim (owner, key) before doing the work; `Claim.state` says whether to act."""
    for _attempt in range(3):
        row = await IdempotencyRecord.select().where(_where(owner, key)).first()
        if row is not None:
            verdict = judge(row, print_, now)
            if verdict is not None:
                return verdict
            # Expired or abandoned: take it over, unless another attempt just did.
            taken = await (
                IdempotencyRecord.update(
                    {
                        IdempotencyRecord.fingerprint: print_,
                        IdempotencyRecord.completed: False,
                        IdempotencyRecord.status: 0,
                        IdempotencyRecord.body: b"",
                        IdempotencyRecord.headers: [],
                        IdempotencyRecord.created_at: now,
                    }
                )
                .where(_where(owner, key) & (IdempotencyRecord.created_at == row["created_at"]))
                .returning(IdempotencyRecord.id)
            )
            if taken:
                return Claim(State.NEW)
            continue
        try:
            await IdempotencyRecord.insert(
                IdempotencyRecord(
                    owner=owner, key=key, fingerprint=print_, method=method[:10], path=path[:500], created_at=now
                )
            )
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            continue  # a simultaneous attempt claimed it first: judge its record
        return Claim(State.NEW)
    return Claim(State.IN_PROGRESS)


async def complete(owner: str, key: str, answer: Answer) -> None:
    await IdempotencyRecord.update(
        {
            IdempotencyRecord.completed: True,
            IdempotencyRecord.status: answer.status,
            IdempotencyRecord.headers: answer.headers,
            IdempotencyRecord.body: answer.body,
        }
    ).where(_where(owner, key))


async def release(owner: str, key: str) -> None:
    """The work failed: forget the claim, so that the next attempt acts again."""
    await IdempotencyRecord.delete().where(_where(owner, key) & (IdempotencyRecord.completed == False))


async def record(owner: str, key: str, print_: str, answer: Answer, *, now: datetime) -> None:
    """Store a completed answer inside the caller's transaction. A unique violation means a
    simultaneous attempt with the same key won: the caller's transaction rolls back, and
    `lookup()` then finds the winner's answer."""
    await IdempotencyRecord.insert(
        IdempotencyRecord(
            owner=owner,
            key=key,
            fingerprint=print_,
            method="POST",
            completed=True,
            status=answer.status,
            headers=answer.headers,
            body=answer.body,
            created_at=now,
        )
    )


async def purge(*, now: datetime) -> int:
    """Forget answers past `KEEP_FOR` (the daily clean-up job); how many went."""
    gone = (
        await IdempotencyRecord.delete()
        .where(IdempotencyRecord.created_at < now - KEEP_FOR - LEASE)
        .returning(IdempotencyRecord.id)
    )
    return len(gone)


async def once(owner: str, key: str, print_: str, work: Callable[[], Awaitable[Answer]], *, now: datetime) -> Claim:
    """Do `work` once per (owner, key): NEW with the fresh answer, REPLAY with the first,
    IN_PROGRESS while the first attempt still runs, MISMATCH for another request's key."""
    verdict = await claim(owner, key, print_, now=now)
    if verdict.state is not State.NEW:
        return verdict
    try:
        answer = await work()
    except BaseException:
        await release(owner, key)
        raise
    await complete(owner, key, answer)
    return Claim(State.NEW, answer)
