"""A job a user started (a catalogue import, a poster export, a monthly report): its status
and progress, for the JSON API (`GET /api/v1/jobs/{job_id}`) and, through the session, for
the pages' progress bars (`GET /staff/jobs/{job_id}.json`, app/static/import.js). Job ids
are `<kind>-<number>`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from app.accounts.actor import Actor
from app.accounts.roles import STAFF
from app.kernel.errors import NotFound
from app.kernel.i18n import N_
from app.kernel.jsonvalue import loads
from app.kernel.numbers import is_whole_number
from app.kernel.web import Pages
from app.stats.services import archive
from reading.lending.services import imports
from spaces.services import poster_exports

NOT_FOUND = N_("没有找到这个任务")
ActorDep = NamedDependency[Actor]


async def _poster_job(number: int, actor: Actor, page: bool) -> tuple[dict[str, Any] | None, Any]:
    export = await poster_exports.export_status(number, actor.user_id)
    row = asdict(export) if export is not None else None
    result: Any = None
    if row is not None and row["status"] == "done":
        pdf = f"/staff/poster-exports/{number}/posters.pdf" if page else f"/api/v1/poster-exports/{number}.pdf"
        result = {"pages": row["pages"], "pdf_url": pdf}
    elif row is not None and row["status"] == "failed":
        result = {"error": row["error"]}
    return row, result


async def _import_job(number: int, actor: Actor, page: bool) -> tuple[dict[str, Any] | None, Any]:
    row = await imports.import_status(number, actor.user_id)
    result: Any = None
    if row is not None and row["status"] in ("done", "failed"):  # a running job's notes are its own
        result = loads(row["report"]) or None
        if page and isinstance(result, dict):
            result = {k: v for k, v in result.items() if k != "report"}
    return row, result


async def _report_job(number: int, actor: Actor, page: bool) -> tuple[dict[str, Any] | None, Any]:
    """A monthly report's making: the district's, so every district admin sees it."""
    made = await archive.report_status(number) if actor.is_admin else None
    if made is None:
        return None, None
    row = {**asdict(made), "created_at": made.asked_at, "finished_at": made.made_at if made.status == "done" else None}
    result: Any = None
    if made.status == "done":
        base = "/staff/stats/reports" if page else "/api/v1/stats/reports"
        result = {"month": made.label, "pdf_url": f"{base}/{made.label}.pdf", "xlsx_url": f"{base}/{made.label}.xlsx"}
    elif made.status == "failed":
        result = {"error": made.error}
    return row, result


KINDS = {"posters": _poster_job, "import": _import_job, "report": _report_job}


async def job_status(job_id: str, actor: Actor, *, page: bool = False) -> dict[str, Any]:
    """The job's status, progress (0–1) and result, if `actor` started it (a monthly report:
    if `actor` is a district admin; 404 otherwise). `page`: for the session's pages: links go
    to pages, and an import's per-row report is left out (its page shows it)."""
    kind, _sep, number = job_id.partition("-")
    if kind not in KINDS or not is_whole_number(number):
        raise NotFound(NOT_FOUND)
    row, result = await KINDS[kind](int(number), actor, page)
    if row is None:
        raise NotFound(NOT_FOUND)
    return {
        "job_id": job_id,
        "status": row["status"],
        "progress": row["progress"],
        "result": result,
        "created_at": row["created_at"].isoformat(),
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
    }


class JobPages(Pages):
    @get("/staff/jobs/{job_name:str}", opt=STAFF)
    async def status(self, job_name: FromPath[str], actor: ActorDep) -> Response[dict[str, Any]]:
        """A job the user started, as JSON for the page's progress bar (the session's twin of
        GET /api/v1/jobs/{job_id}, which needs a bearer token)."""
        if not job_name.endswith(".json"):
            raise NotFound(NOT_FOUND)
        status = await job_status(job_name.removesuffix(".json"), actor, page=True)
        return Response(status, headers={"Cache-Control": "no-store"})


class JobsController(Controller):
    path = "/api/v1/jobs"
    tags = ("jobs",)

    @get("/{job_id:str}")
    async def status(self, job_id: FromPath[str], actor: ActorDep) -> dict[str, Any]:
        """A job the caller started: status, progress (0–1), the result or error report."""
        return await job_status(job_id, actor)
