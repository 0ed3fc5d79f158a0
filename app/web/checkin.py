"""QR wiring: the composition root that knows which domain handles each token purpose.

`qr/` only signs and verifies; here a corner token becomes a visit in `spaces`, a booking
token a staff check-in. Every check-in attempt is logged with its outcome (qr_scan).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import anyio
from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from msgspec import Meta, Struct

from app.accounts.actor import Actor
from app.accounts.roles import FAMILIES, STAFF
from app.kernel.clock import Clock
from app.kernel.errors import DomainError
from qr import images, posters
from qr.services import tokens
from qr.tables import Scan
from qr.tokens import Purpose, TokenClaims
from spaces.errors import BookingNotFound, CornerNotFound
from spaces.services import bookings as booking_service
from spaces.services import checkins
from spaces.services.access import ensure_serves
from spaces.tables import Corner

ActorDep = NamedDependency[Actor]
ClockDep = NamedDependency[Clock]
LIVE_PERIOD = 30  # seconds a live code is shown; one more period of grace


def qr_url(state: State, token: str) -> str:
    return f"{state.settings.base_url}/q/{token}"


async def log_scan(claims: TokenClaims | None, actor: Actor | None, outcome: str, now: datetime) -> None:
    await Scan.insert(
        Scan(
            purpose=claims.purpose.name if claims else "",
            subject=str(claims.subject) if claims else "",
            user_id=actor.user_id if actor else None,
            outcome=outcome,
            at=now,
        )
    )


def live_expiry(now: datetime) -> datetime:
    """The end of the current 30-second period plus one period of grace."""
    period_end = (int(now.timestamp()) // LIVE_PERIOD + 1) * LIVE_PERIOD
    return datetime.fromtimestamp(period_end + LIVE_PERIOD, UTC)


class CheckInIn(Struct, forbid_unknown_fields=True):
    token: Annotated[str, Meta(min_length=1, max_length=200)]
    nonce: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    child_ids: Annotated[list[int], Meta(max_length=8)] | None = None
    override_reason: Annotated[str, Meta(max_length=200)] | None = None


class CheckInOut(Struct):
    id: int
    kind: str
    space_id: int
    checked_in_at: datetime
    duplicate: bool
    booking_id: int | None = None
    people: int = 0


class LiveToken(Struct):
    token: str
    url: str
    expires_at: datetime
    refresh_seconds: int


async def check_in(data: CheckInIn, actor: Actor, clock: Clock) -> checkins.CheckInResult:
    """Verify the token, dispatch by purpose, log the outcome (failures included)."""
    now = clock.now()
    claims: TokenClaims | None = None
    try:
        purposes = (Purpose.booking,) if actor.is_staff and not actor.family_id else (Purpose.corner, Purpose.live)
        claims = await tokens.verify(data.token, purposes=purposes, now=now)
        if claims.purpose is Purpose.booking:
            result = await checkins.booking_check_in(
                claims.subject, actor=actor, nonce=data.nonce, override_reason=data.override_reason, clock=clock
            )
        else:
            result = await checkins.corner_check_in(
                claims.subject,
                actor=actor,
                child_ids=data.child_ids,
                nonce=data.nonce,
                live=claims.purpose is Purpose.live,
                clock=clock,
            )
    except DomainError as exc:
        await log_scan(claims, actor, exc.code, now)
        raise
    outcome = "duplicate" if result.duplicate else ("override" if data.override_reason else "checked_in")
    await log_scan(claims, actor, outcome, now)
    return result


class CheckInController(Controller):
    tags = ("check-in",)

    @post("/api/v1/check-ins", status_code=201)
    async def create(self, data: JSONBody[CheckInIn], actor: ActorDep, clock: ClockDep) -> Response[CheckInOut]:
        """Family scanned a corner (or live) code, or staff scanned a booking code. A repeat for
        the same family and slot answers 200 with `duplicate: true` and the first time."""
        result = await check_in(data, actor, clock)
        body = CheckInOut(
            id=result.id,
            kind=result.kind,
            space_id=result.space_id,
            checked_in_at=result.checked_in_at,
            duplicate=result.duplicate,
            booking_id=result.booking_id,
            people=result.people,
        )
        return Response(body, status_code=200 if result.duplicate else 201)


async def _corner(space_id: int, corner_id: int) -> dict[str, Any]:
    row = (
        await Corner.select(Corner.id, Corner.name, Corner.space.name)
        .where((Corner.id == corner_id) & (Corner.space == space_id))
        .first()
    )
    if row is None:
        raise CornerNotFound()
    return row


def _poster(row: dict[str, Any], url: str) -> posters.Poster:
    return posters.Poster(space_name=row["space.name"], corner_name=row["name"], url=url)


class QrController(Controller):
    path = "/api/v1"
    tags = ("qr",)

    @get("/spaces/{space_id:int}/corners/{corner_id:int}/qr.png", opt=STAFF, media_type="image/png")
    async def corner_png(
        self, space_id: FromPath[int], corner_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        """The corner's QR code (error correction M)."""
        ensure_serves(actor, space_id)
        await _corner(space_id, corner_id)
        token = await tokens.issue(Purpose.corner, corner_id, now=clock.now())
        return Response(images.png(qr_url(state, token), size=600), media_type="image/png")

    @get("/spaces/{space_id:int}/corners/{corner_id:int}/qr.svg", opt=STAFF, media_type="image/svg+xml")
    async def corner_svg(
        self, space_id: FromPath[int], corner_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        ensure_serves(actor, space_id)
        await _corner(space_id, corner_id)
        token = await tokens.issue(Purpose.corner, corner_id, now=clock.now())
        return Response(images.svg(qr_url(state, token)), media_type="image/svg+xml")

    @post("/spaces/{space_id:int}/corners/{corner_id:int}/reprint", opt=STAFF, status_code=200)
    async def reprint(
        self, space_id: FromPath[int], corner_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> dict[str, Any]:
        """A new code for the corner; every older poster of it answers 410 token_revoked."""
        ensure_serves(actor, space_id)
        await _corner(space_id, corner_id)
        version = await tokens.revoke(Purpose.corner, corner_id, now=clock.now())
        token = await tokens.issue(Purpose.corner, corner_id, now=clock.now())
        return {"corner_id": corner_id, "version": version, "url": qr_url(state, token)}

    async def _posters(
        self, space_id: int, corner_id: int | None, clock: Clock, state: State, *, first_only: bool = False
    ) -> list[posters.Poster]:
        query = Corner.select(Corner.id, Corner.name, Corner.space.name).where(Corner.space == space_id)
        if corner_id is not None:
            query = query.where(Corner.id == corner_id)
        rows = await query.order_by(Corner.id)
        if not rows:
            raise CornerNotFound("这个空间还没有阅读角")
        specs = []
        for row in rows[:1] if first_only else rows:
            token = await tokens.issue(Purpose.corner, row["id"], now=clock.now())
            specs.append(_poster(row, qr_url(state, token)))
        return specs

    @get("/spaces/{space_id:int}/poster.pdf", opt=STAFF, media_type="application/pdf")
    async def poster_pdf(
        self,
        space_id: FromPath[int],
        actor: ActorDep,
        clock: ClockDep,
        state: State,
        corner_id: FromQuery[int | None] = None,
    ) -> Response[bytes]:
        """A4 posters, one page per corner of the space (or the one `corner_id`)."""
        ensure_serves(actor, space_id)
        specs = await self._posters(space_id, corner_id, clock, state)
        # Drawing A4 pages takes a CPU-bound second or more: off the event loop.
        pdf = await anyio.to_thread.run_sync(lambda: posters.to_pdf(posters.poster_image(p) for p in specs))
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="space-{space_id}-posters.pdf"'},
        )

    @get("/spaces/{space_id:int}/poster.png", opt=STAFF, media_type="image/png")
    async def poster_png(
        self,
        space_id: FromPath[int],
        actor: ActorDep,
        clock: ClockDep,
        state: State,
        corner_id: FromQuery[int | None] = None,
    ) -> Response[bytes]:
        """The A4 poster of one corner (the first when `corner_id` is not given) as PNG."""
        ensure_serves(actor, space_id)
        (spec,) = await self._posters(space_id, corner_id, clock, state, first_only=True)
        png = await anyio.to_thread.run_sync(lambda: posters.to_png(posters.poster_image(spec)))
        return Response(png, media_type="image/png")

    @get("/spaces/{space_id:int}/corners/{corner_id:int}/live-token", opt=STAFF)
    async def live_token(
        self, space_id: FromPath[int], corner_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> LiveToken:
        """The corner's rotating code for a screen at the space: valid this period and the next."""
        ensure_serves(actor, space_id)
        await _corner(space_id, corner_id)
        now = clock.now()
        expires = live_expiry(now)
        token = await tokens.issue(Purpose.live, corner_id, now=now, expires_at=expires)
        refresh = max(1, int((expires - timedelta(seconds=LIVE_PERIOD) - now).total_seconds()))
        return LiveToken(token=token, url=qr_url(state, token), expires_at=expires, refresh_seconds=refresh)

    @get("/bookings/{booking_id:int}/qr.png", opt=FAMILIES, media_type="image/png")
    async def booking_png(
        self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        """The booking's QR code, for staff to scan at the door."""
        row = await booking_service.visible_booking(booking_id, actor)
        if row.family_id != actor.family_id:
            raise BookingNotFound()
        token = await tokens.issue(Purpose.booking, booking_id, now=clock.now())
        return Response(images.png(qr_url(state, token), size=480), media_type="image/png")
