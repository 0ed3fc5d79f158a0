"""Job functions of the statistics (registered by app.jobs.registry); idempotent."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from app.kernel.clock import system_clock
from app.stats.services import alerts, report_runs, rollup


async def quiet_site_alerts(ctx: dict[str, Any]) -> dict[str, int]:
    """Tell the district admins of sites newly quiet (once per episode); runs hourly."""
    return asdict(await alerts.alert_quiet_sites(clock=ctx.get("clock", system_clock)))


async def stats_rollup(ctx: dict[str, Any]) -> dict[str, Any]:
    """Bring the daily rollups up to yesterday; runs hourly (idempotent, at least once is fine)."""
    run = await rollup.catch_up(clock=ctx.get("clock", system_clock))
    return {
        "first": run.first.isoformat() if run.first else None,
        "through": run.through.isoformat(),
        "months": run.months,
    }


async def stats_monthly_report(ctx: dict[str, Any], month: str | None = None) -> dict[str, Any]:
    """The monthly report upward, kept as PDF and Excel. Hourly (no `month`): the month before
    today's, once it is over and not kept whole yet. On demand (`month`, YYYY-MM, asked for
    through the API or the dashboard): that month's, with progress."""
    clock = ctx.get("clock", system_clock)
    if month is None:
        result = await report_runs.monthly_due(clock=clock)
    else:
        result = await report_runs.run(date.fromisoformat(f"{month}-01"), clock=clock)
    return {key: value for key, value in asdict(result).items() if value is not None}
