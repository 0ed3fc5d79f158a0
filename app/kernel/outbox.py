"""Write notifications to the outbox inside the caller's transaction.

Two forms: `notice(kind, params)` stores a registered notice kind and its parameters, so each
reader sees it in their own language when it is delivered and read (`app.kernel.notices`);
`add(title, body)` stores a finished sentence (the older form, shown as written).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from app.kernel import notices
from app.kernel.tables import OutboxMessage

# Set when a request wrote to the outbox, so the wiring can ask for delivery right after.
written: ContextVar[bool] = ContextVar("outbox_written", default=False)

Param = str | int


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
    return await _insert(recipient_id, kind, title, body, link, now, payload or {}, None)


async def notice(*, recipient_id: int, kind: str, params: Mapping[str, Param], now: datetime, link: str = "") -> int:
    """Queue a notice of a registered kind with its parameters (strings and numbers; a time as
    ISO text under a name ending in `_at`); call inside the change's `write_transaction()`.
    The Chinese words are stored beside them for exports and for a kind removed later."""
    entry = notices.get(kind)
    if entry is None or not entry.title:
        raise LookupError(f"notice kind {kind!r} is not registered with words")
    values = {name: value for name, value in params.items()}
    shown = notices.render(kind, values, "zh-CN", title="", body="", link=link)
    return await _insert(recipient_id, kind, shown.title[:200], shown.body, shown.link, now, {}, values)


async def _insert(
    recipient_id: int,
    kind: str,
    title: str,
    body: str,
    link: str,
    now: datetime,
    payload: dict[str, Any],
    params: dict[str, Param] | None,
) -> int:
    rows = await OutboxMessage.insert(
        OutboxMessage(
            recipient_id=recipient_id,
            kind=kind,
            title=title,
            body=body,
            link=link,
            payload=payload,
            params=params,
            created_at=now,
        )
    ).returning(OutboxMessage.id)
    written.set(True)
    return int(rows[0]["id"])
