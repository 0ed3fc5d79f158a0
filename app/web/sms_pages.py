"""Pages that work with an SMS code: log in with one, set a new password with one, register
with one instead of a password, and the console provider's messages for staff.

No script needed: "获取验证码" posts the form to a `.../code` action that sends the code and
shows the same form again, filled in, with the code field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect, Template

from app.accounts.roles import PUBLIC, STAFF
from app.accounts.services import sms_auth
from app.accounts.tables import User
from app.kernel.errors import DomainError, NotFound
from app.kernel.i18n import current_locale
from app.kernel.web import ClockDep, MaybeActor, Pages, refusal_page
from app.notify import channels, codes
from app.notify.sms import console
from app.web.login_pages import registration_context, registration_values, safe_next, start_session
from app.web.ratelimit import client_of

FORM = "sms_form.html"


async def send_code(request: Request[Any, Any, Any], phone: str, purpose: str, clock: Any) -> None:
    await codes.request_code(phone, purpose, client=client_of(request), locale=current_locale.get(), clock=clock)


def form_context(mode: str, data: dict[str, str], actor: Any = None, **extra: Any) -> dict[str, Any]:
    target = safe_next(data.get("next"), "/family" if mode == "reset" else "/")
    return {"actor": actor, "mode": mode, "next": target, "phone": data.get("phone", ""), **extra}


class SmsPages(Pages):
    @get("/login/sms", opt=PUBLIC)
    async def login_form(self, maybe_actor: MaybeActor, next: FromQuery[str | None] = None) -> Template:
        return Template(FORM, context=form_context("login", {"next": next or ""}, maybe_actor))

    @get("/password-reset", opt=PUBLIC)
    async def reset_form(self, maybe_actor: MaybeActor) -> Template:
        return Template(FORM, context=form_context("reset", {}, maybe_actor))

    @post("/login/sms/code", opt=PUBLIC)
    async def login_code(
        self, request: Request[Any, Any, Any], clock: ClockDep, data: URLEncodedBody[dict[str, str]]
    ) -> Template:
        return await self._code("login", request, clock, data)

    @post("/password-reset/code", opt=PUBLIC)
    async def reset_code(
        self, request: Request[Any, Any, Any], clock: ClockDep, data: URLEncodedBody[dict[str, str]]
    ) -> Template:
        return await self._code("reset", request, clock, data)

    async def _code(self, mode: str, request: Request[Any, Any, Any], clock: Any, data: dict[str, str]) -> Template:
        try:
            await send_code(request, data.get("phone", ""), mode, clock)
        except DomainError as exc:
            return refusal_page(exc, FORM, form_context(mode, data))
        return Template(FORM, context=form_context(mode, data, code_sent=True))

    @post("/login/sms", opt=PUBLIC)
    async def log_in(
        self, request: Request[Any, Any, Any], clock: ClockDep, data: URLEncodedBody[dict[str, str]]
    ) -> Template | Redirect:
        phone, code = data.get("phone", ""), data.get("sms_code", "")
        return await self._session("login", request, data, lambda: sms_auth.log_in(phone, code, clock=clock))

    @post("/password-reset", opt=PUBLIC)
    async def reset(
        self, request: Request[Any, Any, Any], clock: ClockDep, data: URLEncodedBody[dict[str, str]]
    ) -> Template | Redirect:
        phone, code, password = data.get("phone", ""), data.get("sms_code", ""), data.get("new_password", "")
        return await self._session(
            "reset", request, data, lambda: sms_auth.reset_password(phone, code, password, clock=clock)
        )

    async def _session(
        self, mode: str, request: Request[Any, Any, Any], data: dict[str, str], verify: Callable[[], Awaitable[User]]
    ) -> Template | Redirect:
        """Log in with what the code proved, or show the form again with the refusal."""
        context = form_context(mode, data, code_sent=True)
        try:
            user = await verify()
        except DomainError as exc:
            return refusal_page(exc, FORM, context)
        return await start_session(request, user, context["next"])

    @post("/register/sms-code", opt=PUBLIC)
    async def register_code(self, request: Request[Any, Any, Any], clock: ClockDep) -> Template:
        """The registration form's "获取验证码": the form comes back as filled in, with the code field."""
        form = await request.form()
        values, children = registration_values(form)
        target = safe_next(form.get("next"), "/family")
        try:
            await send_code(request, str(values["phone"]), "register", clock)
        except DomainError as exc:
            return refusal_page(exc, "register.html", registration_context(form, children, target))
        return Template("register.html", context=registration_context(form, children, target, code_sent=True))


class ConsoleSmsPage(Pages):
    """What `SMS_PROVIDER=console` sent, for staff trying the flows on a development server."""

    @get("/staff/dev/sms", opt=STAFF)
    async def messages(self, maybe_actor: MaybeActor) -> Template:
        provider, _templates = channels.sms()
        if provider is None or provider.name != "console":
            raise NotFound()
        return Template("dev_sms.html", context={"actor": maybe_actor, "messages": await console.latest()})
