"""A job whose worker dies is resumed by itself, from where it had got to, with the counts of
the whole job (issue 14): an import killed mid-way on the embedded default (jobs in the web
process) and on arq (a worker process), and the watchdog's marks on the fake clock."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from reading.lending.tables import Book, BookImport
from tests.faults import RedisServer
from tests.helpers import bearer, create_staff, login
from tests.reading.support import isbn13

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]
ROWS = 6000


def catalogue_csv() -> bytes:
    lines = ["isbn,书名"] + [f"{isbn13(n)},绘本 {n}" for n in range(1, ROWS + 1)]
    return ("\n".join(lines) + "\n").encode()


async def start_import(base: str) -> tuple[str, dict[str, str]]:
    await create_staff("resume-lib", roles=("librarian",))
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        headers = bearer(await login(api, "resume-lib", "staff-pass-1"))
        r = await api.post(
            "/api/v1/books/import", files={"file": ("书目.csv", catalogue_csv(), "text/csv")}, headers=headers
        )
        assert r.status_code == 202, r.text
        return str(r.json()["job_id"]), headers


async def part_done() -> None:
    """Until the job has committed some batches but not all of them."""
    for _ in range(2000):
        row = await BookImport.select(BookImport.done_rows).first()
        if row and 0 < row["done_rows"] < ROWS:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the import never was half-way")


async def finished(base: str, job_id: str, headers: dict[str, str], within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        while time.monotonic() < deadline:
            status = (await api.get(f"/api/v1/jobs/{job_id}", headers=headers)).json()
            if status["status"] in ("done", "failed"):
                return dict(status)
            await asyncio.sleep(0.2)
    raise AssertionError(f"not resumed within {within} s")


def kill(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


async def test_an_import_killed_with_its_web_process_resumes_on_restart(live_server: Any) -> None:
    base = live_server.start(workers=1)
    job_id, headers = await start_import(base)
    await part_done()
    kill(live_server.procs[-1])
    half = (await BookImport.select(BookImport.done_rows, BookImport.status).first()) or {}
    assert half["status"] == "running" and 0 < half["done_rows"] < ROWS

    base = live_server.start(workers=1)
    result = await finished(base, job_id, headers, within=45)
    assert result["status"] == "done"
    assert result["result"]["counts"] == {"new": ROWS}, "the counts are the whole job's, not the resumed part's"
    assert await Book.count() == ROWS
    assert (await BookImport.select(BookImport.attempt).first() or {})["attempt"] == 2


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


def worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


async def test_an_import_killed_with_its_arq_worker_resumes_in_another(
    live_server: Any, live_env: dict[str, str], redis_server: RedisServer
) -> None:
    env = {**live_env, "REDIS_URL": redis_server.url}
    base = live_server.start(workers=1, extra_env={"REDIS_URL": redis_server.url})
    first = worker(env)
    try:
        job_id, headers = await start_import(base)
        await part_done()
        kill(first)
        killed_at = time.monotonic()
        second = worker(env)
        try:
            result = await finished(base, job_id, headers, within=45)
            assert time.monotonic() - killed_at < 45
        finally:
            second.terminate()
            second.wait(timeout=20)
    finally:
        if first.poll() is None:
            kill(first)
    assert result["status"] == "done"
    assert result["result"]["counts"] == {"new": ROWS}
    assert await Book.count() == ROWS


async def test_the_watchdog_marks_a_silent_run_retrying_and_a_lost_start_queued(clock: Any) -> None:
    from reading.lending.services import imports

    now = clock.now()
    silent, lost = await BookImport.insert(
        BookImport(mode="skip", content=b"", status="running", attempt=1, heartbeat_at=now, created_at=now),
        BookImport(mode="skip", content=b"", status="queued", created_at=now),
    ).returning(BookImport.id)
    assert await imports.reruns(now) == []  # both young: nothing to do
    later = now + timedelta(seconds=21)
    again = {r.job_id: r.kwargs for r in await imports.reruns(later)}
    assert again == {
        f"import-{silent['id']}-a2": {"import_id": silent["id"]},
        f"import-{lost['id']}": {"import_id": lost["id"]},
    }
    assert (await BookImport.select(BookImport.status).where(BookImport.id == silent["id"]).first())[
        "status"
    ] == "retrying"
    # Marked once: the next look finds it retrying with a fresh mark, not silent again.
    assert [r.job_id for r in await imports.reruns(later + timedelta(seconds=1))] == [f"import-{lost['id']}"]
