"""The `/q/` pages of spaces: a corner's code opens its check-in page (log in first), a
booking's code the booking (its family sees its code; staff check it in); both forms post
back to `/q/<token>` (qr's check-in form). Also a booking's code itself, for the family to
show at the door. The openers are registered by `app/runtime.py` (`qr.openers`).
"""

from __future__ import annotations

import secrets

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import Redirect, Template

from app.accounts.actor import Actor
from app.accounts.roles import FAMILIES
from app.kernel.clock import Clock
from app.kernel.values import frozen
from app.kernel.web import ActorDep, ClockDep
from qr.openers import Visit
from qr.tokens import Purpose
from spaces.services import codes, views_scan


@frozen
class CornerOpener:
    """A corner's printed code, or its live screen's: the check-in page. Anybody may open it:
    a printed code where only the live screen's checks in leads to the space's page."""

    purpose: Purpose
    live: bool
    public: bool = True

    async def open(self, visit: Visit) -> Template | Redirect:
        scanner = visit.scanner
        family_id = scanner.family_id if scanner else None
        page = await views_scan.check_in_page(
            visit.claims.subject, live=self.live, family_id=family_id, clock=visit.clock
        )
        if page.printed_refused:  # a photo of a poster must not check anyone in
            return Redirect(path=f"/spaces/{page.space_id}")
        if scanner is None:
            return Redirect(path=visit.login_path)
        return Template(
            "spaces/check_in.html", context={"token": visit.token, "page": page, "nonce": secrets.token_urlsafe(12)}
        )


@frozen
class BookingOpener:
    """A booking's code: its details, with a check-in button for staff and nothing at all for
    anybody else."""

    purpose: Purpose = Purpose.booking
    public: bool = False

    async def open(self, visit: Visit) -> Template:
        assert visit.scanner is not None
        scan = await views_scan.booking_scan(visit.claims.subject, visit.scanner)
        return Template(
            "spaces/booking_scan.html", context={"token": visit.token, "scan": scan, "nonce": secrets.token_urlsafe(12)}
        )


OPENERS = (CornerOpener(Purpose.corner, live=False), CornerOpener(Purpose.live, live=True), BookingOpener())


async def _booking_png(booking_id: int, actor: Actor, clock: Clock, state: State) -> Response[bytes]:
    """The booking's code as PNG: the same image on the family's page and over the API."""
    png = await codes.booking_image(booking_id, actor=actor, base_url=state.settings.base_url, now=clock.now())
    return Response(png, media_type="image/png")


class BookingCodes(Controller):
    """A booking's code, for its family to show at the door: on its pages and over the API."""

    @get("/api/v1/bookings/{booking_id:int}/qr.png", opt=FAMILIES, media_type="image/png", tags=["qr"])
    async def api_png(
        self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        """The booking's QR code, for staff to scan at the door."""
        return await _booking_png(booking_id, actor, clock, state)

    @get("/bookings/{booking_id:int}/qr.png", opt=FAMILIES, media_type="image/png", include_in_schema=False)
    async def page_png(
        self, booking_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        return await _booking_png(booking_id, actor, clock, state)
