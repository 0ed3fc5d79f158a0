"""Deliver the outbox: the inbox at once, then SMS and WeChat.

1. Each outbox message is claimed by a conditional update (`delivered_at IS NULL`) in the
   same transaction as its inbox row (unique `outbox_id`) and its `Delivery` rows, one per
   outside channel the plan picks (unique `(outbox_id, channel)`): two jobs at once, or one
   run twice, deliver it once.
2. A due `Delivery` is claimed (`pending` → `sending`) before its provider is called, so a
   notice goes out at most once per channel. A refusal for now (throttled, provider down)
   is tried again later with backoff; after the last try, or a definite refusal (invalid
   number), it stays failed: the inbox holds the notice (the fallback). No answer at all
   (a timeout after sending) is never resent. Every try is recorded (`DeliveryAttempt`).

A provider that is down never blocks the change that wrote the notice: only this job waits.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from app.accounts.services.preferences import Recipient, recipient
from app.kernel import notices
from app.kernel.clock import Clock, system_clock
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.tables import Notification, OutboxMessage
from app.notify import plan
from app.notify.channels import Outgoing, channels
from app.notify.sms.base import SendResult, Status
from app.notify.tables import Delivery, DeliveryAttempt

log = logging.getLogger("storycorner.notifications")

BATCH = 200
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=20), timedelta(hours=1))
MAX_ATTEMPTS = len(BACKOFF) + 1
STUCK = timedelta(minutes=10)  # a send claimed this long ago got no answer: never resent
# Outside calls in flight at once in a run. A provider answers in a tenth of a second or more,
# so one at a time a morning's ~2,000 reminders would take minutes; eight stay far below the
# providers' request limits, and the database is used only between the calls.
SENDING_AT_ONCE = 8


def loaded(value: Any) -> dict[str, Any] | None:
    """A JSON column's value (SQLite hands back text)."""
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else None


async def deliver_pending(*, clock: Clock = system_clock) -> int:
    """Deliver every undelivered outbox message to the inbox and plan its outside channels;
    returns how many this call delivered."""
    delivered = 0
    while True:
        batch = (
            await OutboxMessage.select()
            .where(OutboxMessage.delivered_at.is_null())
            .order_by(OutboxMessage.id)
            .limit(BATCH)
        )
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
                    params=loaded(message["params"]),
                    created_at=now,
                )
            )
            await _plan(message, now)
    except Exception as exc:
        if is_unique_violation(exc):
            return False
        raise
    return True


async def _plan(message: dict[str, Any], now: datetime) -> None:
    who = await recipient(message["recipient_id"])
    if who is None:
        return
    for name in plan.channels_for(message["kind"], who, channels()):
        await Delivery.insert(
            Delivery(
                outbox_id=message["id"],
                recipient_id=message["recipient_id"],
                channel=name,
                next_attempt_at=plan.when(name, message["kind"], now),
                created_at=now,
            )
        )


async def send_due(*, clock: Clock = system_clock) -> int:
    """Send every outside delivery that is due, batch after batch as `deliver_pending` does (a
    city's morning reminders are thousands); returns how many went out. Each delivery a batch
    reads leaves the due set (sent, finished, claimed by another run, or retried later), so
    the loop ends."""
    now = clock.now()
    await Delivery.update({Delivery.status: "unknown", Delivery.finished_at: now}).where(
        (Delivery.status == "sending") & (Delivery.claimed_at < now - STUCK)
    )
    sent = 0
    while True:
        due = (
            await Delivery.select(Delivery.id)
            .where((Delivery.status == "pending") & (Delivery.next_attempt_at <= now))
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(BATCH)
        )
        sent += await _send_each([row["id"] for row in due], clock)
        if len(due) < BATCH:
            return sent


