"""Translations: Simplified Chinese is the source language; English comes from a gettext
catalogue (one per package, `<package>/translations/en/LC_MESSAGES/messages.po`, maintained with Babel).

The catalogue is read from the `.po` file at start, so there is no compiled file to forget.
The current locale lives in a context variable set per request by `LocaleMiddleware`.
"""

from __future__ import annotations

from typing import Any

from litestar.types import ASGIApp, Scope

from app.kernel.i18n import N_ as N_
from app.kernel.i18n import _ as _
from app.kernel.i18n import catalogue as catalogue
from app.kernel.i18n import current_locale as current_locale
from app.kernel.i18n import gettext as gettext
from app.kernel.i18n import ngettext as ngettext
from app.settings import LOCALES

LOCALE_COOKIE = "lang"


def query_locale(scope: Scope) -> str | None:
    """A supported locale asked for with `?lang=`, else None."""
    query = scope.get("query_string", b"").decode("latin-1")
    for part in query.split("&"):
        if part.startswith("lang=") and part[5:] in LOCALES:
            return part[5:]
    return None


def pick_locale(scope: Scope, default: str) -> str:
    """`?lang=` beats the cookie; API clients may ask with Accept-Language; else the default."""
    asked = query_locale(scope)
    if asked:
        return asked
    headers = dict(scope.get("headers", []))
    cookie = headers.get(b"cookie", b"").decode("latin-1")
    for item in cookie.split(";"):
        name, _sep, value = item.strip().partition("=")
        if name == LOCALE_COOKIE and value in LOCALES:
            return value
    if scope.get("path", "").startswith("/api/"):
        accept = headers.get(b"accept-language", b"").decode("latin-1").lower()
        if accept.startswith("en"):
            return "en"
    return default


class LocaleMiddleware:
    """Sets the request's locale for gettext, and remembers `?lang=` in a cookie."""

    def __init__(self, app: ASGIApp, default_locale: str) -> None:
        self.app = app
        self.default_locale = default_locale

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        locale = pick_locale(scope, self.default_locale)
        scope["locale"] = locale  # errors raised before this middleware (routing) check it
        token = current_locale.set(locale)
        remember = query_locale(scope) is not None

        async def send_with_cookie(message: Any) -> None:
            if remember and message["type"] == "http.response.start":
                cookie = f"{LOCALE_COOKIE}={locale}; Path=/; Max-Age=31536000; SameSite=Lax"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookie)
        finally:
            current_locale.reset(token)
