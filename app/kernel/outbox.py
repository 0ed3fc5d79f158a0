"""Write notifications to the outbox inside the caller's transaction."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from typing import Any

from app.kernel.tables import OutboxMessage

# Set when a request wrote to the outbox, so the wiring can ask for delivery right after.
written: ContextVar[bool] = ContextVar("outbox_written", default=False)


async def add(
    *,
    recipient_id: int,
    kind: str,
    title: str,
    body: str,
    now: datetime,
    link: str = "",
    payload: dict[str, Any] | None = None,
) -> int:
    """Queue a notification; call inside the `write_transaction()` of the change."""
    rows = await OutboxMessage.insert(
        OutboxMessage(
            recipient_id=recipient_id,
            kind=kind,
            title=title,
            body=body,
            link=link,
            payload=payload or {},
            created_at=now,
        )
    ).returning(OutboxMessage.id)
    written.set(True)
    return int(rows[0]["id"])
