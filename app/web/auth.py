"""Who is calling, and may they: one ASGI middleware resolves the actor, one guard decides.

The JSON API authenticates only with bearer tokens; HTML pages only with the session cookie
(plus CSRF on forms). So a browser session can never be used to call the API cross-site.

Handlers declare access in `opt`: `{"public": True}`, or `{"roles": ("librarian", ...)}`;
the default is "any logged-in user". The same declaration drives the OpenAPI security.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.stores.base import Store
from litestar.types import ASGIApp, Scope

from app.accounts.actor import Actor
from app.accounts.errors import PasswordChangeRequired
from app.accounts.roles import STAFF_ROLES
from app.accounts.services.auth import user_for_token
from app.accounts.tables import User
from app.kernel.clock import Clock
from app.web.sessions import (
    SEEN_EVERY,
    SESSION_COOKIE,
    SESSION_TTL,
    STAFF_IDLE,
    SessionData,
    decode_session,
    encode_session,
    store_key,
)
from spaces.services.staff import space_ids_of

SKIP_PREFIXES = ("/static/", "/healthz", "/readyz", "/schema")
# A staff member with a one-time password: every page leads to changing it (the API answers
# 403 password_change_required, from the guard), but log-out.
CHANGE_PAGE = "/staff/password"
CHANGE_FIRST = [(b"location", CHANGE_PAGE.encode()), (b"content-length", b"0")]


def must_change_first(scope: Scope) -> bool:
    actor = scope.get("user")
    path = scope["path"]
    return (
        isinstance(actor, Actor)
        and actor.must_change_password
        and not path.startswith("/api/")
        and path not in (CHANGE_PAGE, "/logout")
    )


async def actor_for(user: User | dict[str, Any]) -> Actor:
    row = user if isinstance(user, dict) else user.to_dict()
    roles = frozenset(row["roles"].split())
    space_ids = await space_ids_of(row["id"]) if roles & STAFF_ROLES else frozenset()
    return Actor(
        user_id=row["id"],
        login=row["login"],
        display_name=row["display_name"],
        roles=roles,
        family_id=row["family"],
        space_ids=space_ids,
        must_change_password=bool(row.get("must_change_password")),
    )


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def cookie_value(scope: Scope, name: str) -> str | None:
    for item in _header(scope, b"cookie").split(";"):
        key, _sep, value = item.strip().partition("=")
        if key == name and value:
            return value
    return None


class AuthMiddleware:
    def __init__(self, app: ASGIApp, session_store: Store, clock: Clock) -> None:
        self.app = app
        self.session_store = session_store
        self.clock = clock

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(SKIP_PREFIXES):
            scope["user"], scope["auth"] = await self.resolve(scope)
            if must_change_first(scope):
                await send({"type": "http.response.start", "status": 303, "headers": CHANGE_FIRST})
                await send({"type": "http.response.body", "body": b""})
                return
        else:
            scope.setdefault("user", None)
            scope.setdefault("auth", None)
        await self.app(scope, receive, send)

    async def resolve(self, scope: Scope) -> tuple[Actor | None, dict[str, Any] | None]:
        if scope["path"].startswith("/api/"):
            scheme, _sep, token = _header(scope, b"authorization").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None, None
            user = await user_for_token(token.strip(), now=datetime.now(UTC))
            if user is None:
                return None, None
            return await actor_for(user), {"kind": "token", "token": token.strip()}
        cookie = cookie_value(scope, SESSION_COOKIE)
        if not cookie:
            return None, None
        key = store_key(cookie)
        raw = await self.session_store.get(key)
        session = decode_session(raw) if raw else None
        if session is None:
            return None, None
        row = (
            await User.select()
            .where((User.id == session.user_id) & (User.active == True) & (User.session_epoch == session.epoch))
            .first()
        )
        if row is None:  # disabled, erased or logged out everywhere since
            return None, None
        actor = await actor_for(row)
        if not await self._still_active(key, session, actor):
            return None, None
        return actor, {"kind": "session", "cookie": cookie}

    async def _still_active(self, key: str, session: SessionData, actor: Actor) -> bool:
        """Staff sessions end after STAFF_IDLE without a request; "last seen" is written again
        only when it is older than SEEN_EVERY."""
        now = self.clock.now()
        if actor.is_staff and session.seen is not None and now - session.seen > STAFF_IDLE:
            await self.session_store.delete(key)
            return False
        if session.seen is None or now - session.seen > SEEN_EVERY:
            ttl = await self.session_store.expires_in(key)
            fresh = encode_session(session.user_id, session.epoch, now)
            await self.session_store.set(key, fresh, expires_in=ttl if ttl and ttl > 0 else SESSION_TTL)
        return True


async def access_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    # A coroutine: Litestar would run a plain-function guard in a worker thread on every request.
    if handler.opt.get("public") or connection.scope["path"].startswith(SKIP_PREFIXES):
        return
    actor = connection.scope.get("user")
    if actor is None:
        raise NotAuthorizedException()
    if actor.must_change_password and not handler.opt.get("password_change"):
        raise PasswordChangeRequired()
    roles = handler.opt.get("roles")
    if roles and not actor.has(*roles):
        raise PermissionDeniedException("该操作需要其他角色")


async def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    actor = request.scope.get("user")
    if actor is None:
        raise NotAuthorizedException()
    assert isinstance(actor, Actor)
    return actor


async def provide_maybe_actor(request: Request[Any, Any, Any]) -> Actor | None:
    actor = request.scope.get("user")
    return actor if isinstance(actor, Actor) else None
