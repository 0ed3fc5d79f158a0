"""A contained workaround for Litestar's dependency resolution (litestar 2.25.0; upstream
issue litestar-org/litestar#4563, open): `KwargsModel.resolve_dependencies` resolves every
batch of more than one dependency in an anyio task group, one task per dependency, even
when each only returns a value.

Ours (`actor`, `maybe_actor`, `clock`, `queue`: app/web/app.py) read the request's scope or
return an object; the tasks they were given were pure cost: ~8 % of a web process's CPU in
the bench's hot slot, where most requests are quick refusals (docs/benchmarks.md). Here a
batch is resolved one dependency after another, in the request's own task: the same values,
the same order between batches, the same cleanup group, and a failing dependency raises its
own error (the task group raised the first of its group). What differs: a dependency no
longer runs in a copy of the request's context, so one that set a context variable would
now leave it set for the handler (none of ours sets any), and two slow dependencies of one
batch no longer wait concurrently (none of ours waits). The write-up for upstream is
docs/litestar-dependencies.md."""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel


async def _resolve_in_turn(self: KwargsModel, connection: Any, kwargs: dict[str, Any]) -> DependencyCleanupGroup:
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def install() -> None:
    """Idempotent; create_app() calls it before serving."""
    KwargsModel.resolve_dependencies = _resolve_in_turn  # type: ignore[method-assign]
