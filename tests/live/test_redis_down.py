"""Redis is an accelerator, never a single point of failure for families (issue 14): with the
app's own Redis stopped, families still register, log in, stay logged in and book; /readyz
says Redis is down; when Redis is back, everything goes on.

The app runs in a uvicorn process on the database under test and a Redis of this test's own
(tests/faults.py), which the test stops and starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.faults import RedisServer
from tests.helpers import bearer, create_staff, family_body, login
from tests.web.forms import submit

pytestmark = pytest.mark.live


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


async def log_in_page(client: httpx.AsyncClient, phone: str, password: str) -> httpx.Response:
    data = {"login": phone, "password": password, "next": "/family"}
    return await submit(client, "/login", data, page="/login")


async def open_slot(client: httpx.AsyncClient) -> int:
    await create_staff("live-admin")
    token = await login(client, "live-admin", "staff-pass-1")
    admin = bearer(token)
    space = await client.post(
        "/api/v1/spaces",
        json={
            "name": "东四儿童之家",
            "kind": "ten_square",
            "street": "东四",
            "address": "东四北大街 1 号",
            "capacity": 20,
            "opening_hours": [{"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(1, 8)],
        },
        headers=admin,
    )
    assert space.status_code == 201, space.text
    start = datetime.now(UTC) + timedelta(days=1)
    slot = await client.post(
        f"/api/v1/spaces/{space.json()['id']}/slots",
        json={
            "kind": "activity",
            "title": "绘本故事会",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "capacity": 10,
            "waitlist": False,
        },
        headers=admin,
    )
    assert slot.status_code == 201, slot.text
    return int(slot.json()["items"][0]["id"])


async def test_families_keep_working_while_redis_is_down(live_server: Any, redis_server: RedisServer) -> None:
    base = live_server.start(workers=1, extra_env={"REDIS_URL": redis_server.url})
    api = httpx.AsyncClient(base_url=base, timeout=30)
    browser = httpx.AsyncClient(base_url=base, timeout=30)
    other = httpx.AsyncClient(base_url=base, timeout=30)
    async with api, browser, other:
        slot_id = await open_slot(api)
        before, during = family_body(children=1), family_body(children=1)
        assert (await api.post("/api/v1/families", json=before)).status_code == 201
        assert (await log_in_page(browser, before["phone"], before["password"])).status_code in (302, 303)
        assert (await browser.get("/family")).status_code == 200

        redis_server.stop()
        ready = await api.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["down"] == ["redis"]

        # Logged in before the outage: still logged in (sessions live in the database too).
        assert (await browser.get("/family")).status_code == 200
        # Registering and logging in go on; the rate limits count in the database meanwhile.
        assert (await api.post("/api/v1/families", json=during)).status_code == 201
        token = await login(api, during["phone"], during["password"])
        assert (await log_in_page(other, during["phone"], during["password"])).status_code in (302, 303)
        assert (await other.get("/family")).status_code == 200
        child = (await api.get("/api/v1/families/me", headers=bearer(token))).json()["children"][0]
        booking = await api.post(
            f"/api/v1/slots/{slot_id}/bookings", json={"child_ids": [child["id"]], "adults": 1}, headers=bearer(token)
        )
        assert booking.status_code == 201, booking.text
        assert booking.json()["status"] == "confirmed"

        redis_server.start()
        assert (await api.get("/readyz")).status_code == 200
        assert (await browser.get("/family")).status_code == 200
        assert (await other.get("/family")).status_code == 200
