"""After a request that wrote notifications to the outbox, ask for their delivery at once
(the periodic delivery catches up if the queue is down)."""

from __future__ import annotations

import logging
from typing import Any

from app.jobs.queue import JobQueue
from app.kernel import outbox

log = logging.getLogger("storycorner.outbox")


class OutboxKickMiddleware:
    def __init__(self, app: Any, queue: JobQueue) -> None:
        self.app = app
        self.queue = queue

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        token = outbox.written.set(False)
        try:
            await self.app(scope, receive, send)
            if outbox.written.get():
                try:
                    await self.queue.enqueue("deliver_outbox", job_id="deliver_outbox")
                except Exception:
                    log.warning("could not enqueue outbox delivery; the periodic run will deliver", exc_info=True)
        finally:
            outbox.written.reset(token)
