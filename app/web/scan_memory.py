"""The scan remembered across log-in: a family scans a corner code, logs in or registers (by
password, SMS or WeChat, through any number of pages), and lands back on that check-in, even
if the live code it scanned expired meanwhile.

The /q/ page remembers the scan with `app.kernel.web.remember_scan()` (the token and the time
of the scan, server-side, 10 minutes); the log-in and registration forms opened with
`next=/q/<token>` remember it too (`remember`), keeping an earlier scan's time. `resume()` is
what every log-in calls to pick its destination: a remembered scan of the last 10 minutes wins
over the default page. A code valid when scanned is honoured: an expired live code is replaced
by a fresh one for the same corner (valid 2 minutes); a reprinted poster's old code is not
(revocation stays immediate).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from app.kernel.web import SCAN_COOKIE, SCAN_KEPT, recall_scan, store_scan
from qr.errors import QrError
from qr.services import tokens
from qr.tokens import Purpose

log = logging.getLogger("storycorner.scan")

FRESH = timedelta(minutes=2)
CHECK_IN = (Purpose.corner, Purpose.live)
__all__ = ["SCAN_COOKIE", "remember", "resume", "scan_token"]


def scan_token(target: str | None) -> str | None:
    """The token of a `/q/<token>` path."""
    if target and target.startswith("/q/") and "/" not in target[3:] and "?" not in target:
        return target[3:] or None
    return None


async def remember(request: Request[Any, Any, Any], token: str, *, now: datetime) -> Cookie | None:
    """Remember a check-in code a visitor arrives with at a log-in form; the cookie to set, or
    None (not a check-in code valid now, or this scan remembered already)."""
    try:
        await tokens.verify(token, purposes=CHECK_IN, now=now)
    except QrError:
        return None
    known = await recall_scan(request)
    if known and known[0] == token and now - known[1] <= SCAN_KEPT:
        return None
    return await store_scan(request, token, now=now)


# Where a log-in or a registration lands by default (the welcome after registering too).
DEFAULT_PAGES = ("/", "/family", "/family?welcome=1", "/staff")


async def resume(request: Request[Any, Any, Any], target: str, *, now: datetime) -> str:
    """Where a log-in lands: the remembered scan (used once) when the destination is a default
    page or that same scan, else `target`."""
    remembered = await recall_scan(request, forget=True)
    if remembered is None:
        return target
    token, scanned_at = remembered
    asked = scan_token(target)
    if (asked is not None and asked != token) or (asked is None and target not in DEFAULT_PAGES):
        return target  # the visitor went somewhere else on purpose
    if now - scanned_at > SCAN_KEPT:
        return target
    return f"/q/{await _honoured(token, scanned_at, now)}"


async def _honoured(token: str, scanned_at: datetime, now: datetime) -> str:
    """The token to check in with now: the scanned one while it is valid, a fresh live code for
    the same corner when the scanned live code was valid at the scan but has expired since."""
    try:
        await tokens.verify(token, purposes=CHECK_IN, now=now)
        return token
    except QrError:
        pass
    try:
        claims = await tokens.verify(token, purposes=CHECK_IN, now=scanned_at)
    except QrError:
        return token  # revoked or never valid: the check-in page says so
    fresh = await tokens.issue(claims.purpose, claims.subject, now=now, expires_at=now + FRESH)
    log.info("scan of %s %s at %s honoured after log-in", claims.purpose.name, claims.subject, scanned_at)
    return fresh
