"""Freed places go to the waitlist: the first family that fits is offered them for a limited
time. Call inside the write transaction that freed the places.

Each offer first claims the booking (`status = 'waitlisted'` → `offered`), then takes the
places with a conditional update of `remaining`; both are row-locking updates, so two
transactions freeing places at once never offer the same places or the same booking twice.
"""

from __future__ import annotations

from datetime import datetime

from spaces.rules import offer_deadline
from spaces.services.notices import tell
from spaces.tables import Booking, Slot


async def give_back(slot_id: int, people: int, now: datetime) -> None:
    """Places freed in a slot (a cancellation, a no-show, an expired offer) go back and are
    offered to the waitlist, in the transaction that freed them."""
    await Slot.update({Slot.remaining: Slot.remaining + people}).where(Slot.id == slot_id)
    await offer_places(slot_id, now)


async def offer_places(slot_id: int, now: datetime) -> list[int]:
    """Offer free places of the slot to waitlisted families in order; returns booking ids."""
    slot = await (
        Slot.select(Slot.remaining, Slot.starts_at, Slot.ends_at, Slot.cancelled, Slot.title, Slot.space.offer_minutes)
        .where(Slot.id == slot_id)
        .first()
    )
    if slot is None or slot["cancelled"] or slot["remaining"] <= 0:
        return []
    deadline = offer_deadline(now, slot["starts_at"], slot["ends_at"], slot["space.offer_minutes"])
    if deadline is None:
        return []
    remaining = slot["remaining"]
    offered: list[int] = []
    waiting = await (
        Booking.select(Booking.id, Booking.people, Booking.booked_by)
        .where((Booking.slot == slot_id) & (Booking.status == "waitlisted"))
        .order_by(Booking.id)
    )
    for booking in waiting:
        if booking["people"] > remaining:
            continue  # the first family that fits; larger ones keep their place in the queue
        claimed = (
            await Booking.update({Booking.status: "offered", Booking.offer_expires_at: deadline})
            .where((Booking.id == booking["id"]) & (Booking.status == "waitlisted"))
            .returning(Booking.id)
        )
        if not claimed:
            continue
        taken = (
            await Slot.update({Slot.remaining: Slot.remaining - booking["people"]})
            .where((Slot.id == slot_id) & (Slot.remaining >= booking["people"]))
            .returning(Slot.remaining)
        )
        if not taken:
            await Booking.update({Booking.status: "waitlisted", Booking.offer_expires_at: None}).where(
                Booking.id == booking["id"]
            )
            break
        remaining = taken[0]["remaining"]
        offered.append(booking["id"])
        await tell(
            booking["booked_by"],
            "waitlist_offer",
            now,
            title=slot["title"],
            deadline_at=deadline.isoformat(),
            booking_id=booking["id"],
        )
        if remaining <= 0:
            break
    return offered
