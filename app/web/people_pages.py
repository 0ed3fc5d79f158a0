"""Staff accounts from pages (/staff/people, district admins): the list and a new account
with its one-time password shown once; one person's page (spaces assigned and unassigned,
disable and re-enable, a new one-time password); and /staff/password, where any staff
member changes their own password (first of all after a one-time password)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import ADMINS, OWN_PASSWORD, STAFF_ROLES
from app.accounts.schemas import StaffIn, StaffUpdate
from app.accounts.services import staff_accounts
from app.kernel.errors import DomainError, InvalidInput
from app.kernel.i18n import N_
from app.kernel.web import ActorDep, ClockDep, Pages, form_dict, refusal_page, see_other, to_int, validated
from app.web.people import create_staff, staff_out, update_staff
from spaces.services.spaces import list_spaces

LIST, PERSON, PASSWORD = "people.html", "person.html", "password.html"
ROLE_CHOICES = ("volunteer", "librarian", "district_admin")
WORDS = {
    "login": N_("用户名 3 到 64 个字符"),
    "display_name": N_("请填写姓名（最多 32 个字）"),
    "roles": N_("请选择角色"),
}


async def list_context(actor: Actor, q: str = "", **more: Any) -> dict[str, Any]:
    return {
        "actor": actor,
        "people": await staff_accounts.staff_accounts(q=q),
        "q": q,
        "spaces": await list_spaces(limit=1000),
        "role_choices": ROLE_CHOICES,
        "form": more.pop("form", {"role": "volunteer"}),
        **more,
    }


async def person_context(user_id: int, actor: Actor, **more: Any) -> dict[str, Any]:
    person = await staff_out(user_id, more.pop("one_time_password", None))
    spaces = await list_spaces(limit=1000)
    return {"actor": actor, "person": person, "spaces": spaces, **more}


class PeoplePages(Pages):
    path = "/staff"

    @get("/people", opt=ADMINS)
    async def people(self, actor: ActorDep, q: FromQuery[str] = "") -> Template:
        return Template(LIST, context=await list_context(actor, q.strip()[:64]))

    @post("/people", opt=ADMINS, status_code=200)
    async def create(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template:
        """The new account's page with its one-time password, shown this once."""
        form = {k: v.strip() for k, v in (await form_dict(request)).items() if k != "_csrf_token"}
        space_id = to_int(form.get("space_id"))
        values = {
            "login": form.get("login", ""),
            "display_name": form.get("display_name", ""),
            "roles": [form.get("role", "")] if form.get("role") in STAFF_ROLES else [],
            "space_ids": [space_id] if space_id else [],
        }
        try:
            created = await create_staff(validated(values, StaffIn, WORDS), clock=clock)
        except DomainError as exc:
            return refusal_page(exc, LIST, await list_context(actor, form=form))
        password = created.one_time_password if isinstance(created.one_time_password, str) else None
        context = await person_context(created.id, actor, one_time_password=password)
        return Template(PERSON, context=context, status_code=201)

    @get("/people/{user_id:int}", opt=ADMINS)
    async def person(self, user_id: FromPath[int], actor: ActorDep, note: FromQuery[str | None] = None) -> Template:
        return Template(PERSON, context=await person_context(user_id, actor, note=note))

    @post("/people/{user_id:int}", opt=ADMINS, status_code=200)
    async def change(
        self, user_id: FromPath[int], actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        """`action`: assign or unassign (`space_id`), disable, enable, or reset (a new one-time
        password, shown this once)."""
        form = await form_dict(request)
        action, space_id = form.get("action", ""), to_int(form.get("space_id"))
        try:
            if action in ("assign", "unassign") and not space_id:
                raise InvalidInput(N_("请选择空间"), fields=[{"field": "space_id", "message": "required"}])
            change = StaffUpdate(
                add_space_ids=[space_id] if action == "assign" and space_id else [],
                remove_space_ids=[space_id] if action == "unassign" and space_id else [],
                active={"disable": False, "enable": True}.get(action),
                reset_password=action == "reset",
            )
            done = await update_staff(user_id, change, clock=clock)
        except DomainError as exc:
            return refusal_page(exc, PERSON, await person_context(user_id, actor))
        if done.one_time_password:
            return Template(
                PERSON, context=await person_context(user_id, actor, one_time_password=done.one_time_password)
            )
        return see_other(f"/staff/people/{user_id}?note={action}")

    @get("/password", opt=OWN_PASSWORD)
    async def password_form(self, actor: ActorDep, note: FromQuery[str | None] = None) -> Template:
        return Template(PASSWORD, context={"actor": actor, "note": note})

    @post("/password", opt=OWN_PASSWORD, status_code=200)
    async def change_password(self, actor: ActorDep, request: Request[Any, Any, Any]) -> Template | Redirect:
        form = await form_dict(request)
        try:
            if form.get("password", "") != form.get("password_again", ""):
                raise InvalidInput(
                    N_("两次输入的新密码不一样"), fields=[{"field": "password_again", "message": "does not match"}]
                )
            await staff_accounts.change_own_password(
                actor.user_id, form.get("current_password", ""), form.get("password", "")
            )
        except DomainError as exc:
            return refusal_page(exc, PASSWORD, {"actor": actor})
        return see_other("/staff" if actor.must_change_password else "/staff/password?note=changed")
