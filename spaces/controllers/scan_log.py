"""A space's scan log for its staff: `GET /api/v1/spaces/{id}/scans` and the page
/staff/spaces/{id}/scans, filterable by corner, outcome and days."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template
from msgspec import Struct

from app.accounts.roles import STAFF
from app.kernel.clock import local_today
from app.kernel.pagination import decode_cursor, next_cursor
from app.kernel.web import ActorDep, ClockDep, Pages, to_int
from spaces.services import views_admin
from spaces.services.scan_log import ScanFilter, ScanOut, scans

Outcome = Annotated[str | None, QueryParameter(max_length=40, pattern=r"^[a-z_]+$")]
Day = Annotated[date | None, QueryParameter()]
OUTCOMES = (
    "checked_in",
    "duplicate",
    "override",
    "outside_opening_hours",
    "outside_check_in_window",
    "wrong_space",
    "live_code_required",
    "space_full",
    "corner_not_found",
    "child_not_found",
    "forbidden",
    "opened",
    "replayed",
)


class ScanPage(Struct):
    items: list[ScanOut]
    next_cursor: str | None


class ScanLogController(Controller):
    path = "/api/v1/spaces/{space_id:int}/scans"
    tags = ("qr",)

    @get("/", opt=STAFF)
    async def scan_log(
        self,
        space_id: FromPath[int],
        actor: ActorDep,
        corner_id: Annotated[int | None, QueryParameter(ge=1, le=2_147_483_647)] = None,
        outcome: Outcome = None,
        from_day: Annotated[date | None, QueryParameter(name="from")] = None,
        to_day: Annotated[date | None, QueryParameter(name="to")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: FromQuery[str | None] = None,
    ) -> ScanPage:
        """Every scan at the space (failed ones too), newest first: time, outcome
        (`checked_in`, `duplicate`, `outside_opening_hours`, `wrong_space`, …), corner and the
        family masked. Filters: `corner_id`, `outcome`, local days `from` and `to`."""
        where = ScanFilter(corner_id=corner_id, outcome=outcome, first_day=from_day, last_day=to_day)
        items = await scans(space_id, actor=actor, where=where, before_id=decode_cursor(cursor), limit=limit)
        return ScanPage(items=items, next_cursor=next_cursor([i.id for i in items], limit))


class ScanLogPage(Pages):
    @get("/staff/spaces/{space_id:int}/scans", opt=STAFF)
    async def scan_log_page(
        self,
        space_id: FromPath[int],
        actor: ActorDep,
        clock: ClockDep,
        corner: FromQuery[str | None] = None,
        outcome: FromQuery[str | None] = None,
        day: FromQuery[str | None] = None,
    ) -> Template:
        """The day's scans (today by default), newest first: why a family's scan failed."""
        try:
            shown = date.fromisoformat(day) if day else local_today(clock)
        except ValueError:
            shown = local_today(clock)
        corner_id = to_int(corner)
        picked = outcome if outcome in OUTCOMES else None
        where = ScanFilter(corner_id=corner_id, outcome=picked, first_day=shown, last_day=shown)
        items = await scans(space_id, actor=actor, where=where, limit=200)
        editor = await views_admin.space_editor(space_id, actor=actor)
        context = {
            "actor": actor,
            "space": editor.space,
            "items": items,
            "day": shown,
            "corner_id": corner_id,
            "outcome": picked,
            "outcomes": OUTCOMES,
        }
        return Template("spaces/scan_log.html", context=context)
