"""A family for the staff who need it: its bookings at their spaces and the lifting of its
booking suspension with a reason (API.md: `DELETE /api/v1/families/{id}/suspension`), as
the API and the page /staff/families/{id}."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from msgspec import Meta, Struct

from app.accounts.roles import STAFF
from app.kernel.errors import DomainError, InvalidInput
from app.kernel.i18n import N_
from app.kernel.web import ActorDep, ClockDep, Pages, form_dict, refusal_page, see_other, view_context
from spaces.schemas import BookingOut
from spaces.services import family_view, suspensions

PAGE = "spaces/family.html"


class LiftIn(Struct, forbid_unknown_fields=True):
    reason: Annotated[str, Meta(min_length=1, max_length=200)]


class FamilyBookingsOut(Struct):
    family_id: int
    suspended_until: str | None
    items: list[BookingOut]


class FamilyStaffController(Controller):
    path = "/api/v1/families/{family_id:int}"
    tags = ("bookings",)

    @get("/bookings", opt=STAFF)
    async def family_bookings(self, family_id: FromPath[int], actor: ActorDep, clock: ClockDep) -> FamilyBookingsOut:
        """The family's bookings at the spaces the caller serves (district admins: all) and
        until when its booking is suspended, if it is."""
        view = await family_view.family_for_staff(family_id, actor=actor, now=clock.now())
        until = view.suspended_until.isoformat() if view.suspended_until else None
        return FamilyBookingsOut(family_id=family_id, suspended_until=until, items=list(view.bookings))

    @delete("/suspension", opt=STAFF, status_code=204)
    async def lift_suspension(
        self, family_id: FromPath[int], data: JSONBody[LiftIn], actor: ActorDep, clock: ClockDep
    ) -> None:
        """Lift the family's no-show suspension now, with a reason (kept): district admins,
        or staff of a space where the family missed the bookings. 404
        `suspension_not_found` when it is not suspended."""
        await suspensions.lift(family_id, data.reason, actor=actor, now=clock.now())


class FamilyStaffPage(Pages):
    path = "/staff/families/{family_id:int}"

    @get("/", opt=STAFF)
    async def family(
        self, family_id: FromPath[int], actor: ActorDep, clock: ClockDep, note: FromQuery[str | None] = None
    ) -> Template:
        view = await family_view.family_for_staff(family_id, actor=actor, now=clock.now())
        return Template(PAGE, context=view_context(view, actor=actor, note=note))

    @post("/suspension/lift", opt=STAFF, status_code=200)
    async def lift(
        self, family_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        reason = (await form_dict(request)).get("reason", "").strip()
        try:
            if not reason:
                raise InvalidInput(N_("请写明解除暂停的原因"), fields=[{"field": "reason", "message": "required"}])
            await suspensions.lift(family_id, reason, actor=actor, now=clock.now())
        except DomainError as exc:
            view = await family_view.family_for_staff(family_id, actor=actor, now=clock.now())
            return refusal_page(exc, PAGE, view_context(view, actor=actor, reason=reason))
        return see_other(f"/staff/families/{family_id}?note=lifted")
