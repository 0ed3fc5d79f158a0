"""One PDF with the corner posters of some spaces, or of every space, made by a job.

Asking for an export fixes what each page shows: the space, the corner and the URL with the
corner's current token (issued here, as the per-space poster does, so the job needs neither the
QR signing key nor the base URL). The job then only draws: a few pages at a time in a worker
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
from typing import Any

import anyio

from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from app.kernel.jsonvalue import loads
from qr import pdf as pdf_pages
from qr import posters
from qr.services import tokens
from qr.tokens import Purpose
from spaces.errors import NoCornersToPrint, SpaceNotFound
from spaces.tables import Corner, PosterExport, Space

log = logging.getLogger("storycorner.posters")

JOB = "export_posters"  # the job's name in app.jobs.registry
BATCH = 10  # pages drawn per trip to the worker thread; the progress is written after each
KEEP = 3  # finished exports kept per user (each holds its PDF); older ones are deleted
MAX_SPACE_IDS = 1000
INTERRUPTED = "interrupted"  # the error of a run cancelled midway (shutdown, timeout)

STATUS_COLUMNS = (
    PosterExport.id,
    PosterExport.user_id,
    PosterExport.scope,
    PosterExport.status,
    PosterExport.progress,
    PosterExport.pages,
    PosterExport.error,
    PosterExport.created_at,
    PosterExport.finished_at,
)


def job_id(export_id: int) -> str:
    return f"posters-{export_id}"


def _draw(pdf: pdf_pages.PdfPages, specs: Sequence[dict[str, Any]]) -> None:
    """Draw these pages into the PDF (in a worker thread)."""
    for spec in specs:
        pdf.add_page(
            posters.poster_image(posters.Poster(space_name=spec["space"], corner_name=spec["corner"], url=spec["url"]))
        )


# --- asking for an export ------------------------------------------------------------------


async def start_export(*, user_id: int, space_ids: list[int] | None, base_url: str, clock: Clock) -> int:
    """Fix the pages of an export (every corner of the spaces, or of every space when
    `space_ids` is None) and return its id; the caller enqueues the job (`job_id`).

    Refused: an empty or too long list (invalid_input), an unknown space (space_not_found),
    no corner at all (no_corners). The same user asking again for the same spaces while the
    first is queued or running gets that one back."""
    now = clock.now()
    query = Corner.select(Corner.id, Corner.name, Corner.space.id, Corner.space.name)
    if space_ids is None:
        scope: dict[str, Any] = {"all": True}
    else:
        wanted = sorted(set(space_ids))
        if not wanted or len(wanted) > MAX_SPACE_IDS:
            raise InvalidInput(
                N_("请选择要打印海报的空间"), fields=[{"field": "space_ids", "message": "one to 1000 spaces"}]
            )
        found = {r["id"] for r in await Space.select(Space.id).where(Space.id.is_in(wanted))}
        missing = [i for i in wanted if i not in found]
        if missing:
            raise SpaceNotFound(space_ids=missing[:20])
        scope = {"space_ids": wanted}
        query = query.where(Corner.space.is_in(wanted))
    rows = await query.order_by(Corner.space.id).order_by(Corner.id)
    if not rows:
        raise NoCornersToPrint()

    active = (
        await PosterExport.select(PosterExport.id, PosterExport.scope)
        .where((PosterExport.user_id == user_id) & PosterExport.status.is_in(["queued", "running"]))
        .order_by(PosterExport.id, ascending=False)
    )
    for row in active:
        if loads(row["scope"], {}) == scope:
            return int(row["id"])

    specs = []
    issued: list[str] = []
    # A corner's first token writes its version: a few dozen per transaction, so that 370
    # corners make a handful of commits, not hundreds, nor one long lock on SQLite.
    for start in range(0, len(rows), 50):
        async with write_transaction():
            issued += [await tokens.issue(Purpose.corner, row["id"], now=now) for row in rows[start : start + 50]]
    for row, token in zip(rows, issued, strict=True):
        specs.append(
            {
                "corner_id": row["id"],
                "space_id": row["space.id"],
                "space": row["space.name"],
                "corner": row["name"],
                "url": f"{base_url}/q/{token}",
            }
        )
    created = await PosterExport.insert(
        PosterExport(user_id=user_id, scope=scope, posters=specs, pages=len(specs), pdf=b"", created_at=now)
    ).returning(PosterExport.id)
    export_id = int(created[0]["id"])
    await _prune(user_id)
    return export_id


async def _prune(user_id: int) -> None:
    """Each PDF is tens of megabytes: keep the user's newest few finished exports only."""
    finished = (
        await PosterExport.select(PosterExport.id)
        .where((PosterExport.user_id == user_id) & PosterExport.status.is_in(["done", "failed"]))
        .order_by(PosterExport.id, ascending=False)
    )
    old = [r["id"] for r in finished[KEEP:]]
    if old:
        await PosterExport.delete().where(PosterExport.id.is_in(old))


