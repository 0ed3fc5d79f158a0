"""SQLite's write lock held past the busy timeout: the request answers 503 `database_busy`
with Retry-After (problem details on the API, the error page for browsers), is logged as a
warning without a trace, and succeeds once the lock is free (docs/benchmarks.md, SQLite)."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from app.errors import is_database_busy
from app.kernel.db import engine, is_sqlite
from tests.app.conftest import expect_problem
from tests.helpers import family_body, next_phone, sqlite_only
from tests.web.forms import csrf_token, family_form

BUSY_TITLE = "系统繁忙，请稍后再试"


async def _close_pooled_connections() -> None:
    """Connections opened while the busy timeout was patched must not outlive the test."""
    close = getattr(engine(), "close_connections", None)
    if close is not None:
        await close()


@pytest.fixture
async def write_lock(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Callable[[], AbstractAsyncContextManager[None]]]:
    """`async with write_lock():` another connection holds SQLite's write lock (`BEGIN
    IMMEDIATE`) while the app's new connections give up after 50 ms instead of 30 s."""
    assert is_sqlite()
    await _close_pooled_connections()
    monkeypatch.setitem(engine().connection_kwargs, "timeout", 0.05)
    path = os.environ["DATABASE_URL"].split("://", 1)[1]

    @asynccontextmanager
    async def hold() -> AsyncIterator[None]:
        other = sqlite3.connect(path, isolation_level=None, timeout=5)
        try:
            other.execute("BEGIN IMMEDIATE")
            yield
            other.execute("ROLLBACK")
        finally:
            other.close()

    yield hold
    monkeypatch.undo()
    await _close_pooled_connections()


def busy_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "storycorner.errors" and "database busy" in r.getMessage()]


@sqlite_only
async def test_api_write_under_a_held_lock_is_503_database_busy(
    client: httpx.AsyncClient, write_lock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    body = family_body()
    caplog.set_level(logging.WARNING, logger="storycorner.errors")
    async with write_lock():
        r = await client.post("/api/v1/families", json=body)
        problem = expect_problem(r, 503, "database_busy")
        assert r.headers["retry-after"] == "1"
        assert problem["title"] == problem["detail"] == BUSY_TITLE

        en = await client.post("/api/v1/families", json=body, headers={"Accept-Language": "en"})
        assert expect_problem(en, 503, "database_busy")["title"] == "The system is busy. Please try again in a moment."

    records = busy_warnings(caplog)
    assert len(records) == 2
    assert all(rec.levelno == logging.WARNING and rec.exc_info is None for rec in records)
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    # Nothing was half done: the same registration succeeds once the lock is free.
    assert (await client.post("/api/v1/families", json=body)).status_code == 201


@sqlite_only
async def test_page_under_a_held_lock_is_the_friendly_503_page(client: httpx.AsyncClient, write_lock: Any) -> None:
    form = family_form(next_phone())
    token = await csrf_token(client, "/register")
    async with write_lock():
        r = await client.post("/register", data={**form, "_csrf_token": token})
    assert r.status_code == 503
    assert r.headers["retry-after"] == "1"
    assert r.headers["content-type"].startswith("text/html")
    assert r.text.lstrip().lower().startswith("<!doctype html")
    assert BUSY_TITLE in r.text
    assert "OperationalError" not in r.text
    r = await client.post("/register", data={**form, "_csrf_token": token})
    assert r.status_code in (302, 303), r.text


def _raise_chained(outer: type[Exception], inner: BaseException, *, explicit: bool) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            if explicit:
                raise outer("wrapped") from exc
            raise outer("while handling")  # noqa: B904 - the implicit __context__ is the point
    except Exception as caught:
        return caught
    raise AssertionError("unreachable")


def test_busy_is_recognised_directly_chained_and_grouped() -> None:
    locked = sqlite3.OperationalError("database is locked")
    assert is_database_busy(locked)
    assert is_database_busy(sqlite3.OperationalError("database is busy"))
    assert is_database_busy(_raise_chained(RuntimeError, locked, explicit=True))
    assert is_database_busy(_raise_chained(ValueError, sqlite3.OperationalError("database is locked"), explicit=False))
    assert is_database_busy(ExceptionGroup("tasks", [ValueError("x"), sqlite3.OperationalError("database is locked")]))
    # Other operational errors stay server errors.
    assert not is_database_busy(sqlite3.OperationalError("no such table: nope"))
    assert not is_database_busy(RuntimeError("database is locked"))
    assert not is_database_busy(_raise_chained(RuntimeError, ValueError("x"), explicit=True))
