"""The enqueue interface every layer may use (the backends, arq and in-process, are wiring),
and the lease that lets a job whose worker died run again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from piccolo.columns import Column
from piccolo.table import Table


@runtime_checkable
class JobQueue(Protocol):
    async def enqueue(self, name: str, *, job_id: str, **kwargs: Any) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


# A job that has not said it is alive (its heartbeat) for this long lost its worker: it is
# run again (status `retrying`), from where it had got to. Every job here writes a heartbeat
# with each batch, far more often than this.
LEASE = timedelta(seconds=20)
# A queued job not started by then may have lost its enqueue (Redis was down): enqueued again.
QUEUED_GRACE = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
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
