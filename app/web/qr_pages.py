"""`/q/<token>`: what a phone opens after scanning any StoryCorner QR code.

Corner (or live) code → check in (log in or register first, then straight back); booking
code → its details, with a check-in button for staff of that space and nothing at all for
anybody else. Invalid or revoked codes get a clear Chinese page.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template
from msgspec import Meta, Struct

from app.accounts.actor import Actor
from app.accounts.roles import FAMILIES, PUBLIC, STAFF
from app.accounts.services.families import get_family
from app.kernel.clock import Clock, local_zone
from app.kernel.errors import DomainError, status_for
from app.web.checkin import LIVE_PERIOD, CheckInIn, check_in, live_expiry, log_scan
from app.web.i18n import gettext
from qr import images, posters
from qr.errors import QrError
from qr.services import tokens
from qr.tokens import Purpose, TokenClaims
from reading.programme.services import certificates
from spaces.errors import BookingNotFound
from spaces.services.access import ensure_serves
from spaces.services.bookings import booking_out, get_booking_row, visible_booking
from spaces.tables import Corner

MaybeActor = NamedDependency[Actor | None]
ClockDep = NamedDependency[Clock]
SCANNABLE = (Purpose.corner, Purpose.live, Purpose.booking, Purpose.family, Purpose.copy, Purpose.certificate)


class ScanIn(Struct, forbid_unknown_fields=True):
    token: Annotated[str, Meta(min_length=1, max_length=200)]
    nonce: Annotated[str, Meta(min_length=1, max_length=64)]


async def _live_only_space(corner_id: int) -> int | None:
    """The corner's space id when that space requires the live code."""
    row = await Corner.select(Corner.space.id, Corner.space.require_live_code).where(Corner.id == corner_id).first()
    return int(row["space.id"]) if row and row["space.require_live_code"] else None


def _problem_page(exc: DomainError, actor: Actor | None, status: int) -> Template:
    return Template(
        "qr/problem.html",
        context={"actor": actor, "title": gettext(exc.title), "detail": gettext(exc.detail), "code": exc.code},
        status_code=status,
    )


