"""`python -m app <command>`: serve, migrate, seed-demo, seed-synthetic, stats-rollup, create-user,
disable-user, worker, check-migrations. Clear messages and non-zero exit codes on failure."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from app.accounts.roles import STAFF_ROLES
from app.settings import SettingsError, get_settings, reload_settings


def _fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


async def _with_db(work: Callable[[], Awaitable[Any]]) -> Any:
    from app import database
    from app.kernel.clock import set_local_zone

    settings = get_settings()
    set_local_zone(settings.tz)
    await database.start(settings)
    try:
        return await work()
    finally:
        await database.stop()


def cmd_migrate(args: argparse.Namespace) -> int:
    from app import database

    async def work() -> None:
        if args.backwards:
            await database.migrate_down(quiet=not args.verbose)
            print("migrations: all rolled back")
        else:
            await database.migrate(quiet=not args.verbose)
            print("migrations: up to date")

    asyncio.run(_with_db(work))
    return 0


def cmd_check_migrations(args: argparse.Namespace) -> int:
    from app import database

    drift = asyncio.run(_with_db(database.pending_changes))
    if drift:
        for app_name, lines in drift.items():
            print(f"{app_name}: tables and migrations disagree:", file=sys.stderr)
            for line in lines:
                print(f"  {line}", file=sys.stderr)
        return 1
    print("migrations: no drift between tables and migrations")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from app.seed.demo import seed_demo

    report = asyncio.run(_with_db(seed_demo))
    for line in report:
        print(line)
    return 0


def cmd_seed_synthetic(args: argparse.Namespace) -> int:
    from datetime import date

    from app.seed.runner import SeedError, seed_synthetic

    try:
        today = date.fromisoformat(args.today) if args.today else None
    except ValueError:
        return _fail(f"--today must be YYYY-MM-DD, got {args.today!r}", 2)

    async def work() -> Any:
        print(f"seeding synthetic data at {args.scale} scale (seed {args.seed})")
        return await seed_synthetic(args.scale, seed=args.seed, today=today, progress=print, titles=args.titles or None)

    try:
        report = asyncio.run(_with_db(work))
    except SeedError as exc:
        return _fail(str(exc))
    for line in report.lines():
        print(line)
    return 0


def cmd_stats_rollup(args: argparse.Namespace) -> int:
    from app.kernel.clock import system_clock
    from app.stats.services.rollup import catch_up

    async def work() -> Any:
        return await catch_up(clock=system_clock, full=args.full)

    run = asyncio.run(_with_db(work))
    built = f"from {run.first.isoformat()}" if run.first else "nothing new"
    print(f"statistics rollups: {built} through {run.through.isoformat()} ({run.months} months)")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from app.accounts.services.users import create_staff_user
    from app.kernel.clock import system_clock
    from app.kernel.db import write_transaction
    from spaces.services.staff import assign

    async def work() -> int:
        async with write_transaction():  # an unknown --space must not leave the user behind
            user = await create_staff_user(
                login=args.login,
                password=args.password,
                display_name=args.name or args.login,
                roles=args.role,
                clock=system_clock,
            )
            await assign(user.id, args.space)
        return int(user.id)

    user_id = asyncio.run(_with_db(work))
    print(f"created user {args.login} (id {user_id}, roles {' '.join(args.role)})")
    return 0


def cmd_disable_user(args: argparse.Namespace) -> int:
    from app.accounts.errors import UserNotFound
    from app.accounts.services.users import disable_user
    from app.accounts.tables import User
    from app.kernel.clock import system_clock

    async def work() -> None:
        row = await User.select(User.id).where(User.login == args.login.lower()).first()
        if row is None:
            raise UserNotFound(f"no user with login {args.login!r}")
        await disable_user(row["id"], clock=system_clock)

    asyncio.run(_with_db(work))
    print(f"disabled {args.login}: every session and token ended")
    return 0


def _qr_keys_problem() -> str | None:
    """Why serving must not start (the QR keys do not verify the printed codes), or None."""
    from app import runtime
    from app.backup import check_qr_keys
    from qr.services import tokens

    settings = get_settings()
    runtime.configure(settings)
    problem: str | None = _run_with_db(lambda: check_qr_keys(tokens.keyring()))
    return problem


def _run_with_db(work: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(_with_db(work))


def cmd_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.backup import BackupError, backup, default_path
    from app.settings import VAR_DIR

    settings = get_settings()
    target = Path(args.to) if args.to else default_path(settings, VAR_DIR)
    try:
        done = backup(settings, target)
    except BackupError as exc:
        return _fail(str(exc))
    print(f"backup written: {done.path} ({done.size:,} bytes)")
    print("keep SECRET_KEY (and QR_KEY_IDS, QR_SIGNING_KEY_ID) with it: printed QR codes need them")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app import database
    from app.backup import BackupError, restore

    settings = get_settings()
    try:
        restore(settings, Path(args.source))
    except BackupError as exc:
        return _fail(str(exc))
    _run_with_db(database.migrate)
    if problem := _qr_keys_problem():
        return _fail(f"restored, but {problem}", 2)
    print(f"restored {args.source}; migrations applied; QR keys verified")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:

    import uvicorn

    # Without BASE_URL, codes and links follow where this serves (app.settings); the workers
    # read the settings again, so they learn it from the environment.
    os.environ["HOST"], os.environ["PORT"] = args.host, str(args.port)
    settings = reload_settings()
    if problem := _qr_keys_problem():
        return _fail(problem, 2)
    workers = args.workers or settings.web_workers
    uvicorn.run(
        "app.web.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        log_level="info" if args.verbose else "warning",
        access_log=args.verbose,
        timeout_graceful_shutdown=settings.shutdown_grace,
    )
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from app.jobs.worker import run_until_stopped

    settings = get_settings()
    if not settings.redis_url:
        return _fail("the worker needs REDIS_URL; without it jobs run inside the web process", 2)
    if problem := _qr_keys_problem():
        return _fail(problem, 2)
    return run_until_stopped(settings, burst=args.burst)


def build_parser() -> argparse.ArgumentParser:

    parser = argparse.ArgumentParser(prog="python -m app", description="StoryCorner command line")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="serve the web app with uvicorn (WEB_WORKERS processes)")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    p.add_argument("--workers", type=int, default=0, help="default: WEB_WORKERS")
    p.add_argument("--forwarded-allow-ips", default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"))
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("backup", help="back the whole database up (SQLite: online copy; PostgreSQL: pg_dump)")
    p.add_argument("--to", default="", help="the file to write (default: var/backups/storycorner-<time>.*)")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore a backup into an empty database, then migrate it")
    p.add_argument("source", help="a file written by `backup`")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("migrate", help="apply the database migrations")
    p.add_argument("--backwards", action="store_true", help="roll every migration back (destroys data)")
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("check-migrations", help="fail if the tables and the migrations disagree")
    p.set_defaults(func=cmd_check_migrations)

    p = sub.add_parser("seed-demo", help="load the demo spaces and staff (idempotent)")
    p.set_defaults(func=cmd_seed_demo)

    p = sub.add_parser("seed-synthetic", help="bulk synthetic data at district or city scale (benchmarks)")
    p.add_argument("--scale", choices=["tiny", "district", "city"], default="district")
    p.add_argument("--seed", type=int, default=1, help="the same seed and day give the same data")
    p.add_argument("--today", default="", help="the last day of history is the day before (default: today)")
    p.add_argument("--titles", type=int, default=0, help="picture-book titles instead of the scale's number")
    p.set_defaults(func=cmd_seed_synthetic)

    p = sub.add_parser("stats-rollup", help="bring the statistics' daily rollups up to yesterday (hourly job)")
    p.add_argument("--full", action="store_true", help="count every day again from the first history")
    p.set_defaults(func=cmd_stats_rollup)

    p = sub.add_parser("create-user", help="create a staff user")
    p.add_argument("--login", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--name", default="")
    p.add_argument("--role", action="append", required=True, choices=sorted(STAFF_ROLES))
    p.add_argument("--space", action="append", type=int, default=[], help="a space id the user serves (repeatable)")
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser("disable-user", help="disable a user and end all of their sessions and tokens")
    p.add_argument("--login", required=True)
    p.set_defaults(func=cmd_disable_user)

    p = sub.add_parser("worker", help="run the arq job worker (needs REDIS_URL)")
    p.add_argument("--burst", action="store_true", help="run queued jobs, then exit")
    p.set_defaults(func=cmd_worker)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        get_settings()
        return int(args.func(args))
    except SettingsError as exc:
        return _fail(f"configuration: {exc}", 2)
    except Exception as exc:
        from app.kernel.errors import DomainError

        if isinstance(exc, DomainError):
            return _fail(exc.detail)
        raise
