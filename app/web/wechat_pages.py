"""WeChat pages: "微信一键登录" inside WeChat's browser (official-account web authorization,
`snsapi_base`), binding a WeChat to an account once, and binding or unbinding it from
"我的家庭". A WeChat bound to another family is refused and nothing is bound."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from app.accounts.errors import NotAuthenticated, WeChatCodeInvalid
from app.accounts.roles import FAMILIES, PUBLIC
from app.accounts.services import auth, sms_auth
from app.accounts.services import wechat as bindings
from app.kernel.errors import DomainError
from app.kernel.web import ActorDep, ClockDep, MaybeActor, Pages, refusal_page, see_other
from app.web import wechat_flow
from app.web.login_pages import safe_next, start_session
from app.web.ratelimit import client_of
from app.web.sms_pages import send_code

FORM = "wechat_bind.html"


class WeChatPages(Pages):
    @get("/wechat/login", opt=PUBLIC)
    async def login(self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Redirect:
        return await wechat_flow.authorize(request, safe_next(next))

    @get("/wechat/callback", opt=PUBLIC)
    async def callback(
        self,
        request: Request[Any, Any, Any],
        maybe_actor: MaybeActor,
        clock: ClockDep,
        code: FromQuery[str] = "",
        oauth_state: Annotated[str, QueryParameter(name="state")] = "",  # `state` is Litestar's own name
    ) -> Redirect:
        done = await wechat_flow.authorized(code, oauth_state)
        if done.bind_user_id is not None:  # binding from "我的家庭"
            if maybe_actor is None or maybe_actor.user_id != done.bind_user_id:
                raise NotAuthenticated()
            await bindings.bind(done.bind_user_id, done.identity.openid, done.identity.unionid, clock=clock)
            return see_other(done.next)
        user = await bindings.user_for(done.identity.openid, clock=clock)
        if user is not None:
            return await start_session(request, user, done.next)
        cookie = await wechat_flow.hold(request, done.identity, done.next)
        return Redirect(path="/wechat/bind", cookies=[cookie])

    @get("/wechat/bind", opt=PUBLIC)
    async def bind_form(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        pending = await wechat_flow.held(request)
        if pending is None:
            return Redirect(path="/login")
        return Template(FORM, context={"actor": None, "phone": "", "next": pending[1]})

    @post("/wechat/bind/code", opt=PUBLIC)
    async def bind_code(
        self, request: Request[Any, Any, Any], clock: ClockDep, data: URLEncodedBody[dict[str, str]]
    ) -> Template:
        context = {"actor": None, "phone": data.get("phone", ""), "code_sent": True}
        try:
            if await wechat_flow.held(request) is None:
                raise WeChatCodeInvalid()
            await send_code(request, data.get("phone", ""), "login", clock)
        except DomainError as exc:
            return refusal_page(exc, FORM, {**context, "code_sent": False})
        return Template(FORM, context=context)

    @post("/wechat/bind", opt=PUBLIC)
    async def bind(
        self, request: Request[Any, Any, Any], clock: ClockDep, data: URLEncodedBody[dict[str, str]]
    ) -> Template | Redirect:
        """Prove the account (its password, or an SMS code to its phone), then bind and log in."""
        phone, code = data.get("phone", ""), data.get("sms_code", "").strip()
        context = {"actor": None, "phone": phone, "code_sent": bool(code)}
        try:
            pending = await wechat_flow.held(request)
            if pending is None:
                raise WeChatCodeInvalid()
            identity, target = pending
            if code:
                user = await sms_auth.log_in(phone, code, clock=clock)
            else:
                user = await auth.authenticate(phone, data.get("password", ""), client=client_of(request), clock=clock)
            await bindings.bind(user.id, identity.openid, identity.unionid, clock=clock)
        except DomainError as exc:
            return refusal_page(exc, FORM, context)
        await wechat_flow.release(request)
        return await start_session(request, user, target)

    @post("/family/wechat", opt=FAMILIES)
    async def start_binding(self, request: Request[Any, Any, Any], actor: ActorDep) -> Redirect:
        """Bind this family's WeChat (inside WeChat): WeChat's authorization, then back."""
        return await wechat_flow.authorize(request, "/family", bind_user_id=actor.user_id)

    @post("/family/wechat/unbind", opt=FAMILIES)
    async def unbind(self, actor: ActorDep) -> Redirect:
        await bindings.unbind(actor.user_id)
        return see_other("/family")
