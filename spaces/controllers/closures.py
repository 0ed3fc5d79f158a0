"""Closures of a space: the JSON API and the staff page (list, add, remove). Adding one
cancels that days' slots and tells the families (spaces/services/closures.py)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from msgspec import Struct

from app.accounts.actor import Actor
from app.accounts.roles import STAFF
from app.kernel.clock import Clock
from app.kernel.errors import DomainError
from app.kernel.web import ActorDep, ClockDep, Pages, form_dict, refusal_page, see_other, view_context
from spaces.controllers.forms import CLOSURE_FIELDS, closure_form, closure_in
from spaces.schemas import ClosureIn
from spaces.services import closures, views_staff

PAGE = "spaces/closures.html"
EMPTY = dict.fromkeys(CLOSURE_FIELDS, "")


class ClosureCreated(Struct):
    id: int


class ClosuresController(Controller):
    path = "/api/v1/spaces/{space_id:int}/closures"
    tags = ("spaces",)

    @post("/", opt=STAFF, status_code=201)
    async def add_closure(
        self,
        space_id: FromPath[int],
        data: JSONBody[ClosureIn],
        actor: ActorDep,
        clock: ClockDep,
    ) -> ClosureCreated:
        """Close the space for some days; slots on those days are cancelled and families told."""
        return ClosureCreated(id=await closures.add_closure(space_id, data, actor=actor, clock=clock))

    @delete("/{closure_id:int}", opt=STAFF, status_code=204)
    async def remove_closure(self, space_id: FromPath[int], closure_id: FromPath[int], actor: ActorDep) -> None:
        await closures.remove_closure(space_id, closure_id, actor=actor)


async def page_context(space_id: int, actor: Actor, clock: Clock, form: dict[str, str] | None = None) -> dict[str, Any]:
    view = await views_staff.closures(space_id, actor=actor, clock=clock)
    return view_context(view, actor=actor, form=form or EMPTY)


class ClosurePages(Pages):
    path = "/staff/spaces/{space_id:int}/closures"

    @get("/", opt=STAFF)
    async def closures(
        self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep, note: FromQuery[str | None] = None
    ) -> Template:
        return Template(PAGE, context=await page_context(space_id, actor, clock) | {"note": note})

    @post("/", opt=STAFF, status_code=200)
    async def add(
        self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        form = closure_form(await form_dict(request))
        try:
            await closures.add_closure(space_id, closure_in(form), actor=actor, clock=clock)
        except DomainError as exc:
            return refusal_page(exc, PAGE, await page_context(space_id, actor, clock, form))
        return see_other(f"/staff/spaces/{space_id}/closures?note=closure_added")

    @post("/{closure_id:int}/delete", opt=STAFF, status_code=200)
    async def remove(
        self, space_id: FromPath[int], closure_id: FromPath[int], actor: ActorDep, clock: ClockDep
    ) -> Template | Redirect:
        try:
            await closures.remove_closure(space_id, closure_id, actor=actor)
        except DomainError as exc:
            return refusal_page(exc, PAGE, await page_context(space_id, actor, clock))
        return see_other(f"/staff/spaces/{space_id}/closures?note=closure_removed")
