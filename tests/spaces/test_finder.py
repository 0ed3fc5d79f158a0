"""Finding a space (issue 15, item 8), on both engines: "open now" reads today's hours and
closures, "activities this week" the coming seven days' activities, and the search and the
subdistrict filter narrow the list; the home page marks and filters by them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.helpers import FrozenClock
from tests.spaces.conftest import make_slot


async def test_open_now_this_week_search_and_street(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    from spaces.services.finder import find_spaces

    clock.set(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))  # Saturday 10:00 in Beijing; `space` opens 09-17
    body = {
        "name": "草厂十平米阅读空间",
        "kind": "ten_square",
        "street": "前门",
        "address": "东城区前门街道草厂社区",
        "capacity": 10,
        "opening_hours": [{"weekday": 6, "opens": "14:00", "closes": "17:00"}],
    }
    r = await client.post("/api/v1/spaces", json=body, headers=space["admin"])
    other = r.json()["id"]
    await make_slot(client, {**r.json(), "admin": space["admin"]}, clock, starts_at=clock.now() + timedelta(days=3))
    await make_slot(client, space, clock, starts_at=clock.now() + timedelta(days=9))  # next week: not this one

    found = await find_spaces(q="", street="", open_only=False, this_week=False, clock=clock)
    assert (found.open_ids, found.active_ids) == ({space["id"]}, {other})
    assert [
        s.id for s in (await find_spaces(q="", street="", open_only=True, this_week=False, clock=clock)).spaces
    ] == [space["id"]]
    assert [
        s.id for s in (await find_spaces(q="", street="", open_only=False, this_week=True, clock=clock)).spaces
    ] == [other]
    assert [
        s.id for s in (await find_spaces(q="草厂", street="", open_only=False, this_week=False, clock=clock)).spaces
    ] == [other]
    assert [
        s.id for s in (await find_spaces(q="", street="前门", open_only=False, this_week=False, clock=clock)).spaces
    ] == [other]
    assert set(found.streets) == {"前门", space["street"]}

    r = await client.post(
        f"/api/v1/spaces/{space['id']}/closures",
        json={"first_day": "2026-11-28", "last_day": "2026-11-28", "reason": "检修"},
        headers=space["admin"],
    )
    assert r.status_code == 201, r.text
    assert (await find_spaces(q="", street="", open_only=False, this_week=False, clock=clock)).open_ids == frozenset()

    page = await client.get("/", params={"week": "1"})
    assert "找到 1 个空间" in page.text and "草厂十平米阅读空间" in page.text and "本周有活动" in page.text
