"""The enqueue interface every layer may use; the backends (arq, in-process) are wiring."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class JobQueue(Protocol):
    async def enqueue(self, name: str, *, job_id: str, **kwargs: Any) -> bool: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
