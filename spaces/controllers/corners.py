"""A corner's codes, for staff of its space: its QR code (PNG, SVG), a reprint that revokes
the old posters, A4 posters of one space, the live code (API) and the live screen (a page for
a tablet at the space, a new code every 30 seconds)."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.accounts.actor import Actor
from app.accounts.roles import STAFF
from app.kernel.clock import Clock
from app.kernel.web import ActorDep, ClockDep, Pages
from spaces.services import codes

PNG, SVG, PDF = "image/png", "image/svg+xml", "application/pdf"
OneCorner = FromQuery[int | None]  # one corner's poster only


async def poster_file(
    space_id: int, corner_id: int | None, *, pdf: bool, actor: Actor, clock: Clock, state: State
) -> bytes:
    """The space's A4 posters (`codes.poster_pages`) with codes for this site's address: what
    both the API here and the space editor's downloads (space_admin.py) answer."""
    base_url = state.settings.base_url
    return await codes.poster_pages(space_id, corner_id, pdf=pdf, actor=actor, base_url=base_url, now=clock.now())


class CornerCodes(Controller):
    path = "/api/v1/spaces/{space_id:int}"
    tags = ("qr",)
    opt = STAFF

    @get("/corners/{corner_id:int}/qr.png", media_type=PNG)
    async def corner_png(
        self, space_id: FromPath[int], corner_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        """The corner's QR code (error correction M)."""
        return Response(await self._image(space_id, corner_id, False, actor, clock, state), media_type=PNG)

    @get("/corners/{corner_id:int}/qr.svg", media_type=SVG)
    async def corner_svg(
        self, space_id: FromPath[int], corner_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> Response[bytes]:
        return Response(await self._image(space_id, corner_id, True, actor, clock, state), media_type=SVG)

    async def _image(
        self, space_id: int, corner_id: int, svg: bool, actor: ActorDep, clock: ClockDep, state: State
    ) -> bytes:
        base_url = state.settings.base_url
        return await codes.corner_image(space_id, corner_id, svg=svg, actor=actor, base_url=base_url, now=clock.now())

    @post("/corners/{corner_id:int}/reprint", status_code=200)
    async def reprint(
        self, space_id: FromPath[int], corner_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> codes.Reprinted:
        """A new code for the corner; every older poster of it answers 410 token_revoked."""
        return await codes.reprint(space_id, corner_id, actor=actor, base_url=state.settings.base_url, now=clock.now())

    @get("/poster.pdf", media_type=PDF)
    async def poster_pdf(
        self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State, corner_id: OneCorner = None
    ) -> Response[bytes]:
        """A4 posters, one page per corner of the space (or the one `corner_id`)."""
        pdf = await poster_file(space_id, corner_id, pdf=True, actor=actor, clock=clock, state=state)
        disposition = f'inline; filename="space-{space_id}-posters.pdf"'
        return Response(pdf, media_type=PDF, headers={"Content-Disposition": disposition})

    @get("/poster.png", media_type=PNG)
    async def poster_png(
        self, space_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State, corner_id: OneCorner = None
    ) -> Response[bytes]:
        """The A4 poster of one corner (the first when `corner_id` is not given) as PNG."""
        png = await poster_file(space_id, corner_id, pdf=False, actor=actor, clock=clock, state=state)
        return Response(png, media_type=PNG)

    @get("/corners/{corner_id:int}/live-token")
    async def live_token(
        self, space_id: FromPath[int], corner_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State
    ) -> codes.LiveCode:
        """The corner's rotating code for a screen at the space: valid this period and the next."""
        base_url = state.settings.base_url
        return await codes.live_code(corner_id, space_id=space_id, actor=actor, base_url=base_url, now=clock.now())


class LiveScreenPage(Pages):
    @get("/staff/live/{corner_id:int}", opt=STAFF)
    async def live_screen(self, corner_id: FromPath[int], actor: ActorDep, clock: ClockDep, state: State) -> Template:
        """For a tablet or screen at the space: a code that changes every 30 s."""
        screen = await codes.live_screen(corner_id, actor=actor, base_url=state.settings.base_url, now=clock.now())
        return Template("spaces/live.html", context={"screen": screen})
