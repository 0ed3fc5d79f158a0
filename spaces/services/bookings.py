"""Reading bookings: one booking (visible to its family and the staff of its space), a
family's or a staff member's list. A booking is read as a `BookingOut` without its place on
the waitlist (`get_booking_row`, `visible_booking`, `own_booking`); `booking_out(s)` adds
it, one query for a whole list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from msgspec.structs import replace

from app.accounts.actor import Actor
from app.kernel.jsonvalue import loads
from spaces.errors import BookingNotFound
from spaces.schemas import BookingOut
from spaces.tables import Booking

ACTIVE = ("confirmed", "offered", "waitlisted", "attended")
UPCOMING = ("confirmed", "offered", "waitlisted")  # cancellable, and counted against the cap

COLUMNS = (
    Booking.id,
    Booking.slot,
    Booking.family,
    Booking.status,
    Booking.adults,
    Booking.child_ids,
    Booking.people,
    Booking.created_at,
    Booking.offer_expires_at,
    Booking.checked_in_at,
    Booking.cancelled_at,
    Booking.slot.starts_at,
    Booking.slot.ends_at,
    Booking.slot.title,
    Booking.slot.cancel_deadline,
    Booking.slot._.space._.id,
    Booking.slot._.space._.name,
)


# BookingOut's fields read from the booking and its slot: the column each comes from.
SAME = ("id", "status", "adults", "people", "created_at", "offer_expires_at", "checked_in_at", "cancelled_at")
FROM = {"slot_id": "slot", "family_id": "family", "space_id": "slot.space.id", "space_name": "slot.space.name"}
FROM |= {"starts_at": "slot.starts_at", "ends_at": "slot.ends_at", "title": "slot.title"}
FROM |= {"cancel_deadline": "slot.cancel_deadline"}


def _row(r: dict[str, Any]) -> BookingOut:
    """A booking as read: without its place on the waitlist (`booking_outs` adds it)."""
    return BookingOut(
        **{name: r[name] for name in SAME},
        **{name: r[column] for name, column in FROM.items()},
        child_ids=list(loads(r["child_ids"], [])),
    )


async def get_booking_row(booking_id: int) -> BookingOut:
    row = await Booking.select(*COLUMNS).where(Booking.id == booking_id).output(load_json=True).first()
    if row is None:
        raise BookingNotFound()
    return _row(row)


async def visible_booking(booking_id: int, actor: Actor) -> BookingOut:
    """The booking if the actor's family owns it or the actor serves its space; else 404."""
    row = await get_booking_row(booking_id)
    if row.family_id == actor.family_id or actor.serves(row.space_id):
        return row
    raise BookingNotFound()  # never reveal another family's booking


async def own_booking(booking_id: int, actor: Actor) -> BookingOut:
    """The booking if the actor's family owns it (its calendar file, its QR code); else 404."""
    row = await get_booking_row(booking_id)
    if actor.family_id is None or row.family_id != actor.family_id:
        raise BookingNotFound()
    return row


async def waitlist_positions(rows: Sequence[BookingOut]) -> dict[int, int]:
    """booking id → its place on its slot's waitlist (1 = next), for the waitlisted rows."""
    slot_ids = sorted({r.slot_id for r in rows if r.status == "waitlisted"})
    if not slot_ids:
        return {}
    queue = (
        await Booking.select(Booking.id, Booking.slot)
        .where(Booking.slot.is_in(slot_ids) & (Booking.status == "waitlisted"))
        .order_by(Booking.id)
    )
    places: dict[int, int] = {}
    counted: dict[int, int] = {}
    for b in queue:
        counted[b["slot"]] = counted.get(b["slot"], 0) + 1
        places[b["id"]] = counted[b["slot"]]
    return places


async def booking_outs(rows: Sequence[BookingOut]) -> list[BookingOut]:
    """The bookings with each waitlisted one's place in its queue (one query for all)."""
    positions = await waitlist_positions(rows)
    return [replace(r, waitlist_position=positions[r.id]) if r.id in positions else r for r in rows]


async def booking_out(row: BookingOut) -> BookingOut:
    return (await booking_outs([row]))[0]


async def get_booking(booking_id: int) -> BookingOut:
    return await booking_out(await get_booking_row(booking_id))


async def list_bookings(
    *,
    actor: Actor,
    space_id: int | None = None,
    slot_id: int | None = None,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[BookingOut]:
    """A family's own bookings, or the bookings of the spaces a staff member serves."""
    query = Booking.select(*COLUMNS).where(Booking.id > after_id).output(load_json=True)
    if actor.family_id is not None and not actor.is_staff:
        query = query.where(Booking.family == actor.family_id)
    elif not actor.is_admin:
        query = query.where(Booking.slot.space.is_in(sorted(actor.space_ids) or [-1]))
    if space_id is not None:
        query = query.where(Booking.slot.space == space_id)
    if slot_id is not None:
        query = query.where(Booking.slot == slot_id)
    if status is not None:
        query = query.where(Booking.status == status)
    rows = await query.order_by(Booking.id).limit(limit)
    return await booking_outs([_row(r) for r in rows])


async def family_bookings(family_id: int, *, slot_id: int | None = None, limit: int = 5000) -> list[BookingOut]:
    """A family's bookings (of one slot, or all of them), oldest first."""
    query = Booking.select(*COLUMNS).where(Booking.family == family_id).output(load_json=True)
    if slot_id is not None:
        query = query.where(Booking.slot == slot_id)
    rows = await query.order_by(Booking.id).limit(limit)
    return await booking_outs([_row(r) for r in rows])
