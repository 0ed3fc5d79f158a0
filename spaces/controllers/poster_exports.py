"""One PDF of the corner posters of some spaces or of every space, for district admins: a job
with progress (spaces/services/poster_exports.py).

The JSON API (bearer tokens) starts an export and downloads it; its progress is
GET /api/v1/jobs/posters-<id>. The staff page's twins (session cookie, CSRF on the form) do the
same for the form on /staff: start and download (the progress bar reads the shared
`/staff/jobs/posters-<id>.json`, app/web/jobs.py).
Only the admin who asked for an export sees it; anyone else gets 404.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect
from msgspec import Meta, Struct

from app.accounts.actor import Actor
from app.accounts.roles import ADMINS
from app.kernel.clock import Clock
from app.kernel.errors import DomainError
from app.kernel.jobs import JobQueue
from app.kernel.numbers import is_whole_number
from app.kernel.web import ActorDep, ClockDep, Pages, QueueDep, see_other
from spaces.errors import PosterExportNotFound
from spaces.services import poster_exports, poster_specs

SpaceId = Annotated[int, Meta(ge=1, le=2**31 - 1)]


class PosterExportIn(Struct, forbid_unknown_fields=True):
    """`space_ids` left out: every space."""

    space_ids: Annotated[list[SpaceId], Meta(min_length=1, max_length=poster_specs.MAX_SPACE_IDS)] | None = None


class PosterExportQueued(Struct):
    job_id: str


async def start(actor: Actor, space_ids: list[int] | None, clock: Clock, state: State, queue: JobQueue) -> int:
    export_id = await poster_specs.start_export(
        user_id=actor.user_id, space_ids=space_ids, base_url=state.settings.base_url, clock=clock
    )
    await queue.enqueue(poster_exports.JOB, job_id=poster_exports.job_id(export_id), export_id=export_id)
    return export_id


async def pdf_response(export_id: int, actor: Actor) -> Response[bytes]:
    return Response(
        await poster_exports.export_pdf(export_id, actor.user_id),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="corner-posters-{export_id}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


class PosterExportsController(Controller):
    path = "/api/v1/poster-exports"
    tags = ("qr",)

    @post("/", opt=ADMINS, status_code=202)
    async def create(
        self,
        actor: ActorDep,
        clock: ClockDep,
        state: State,
        queue: QueueDep,
        data: JSONBody[PosterExportIn | None] = None,
    ) -> PosterExportQueued:
        """Start a PDF of the corner posters (one A4 page per corner) of the spaces listed, or
        of every space: 202 with the job id (progress: GET /api/v1/jobs/{job_id}); 409
        `no_corners` when there is nothing to print."""
        export_id = await start(actor, data.space_ids if data else None, clock, state, queue)
        return PosterExportQueued(job_id=poster_exports.job_id(export_id))

    @get("/{name:str}", opt=ADMINS, media_type="application/pdf")
    async def download(self, name: FromPath[str], actor: ActorDep) -> Response[bytes]:
        """`<id>.pdf`: the finished PDF, for the admin who started it (404 until it is done)."""
        number = name.removesuffix(".pdf")
        if not name.endswith(".pdf") or not is_whole_number(number):
            raise PosterExportNotFound()
        return await pdf_response(int(number), actor)


class PosterExportPages(Pages):
    """The form and status area on the staff page (`spaces/templates/spaces/staff.html`)."""

    path = "/staff/poster-exports"

    @post("/", opt=ADMINS)
    async def create(self, actor: ActorDep, clock: ClockDep, state: State, queue: QueueDep) -> Redirect:
        try:
            await start(actor, None, clock, state, queue)
        except DomainError as exc:
            return see_other(f"/staff?posters={exc.code}#posters")
        return see_other("/staff#posters")

    @get("/{export_id:int}/posters.pdf", opt=ADMINS, media_type="application/pdf")
    async def download(self, export_id: FromPath[int], actor: ActorDep) -> Response[bytes]:
        return await pdf_response(export_id, actor)
