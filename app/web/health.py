"""Liveness and readiness."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Response, get
from litestar.datastructures import State

from app import database, lifecycle
from app.accounts.roles import PUBLIC


class HealthController(Controller):
    include_in_schema = True
    tags = ("health",)

    @get("/healthz", opt=PUBLIC, cache_control=None)
    async def healthz(self) -> dict[str, str]:
        """200 while the process runs; touches nothing else."""
        return {"status": "ok"}

    @get("/readyz", opt=PUBLIC)
    async def readyz(self, state: State) -> Response[dict[str, Any]]:
        """200 when the database (and Redis, if configured) answer; 503 naming what is down, or
        `stopping` from the moment the process was told to stop (the balancer drains it)."""
        if lifecycle.stopping.is_set():
            return Response({"status": "stopping", "down": []}, status_code=503)
        down: list[str] = []
        try:
            await asyncio.wait_for(database.ping(), timeout=2)
        except Exception:
            down.append("database")
        redis = state.get("redis")
        if redis is not None:
            try:
                await asyncio.wait_for(redis.ping(), timeout=2)
            except Exception:
                down.append("redis")
        if down:
            return Response({"status": "unavailable", "down": down}, status_code=503)
        return Response({"status": "ok"}, status_code=200)
