"""Every job function by name, and the periodic ones. Domain `jobs.py` modules register here."""

from __future__ import annotations

from app import retention
from app.jobs import watchdog
from app.jobs.queue import ArqQueue, CronJob, InProcessQueue, JobFunction, JobQueue
from app.notify.delivery import deliver_outbox_job
from app.settings import Settings
from app.stats import jobs as stats_jobs
from reading.lending import jobs as lending_jobs
from spaces import jobs as spaces_jobs

JOBS: dict[str, JobFunction] = {
    "deliver_outbox": deliver_outbox_job,
    "purge_expired": retention.retention_job,
    "generate_open_slots": spaces_jobs.generate_open_slots,
    "booking_housekeeping": spaces_jobs.booking_housekeeping,
    "export_posters": spaces_jobs.export_posters,
    "import_books": lending_jobs.import_books,
    "lending_housekeeping": lending_jobs.lending_housekeeping,
    "watchdog": watchdog.watchdog_job,
    "quiet_site_alerts": stats_jobs.quiet_site_alerts,
    "stats_rollup": stats_jobs.stats_rollup,
    "stats_monthly_report": stats_jobs.stats_monthly_report,
}

CRON: list[CronJob] = [
    # The outbox is drained right after each change too; this catches anything missed
    # (Redis down, a crash between commit and enqueue) and sends SMS and WeChat retries.
    CronJob("deliver_outbox", every_seconds=30),
    CronJob("purge_expired", every_seconds=3600),
    CronJob("generate_open_slots", every_seconds=3600),
    # No-show release, offer expiry, reminders: each run catches up on everything due.
    CronJob("booking_housekeeping", every_seconds=60),
    CronJob("lending_housekeeping", every_seconds=900),
    # Jobs whose worker died, or whose enqueue was lost, run again (app/jobs/watchdog.py).
    CronJob("watchdog", every_seconds=5),
    # Quiet sites: checked hourly, told to the district admins once per episode.
    CronJob("quiet_site_alerts", every_seconds=3600),
    # The statistics' rollups: yesterday's figures, and the month before counted again.
    CronJob("stats_rollup", every_seconds=3600),
    # The monthly report upward: last month's, made and kept once the month is over.
    CronJob("stats_monthly_report", every_seconds=3600),
]


def build_queue(settings: Settings) -> JobQueue:
    if settings.redis_url:
        return ArqQueue(settings.redis_url)
    return InProcessQueue(JOBS, CRON)
