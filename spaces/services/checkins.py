"""Check-in: a family scanning a corner's code, or staff scanning a family's booking code.

Corner scan: allowed during opening hours only. A booking of the family at that space whose
check-in window contains now is marked attended; otherwise a walk-in visit is recorded
against the open-reading slot of the current opening period, refused with `space_full`
(and the next free time) when the people would exceed its capacity.

One check-in per family and slot (unique index): a repeat answers `duplicate` with the first
time. A retried request with the same nonce is answered from the first (unique per user).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from piccolo.query.mixins import OnConflictAction

from app.accounts.actor import Actor
from app.accounts.errors import ChildNotFound
from app.accounts.tables import Child
from app.kernel.clock import Clock, local_zone
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.jsonvalue import loads
from spaces.errors import (
    BookingNotFound,
    CornerNotFound,
    LiveCodeRequired,
    OutsideCheckInWindow,
    OutsideOpeningHours,
    SpaceFull,
    WrongSpace,
)
from spaces.rules import CANCEL_DEADLINE_BEFORE, SpaceRules
from spaces.services.access import family_of
from spaces.services.slots import OPEN_READING_TITLE, closed_on
from spaces.tables import Booking, CheckIn, Corner, OpeningHours, Slot, Space


@dataclass(frozen=True, slots=True)
class CheckInResult:
    id: int
    kind: str
    space_id: int
    checked_in_at: datetime
    duplicate: bool
    booking_id: int | None = None
    people: int = 0


def _result(row: dict[str, Any], *, duplicate: bool) -> CheckInResult:
    return CheckInResult(
        id=row["id"],
        kind=row["kind"],
        space_id=row["space"],
        checked_in_at=row["checked_in_at"],
        duplicate=duplicate,
        booking_id=row["booking"],
        people=row["people"],
    )


async def _by_nonce(user_id: int, nonce: str | None) -> dict[str, Any] | None:
    if not nonce:
        return None
    row: dict[str, Any] | None = (
        await CheckIn.select().where((CheckIn.by_user == user_id) & (CheckIn.nonce == nonce)).first()
    )
    return row


async def _existing(family_id: int, slot_id: int) -> CheckInResult | None:
    row = await CheckIn.select().where((CheckIn.family == family_id) & (CheckIn.slot == slot_id)).first()
    return _result(row, duplicate=True) if row else None


async def _family_children(family_id: int, child_ids: list[int] | None) -> list[int]:
    """The children present: those chosen (all of the family's by default)."""
    rows = await Child.select(Child.id).where(Child.family == family_id)
    mine = {r["id"] for r in rows}
    if child_ids is None:
        return sorted(mine)
    if not set(child_ids) <= mine:
        raise ChildNotFound()
    return sorted(set(child_ids))


async def _opening_period(space_id: int, now: datetime) -> tuple[datetime, datetime] | None:
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


async def _period_slot(space: dict[str, Any], starts: datetime, ends: datetime, now: datetime) -> dict[str, Any]:
    """The open-reading slot of this opening period, created if the generator has not yet."""
    find = (
        Slot.select(Slot.id, Slot.remaining)
        .where((Slot.space == space["id"]) & (Slot.kind == "open_reading") & (Slot.starts_at == starts))
        .first()
    )
    # The generator makes the slots days ahead: the insert is for the rare period it missed.
    if (row := await find) is not None:
        return row
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
            cancel_deadline=starts - CANCEL_DEADLINE_BEFORE,
            created_at=now,
        )
    ).on_conflict(action=OnConflictAction.do_nothing)
    row = await find
    assert row is not None
    return row


async def _next_free(space_id: int, people: int, now: datetime) -> datetime | None:
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
    return row["starts_at"] if row else None


