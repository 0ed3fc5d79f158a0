"""Candidate fixes, measured without touching the application code (`bench --fixes`).

The bench serves the app through this module instead of `python -m app serve`:

    python -m tests.load.experiments serve --port 8765 --workers 2
    python -m tests.load.experiments worker

Each web process (uvicorn spawns them and imports `create_app` from here) and the worker apply
the patches below before importing the app, then run it unchanged otherwise. What each patch
stands for, and the change to make in the code instead, is in docs/benchmarks.md.

1. `pool_reset`: the asyncpg pool without its reset query on every release. Piccolo takes a
   pooled connection for every query outside a transaction; on release asyncpg sends
   `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;` (one more round
   trip, four statements). The app uses no advisory locks, cursors outside transactions,
   LISTEN or session settings, and an open transaction is still rolled back.
2. `async_guard`: `access_guard` as a coroutine: Litestar runs a plain-function guard in a
   worker thread on every request.
3. `lazy_pinyin`: pypinyin (55 MB of dictionaries) imported on first use, not by every
   process at start (only computing a title's initials needs it).
4. `full_slot_first`: a booking for a slot already full (no waitlist) is refused before the
   rule queries (the conditional update still decides; a stale read only refuses early).
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from typing import Any

FIXES = tuple(
    f for f in os.environ.get("BENCH_FIXES", "pool_reset,async_guard,lazy_pinyin,full_slot_first").split(",") if f
)


def _lazy_pinyin_module() -> None:
    if "pypinyin" in sys.modules:
        return
    real: list[Any] = []

    def load() -> Any:
        if not real:
            del sys.modules["pypinyin"]
            real.append(importlib.import_module("pypinyin"))
        return real[0]

    class LazyStyle:
        def __getattr__(self, name: str) -> Any:
            return getattr(load().Style, name)

    def lazy_pinyin(*args: Any, **kwargs: Any) -> Any:
        return load().lazy_pinyin(*args, **kwargs)

    stub = types.ModuleType("pypinyin")
    stub.Style = LazyStyle()  # type: ignore[attr-defined]
    stub.lazy_pinyin = lazy_pinyin  # type: ignore[attr-defined]
    sys.modules["pypinyin"] = stub


def apply() -> None:
    if "lazy_pinyin" in FIXES:
        _lazy_pinyin_module()
    if "pool_reset" in FIXES:
        from piccolo.engine.postgres import PostgresEngine

        from app import database
        from app.kernel.db import engine

        original_start = database.start

        async def no_reset(connection: Any) -> None:
            return None

        async def start(settings: Any) -> bool:
            db = engine()
            if isinstance(db, PostgresEngine) and db.pool is None:
                await db.start_connection_pool(min_size=1, max_size=settings.db_pool_size, reset=no_reset)
                return True
            return await original_start(settings)

        database.start = start  # type: ignore[assignment]
    if "async_guard" in FIXES:
        from app.web import auth

        sync_guard = auth.access_guard

        async def access_guard(connection: Any, handler: Any) -> None:
            sync_guard(connection, handler)

        auth.access_guard = access_guard  # type: ignore[assignment]
    if "full_slot_first" in FIXES:
        from spaces.errors import SlotFull
        from spaces.services import bookings

        check_rules = bookings._check_rules

        async def _check_rules(slot: dict[str, Any], family_id: int, data: Any, now: Any, clock: Any) -> int:
            people = data.adults + len(set(data.child_ids))
            opened = slot["booking_opens_at"] is None or now >= slot["booking_opens_at"]
            full = slot["remaining"] < people and not slot["waitlist"]
            if full and not slot["cancelled"] and opened and now < slot["starts_at"]:
                raise SlotFull()
            result: int = await check_rules(slot, family_id, data, now, clock)
            return result

        bookings._check_rules = _check_rules  # type: ignore[assignment]


def create_app() -> Any:
    apply()
    from app.web.app import create_app as real_create_app

    return real_create_app()


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        import argparse

        import uvicorn

        parser = argparse.ArgumentParser()
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--workers", type=int, default=2)
        args = parser.parse_args(argv[1:])
        uvicorn.run(
            "tests.load.experiments:create_app",
            factory=True,
            host="127.0.0.1",
            port=args.port,
            workers=args.workers,
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
            log_level="warning",
            access_log=False,
        )
        return 0
    apply()
    from app.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
