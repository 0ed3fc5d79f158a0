"""Job functions of the spaces domain (registered by app.jobs.registry); all idempotent."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.kernel.clock import system_clock
from spaces.services import noshows, open_reading, poster_exports


async def generate_open_slots(ctx: dict[str, Any], days: int = 14) -> int:
    return await open_reading.generate_open_slots(clock=ctx.get("clock", system_clock), days=days)


async def booking_housekeeping(ctx: dict[str, Any]) -> dict[str, int]:
    """Release no-shows, expire offers, close waitlists of started slots, send reminders."""
    clock = ctx.get("clock", system_clock)
    return {
        "no_shows": await noshows.release_no_shows(clock=clock),
        "offers_expired": await noshows.expire_offers(clock=clock),
        "waitlists_closed": await noshows.close_waitlists(clock=clock),
        "reminders": await noshows.send_reminders(clock=clock),
    }


async def export_posters(ctx: dict[str, Any], export_id: int) -> dict[str, Any]:
    """Draw an export's corner posters into one PDF, with progress (a rerun restarts it)."""
    result = await poster_exports.run_export(export_id, clock=ctx.get("clock", system_clock))
    return {key: value for key, value in asdict(result).items() if value is not None}
