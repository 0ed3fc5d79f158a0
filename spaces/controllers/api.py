"""JSON API: spaces (API.md, "Spaces, slots and bookings")."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.params import Parameter
from msgspec import Struct

from app.kernel.clock import Clock
from app.kernel.pagination import decode_cursor, next_cursor
from spaces.schemas import SpaceIn, SpaceOut, SpaceSummary
from spaces.services import spaces

PUBLIC = {"public": True}
ADMIN = {"roles": ("district_admin",)}


class SpacePage(Struct):
    items: list[SpaceSummary]
    next_cursor: str | None


class SpacesController(Controller):
    path = "/api/v1/spaces"
    tags = ("spaces",)

    @get("/", opt=PUBLIC)
    async def list_spaces(
        self,
        kind: Literal["reading_base", "ten_square"] | None = None,
        street: Annotated[str | None, Parameter(max_length=20)] = None,
        q: Annotated[str | None, Parameter(max_length=50)] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        cursor: str | None = None,
    ) -> SpacePage:
        """Spaces, filterable by kind, subdistrict (`street`) and text (`q`)."""
        items = await spaces.list_spaces(
            kind=kind, street=street, q=q, after_id=decode_cursor(cursor) or 0, limit=limit
        )
        return SpacePage(items=items, next_cursor=next_cursor([s.id for s in items], limit))

    @get("/{space_id:int}", opt=PUBLIC)
    async def get_space(self, space_id: int) -> SpaceOut:
        """One space with opening hours, closures and corners."""
        return await spaces.get_space(space_id)

    @post("/", opt=ADMIN, status_code=201)
    async def create_space(self, data: SpaceIn, clock: Clock) -> SpaceOut:
        """Create a space with its opening hours."""
        space_id = await spaces.create_space(data, clock=clock)
        return await spaces.get_space(space_id)
