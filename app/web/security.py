"""Browser security headers on every response: what may run and load on our pages (CSP, no
inline script anywhere), that no other site may frame them (clickjacking a booking or a
loan), no content sniffing, no referrer with tokens in it to other sites, and HSTS when the
service is served over https.

The OpenAPI viewer at /schema is Litestar's, which loads its script and styles inline and from
a CDN; it gets a policy that allows exactly that, and nothing else is relaxed.
"""

from __future__ import annotations

from typing import Any

from litestar.types import Message, Scope

PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SCHEMA_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://unpkg.com",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://unpkg.com https://fonts.googleapis.com",
        "font-src 'self' https://fonts.gstatic.com",
        "img-src 'self' data: https://cdn.jsdelivr.net",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)
HSTS = b"max-age=31536000; includeSubDomains"


def security_headers(https: bool) -> Any:
    """A `before_send` hook: Litestar calls it for every response, the router's own 404 and
    405 included (route middleware would miss those)."""
    common: list[tuple[bytes, bytes]] = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        # The camera for scanning and the location for "nearest spaces", on our own pages only.
        (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=(), payment=()"),
    ]
    if https:
        common.append((b"strict-transport-security", HSTS))
    page, schema = PAGE_POLICY.encode(), SCHEMA_POLICY.encode()

    async def add(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers: list[Any] = list(message.get("headers", []))
        present = {bytes(k).lower() for k, _ in headers}
        headers += [(k, v) for k, v in common if k not in present]
        if b"content-security-policy" not in present:
            headers.append((b"content-security-policy", schema if scope["path"].startswith("/schema") else page))
        message["headers"] = headers

    return add
