"""The monthly reports kept (`stats_report`): asking for a month's to be made (the job
`stats_monthly_report`, report_runs.py), the list of those made, a making's status and a kept
file. One row per month: asking again for a month made before makes it again (its old files
stay until the new ones are made); asking for one under way joins it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from app.kernel.clock import Clock, local_today
from app.kernel.i18n import N_
from app.kernel.jobs import JobQueue
from app.kernel.values import frozen
from app.stats.errors import BadFilter
from app.stats.schemas import StoredReport, StoredReports
from app.stats.services.scope import local_start, next_month
from app.stats.tables import StatsReport

JOB = "stats_monthly_report"  # the job's name in app.jobs.registry
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
UNDER_WAY = ("queued", "running", "retrying")

STATUS_COLUMNS = (
    StatsReport.id,
    StatsReport.month,
    StatsReport.status,
    StatsReport.progress,
    StatsReport.error,
    StatsReport.asked_at,
    StatsReport.made_at,
)


@frozen
class ReportStatus:
    """A month's report without its files: queued, running (progress 0–1), done or failed."""

    id: int
    month: date
    status: str
    progress: float
    error: str
    asked_at: datetime
    made_at: datetime | None

    @property
    def label(self) -> str:
        return self.month.isoformat()[:7]


@frozen
class Shelf:
    """What the dashboard shows district admins: the reports kept, the latest making if it
    is not done (its progress bar), and the form's default and latest month."""

    reports: list[StoredReport]
    making: ReportStatus | None
    default_month: str
    latest_month: str


def job_id(report_id: int) -> str:
    """The id `GET /api/v1/jobs/{job_id}` knows (the queue's ids add the run: `queue_id`)."""
    return f"report-{report_id}"


def queue_id(report_id: int, attempt: int) -> str:
    """The queue's id of the run after `attempt`: a month made again is a new job."""
    return f"{job_id(report_id)}-a{attempt + 1}"


def complete_after(first: date) -> datetime:
    """A report made from then on holds its whole month (the month's end, local)."""
    return local_start(next_month(first))


def previous_month(clock: Clock) -> date:
    return (local_today(clock).replace(day=1) - timedelta(days=1)).replace(day=1)


def parse_month(raw: str, *, clock: Clock) -> date:
    """`2026-11` → its first day; a bad month or one not begun yet is refused naming `month`."""
    found = MONTH.match(raw.strip())
    try:
        first = date(int(found.group(1)), int(found.group(2)), 1) if found else None
    except ValueError:
        first = None
    if first is None:
        raise BadFilter(N_("月份格式应为 YYYY-MM，例如 2026-11"), field="month", message="expected YYYY-MM")
    if first > local_today(clock).replace(day=1):
        raise BadFilter(N_("这个月还没有开始，不能生成月报"), field="month", message="a month not begun yet")
    return first


async def ask(first: date, *, user_id: int | None, now: datetime) -> tuple[int, int, str]:
    """Mark the month's report to be made: (its id, its runs so far, its status). Queued unless
    a making is under way already (running: it goes on)."""
    await StatsReport.insert(StatsReport(month=first, made_by=user_id, asked_at=now)).on_conflict(
        target=StatsReport.month, action="DO NOTHING"
    )
    columns = (StatsReport.id, StatsReport.attempt, StatsReport.status)
    again = await (
        StatsReport.update(
            {
                StatsReport.status: "queued",
                StatsReport.progress: 0.0,
                StatsReport.error: "",
                StatsReport.made_by: user_id,
                StatsReport.asked_at: now,
            }
        )
        .where((StatsReport.month == first) & StatsReport.status.is_in(["done", "failed"]))
        .returning(*columns)
    )
    row = again[0] if again else await StatsReport.select(*columns).where(StatsReport.month == first).first()
    if row is None:  # inserted just above, and no row is ever deleted
        raise LookupError(f"no report row for {first}")
    return int(row["id"]), int(row["attempt"]), str(row["status"])


async def start(raw: str, *, user_id: int, clock: Clock, queue: JobQueue) -> tuple[str, str]:
    """Ask for a month's report (`YYYY-MM`) on demand: (the job id, the month)."""
    first = parse_month(raw, clock=clock)
    report_id, attempt, status = await ask(first, user_id=user_id, now=clock.now())
    month = first.isoformat()[:7]
    if status == "queued":
        await queue.enqueue(JOB, job_id=queue_id(report_id, attempt), month=month)
    return job_id(report_id), month


def _status(row: dict[str, Any]) -> ReportStatus:
    return ReportStatus(**{c._meta.name: row[c._meta.name] for c in STATUS_COLUMNS})


async def report_status(report_id: int) -> ReportStatus | None:
    row = await StatsReport.select(*STATUS_COLUMNS).where(StatsReport.id == report_id).first()
    return _status(row) if row else None


async def month_status(first: date) -> ReportStatus | None:
    row = await StatsReport.select(*STATUS_COLUMNS).where(StatsReport.month == first).first()
    return _status(row) if row else None


async def stored(*, base: str = "/api/v1/stats/reports") -> StoredReports:
    """Every report kept, newest month first, with the URLs of its files under `base`."""
    rows = await (
        StatsReport.select(StatsReport.month, StatsReport.made_at, StatsReport.pdf_size, StatsReport.xlsx_size)
        .where(StatsReport.made_at.is_not_null())
        .order_by(StatsReport.month, ascending=False)
    )
    items = []
    for row in rows:
        month = row["month"].isoformat()[:7]
        items.append(
            StoredReport(
                month=month,
                made_at=row["made_at"],
                complete=row["made_at"] >= complete_after(row["month"]),
                pdf_size=row["pdf_size"],
                xlsx_size=row["xlsx_size"],
                pdf_url=f"{base}/{month}.pdf",
                xlsx_url=f"{base}/{month}.xlsx",
            )
        )
    return StoredReports(items=items)


async def stored_file(first: date, kind: str) -> bytes | None:
    """A kept file of the month (`pdf` or `xlsx`), or None when none was made."""
    column = StatsReport.pdf if kind == "pdf" else StatsReport.xlsx
    row = (
        await StatsReport.select(column).where((StatsReport.month == first) & StatsReport.made_at.is_not_null()).first()
    )
    return None if row is None else bytes(row[kind])


async def shelf(*, clock: Clock) -> Shelf:
    """The dashboard's section for district admins."""
    latest = await StatsReport.select(*STATUS_COLUMNS).order_by(StatsReport.asked_at, ascending=False).first()
    making = _status(latest) if latest and latest["status"] != "done" else None
    return Shelf(
        reports=(await stored(base="/staff/stats/reports")).items,
        making=making,
        default_month=previous_month(clock).isoformat()[:7],
        latest_month=local_today(clock).isoformat()[:7],
    )
