"""Migrations apply forwards and backwards on the engine under test, and agree with the tables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def scratch_env(tmp_path: Path) -> dict[str, str]:
    """A separate, empty database on the same engine."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STORYCORNER_VAR": str(tmp_path)}
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite"):
        env["DATABASE_URL"] = f"sqlite://{tmp_path / 'scratch.sqlite3'}"
    else:
        import asyncio

        import asyncpg

        server, name = url.rsplit("/", 1)
        scratch = f"{name}_migrations"  # beside the test database, so parallel runs don't collide

        async def recreate() -> None:
            conn = await asyncpg.connect(url)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
                await conn.execute(f'CREATE DATABASE "{scratch}"')
            finally:
                await conn.close()

        asyncio.run(recreate())
        env["DATABASE_URL"] = f"{server}/{scratch}"
    return env


def probe(env: dict[str, str], kind: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-m", "tests.app.db_probe", kind],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def tables(env: dict[str, str]) -> set[str]:
    return probe(env, "tables") - {"sqlite_sequence", "migration"}


def test_forwards_backwards_forwards_and_no_drift(scratch_env: dict[str, str]) -> None:
    up = run_cli(scratch_env, "migrate")
    assert up.returncode == 0, up.stderr
    created = tables(scratch_env)
    assert {"accounts_user", "accounts_family", "spaces_space", "kernel_outbox", "app_idempotency"} <= created

    down = run_cli(scratch_env, "migrate", "--backwards")
    assert down.returncode == 0, down.stderr
    assert tables(scratch_env) == set(), "backwards must drop every table it created"

    again = run_cli(scratch_env, "migrate")
    assert again.returncode == 0, again.stderr
    assert tables(scratch_env) == created

    check = run_cli(scratch_env, "check-migrations")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no drift" in check.stdout


async def test_drift_is_detected_when_a_table_changes() -> None:
    """The drift check is real: a table without a migration is reported, then not."""
    from piccolo.columns import Varchar
    from piccolo.conf.apps import Finder
    from piccolo.table import Table

    from app import database

    class DriftProbe(Table, tablename="reading_drift_probe"):
        label = Varchar(length=10)

    config = Finder().get_app_config("reading")
    config.table_classes.append(DriftProbe)
    try:
        drift = await database.pending_changes()
    finally:
        config.table_classes[:] = [t for t in config.table_classes if t is not DriftProbe]
    assert any("reading_drift_probe" in line for line in drift.get("reading", []))
    assert await database.pending_changes() == {}


def test_unique_indexes_exist_on_both_engines(scratch_env: dict[str, str]) -> None:
    assert run_cli(scratch_env, "migrate").returncode == 0
    names = probe(scratch_env, "indexes")
    assert {
        "app_idempotency_owner_key",
        "spaces_staff_assignment_user_space",
        "qr_token_subject_purpose_subject",
    } <= names