async def _send_each(delivery_ids: list[int], clock: Clock) -> int:
    """Send these deliveries, SENDING_AT_ONCE at a time; returns how many went out. Each is
    claimed before its call, so two runs at once still send each once."""
    waiting = iter(delivery_ids)  # shared: each id is taken by one sender
    sent = 0

    async def sender() -> None:
        nonlocal sent
        for delivery_id in waiting:
            if await _send_one(delivery_id, clock) is Status.SENT:
                sent += 1

    senders = min(SENDING_AT_ONCE, len(delivery_ids))
    outcomes = await asyncio.gather(*(sender() for _ in range(senders)), return_exceptions=True)
    # A sender that failed (the database gone, say) left the rest to the others; the run still
    # fails, as it did sending one at a time, once every call in flight has been recorded.
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return sent


async def _send_one(delivery_id: int, clock: Clock) -> Status | None:
    now = clock.now()
    claimed = (
        await Delivery.update(
            {Delivery.status: "sending", Delivery.claimed_at: now, Delivery.attempts: Delivery.attempts + 1}
        )
        .where((Delivery.id == delivery_id) & (Delivery.status == "pending") & (Delivery.next_attempt_at <= now))
        .returning(Delivery.id, Delivery.outbox_id, Delivery.recipient_id, Delivery.channel, Delivery.attempts)
    )
    if not claimed:
        return None  # another run has it
    delivery = claimed[0]
    message = await OutboxMessage.select().where(OutboxMessage.id == delivery["outbox_id"]).first()
    who = await recipient(delivery["recipient_id"])
    channel = channels().get(delivery["channel"])
    if message is None or who is None or channel is None or not channel.reaches(who, message["kind"]):
        await _finish(delivery, "skipped", SendResult(Status.FAILED, error="nothing to send to any more"), now)
        return None
    try:
        result = await channel.send(who, _outgoing(message, who), now)
    except Exception as exc:  # a channel's own bug must not stop the others
        log.exception("channel %s failed for delivery %s", channel.name, delivery_id)
        result = SendResult(Status.RETRY, error=repr(exc)[:500])
    await _record(delivery, channel.provider, message["kind"], result, now)
    await _after(delivery, message["kind"], result, now)
    return result.status


def _outgoing(message: dict[str, Any], who: Recipient) -> Outgoing:
    params = loaded(message["params"])
    rendered = notices.render(
        message["kind"],
        params,
        who.preferences.locale,
        title=message["title"],
        body=message["body"],
        link=message["link"],
    )
    return Outgoing(kind=message["kind"], params=params or {}, rendered=rendered)


async def _record(delivery: dict[str, Any], provider: str, kind: str, result: SendResult, now: datetime) -> None:
    await DeliveryAttempt.insert(
        DeliveryAttempt(
            delivery_id=delivery["id"],
            channel=delivery["channel"],
            provider=provider,
            kind=kind,
            provider_message_id=result.message_id,
            status=result.status.value,
            error=result.error,
            at=now,
        )
    )


async def _after(delivery: dict[str, Any], kind: str, result: SendResult, now: datetime) -> None:
    if result.status is Status.RETRY and delivery["attempts"] < MAX_ATTEMPTS:
        later = plan.when(delivery["channel"], kind, now + BACKOFF[delivery["attempts"] - 1])
        await Delivery.update(
            {Delivery.status: "pending", Delivery.next_attempt_at: later, Delivery.last_error: result.error}
        ).where(Delivery.id == delivery["id"])
        return
    status = {Status.SENT: "sent", Status.UNKNOWN: "unknown"}.get(result.status, "failed")
    await _finish(delivery, status, result, now)


async def _finish(delivery: dict[str, Any], status: str, result: SendResult, now: datetime) -> None:
    await Delivery.update(
        {
            Delivery.status: status,
            Delivery.provider_message_id: result.message_id,
            Delivery.last_error: result.error,
            Delivery.finished_at: now,
        }
    ).where(Delivery.id == delivery["id"])
    if status in {"failed", "unknown"}:
        log.warning(
            "notice %s not delivered by %s (%s): the inbox holds it",
            delivery["outbox_id"],
            delivery["channel"],
            result.error,
        )


async def deliver_outbox_job(ctx: dict[str, Any]) -> int:
    clock = ctx.get("clock", system_clock)
    delivered = await deliver_pending(clock=clock)
    await send_due(clock=clock)
    return delivered
