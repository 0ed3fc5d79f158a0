"""A family (or staff) cancelling a booking, and a family accepting a waitlist offer. Places
given back are offered to the waitlist in the same transaction (spaces/services/offers.py)."""

from __future__ import annotations

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from spaces.errors import NoOffer, NotCancellable, OfferExpired
from spaces.schemas import BookingOut
from spaces.services.bookings import UPCOMING, booking_out, get_booking, get_booking_row, own_booking, visible_booking
from spaces.services.offers import give_back
from spaces.services.suspensions import maybe_suspend
from spaces.tables import Booking

HOLDS_PLACES = ("confirmed", "offered")


async def cancel(booking_id: int, *, actor: Actor, clock: Clock) -> BookingOut:
    """Cancel; held places go back and are offered to the waitlist in the same transaction.
    A family cancelling after the slot's deadline is marked late (it counts as a no-show)."""
    row = await visible_booking(booking_id, actor)
    by_family = row.family_id == actor.family_id
    now = clock.now()
    if row.status == "cancelled":
        return await booking_out(row)  # cancelling twice is harmless
    async with write_transaction():
        current = (
            await Booking.select(Booking.status, Booking.slot.cancel_deadline).where(Booking.id == booking_id).first()
        )
        assert current is not None
        if current["status"] not in UPCOMING:
            raise NotCancellable()
        deadline = current["slot.cancel_deadline"]
        late = by_family and current["status"] == "confirmed" and deadline is not None and now > deadline
        changed = (
            await Booking.update({Booking.status: "cancelled", Booking.cancelled_at: now, Booking.late_cancel: late})
            .where((Booking.id == booking_id) & (Booking.status == current["status"]))
            .returning(Booking.id)
        )
        if not changed:
            raise NotCancellable()
        if current["status"] in HOLDS_PLACES:
            await give_back(row.slot_id, row.people, now)
        if late:  # counts like a no-show, so it may be the one that reaches the limit
            await maybe_suspend(row.family_id, actor.user_id, now)
    return await get_booking(booking_id)


async def accept_offer(booking_id: int, *, actor: Actor, clock: Clock) -> BookingOut:
    """Accept a waitlist offer before it expires; accepting twice gives the same answer."""
    await own_booking(booking_id, actor)
    now = clock.now()
    for _ in range(2):
        async with write_transaction():
            accepted = (
                await Booking.update({Booking.status: "confirmed", Booking.offer_expires_at: None})
                .where((Booking.id == booking_id) & (Booking.status == "offered") & (Booking.offer_expires_at > now))
                .returning(Booking.id)
            )
        if accepted:
            return await get_booking(booking_id)
        current = await get_booking_row(booking_id)
        # The offer was made between the update and this read: it is fresh, try once more
        # rather than call it expired.
        if not (current.status == "offered" and current.offer_expires_at and current.offer_expires_at > now):
            break
    if current.status == "confirmed":
        return await booking_out(current)  # accepted twice: the same answer
    if current.status in ("offered", "offer_expired"):
        raise OfferExpired()
    raise NoOffer()
