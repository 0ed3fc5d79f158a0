"""Taking places: a family's booking and staff's walk-ins.

The places are taken by a conditional `UPDATE … SET remaining = remaining - n WHERE
remaining >= n` in the same transaction as the insert; a partial unique index allows one
active booking per family and slot. Count-then-insert is the bug this avoids.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.accounts.actor import Actor
from app.accounts.tables import Family
from app.kernel.clock import Clock, local_today
from app.kernel.db import is_unique_violation, write_transaction
from spaces.errors import AlreadyBooked, BookingClosed, PartyTooLarge, SlotFull, SlotNotFound, SpaceFull
from spaces.schemas import BookingIn, BookingOut, WalkInOut
from spaces.services.access import ensure_serves, family_of
from spaces.services.booking_rules import BookableSlot, bookable_slot, check_cap, check_rules
from spaces.services.bookings import get_booking
from spaces.services.notices import tell
from spaces.tables import Booking, Slot, WalkIn


async def take_places(slot_id: int, people: int) -> bool:
    """The conditional update that takes places; call inside the booking's transaction."""
    taken = (
        await Slot.update({Slot.remaining: Slot.remaining - people})
        .where((Slot.id == slot_id) & (Slot.remaining >= people) & (Slot.cancelled == False))
        .returning(Slot.id)
    )
    return bool(taken)


async def book(slot_id: int, data: BookingIn, *, actor: Actor, clock: Clock) -> BookingOut:
    """Book places for chosen children plus adults; waitlisted when full and the slot allows."""
    family_id = family_of(actor)
    now = clock.now()
    slot, family = await bookable_slot(slot_id, family_id, now, local_today(clock))
    people = check_rules(slot, family, data, clock)
    try:
        async with write_transaction():
            # The family's row locked (a no-op update), its upcoming bookings counted again:
            # simultaneous bookings of one family for different slots stop at the cap instead
            # of each seeing room (the count in check_rules only refuses early).
            await Family.update({Family.created_at: Family.created_at}).where(Family.id == family_id)
            await check_cap(family_id, slot.rules.max_future_bookings, now)
            status = await _confirm_or_wait(slot, people)
            booking_id = await _insert(slot, family_id, data, people, status, actor.user_id, now)
    except Exception as exc:
        if is_unique_violation(exc):
            raise AlreadyBooked() from exc
        raise
    return await get_booking(booking_id)


async def _confirm_or_wait(slot: BookableSlot, people: int) -> str:
    """`confirmed` when the places are taken, `waitlisted` when the slot is full and keeps a
    waitlist; otherwise refused."""
    if await take_places(slot.id, people):
        return "confirmed"
    if not slot.waitlist:
        left = await Slot.select(Slot.remaining).where(Slot.id == slot.id).first()
        raise SlotFull(remaining=max(left["remaining"], 0) if left else 0, party=people)
    # Joining the waitlist: lock the slot row first (a no-op update). A transaction freeing
    # places right now then either committed before, and what it could not offer is free for
    # this family, or waits for this booking and offers to it. Without the lock (PostgreSQL: a
    # failed conditional update locks nothing) the places freed in between stayed free while
    # this family waited.
    locked = (
        await Slot.update({Slot.remaining: Slot.remaining + 0})
        .where(Slot.id == slot.id)
        .returning(Slot.remaining, Slot.cancelled)
    )
    if not locked or locked[0]["cancelled"]:
        raise BookingClosed()
    if locked[0]["remaining"] >= people and await take_places(slot.id, people):
        return "confirmed"
    return "waitlisted"


async def _insert(
    slot: BookableSlot, family_id: int, data: BookingIn, people: int, status: str, user_id: int, now: datetime
) -> int:
    """The booking row and its notification, in the booking's transaction."""
    rows = await Booking.insert(
        Booking(
            slot=slot.id,
            family=family_id,
            booked_by=user_id,
            status=status,
            adults=data.adults,
            child_ids=sorted(set(data.child_ids)),
            people=people,
            created_at=now,
            # A booking made inside a reminder's lead time needs no such reminder.
            reminded_day=slot.starts_at - now < timedelta(hours=24),
            reminded_hours=slot.starts_at - now < timedelta(hours=2),
        )
    ).returning(Booking.id)
    await tell(user_id, f"booking_{status}", now, title=slot.title, starts_at=slot.starts_at.isoformat(), people=people)
    return int(rows[0]["id"])


async def register_walk_in(slot_id: int, *, adults: int, children: int, actor: Actor, clock: Clock) -> WalkInOut:
    """People arriving without a booking, counted against the slot's capacity."""
    slot = await Slot.select(Slot.space, Slot.ends_at, Slot.cancelled).where(Slot.id == slot_id).first()
    if slot is None:
        raise SlotNotFound()
    ensure_serves(actor, slot["space"])
    people = adults + children
    if people <= 0:
        raise PartyTooLarge("请至少登记 1 人")
    if slot["cancelled"] or clock.now() >= slot["ends_at"]:
        raise BookingClosed()
    async with write_transaction():
        taken = (
            await Slot.update({Slot.remaining: Slot.remaining - people})
            .where((Slot.id == slot_id) & (Slot.remaining >= people))
            .returning(Slot.remaining)
        )
        if not taken:
            left = await Slot.select(Slot.remaining).where(Slot.id == slot_id).first()
            raise SpaceFull(remaining=left["remaining"] if left else 0)
        rows = await WalkIn.insert(
            WalkIn(slot=slot_id, adults=adults, children=children, registered_by=actor.user_id, created_at=clock.now())
        ).returning(WalkIn.id)
    return WalkInOut(id=int(rows[0]["id"]), remaining=int(taken[0]["remaining"]))
