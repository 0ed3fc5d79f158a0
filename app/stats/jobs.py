"""Job functions of the statistics (registered by app.jobs.registry); idempotent."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.kernel.clock import system_clock
from app.stats.services import alerts


async def quiet_site_alerts(ctx: dict[str, Any]) -> dict[str, int]:
    """Tell the district admins of sites newly quiet (once per episode); runs hourly."""
    return asdict(await alerts.alert_quiet_sites(clock=ctx.get("clock", system_clock)))
