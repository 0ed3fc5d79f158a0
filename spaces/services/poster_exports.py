"""One PDF with the corner posters of some spaces, or of every space, made by a job.

Asking for an export fixes what each page shows (spaces/services/poster_specs.py). The job
then only draws: a few pages at a time in a worker
thread (Pillow work, off the event loop), the progress written after each batch, and the PDF
stored in the row at the end (the service is stateless: no files).

Memory stays bounded whatever the number of pages: pages go one by one into
`qr.pdf.PdfPages`, which keeps only their compressed bytes.

Jobs run at least once: a second run of a finished export does nothing; a rerun of one still
marked running (its worker died, or it was enqueued again) starts again from the first page,
and the older run, if it is still going, stops at its next batch (`attempt`). Anything that
raises marks the export failed with the error; it is never left running.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio

from app.kernel.clock import Clock
from app.kernel.jobs import Rerun, table_reruns
from app.kernel.jsonvalue import loads
from app.kernel.lazy import lazy
from app.kernel.values import frozen
from spaces.errors import PosterExportNotFound
from spaces.services.poster_specs import PosterSpec
from spaces.tables import PosterExport

if TYPE_CHECKING:
    from qr import pdf as pdf_pages
    from qr import posters
else:
    pdf_pages = lazy("qr.pdf")
    posters = lazy("qr.posters")

log = logging.getLogger("storycorner.posters")

JOB = "export_posters"  # the job's name in app.jobs.registry
BATCH = 10  # pages drawn per trip to the worker thread; the progress is written after each
INTERRUPTED = "interrupted"  # the error of a run cancelled midway (shutdown, timeout)

STATUS_COLUMNS = (
    PosterExport.id,
    PosterExport.user_id,
    PosterExport.status,
    PosterExport.progress,
    PosterExport.pages,
    PosterExport.error,
    PosterExport.created_at,
    PosterExport.finished_at,
)


@frozen
class ExportStatus:
    """An export without its PDF: queued, running (progress 0–1), done or failed."""

    id: int
    user_id: int | None
    status: str
    progress: float
    pages: int
    error: str
    created_at: datetime
    finished_at: datetime | None


@frozen
class ExportResult:
    """What a run of the job did: done, failed, superseded (a newer run owns the export),
    gone, or the status it found when there was nothing to do."""

    status: str
    pages: int | None = None
    bytes: int | None = None
    error: str | None = None


def job_id(export_id: int) -> str:
    return f"posters-{export_id}"


def _draw(pdf: pdf_pages.PdfPages, specs: Sequence[PosterSpec]) -> None:
    """Draw these pages into the PDF (in a worker thread)."""
    for spec in specs:
        programme = spec.programme or posters.DEFAULT_PROGRAMME
        poster = posters.Poster(space_name=spec.space, corner_name=spec.corner, url=spec.url, programme=programme)
        pdf.add_page(posters.poster_image(poster))


# --- the job -------------------------------------------------------------------------------


async def run_export(export_id: int, *, clock: Clock, batch: int | None = None) -> ExportResult:
    """Draw the export's pages in batches with progress and store the PDF. Safe to run twice."""
    claimed = await _claim(export_id, clock.now())
    if claimed is None:  # done, failed, or gone: nothing to do
        found = await export_status(export_id, None)
        return ExportResult(found.status, pages=found.pages, error=found.error) if found else ExportResult("gone")
    attempt, specs = claimed
    try:
        data = await _draw_all(export_id, attempt, specs, max(1, batch or BATCH), clock)
        if data is None or not await _finish(export_id, attempt, data, len(specs), clock.now()):
            return ExportResult("superseded")
        return ExportResult("done", pages=len(specs), bytes=len(data))
    except asyncio.CancelledError:
        # Shutdown or a job timeout: failed, not running forever; a redelivered job may resume it.
        await asyncio.shield(_fail(export_id, attempt, INTERRUPTED, clock.now()))
        raise
    except Exception as exc:
        log.exception("poster export %s failed", export_id)
        error = f"{type(exc).__name__}: {exc}"[:500]
        await _fail(export_id, attempt, error, clock.now())
        return ExportResult("failed", error=error)


