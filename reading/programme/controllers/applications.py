"""Applications to become a family lead reader: a family applies (API and page), librarians
of a preferred space and district admins list and decide them."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template

from app.accounts.roles import FAMILIES, LIBRARIANS
from app.kernel.errors import DomainError
from app.kernel.web import ActorDep, ClockDep, Pages, form_dict, refusal_page, see_other
from reading.programme.controllers.lead_readers import lead_readers_page
from reading.programme.schemas import ApplicationIn, ApplicationList, ApplicationOut, DecisionIn, DecisionOut
from reading.programme.services import applications as service
from reading.programme.services.views_leadreaders import apply_page

APPLY = "programme/apply.html"


class ApplicationsController(Controller):
    path = "/api/v1/lead-readers/applications"
    tags = ("reading programme",)

    @post("/", opt=FAMILIES, status_code=201)
    async def apply(self, data: JSONBody[ApplicationIn], actor: ActorDep, clock: ClockDep) -> ApplicationOut:
        """A guardian applies to be a family lead reader."""
        return await service.apply(data, actor=actor, clock=clock)

    @get("/", opt=LIBRARIANS)
    async def applications(self, actor: ActorDep) -> ApplicationList:
        """Open applications the caller may decide."""
        return ApplicationList(items=await service.applications(actor=actor))

    @post("/{application_id:int}/decision", opt=LIBRARIANS, status_code=200)
    async def decide(
        self, application_id: FromPath[int], data: JSONBody[DecisionIn], actor: ActorDep, clock: ClockDep
    ) -> DecisionOut:
        """Approve (→ trainee) or reject, once (409 already_decided)."""
        return await service.decide(application_id, data, actor=actor, clock=clock)


class ApplicationPages(Pages):
    @get("/lead-reader/apply", opt=FAMILIES)
    async def apply_form(self, actor: ActorDep) -> Template:
        page = await apply_page(actor)
        return Template(APPLY, context=page.context(actor=actor))

    @post("/lead-reader/apply", opt=FAMILIES, status_code=200)
    async def apply(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        form = service.application_form((await request.form()).dict())
        try:
            await service.apply_from_form(form, actor=actor, clock=clock)
        except DomainError as exc:
            page = await apply_page(actor, form)
            return refusal_page(exc, APPLY, page.context(actor=actor))
        return see_other("/lead-reader?note=applied")

    @post("/staff/lead-readers/applications/{application_id:int}/decision", opt=LIBRARIANS, status_code=200)
    async def decide(
        self, application_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """Approve (→ trainee) or reject with a note; a second decision is refused kindly (409)."""
        form = await form_dict(request)
        approve = form.get("approve") == "1"
        decision = DecisionIn(approve=approve, note=form.get("note", "").strip())
        try:
            await service.decide(application_id, decision, actor=actor, clock=clock)
        except DomainError as exc:
            return await lead_readers_page(actor, refused=exc, focus=f"a{application_id}")
        return see_other(f"/staff/lead-readers?note={'approved' if approve else 'rejected'}")
