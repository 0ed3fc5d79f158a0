"""Reading bookings: one booking (visible to its family and the staff of its space), a
family's or a staff member's list, and the API's `BookingOut` with each waitlisted
booking's place in the queue (one query for a whole list)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
    Booking.booked_by,
    Booking.slot.starts_at,
    Booking.slot.ends_at,
    Booking.slot.title,
    Booking.slot.cancel_deadline,
    Booking.slot._.space._.id,
    Booking.slot._.space._.name,
)


@dataclass(frozen=True, slots=True)
class BookingRow:
    """A booking with what it needs of its slot and space."""

    id: int
    slot_id: int
    space_id: int
    family_id: int
    status: str
    adults: int
    child_ids: tuple[int, ...]
    people: int
    created_at: datetime
    starts_at: datetime
    ends_at: datetime
    title: str
    space_name: str
    cancel_deadline: datetime | None
    offer_expires_at: datetime | None
    checked_in_at: datetime | None
    cancelled_at: datetime | None
    booked_by: int | None


def _row(r: dict[str, Any]) -> BookingRow:
    return BookingRow(
        id=r["id"],
        slot_id=r["slot"],
        space_id=r["slot.space.id"],
        family_id=r["family"],
        status=r["status"],
        adults=r["adults"],
        child_ids=tuple(loads(r["child_ids"], [])),
        people=r["people"],
        created_at=r["created_at"],
        starts_at=r["slot.starts_at"],
        ends_at=r["slot.ends_at"],
        title=r["slot.title"],
        space_name=r["slot.space.name"],
        cancel_deadline=r["slot.cancel_deadline"],
        offer_expires_at=r["offer_expires_at"],
        checked_in_at=r["checked_in_at"],
        cancelled_at=r["cancelled_at"],
        booked_by=r["booked_by"],
    )


async def get_booking_row(booking_id: int) -> BookingRow:
    row = await Booking.select(*COLUMNS).where(Booking.id == booking_id).output(load_json=True).first()
    if row is None:
        raise BookingNotFound()
    return _row(row)


async def visible_booking(booking_id: int, actor: Actor) -> BookingRow:
    """The booking if the actor's family owns it or the actor serves its space; else 404."""
    row = await get_booking_row(booking_id)
    if row.family_id == actor.family_id or actor.serves(row.space_id):
        return row
    raise BookingNotFound()  # never reveal another family's booking


async def own_booking(booking_id: int, actor: Actor) -> BookingRow:
    """The booking if the actor's family owns it (its calendar file, its QR code); else 404."""
    row = await get_booking_row(booking_id)
    if actor.family_id is None or row.family_id != actor.family_id:
        raise BookingNotFound()
    return row


async def waitlist_positions(rows: Sequence[BookingRow]) -> dict[int, int]:
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


def _out(row: BookingRow, position: int | None) -> BookingOut:
    return BookingOut(
        id=row.id,
        slot_id=row.slot_id,
        space_id=row.space_id,
        family_id=row.family_id,
        status=row.status,
        adults=row.adults,
        child_ids=list(row.child_ids),
        people=row.people,
        created_at=row.created_at,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        title=row.title,
        space_name=row.space_name,
        waitlist_position=position,
        offer_expires_at=row.offer_expires_at,
        checked_in_at=row.checked_in_at,
        cancelled_at=row.cancelled_at,
        cancel_deadline=row.cancel_deadline,
    )


async def booking_outs(rows: Sequence[BookingRow]) -> list[BookingOut]:
    positions = await waitlist_positions(rows)
    return [_out(r, positions.get(r.id) if r.status == "waitlisted" else None) for r in rows]


async def booking_out(row: BookingRow) -> BookingOut:
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


async def family_statuses(family_id: int, slot_ids: Sequence[int]) -> dict[int, str]:
    """slot id → the status of the family's active booking there (the week's badges)."""
    if not slot_ids:
        return {}
    rows = await Booking.select(Booking.slot, Booking.status).where(
        (Booking.family == family_id) & Booking.slot.is_in(list(slot_ids)) & Booking.status.is_in(list(ACTIVE))
    )
    return {r["slot"]: r["status"] for r in rows}
