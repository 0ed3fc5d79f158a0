"""The arq worker (`python -m app worker`): the registry's functions and cron jobs."""

from __future__ import annotations

import logging
import time
from typing import Any

from arq import cron, func
from arq.connections import RedisSettings
from arq.worker import run_worker
from redis.exceptions import RedisError

from app import database, runtime
from app.jobs.queue import PoolQueue, json_deserializer, json_serializer
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
        if "redis" in ctx:  # arq's own pool: jobs that enqueue jobs (the watchdog) use it
            ctx["queue"] = PoolQueue(ctx["redis"])

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


log = logging.getLogger("storycorner.worker")
BACKOFF_FIRST, BACKOFF_MOST = 1.0, 30.0


def run_until_stopped(settings: Settings, *, burst: bool = False, sleep: Any = time.sleep) -> int:
    """The worker, started again whenever Redis drops it (arq's `run_worker` returns or raises
    on a lost connection): with backoff from 1 s to 30 s, never giving up, so jobs run again as
    soon as Redis is back. A stop signal ends it (arq handles SIGTERM and SIGINT)."""
    wait = BACKOFF_FIRST
    while True:
        try:
            run_worker(worker_settings(settings, burst=burst))  # type: ignore[arg-type]
        except (RedisError, OSError) as exc:
            log.warning("lost Redis (%s); trying again in %.0f s", exc, wait)
            sleep(wait)
            wait = min(wait * 2, BACKOFF_MOST)
            continue
        return 0
