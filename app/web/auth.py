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
from app.accounts.services.auth import hash_token
from app.accounts.tables import User
from app.kernel.clock import Clock
from app.kernel.jsonvalue import loads
from app.kernel.sql import dialect, statement
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


# Who calls, in one statement on every request: the user, by a live API token or a session,
# with the spaces a staff member serves (the wiring reads both domains' tables).
ACTOR = (
    "SELECT u.id, u.login, u.display_name, u.roles, u.family, u.must_change_password,"
    ' (SELECT json_group_array(a.space) FROM spaces_staff_assignment a WHERE a."user" = u.id) AS spaces'
    " FROM accounts_user u WHERE u.active = TRUE AND {who}"
)
BEARER = (
    'u.id IN (SELECT t."user" FROM accounts_api_token t'
    " WHERE t.token_hash = :token_hash AND t.revoked_at IS NULL AND t.expires_at > :now)"
)
SESSION_HOLDER = "u.id = :user_id AND u.session_epoch = :epoch"


async def _actor(who: str, **params: Any) -> Actor | None:
    rows = await User.raw("{}", statement(dialect(ACTOR.format(who=who)), **params))
    if not rows:
        return None
    row = rows[0]
    roles = frozenset(row["roles"].split())
    return Actor(
        user_id=row["id"],
        login=row["login"],
        display_name=row["display_name"],
        roles=roles,
        family_id=row["family"],
        space_ids=frozenset(loads(row["spaces"], [])) if roles & STAFF_ROLES else frozenset(),
        must_change_password=bool(row["must_change_password"]),
    )


async def actor_for_token(token: str, *, now: datetime) -> Actor | None:
    """The active user a live (unexpired, unrevoked) API token names."""
    return await _actor(BEARER, token_hash=hash_token(token), now=now)


async def actor_for_session(user_id: int, epoch: int) -> Actor | None:
    """The user of a session, while active and not logged out everywhere since (its epoch)."""
    return await _actor(SESSION_HOLDER, user_id=user_id, epoch=epoch)


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
            actor = await actor_for_token(token.strip(), now=datetime.now(UTC))
            return (actor, {"kind": "token", "token": token.strip()}) if actor else (None, None)
        cookie = cookie_value(scope, SESSION_COOKIE)
        if not cookie:
            return None, None
        key = store_key(cookie)
        raw = await self.session_store.get(key)
        session = decode_session(raw) if raw else None
        if session is None:
            return None, None
        actor = await actor_for_session(session.user_id, session.epoch)
        if actor is None:  # disabled, erased or logged out everywhere since
            return None, None
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
