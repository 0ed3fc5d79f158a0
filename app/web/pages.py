"""HTML pages of the identity part: home, register, log in/out, my family, inbox.

Forms post with CSRF (`{{ csrf_input | safe }}`); refusals re-render the form with a
friendly message rather than an error page.
"""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any
from urllib.parse import urlsplit

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.consent import CURRENT_POLICY
from app.accounts.roles import FAMILIES, PUBLIC
from app.accounts.schemas import ChildIn, ChildUpdate, ConsentIn, FamilyRegistration
from app.accounts.services import auth, families, registration
from app.accounts.tables import User
from app.jobs.queue import JobQueue
from app.kernel.clock import Clock
from app.kernel.errors import DomainError, InvalidInput
from app.notifications import inbox, mark_read
from app.web.api_accounts import kick_outbox
from app.web.i18n import N_, gettext
from app.web.sessions import SESSION_COOKIE, SESSION_TTL, encode_session, new_session_id, store_key
from spaces.services.spaces import list_spaces

ActorDep = NamedDependency[Actor]
MaybeActor = NamedDependency[Actor | None]
ClockDep = NamedDependency[Clock]
QueueDep = NamedDependency[JobQueue]


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: `next=https://evil.example` must not redirect off-site.

    Browsers read `/\\evil.example` as `//evil.example` and drop tabs and newlines from URLs,
    so backslashes and control characters are refused too.
    """
    if not target:
        return default
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def session_cookie(value: str, state: State, *, max_age: int) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=state.settings.secure_cookies,
        samesite="lax",
    )


async def start_session(request: Request[Any, Any, Any], user: User | dict[str, Any], target: str) -> Redirect:
    """Log in: a new session id every time (fixation), the old one deleted."""
    store = request.app.state.session_store
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await store.delete(store_key(old))
    row = user if isinstance(user, dict) else user.to_dict()
    session_id = new_session_id()
    await store.set(store_key(session_id), encode_session(row["id"], row["session_epoch"]), expires_in=SESSION_TTL)
    return Redirect(
        path=target,
        cookies=[session_cookie(session_id, request.app.state, max_age=int(SESSION_TTL.total_seconds()))],
    )


def form_error(exc: DomainError) -> dict[str, Any]:
    fields = exc.extra.get("fields") or []
    return {"error": gettext(exc.detail), "error_fields": {f["field"] for f in fields}, "error_code": exc.code}


def policy_context() -> dict[str, Any]:
    """The consent policy, with its text in the reader's language where a translation exists."""
    return {
        "policy": CURRENT_POLICY,
        "policy_text": gettext(CURRENT_POLICY.text),
        "policy_person": gettext(CURRENT_POLICY.responsible_person),
    }


class HomeController(Controller):
    include_in_schema = False

    @get("/", opt=PUBLIC)
    async def home(self, maybe_actor: MaybeActor) -> Template:
        """The spaces, grouped by subdistrict; the reading base first."""
        spaces = await list_spaces(limit=500)
        spaces.sort(key=lambda s: (s.kind != "reading_base", s.street, s.id))
        base = [s for s in spaces if s.kind == "reading_base"]
        small = sorted((s for s in spaces if s.kind != "reading_base"), key=lambda s: (s.street, s.id))
        by_street = [(street, list(group)) for street, group in groupby(small, key=lambda s: s.street)]
        return Template("home.html", context={"actor": maybe_actor, "reading_bases": base, "by_street": by_street})

    @get("/privacy", opt=PUBLIC)
    async def privacy(self, maybe_actor: MaybeActor) -> Template:
        return Template("privacy.html", context={"actor": maybe_actor, **policy_context()})


