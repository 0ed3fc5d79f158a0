"""The codes spaces print and show: a corner's QR code (PNG, SVG, A4 posters), a reprint that
revokes the old posters, a corner's live code (a new one every `LIVE_PERIOD` seconds, for a
screen at the space) and a booking's code (for staff to scan at the door). Only staff of the
space get a corner's codes; only the family its booking's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import anyio

from app.accounts.actor import Actor
from app.kernel.lazy import lazy
from app.kernel.values import frozen
from qr.services import tokens
from qr.tokens import Purpose
from spaces.errors import CornerNotFound
from spaces.rules import poster_programme
from spaces.services.access import ensure_serves
from spaces.services.bookings import own_booking
from spaces.tables import Corner

if TYPE_CHECKING:
    from qr import images, posters
else:
    images = lazy("qr.images")
    posters = lazy("qr.posters")

LIVE_PERIOD = 30  # seconds a live code is shown; one more period of grace


@frozen
class CornerRef:
    id: int
    name: str
    space_id: int
    space_name: str
    space_kind: str = ""


@frozen
class Reprinted:
    corner_id: int
    version: int
    url: str


@frozen
class LiveCode:
    token: str
    url: str
    expires_at: datetime
    refresh_seconds: int


async def corners(space_id: int | None = None, corner_id: int | None = None) -> list[CornerRef]:
    """The corners in use of a space (or the one corner), in the order they were added
    (retired corners have no codes)."""
    query = (
        Corner.select(Corner.id, Corner.name, Corner.space.id, Corner.space.name, Corner.space.kind)
        .where(Corner.retired_at.is_null())
        .order_by(Corner.id)
    )
    if space_id is not None:
        query = query.where(Corner.space == space_id)
    if corner_id is not None:
        query = query.where(Corner.id == corner_id)
    rows = await query
    return [CornerRef(r["id"], r["name"], r["space.id"], r["space.name"], r["space.kind"]) for r in rows]


async def corner(corner_id: int, *, actor: Actor, space_id: int | None = None) -> CornerRef:
    """A corner of a space the actor serves."""
    if space_id is not None:
        ensure_serves(actor, space_id)
    found = await corners(space_id, corner_id)
    if not found:
        raise CornerNotFound()
    ensure_serves(actor, found[0].space_id)
    return found[0]


async def corner_image(
    space_id: int, corner_id: int, *, svg: bool, actor: Actor, base_url: str, now: datetime
) -> bytes:
    """The corner's code as a PNG (error correction M) or an SVG."""
    await corner(corner_id, actor=actor, space_id=space_id)
    url = tokens.url(base_url, await tokens.issue(Purpose.corner, corner_id, now=now))
    return images.svg(url) if svg else images.png(url, size=600)


async def reprint(space_id: int, corner_id: int, *, actor: Actor, base_url: str, now: datetime) -> Reprinted:
    """A new code for the corner; every older poster of it answers 410 token_revoked."""
    await corner(corner_id, actor=actor, space_id=space_id)
    version = await tokens.revoke(Purpose.corner, corner_id, now=now)
    token = await tokens.issue(Purpose.corner, corner_id, now=now)
    return Reprinted(corner_id=corner_id, version=version, url=tokens.url(base_url, token))


async def poster_pages(
    space_id: int, corner_id: int | None, *, pdf: bool, actor: Actor, base_url: str, now: datetime
) -> bytes:
    """A4 posters: a PDF with a page per corner of the space (or the one `corner_id`), or the
    PNG of one corner (the first when `corner_id` is not given)."""
    ensure_serves(actor, space_id)
    found = await corners(space_id, corner_id)
    if not found:
        raise CornerNotFound("这个空间还没有阅读角")
    specs = []
    for ref in found if pdf else found[:1]:
        url = tokens.url(base_url, await tokens.issue(Purpose.corner, ref.id, now=now))
        programme = poster_programme(ref.space_kind)
        specs.append(posters.Poster(space_name=ref.space_name, corner_name=ref.name, url=url, programme=programme))
    # Drawing A4 pages takes a CPU-bound second or more: off the event loop.
    if pdf:
        return await anyio.to_thread.run_sync(lambda: posters.to_pdf(posters.poster_image(p) for p in specs))
    return await anyio.to_thread.run_sync(lambda: posters.to_png(posters.poster_image(specs[0])))


def live_expiry(now: datetime) -> datetime:
    """The end of the current 30-second period plus one period of grace."""
    period_end = (int(now.timestamp()) // LIVE_PERIOD + 1) * LIVE_PERIOD
    return datetime.fromtimestamp(period_end + LIVE_PERIOD, UTC)


@frozen
class LiveScreen:
    corner: CornerRef
    svg: str
    refresh_seconds: int


async def live_code(
    corner_id: int, *, actor: Actor, space_id: int | None = None, base_url: str, now: datetime
) -> LiveCode:
    """The corner's rotating code: valid this period and the next; shown again in
    `refresh_seconds`, when the next period begins."""
    await corner(corner_id, actor=actor, space_id=space_id)
    return await _live_code(corner_id, base_url, now)


async def _live_code(corner_id: int, base_url: str, now: datetime) -> LiveCode:
    expires = live_expiry(now)
    token = await tokens.issue(Purpose.live, corner_id, now=now, expires_at=expires)
    refresh = max(1, int((expires - timedelta(seconds=LIVE_PERIOD) - now).total_seconds()))
    return LiveCode(token=token, url=tokens.url(base_url, token), expires_at=expires, refresh_seconds=refresh)


async def live_screen(corner_id: int, *, actor: Actor, base_url: str, now: datetime) -> LiveScreen:
    """For a tablet or screen at the space: the live code, drawn, and when to draw it again."""
    ref = await corner(corner_id, actor=actor)
    code = await _live_code(corner_id, base_url, now)
    return LiveScreen(corner=ref, svg=images.svg(code.url).decode(), refresh_seconds=code.refresh_seconds)


async def booking_image(booking_id: int, *, actor: Actor, base_url: str, now: datetime) -> bytes:
    """The booking's code, for its family to show at the door (nobody else's)."""
    await own_booking(booking_id, actor)
    token = await tokens.issue(Purpose.booking, booking_id, now=now)
    return images.png(tokens.url(base_url, token), size=480)
