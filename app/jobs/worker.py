"""The arq worker (`python -m app worker`): the registry's functions and cron jobs."""

from __future__ import annotations

from typing import Any

from arq import cron, func
from arq.connections import RedisSettings

from app import database, runtime
from app.jobs.queue import json_deserializer, json_serializer
from app.jobs.registry import CRON, JOBS
from app.settings import Settings


def _seconds(every: int) -> dict[str, Any]:
    """arq cron takes wall-clock fields; turn "every N seconds" into them."""
    if every < 60:
        return {"second": set(range(0, 60, every))}
    if every < 3600:
        return {"minute": set(range(0, 60, every // 60)), "second": 0}
    return {"minute": 0, "second": 0}


def worker_settings(settings: Settings, *, burst: bool = False, queue_name: str | None = None) -> dict[str, Any]:
    """arq `Worker` keyword arguments; `queue_name` must match the `ArqQueue` that enqueues."""
    assert settings.redis_url, "the arq worker needs REDIS_URL"

    async def startup(ctx: dict[str, Any]) -> None:
        runtime.configure(settings)
        ctx["owns_pool"] = await database.start(settings)

    async def shutdown(ctx: dict[str, Any]) -> None:
        if ctx.get("owns_pool"):  # a worker embedded in a process that has a pool leaves it open
            await database.stop()

    return {
        # keep_result=0: a deterministic job id can be enqueued again once it has finished.
        "functions": [func(f, name=name, keep_result=0) for name, f in JOBS.items()],  # type: ignore[arg-type]
        "cron_jobs": [cron(JOBS[c.name], name=f"cron:{c.name}", **_seconds(c.every_seconds)) for c in CRON],  # type: ignore[arg-type]
        "redis_settings": RedisSettings.from_dsn(settings.redis_url),
        "job_serializer": json_serializer,
        "job_deserializer": json_deserializer,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "burst": burst,
        "max_jobs": 20,
        "handle_signals": not burst,
        **({"queue_name": queue_name} if queue_name else {}),
    }
