"""Family lead readers: my lead-reader page (status, level, sessions led, hours, families
reached, books read aloud; pause, resume or retire myself), and the librarians' and admins'
list (applications to decide, lead readers and their states, certificates)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import FAMILIES, LIBRARIANS
from app.kernel.errors import DomainError
from app.kernel.web import ActorDep, ClockDep, Pages, form_dict, refusal_page, see_other
from reading.programme.schemas import LeadReaderOut, LeadReaderStatusIn
from reading.programme.services import leadreaders, views_leadreaders

MINE = "programme/lead_reader.html"
ALL = "programme/lead_readers.html"


async def lead_readers_page(
    actor: Actor, *, note: str | None = None, focus: str | None = None, refused: DomainError | None = None
) -> Template:
    """The librarians' list; with `refused`, the refusal above it (its status) and the card
    it concerns (`focus`) marked."""
    page = await views_leadreaders.lead_readers_page(actor)
    context = page.context(actor=actor, note=note, focus=focus)
    return refusal_page(refused, ALL, context) if refused is not None else Template(ALL, context=context)


class LeadReadersController(Controller):
    path = "/api/v1/lead-readers"
    tags = ("reading programme",)

    @get("/{lead_reader_id:int}")
    async def get_lead_reader(self, lead_reader_id: FromPath[int], actor: ActorDep) -> LeadReaderOut:
        return await leadreaders.get(lead_reader_id, actor=actor)

    @post("/{lead_reader_id:int}/status", status_code=200)
    async def set_status(
        self, lead_reader_id: FromPath[int], data: JSONBody[LeadReaderStatusIn], actor: ActorDep, clock: ClockDep
    ) -> LeadReaderOut:
        """trainee → active (after the training), active ⇄ paused, → retired."""
        return await leadreaders.set_status(lead_reader_id, data.status, actor=actor, now=clock.now())


class LeadReaderPages(Pages):
    @get("/lead-reader", opt=FAMILIES)
    async def mine(self, actor: ActorDep, note: FromQuery[str | None] = None) -> Template:
        """My lead-reader page, or where my application stands."""
        page = await views_leadreaders.my_page(actor)
        return Template(MINE, context=page.context(actor=actor, note=note))

    @post("/lead-reader/status", opt=FAMILIES, status_code=200)
    async def set_own_status(
        self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """Pause, resume or retire myself."""
        wanted = (await form_dict(request)).get("status", "")
        try:
            await leadreaders.set_own_status(wanted, actor=actor, now=clock.now())
        except DomainError as exc:
            page = await views_leadreaders.my_page(actor)
            return refusal_page(exc, MINE, page.context(actor=actor))
        return see_other(f"/lead-reader?note={wanted}")

    @get("/staff/lead-readers", opt=LIBRARIANS)
    async def page(self, actor: ActorDep, note: FromQuery[str | None] = None) -> Template:
        """Applications to decide, lead readers and their states, certificates (admins)."""
        return await lead_readers_page(actor, note=note)

    @post("/staff/lead-readers/{lead_reader_id:int}/status", opt=LIBRARIANS, status_code=200)
    async def set_status(
        self, lead_reader_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """trainee → active (after the training), active ⇄ paused, → retired."""
        wanted = (await form_dict(request)).get("status", "")
        try:
            await leadreaders.set_status(lead_reader_id, wanted, actor=actor, now=clock.now())
        except DomainError as exc:
            return await lead_readers_page(actor, refused=exc, focus=f"l{lead_reader_id}")
        return see_other(f"/staff/lead-readers?note=status_{wanted}#l{lead_reader_id}")
