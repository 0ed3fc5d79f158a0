"""Job functions of the reading domain (registered by app.jobs.registry); all idempotent."""

from __future__ import annotations

from typing import Any

from app.kernel.clock import system_clock
from reading.lending.services import holds, imports, reminders


async def import_books(ctx: dict[str, Any], import_id: int) -> dict[str, Any]:
    return await imports.run_import(import_id, now=ctx.get("clock", system_clock).now())


async def lending_housekeeping(ctx: dict[str, Any]) -> dict[str, int]:
    """Due and overdue reminders, expired holds: each once (unique per loan and kind)."""
    clock = ctx.get("clock", system_clock)
    return {
        "reminders": await reminders.send_loan_reminders(clock=clock),
        "holds_expired": await holds.expire_holds(clock=clock),
    }
