"""Holds ("预约借书"): a family's holds (cancel), the staff's holds at a space (hand out, pull
from the shelf, the queue), and the API's holds."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.roles import FAMILIES, STAFF
from app.kernel.errors import DomainError
from app.kernel.web import ActorDep, ClockDep, Pages, refusal_page, see_other, to_int, view_context
from reading.lending.controllers.shared import Note, Number, bulk_note, ticked
from reading.lending.schemas import HoldList, HoldOut
from reading.lending.services import bulk, holds, routing, views_loans, views_stock

FAMILY_PAGE = "lending/holds.html"
STAFF_PAGE = "lending/staff_holds.html"


class HoldPages(Pages):
    @get("/holds", opt=FAMILIES)
    async def holds(self, actor: ActorDep, note: Note = None, h: Number = None) -> Template:
        """My holds: the queue position, or the date to collect it by; cancel."""
        view = await views_loans.holds_page(actor)
        return Template(FAMILY_PAGE, context=view_context(view, actor=actor, note=note, focus=h))

    @post("/holds/{hold_id:int}/cancel", opt=FAMILIES, status_code=200)
    async def cancel_hold(self, hold_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Template | Redirect:
        try:
            await holds.cancel_hold(hold_id, actor=actor, clock=clock)
        except DomainError as exc:
            view = await views_loans.holds_page(actor)
            return refusal_page(exc, FAMILY_PAGE, view_context(view, actor=actor))
        return see_other("/holds?note=hold_cancelled")

    @get("/staff/holds", opt=STAFF)
    async def at_space(
        self, actor: ActorDep, clock: ClockDep, space: Number = None, note: Note = None, goes: Note = None
    ) -> Template:
        """Holds at a space: on the hold shelf (to hand out), copies to pull from the shelf for
        a waiting family, and the queue."""
        view = await views_stock.holds_at(actor, space)
        context = view_context(view, actor=actor, now=clock.now(), note=note, goes=routing.known_goes(goes))
        return Template(STAFF_PAGE, context=context)

    @post("/staff/holds/pull", opt=STAFF, status_code=200)
    async def pull(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Copies taken from the shelf for the first waiting family (the ticked ones, or the one
        whose button was tapped): onto the hold shelf here, or into the transfer box for the
        family's pickup space."""
        ids, form = await ticked(request)
        space_id, only = to_int(form.get("space_id")), to_int(form.get("only"))
        try:
            done = await bulk.pull_many([only] if only is not None else ids, space_id, actor=actor, clock=clock)
        except DomainError as exc:
            view = await views_stock.holds_at(actor, space_id)
            return refusal_page(exc, STAFF_PAGE, view_context(view, actor=actor, now=clock.now()))
        if done.refused:
            view = await views_stock.holds_at(actor, space_id)
            return Template(STAFF_PAGE, context=view_context(view, actor=actor, now=clock.now(), done=done))
        return see_other(f"/staff/holds?space={space_id}&{bulk_note(done.done, 0, 'pulled')}&goes={done.goes}")


class HoldsApi(Controller):
    path = "/api/v1/holds"
    tags = ("lending",)

    @get("/")
    async def holds(self, actor: ActorDep, space_id: FromQuery[int | None] = None) -> HoldList:
        """A family's holds; staff: holds to pull at a space (ready or waiting)."""
        return HoldList(items=await holds.list_holds(actor, space_id))

    @delete("/{hold_id:int}", status_code=200)
    async def cancel_hold(self, hold_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> HoldOut:
        return await holds.cancel_hold(hold_id, actor=actor, clock=clock)
