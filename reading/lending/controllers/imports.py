"""The catalogue as a file: the CSV import (a dry-run report first, then a job with a progress
bar), the import template and the exports (CSV, Excel); pages and API."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, MultipartBody
from litestar.response import Redirect, Template

from app.accounts.roles import LIBRARIANS, PUBLIC
from app.kernel.errors import DomainError, InvalidInput
from app.kernel.i18n import N_
from app.kernel.web import XLSX, ActorDep, ClockDep, Pages, QueueDep, download, refusal_page, see_other
from reading.lending.schemas import ImportReport, JobQueued
from reading.lending.services import exports, import_files, imports

PAGE = "lending/staff_import.html"
CSV = "text/csv; charset=utf-8"


async def _uploaded(upload: Any) -> tuple[bytes, str]:
    """The CSV sent (pages and API alike) and its name. One byte more than allowed is read at
    most: the service answers "too large" in words, where the framework would say a bare 413."""
    if not isinstance(upload, UploadFile):
        raise InvalidInput(N_("请选择要导入的 CSV 文件"), fields=[{"field": "file", "message": "required"}])
    return await upload.read(import_files.MAX_BYTES + 1), upload.filename or ""


class Exports(Controller):
    """The catalogue's exports, the same for the pages and the API (librarians only)."""

    @get("/export.csv", opt=LIBRARIANS, media_type="text/csv")
    async def export_csv(self) -> Response[bytes]:
        return download(await exports.export_csv(), "books.csv", CSV)

    @get("/export.xlsx", opt=LIBRARIANS, media_type=XLSX)
    async def export_xlsx(self) -> Response[bytes]:
        return download(await exports.export_xlsx(), "books.xlsx", XLSX)


class ImportPages(Pages, Exports):
    path = "/staff/books"

    @get("/import", opt=LIBRARIANS)
    async def import_page(self, actor: ActorDep) -> Template:
        return Template(PAGE, context={"actor": actor, "mode": "skip"})

    @post("/import", opt=LIBRARIANS, status_code=200, request_max_body_size=import_files.MAX_UPLOAD_BYTES)
    async def import_check(self, actor: ActorDep, clock: ClockDep, request: Request[Any, Any, Any]) -> Template:
        """Step 1: the dry run. The file is checked row by row and kept for step 2; nothing is
        imported yet."""
        form = await request.form()
        mode = str(form.get("mode") or "skip")
        mode = mode if mode in ("skip", "update") else "skip"
        try:
            raw, filename = await _uploaded(form.get("file"))
            checked = await imports.check_upload(raw, mode=mode, filename=filename, user_id=actor.user_id, clock=clock)
        except DomainError as exc:
            return refusal_page(exc, PAGE, {"actor": actor, "mode": mode})
        report = checked.report
        context = {"actor": actor, "mode": mode, "report": report, "problems": report.problems[:500]}
        context.update(importable=checked.importable, import_id=checked.import_id, filename=filename)
        return Template(PAGE, context=context)

    @post("/import/{import_id:int}/start", opt=LIBRARIANS)
    async def import_start(self, import_id: FromPath[int], actor: ActorDep, queue: QueueDep) -> Redirect:
        """Step 2: the import itself, as a job; the page shows its progress."""
        await imports.start_import(import_id, actor.user_id, queue)
        return see_other(f"/staff/books/import/{import_id}")

    @get("/import/{import_id:int}", opt=LIBRARIANS)
    async def import_progress(self, import_id: FromPath[int], actor: ActorDep) -> Template:
        job = await imports.import_job(import_id, actor.user_id)
        context = {"actor": actor, "job": job, "job_id": f"import-{import_id}", "result": job.result}
        return Template("lending/staff_import_job.html", context=context)

    @get("/import-template.csv", opt=LIBRARIANS, media_type="text/csv")
    async def template(self) -> Response[bytes]:
        return download(exports.template_csv(), "books-template.csv", CSV)


class ImportsApi(Exports):
    path = "/api/v1/books"
    tags = ("books",)

    @post("/import", opt=LIBRARIANS, status_code=202, request_max_body_size=import_files.MAX_UPLOAD_BYTES)
    async def import_csv(
        self, data: MultipartBody[dict[str, Any]], actor: ActorDep, clock: ClockDep, queue: QueueDep
    ) -> Response[ImportReport | JobQueued]:
        """CSV upload (`file`; `mode` skip|update; `dry_run` true for the per-row report only)."""
        raw, filename = await _uploaded(data.get("file"))
        answer = await imports.upload(
            raw,
            mode=str(data.get("mode") or "skip"),
            report_only=str(data.get("dry_run") or "").lower() in ("1", "true", "yes", "on"),
            filename=filename,
            user_id=actor.user_id,
            clock=clock,
            queue=queue,
        )
        return Response(answer, status_code=200 if isinstance(answer, ImportReport) else 202)

    @get("/import-template.csv", opt=PUBLIC, media_type="text/csv")
    async def template(self) -> Response[bytes]:
        return download(exports.template_csv(), "books-template.csv", CSV)
