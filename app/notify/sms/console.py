"""`SMS_PROVIDER=console`, the embedded default: a message goes to the server log and to the
staff page /staff/dev/sms instead of a phone, so `make run` shows every step of a flow."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from app.kernel.values import frozen
from app.notify.sms.base import SendResult, SmsMessage, Status
from app.notify.tables import ConsoleSms

log = logging.getLogger("storycorner.sms")
KEEP = 200


@frozen
class ConsoleMessage:
    id: int
    phone: str
    text: str
    at: datetime


class ConsoleProvider:
    name = "console"

    async def send(self, message: SmsMessage) -> SendResult:
        log.warning("SMS (console) to %s: %s", message.phone, message.text)
        rows = await ConsoleSms.insert(
            ConsoleSms(phone=message.phone, text=message.text, at=datetime.now(UTC))
        ).returning(ConsoleSms.id)
        kept = ConsoleSms.select(ConsoleSms.id).order_by(ConsoleSms.id, ascending=False).limit(KEEP)
        await ConsoleSms.delete().where(ConsoleSms.id.not_in(kept))
        return SendResult(Status.SENT, message_id=f"console-{rows[0]['id']}")


async def latest(limit: int = 50) -> list[ConsoleMessage]:
    rows = await ConsoleSms.select().order_by(ConsoleSms.id, ascending=False).limit(limit)
    return [ConsoleMessage(id=r["id"], phone=r["phone"], text=r["text"], at=r["at"]) for r in rows]
