"""The job watchdog (every 5 seconds, and once when a process starts): jobs kept in a table
that must run again are enqueued again — a queued one whose enqueue was lost (Redis down), a
running one whose worker died (no heartbeat for app.kernel.jobs.LEASE; it shows `retrying`
and resumes). On the embedded default it runs at start, so a job interrupted by a restart
resumes then."""

from __future__ import annotations

import logging
from typing import Any

from app.kernel.clock import system_clock
from app.kernel.jobs import JobQueue, Resumable
from app.stats.services import report_runs
from reading.lending.services import imports
from spaces.services import poster_exports

log = logging.getLogger("storycorner.jobs")

RESUMABLE: tuple[Resumable, ...] = (imports.reruns, poster_exports.reruns, report_runs.reruns)


async def watchdog_job(ctx: dict[str, Any]) -> int:
    queue: JobQueue = ctx["queue"]
    now = ctx.get("clock", system_clock).now()
    enqueued = 0
    for reruns in RESUMABLE:
        for rerun in await reruns(now):
            log.info("enqueueing %s again (%s)", rerun.job_id, rerun.name)
            if await queue.enqueue(rerun.name, job_id=rerun.job_id, **rerun.kwargs):
                enqueued += 1
    return enqueued
