"""Spaces: the JSON API (list, read, create, edit, corners) and a space's page for
families, its week of activities and open reading."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Template
from msgspec import Struct

from app.accounts.roles import ADMINS, LIBRARIANS, PUBLIC
from app.kernel.clock import local_today
from app.kernel.pagination import decode_cursor, next_cursor
from app.kernel.web import ActorDep, ClockDep, MaybeActor, Pages, SharedPage, parse_day, view_context
from spaces.schemas import CornerIn, CornerOut, CornerUpdate, SpaceIn, SpaceOut, SpaceSummary, SpaceUpdate
from spaces.services import corners, spaces, views
from spaces.services.access import ensure_serves


class SpacePage(Struct):
    items: list[SpaceSummary]
    next_cursor: str | None


class SpacesController(Controller):
    path = "/api/v1/spaces"
    tags = ("spaces",)

    @get("/", opt=PUBLIC)
    async def list_spaces(
        self,
        kind: FromQuery[Literal["reading_base", "ten_square"] | None] = None,
        street: Annotated[str | None, QueryParameter(max_length=20)] = None,
        q: Annotated[str | None, QueryParameter(max_length=50)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> SpacePage:
        """Spaces, filterable by kind, subdistrict (`street`) and text (`q`)."""
        items = await spaces.list_spaces(
            kind=kind, street=street, q=q, after_id=decode_cursor(cursor) or 0, limit=limit
        )
        return SpacePage(items=items, next_cursor=next_cursor([s.id for s in items], limit))

    @get("/{space_id:int}", opt=PUBLIC)
    async def get_space(self, space_id: FromPath[int]) -> SpaceOut:
        """One space with opening hours, closures and corners."""
        return await spaces.get_space(space_id)

    @post("/", opt=ADMINS, status_code=201)
    async def create_space(self, data: JSONBody[SpaceIn], clock: ClockDep) -> SpaceOut:
        """Create a space with its opening hours."""
        space_id = await spaces.create_space(data, clock=clock)
        return await spaces.get_space(space_id)

    @patch("/{space_id:int}", opt=LIBRARIANS)
    async def update_space(
        self, space_id: FromPath[int], data: JSONBody[SpaceUpdate], actor: ActorDep, clock: ClockDep
    ) -> SpaceOut:
        """Edit a space, its booking rules and its opening hours (the list replaces them all).
        `max_future_bookings` and `booking_horizon_days` set the space's overrides of the
        policies `future_booking_cap` and `booking_horizon_days`."""
        await spaces.update_space(space_id, data, actor=actor, clock=clock)
        return await spaces.get_space(space_id)

    @post("/{space_id:int}/corners", opt=LIBRARIANS, status_code=201)
    async def add_corner(
        self,
        space_id: FromPath[int],
        data: JSONBody[CornerIn],
        actor: ActorDep,
        clock: ClockDep,
    ) -> CornerOut:
        """Add a reading corner."""
        ensure_serves(actor, space_id)
        corner_id = await spaces.add_corner(space_id, data.name, clock=clock)
        return CornerOut(id=corner_id, name=data.name.strip())

    @patch("/{space_id:int}/corners/{corner_id:int}", opt=LIBRARIANS)
    async def update_corner(
        self,
        space_id: FromPath[int],
        corner_id: FromPath[int],
        data: JSONBody[CornerUpdate],
        actor: ActorDep,
        clock: ClockDep,
    ) -> CornerOut:
        """Rename a corner, or retire it (`{"retired": true}`): its printed and live codes stop
        working at once; its check-ins and scans stay."""
        return await corners.update_corner(space_id, corner_id, data, actor=actor, now=clock.now())


class SpacePages(Pages):
    @get("/spaces/{space_id:int}", opt=PUBLIC)
    async def space(
        self, space_id: FromPath[int], maybe_actor: MaybeActor, clock: ClockDep, week: FromQuery[str | None] = None
    ) -> Template:
        """The space and its week: each day with its slots, remaining places and badges."""
        first = parse_day(week, local_today(clock))
        view = await views.space_week(space_id, first, actor=maybe_actor, clock=clock)
        if maybe_actor is None:  # the week kept for anonymous readers: rendered once for them all
            return SharedPage("spaces/space.html", context=view_context(view, actor=None), shared=view)
        return Template("spaces/space.html", context=view_context(view, actor=maybe_actor))
