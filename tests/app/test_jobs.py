"""Jobs: the same job function through arq (real Redis, a real burst worker) and in-process.

Each arq test uses its own queue name and job ids and deletes the keys it made, so runs in
parallel on one Redis database do not see each other; Redis is never flushed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq.constants import (
    health_check_key_suffix,
    in_progress_key_prefix,
    job_key_prefix,
    result_key_prefix,
    retry_key_prefix,
)
from arq.worker import Worker
from piccolo.engine.postgres import PostgresEngine
from redis.asyncio import Redis

from app.jobs.queue import ArqQueue, CronJob, InProcessQueue
from app.jobs.registry import JOBS
from app.jobs.worker import worker_settings
from app.kernel import outbox
from app.kernel.db import engine, write_transaction
from app.kernel.tables import Notification, OutboxMessage
from tests.helpers import FrozenClock, free_port

# arq 0.28 closes its redis pool with redis-py's deprecated `close()`.
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")

RECIPIENT = 4242


async def add_messages(clock: FrozenClock, count: int = 3) -> list[int]:
    async with write_transaction():
        return [
            await outbox.add(
                recipient_id=RECIPIENT, kind="test", title=f"消息 {i}", body="正文", link="/family", now=clock.now()
            )
            for i in range(count)
        ]


async def inbox_outbox_ids() -> list[int]:
    rows = await Notification.select(Notification.outbox_id).where(Notification.user_id == RECIPIENT)
    return sorted(r["outbox_id"] for r in rows)


class ArqRun:
    """A unique queue name and job-id tag for one test, and the keys to delete afterwards."""

    def __init__(self, redis_url: str) -> None:
        tag = uuid.uuid4().hex[:12]
        self.redis_url = redis_url
        self.queue_name = f"storycorner-test:{tag}:queue"
        self.job_id = f"deliver_outbox:test-{tag}"
        self.queue = ArqQueue(redis_url, queue_name=self.queue_name)
        self.redis: Redis = Redis.from_url(redis_url)

    async def cleanup(self) -> None:
        await self.queue.stop()
        keys = [self.queue_name, self.queue_name + health_check_key_suffix]
        keys += [
            prefix + self.job_id
            for prefix in (job_key_prefix, in_progress_key_prefix, result_key_prefix, retry_key_prefix)
        ]
        await self.redis.delete(*keys)
        await self.redis.aclose()


@pytest.fixture
async def arq_run(redis_url: str) -> AsyncIterator[ArqRun]:
    run = ArqRun(redis_url)
    try:
        yield run
    finally:
        await run.cleanup()


async def run_burst_worker(settings: Any, run: ArqRun) -> Worker:
    """The production worker settings, in burst mode, on this test's queue."""
    config = worker_settings(
        dataclasses.replace(settings, redis_url=run.redis_url), burst=True, queue_name=run.queue_name
    )
    # Only the queued job is under test here: a cron job enqueued by the worker would use a
    # time-based id outside this test's keys.
    config["cron_jobs"] = []
    worker = Worker(**config)
    try:
        await asyncio.wait_for(worker.main(), timeout=30)
    finally:
        await worker.close()
    # The worker's start-up and shut-down leave this process's database pool as they found it.
    db = engine()
    if isinstance(db, PostgresEngine):
        assert db.pool is not None, "the worker closed a database pool it did not open"
    return worker


async def test_burst_worker_delivers_the_outbox(settings: Any, clock: FrozenClock, arq_run: ArqRun) -> None:
    ids = await add_messages(clock)
    assert await arq_run.queue.enqueue("deliver_outbox", job_id=arq_run.job_id) is True

    worker = await run_burst_worker(settings, arq_run)

    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    assert await inbox_outbox_ids() == ids
    assert not await OutboxMessage.exists().where(OutboxMessage.delivered_at.is_null())
    assert await arq_run.redis.zcard(arq_run.queue_name) == 0
    # keep_result=0: a finished deterministic id can be enqueued again.
    assert await arq_run.queue.enqueue("deliver_outbox", job_id=arq_run.job_id) is True