async def _claim(export_id: int, now: datetime) -> tuple[int, list[PosterSpec]] | None:
    """Mark the export running for a new attempt: (the attempt, its pages), or None when it
    is done, failed for good or gone."""
    claimed = (
        await PosterExport.update(
            {
                PosterExport.status: "running",
                PosterExport.progress: 0.0,
                PosterExport.error: "",
                PosterExport.finished_at: None,
                PosterExport.attempt: PosterExport.attempt + 1,
                PosterExport.heartbeat_at: now,
            }
        )
        .where(
            (PosterExport.id == export_id)
            & (
                PosterExport.status.is_in(["queued", "running", "retrying"])
                | ((PosterExport.status == "failed") & (PosterExport.error == INTERRUPTED))
            )
        )
        .returning(PosterExport.attempt, PosterExport.posters)
    )
    if not claimed:
        return None
    specs = [PosterSpec(**spec) for spec in loads(claimed[0]["posters"], [])]
    return int(claimed[0]["attempt"]), specs


async def _draw_all(export_id: int, attempt: int, specs: list[PosterSpec], size: int, clock: Clock) -> bytes | None:
    """The PDF, drawn `size` pages at a time with the progress written after each batch;
    None when a newer run took over."""
    out = io.BytesIO()
    pdf = pdf_pages.PdfPages(out, dpi=posters.DPI)
    for start in range(0, len(specs), size):
        await anyio.to_thread.run_sync(_draw, pdf, specs[start : start + size])
        done = min(start + size, len(specs))
        # Writing the file is the last step: the bar reaches 1 only when it is stored.
        if not await _progress(export_id, attempt, round(done / (len(specs) + 1), 4), clock.now()):
            log.info("poster export %s: a newer run took over; this one stops", export_id)
            return None
    await anyio.to_thread.run_sync(pdf.close)
    data = out.getvalue()
    out.close()
    return data


async def _finish(export_id: int, attempt: int, data: bytes, pages: int, now: datetime) -> bool:
    """Store the PDF; False when a newer run owns the export."""
    finished = (
        await PosterExport.update(
            {
                PosterExport.status: "done",
                PosterExport.progress: 1.0,
                PosterExport.pages: pages,
                PosterExport.pdf: data,
                PosterExport.finished_at: now,
            }
        )
        .where((PosterExport.id == export_id) & (PosterExport.attempt == attempt))
        .returning(PosterExport.id)
    )
    return bool(finished)


async def _progress(export_id: int, attempt: int, value: float, now: datetime) -> bool:
    """Write the progress and a heartbeat; False when a newer run owns the export (this run
    must stop)."""
    rows = (
        await PosterExport.update({PosterExport.progress: value, PosterExport.heartbeat_at: now})
        .where((PosterExport.id == export_id) & (PosterExport.attempt == attempt) & (PosterExport.status == "running"))
        .returning(PosterExport.id)
    )
    return bool(rows)


async def _fail(export_id: int, attempt: int, error: str, now: datetime) -> None:
    await PosterExport.update(
        {PosterExport.status: "failed", PosterExport.error: error, PosterExport.finished_at: now}
    ).where((PosterExport.id == export_id) & (PosterExport.attempt == attempt))


async def reruns(now: datetime) -> list[Rerun]:
    """Exports to run again: queued ones whose start may have been lost, and running ones
    whose worker stopped giving signs of life (marked `retrying`; the next run starts over)."""
    return await table_reruns(PosterExport, JOB, job_id, "export_id", now)


# --- reading it back -----------------------------------------------------------------------


def _status(row: dict[str, Any]) -> ExportStatus:
    return ExportStatus(**{c._meta.name: row[c._meta.name] for c in STATUS_COLUMNS})


async def export_status(export_id: int, user_id: int | None) -> ExportStatus | None:
    """The export without its PDF, if `user_id` asked for it (None: any user's)."""
    row = await PosterExport.select(*STATUS_COLUMNS).where(PosterExport.id == export_id).first()
    if row is None or (user_id is not None and row["user_id"] != user_id):
        return None
    return _status(row)


async def latest_export(user_id: int) -> ExportStatus | None:
    """The user's newest export (without its PDF), for the staff page."""
    row = (
        await PosterExport.select(*STATUS_COLUMNS)
        .where(PosterExport.user_id == user_id)
        .order_by(PosterExport.id, ascending=False)
        .first()
    )
    return _status(row) if row else None


async def export_pdf(export_id: int, user_id: int) -> bytes:
    """The finished PDF, for the user who asked for it; not found before it is done and for
    anyone else."""
    row = (
        await PosterExport.select(PosterExport.pdf)
        .where((PosterExport.id == export_id) & (PosterExport.user_id == user_id) & (PosterExport.status == "done"))
        .first()
    )
    if row is None:
        raise PosterExportNotFound()
    return bytes(row["pdf"])
