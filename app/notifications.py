"""Notifications: drain the outbox into the in-app inbox, exactly once in effect.

Each message is claimed by a conditional update (`delivered_at IS NULL`) in the same
transaction as the inbox insert, and the inbox has a unique `outbox_id`: two delivery jobs
running at once, or one job run twice (arq delivers at least once), deliver it once.

SMS and WeChat plug in as `Channel` adapters beside the inbox; none is configured yet.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from app.kernel.clock import Clock, system_clock
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.tables import Notification, OutboxMessage

log = logging.getLogger("storycorner.notifications")

BATCH = 200


class Channel(Protocol):
    """An outside delivery channel (SMS, WeChat template message)."""

    name: str

    async def send(self, message: dict[str, Any]) -> None: ...


EXTERNAL_CHANNELS: list[Channel] = []


async def deliver_pending(*, clock: Clock = system_clock) -> int:
    """Deliver every undelivered outbox message; returns how many this call delivered."""
    delivered = 0
    while True:
        batch = (
            await OutboxMessage.select()
            .where(OutboxMessage.delivered_at.is_null())
            .order_by(OutboxMessage.id)
            .limit(BATCH)
        )
        if not batch:
            return delivered
        for message in batch:
            if await _deliver_one(message, clock):
                delivered += 1
        if len(batch) < BATCH:
            return delivered


async def _deliver_one(message: dict[str, Any], clock: Clock) -> bool:
    now = clock.now()
    try:
        async with write_transaction():
            claimed = (
                await OutboxMessage.update(
                    {OutboxMessage.delivered_at: now, OutboxMessage.attempts: OutboxMessage.attempts + 1}
                )
                .where((OutboxMessage.id == message["id"]) & OutboxMessage.delivered_at.is_null())
                .returning(OutboxMessage.id)
            )
            if not claimed:
                return False  # another worker delivered it
            await Notification.insert(
                Notification(
                    user_id=message["recipient_id"],
                    outbox_id=message["id"],
                    kind=message["kind"],
                    title=message["title"],
                    body=message["body"],
                    link=message["link"],
                    created_at=now,
                )
            )
    except Exception as exc:
        if is_unique_violation(exc):
            return False
        raise
    for channel in EXTERNAL_CHANNELS:
        try:
            await channel.send(message)
        except Exception:  # an outside channel failing never loses the inbox copy
            log.exception("channel %s failed for outbox %s", channel.name, message["id"])
    return True


async def deliver_outbox_job(ctx: dict[str, Any]) -> int:
    return await deliver_pending(clock=ctx.get("clock", system_clock))


async def inbox(user_id: int, *, before_id: int | None = None, limit: int = 20) -> list[dict[str, Any]]:
    query = Notification.select().where(Notification.user_id == user_id)
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    return list(await query.order_by(Notification.id, ascending=False).limit(limit))


async def unread_count(user_id: int) -> int:
    return int(await Notification.count().where((Notification.user_id == user_id) & (Notification.read == False)))


async def mark_read(user_id: int, ids: list[int] | None = None) -> None:
    query = Notification.update({Notification.read: True}).where(Notification.user_id == user_id)
    if ids is not None:
        query = query.where(Notification.id.is_in(ids or [-1]))
    await query
