"""The workaround for Litestar's dependency resolution (app/web/dependencies_in_turn.py): a
handler's dependencies are resolved in the request's own task, with the same values, errors
and cleanup as before, and create_app() installs it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
from litestar import Litestar, get
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException

from app.web import dependencies_in_turn


def _app(seen: dict[str, Any], cleaned: list[str]) -> Litestar:
    async def first() -> int:
        seen["first"] = asyncio.current_task()
        return 1

    async def second() -> int:
        seen["second"] = asyncio.current_task()
        return 2

    def third() -> int:
        return 3

    async def both(first: NamedDependency[int], second: NamedDependency[int]) -> int:  # a second batch, after the first
        seen["both"] = asyncio.current_task()
        return first + second

    async def resource() -> AsyncIterator[str]:
        yield "open"
        cleaned.append("closed")

    async def refused() -> int:
        raise NotAuthorizedException()

    @get("/values")
    async def values(
        first: NamedDependency[int],
        second: NamedDependency[int],
        third: NamedDependency[int],
        both: NamedDependency[int],
        resource: NamedDependency[str],
    ) -> dict[str, Any]:
        seen["handler"] = asyncio.current_task()
        return {"sum": first + second + third + both, "resource": resource, "closed": list(cleaned)}

    @get("/refused")
    async def refusing(first: NamedDependency[int], refused: NamedDependency[int]) -> int:
        return first + refused

    return Litestar(
        route_handlers=[values, refusing],
        dependencies={
            "first": Provide(first),
            "second": Provide(second),
            "third": Provide(third, sync_to_thread=False),
            "both": Provide(both),
            "resource": Provide(resource),
            "refused": Provide(refused),
        },
    )


async def test_dependencies_resolve_in_the_request_task() -> None:
    dependencies_in_turn.install()
    seen: dict[str, Any] = {}
    cleaned: list[str] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(_app(seen, cleaned)), base_url="http://t") as client:
        answer = await client.get("/values")
    assert answer.status_code == 200
    # The values as before; the generator's cleanup ran after the handler answered.
    assert answer.json() == {"sum": 9, "resource": "open", "closed": []}
    assert cleaned == ["closed"]
    # No task per dependency: Litestar's task group gave first and second tasks of their own.
    assert seen["first"] is seen["second"] is seen["both"] is seen["handler"]


async def test_a_failing_dependency_answers_its_own_error() -> None:
    dependencies_in_turn.install()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(_app({}, [])), base_url="http://t") as client:
        answer = await client.get("/refused")
    assert answer.status_code == 401


async def test_the_app_installs_it(app: Any) -> None:
    assert KwargsModel.resolve_dependencies is dependencies_in_turn._resolve_in_turn
