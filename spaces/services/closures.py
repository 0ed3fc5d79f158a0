"""Closures: days a space is closed. Adding one cancels the slots of those days and tells
the families; the booking rules and the generator skip closure days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from app.accounts.actor import Actor
from app.kernel.clock import Clock, local_zone
from app.kernel.db import write_transaction
from spaces.errors import InvalidSlot, SpaceNotFound
from spaces.schemas import ClosureIn, ClosureOut
from spaces.services.access import ensure_serves
from spaces.services.slots import cancel_slot
from spaces.tables import Closure, Slot, Space


def closure_out(row: dict[str, Any]) -> ClosureOut:
    return ClosureOut(
        id=row["id"], first_day=row["first_day"].isoformat(), last_day=row["last_day"].isoformat(), reason=row["reason"]
    )


async def upcoming_closures(space_id: int, today: date) -> list[ClosureOut]:
    """The space's closures that have not ended before `today`, soonest first."""
    rows = (
        await Closure.select()
        .where((Closure.space == space_id) & (Closure.last_day >= today))
        .order_by(Closure.first_day)
    )
    return [closure_out(r) for r in rows]


async def add_closure(space_id: int, data: ClosureIn, *, actor: Actor, clock: Clock) -> int:
    """Close a space for some days: slots on those days are cancelled and families told."""
    ensure_serves(actor, space_id)
    try:
        first, last = date.fromisoformat(data.first_day), date.fromisoformat(data.last_day)
    except ValueError:
        raise InvalidSlot("日期不正确", fields=[{"field": "first_day", "message": "not a date"}]) from None
    if last < first or (last - first).days > 366:
        raise InvalidSlot("结束日期应不早于开始日期", fields=[{"field": "last_day", "message": "before first_day"}])
    zone = local_zone()
    start = datetime.combine(first, time.min, zone)
    end = datetime.combine(last + timedelta(days=1), time.min, zone)
    now = clock.now()
    async with write_transaction():
        space = await Space.select(Space.name).where(Space.id == space_id).first()
        if space is None:
            raise SpaceNotFound()
        rows = await Closure.insert(
            Closure(space=space_id, first_day=first, last_day=last, reason=data.reason.strip())
        ).returning(Closure.id)
        found = await Slot.select(Slot.id).where(
            (Slot.space == space_id) & (Slot.starts_at >= start) & (Slot.starts_at < end) & (Slot.cancelled == False)
        )
        closure = (space["name"], data.reason.strip() or "—")
        for slot in found:
            await cancel_slot(slot["id"], now, closure=closure)
    return int(rows[0]["id"])


async def remove_closure(space_id: int, closure_id: int, *, actor: Actor) -> None:
    ensure_serves(actor, space_id)
    rows = await Closure.delete().where((Closure.id == closure_id) & (Closure.space == space_id)).returning(Closure.id)
    if not rows:
        raise SpaceNotFound("没有找到这个闭馆安排")
