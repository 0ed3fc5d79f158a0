"""The steps of WeChat's web authorization between requests, kept server-side (the session
store's table, 10 minutes): the `state` sent to WeChat (one use: a replayed callback is
refused), and the WeChat identity of a visitor not bound to an account yet (a random cookie
names it) until it logs in or registers to bind it."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import timedelta
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect

from app.accounts.errors import WeChatCodeInvalid, WeChatTaken, WeChatUnavailable
from app.accounts.services import wechat as bindings
from app.kernel.clock import Clock
from app.kernel.values import frozen
from app.notify import channels
from app.notify.wechat import WeChatClient, WeChatIdentity
from app.web.sessions import DatabaseStore

log = logging.getLogger("storycorner.wechat")

PENDING_COOKIE = "sc_wechat"
KEEP = timedelta(minutes=10)
_states = DatabaseStore(namespace="wechat-state")
_pending = DatabaseStore(namespace="wechat-pending")


@frozen
class Authorized:
    identity: WeChatIdentity
    next: str
    bind_user_id: int | None  # a logged-in family binding its WeChat from "我的家庭"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def in_wechat(request: Request[Any, Any, Any]) -> bool:
    """WeChat's own browser says so in its user agent."""
    return "MicroMessenger" in request.headers.get("user-agent", "")


def client() -> WeChatClient:
    wechat = channels.wechat()
    if wechat is None:
        raise WeChatUnavailable()
    return wechat


async def authorize(request: Request[Any, Any, Any], next: str, *, bind_user_id: int | None = None) -> Redirect:
    """Off to WeChat's authorization page; it comes back to /wechat/callback."""
    wechat = client()
    state = secrets.token_urlsafe(16)
    await _states.set(_hash(state), json.dumps({"next": next, "bind": bind_user_id}), expires_in=KEEP)
    callback = f"{request.app.state.settings.base_url}/wechat/callback"
    return Redirect(path=wechat.authorize_url(callback, state))


async def authorized(code: str, state: str) -> Authorized:
    """WeChat came back: the state must be ours and unused, the code good for one openid."""
    raw = await _states.get(_hash(state)) if state else None
    if raw is None:
        raise WeChatCodeInvalid()
    await _states.delete(_hash(state))
    data = json.loads(raw)
    identity = await client().identify(code)
    return Authorized(identity=identity, next=str(data.get("next") or "/"), bind_user_id=data.get("bind"))


async def hold(request: Request[Any, Any, Any], identity: WeChatIdentity, next: str) -> Cookie:
    """Keep a WeChat identity not bound yet until the visitor proves an account."""
    cookie = secrets.token_urlsafe(24)
    value = json.dumps({"openid": identity.openid, "unionid": identity.unionid, "next": next})
    await _pending.set(_hash(cookie), value, expires_in=KEEP)
    secure = bool(request.app.state.settings.secure_cookies)
    return Cookie(
        key=PENDING_COOKIE, value=cookie, max_age=int(KEEP.total_seconds()), path="/", httponly=True, secure=secure
    )


async def held(request: Request[Any, Any, Any]) -> tuple[WeChatIdentity, str] | None:
    cookie = request.cookies.get(PENDING_COOKIE)
    raw = await _pending.get(_hash(cookie)) if cookie else None
    if raw is None:
        return None
    data = json.loads(raw)
    return WeChatIdentity(openid=data["openid"], unionid=data.get("unionid")), str(data.get("next") or "/")


async def release(request: Request[Any, Any, Any]) -> None:
    cookie = request.cookies.get(PENDING_COOKIE)
    if cookie:
        await _pending.delete(_hash(cookie))


async def bind_pending(request: Request[Any, Any, Any], user_id: int, *, clock: Clock) -> None:
    """A visitor who came through WeChat and registered instead: its WeChat is bound now."""
    pending = await held(request)
    if pending is None:
        return
    try:
        await bindings.bind(user_id, pending[0].openid, pending[0].unionid, clock=clock)
    except WeChatTaken:
        log.info("a WeChat held for binding was bound to another account meanwhile")
    await release(request)
