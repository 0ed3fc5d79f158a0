"""Slots: reading them, activities (single or a weekly series), and edits: capacity changes
that never strand confirmed families, cancelling with every family told. Closures are in
closures.py, the open-reading generator in open_reading.py."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from app.accounts.actor import Actor
from app.kernel import policies
from app.kernel.clock import Clock, local_zone
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.jsonvalue import loads
from app.kernel.sql import statement
from spaces.errors import CapacityBelowBooked, InvalidSlot, SlotNotFound, SpaceNotFound
from spaces.rules import theme_code
from spaces.schemas import SlotIn, SlotOut, SlotUpdate
from spaces.services.access import ensure_serves
from spaces.services.notices import tell
from spaces.services.offers import offer_places
from spaces.services.statements import SLOTS
from spaces.tables import Booking, Closure, Slot, Space

OPEN_READING_TITLE = "开放阅读"


# Columns of a slot's row that SlotOut has under the same name.
SLOT_FIELDS = ["id", "kind", "title", "theme", "description", "starts_at", "ends_at", "capacity", "remaining"]
SLOT_FIELDS += ["waitlist", "booking_opens_at", "cancel_deadline", "series", "cancelled"]


def slot_out(row: dict[str, Any], waitlisted: int = 0) -> SlotOut:
    return SlotOut(
        **{name: row[name] for name in SLOT_FIELDS},
        space_id=row["space"],
        age_band=row["age_band"] or None,
        waitlisted=waitlisted,
        lead_reader_ids=list(loads(row["lead_reader_ids"], [])),
    )


async def _waitlist_counts(slot_ids: list[int]) -> dict[int, int]:
    if not slot_ids:
        return {}
    rows = await Booking.select(Booking.slot).where(Booking.slot.is_in(slot_ids) & (Booking.status == "waitlisted"))
    counts: dict[int, int] = {}
    for r in rows:
        counts[r["slot"]] = counts.get(r["slot"], 0) + 1
    return counts


async def get_slot(slot_id: int) -> SlotOut:
    row = await Slot.select().where(Slot.id == slot_id).output(load_json=True).first()
    if row is None:
        raise SlotNotFound()
    return slot_out(row, (await _waitlist_counts([slot_id])).get(slot_id, 0))


async def list_slots(space_id: int, start: datetime, end: datetime, *, limit: int = 500) -> list[SlotOut]:
    return [slot for slot, _ in await marked_slots(space_id, start, end, limit=limit)]


async def marked_slots(
    space_id: int, start: datetime, end: datetime, *, family_id: int | None = None, limit: int = 500
) -> list[tuple[SlotOut, str | None]]:
    """The space's slots starting in [start, end), by start, each with the status of the
    family's active booking there (None: none, or no family): one statement."""
    if end <= start or end - start > timedelta(days=92):
        raise InvalidSlot(
            "时间范围不正确（最长 92 天）", fields=[{"field": "to", "message": "after from, at most 92 days"}]
        )
    query = statement(SLOTS, space_id=space_id, start=start, end=end, family_id=family_id or 0, limit=limit)
    rows = await Slot.raw("{}", query)
    # Slots found prove the space exists: ask only when there are none.
    if not rows and not await Space.exists().where(Space.id == space_id):
        raise SpaceNotFound()
    return [(slot_out(r, r["waitlisted"]), r["mine"]) for r in rows]


async def slots_of(space_ids: Sequence[int], start: datetime, end: datetime, *, limit: int = 500) -> list[SlotOut]:
    """The slots of these spaces starting in [start, end), by start."""
    if not space_ids:
        return []
    rows = await (
        Slot.select()
        .output(load_json=True)
        .where(Slot.space.is_in(list(space_ids)) & (Slot.starts_at >= start) & (Slot.starts_at < end))
        .order_by(Slot.starts_at)
        .order_by(Slot.id)
        .limit(limit)
    )
    counts = await _waitlist_counts([r["id"] for r in rows])
    return [slot_out(r, counts.get(r["id"], 0)) for r in rows]


def _check_times(data: SlotIn) -> None:
    problems = []
    if data.ends_at <= data.starts_at:
        problems.append({"field": "ends_at", "message": "must be after starts_at"})
    if data.ends_at - data.starts_at > timedelta(hours=12):
        problems.append({"field": "ends_at", "message": "a slot lasts at most 12 hours"})
    if data.booking_opens_at is not None and data.booking_opens_at >= data.starts_at:
        problems.append({"field": "booking_opens_at", "message": "must be before starts_at"})
    if data.cancel_deadline is not None and data.cancel_deadline > data.starts_at:
        problems.append({"field": "cancel_deadline", "message": "must not be after starts_at"})
    if problems:
        raise InvalidSlot("时段的时间设置不正确", fields=problems)


