"""The families' booking pages: an activity with its booking form (three taps from the
space page: the space, the activity, 预约), and my bookings (cancel, accept an offer, add to
a calendar, the QR code). A refusal shows the page again with the refusal's own words and
status (app.kernel.web.refusal_page)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import BOOKING_FAMILIES, FAMILIES, PUBLIC
from app.kernel.clock import Clock
from app.kernel.errors import DomainError
from app.kernel.web import ActorDep, ClockDep, MaybeActor, Pages, refusal_page, see_other, to_int, view_context
from spaces.controllers.bookings_api import ics_file
from spaces.controllers.forms import booking_in
from spaces.rules import MAX_ADULTS
from spaces.schemas import BookingOut
from spaces.services import cancelling, places, views
from spaces.services.access import family_of

SLOT_PAGE = "spaces/slot.html"
BOOKINGS_PAGE = "spaces/bookings.html"


async def slot_context(
    slot_id: int, actor: Actor | None, clock: Clock, checked: set[int] | None = None, adults: int | None = None
) -> dict[str, Any]:
    """The slot page's context; before any form was sent, the party the places allow is ticked."""
    view = await views.slot_view(slot_id, actor=actor, clock=clock)
    suggested, suggested_adults = view.suggested()
    ticked = suggested if checked is None else checked
    adults = suggested_adults if adults is None else adults
    return view_context(view, actor=actor, checked=ticked, adults=adults, max_adults=MAX_ADULTS, short=view.short)


async def bookings_context(actor: Actor, clock: Clock, state: State, **more: Any) -> dict[str, Any]:
    view = await views.my_bookings(family_of(actor), base_url=state.settings.base_url, clock=clock)
    return view_context(view, actor=actor, **more)


async def change(
    action: Callable[..., Awaitable[BookingOut]], booking_id: int, actor: Actor, clock: Clock, state: State, done: str
) -> Template | Redirect:
    """Cancel a booking or accept an offer, then `done`; refused: my bookings with the refusal."""
    try:
        await action(booking_id, actor=actor, clock=clock)
    except DomainError as exc:
        return refusal_page(exc, BOOKINGS_PAGE, await bookings_context(actor, clock, state))
    return see_other(done)


class BookingPages(Pages):
    @get("/slots/{slot_id:int}", opt=PUBLIC)
    async def slot(self, slot_id: FromPath[int], maybe_actor: MaybeActor, clock: ClockDep) -> Template:
        """An activity (or open reading) with its booking form."""
        return Template(SLOT_PAGE, context=await slot_context(slot_id, maybe_actor, clock))

    @post("/slots/{slot_id:int}", opt=BOOKING_FAMILIES, status_code=200)
    async def book(
        self, slot_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        form = await request.form()
        child_ids = sorted({c for c in (to_int(v) for v in form.getall("child_id", [])) if c is not None})
        adults = to_int(form.get("adults"), 1) or 0
        try:
            booking = await places.book(slot_id, booking_in(child_ids, adults), actor=actor, clock=clock)
        except DomainError as exc:
            return refusal_page(exc, SLOT_PAGE, await slot_context(slot_id, actor, clock, set(child_ids), adults))
        return see_other(f"/bookings?note={booking.status}&b={booking.id}#b{booking.id}")

    @get("/bookings", opt=FAMILIES)
    async def my_bookings(
        self,
        actor: ActorDep,
        clock: ClockDep,
        state: State,
        note: FromQuery[str | None] = None,
        b: FromQuery[int | None] = None,
    ) -> Template:
        """My bookings: upcoming (cancel, accept an offer, calendar, QR code) and past."""
        return Template(BOOKINGS_PAGE, context=await bookings_context(actor, clock, state, note=note, focus=b))

    @post("/bookings/{booking_id:int}/cancel", opt=FAMILIES, status_code=200)
    async def cancel(
        self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Template | Redirect:
        done = f"/bookings?note=cancelled&b={booking_id}"
        return await change(cancelling.cancel, booking_id, actor, clock, state, done)

    @post("/bookings/{booking_id:int}/accept", opt=FAMILIES, status_code=200)
    async def accept(
        self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Template | Redirect:
        done = f"/bookings?note=accepted&b={booking_id}#b{booking_id}"
        return await change(cancelling.accept_offer, booking_id, actor, clock, state, done)

    @get("/bookings/{booking_id:int}/calendar.ics", opt=FAMILIES, media_type="text/calendar")
    async def ics(self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State) -> Response[bytes]:
        """The booking as an iCalendar file, for the browser session (the API needs a token)."""
        return await ics_file(booking_id, actor, clock, state)
