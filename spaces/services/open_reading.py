"""Open reading: one slot per opening range, generated days ahead from the opening hours
(a job, and a button on the staff page)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from piccolo.query.mixins import OnConflictAction

from app.kernel import policies
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.db import write_transaction
from spaces.services.slots import OPEN_READING_TITLE
from spaces.tables import Closure, OpeningHours, Slot, Space


def open_reading_slot(
    space_id: int, capacity: int, starts: datetime, ends: datetime, now: datetime, *, before: timedelta
) -> Slot:
    """The open-reading slot of one opening range (not saved)."""
    return Slot(
        space=space_id,
        kind="open_reading",
        title=OPEN_READING_TITLE,
        starts_at=starts,
        ends_at=ends,
        capacity=capacity,
        remaining=capacity,
        waitlist=False,
        cancel_deadline=starts - before,
        created_at=now,
    )


async def generate_open_slots(*, clock: Clock, days: int = 14, space_id: int | None = None) -> int:
    """Create the open-reading slots of the coming `days` from opening hours; idempotent (a
    partial unique index on (space, starts_at) for open reading, inserts that conflict are
    skipped). Closure days get none. Returns how many were created."""
    today = local_today(clock)
    now = clock.now()
    spaces = Space.select(Space.id, Space.capacity)
    if space_id is not None:
        spaces = spaces.where(Space.id == space_id)
    created = 0
    for space in await spaces:
        rows = await _space_slots(space, today, days, now)
        if rows:
            async with write_transaction():
                inserted = await Slot.insert(*rows).on_conflict(action=OnConflictAction.do_nothing).returning(Slot.id)
            created += len(inserted)
    return created


async def _space_slots(space: dict[str, Any], today: date, days: int, now: datetime) -> list[Slot]:
    """One space's open-reading slots of the coming days that have not started."""
    zone = local_zone()
    hours = await OpeningHours.select().where(OpeningHours.space == space["id"])
    closures = await Closure.select(Closure.first_day, Closure.last_day).where(
        (Closure.space == space["id"]) & (Closure.last_day >= today)
    )
    rows = []
    before = await policies.cancel_before()
    for offset in range(days):
        day = today + timedelta(days=offset)
        if any(c["first_day"] <= day <= c["last_day"] for c in closures):
            continue
        for h in hours:
            starts = datetime.combine(day, h["opens"], zone)
            if h["weekday"] == day.isoweekday() and starts > now:
                ends = datetime.combine(day, h["closes"], zone)
                rows.append(open_reading_slot(space["id"], space["capacity"], starts, ends, now, before=before))
    return rows
