"""The monthly report's job: hourly it makes and keeps the month before once that month is over
(not before, not twice), a report made before its month ended is made again once it is over,
a run whose worker died is run again by the watchdog, and a failure is said, never left
running."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import openpyxl
import pytest

from app.jobs.queue import InProcessQueue
from app.jobs.registry import CRON, JOBS
from app.kernel import jobs
from app.kernel.jobs import LEASE, QUEUED_GRACE
from app.stats.services import archive, report, report_files, report_runs
from app.stats.tables import StatsReport
from tests.helpers import FrozenClock, create_staff
from tests.stats.history import seed_november
from tests.stats.test_report import pdf_text

NOVEMBER = date(2026, 11, 1)
# Beijing (UTC+8): the last evening of November, and the first half hour of December.
NOV_30_EVENING = datetime(2026, 11, 30, 15, tzinfo=UTC)
DEC_1_EARLY = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)


async def hourly(clock: FrozenClock) -> dict[str, Any]:
    result: dict[str, Any] = await JOBS["stats_monthly_report"]({"clock": clock})
    return result


async def kept(first: date) -> dict[str, Any]:
    row = await StatsReport.select().where(StatsReport.month == first).first()
    assert row is not None, first
    return row


async def test_hourly_makes_the_month_before_once_it_is_over() -> None:
    assert "stats_monthly_report" in {c.name for c in CRON}
    await seed_november()
    clock = FrozenClock(NOV_30_EVENING)
    # On the 30th the month before is October: November is not made before it is over.
    assert await hourly(clock) == {"status": "done", "month": "2026-10", **await sizes(date(2026, 10, 1))}
    assert [r["month"] for r in await StatsReport.select(StatsReport.month)] == [date(2026, 10, 1)]

    clock.set(DEC_1_EARLY)
    result = await hourly(clock)
    assert result["status"] == "done" and result["month"] == "2026-11", result
    row = await kept(NOVEMBER)
    assert row["status"] == "done" and row["progress"] == 1.0 and row["made_by"] is None
    assert row["made_at"] == DEC_1_EARLY and row["pdf_size"] == len(row["pdf"]) == result["pdf_bytes"]
    book = openpyxl.load_workbook(io.BytesIO(bytes(row["xlsx"])))
    assert dict(book["全区"].iter_rows(values_only=True))["签到人次"] == 5
    text = pdf_text(bytes(row["pdf"]))
    assert "家庭亲子阅读项目月报 2026年11月" in text and "13（6 / 7）" in text and "4 / 2 / 1" in text

    # At least once: the next hours find it kept, and neither make it again nor add a row.
    clock.advance(hours=1)
    assert await hourly(clock) == {"status": "kept", "month": "2026-11"}
    assert await StatsReport.count().where(StatsReport.month == NOVEMBER) == 1
    assert (await kept(NOVEMBER))["made_at"] == DEC_1_EARLY


async def sizes(first: date) -> dict[str, int]:
    row = await kept(first)
    return {"pdf_bytes": row["pdf_size"], "xlsx_bytes": row["xlsx_size"]}


async def test_a_report_made_midmonth_is_made_again_once_the_month_is_over() -> None:
    await seed_november()
    admin = await create_staff("report_job_admin")
    clock = FrozenClock(datetime(2026, 11, 20, 2, tzinfo=UTC))
    queue = InProcessQueue(JOBS, [], context={"clock": clock})
    job_id, month = await archive.start("2026-11", user_id=admin, clock=clock, queue=queue)
    await queue.drain()
    assert month == "2026-11" and (await archive.report_status(int(job_id.removeprefix("report-")))).status == "done"
    [listed] = (await archive.stored()).items
    assert listed.month == "2026-11" and not listed.complete
    assert (await kept(NOVEMBER))["made_by"] == admin

    clock.set(DEC_1_EARLY)
    assert (await hourly(clock))["status"] == "done"
    [listed] = (await archive.stored()).items
    assert listed.complete and listed.made_at == DEC_1_EARLY
    assert (await kept(NOVEMBER))["made_by"] is None


async def test_the_watchdog_runs_again_a_making_whose_worker_died() -> None:
    await seed_november()
    clock = FrozenClock(datetime(2026, 12, 5, 2, tzinfo=UTC))
    report_id, attempt, status = await archive.ask(NOVEMBER, user_id=None, now=clock.now())
    assert (attempt, status) == (0, "queued")
    # A queued making whose enqueue was lost is enqueued again after the grace.
    assert await report_runs.reruns(clock.now()) == []
    [again] = await report_runs.reruns(clock.now() + QUEUED_GRACE + timedelta(seconds=1))
    assert (again.name, again.job_id, again.kwargs) == (
        "stats_monthly_report",
        f"report-{report_id}-a1",
        {"month": "2026-11"},
    )

    # A worker claims it and dies: after the lease it is marked retrying and run again.
    assert await report_runs._claim(NOVEMBER, clock.now()) == (report_id, 1)
    later = clock.now() + LEASE + timedelta(seconds=1)
    [again] = await report_runs.reruns(later)
    assert again.job_id == f"report-{report_id}-a2" and (await kept(NOVEMBER))["status"] == "retrying"
    clock.set(later)
    result = await JOBS[again.name]({"clock": clock}, **again.kwargs)
    assert result["status"] == "done"
    assert (await kept(NOVEMBER))["attempt"] == 2
    # Run again (at least once): nothing to do.
    assert (await JOBS[again.name]({"clock": clock}, **again.kwargs)) == {"status": "done", "month": "2026-11"}


async def test_a_long_step_keeps_its_heartbeat_so_the_watchdog_leaves_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A step longer than the lease (a city's month counted, a PDF drawn on a busy machine) is
    not taken for a dead worker: the run beats while it works, and the watchdog leaves it."""
    await seed_november()
    clock = FrozenClock(datetime(2026, 12, 5, 2, tzinfo=UTC))
    release, drawing = asyncio.Event(), asyncio.Event()
    draw = report_files.draw

    async def slow_pdf(kind: str, found: report.MonthlyReport) -> bytes:
        if kind != "pdf":
            return await draw(kind, found)
        drawing.set()
        await asyncio.wait_for(release.wait(), timeout=30)
        return b"%PDF-slow"

    monkeypatch.setattr(jobs, "BEAT_EVERY", 0.01, raising=False)
    monkeypatch.setattr(report_files, "draw", slow_pdf)
    report_id, _attempt, _status = await archive.ask(NOVEMBER, user_id=None, now=clock.now())
    making = asyncio.create_task(report_runs.run(NOVEMBER, clock=clock))
    try:
        await asyncio.wait_for(drawing.wait(), timeout=30)
        clock.advance(seconds=LEASE.total_seconds() * 3)  # three leases spent on the one step
        beat_at = clock.now()
        for _ in range(500):
            if (await kept(NOVEMBER))["heartbeat_at"] == beat_at:
                break
            await asyncio.sleep(0.01)
        assert (await kept(NOVEMBER))["heartbeat_at"] == beat_at
        assert await report_runs.reruns(clock.now() + timedelta(seconds=1)) == []
        assert (await kept(NOVEMBER))["status"] == "running"
    finally:
        release.set()
        result = await making
    assert result.status == "done" and result.pdf_bytes == len(b"%PDF-slow")
    row = await kept(NOVEMBER)
    assert (row["id"], row["attempt"], bytes(row["pdf"])) == (report_id, 1, b"%PDF-slow")


async def test_a_failure_is_said_and_asking_again_makes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    await seed_november()
    clock = FrozenClock(datetime(2026, 12, 5, 2, tzinfo=UTC))

    async def broken(first: date, *, clock: Any) -> report.MonthlyReport:
        raise RuntimeError("the figures could not be read")

    monkeypatch.setattr(report, "monthly", broken)
    result = await hourly(clock)
    assert result == {"status": "failed", "month": "2026-11", "error": "RuntimeError: the figures could not be read"}
    row = await kept(NOVEMBER)
    assert row["status"] == "failed" and row["made_at"] is None and (await archive.stored()).items == []

    monkeypatch.undo()
    assert (await hourly(clock))["status"] == "done"
    assert [r.month for r in (await archive.stored()).items] == ["2026-11"]
