"""The arq worker survives a Redis restart (issue 14): `python -m app worker` keeps running
while its Redis is down and delivers work queued after Redis is back."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.accounts.tables import User
from app.jobs.queue import ArqQueue
from app.kernel import outbox
from app.kernel.db import write_transaction
from app.kernel.tables import Notification
from tests.faults import RedisServer
from tests.helpers import create_staff

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


async def notify(user_id: int, clock: Any) -> None:
    async with write_transaction():
        await outbox.add(recipient_id=user_id, kind="test", title="测试", body="工作进程", now=clock.now())


async def delivered(user_id: int, count: int, seconds: float = 40) -> bool:
    for _ in range(int(seconds * 10)):
        if await Notification.count().where(Notification.user_id == user_id) >= count:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_the_worker_outlives_a_redis_restart(redis_server: RedisServer, clock: Any, tmp_path: Path) -> None:
    user_id = await create_staff("worker-test")
    assert await User.exists().where(User.id == user_id)
    env = {**os.environ, "REDIS_URL": redis_server.url, "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen([sys.executable, "-m", "app", "worker"], env=env, cwd=ROOT, stdout=log, stderr=log)
    queue = ArqQueue(redis_server.url)
    try:
        await notify(user_id, clock)
        await queue.enqueue("deliver_outbox", job_id="deliver_outbox")
        assert await delivered(user_id, 1), (tmp_path / "worker.log").read_text()
        await queue.stop()

        redis_server.stop()
        await asyncio.sleep(4)  # long enough for arq to lose its connection and give up
        assert worker.poll() is None, "the worker exited when Redis went away"
        redis_server.start()

        await notify(user_id, clock)
        await queue.enqueue("deliver_outbox", job_id="deliver_outbox")
        assert await delivered(user_id, 2), (tmp_path / "worker.log").read_text()
        assert worker.poll() is None
    finally:
        await queue.stop()
        worker.terminate()
        worker.wait(timeout=20)
