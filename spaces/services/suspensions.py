"""The no-show policy's suspension (spaces/rules.py): counted inside the transaction that
recorded a no-show or a late cancellation, read before every booking; lifted early by a
district admin or staff of a space where the family missed bookings, with a reason kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.accounts.actor import Actor
from app.kernel import policies
from app.kernel.db import write_transaction
from spaces.errors import NotStaffOfSpace, SuspensionNotFound
from spaces.rules import NO_SHOW_WINDOW
from spaces.services.notices import tell
from spaces.tables import Booking, Suspension

MISSED = (Booking.status == "no_show") | ((Booking.status == "cancelled") & (Booking.late_cancel == True))


def _active(family_id: int, now: datetime) -> object:
    return (Suspension.family == family_id) & (Suspension.ends_at > now) & Suspension.lifted_at.is_null()


async def suspended_until(family_id: int, now: datetime) -> datetime | None:
    row = await (
        Suspension.select(Suspension.ends_at)
        .where(_active(family_id, now))  # type: ignore[arg-type]
        .order_by(Suspension.ends_at, ascending=False)
        .first()
    )
    return row["ends_at"] if row else None


async def maybe_suspend(family_id: int, user_id: int | None, now: datetime) -> None:
    """Inside the transaction that recorded a no-show or a late cancellation: suspend booking
    when the family reaches the policy's limit (spaces/rules.py). No-shows before a
    suspension was lifted do not count again."""
    applied = {v.key: v.value for v in await policies.values()}
    window, limit = timedelta(days=applied["no_show_window_days"]), applied["no_show_limit"]
    since = now - window
    lifted = await (
        Suspension.select(Suspension.lifted_at)
        .where((Suspension.family == family_id) & Suspension.lifted_at.is_not_null())
        .order_by(Suspension.lifted_at, ascending=False)
        .first()
    )
    if lifted and lifted["lifted_at"] > since:
        since = lifted["lifted_at"]
    counted = await Booking.count().where((Booking.family == family_id) & (Booking.slot.starts_at >= since) & MISSED)
    if counted < limit:
        return
    if await Suspension.exists().where(_active(family_id, now)):  # type: ignore[arg-type]
        return
    ends = now + timedelta(days=applied["suspension_days"])
    await Suspension.insert(Suspension(family=family_id, starts_at=now, ends_at=ends, no_shows=counted))
    await tell(user_id, "booking_suspended", now, days=window.days, count=counted, until_at=ends.isoformat())


async def missed_at_spaces(family_id: int, since: datetime) -> set[int]:
    """The spaces where the family missed bookings (no-shows, late cancellations) since then."""
    rows = await Booking.select(Booking.slot.space).where(
        (Booking.family == family_id) & (Booking.slot.starts_at >= since) & MISSED
    )
    return {int(r["slot.space"]) for r in rows}


async def lift(family_id: int, reason: str, *, actor: Actor, now: datetime) -> None:
    """Lift the family's suspension now, with the reason: district admins, or staff of a
    space where the family missed the bookings that suspended it."""
    async with write_transaction():
        row = await Suspension.select().where(_active(family_id, now)).first()  # type: ignore[arg-type]
        if row is None:
            raise SuspensionNotFound()
        places = await missed_at_spaces(family_id, row["starts_at"] - NO_SHOW_WINDOW)
        if not (actor.is_admin or (actor.is_staff and places & actor.space_ids)):
            raise NotStaffOfSpace()
        await Suspension.update(
            {
                Suspension.lifted_at: now,
                Suspension.lifted_by: actor.user_id,
                Suspension.lift_reason: reason.strip()[:200],
            }
        ).where(_active(family_id, now))  # type: ignore[arg-type]
