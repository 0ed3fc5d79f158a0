"""What the families are told about their bookings (through the outbox, in the transaction
of the change); every notice links to their bookings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.kernel import outbox
from app.kernel.clock import local_zone


def when(moment: datetime) -> str:
    """A moment in the notices' words: `11月28日 10:30`."""
    return moment.astimezone(local_zone()).strftime("%m月%d日 %H:%M")


async def tell(user_id: int | None, kind: str, title: str, body: str, now: datetime, **payload: Any) -> None:
    """Notify the account that booked (nobody when it is gone); call inside the change's
    `write_transaction()`."""
    if user_id is not None:
        await outbox.add(
            recipient_id=user_id, kind=kind, title=title, body=body, link="/bookings", now=now, payload=payload or None
        )
