"""JSON API of bookings: a family's (or a staff member's) list, one booking, cancelling,
accepting a waitlist offer, attendance by hand, and calendars (one booking's file, the
family's private feed)."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Response, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, QueryParameter
from msgspec import Struct

from app.accounts.actor import Actor
from app.accounts.roles import FAMILIES, PUBLIC, STAFF
from app.kernel.clock import Clock
from app.kernel.pagination import decode_cursor, next_cursor
from app.kernel.web import ActorDep, ClockDep, download
from spaces.schemas import BookingOut
from spaces.services import attendance, bookings, calendar, cancelling
from spaces.services.access import family_of

Status = Literal[
    "confirmed", "waitlisted", "offered", "attended", "cancelled", "no_show", "offer_expired", "waitlist_closed"
]
ICS = "text/calendar; charset=utf-8"


class BookingPage(Struct):
    items: list[BookingOut]
    next_cursor: str | None


class FeedOut(Struct):
    feed_url: str


async def ics_file(booking_id: int, actor: Actor, clock: Clock, state: State) -> Response[bytes]:
    """A booking's calendar file to save (the API's and the page's); a family's own, so never
    kept by a shared cache."""
    base_url = state.settings.base_url
    body = await calendar.booking_ics(booking_id, actor=actor, base_url=base_url, now=clock.now())
    response = download(body, f"booking-{booking_id}.ics", ICS)
    response.headers["Cache-Control"] = "no-store"
    return response


class BookingsController(Controller):
    path = "/api/v1/bookings"
    tags = ("bookings",)

    @get("/")
    async def list_bookings(
        self,
        actor: ActorDep,
        space_id: FromQuery[int | None] = None,
        slot_id: FromQuery[int | None] = None,
        status: FromQuery[Status | None] = None,
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
        return await cancelling.cancel(booking_id, actor=actor, clock=clock)

    @post("/{booking_id:int}/accept", opt=FAMILIES, status_code=200)
    async def accept(self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> BookingOut:
        """Accept a waitlist offer before it expires (409 offer_expired)."""
        return await cancelling.accept_offer(booking_id, actor=actor, clock=clock)

    @post("/{booking_id:int}/attendance", opt=STAFF, status_code=200)
    async def attended(self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> BookingOut:
        """Mark a family present by hand."""
        return await attendance.mark_attended(booking_id, actor=actor, clock=clock)

    @get("/{booking_id:int}/calendar.ics", opt=FAMILIES, media_type="text/calendar")
    async def ics(self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State) -> Response[bytes]:
        """The booking as an iCalendar file."""
        return await ics_file(booking_id, actor, clock, state)


class CalendarController(Controller):
    tags = ("bookings",)

    @get("/api/v1/families/me/calendar", opt=FAMILIES)
    async def feed_url(self, actor: ActorDep, state: State) -> FeedOut:
        """The family's private calendar feed URL (keep it secret: it needs no login)."""
        token = await calendar.feed_token(family_of(actor))
        return FeedOut(feed_url=calendar.feed_url(token, state.settings.base_url))

    @get("/calendar/{token:str}", opt=PUBLIC, media_type="text/calendar", include_in_schema=False)
    async def feed(self, token: FromPath[str], clock: ClockDep, state: State) -> Response[bytes]:
        body = await calendar.family_feed(token.removesuffix(".ics"), base_url=state.settings.base_url, now=clock.now())
        return Response(body, media_type=ICS)
