"""Policies (API.md: `GET /api/v1/policies` and PATCH; the page /staff/policies): the rules
district admins set, district-wide and per space where a space may differ, with the history
of every change. Staff read them; district admins change them. A change applies to new
loans, renewals, holds and suspensions only (app/kernel/policies.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect, Template
from msgspec import Meta, Struct

from app.accounts.actor import Actor
from app.accounts.roles import ADMINS, STAFF
from app.kernel import policies
from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from app.kernel.errors import DomainError, InvalidInput
from app.kernel.i18n import N_, gettext
from app.kernel.web import ActorDep, ClockDep, Pages, form_dict, refusal_page, see_other, to_int
from spaces.services.spaces import get_space, list_spaces

PAGE = "policies.html"
SpaceId = Annotated[int, Meta(ge=1, le=2_147_483_647)]


class PolicyOut(Struct):
    key: str
    label: str
    value: int
    district: int
    default: int
    min: int
    max: int
    per_space: bool
    overridden: bool


class PolicyChangeOut(Struct):
    key: str
    space_id: int | None
    before: int | None
    after: int | None
    user_id: int | None
    at: datetime


class PoliciesOut(Struct):
    space_id: int | None
    items: list[PolicyOut]
    history: list[PolicyChangeOut]


class PoliciesUpdate(Struct, forbid_unknown_fields=True):
    """New values by key; `null` removes a value (back to the default, or for a space to the
    district-wide one). With `space_id`: that space's overrides (loan rules only)."""

    values: dict[str, int | None]
    space_id: SpaceId | None = None


async def policies_out(space_id: int | None) -> PoliciesOut:
    if space_id is not None:
        await get_space(space_id)
    items = [
        PolicyOut(
            v.key, gettext(v.label), v.value, v.district, v.default, v.lowest, v.highest, v.per_space, v.overridden
        )
        for v in await policies.values(space_id)
    ]
    history = [
        PolicyChangeOut(c.key, c.space_id, c.before, c.after, c.user_id, c.at)
        for c in await policies.history(space_id=space_id)
    ]
    return PoliciesOut(space_id, items, history)


async def change(data: PoliciesUpdate, *, actor: Actor, clock: Clock) -> None:
    """Every value or none (one transaction)."""
    if data.space_id is not None:
        await get_space(data.space_id)
    async with write_transaction():
        for key, new in data.values.items():
            await policies.set_value(key, new, space_id=data.space_id, user_id=actor.user_id, now=clock.now())


class PoliciesController(Controller):
    path = "/api/v1/policies"
    tags = ("policies",)

    @get("/", opt=STAFF)
    async def read(self, space_id: Annotated[int | None, QueryParameter(ge=1, le=2_147_483_647)] = None) -> PoliciesOut:
        """The rules as they apply district-wide or at one space, and their change history."""
        return await policies_out(space_id)

    @patch("/", opt=ADMINS)
    async def update(self, data: JSONBody[PoliciesUpdate], actor: ActorDep, clock: ClockDep) -> PoliciesOut:
        """Change rules (recorded: who, when, before, after); a value out of range is 400
        with the field, an unknown rule 404 `policy_not_found`, and nothing is saved."""
        await change(data, actor=actor, clock=clock)
        return await policies_out(data.space_id)


async def page_context(actor: Actor, space_id: int | None, **more: Any) -> dict[str, Any]:
    return {"actor": actor, "view": await policies_out(space_id), "spaces": await list_spaces(limit=1000), **more}


class PoliciesPage(Pages):
    path = "/staff/policies"

    @get("/", opt=STAFF)
    async def policies_page(
        self, actor: ActorDep, space: FromQuery[str | None] = None, note: FromQuery[str | None] = None
    ) -> Template:
        return Template(PAGE, context=await page_context(actor, to_int(space), note=note))

    @post("/", opt=ADMINS, status_code=200)
    async def save(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        form = await form_dict(request)
        space_id = to_int(form.get("space_id"))
        shown = [r for r in policies.CATALOGUE if r.per_space or space_id is None]
        try:
            values: dict[str, int | None] = {}
            for rule in shown:
                raw = form.get(rule.key, "").strip()
                number = to_int(raw)
                if raw and number is None:
                    raise InvalidInput(N_("请填写整数"), fields=[{"field": rule.key, "message": "an integer"}])
                values[rule.key] = number
            await change(PoliciesUpdate(values=values, space_id=space_id), actor=actor, clock=clock)
        except DomainError as exc:
            return refusal_page(exc, PAGE, await page_context(actor, space_id, form=form))
        where = f"space={space_id}&" if space_id else ""
        return see_other(f"/staff/policies?{where}note=saved")
