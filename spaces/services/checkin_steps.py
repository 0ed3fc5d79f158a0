"""The steps of a check-in (`spaces.services.checkins`): what a corner scan reads, in one
statement (`corner_scene`, statements.CORNER_SCENE), and what it makes of it: the opening period
now is in and that period's open-reading slot, the children present, the family's booking
whose check-in window is open; then the places taken, and the family's first check-in in a
slot."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from piccolo.query.mixins import OnConflictAction

from app.accounts.errors import ChildNotFound
from app.kernel import policies
from app.kernel.clock import aware, local_zone
from app.kernel.jsonvalue import loads
from app.kernel.sql import dialect, statement
from app.kernel.values import frozen
from qr.checkin import Attempt, ScanResult, Scene, scene_params
from spaces.errors import SpaceFull
from spaces.services.slots import OPEN_READING_TITLE, closed_on
from spaces.services.statements import BOOKING_SCENE, CORNER_SCENE, VISIT
from spaces.tables import Booking, CheckIn, OpeningHours, Slot, Space


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
        child_ids=tuple(sorted(loads(row["child_ids"], []))),
    )


@frozen
class CornerScene:
    """What a corner scan found (`corner_scene`): the space (None: no such corner, or retired)
    with its check-in rules, whether it is closed today and today's opening ranges, the family's
    children (id → nickname), its bookings at the space and the space's open-reading slots
    (start → id), from a day before now to a day after."""

    space: dict[str, Any] | None
    closed: bool
    hours: list[tuple[time, time]]
    children: dict[int, str]
    bookings: list[dict[str, Any]]
    periods: dict[datetime, int]
    next_check_in: int | None = None  # PostgreSQL: an id reserved for a visit (`visit`)


async def corner_scene(attempt: Attempt) -> Scene:
    """One statement: the token's version and the nonce's record (qr) and the CornerScene."""
    now = attempt.now
    local = now.astimezone(local_zone())
    family_id = attempt.scanner.family_id or 0
    query = statement(
        dialect(CORNER_SCENE),
        **scene_params(attempt),
        corner_id=attempt.claims.subject,
        family_id=family_id,
        day=local.date(),
        weekday=local.isoweekday(),
        since=now - _AROUND,
        until=now + _AROUND,
    )
    row = (await Space.raw("{}", query))[0]
    space = None
    if row["space_id"] is not None:
        space = {name: row[name] for name in _SPACE_COLUMNS} | {"id": row["space_id"], "name": row["space_name"]}
    found = CornerScene(
        space=space,
        closed=bool(row["closed"]),
        hours=[(time.fromisoformat(o), time.fromisoformat(c)) for o, c in loads(row["hours"], [])],
        children={int(i): str(name) for i, name in loads(row["children"], [])},
        bookings=[dict(zip(_BOOKING_FIELDS, b, strict=True)) for b in loads(row["bookings"], [])],
        periods={aware(starts): int(i) for i, starts in loads(row["periods"], [])},
        next_check_in=row["next_check_in"],
    )
    return Scene.of(row, found)


_AROUND = timedelta(days=1)  # wider than any check-in window (at most 240 minutes either side)
_SPACE_COLUMNS = ("capacity", "require_live_code", "check_in_opens_minutes", "check_in_closes_minutes")
_BOOKING_FIELDS = ("id", "slot", "status", "adults", "child_ids", "people", "slot.starts_at")


def children_present(scene: CornerScene, child_ids: list[int] | None) -> list[int]:
    """The children present: those chosen (all of the family's by default)."""
    if child_ids is None:
        return sorted(scene.children)
    if not set(child_ids) <= scene.children.keys():
        raise ChildNotFound()
    return sorted(set(child_ids))


def opening_period(scene: CornerScene, now: datetime) -> tuple[datetime, datetime] | None:
    return None if scene.closed else period_at(scene.hours, now)


def period_at(ranges: Iterable[tuple[time, time]], now: datetime) -> tuple[datetime, datetime] | None:
    """The one of today's opening ranges that `now` is in, as moments (None: closed now)."""
    day = now.astimezone(local_zone()).date()
    for opens, closes in ranges:
        starts, ends = datetime.combine(day, opens, local_zone()), datetime.combine(day, closes, local_zone())
        if starts <= now < ends:
            return starts, ends
    return None


def booking_in_window(scene: CornerScene, now: datetime) -> dict[str, Any] | None:
    """The family's booking at the space whose check-in window is open, the soonest first."""
    assert scene.space is not None
    opens = timedelta(minutes=scene.space["check_in_opens_minutes"])
    closes = timedelta(minutes=scene.space["check_in_closes_minutes"])
    found = []
    for booking in scene.bookings:
        starts = aware(booking["slot.starts_at"])
        if now - closes <= starts <= now + opens:
            found.append({**booking, "slot.starts_at": starts, "child_ids": loads(booking["child_ids"], [])})
    return min(found, key=lambda b: b["slot.starts_at"]) if found else None


async def first_check_in(family_id: int, slot_id: int) -> ScanResult | None:
    row = await CheckIn.select().where((CheckIn.family == family_id) & (CheckIn.slot == slot_id)).first()
    return result(row, duplicate=True) if row else None


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


async def visit(attempt: Attempt, check_in: ScanResult, slot_id: int) -> bool:
    """PostgreSQL: take the places and write the visit `check_in` (its id reserved by the
    scene), the nonce's answer and the scan in one statement; False: not enough places left
    (nothing written)."""
    query = statement(
        VISIT,
        id=check_in.id,
        slot=slot_id,
        people=check_in.people,
        space=check_in.space_id,
        family=check_in.family_id,
        corner=check_in.corner_id,
        child_ids=json.dumps(list(check_in.child_ids)),
        now=check_in.checked_in_at,
        **attempt.log_params(check_in),
    )
    return bool(await CheckIn.raw("{}", query))


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


async def booking_scene(attempt: Attempt) -> Scene:
    """One statement: the token's version and the nonce's record (qr) and the booking scanned
    (None: no such booking), with its slot's start and space and that space's window."""
    query = statement(dialect(BOOKING_SCENE), **scene_params(attempt), booking_id=attempt.claims.subject)
    row = (await Booking.raw("{}", query))[0]
    booking = None
    if row["booking_id"] is not None:
        booking = {
            "id": row["booking_id"],
            **{name: row[name] for name in ("slot", "family", "status", "people")},
            "child_ids": list(loads(row["child_ids"], [])),
            "slot.starts_at": aware(row["starts_at"]),
            "slot.space": row["space"],
            "slot.space.check_in_opens_minutes": row["check_in_opens_minutes"],
            "slot.space.check_in_closes_minutes": row["check_in_closes_minutes"],
        }
    return Scene.of(row, booking)