class ScanPages(Controller):
    include_in_schema = False

    @get("/q/{token:str}", opt=PUBLIC)
    async def open(
        self, token: FromPath[str], maybe_actor: MaybeActor, clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        now = clock.now()
        try:
            claims = await tokens.verify(token, purposes=SCANNABLE, now=now)
        except QrError as exc:
            await log_scan(None, maybe_actor, exc.code, now)
            return _problem_page(exc, maybe_actor, 410 if exc.code == "token_revoked" else 400)
        await log_scan(claims, maybe_actor, "opened", now)  # every scan is logged, not only failures
        if claims.purpose is Purpose.certificate:  # public: anyone may verify a certificate
            return await self._certificate(claims.subject, maybe_actor)
        if claims.purpose is Purpose.corner and (space_id := await _live_only_space(claims.subject)):
            # A photo of a poster must not check anyone in: there only the live screen does.
            return Redirect(path=f"/spaces/{space_id}")
        if maybe_actor is None:
            return Redirect(path=f"/login?next=/q/{token}")
        if claims.purpose is Purpose.booking:
            return await self._booking(token, claims, maybe_actor)
        if claims.purpose is Purpose.family:
            return await self._family(claims, maybe_actor, clock)
        if claims.purpose is Purpose.copy:
            return Redirect(path=f"/lend/{token}")  # the reading pages: borrow or return this copy
        corner = (
            await Corner.select(Corner.id, Corner.name, Corner.space.id, Corner.space.name)
            .where(Corner.id == claims.subject)
            .first()
        )
        if corner is None:
            return _problem_page(BookingNotFound("没有找到这个阅读角"), maybe_actor, 404)
        family = await get_family(maybe_actor.family_id, clock=clock) if maybe_actor.family_id else None
        return Template(
            "qr/check_in.html",
            context={
                "actor": maybe_actor,
                "token": token,
                "corner": corner,
                "family": family,
                "nonce": secrets.token_urlsafe(12),
            },
        )

    async def _booking(self, token: str, claims: TokenClaims, actor: Actor) -> Template:
        try:
            row = await get_booking_row(claims.subject)
        except BookingNotFound as exc:
            return _problem_page(exc, actor, 404)
        owner = row.family_id == actor.family_id
        staff = actor.serves(row.space_id)
        if not owner and not actor.is_staff:
            return _problem_page(BookingNotFound(), actor, 404)  # reveals nothing
        return Template(
            "qr/booking.html",
            context={
                "actor": actor,
                "token": token,
                "booking": await booking_out(row),
                "owner": owner,
                "staff": staff,
                "can_override": actor.is_staff and not staff,
                "nonce": secrets.token_urlsafe(12),
            },
        )

    async def _certificate(self, certificate_id: int, actor: Actor | None) -> Template:
        """Shows the holder's display name, level and date only; a revoked one says so."""
        try:
            row = await certificates.get(certificate_id)
        except DomainError as exc:
            return _problem_page(exc, actor, 404)
        return Template("qr/certificate.html", context={"actor": actor, "certificate": row})

    async def _family(self, claims: TokenClaims, actor: Actor, clock: Clock) -> Template:
        """A family card: staff see who it is (for lending); the family sees its own card."""
        if not actor.is_staff and actor.family_id != claims.subject:
            return _problem_page(BookingNotFound("没有找到这个家庭"), actor, 404)
        family = await get_family(claims.subject, clock=clock)
        return Template("qr/family.html", context={"actor": actor, "family": family})

    @post("/q/{token:str}", opt=PUBLIC)
    async def submit(
        self,
        token: FromPath[str],
        maybe_actor: MaybeActor,
        clock: ClockDep,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        if maybe_actor is None:
            return Redirect(path=f"/login?next=/q/{token}")
        form = await request.form()
        child_ids = [int(c) for c in form.getall("child_id", []) if str(c).isdigit()]
        data = CheckInIn(
            token=token,
            nonce=str(form.get("nonce") or "")[:64] or None,
            child_ids=child_ids if maybe_actor.family_id and not maybe_actor.is_staff else None,
            override_reason=str(form.get("override_reason") or "").strip()[:200] or None,
        )
        try:
            result = await check_in(data, maybe_actor, clock)
        except DomainError as exc:
            status = status_for(exc)  # as the API answers: 400 invalid, 404 no such child, 409, 410 revoked
            page = _problem_page(exc, maybe_actor, status)
            # Domain errors carry times as ISO text (for the JSON API); the page shows local time.
            next_free = exc.extra.get("next_free_at")
            page.context["next_free_at"] = (
                datetime.fromisoformat(next_free) if isinstance(next_free, str) else next_free
            )
            return page
        return Template("qr/checked_in.html", context={"actor": maybe_actor, "result": result})

    @get("/bookings/{booking_id:int}/qr.png", opt=FAMILIES, media_type="image/png")
    async def booking_qr(
        self, booking_id: FromPath[int], actor: NamedDependency[Actor], clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Response[bytes]:
        """The family's booking code on its own pages (the API has the same behind a token)."""
        row = await visible_booking(booking_id, actor)
        if row.family_id != actor.family_id:
            raise BookingNotFound()
        token = await tokens.issue(Purpose.booking, booking_id, now=clock.now())
        url = f"{request.app.state.settings.base_url}/q/{token}"
        return Response(images.png(url, size=480), media_type="image/png")


class FamilyCardPage(Controller):
    include_in_schema = False

    @get("/family/card.png", opt=FAMILIES, media_type="image/png")
    async def card(
        self, actor: NamedDependency[Actor], clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Response[bytes]:
        """The family card: a QR code for borrowing, to print or to show on the phone."""
        assert actor.family_id is not None
        family = await get_family(actor.family_id, clock=clock)
        token = await tokens.issue(Purpose.family, actor.family_id, now=clock.now())
        url = f"{request.app.state.settings.base_url}/q/{token}"
        names = "、".join(c.nickname for c in family.children)
        card = posters.Card(
            title=gettext("故事角家庭借阅卡"),
            subtitle=family.guardians[0].name if family.guardians else "",
            url=url,
            lines=(names,) if names else (),
        )
        return Response(posters.to_png(posters.card_image(card)), media_type="image/png")


class StaffScanPages(Controller):
    """The staff scanning page (camera or keyboard-wedge scanner) and a corner's live screen."""

    include_in_schema = False

    @get("/staff/scan", opt=STAFF)
    async def scan_page(self, actor: NamedDependency[Actor]) -> Template:
        return Template("qr/scan.html", context={"actor": actor})

    @post("/staff/scan/check-in", opt=STAFF)
    async def scan_check_in(
        self, data: JSONBody[ScanIn], actor: NamedDependency[Actor], clock: ClockDep
    ) -> Response[dict[str, Any]]:
        """One queued scan from the page (session + CSRF header). The nonce makes a retried
        request answer from the first, so fast scanning never loses or doubles a check-in."""
        try:
            result = await check_in(CheckInIn(token=data.token, nonce=data.nonce), actor, clock)
        except DomainError as exc:
            return Response({"ok": False, "code": exc.code, "message": gettext(exc.detail)}, status_code=200)
        message = gettext("已签到过") if result.duplicate else gettext("签到成功")
        return Response(
            {
                "ok": True,
                "duplicate": result.duplicate,
                "message": message,
                "people": result.people,
                "checked_in_at": localtime_text(result.checked_in_at),
            },
            status_code=200,
        )

    @get("/staff/live/{corner_id:int}", opt=STAFF)
    async def live_screen(
        self, corner_id: FromPath[int], actor: NamedDependency[Actor], clock: ClockDep, request: Request[Any, Any, Any]
    ) -> Template:
        """For a tablet or screen at the space: a code that changes every 30 s."""
        corner = (
            await Corner.select(Corner.id, Corner.name, Corner.space.id, Corner.space.name)
            .where(Corner.id == corner_id)
            .first()
        )
        if corner is None:
            raise BookingNotFound("没有找到这个阅读角")
        ensure_serves(actor, corner["space.id"])
        now = clock.now()
        expires = live_expiry(now)
        token = await tokens.issue(Purpose.live, corner_id, now=now, expires_at=expires)
        svg = images.svg(f"{request.app.state.settings.base_url}/q/{token}").decode()
        refresh = max(1, int((expires - now).total_seconds()) - LIVE_PERIOD)
        return Template("qr/live.html", context={"actor": actor, "corner": corner, "svg": svg, "refresh": refresh})


def localtime_text(moment: datetime) -> str:
    return moment.astimezone(local_zone()).strftime("%H:%M")
