"""Staff at a slot: who is coming (the roster), marking a family present by hand, and the
people registered at the door."""

from __future__ import annotations

from typing import Any

from app.accounts.actor import Actor
from app.accounts.tables import Child, Guardian
from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from app.kernel.jsonvalue import loads
from spaces.errors import NotConfirmed, SlotNotFound
from spaces.schemas import BookingOut, RosterEntry
from spaces.services.access import ensure_serves
from spaces.services.bookings import booking_out, get_booking, get_booking_row
from spaces.tables import Booking, Slot, WalkIn

ON_ROSTER = ("confirmed", "offered", "waitlisted", "attended", "no_show")


async def roster(slot_id: int, *, actor: Actor) -> list[RosterEntry]:
    """Who is coming: guardian names and children's nicknames, for staff of that space only."""
    slot = await Slot.select(Slot.space).where(Slot.id == slot_id).first()
    if slot is None:
        raise SlotNotFound()
    ensure_serves(actor, slot["space"])
    rows = (
        await Booking.select()
        .output(load_json=True)
        .where((Booking.slot == slot_id) & Booking.status.is_in(list(ON_ROSTER)))
        .order_by(Booking.id)
    )
    guardians = await _guardian_names(sorted({r["family"] for r in rows}))
    nicknames = await _nicknames(sorted({c for r in rows for c in loads(r["child_ids"], [])}))
    return [_entry(r, guardians, nicknames) for r in rows]


def _entry(r: dict[str, Any], guardians: dict[int, str], nicknames: dict[int, str]) -> RosterEntry:
    return RosterEntry(
        booking_id=r["id"],
        status=r["status"],
        guardian_name=guardians.get(r["family"], ""),
        children=[nicknames.get(c, "") for c in loads(r["child_ids"], [])],
        adults=r["adults"],
        people=r["people"],
        checked_in_at=r["checked_in_at"],
    )


async def _guardian_names(family_ids: list[int]) -> dict[int, str]:
    """family id → its first guardian's name."""
    names: dict[int, str] = {}
    if family_ids:
        rows = (
            await Guardian.select(Guardian.family, Guardian.name)
            .where(Guardian.family.is_in(family_ids))
            .order_by(Guardian.id)
        )
        for g in rows:
            names.setdefault(g["family"], g["name"])
    return names


async def _nicknames(child_ids: list[int]) -> dict[int, str]:
    if not child_ids:
        return {}
    rows = await Child.select(Child.id, Child.nickname).where(Child.id.is_in(child_ids))
    return {c["id"]: c["nickname"] for c in rows}


async def mark_attended(booking_id: int, *, actor: Actor, clock: Clock) -> BookingOut:
    """Staff mark a family present by hand (families check in by QR code)."""
    row = await get_booking_row(booking_id)
    ensure_serves(actor, row.space_id)
    if row.status == "attended":
        return await booking_out(row)
    async with write_transaction():
        done = (
            await Booking.update({Booking.status: "attended", Booking.checked_in_at: clock.now()})
            .where((Booking.id == booking_id) & (Booking.status == "confirmed"))
            .returning(Booking.id)
        )
    if not done:
        raise NotConfirmed()
    return await get_booking(booking_id)


async def walk_in_people(slot_id: int) -> int:
    """How many people were registered at the door for the slot."""
    rows = await WalkIn.select(WalkIn.adults, WalkIn.children).where(WalkIn.slot == slot_id)
    return sum(w["adults"] + w["children"] for w in rows)
