"""The enqueue interface and its two backends.

Job ids are deterministic (`deliver_outbox`, `import:42`): enqueueing an id that is already
queued or running is a no-op on both backends, so callers may enqueue freely.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from app.kernel.jobs import JobQueue as JobQueue
from app.kernel.values import frozen

log = logging.getLogger("storycorner.jobs")
# How long a stopping web process lets the jobs it runs in-process finish (the embedded
# default); a job still running then is cancelled, and one kept in a table runs again.
DRAIN_SECONDS = 10

JobFunction = Callable[..., Awaitable[Any]]


@frozen
class CronJob:
    name: str
    every_seconds: int


def json_serializer(data: dict[str, Any]) -> bytes:
    return json.dumps(data, default=str).encode()


def json_deserializer(raw: bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(raw)
    return result


class InProcessQueue:
    """Runs jobs as asyncio tasks in this process, with a cron loop; no Redis needed."""

    def __init__(
        self,
        jobs: dict[str, JobFunction],
        cron: list[CronJob],
        *,
        context: dict[str, Any] | None = None,
        tick_seconds: float = 1.0,
    ) -> None:
        self.jobs = jobs
        self.cron = cron
        self.context = {**(context or {}), "queue": self}  # a job may enqueue jobs (the watchdog)
        self.tick_seconds = tick_seconds
        self._running: dict[str, asyncio.Task[Any]] = {}
        self._cron_task: asyncio.Task[None] | None = None

    async def enqueue(self, name: str, *, job_id: str, **kwargs: Any) -> bool:
        if name not in self.jobs:
            raise KeyError(f"unknown job {name!r}")
        running = self._running.get(job_id)
        if running is not None and not running.done():
            return False
        # Round-trip the arguments through JSON, as arq would: what works here works there.
        kwargs = json_deserializer(json_serializer(kwargs))
        self._running[job_id] = asyncio.create_task(self._run(name, job_id, kwargs))
        return True

    async def _run(self, name: str, job_id: str, kwargs: dict[str, Any]) -> Any:
        try:
            return await self.jobs[name]({**self.context, "job_id": job_id}, **kwargs)
        except Exception:
            log.exception("job %s (%s) failed", name, job_id)
            return None
        finally:
            if self._running.get(job_id) is asyncio.current_task():
                del self._running[job_id]

    async def drain(self) -> None:
        """Wait for every job running now (tests and shutdown)."""
        while self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)

    async def _cron_loop(self) -> None:
        last: dict[str, float] = {}
        while True:
            now = time.monotonic()
            for job in self.cron:
                # Each periodic job runs once at start, then every `every_seconds`.
                previous = last.get(job.name)
                if previous is None or now - previous >= job.every_seconds:
                    last[job.name] = now
                    await self.enqueue(job.name, job_id=f"cron:{job.name}")
            await asyncio.sleep(self.tick_seconds)

    async def start(self) -> None:
        if self.cron and self._cron_task is None:
            self._cron_task = asyncio.create_task(self._cron_loop())

    async def stop(self) -> None:
        if self._cron_task is not None:
            self._cron_task.cancel()
            await asyncio.gather(self._cron_task, return_exceptions=True)
            self._cron_task = None
        try:
            await asyncio.wait_for(self.drain(), timeout=DRAIN_SECONDS)
        except TimeoutError:
            log.warning("jobs still running at shutdown: %s", sorted(self._running))


class PoolQueue:
    """The enqueue interface over a worker's own arq pool (`ctx["redis"]`), for jobs that
    enqueue jobs."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool

    async def enqueue(self, name: str, *, job_id: str, **kwargs: Any) -> bool:
        return await self.pool.enqueue_job(name, _job_id=job_id, **kwargs) is not None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class ArqQueue:
    """Enqueues to Redis for `python -m app worker` (arq) to run.

    Redis being down does not stop the web process from starting: the outbox waits in the
    database, `/readyz` names Redis as down, and each enqueue tries to connect again (once,
    without arq's start-up retries, so a request is not held up) and raises if it cannot.

    `queue_name` defaults to arq's own; a worker must listen on the same name
    (`worker_settings(..., queue_name=...)`).
    """

    def __init__(self, redis_url: str, *, queue_name: str | None = None) -> None:
        self.redis_url = redis_url
        self.queue_name = queue_name
        self.pool: Any = None
        self._connecting = asyncio.Lock()

    async def _connect(self) -> Any:
        from dataclasses import replace

        from arq import create_pool
        from arq.connections import RedisSettings
        from arq.constants import default_queue_name

        async with self._connecting:  # two first enqueues at once must not open two pools
            if self.pool is None:
                self.pool = await create_pool(
                    replace(RedisSettings.from_dsn(self.redis_url), conn_retries=0),
                    job_serializer=json_serializer,
                    job_deserializer=json_deserializer,
                    default_queue_name=self.queue_name or default_queue_name,
                )
            return self.pool

    async def start(self) -> None:
        from redis.exceptions import RedisError

        try:
            await self._connect()
        except (RedisError, OSError) as exc:
            log.warning("Redis is unavailable (%s); jobs will be enqueued once it answers", exc)

    async def enqueue(self, name: str, *, job_id: str, **kwargs: Any) -> bool:
        """False when Redis is down: every job kept in a table (imports, poster exports) is
        enqueued again by the watchdog once Redis answers, and the periodic ones run anyway."""
        from redis.exceptions import RedisError

        try:
            pool = self.pool or await self._connect()
            job = await pool.enqueue_job(name, _job_id=job_id, **kwargs)
        except (RedisError, OSError) as exc:
            log.warning("could not enqueue %s (%s): Redis is unavailable; it will be enqueued later", job_id, exc)
            self.pool = None
            return False
        return job is not None

    async def stop(self) -> None:
        if self.pool is not None:
            await self.pool.aclose()
            self.pool = None