async def create_slots(space_id: int, data: SlotIn, *, actor: Actor, clock: Clock) -> list[SlotOut]:
    """One slot, or a weekly series of `repeat_weeks` slots created at once (without the
    weeks whose day the space is closed)."""
    ensure_serves(actor, space_id)
    if not await Space.exists().where(Space.id == space_id):
        raise SpaceNotFound()
    _check_times(data)
    if data.starts_at <= clock.now():
        raise InvalidSlot("不能创建已经开始的时段", fields=[{"field": "starts_at", "message": "must be in the future"}])
    series = secrets.token_hex(8) if data.repeat_weeks > 1 else ""
    now = clock.now()
    before = await policies.cancel_before()
    rows = []
    for week in range(data.repeat_weeks):
        shift = timedelta(weeks=week)
        starts = data.starts_at + shift
        if data.repeat_weeks > 1 and await closed_on(space_id, starts.astimezone(local_zone()).date()):
            continue  # a weekly series skips the space's closures
        rows.append(
            Slot(
                space=space_id,
                kind=data.kind,
                title=data.title.strip(),
                theme=theme_code(data.theme),
                description=data.description,
                age_band=data.age_band or "",
                starts_at=starts,
                ends_at=data.ends_at + shift,
                capacity=data.capacity,
                remaining=data.capacity,
                waitlist=data.waitlist,
                booking_opens_at=data.booking_opens_at + shift if data.booking_opens_at else None,
                cancel_deadline=(data.cancel_deadline + shift) if data.cancel_deadline else starts - before,
                series=series,
                lead_reader_ids=list(data.lead_reader_ids),
                created_at=now,
            )
        )
    if not rows:
        raise InvalidSlot(
            "这几周的这一天空间都闭馆，没有创建时段",
            fields=[{"field": "starts_at", "message": "every day of the series is closed"}],
        )
    try:
        async with write_transaction():
            ids = [r["id"] for r in await Slot.insert(*rows).returning(Slot.id)]
    except Exception as exc:
        if is_unique_violation(exc):  # one open-reading slot per space and start
            raise InvalidSlot(
                "这个时间已经有开放阅读时段",
                fields=[{"field": "starts_at", "message": "an open-reading slot already starts at this time"}],
            ) from exc
        raise
    created = await Slot.select().where(Slot.id.is_in(ids)).order_by(Slot.starts_at).output(load_json=True)
    return [slot_out(r) for r in created]


async def update_slot(slot_id: int, data: SlotUpdate, *, actor: Actor, clock: Clock) -> SlotOut:
    """Edit a slot. Lowering capacity below the people already holding places is refused;
    raising it offers the new places to the waitlist; cancelling tells every family."""
    slot = await Slot.select().where(Slot.id == slot_id).first()
    if slot is None:
        raise SlotNotFound()
    ensure_serves(actor, slot["space"])
    now = clock.now()
    async with write_transaction():
        values: dict[Any, Any] = {}
        for field in ("title", "description", "theme", "waitlist"):
            value = getattr(data, field)
            if value is not None:
                values[getattr(Slot, field)] = value.strip() if isinstance(value, str) else value
        if data.theme is not None:
            values[Slot.theme] = theme_code(data.theme)
        if values:
            await Slot.update(values).where(Slot.id == slot_id)
        if data.capacity is not None and data.capacity != slot["capacity"]:
            await _change_capacity(slot_id, data.capacity, now)
        if data.cancelled and not slot["cancelled"]:
            await cancel_slot(slot_id, now)
    return await get_slot(slot_id)


async def _change_capacity(slot_id: int, capacity: int, now: datetime) -> None:
    current = await Slot.select(Slot.capacity, Slot.remaining).where(Slot.id == slot_id).first()
    assert current is not None
    held = current["capacity"] - current["remaining"]
    if capacity < held:
        raise CapacityBelowBooked(held=held, fields=[{"field": "capacity", "message": f"at least {held}"}])
    delta = capacity - current["capacity"]
    # Conditional on the capacity read above and on enough free places, in case a booking
    # took places since: then the edit is refused rather than overbooking.
    changed = (
        await Slot.update({Slot.capacity: capacity, Slot.remaining: Slot.remaining + delta})
        .where((Slot.id == slot_id) & (Slot.capacity == current["capacity"]) & (Slot.remaining >= max(0, -delta)))
        .returning(Slot.id)
    )
    if not changed:
        raise CapacityBelowBooked(fields=[{"field": "capacity", "message": "below the places taken"}])
    if delta > 0:
        await offer_places(slot_id, now)


async def cancel_slot(slot_id: int, now: datetime, *, closure: tuple[str, str] | None = None) -> int:
    """Inside a write transaction: cancel a slot and every active booking in it, telling the
    families (why: `closure` is the closed space's name and the closure's reason). Returns how
    many."""
    slot = await Slot.select(Slot.title, Slot.starts_at, Slot.capacity).where(Slot.id == slot_id).first()
    assert slot is not None
    await Slot.update({Slot.cancelled: True, Slot.remaining: slot["capacity"]}).where(Slot.id == slot_id)
    affected = (
        await Booking.update({Booking.status: "cancelled", Booking.cancelled_at: now})
        .where((Booking.slot == slot_id) & Booking.status.is_in(["confirmed", "offered", "waitlisted"]))
        .returning(Booking.id, Booking.booked_by)
    )
    said = {"title": slot["title"], "starts_at": slot["starts_at"].isoformat()}
    for booking in affected:
        if closure is None:
            await tell(booking["booked_by"], "slot_cancelled", now, **said)
        else:
            await tell(booking["booked_by"], "slot_closed", now, **said, space=closure[0], reason=closure[1])
    return len(affected)


async def closed_on(space_id: int, day: date) -> bool:
    """Whether a closure covers the day (spaces/services/closures.py adds them)."""
    return await Closure.exists().where(
        (Closure.space == space_id) & (Closure.first_day <= day) & (Closure.last_day >= day)
    )