async def _booking_in_window(family_id: int, space: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    rules = SpaceRules.of(space)
    rows = (
        await Booking.select(
            Booking.id, Booking.slot, Booking.status, Booking.child_ids, Booking.people, Booking.slot.starts_at
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


async def _attend(
    booking: dict[str, Any],
    *,
    space_id: int,
    family_id: int,
    actor: Actor,
    corner_id: int | None,
    child_ids: list[int],
    nonce: str | None,
    now: datetime,
    override: str = "",
) -> CheckInResult:
    """Mark the booking attended and record the check-in, once."""
    try:
        async with write_transaction():
            await Booking.update({Booking.status: "attended", Booking.checked_in_at: now}).where(
                (Booking.id == booking["id"]) & (Booking.status == "confirmed")
            )
            rows = await CheckIn.insert(
                CheckIn(
                    kind="booking",
                    space=space_id,
                    slot=booking["slot"],
                    family=family_id,
                    booking=booking["id"],
                    corner=corner_id,
                    child_ids=child_ids,
                    people=booking["people"],
                    checked_in_at=now,
                    by_user=actor.user_id,
                    nonce=nonce or None,
                    override_reason=override,
                )
            ).returning(*CheckIn.all_columns())
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        return await _replay(actor.user_id, nonce, family_id, booking["slot"])
    return _result(rows[0], duplicate=False)


async def _replay(user_id: int, nonce: str | None, family_id: int, slot_id: int) -> CheckInResult:
    """After a unique violation: the same nonce's first answer, or the family's first check-in."""
    if (row := await _by_nonce(user_id, nonce)) is not None:
        return _result(row, duplicate=False)
    first = await _existing(family_id, slot_id)
    assert first is not None
    return first


async def _nonce(
    user_id: int, nonce: str | None, *, corner_id: int | None = None, booking_id: int | None = None
) -> tuple[CheckInResult | None, str | None]:
    """(the first answer, None) for a nonce this user already sent for the same corner or
    booking; otherwise (None, the nonce to record). A client reusing a nonce for another
    target gets that check-in, recorded without the nonce, never the old answer."""
    row = await _by_nonce(user_id, nonce)
    if row is None:
        return None, nonce
    if corner_id is not None:
        same = row["corner"] == corner_id
    else:  # a staff scan of a booking code: no corner
        same = row["booking"] == booking_id and row["corner"] is None
    return (_result(row, duplicate=False), None) if same else (None, None)


async def corner_check_in(
    corner_id: int, *, actor: Actor, child_ids: list[int] | None, nonce: str | None, live: bool, clock: Clock
) -> CheckInResult:
    family_id = family_of(actor)
    replay, nonce = await _nonce(actor.user_id, nonce, corner_id=corner_id)
    if replay is not None:
        return replay
    space = (
        await Space.select().where(Space.id.is_in(Corner.select(Corner.space).where(Corner.id == corner_id))).first()
    )
    if space is None:
        raise CornerNotFound()
    if space["require_live_code"] and not live:
        raise LiveCodeRequired()
    now = clock.now()
    period = await _opening_period(space["id"], now)
    if period is None:
        raise OutsideOpeningHours()
    children = await _family_children(family_id, child_ids)

    booking = await _booking_in_window(family_id, space, now)
    if booking is not None:
        if booking["status"] == "attended" and (first := await _existing(family_id, booking["slot"])):
            return first
        return await _attend(
            booking,
            space_id=space["id"],
            family_id=family_id,
            actor=actor,
            corner_id=corner_id,
            child_ids=children or list(loads(booking["child_ids"], [])),
            nonce=nonce,
            now=now,
        )

    slot = await _period_slot(space, *period, now)
    people = 1 + len(children)  # the guardian scanning, and the children present
    # No look for an earlier check-in first: the unique index on (family, slot) rolls a repeat
    # back, and the repeat is then answered from the first (one query less for everyone else).
    try:
        async with write_transaction():
            taken = (
                await Slot.update({Slot.remaining: Slot.remaining - people})
                .where((Slot.id == slot["id"]) & (Slot.remaining >= people))
                .returning(Slot.id)
            )
            if not taken:
                if first := await _existing(family_id, slot["id"]):
                    return first
                next_free = await _next_free(space["id"], people, now)
                raise SpaceFull(next_free_at=next_free.isoformat() if next_free else None)
            rows = await CheckIn.insert(
                CheckIn(
                    kind="visit",
                    space=space["id"],
                    slot=slot["id"],
                    family=family_id,
                    corner=corner_id,
                    child_ids=children,
                    people=people,
                    checked_in_at=now,
                    by_user=actor.user_id,
                    nonce=nonce or None,
                )
            ).returning(*CheckIn.all_columns())
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        return await _replay(actor.user_id, nonce, family_id, slot["id"])
    return _result(rows[0], duplicate=False)


async def booking_check_in(
    booking_id: int, *, actor: Actor, nonce: str | None, override_reason: str | None, clock: Clock
) -> CheckInResult:
    """Staff scanned a family's booking code. Wrong space or outside the window is refused
    unless the staff member overrides with a reason (kept with the check-in)."""
    replay, nonce = await _nonce(actor.user_id, nonce, booking_id=booking_id)
    if replay is not None:
        return replay
    booking = (
        await Booking.select(
            Booking.id,
            Booking.slot,
            Booking.family,
            Booking.status,
            Booking.child_ids,
            Booking.people,
            Booking.slot.starts_at,
            Booking.slot.space,
        )
        .where(Booking.id == booking_id)
        .output(load_json=True)
        .first()
    )
    if booking is None or not actor.is_staff:
        raise BookingNotFound()
    space = await Space.select().where(Space.id == booking["slot.space"]).first()
    assert space is not None
    now = clock.now()
    override = (override_reason or "").strip()
    if not actor.serves(space["id"]) and not override:
        raise WrongSpace()
    opens, closes = SpaceRules.of(space).check_in_window(booking["slot.starts_at"])
    if not opens <= now <= closes and not override:
        raise OutsideCheckInWindow(window_opens_at=opens.isoformat(), window_closes_at=closes.isoformat())
    if booking["status"] == "attended" and (first := await _existing(booking["family"], booking["slot"])):
        return first
    if booking["status"] not in ("confirmed", "attended"):
        raise OutsideCheckInWindow(f"这个预约的状态是 {booking['status']}，不能签到")
    return await _attend(
        booking,
        space_id=space["id"],
        family_id=booking["family"],
        actor=actor,
        corner_id=None,
        child_ids=list(loads(booking["child_ids"], [])),
        nonce=nonce,
        now=now,
        override=override,
    )
