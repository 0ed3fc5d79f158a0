"""Job functions of the statistics (registered by app.jobs.registry); idempotent."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.kernel.clock import system_clock
from app.stats.services import alerts, rollup


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