# --- the job -------------------------------------------------------------------------------


async def run_export(export_id: int, *, clock: Clock, batch: int | None = None) -> dict[str, Any]:
    """Draw the export's pages in batches with progress and store the PDF. Safe to run twice."""
    claimed = (
        await PosterExport.update(
            {
                PosterExport.status: "running",
                PosterExport.progress: 0.0,
                PosterExport.error: "",
                PosterExport.finished_at: None,
                PosterExport.attempt: PosterExport.attempt + 1,
            }
        )
        .where(
            (PosterExport.id == export_id)
            & (
                PosterExport.status.is_in(["queued", "running"])
                | ((PosterExport.status == "failed") & (PosterExport.error == INTERRUPTED))
            )
        )
        .returning(PosterExport.attempt, PosterExport.posters)
    )
    if not claimed:  # done, failed, or gone: nothing to do
        row = await PosterExport.select(*STATUS_COLUMNS).where(PosterExport.id == export_id).first()
        return _result(row)
    attempt = int(claimed[0]["attempt"])
    specs: list[dict[str, Any]] = loads(claimed[0]["posters"], [])
    size = max(1, batch or BATCH)
    try:
        out = io.BytesIO()
        pdf = pdf_pages.PdfPages(out, dpi=posters.DPI)
        for start in range(0, len(specs), size):
            await anyio.to_thread.run_sync(_draw, pdf, specs[start : start + size])
            done = min(start + size, len(specs))
            # Writing the file is the last step: the bar reaches 1 only when it is stored.
            if not await _progress(export_id, attempt, round(done / (len(specs) + 1), 4)):
                log.info("poster export %s: a newer run took over; this one stops", export_id)
                return {"status": "superseded"}
        await anyio.to_thread.run_sync(pdf.close)
        data = out.getvalue()
        out.close()
        del out, pdf
        finished = (
            await PosterExport.update(
                {
                    PosterExport.status: "done",
                    PosterExport.progress: 1.0,
                    PosterExport.pages: len(specs),
                    PosterExport.pdf: data,
                    PosterExport.finished_at: clock.now(),
                }
            )
            .where((PosterExport.id == export_id) & (PosterExport.attempt == attempt))
            .returning(PosterExport.id)
        )
        if not finished:
            return {"status": "superseded"}
        return {"status": "done", "pages": len(specs), "bytes": len(data)}
    except asyncio.CancelledError:
        # Shutdown or a job timeout: failed, not running forever; a redelivered job may resume it.
        await asyncio.shield(_fail(export_id, attempt, INTERRUPTED, clock.now()))
        raise
    except Exception as exc:
        log.exception("poster export %s failed", export_id)
        error = f"{type(exc).__name__}: {exc}"[:500]
        await _fail(export_id, attempt, error, clock.now())
        return {"status": "failed", "error": error}


async def _progress(export_id: int, attempt: int, value: float) -> bool:
    """Write the progress; False when a newer run owns the export (this run must stop)."""
    rows = (
        await PosterExport.update({PosterExport.progress: value})
        .where((PosterExport.id == export_id) & (PosterExport.attempt == attempt) & (PosterExport.status == "running"))
        .returning(PosterExport.id)
    )
    return bool(rows)


async def _fail(export_id: int, attempt: int, error: str, now: datetime) -> None:
    await PosterExport.update(
        {PosterExport.status: "failed", PosterExport.error: error, PosterExport.finished_at: now}
    ).where((PosterExport.id == export_id) & (PosterExport.attempt == attempt))


# --- reading it back -----------------------------------------------------------------------


def _result(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"status": "gone"}
    return {"status": row["status"], "pages": row["pages"], "error": row["error"]}


async def export_status(export_id: int, user_id: int | None) -> dict[str, Any] | None:
    """The export without its PDF, if `user_id` asked for it (None: any user's)."""
    row = await PosterExport.select(*STATUS_COLUMNS).where(PosterExport.id == export_id).first()
    if row is None or (user_id is not None and row["user_id"] != user_id):
        return None
    return dict(row)


async def latest_export(user_id: int) -> dict[str, Any] | None:
    """The user's newest export (without its PDF), for the staff page."""
    row = (
        await PosterExport.select(*STATUS_COLUMNS)
        .where(PosterExport.user_id == user_id)
        .order_by(PosterExport.id, ascending=False)
        .first()
    )
    return dict(row) if row else None


async def export_pdf(export_id: int, user_id: int) -> bytes | None:
    """The finished PDF, for the user who asked for it; None before it is done and for others."""
    row = (
        await PosterExport.select(PosterExport.pdf)
        .where((PosterExport.id == export_id) & (PosterExport.user_id == user_id) & (PosterExport.status == "done"))
        .first()
    )
    return bytes(row["pdf"]) if row else None