async def test_same_job_id_twice_while_queued_is_one_job(settings: Any, clock: FrozenClock, arq_run: ArqRun) -> None:
    await add_messages(clock, count=2)
    assert await arq_run.queue.enqueue("deliver_outbox", job_id=arq_run.job_id) is True
    assert await arq_run.queue.enqueue("deliver_outbox", job_id=arq_run.job_id) is False
    assert await arq_run.redis.zrange(arq_run.queue_name, 0, -1) == [arq_run.job_id.encode()]

    worker = await run_burst_worker(settings, arq_run)

    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    assert len(await inbox_outbox_ids()) == 2


async def test_job_payload_in_redis_is_json(arq_run: ArqRun) -> None:
    assert await arq_run.queue.enqueue("deliver_outbox", job_id=arq_run.job_id, note="你好") is True
    raw = await arq_run.redis.get(job_key_prefix + arq_run.job_id)
    assert raw is not None
    assert not raw.startswith(b"\x80"), "pickle protocol marker: the job was pickled"
    payload = json.loads(raw)
    assert payload["f"] == "deliver_outbox"
    assert payload["k"] == {"note": "你好"}


async def test_arq_queue_with_redis_down_starts_and_enqueue_fails_fast() -> None:
    """Redis down: the web process still starts, and an enqueue answers False at once (no
    request fails for it: the watchdog enqueues kept jobs again, the periodic ones run anyway)
    instead of waiting through arq's start-up retries."""
    down = ArqQueue(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    await down.start()
    try:
        async with asyncio.timeout(3):
            assert await down.enqueue("deliver_outbox", job_id="deliver_outbox") is False
    finally:
        await down.stop()


async def test_in_process_queue_delivers_on_enqueue(clock: FrozenClock, queue: InProcessQueue) -> None:
    ids = await add_messages(clock)
    assert await queue.enqueue("deliver_outbox", job_id="deliver_outbox") is True
    await queue.drain()
    assert await inbox_outbox_ids() == ids


async def test_in_process_enqueue_of_a_running_id_is_a_noop(clock: FrozenClock, queue: InProcessQueue) -> None:
    ids = await add_messages(clock)
    assert await queue.enqueue("deliver_outbox", job_id="deliver_outbox") is True
    # The first run has started (a task) and not finished: the same id again does nothing.
    assert await queue.enqueue("deliver_outbox", job_id="deliver_outbox") is False
    await queue.drain()
    assert await inbox_outbox_ids() == ids
    # Finished: the id may run again (and finds nothing left to deliver).
    assert await queue.enqueue("deliver_outbox", job_id="deliver_outbox") is True
    await queue.drain()
    assert await inbox_outbox_ids() == ids


async def test_in_process_cron_loop_delivers_without_enqueue(clock: FrozenClock) -> None:
    cron_queue = InProcessQueue(JOBS, [CronJob("deliver_outbox", every_seconds=1)], tick_seconds=0.05)
    await cron_queue.start()
    try:
        first = await add_messages(clock, count=2)
        async with asyncio.timeout(10):
            while len(await inbox_outbox_ids()) < 2:
                await asyncio.sleep(0.05)
        # A message written later is picked up by a later tick.
        second = await add_messages(clock, count=1)
        async with asyncio.timeout(10):
            while len(await inbox_outbox_ids()) < 3:
                await asyncio.sleep(0.05)
    finally:
        await cron_queue.stop()
    assert await inbox_outbox_ids() == first + second


async def test_the_worker_configures_what_jobs_need_like_a_web_process(settings: Any) -> None:
    """A job may issue QR tokens or read the local zone: the worker sets them up at start."""
    from qr.services import tokens as qr_tokens
    from qr.tokens import Purpose, decode, encode

    previous = qr_tokens._keyring
    qr_tokens._keyring = None
    try:
        with pytest.raises(RuntimeError):
            qr_tokens.keyring()
        config = worker_settings(dataclasses.replace(settings, redis_url="redis://127.0.0.1:6379/0"), burst=True)
        ctx: dict[str, Any] = {}
        await config["on_startup"](ctx)
        try:
            keyring = qr_tokens.keyring()
            claims = decode(keyring, encode(keyring, Purpose.corner, 7, 1))
            assert (claims.purpose, claims.subject, claims.version) == (Purpose.corner, 7, 1)
        finally:
            await config["on_shutdown"](ctx)
    finally:
        qr_tokens._keyring = previous
