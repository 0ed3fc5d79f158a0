"""Log in, log out and register a family: the identity pages that start a session.

Forms post with CSRF (`{{ csrf_input | safe }}`); a refusal shows the form again, filled in
(never the password), with the refusal's words and the status the API gives it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, get, post
from litestar.datastructures import Cookie, State
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from app.accounts.consent import CURRENT_POLICY
from app.accounts.roles import PUBLIC, STAFF_ROLES, with_limit
from app.accounts.schemas import FamilyRegistration
from app.accounts.services import auth, preferences, registration
from app.accounts.tables import User
from app.kernel.errors import DomainError, InvalidInput
from app.kernel.i18n import N_, current_locale, gettext
from app.kernel.web import ClockDep, MaybeActor, Pages, QueueDep, refusal_page, validated
from app.notify import channels
from app.web import scan_memory, wechat_flow
from app.web.api_accounts import kick_outbox
from app.web.ratelimit import REGISTRATION, registering
from app.web.sessions import SESSION_COOKIE, SESSION_TTL, encode_session, new_session_id, store_key

# What the registration form says about a value the schema refuses, by field.
REGISTRATION_WORDS = {
    "guardian_name": N_("请填写监护人姓名"),
    "password": N_("密码至少 8 位"),
    "children": N_("请填写孩子的昵称（最多 32 个字）"),
    "phone": N_("手机号格式不正确，请输入 11 位中国大陆手机号"),
}


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
    """Log in: a new session id every time (fixation), the old one deleted. Every way of
    logging in ends here: a scan remembered before it is where the family lands
    (`scan_memory`), and its notices follow the language it uses the site in."""
    store = request.app.state.session_store
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await store.delete(store_key(old))
    row = user if isinstance(user, dict) else user.to_dict()
    session_id = new_session_id()
    clock = request.app.state.clock
    value = encode_session(row["id"], row["session_epoch"], clock.now())
    await store.set(store_key(session_id), value, expires_in=SESSION_TTL)
    if "family" in row["roles"].split():
        await preferences.remember_locale(row["id"], current_locale.get(), clock=clock)
    target = await scan_memory.resume(request, target, now=clock.now())
    if row.get("must_change_password"):  # a one-time password: nothing else first
        target = "/staff/password"
    cookies = [session_cookie(session_id, request.app.state, max_age=int(SESSION_TTL.total_seconds()))]
    if request.cookies.get(scan_memory.SCAN_COOKIE):
        cookies.append(Cookie(key=scan_memory.SCAN_COOKIE, value="", max_age=0, path="/"))
    return Redirect(path=target, cookies=cookies)


async def login_context(request: Request[Any, Any, Any], actor: Any, target: str, clock: Any) -> dict[str, Any]:
    """What the log-in and registration forms show besides the form: WeChat's one-tap log-in
    inside WeChat's browser."""
    return {
        "actor": actor,
        "next": target,
        "wechat": channels.wechat() is not None and wechat_flow.in_wechat(request),
    }


async def entry_form(
    request: Request[Any, Any, Any], template: str, actor: Any, target: str, clock: Any, **more: Any
) -> Template:
    """The log-in or registration form (`login_context`, then `more`); opened on the way to a
    check-in (`next=/q/<token>`), it remembers the scan."""
    page = Template(template, context={**await login_context(request, actor, target, clock), **more})
    token = scan_memory.scan_token(target)
    if token is not None:
        cookie = await scan_memory.remember(request, token, now=clock.now())
        if cookie is not None:
            page.cookies.append(cookie)
    return page


def policy_context() -> dict[str, Any]:
    """The consent policy, with its text in the reader's language where a translation exists."""
    return {
        "policy": CURRENT_POLICY,
        "policy_text": gettext(CURRENT_POLICY.text),
        "policy_person": gettext(CURRENT_POLICY.responsible_person),
    }


class SessionController(Pages):
    @get("/login", opt=PUBLIC)
    async def login_form(
        self,
        request: Request[Any, Any, Any],
        maybe_actor: MaybeActor,
        clock: ClockDep,
        next: FromQuery[str | None] = None,
        staff: FromQuery[bool] = False,
    ) -> Template:
        return await entry_form(request, "login.html", maybe_actor, safe_next(next), clock, staff=staff)

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
            context = await login_context(request, None, target, clock)
            return refusal_page(exc, "login.html", {**context, "login": login, "staff": data.get("staff") == "1"})
        return await start_session(request, user, landing(user, target))

    @post("/logout", opt=PUBLIC)
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            await request.app.state.session_store.delete(store_key(cookie))
        return Redirect(path="/", cookies=[session_cookie("", request.app.state, max_age=0)])


def landing(user: User, target: str) -> str:
    """Where a log-in lands: where it was going, and for staff going nowhere in particular
    their workbench (工作台), not the families' home page."""
    roles = set(str(user.roles or "").split(","))
    return "/staff" if target == "/" and roles & STAFF_ROLES else target


def registration_values(form: Any) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The registration form's values as the API takes them (and its children rows)."""
    children = [
        {"nickname": n.strip(), "birth_month": b.strip()}
        for n, b in zip(form.getall("child_nickname", []), form.getall("child_birth_month", []), strict=False)
        if n.strip() or b.strip()
    ]
    code = str(form.get("sms_code", "")).strip()
    values: dict[str, Any] = {
        "phone": form.get("phone", ""),
        "password": form.get("password", "") or (None if code else ""),
        "sms_code": code or None,
        "guardian_name": form.get("guardian_name", "").strip(),
        "children": children,
    }
    if form.get("consent") == "yes":
        values["consent"] = {"policy_version": form.get("policy_version", ""), "accepted": True}
    return values, children


def registration_context(form: Any, children: list[dict[str, str]], target: str, **extra: Any) -> dict[str, Any]:
    return {
        "actor": None,
        **policy_context(),
        "next": target,
        "form": {k: v for k, v in form.items() if k not in {"password", "sms_code"}},  # never echo secrets
        "children": children,
        **extra,
    }


class RegisterController(Pages):
    @get("/register", opt=PUBLIC)
    async def form(
        self,
        request: Request[Any, Any, Any],
        maybe_actor: MaybeActor,
        clock: ClockDep,
        next: FromQuery[str | None] = None,
    ) -> Template:
        target = safe_next(next, "/family")
        return await entry_form(request, "register.html", maybe_actor, target, clock, **policy_context(), form={})

    @post("/register", opt=with_limit(PUBLIC, REGISTRATION))
    async def register(self, request: Request[Any, Any, Any], clock: ClockDep, queue: QueueDep) -> Template | Redirect:
        form = await request.form()
        values, children = registration_values(form)
        target = safe_next(form.get("next"), "/family")
        try:
            data = validated(values, FamilyRegistration, REGISTRATION_WORDS)
            user = await registering(request, lambda: registration.register_family(data, clock=clock))
        except DomainError as exc:
            return refusal_page(exc, "register.html", registration_context(form, children, target))
        await kick_outbox(queue)
        await wechat_flow.bind_pending(request, user.id, clock=clock)  # came from WeChat's one-tap log-in
        # Going nowhere in particular: my family's page, welcoming with the next step.
        return await start_session(request, user, "/family?welcome=1" if target == "/family" else target)
