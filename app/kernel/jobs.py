"""The enqueue interface every layer may use (the backends, arq and in-process, are wiring),
and the lease that lets a job whose worker died run again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from piccolo.columns import Column
from piccolo.table import Table

from app.kernel.clock import Clock
from app.kernel.values import frozen


@runtime_checkable
class JobQueue(Protocol):
    async def enqueue(self, name: str, *, job_id: str, **kwargs: Any) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


# A job that has not said it is alive (its heartbeat) for this long lost its worker: it is
# run again (status `retrying`), from where it had got to. Every job here writes a heartbeat
# with each batch, far more often than this, or under `keep_alive` while one long step runs.
LEASE = timedelta(seconds=20)
# The heartbeat's pace while one long step runs (`keep_alive`), well inside the lease.
BEAT_EVERY = LEASE.total_seconds() / 4
# A queued job not started by then may have lost its enqueue (Redis was down): enqueued again.
QUEUED_GRACE = timedelta(seconds=10)


@frozen
class Rerun:
    """A job to enqueue again: its function's name, a job id, its arguments."""

    name: str
    job_id: str
    kwargs: dict[str, Any] = field(default_factory=dict)


class Resumable(Protocol):
    """A kind of job whose runs are kept in a table: which of them must run again now."""

    async def __call__(self, now: datetime) -> list[Rerun]: ...


async def reclaim_stalled(table: type[Table], now: datetime, *columns: Column) -> list[dict[str, Any]]:
    """The runs kept in `table` (its columns id, attempt, status, heartbeat_at) whose worker
    has given no sign of life for LEASE, each marked `retrying` on the attempt it was read
    at, so that of two watchdogs at once only one claims it. Returns the rows this call
    claimed: id, attempt and `columns`."""
    id_, attempt, status, heartbeat = (
        table._meta.get_column_by_name(name) for name in ("id", "attempt", "status", "heartbeat_at")
    )
    stale = await table.select(id_, attempt, *columns).where(
        status.is_in(["running", "retrying"]) & (heartbeat < now - LEASE)
    )
    claimed = []
    for row in stale:
        marked = await (
            table.update({status: "retrying", heartbeat: now})
            .where((id_ == row["id"]) & (attempt == row["attempt"]))
            .returning(id_)
        )
        if marked:
            claimed.append(row)
    return claimed


async def table_reruns(
    table: type[Table], job: str, job_id: Callable[[int], str], argument: str, now: datetime
) -> list[Rerun]:
    """The runs kept in `table` (its columns id, attempt, status, created_at, heartbeat_at) to
    enqueue again as `job(argument=id)`: queued ones whose start may have been lost, and running
    ones whose worker stopped giving signs of life (`reclaim_stalled`), as a new attempt's job.
    The one watchdog query of every job that runs off such a table (imports, poster exports)."""
    id_, status, created_at = (table._meta.get_column_by_name(name) for name in ("id", "status", "created_at"))
    queued = await table.select(id_).where((status == "queued") & (created_at < now - QUEUED_GRACE))
    again = [Rerun(job, job_id(r["id"]), {argument: r["id"]}) for r in queued]
    again += [
        Rerun(job, f"{job_id(row['id'])}-a{row['attempt'] + 1}", {argument: row["id"]})
        for row in await reclaim_stalled(table, now)
    ]
    return again


@contextlib.asynccontextmanager
async def keep_alive(table: type[Table], run_id: int, attempt: int, clock: Clock) -> AsyncIterator[None]:
    """Write the run's heartbeat every BEAT_EVERY seconds for as long as the block runs. For
    a job whose step can outlast the lease with nothing to write in between (a city's month
    counted, a PDF drawn on a busy machine): without it the watchdog would take the run for
    dead and start it again, and each rerun, as slow, would be taken over in turn."""
    id_, attempt_, status, heartbeat = (
        table._meta.get_column_by_name(name) for name in ("id", "attempt", "status", "heartbeat_at")
    )

    async def beat() -> None:
        while True:
            await asyncio.sleep(BEAT_EVERY)
            await table.update({heartbeat: clock.now()}).where(
                (id_ == run_id) & (attempt_ == attempt) & (status == "running")
            )

    beating = asyncio.create_task(beat())
    try:
        yield
    finally:
        beating.cancel()
        await asyncio.gather(beating, return_exceptions=True)
