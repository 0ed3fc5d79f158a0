"""Managing spaces from pages (/staff/spaces): the list with search and subdistrict filter;
a new space (district admins); one space's editor: details, coordinates, weekly hours and
the live-code switch (district admins and its librarians), its corners (add, rename, retire;
any of its staff reprint a code) and its posters to download. Closures: closures.py."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import ADMINS, LIBRARIANS, STAFF
from app.kernel.errors import DomainError
from app.kernel.web import ActorDep, ClockDep, Pages, download, form_dict, refusal_page, see_other, view_context
from spaces.controllers.corners import poster_file
from spaces.controllers.space_forms import space_form, space_in, space_update
from spaces.errors import InvalidCorner
from spaces.schemas import CornerUpdate
from spaces.services import codes, corners, spaces, views_admin

LIST, NEW, EDIT = "spaces/admin_list.html", "spaces/admin_new.html", "spaces/admin_space.html"
KINDS = ("ten_square", "reading_base")


async def editor_context(space_id: int, actor: Actor, **more: Any) -> dict[str, Any]:
    view = await views_admin.space_editor(space_id, actor=actor)
    form = more.pop("form", None) or space_form(
        {
            **{k: str(getattr(view.space, k) or "") for k in ("name", "kind", "street", "community", "host_name")},
            **{k: str(getattr(view.space, k) if getattr(view.space, k) is not None else "") for k in ("capacity",)},
            "address": view.space.address,
            "latitude": "" if view.space.latitude is None else str(view.space.latitude),
            "longitude": "" if view.space.longitude is None else str(view.space.longitude),
            "description": view.space.description,
            "require_live_code": "yes" if view.space.require_live_code else "",
            **{f"hours_{d}": text for d, text in view.hours_text.items()},
        }
    )
    return view_context(view, actor=actor, form=form, kinds=KINDS, **more)


class SpaceAdminPages(Pages):
    path = "/staff/spaces"

    @get("/", opt=STAFF)
    async def spaces_list(
        self, actor: ActorDep, q: FromQuery[str] = "", street: FromQuery[str] = "", note: FromQuery[str | None] = None
    ) -> Template:
        view = await views_admin.space_list(actor, q=q.strip()[:50], street=street.strip()[:20])
        return Template(LIST, context=view_context(view, actor=actor, note=note))

    @get("/new", opt=ADMINS)
    async def new_space(self, actor: ActorDep) -> Template:
        form = space_form({"kind": "ten_square", "capacity": "12"})
        return Template(NEW, context={"actor": actor, "form": form, "kinds": KINDS})

    @post("/", opt=ADMINS, status_code=200)
    async def create(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        form = space_form(await form_dict(request))
        try:
            space_id = await spaces.create_space(space_in(form), clock=clock)
        except DomainError as exc:
            return refusal_page(exc, NEW, {"actor": actor, "form": form, "kinds": KINDS})
        return see_other(f"/staff/spaces/{space_id}?note=space_created")

    @get("/{space_id:int}", opt=STAFF)
    async def space(self, space_id: FromPath[int], actor: ActorDep, note: FromQuery[str | None] = None) -> Template:
        return Template(EDIT, context=await editor_context(space_id, actor, note=note))

    @post("/{space_id:int}", opt=LIBRARIANS, status_code=200)
    async def update(
        self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        form = space_form(await form_dict(request))
        try:
            await spaces.update_space(space_id, space_update(form), actor=actor, clock=clock)
        except DomainError as exc:
            return refusal_page(exc, EDIT, await editor_context(space_id, actor, form=form))
        return see_other(f"/staff/spaces/{space_id}?note=space_saved")

    @post("/{space_id:int}/corners", opt=LIBRARIANS, status_code=200)
    async def add_corner(
        self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        name = (await form_dict(request)).get("name", "")
        try:
            corner_id = await corners.add_corner(space_id, name, actor=actor, clock=clock)
        except DomainError as exc:
            return refusal_page(exc, EDIT, await editor_context(space_id, actor, corner_name=name))
        return see_other(f"/staff/spaces/{space_id}?note=corner_added#corner-{corner_id}")

    @post("/{space_id:int}/corners/{corner_id:int}", opt=STAFF, status_code=200)
    async def corner(
        self,
        space_id: FromPath[int],
        corner_id: FromPath[int],
        actor: ActorDep,
        clock: ClockDep,
        state: State,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        """`action`: rename (with `name`), retire, or reprint (a new code; old posters stop working)."""
        form = await form_dict(request)
        action, now = form.get("action", ""), clock.now()
        try:
            if action == "reprint":
                await codes.reprint(space_id, corner_id, actor=actor, base_url=state.settings.base_url, now=now)
            else:
                change = CornerUpdate(retired=True) if action == "retire" else CornerUpdate(name=form.get("name", ""))
                if change.name is not None and not 1 <= len(change.name.strip()) <= 50:
                    raise InvalidCorner()
                await corners.update_corner(space_id, corner_id, change, actor=actor, now=now)
        except DomainError as exc:
            return refusal_page(exc, EDIT, await editor_context(space_id, actor))
        note = {"reprint": "corner_reprinted", "retire": "corner_retired"}.get(action, "corner_renamed")
        return see_other(f"/staff/spaces/{space_id}?note={note}")

    @get(["/{space_id:int}/poster.pdf", "/{space_id:int}/poster.png"], opt=STAFF)
    async def poster(
        self,
        request: Request[Any, Any, Any],
        space_id: FromPath[int],
        actor: ActorDep,
        clock: ClockDep,
        state: State,
        corner_id: FromQuery[int | None] = None,
    ) -> Response[bytes]:
        """The space's posters as a PDF, a page per corner in use (or the one `corner_id`); or
        one poster as a PNG (that corner's, or the first in use)."""
        pdf = request.url.path.endswith(".pdf")
        content = await poster_file(space_id, corner_id, pdf=pdf, actor=actor, clock=clock, state=state)
        if not pdf:
            return download(content, f"space-{space_id}-corner-{corner_id or 'first'}.png", "image/png")
        name = f"space-{space_id}-corner-{corner_id}.pdf" if corner_id else f"space-{space_id}-posters.pdf"
        return download(content, name, "application/pdf")
