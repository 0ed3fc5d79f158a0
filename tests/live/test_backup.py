"""`python -m app backup` then `restore` into an empty database gives a service on which old
log-ins and printed QR codes work, on both engines; a service started with another
SECRET_KEY refuses to serve (the printed codes would all be invalid) with a clear message and
exit code 2 (issue 14)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import ON_SQLITE, bearer, register_family, staff_headers

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


def run_app(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.fixture
async def empty_database(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the engine under test, as DATABASE_URL."""
    if ON_SQLITE:
        yield f"sqlite://{tmp_path / 'restored.sqlite3'}"
        return
    import asyncpg

    source = os.environ["DATABASE_URL"]
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(source)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield source.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def a_corner_code(client: httpx.AsyncClient) -> str:
    admin = await staff_headers(client, "backup-admin")
    space = await client.post(
        "/api/v1/spaces",
        json={
            "name": "和平里儿童之家",
            "kind": "ten_square",
            "street": "和平里",
            "address": "和平里北街 9 号",
            "capacity": 20,
            "opening_hours": [{"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(1, 8)],
        },
        headers=admin,
    )
    assert space.status_code == 201, space.text
    corner = await client.post(f"/api/v1/spaces/{space.json()['id']}/corners", json={"name": "绘本角"}, headers=admin)
    assert corner.status_code == 201, corner.text
    # The code as printed on the corner's poster.
    from qr.services import tokens
    from qr.tokens import Purpose

    return await tokens.issue(Purpose.corner, int(corner.json()["id"]), now=datetime.now(UTC))


async def test_backup_and_restore_keep_log_ins_and_printed_codes(
    client: httpx.AsyncClient, live_server: Any, live_env: dict[str, str], empty_database: str, tmp_path: Path
) -> None:
    family = await register_family(client, children=1)
    token = await a_corner_code(client)
    archive = tmp_path / "backup.bin"

    made = run_app("backup", "--to", str(archive), env=live_env)
    assert made.returncode == 0, made.stderr
    assert archive.stat().st_size > 0

    restored_env = {**live_env, "DATABASE_URL": empty_database}
    restored = run_app("restore", str(archive), env=restored_env)
    assert restored.returncode == 0, restored.stderr
    again = run_app("restore", str(archive), env=restored_env)
    assert again.returncode == 1
    assert "not empty" in again.stderr

    base = live_server.start(workers=1, extra_env={"DATABASE_URL": empty_database})
    async with httpx.AsyncClient(base_url=base, timeout=30) as restored_app:
        r = await restored_app.post(
            "/api/v1/auth/tokens", json={"login": family["phone"], "password": family["password"]}
        )
        assert r.status_code == 201, r.text
        check_in = await restored_app.post(
            "/api/v1/check-ins", json={"token": token, "nonce": "after-restore"}, headers=bearer(r.json()["token"])
        )
        assert check_in.status_code == 201, check_in.text

    other_key = {**restored_env, "SECRET_KEY": "another-secret-key-" + "x" * 40}
    refused = run_app("serve", "--port", "0", env=other_key)
    assert refused.returncode == 2
    assert "SECRET_KEY" in refused.stderr
