"""JSON API of slots: a space's slots (list, create, generate open reading), one slot (read,
edit), and what happens at it (book, roster, walk-ins)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody, Parameter, QueryParameter
from msgspec import Struct

from app.accounts.roles import BOOKING_FAMILIES, PUBLIC, STAFF
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from app.kernel.web import ActorDep, ClockDep
from spaces.schemas import (
    BookingIn,
    BookingOut,
    GenerateIn,
    RosterEntry,
    SlotIn,
    SlotOut,
    SlotUpdate,
    WalkInIn,
    WalkInOut,
)
from spaces.services import attendance, open_reading, places, slots
from spaces.services.access import ensure_serves

Time = Annotated[datetime, Parameter(description="ISO 8601 with offset")]


class SlotPage(Struct):
    items: list[SlotOut]
    next_cursor: str | None = None


class Roster(Struct):
    items: list[RosterEntry]


class Generated(Struct):
    created: int


def _range(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(N_("时间需要带时区"), fields=[{"field": name, "message": "ISO 8601 with offset"}])
    start = start or now
    return start, end or start + timedelta(days=7)


class SpaceSlotsController(Controller):
    path = "/api/v1/spaces/{space_id:int}/slots"
    tags = ("slots",)

    @get("/", opt=PUBLIC)
    async def list_slots(
        self,
        space_id: FromPath[int],
        clock: ClockDep,
        start: Annotated[Time | None, QueryParameter(name="from")] = None,
        end: Annotated[Time | None, QueryParameter(name="to")] = None,
    ) -> SlotPage:
        """Slots starting in [from, to) (default: the coming 7 days), full ones included."""
        first, last = _range(start, end, clock.now())
        return SlotPage(items=await slots.list_slots(space_id, first, last))

    @post("/", opt=STAFF, status_code=201)
    async def create(
        self,
        space_id: FromPath[int],
        data: JSONBody[SlotIn],
        actor: ActorDep,
        clock: ClockDep,
    ) -> SlotPage:
        """Create an activity or open-reading slot; `repeat_weeks` > 1 creates a weekly series."""
        return SlotPage(items=await slots.create_slots(space_id, data, actor=actor, clock=clock))

    @post("/generate", opt=STAFF, status_code=200)
    async def generate(
        self,
        space_id: FromPath[int],
        data: JSONBody[GenerateIn],
        actor: ActorDep,
        clock: ClockDep,
    ) -> Generated:
        """Create the open-reading slots of the coming days from opening hours (idempotent)."""
        ensure_serves(actor, space_id)
        return Generated(created=await open_reading.generate_open_slots(clock=clock, days=data.days, space_id=space_id))


class SlotsController(Controller):
    path = "/api/v1/slots/{slot_id:int}"
    tags = ("slots",)

    @get("/", opt=PUBLIC)
    async def get_slot(self, slot_id: FromPath[int]) -> SlotOut:
        return await slots.get_slot(slot_id)

    @patch("/", opt=STAFF)
    async def update(
        self,
        slot_id: FromPath[int],
        data: JSONBody[SlotUpdate],
        actor: ActorDep,
        clock: ClockDep,
    ) -> SlotOut:
        """Edit a slot. Capacity below the people booked is refused (409 capacity_below_booked)."""
        return await slots.update_slot(slot_id, data, actor=actor, clock=clock)

    @post("/bookings", opt=BOOKING_FAMILIES, status_code=201)
    async def book(
        self,
        slot_id: FromPath[int],
        data: JSONBody[BookingIn],
        actor: ActorDep,
        clock: ClockDep,
    ) -> BookingOut:
        """Book places for chosen children plus adults; waitlisted when full and allowed."""
        return await places.book(slot_id, data, actor=actor, clock=clock)

    @get("/roster", opt=STAFF)
    async def roster(self, slot_id: FromPath[int], actor: ActorDep) -> Roster:
        """Who is coming (staff of the slot's space only)."""
        return Roster(items=await attendance.roster(slot_id, actor=actor))

    @post("/walk-ins", opt=STAFF, status_code=201)
    async def walk_in(
        self,
        slot_id: FromPath[int],
        data: JSONBody[WalkInIn],
        actor: ActorDep,
        clock: ClockDep,
    ) -> WalkInOut:
        """Register people without a booking, counted against the capacity (409 space_full)."""
        return await places.register_walk_in(
            slot_id, adults=data.adults, children=data.children, actor=actor, clock=clock
        )
