"""The circulation desk: find the family (its card's QR code or a phone number), then scan
copies in a row to lend them; or scan returns, each answered with where the copy goes. Each
scan comes from the page's queue as JSON (or from the plain form without script) and is done
once per nonce. Also the staff's lending hub and the API's family lookup."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Template

from app.accounts.actor import Actor
from app.accounts.roles import STAFF
from app.kernel.clock import Clock
from app.kernel.errors import DomainError
from app.kernel.web import (
    ActorDep,
    ClockDep,
    Pages,
    json_or_form,
    refusal_json,
    refusal_page,
    to_int,
    view_context,
    wants_json,
)
from reading.lending.controllers.shared import Number, scan_answer
from reading.lending.schemas import FamilyCard
from reading.lending.services import desk, families, scans, views_loans
from reading.lending.services.scans import ScanAnswer

PAGE = "lending/desk.html"


class DeskPages(Pages):
    path = "/staff"

    @get("/lending", opt=STAFF)
    async def hub(self, actor: ActorDep, clock: ClockDep) -> Template:
        """The lending work: desk, catalogue, holds, transfers, stocktakes."""
        view = await views_loans.hub_page(actor, clock)
        return Template("lending/staff_hub.html", context=view_context(view, actor=actor))

    @get("/desk", opt=STAFF)
    async def desk(
        self,
        actor: ActorDep,
        clock: ClockDep,
        space: Number = None,
        mode: Annotated[str | None, QueryParameter(max_length=10)] = None,
        find: Annotated[str | None, QueryParameter(max_length=300)] = None,
        family: Number = None,
    ) -> Template:
        """The circulation desk: find the family (card or phone), then scan copies to lend;
        or scan returns, each answered with where the copy goes."""
        shown = {"actor": actor, "mode": "return" if mode == "return" else "lend"}
        try:
            family_id = await families.at_desk(find, family, actor, clock)
        except DomainError as exc:
            view = await views_loans.desk_page(actor, clock, space, None)
            return refusal_page(exc, PAGE, view_context(view, **shown, find=(find or "").strip()))
        view = await views_loans.desk_page(actor, clock, space, family_id)
        return Template(PAGE, context=view_context(view, **shown, find=""))

    @get("/desk/history", opt=STAFF)
    async def history(self, actor: ActorDep, clock: ClockDep, space: Number = None) -> Template:
        """What the desk lent and took back lately: a table to sort."""
        view = await views_loans.desk_history(actor, clock, space)
        return Template("lending/desk_history.html", context=view_context(view, actor=actor))

    async def _scan(
        self, request: Request[Any, Any, Any], actor: Actor, clock: Clock, mode: str
    ) -> Response[Any] | Template:
        data = await json_or_form(request)
        space_id, family_id = to_int(data.get("space_id")), to_int(data.get("family_id"))
        code = str(data.get("code") or "")[:300]
        try:
            nonce = scans.check_nonce(data.get("nonce"))
            lending = mode == "lend"
            here = await desk.check_scan(actor, space_id, family_id if lending else None, clock, lend=lending)
        except DomainError as exc:
            if wants_json(request):
                return refusal_json(exc)
            view = await views_loans.desk_page(actor, clock, space_id, family_id)
            return refusal_page(exc, PAGE, view_context(view, actor=actor, mode=mode))

        async def work() -> ScanAnswer:
            if mode == "lend":
                assert family_id is not None
                return await desk.lend_scan(actor, clock, family_id, code)
            return await desk.return_scan(actor, clock, here, code)

        answer = await scans.once(actor, nonce, f"desk-{mode}:{space_id}:{family_id}:{code}", work, clock=clock)
        return await scan_answer(
            request, answer, PAGE, lambda: views_loans.desk_page(actor, clock, space_id, family_id), actor, mode=mode
        )

    @post("/desk/lend", opt=STAFF, status_code=200)
    async def desk_lend(
        self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Response[Any] | Template:
        """One scanned copy lent to the family (JSON from the page's queue, or the plain form)."""
        return await self._scan(request, actor, clock, "lend")

    @post("/desk/return", opt=STAFF, status_code=200)
    async def desk_return(
        self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Response[Any] | Template:
        """One scanned copy returned here; the answer says where it goes."""
        return await self._scan(request, actor, clock, "return")


class FamiliesApi(Controller):
    path = "/api/v1/families"
    tags = ("copies",)

    @get("/lookup", opt=STAFF)
    async def lookup_family(
        self,
        actor: ActorDep,
        clock: ClockDep,
        phone: Annotated[str | None, QueryParameter(max_length=20)] = None,
        card: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> FamilyCard:
        """Find a family at the desk by its card's QR code, or by a guardian's phone number when
        it has booked, checked in, borrowed or holds at one of your spaces (district admins:
        any). Every look is recorded in the access log."""
        return await families.lookup(phone, card, actor, clock)