class SessionController(Controller):
    include_in_schema = False

    @get("/login", opt=PUBLIC)
    async def login_form(
        self, maybe_actor: MaybeActor, next: FromQuery[str | None] = None, staff: FromQuery[bool] = False
    ) -> Template:
        return Template("login.html", context={"actor": maybe_actor, "next": safe_next(next), "staff": staff})

    @get("/staff/login", opt=PUBLIC)
    async def staff_login_form(self, maybe_actor: MaybeActor, next: FromQuery[str | None] = None) -> Template:
        return Template("login.html", context={"actor": maybe_actor, "next": safe_next(next, "/"), "staff": True})

    @post("/login", opt=PUBLIC)
    async def login(
        self, request: Request[Any, Any, Any], clock: ClockDep, data: URLEncodedBody[dict[str, str]]
    ) -> Template | Redirect:
        login, password = data.get("login", ""), data.get("password", "")
        target = safe_next(data.get("next"))
        try:
            if not login or not password:
                raise InvalidInput(N_("请输入账号和密码"), fields=[{"field": "login", "message": "required"}])
            client = request.client.host if request.client else "-"
            user = await auth.authenticate(login, password, client=client, clock=clock)
        except DomainError as exc:
            status = 429 if exc.code == "too_many_attempts" else 400
            context = {
                "actor": None,
                "next": target,
                "login": login,
                "staff": data.get("staff") == "1",
                **form_error(exc),
            }
            return Template("login.html", context=context, status_code=status)
        return await start_session(request, user, target)

    @post("/logout", opt=PUBLIC)
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            await request.app.state.session_store.delete(store_key(cookie))
        return Redirect(path="/", cookies=[session_cookie("", request.app.state, max_age=0)])


class RegisterController(Controller):
    include_in_schema = False

    @get("/register", opt=PUBLIC)
    async def form(self, maybe_actor: MaybeActor, next: FromQuery[str | None] = None) -> Template:
        return Template(
            "register.html",
            context={"actor": maybe_actor, **policy_context(), "next": safe_next(next, "/family"), "form": {}},
        )

    @post("/register", opt=PUBLIC)
    async def register(self, request: Request[Any, Any, Any], clock: ClockDep, queue: QueueDep) -> Template | Redirect:
        form = await request.form()
        nicknames = form.getall("child_nickname", [])
        births = form.getall("child_birth_month", [])
        children = [
            ChildIn(nickname=n.strip(), birth_month=b.strip())
            for n, b in zip(nicknames, births, strict=False)
            if n.strip() or b.strip()
        ]
        consent = (
            ConsentIn(policy_version=form.get("policy_version", ""), accepted=True)
            if form.get("consent") == "yes"
            else None
        )
        target = safe_next(form.get("next"), "/family")
        try:
            if not form.get("guardian_name", "").strip():
                raise InvalidInput(N_("请填写监护人姓名"), fields=[{"field": "guardian_name", "message": "required"}])
            if len(form.get("password", "")) < 8:
                raise InvalidInput(
                    N_("密码至少 8 位"), fields=[{"field": "password", "message": "at least 8 characters"}]
                )
            if any(not c.nickname or len(c.nickname) > 32 for c in children):
                raise InvalidInput(
                    N_("请填写孩子的昵称（最多 32 个字）"),
                    fields=[{"field": "children", "message": "nickname required"}],
                )
            data = FamilyRegistration(
                phone=form.get("phone", ""),
                password=form.get("password", ""),
                guardian_name=form.get("guardian_name", "").strip()[:32],
                consent=consent,
                children=children,
            )
            user = await registration.register_family(data, clock=clock)
        except DomainError as exc:
            context = {
                "actor": None,
                **policy_context(),
                "next": target,
                "form": {k: v for k, v in form.items() if k != "password"},  # never echo the password
                "children": children,
                **form_error(exc),
            }
            return Template("register.html", context=context, status_code=400)
        await kick_outbox(queue)
        return await start_session(request, user, target)


