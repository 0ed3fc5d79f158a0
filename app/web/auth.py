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
from app.accounts.roles import STAFF_ROLES
from app.accounts.services.auth import user_for_token
from app.accounts.tables import User
from app.web.sessions import SESSION_COOKIE, decode_session, store_key
from spaces.services.staff import space_ids_of

SKIP_PREFIXES = ("/static/", "/healthz", "/readyz", "/schema")


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
    def __init__(self, app: ASGIApp, session_store: Store) -> None:
        self.app = app
        self.session_store = session_store

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(SKIP_PREFIXES):
            scope["user"], scope["auth"] = await self.resolve(scope)
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
        raw = await self.session_store.get(store_key(cookie))
        decoded = decode_session(raw) if raw else None
        if decoded is None:
            return None, None
        user_id, epoch = decoded
        row = (
            await User.select()
            .where((User.id == user_id) & (User.active == True) & (User.session_epoch == epoch))
            .first()
        )
        if row is None:  # disabled, erased or logged out everywhere since
            return None, None
        return await actor_for(row), {"kind": "session", "cookie": cookie}


async def access_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    # A coroutine: Litestar would run a plain-function guard in a worker thread on every request.
    if handler.opt.get("public") or connection.scope["path"].startswith(SKIP_PREFIXES):
        return
    actor = connection.scope.get("user")
    if actor is None:
        raise NotAuthorizedException()
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
