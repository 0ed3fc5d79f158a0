"""The in-app inbox, read in the reader's language: a notice stored as a kind and parameters
is rendered now (`app.kernel.notices`), an older sentence is shown as written."""

from __future__ import annotations

from datetime import datetime

from app.kernel import notices
from app.kernel.tables import Notification
from app.kernel.values import frozen
from app.notify.delivery import loaded


@frozen
class InboxItem:
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read: bool


async def inbox(user_id: int, *, locale: str, before_id: int | None = None, limit: int = 20) -> list[InboxItem]:
    query = Notification.select().where(Notification.user_id == user_id)
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    items = []
    for row in await query.order_by(Notification.id, ascending=False).limit(limit):
        shown = notices.render(
            row["kind"], loaded(row["params"]), locale, title=row["title"], body=row["body"], link=row["link"]
        )
        items.append(
            InboxItem(
                id=row["id"],
                kind=row["kind"],
                title=shown.title,
                body=shown.body,
                link=shown.link,
                created_at=row["created_at"],
                read=row["read"],
            )
        )
    return items


async def unread_count(user_id: int) -> int:
    return int(await Notification.count().where((Notification.user_id == user_id) & (Notification.read == False)))


async def mark_read(user_id: int, ids: list[int] | None = None) -> None:
    query = Notification.update({Notification.read: True}).where(Notification.user_id == user_id)
    if ids is not None:
        query = query.where(Notification.id.is_in(ids or [-1]))
    await query