class FamilyController(Controller):
    include_in_schema = False
    path = "/family"

    @get("/", opt=FAMILIES)
    async def family(self, actor: ActorDep, clock: ClockDep) -> Template:
        assert actor.family_id is not None
        family = await families.get_family(actor.family_id, clock=clock)
        has_consent = await families.has_consent(actor.family_id)
        return Template(
            "family.html",
            context={"actor": actor, "family": family, "has_consent": has_consent, "policy": CURRENT_POLICY},
        )

    @get("/export", opt=FAMILIES)
    async def export(self, actor: ActorDep) -> Response[bytes]:
        """The family's data as a JSON download (PIPL right of access), for the browser session."""
        assert actor.family_id is not None
        data = await families.export_family(actor.family_id)
        return Response(
            content=json.dumps(data, ensure_ascii=False, indent=2).encode(),
            media_type="application/json",
            headers={
                "Content-Disposition": 'attachment; filename="storycorner-family.json"',
                "Cache-Control": "no-store",
            },
        )

    @post("/children", opt=FAMILIES)
    async def add_child(
        self, actor: ActorDep, clock: ClockDep, data: URLEncodedBody[dict[str, str]]
    ) -> Template | Redirect:
        assert actor.family_id is not None
        consent = (
            ConsentIn(policy_version=data.get("policy_version", ""), accepted=True)
            if data.get("consent") == "yes"
            else None
        )
        try:
            nickname = data.get("nickname", "").strip()
            if not nickname or len(nickname) > 32:
                raise InvalidInput(
                    N_("请填写孩子的昵称（最多 32 个字）"), fields=[{"field": "nickname", "message": "required"}]
                )
            await families.add_child(
                actor.family_id,
                ChildIn(nickname=nickname, birth_month=data.get("birth_month", "")),
                consent=consent,
                clock=clock,
            )
        except DomainError as exc:
            family = await families.get_family(actor.family_id, clock=clock)
            context = {
                "actor": actor,
                "family": family,
                "has_consent": await families.has_consent(actor.family_id),
                "policy": CURRENT_POLICY,
                "new_child": data,
                **form_error(exc),
            }
            return Template("family.html", context=context, status_code=400)
        return Redirect(path="/family")

    @post("/children/{child_id:int}", opt=FAMILIES)
    async def edit_child(
        self, child_id: FromPath[int], actor: ActorDep, clock: ClockDep, data: URLEncodedBody[dict[str, str]]
    ) -> Template | Redirect:
        assert actor.family_id is not None
        try:
            if data.get("action") == "delete":
                await families.remove_child(actor.family_id, child_id)
            else:
                nickname = data.get("nickname", "").strip()
                if not nickname or len(nickname) > 32:
                    raise InvalidInput(
                        N_("请填写孩子的昵称（最多 32 个字）"), fields=[{"field": "nickname", "message": "required"}]
                    )
                update = ChildUpdate(nickname=nickname, birth_month=data.get("birth_month") or None)
                await families.update_child(actor.family_id, child_id, update, clock=clock)
        except DomainError as exc:
            family = await families.get_family(actor.family_id, clock=clock)
            context = {
                "actor": actor,
                "family": family,
                "has_consent": await families.has_consent(actor.family_id),
                "policy": CURRENT_POLICY,
                "editing": child_id,
                **form_error(exc),
            }
            return Template("family.html", context=context, status_code=400 if exc.code != "child_not_found" else 404)
        return Redirect(path="/family")


class InboxController(Controller):
    include_in_schema = False

    @get("/notifications")
    async def inbox_page(self, actor: ActorDep) -> Template:
        # Messages are stored in Chinese; fixed texts such as the welcome have catalogue entries.
        items = [
            {**item, "title": gettext(item["title"]), "body": gettext(item["body"])}
            for item in await inbox(actor.user_id, limit=50)
        ]
        return Template("notifications.html", context={"actor": actor, "items": items})

    @post("/notifications/read")
    async def read_all(self, actor: ActorDep) -> Redirect:
        await mark_read(actor.user_id)
        return Redirect(path="/notifications")


PAGE_CONTROLLERS = [HomeController, SessionController, RegisterController, FamilyController, InboxController]
