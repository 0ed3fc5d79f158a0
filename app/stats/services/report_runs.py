"""Making a month's report and keeping it (the job `stats_monthly_report`): hourly for the month
before, once it is over and not kept whole yet, and on demand for any month with progress.

A run claims the month's row (a new `attempt`), counts the month (report.py reads the
rollups for the days they hold and the history for the rest, so it is right whether or not
the rollup job has caught up), draws the workbook and the PDF each in a child process
(report_files.py: the process that asked stays its size), writing its progress after each
step and a heartbeat every few seconds while a step runs, and stores both files in the row
at the end. Runs are at least once: a second run of a done month does nothing; a rerun of
one still running starts again, and the older run stops at its next step. Anything that
raises marks the making failed with the error; it is never left running.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime
from typing import Any

from app.kernel.clock import Clock
from app.kernel.jobs import QUEUED_GRACE, Rerun, keep_alive, reclaim_stalled
from app.kernel.values import frozen
from app.stats.services import archive, report, report_files
from app.stats.tables import StatsReport

log = logging.getLogger("storycorner.stats")

INTERRUPTED = "interrupted"  # the error of a run cancelled midway (shutdown, timeout)
FIGURES_COUNTED = 0.5  # the progress once the month is counted; the files take the rest
STEPS: tuple[tuple[float, str], ...] = ((0.6, "xlsx"), (0.9, "pdf"))  # the progress after each file


@frozen
class RunResult:
    """What a run did: done, failed, superseded (a newer run owns the month), kept (the
    month is kept whole already), under_way (another run is making it), or the status it
    found when there was nothing to do."""

    status: str
    month: str
    pdf_bytes: int | None = None
    xlsx_bytes: int | None = None
    error: str | None = None


async def monthly_due(*, clock: Clock) -> RunResult:
    """The hourly run: the month before today's (local), made unless it is kept whole."""
    first = archive.previous_month(clock)
    month = first.isoformat()[:7]
    found = await archive.month_status(first)
    if found is not None and found.made_at is not None and found.made_at >= archive.complete_after(first):
        return RunResult("kept", month)
    _id, _attempt, status = await archive.ask(first, user_id=None, now=clock.now())
    if status != "queued":
        return RunResult("under_way", month)
    return await run(first, clock=clock)


async def run(first: date, *, clock: Clock) -> RunResult:
    """Make the month's report with progress and keep it. Safe to run twice."""
    month = first.isoformat()[:7]
    claimed = await _claim(first, clock.now())
    if claimed is None:  # done, failed, or never asked for: nothing to do
        found = await archive.month_status(first)
        return RunResult(found.status, month, error=found.error or None) if found else RunResult("gone", month)
    report_id, attempt = claimed
    try:
        async with keep_alive(StatsReport, report_id, attempt, clock):  # a step may outlast the lease
            files = await _make(first, report_id, attempt, clock)
        if files is None or not await _finish(report_id, attempt, files, clock.now()):
            return RunResult("superseded", month)
        return RunResult("done", month, pdf_bytes=len(files[1]), xlsx_bytes=len(files[0]))
    except asyncio.CancelledError:
        # Shutdown or a job timeout: failed, not running forever; a redelivered job may resume it.
        await asyncio.shield(_fail(report_id, attempt, INTERRUPTED))
        raise
    except Exception as exc:
        log.exception("monthly report %s failed", month)
        error = f"{type(exc).__name__}: {exc}"[:500]
        await _fail(report_id, attempt, error)
        return RunResult("failed", month, error=error)


async def _claim(first: date, now: datetime) -> tuple[int, int] | None:
    """Mark the month running for a new attempt: (its id, the attempt), or None when it is
    done, failed for good or was never asked for."""
    claimed = await (
        StatsReport.update(
            {
                StatsReport.status: "running",
                StatsReport.progress: 0.0,
                StatsReport.error: "",
                StatsReport.attempt: StatsReport.attempt + 1,
                StatsReport.heartbeat_at: now,
            }
        )
        .where(
            (StatsReport.month == first)
            & (
                StatsReport.status.is_in(list(archive.UNDER_WAY))
                | ((StatsReport.status == "failed") & (StatsReport.error == INTERRUPTED))
            )
        )
        .returning(StatsReport.id, StatsReport.attempt)
    )
    return (int(claimed[0]["id"]), int(claimed[0]["attempt"])) if claimed else None


async def _make(first: date, report_id: int, attempt: int, clock: Clock) -> tuple[bytes, bytes] | None:
    """The workbook and the PDF, with the progress written after each step; None when a newer
    run took over."""
    found = await report.monthly(first, clock=clock)
    if not await _progress(report_id, attempt, FIGURES_COUNTED, clock.now()):
        return None
    files = []
    for progress, kind in STEPS:
        files.append(await report_files.draw(kind, found))
        # Storing the files is the last step: the bar reaches 1 only when they are kept.
        if not await _progress(report_id, attempt, progress, clock.now()):
            log.info("monthly report %s: a newer run took over; this one stops", found.month)
            return None
    xlsx, pdf = files
    return xlsx, pdf


async def _progress(report_id: int, attempt: int, value: float, now: datetime) -> bool:
    """Write the progress and a heartbeat; False when a newer run owns the month."""
    rows = await (
        StatsReport.update({StatsReport.progress: value, StatsReport.heartbeat_at: now})
        .where((StatsReport.id == report_id) & (StatsReport.attempt == attempt) & (StatsReport.status == "running"))
        .returning(StatsReport.id)
    )
    return bool(rows)


async def _finish(report_id: int, attempt: int, files: tuple[bytes, bytes], now: datetime) -> bool:
    """Keep the files; False when a newer run owns the month."""
    xlsx, pdf = files
    finished = await (
        StatsReport.update(
            {
                StatsReport.status: "done",
                StatsReport.progress: 1.0,
                StatsReport.xlsx: xlsx,
                StatsReport.pdf: pdf,
                StatsReport.xlsx_size: len(xlsx),
                StatsReport.pdf_size: len(pdf),
                StatsReport.made_at: now,
            }
        )
        .where((StatsReport.id == report_id) & (StatsReport.attempt == attempt))
        .returning(StatsReport.id)
    )
    return bool(finished)


async def _fail(report_id: int, attempt: int, error: str) -> None:
    await StatsReport.update({StatsReport.status: "failed", StatsReport.error: error}).where(
        (StatsReport.id == report_id) & (StatsReport.attempt == attempt)
    )


def _rerun(row: dict[str, Any]) -> Rerun:
    return Rerun(archive.JOB, archive.queue_id(row["id"], row["attempt"]), {"month": row["month"].isoformat()[:7]})


async def reruns(now: datetime) -> list[Rerun]:
    """Makings to run again (app/jobs/watchdog.py): queued ones whose start may have been lost,
    and running ones whose worker stopped giving signs of life (marked `retrying`)."""
    columns = (StatsReport.id, StatsReport.attempt, StatsReport.month)
    again = [
        _rerun(row)
        for row in await StatsReport.select(*columns).where(
            (StatsReport.status == "queued") & (StatsReport.asked_at < now - QUEUED_GRACE)
        )
    ]
    again += [_rerun(row) for row in await reclaim_stalled(StatsReport, now, StatsReport.month)]
    return again
