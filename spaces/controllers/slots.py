"""JSON API: slots, bookings, waitlist offers, attendance, walk-ins and calendars."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter
from msgspec import Struct

from app.accounts.actor import Actor
from app.accounts.roles import BOOKING_FAMILIES, FAMILIES, PUBLIC, STAFF
from app.kernel.clock import Clock
from app.kernel.errors import InvalidInput
from app.kernel.pagination import decode_cursor, next_cursor
from spaces.errors import BookingNotFound
from spaces.schemas import BookingIn, BookingOut, GenerateIn, RosterEntry, SlotIn, SlotOut, SlotUpdate, WalkInIn
from spaces.services import bookings, calendar, slots
from spaces.services.access import ensure_serves, family_of

ActorDep = NamedDependency[Actor]
ClockDep = NamedDependency[Clock]

Time = Annotated[datetime, Parameter(description="ISO 8601 with offset")]


class SlotPage(Struct):
    items: list[SlotOut]
    next_cursor: str | None = None


class BookingPage(Struct):
    items: list[BookingOut]
    next_cursor: str | None


class Roster(Struct):
    items: list[RosterEntry]


class Generated(Struct):
    created: int


class WalkInOut(Struct):
    id: int
    remaining: int


class FeedOut(Struct):
    feed_url: str


def _range(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput("时间需要带时区", fields=[{"field": name, "message": "ISO 8601 with offset"}])
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
        return Generated(created=await slots.generate_open_slots(clock=clock, days=data.days, space_id=space_id))


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
        return await bookings.book(slot_id, data, actor=actor, clock=clock)

    @get("/roster", opt=STAFF)
    async def roster(self, slot_id: FromPath[int], actor: ActorDep) -> Roster:
        """Who is coming (staff of the slot's space only)."""
        return Roster(items=await bookings.roster(slot_id, actor=actor))

    @post("/walk-ins", opt=STAFF, status_code=201)
    async def walk_in(
        self,
        slot_id: FromPath[int],
        data: JSONBody[WalkInIn],
        actor: ActorDep,
        clock: ClockDep,
    ) -> WalkInOut:
        """Register people without a booking, counted against the capacity (409 space_full)."""
        walk_in_id = await bookings.register_walk_in(
            slot_id, adults=data.adults, children=data.children, actor=actor, clock=clock
        )
        return WalkInOut(id=walk_in_id, remaining=(await slots.get_slot(slot_id)).remaining)


class BookingsController(Controller):
    path = "/api/v1/bookings"
    tags = ("bookings",)

    @get("/")
    async def list_bookings(
        self,
        actor: ActorDep,
        space_id: FromQuery[int | None] = None,
        slot_id: FromQuery[int | None] = None,
        status: FromQuery[
            Literal[
                "confirmed",
                "waitlisted",
                "offered",
                "attended",
                "cancelled",
                "no_show",
                "offer_expired",
                "waitlist_closed",
            ]
            | None
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> BookingPage:
        """A family's own bookings; staff see the bookings of the spaces they serve."""
        items = await bookings.list_bookings(
            actor=actor,
            space_id=space_id,
            slot_id=slot_id,
            status=status,
            after_id=decode_cursor(cursor) or 0,
            limit=limit,
        )
        return BookingPage(items=items, next_cursor=next_cursor([b.id for b in items], limit))

    @get("/{booking_id:int}")
    async def get_booking(self, booking_id: FromPath[int], actor: ActorDep) -> BookingOut:
        return await bookings.booking_out(await bookings.visible_booking(booking_id, actor))

    @delete("/{booking_id:int}", status_code=200)
    async def cancel(self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> BookingOut:
        """Cancel (the family or staff); freed places are offered to the waitlist."""
        return await bookings.cancel(booking_id, actor=actor, clock=clock)

    @post("/{booking_id:int}/accept", opt=FAMILIES, status_code=200)
    async def accept(self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> BookingOut:
        """Accept a waitlist offer before it expires (409 offer_expired)."""
        return await bookings.accept_offer(booking_id, actor=actor, clock=clock)

    @post("/{booking_id:int}/attendance", opt=STAFF, status_code=200)
    async def attended(self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> BookingOut:
        """Mark a family present by hand."""
        return await bookings.mark_attended(booking_id, actor=actor, clock=clock)

    @get("/{booking_id:int}/calendar.ics", opt=FAMILIES, media_type="text/calendar")
    async def ics(self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State) -> Response[bytes]:
        """The booking as an iCalendar file."""
        row = await bookings.visible_booking(booking_id, actor)
        if row["family"] != actor.family_id:
            raise BookingNotFound()
        body = await calendar.booking_ics(booking_id, base_url=state.settings.base_url, now=clock.now())
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="booking-{booking_id}.ics"'},
        )


class CalendarController(Controller):
    tags = ("bookings",)

    @get("/api/v1/families/me/calendar", opt=FAMILIES)
    async def feed_url(self, actor: ActorDep, state: State) -> FeedOut:
        """The family's private calendar feed URL (keep it secret: it needs no login)."""
        token = await calendar.feed_token(family_of(actor))
        return FeedOut(feed_url=f"{state.settings.base_url}/calendar/{token}.ics")

    @get("/calendar/{token:str}", opt=PUBLIC, media_type="text/calendar", include_in_schema=False)
    async def feed(self, token: FromPath[str], clock: ClockDep, state: State) -> Response[bytes]:
        body = await calendar.family_feed(token.removesuffix(".ics"), base_url=state.settings.base_url, now=clock.now())
        if body is None:
            raise BookingNotFound("没有找到这个日历")
        return Response(body, media_type="text/calendar; charset=utf-8")


SPACES_API = [SpaceSlotsController, SlotsController, BookingsController, CalendarController]
