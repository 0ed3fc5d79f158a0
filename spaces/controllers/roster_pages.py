"""One slot for its space's staff (/staff/slots/<id>): the roster with attendance by hand,
walk-ins, the capacity and cancelling the slot. A refusal shows the page again with it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import STAFF
from app.kernel.clock import Clock
from app.kernel.errors import DomainError
from app.kernel.web import ActorDep, ClockDep, Pages, form_dict, refusal_page, see_other, view_context
from spaces.controllers import forms
from spaces.schemas import SlotUpdate
from spaces.services import attendance, places, slots, views_staff

PAGE = "spaces/staff_slot.html"


async def refused(exc: DomainError, slot_id: int, actor: Actor, clock: Clock) -> Template:
    """The slot's page again with the refusal (one that hides the page itself propagates:
    the roster of a slot the actor does not serve, or a slot that is not there)."""
    view = await views_staff.roster(slot_id, actor=actor, clock=clock)
    return refusal_page(exc, PAGE, view_context(view, actor=actor))


async def then(
    step: Callable[[], Awaitable[object]], slot_id: int, actor: Actor, clock: Clock, note: str
) -> Template | Redirect:
    """Do `step`, then back to the slot's page saying `note`; refused: the page with it."""
    try:
        await step()
    except DomainError as exc:
        return await refused(exc, slot_id, actor, clock)
    return see_other(f"/staff/slots/{slot_id}?note={note}")


class RosterPages(Pages):
    path = "/staff/slots/{slot_id:int}"

    @get("/", opt=STAFF)
    async def slot(
        self, slot_id: FromPath[int], actor: ActorDep, clock: ClockDep, note: FromQuery[str | None] = None
    ) -> Template:
        view = await views_staff.roster(slot_id, actor=actor, clock=clock)
        return Template(PAGE, context=view_context(view, actor=actor, note=note))

    @post("/bookings/{booking_id:int}/attended", opt=STAFF, status_code=200)
    async def attended(
        self, slot_id: FromPath[int], booking_id: FromPath[int], actor: ActorDep, clock: ClockDep
    ) -> Template | Redirect:
        try:
            done = await attendance.mark_attended(booking_id, actor=actor, clock=clock)
        except DomainError as exc:
            return await refused(exc, slot_id, actor, clock)
        return see_other(f"/staff/slots/{done.slot_id}?note=attended#r{booking_id}")

    @post("/walk-ins", opt=STAFF, status_code=200)
    async def walk_in(
        self, slot_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        async def register() -> object:
            adults, children = forms.walk_in(await form_dict(request))
            return await places.register_walk_in(slot_id, adults=adults, children=children, actor=actor, clock=clock)

        return await then(register, slot_id, actor, clock, "walk_in")

    @post("/capacity", opt=STAFF, status_code=200)
    async def capacity(
        self, slot_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        async def save() -> object:
            update = SlotUpdate(capacity=forms.capacity((await form_dict(request)).get("capacity")))
            return await slots.update_slot(slot_id, update, actor=actor, clock=clock)

        return await then(save, slot_id, actor, clock, "saved")

    @post("/cancel", opt=STAFF, status_code=200)
    async def cancel_slot(self, slot_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Template | Redirect:
        async def cancel() -> object:
            return await slots.update_slot(slot_id, SlotUpdate(cancelled=True), actor=actor, clock=clock)

        return await then(cancel, slot_id, actor, clock, "slot_cancelled")
