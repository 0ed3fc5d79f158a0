"""One family as the staff who need it see it: its bookings at the spaces they serve (district
admins: every space; never elsewhere) and its booking suspension, which they may lift with a
reason (spaces/services/suspensions.py). Every look is in the family's access log."""

from __future__ import annotations

from datetime import datetime

from app.accounts.actor import Actor
from app.accounts.services import access_log
from app.kernel.values import frozen
from spaces.errors import NotStaffOfSpace
from spaces.rules import NO_SHOW_WINDOW
from spaces.schemas import BookingOut
from spaces.services.bookings import booking_outs, family_bookings
from spaces.services.suspensions import missed_at_spaces, suspended_until


@frozen
class FamilyForStaff:
    family_id: int
    bookings: tuple[BookingOut, ...]  # at the actor's spaces, newest first
    suspended_until: datetime | None
    can_lift: bool


async def family_for_staff(family_id: int, *, actor: Actor, now: datetime) -> FamilyForStaff:
    if not actor.is_staff:
        raise NotStaffOfSpace()
    rows = [b for b in await family_bookings(family_id) if actor.serves(b.space_id)]
    if not rows and not actor.is_admin:
        raise NotStaffOfSpace()  # no booking at a space of theirs: nothing to see
    until = await suspended_until(family_id, now)
    places = await missed_at_spaces(family_id, now - 2 * NO_SHOW_WINDOW) if until else set()
    can_lift = until is not None and (actor.is_admin or bool(places & actor.space_ids))
    await access_log.record(actor, family_id, "bookings", now=now, why="staff family page")
    ordered = sorted(await booking_outs(rows), key=lambda b: b.starts_at, reverse=True)
    return FamilyForStaff(family_id, tuple(ordered), until, can_lift)
