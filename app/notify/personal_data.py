"""What messaging keeps about a family (app.accounts.personal_data): the deliveries of its
notices by SMS and WeChat, and on the embedded default the console's copy of its SMS."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.accounts.personal_data import Subject, exported
from app.kernel.values import frozen
from app.notify.tables import ConsoleSms, Delivery


@frozen
class MessagesData:
    name: str = "messages"

    async def export(self, subject: Subject) -> dict[str, Any]:
        users = list(subject.user_ids) or [-1]
        rows = await Delivery.select(
            Delivery.channel, Delivery.status, Delivery.attempts, Delivery.created_at, Delivery.finished_at
        ).where(Delivery.recipient_id.is_in(users))
        return {"deliveries": exported(rows)}

    async def erase(self, subject: Subject, *, now: datetime) -> None:
        await Delivery.delete().where(Delivery.recipient_id.is_in(list(subject.user_ids) or [-1]))
        await ConsoleSms.delete().where(ConsoleSms.phone.is_in(list(subject.phones) or ["-"]))

    async def forget_children(self, subject: Subject, *, now: datetime) -> None:
        """Messages go to the guardian: nothing about the children is kept here."""


PERSONAL_DATA = MessagesData()
