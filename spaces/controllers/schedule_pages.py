"""The staff's schedule (/staff): the day or week of the spaces they serve (district admins:
any space, one at a time, with a picker; and the posters of every corner as one PDF,
spaces/controllers/poster_exports.py), and the forms for new activities and weekly series."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import STAFF
from app.kernel.clock import Clock, local_today
from app.kernel.errors import DomainError
from app.kernel.web import (
    ActorDep,
    ClockDep,
    Pages,
    form_dict,
    parse_day,
    refusal_page,
    see_other,
    to_int,
    view_context,
)
from spaces.controllers.forms import AGE_BANDS, SLOT_FIELDS, THEMES, picked, slot_defaults, slot_in
from spaces.services import open_reading, slots, views_staff
from spaces.services.access import ensure_serves
from spaces.services.views import local_day

NEW_SLOT_PAGE = "spaces/slot_new.html"


async def new_slot_context(
    space_id: int, actor: Actor, clock: Clock, form: dict[str, str] | None = None
) -> dict[str, Any]:
    space = await views_staff.served_space(space_id, actor=actor)
    return {
        "actor": actor,
        "space": space,
        "form": form if form is not None else slot_defaults(local_today(clock) + timedelta(days=1)),
        "themes": THEMES,
        "age_bands": list(AGE_BANDS),
    }


class SchedulePages(Pages):
    path = "/staff"

    @get("/", opt=STAFF)
    async def schedule(
        self,
        actor: ActorDep,
        clock: ClockDep,
        space: FromQuery[str | None] = None,
        view: FromQuery[str] = "week",
        day: FromQuery[str | None] = None,
        note: FromQuery[str | None] = None,
        n: FromQuery[int | None] = None,
        posters: FromQuery[str | None] = None,
    ) -> Template:
        """The day or week schedule of the spaces the actor serves ("" = every one of them)."""
        first = parse_day(day, local_today(clock))
        found = await views_staff.schedule(actor, picked=to_int(space), view=view, first=first, clock=clock)
        more = {"actor": actor, "note": note, "count": n, "poster_refusal": posters}
        return Template("spaces/staff.html", context=view_context(found, **more))

    @get("/spaces/{space_id:int}/slots/new", opt=STAFF)
    async def new_slot(self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Template:
        return Template(NEW_SLOT_PAGE, context=await new_slot_context(space_id, actor, clock))

    @post("/spaces/{space_id:int}/slots", opt=STAFF, status_code=200)
    async def create_slot(
        self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """One activity, or a weekly series of them."""
        form = picked(await form_dict(request), SLOT_FIELDS)
        try:
            data = slot_in(form)
            created = await slots.create_slots(space_id, data, actor=actor, clock=clock)
        except DomainError as exc:
            return refusal_page(exc, NEW_SLOT_PAGE, await new_slot_context(space_id, actor, clock, form))
        first = local_day(created[0].starts_at).isoformat()
        note = "created_skipping_closures" if len(created) < data.repeat_weeks else "created"
        return see_other(f"/staff?space={space_id}&day={first}&note={note}&n={len(created)}")

    @post("/spaces/{space_id:int}/generate", opt=STAFF, status_code=200)
    async def generate(self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> Redirect:
        """Create the open-reading slots of the coming two weeks from the opening hours."""
        ensure_serves(actor, space_id)
        created = await open_reading.generate_open_slots(clock=clock, days=14, space_id=space_id)
        return see_other(f"/staff?space={space_id}&note=generated&n={created}")
