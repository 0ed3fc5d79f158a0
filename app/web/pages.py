"""HTML pages of the identity part: home, privacy, my family and its children, the inbox.
(Log-in and registration: `app/web/login_pages.py`.)

Forms post with CSRF (`{{ csrf_input | safe }}`); a refusal shows the page again with the
refusal's words and the status the API gives it.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.consent import CURRENT_POLICY
from app.accounts.roles import FAMILIES, PUBLIC
from app.accounts.schemas import ChildIn, ChildUpdate, ConsentIn
from app.accounts.services import families, preferences
from app.kernel.clock import Clock
from app.kernel.errors import DomainError
from app.kernel.i18n import N_, current_locale
from app.kernel.web import ActorDep, ClockDep, MaybeActor, Pages, refusal_page, validated
from app.notify.inbox import inbox, mark_read
from app.notify.views import channels_view
from app.web.channels import ChannelsPage
from app.web.login_pages import RegisterController, SessionController, policy_context
from app.web.my_data import MyDataController
from app.web.sms_pages import ConsoleSmsPage, SmsPages
from app.web.wechat_flow import in_wechat
from app.web.wechat_pages import WeChatPages
from spaces.services.finder import find_spaces, parse_near

CHILD_WORDS = {"nickname": N_("请填写孩子的昵称（最多 32 个字）")}


async def family_context(actor: Actor, clock: Clock, request: Request[Any, Any, Any]) -> dict[str, Any]:
    """What "我的家庭" shows: the guardians, children, consent, and how notices reach them."""
    assert actor.family_id is not None
    return {
        "actor": actor,
        "family": await families.get_family(actor.family_id, clock=clock),
        "has_consent": await families.has_consent(actor.family_id),
        "policy": CURRENT_POLICY,
        "notices": await channels_view(actor.user_id),
        "in_wechat": in_wechat(request),
    }


async def family_page(
    actor: Actor, clock: Clock, request: Request[Any, Any, Any], exc: DomainError, **context: Any
) -> Template:
    """My family again, with a refusal about one of its forms."""
    return refusal_page(exc, "family.html", {**await family_context(actor, clock, request), **context})


class HomeController(Pages):
    @get("/", opt=PUBLIC)
    async def home(
        self,
        maybe_actor: MaybeActor,
        clock: ClockDep,
        q: FromQuery[str] = "",
        street: FromQuery[str] = "",
        open: FromQuery[str] = "",  # the form's field: open now
        week: FromQuery[str] = "",
        near: FromQuery[str] = "",  # `lat,lng` when the phone shared its location
    ) -> Template:
        """The spaces, grouped by subdistrict, the reading base first, or nearest first when the
        phone shared its location; searched and filtered (subdistrict, open now, activities this
        week), each marked open or with activities."""
        found = await find_spaces(
            q=q, street=street, open_only=bool(open), this_week=bool(week), clock=clock, near=parse_near(near)
        )
        base = [s for s in found.spaces if s.kind == "reading_base"]
        small = sorted((s for s in found.spaces if s.kind != "reading_base"), key=lambda s: (s.street, s.id))
        by_street = [(name, list(group)) for name, group in groupby(small, key=lambda s: s.street)]
        context = {"actor": maybe_actor, "reading_bases": base, "by_street": by_street, "finder": found}
        return Template("home.html", context=context)

    @get("/privacy", opt=PUBLIC)
    async def privacy(self, maybe_actor: MaybeActor, state: State) -> Template:
        context = {"actor": maybe_actor, "retention": state.settings, **policy_context()}
        return Template("privacy.html", context=context)


class FamilyController(Pages):
    path = "/family"

    @get("/", opt=FAMILIES)
    async def family(self, request: Request[Any, Any, Any], actor: ActorDep, clock: ClockDep) -> Template:
        # The language the family reads the site in is the one its SMS and WeChat notices use.
        await preferences.remember_locale(actor.user_id, current_locale.get(), clock=clock)
        welcome = request.query_params.get("welcome") == "1"  # just registered: the next step
        return Template("family.html", context={**await family_context(actor, clock, request), "welcome": welcome})

    @post("/children", opt=FAMILIES)
    async def add_child(
        self, request: Request[Any, Any, Any], actor: ActorDep, clock: ClockDep, data: URLEncodedBody[dict[str, str]]
    ) -> Template | Redirect:
        assert actor.family_id is not None
        consent = (
            ConsentIn(policy_version=data.get("policy_version", ""), accepted=True)
            if data.get("consent") == "yes"
            else None
        )
        values = {"nickname": data.get("nickname", "").strip(), "birth_month": data.get("birth_month", "")}
        try:
            child = validated(values, ChildIn, CHILD_WORDS)
            await families.add_child(actor.family_id, child, consent=consent, clock=clock)
        except DomainError as exc:
            return await family_page(actor, clock, request, exc, new_child=data)
        return Redirect(path="/family")

    @post("/children/{child_id:int}", opt=FAMILIES)
    async def edit_child(
        self,
        request: Request[Any, Any, Any],
        child_id: FromPath[int],
        actor: ActorDep,
        clock: ClockDep,
        data: URLEncodedBody[dict[str, str]],
    ) -> Template | Redirect:
        assert actor.family_id is not None
        try:
            if data.get("action") == "delete":
                await families.remove_child(actor.family_id, child_id)
            else:
                values = {"nickname": data.get("nickname", "").strip(), "birth_month": data.get("birth_month") or None}
                update = validated(values, ChildUpdate, CHILD_WORDS)
                await families.update_child(actor.family_id, child_id, update, clock=clock)
        except DomainError as exc:
            return await family_page(actor, clock, request, exc, editing=child_id)
        return Redirect(path="/family")


class InboxController(Pages):
    @get("/notifications")
    async def inbox_page(self, actor: ActorDep) -> Template:
        """Notices in the reader's language (a notice kind's words; older sentences as written)."""
        items = await inbox(actor.user_id, locale=current_locale.get(), limit=50)
        return Template("notifications.html", context={"actor": actor, "items": items})

    @post("/notifications/read")
    async def read_all(self, actor: ActorDep) -> Redirect:
        await mark_read(actor.user_id)
        return Redirect(path="/notifications")


PAGE_CONTROLLERS = [
    HomeController,
    SessionController,
    RegisterController,
    FamilyController,
    MyDataController,
    InboxController,
    SmsPages,
    ConsoleSmsPage,
    WeChatPages,
    ChannelsPage,
]
