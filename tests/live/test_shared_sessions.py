"""Two web processes on one database share browser sessions: log in on one, be logged in on
the other; log out on one, be logged out on both. With the database session store (the
default) and with the Redis store (`REDIS_URL`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import redis

from app.tables import KeyValue
from app.web.sessions import store_key
from tests.helpers import family_body

pytestmark = pytest.mark.live

SESSION_COOKIE = "sc_session"


@dataclass
class SessionStore:
    """Which store the servers use, and a look into it from the test."""

    env: dict[str, str] = field(default_factory=dict)
    redis: redis.Redis | None = None

    async def holds(self, session: str) -> bool:
        if self.redis is not None:
            return bool(self.redis.exists(f"storycorner:sessions:{store_key(session)}"))
        return await KeyValue.exists().where(KeyValue.key == f"session:{store_key(session)}")


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[SessionStore]:
    """For the Redis store, the keys the servers made are deleted afterwards (never a flush)."""
    if request.param == "database":
        yield SessionStore()
        return
    url: str = request.getfixturevalue("redis_url")
    client = redis.Redis.from_url(url)
    before = set(client.scan_iter())
    try:
        yield SessionStore(env={"REDIS_URL": url}, redis=client)
    finally:
        created = set(client.scan_iter()) - before
        if created:
            client.delete(*created)
        client.close()


def csrf_field(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF field in the page:\n{html[:2000]}"
    return match.group(1)


async def log_in(client: httpx.AsyncClient, phone: str, password: str) -> tuple[str, str]:
    """Log in through the form like a browser; returns (session cookie, CSRF form token)."""
    page = await client.get("/login")
    assert page.status_code == 200, page.text
    assert client.cookies.get("csrftoken"), page.headers
    token = csrf_field(page.text)
    r = await client.post(
        "/login", data={"login": phone, "password": password, "next": "/family", "_csrf_token": token}
    )
    assert r.status_code in (302, 303), r.text
    assert r.headers["location"].endswith("/family")
    session = client.cookies.get(SESSION_COOKIE)
    assert session, r.headers
    return session, token


async def family_page(base: str, session: str | None) -> httpx.Response:
    cookies = {SESSION_COOKIE: session} if session else {}
    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=10) as browser:
        return await browser.get("/family")


def assert_redirected_to_login(r: httpx.Response) -> None:
    assert r.status_code in (302, 303), f"{r.status_code}: {r.text[:500]}"
    assert "/login" in r.headers["location"]


async def test_sessions_are_shared_between_web_processes(live_server: Any, store: SessionStore) -> None:
    base_a = live_server.start(workers=1, extra_env=store.env)
    base_b = live_server.start(workers=1, extra_env=store.env)
    assert base_a != base_b

    body = family_body()
    async with httpx.AsyncClient(base_url=base_a, timeout=10) as a:
        r = await a.post("/api/v1/families", json=body)
        assert r.status_code == 201, r.text

        assert_redirected_to_login(await family_page(base_b, None))  # B does not let just anyone in

        session, token = await log_in(a, body["phone"], body["password"])
        assert await store.holds(session)

        on_b = await family_page(base_b, session)
        assert on_b.status_code == 200, on_b.text[:500]
        assert body["guardian_name"] in on_b.text
        for child in body["children"]:
            assert child["nickname"] in on_b.text

        r = await a.post("/logout", data={"_csrf_token": token})
        assert r.status_code in (302, 303), r.text
        assert not await store.holds(session)

    # The browser forgets the cookie; a stolen copy of it is worthless on either server.
    assert_redirected_to_login(await family_page(base_b, session))
    assert_redirected_to_login(await family_page(base_a, session))
