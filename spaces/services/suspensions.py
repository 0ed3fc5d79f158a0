"""The no-show policy's suspension (spaces/rules.py): counted inside the transaction that
recorded a no-show or a late cancellation, read before every booking."""

from __future__ import annotations

from datetime import datetime

from spaces.rules import NO_SHOW_LIMIT, NO_SHOW_WINDOW, SUSPENSION
from spaces.services.notices import tell
from spaces.tables import Booking, Suspension


async def suspended_until(family_id: int, now: datetime) -> datetime | None:
    row = await (
        Suspension.select(Suspension.ends_at)
        .where((Suspension.family == family_id) & (Suspension.ends_at > now))
        .order_by(Suspension.ends_at, ascending=False)
        .first()
    )
    return row["ends_at"] if row else None


async def maybe_suspend(family_id: int, user_id: int | None, now: datetime) -> None:
    """Inside the transaction that recorded a no-show or a late cancellation: suspend booking
    when the family reaches the policy's limit (spaces/rules.py)."""
    since = now - NO_SHOW_WINDOW
    counted = await Booking.count().where(
        (Booking.family == family_id)
        & (Booking.slot.starts_at >= since)
        & ((Booking.status == "no_show") | ((Booking.status == "cancelled") & (Booking.late_cancel == True)))
    )
    if counted < NO_SHOW_LIMIT:
        return
    if await Suspension.exists().where((Suspension.family == family_id) & (Suspension.ends_at > now)):
        return
    ends = now + SUSPENSION
    await Suspension.insert(Suspension(family=family_id, starts_at=now, ends_at=ends, no_shows=counted))
    await tell(user_id, "booking_suspended", now, days=NO_SHOW_WINDOW.days, count=counted, until_at=ends.isoformat())
