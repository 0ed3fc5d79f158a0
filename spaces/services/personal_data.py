"""What spaces keep about a family (app.accounts.personal_data): its bookings, check-ins,
suspensions and calendar feed.

Erasing the family, or withdrawing consent for its children, cancels its bookings still to
come: their places go back and are offered to the waitlist in the same transaction, like any
cancellation. The calendar feed's secret goes (the old URL answers nothing). Past bookings and
check-ins stay, tied to the anonymised family, so the figures keep their counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.accounts.personal_data import Subject, exported
from app.kernel.jsonvalue import loads
from app.kernel.values import frozen
from spaces.services.offers import give_back
from spaces.tables import Booking, CalendarFeed, CheckIn, Suspension

UPCOMING = ("confirmed", "offered", "waitlisted")
HOLDS_PLACES = ("confirmed", "offered")


@frozen
class SpacesData:
    name: str = "spaces"

    async def export(self, subject: Subject) -> dict[str, Any]:
        bookings = await Booking.select(
            Booking.id, Booking.status, Booking.adults, Booking.child_ids, Booking.people, Booking.created_at,
            Booking.cancelled_at, Booking.checked_in_at, Booking.slot._.title, Booking.slot._.starts_at,
            Booking.slot._.ends_at, Booking.slot._.space._.name,
        ).where(Booking.family == subject.family_id).order_by(Booking.id)  # fmt: skip
        check_ins = (
            await CheckIn.select(
                CheckIn.id, CheckIn.kind, CheckIn.checked_in_at, CheckIn.people, CheckIn.child_ids, CheckIn.space._.name
            )
            .where(CheckIn.family == subject.family_id)
            .order_by(CheckIn.id)
        )
        suspensions = await Suspension.select(Suspension.starts_at, Suspension.ends_at, Suspension.no_shows).where(
            Suspension.family == subject.family_id
        )
        feed = await CalendarFeed.exists().where(CalendarFeed.family == subject.family_id)
        return {
            "bookings": exported(bookings),
            "check_ins": exported(check_ins),
            "suspensions": exported(suspensions),
            "calendar_feed": "a private calendar feed URL exists" if feed else None,
        }

    async def erase(self, subject: Subject, *, now: datetime) -> None:
        await _cancel_upcoming(subject.family_id, now)
        await CalendarFeed.delete().where(CalendarFeed.family == subject.family_id)

    async def forget_children(self, subject: Subject, *, now: datetime) -> None:
        """Bookings to come were made for the children too: they end, freeing their places."""
        await _cancel_upcoming(subject.family_id, now, with_children_only=True)


async def _cancel_upcoming(family_id: int, now: datetime, *, with_children_only: bool = False) -> None:
    rows = await Booking.select(Booking.id, Booking.status, Booking.slot, Booking.people, Booking.child_ids).where(
        (Booking.family == family_id) & Booking.status.is_in(list(UPCOMING)) & (Booking.slot._.starts_at > now)
    )
    for row in rows:
        if with_children_only and not loads(row["child_ids"], []):
            continue
        cancelled = await (
            Booking.update({Booking.status: "cancelled", Booking.cancelled_at: now})
            .where((Booking.id == row["id"]) & (Booking.status == row["status"]))
            .returning(Booking.id)
        )
        if cancelled and row["status"] in HOLDS_PLACES:
            await give_back(row["slot"], row["people"], now)


PERSONAL_DATA = SpacesData()
