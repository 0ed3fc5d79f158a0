"""The steps of a check-in (`spaces.services.checkins`): the space of a corner, the opening
period it is in and that period's open-reading slot, its places, the children present, a
family's booking whose check-in window is open, and the family's first check-in in a slot."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from piccolo.query.mixins import OnConflictAction

from app.accounts.errors import ChildNotFound
from app.accounts.tables import Child
from app.kernel import policies
from app.kernel.clock import local_zone
from qr.checkin import ScanResult
from spaces.errors import CornerNotFound, SpaceFull
from spaces.rules import SpaceRules
from spaces.services.slots import OPEN_READING_TITLE, closed_on
from spaces.tables import Booking, CheckIn, Corner, OpeningHours, Slot, Space


def result(row: dict[str, Any], *, duplicate: bool) -> ScanResult:
    return ScanResult(
        id=row["id"],
        kind=row["kind"],
        space_id=row["space"],
        checked_in_at=row["checked_in_at"],
        duplicate=duplicate,
        booking_id=row["booking"],
        people=row["people"],
        corner_id=row["corner"],
        family_id=row["family"],
    )


async def space_of_corner(corner_id: int) -> dict[str, Any]:
    space: dict[str, Any] | None = (
        await Space.select()
        .where(
            Space.id.is_in(Corner.select(Corner.space).where((Corner.id == corner_id) & Corner.retired_at.is_null()))
        )
        .first()
    )
    if space is None:
        raise CornerNotFound()
    return space


async def first_check_in(family_id: int, slot_id: int) -> ScanResult | None:
    row = await CheckIn.select().where((CheckIn.family == family_id) & (CheckIn.slot == slot_id)).first()
    return result(row, duplicate=True) if row else None


async def family_children(family_id: int, child_ids: list[int] | None) -> list[int]:
    """The children present: those chosen (all of the family's by default)."""
    rows = await Child.select(Child.id).where(Child.family == family_id)
    mine = {r["id"] for r in rows}
    if child_ids is None:
        return sorted(mine)
    if not set(child_ids) <= mine:
        raise ChildNotFound()
    return sorted(set(child_ids))


async def opening_period(space_id: int, now: datetime) -> tuple[datetime, datetime] | None:
    local = now.astimezone(local_zone())
    if await closed_on(space_id, local.date()):
        return None
    hours = await OpeningHours.select().where(
        (OpeningHours.space == space_id) & (OpeningHours.weekday == local.isoweekday())
    )
    for h in hours:
        starts = datetime.combine(local.date(), h["opens"], local_zone())
        ends = datetime.combine(local.date(), h["closes"], local_zone())
        if starts <= now < ends:
            return starts, ends
    return None


async def next_opening(space_id: int, now: datetime, days: int = 14) -> datetime | None:
    """When the space next opens after `now` (closures skipped), within `days`."""
    hours = await OpeningHours.select().where(OpeningHours.space == space_id)
    today = now.astimezone(local_zone()).date()
    for offset in range(days + 1):
        day = today + timedelta(days=offset)
        starts = sorted(
            datetime.combine(day, h["opens"], local_zone()) for h in hours if h["weekday"] == day.isoweekday()
        )
        upcoming = [s for s in starts if s > now]
        if upcoming and not await closed_on(space_id, day):
            return upcoming[0]
    return None


async def period_slot(space: dict[str, Any], starts: datetime, ends: datetime, now: datetime) -> int:
    """The open-reading slot of this opening period, created if the generator has not yet."""
    find = (
        Slot.select(Slot.id)
        .where((Slot.space == space["id"]) & (Slot.kind == "open_reading") & (Slot.starts_at == starts))
        .first()
    )
    # The generator makes the slots days ahead: the insert is for the rare period it missed.
    if (row := await find) is not None:
        return int(row["id"])
    await Slot.insert(
        Slot(
            space=space["id"],
            kind="open_reading",
            title=OPEN_READING_TITLE,
            starts_at=starts,
            ends_at=ends,
            capacity=space["capacity"],
            remaining=space["capacity"],
            waitlist=False,
            cancel_deadline=starts - await policies.cancel_before(),
            created_at=now,
        )
    ).on_conflict(action=OnConflictAction.do_nothing)
    row = await find
    assert row is not None
    return int(row["id"])


async def take_places(slot_id: int, people: int) -> bool:
    """Take the places if there are enough (a conditional update: capacity is never exceeded)."""
    taken = (
        await Slot.update({Slot.remaining: Slot.remaining - people})
        .where((Slot.id == slot_id) & (Slot.remaining >= people))
        .returning(Slot.id)
    )
    return bool(taken)


async def first_or_full(family_id: int, slot_id: int, space_id: int, people: int, now: datetime) -> ScanResult:
    """No places left: a family already in is never refused; anyone else is told when the
    next opening period with room for them begins."""
    if (first := await first_check_in(family_id, slot_id)) is not None:
        return first
    row = (
        await Slot.select(Slot.starts_at)
        .where(
            (Slot.space == space_id)
            & (Slot.kind == "open_reading")
            & (Slot.starts_at > now)
            & (Slot.remaining >= people)
            & (Slot.cancelled == False)
        )
        .order_by(Slot.starts_at)
        .first()
    )
    raise SpaceFull(next_free_at=row["starts_at"].isoformat() if row else None)


async def booking_in_window(family_id: int, space: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    rules = SpaceRules.of(space)
    rows = (
        await Booking.select(
            Booking.id,
            Booking.slot,
            Booking.status,
            Booking.adults,
            Booking.child_ids,
            Booking.people,
            Booking.slot.starts_at,
        )
        .where(
            (Booking.family == family_id)
            & (Booking.slot.space == space["id"])
            & Booking.status.is_in(["confirmed", "attended"])
            & (Booking.slot.starts_at <= now + timedelta(minutes=rules.check_in_opens_minutes))
            & (Booking.slot.starts_at >= now - timedelta(minutes=rules.check_in_closes_minutes))
        )
        .order_by(Booking.slot.starts_at)
        .output(load_json=True)
    )
    return rows[0] if rows else None


async def booking_to_scan(booking_id: int) -> dict[str, Any] | None:
    """A booking as a staff scan needs it, with its space's check-in window."""
    row: dict[str, Any] | None = await (
        Booking.select(
            Booking.id,
            Booking.slot,
            Booking.family,
            Booking.status,
            Booking.child_ids,
            Booking.people,
            Booking.slot.starts_at,
            Booking.slot.space,
            Booking.slot._.space._.check_in_opens_minutes,
            Booking.slot._.space._.check_in_closes_minutes,
        )
        .where(Booking.id == booking_id)
        .output(load_json=True)
        .first()
    )
    return row
