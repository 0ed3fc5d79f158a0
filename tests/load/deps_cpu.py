"""CPU per request of a handler with one and with two trivial dependencies, through the ASGI
app directly (no server, no network): with Litestar's task group, then resolved in turn
(app/web/dependencies_in_turn.py). Not `make bench`: `python -m tests.load.deps_cpu`."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from litestar import Litestar, get
from litestar.di import NamedDependency, Provide

from app.web import dependencies_in_turn
from tests.helpers import http_scope

REQUESTS = 20_000


async def one() -> int:
    return 1


def two() -> int:
    return 2


@get("/one")
async def with_one(one: NamedDependency[int]) -> int:
    return one


@get("/two")
async def with_two(one: NamedDependency[int], two: NamedDependency[int]) -> int:
    return one + two


def _app() -> Litestar:
    return Litestar([with_one, with_two], dependencies={"one": Provide(one), "two": Provide(two, sync_to_thread=False)})


async def _microseconds(app: Litestar, path: str) -> float:
    scope = http_scope("GET", path)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    for _ in range(200):  # warm up
        await app(dict(scope), receive, send)  # type: ignore[arg-type]
    started = time.process_time()
    for _ in range(REQUESTS):
        await app(dict(scope), receive, send)  # type: ignore[arg-type]
    return (time.process_time() - started) / REQUESTS * 1e6


async def main() -> None:
    for label, install in (("task group", False), ("in turn", True)):
        if install:
            dependencies_in_turn.install()
        app = _app()
        single, double = await _microseconds(app, "/one"), await _microseconds(app, "/two")
        print(f"{label}: one dependency {single:.1f} µs, two {double:.1f} µs")


if __name__ == "__main__":
    asyncio.run(main())
