"""Web processes ask PostgreSQL for serial plans priced for rows in memory (app/database.py):
a parallel plan only adds worker launches to a request's small statements, and an index
probe costs about a sequential read (else the statistics' live check-ins read the slots and
bookings whole at city scale); jobs keep the defaults for their long scans."""

from __future__ import annotations

from typing import Any

from app import database
from app.kernel.db import engine
from spaces.tables import Space
from tests.helpers import lifespan, postgres_only


async def _setting(name: str = "max_parallel_workers_per_gather") -> str:
    """The setting on a pooled connection (the pool the running code created)."""
    assert getattr(engine(), "pool", None) is not None
    rows = await Space.raw(f"SHOW {name}")
    return str(rows[0][name])


@postgres_only
async def test_the_web_app_plans_serially_and_the_jobs_in_parallel(settings: Any, clock: Any, queue: Any) -> None:
    from app.web.app import create_app

    await database.stop()  # the tests' shared pool: the app makes its own, as in production
    try:
        async with lifespan(create_app(settings, clock=clock, queue=queue)):
            assert await _setting() == "0"
            assert await _setting("random_page_cost") == "1.1"
        assert await database.start(settings)  # as the worker and the CLI start it
        assert await _setting() != "0"
        assert await _setting("random_page_cost") == "4"
    finally:
        await database.stop()
        await database.start(settings)
