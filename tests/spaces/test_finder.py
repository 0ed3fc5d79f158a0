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


async def test_nearest_first_with_unplaced_spaces_last(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    from spaces.services.finder import distance_km, find_spaces, parse_near

    near_qianmen = {"name": "草厂十平米阅读空间", "latitude": 39.8968, "longitude": 116.3985}
    near_jiaodaokou = {"name": "福祥十平米阅读空间", "latitude": 39.9405, "longitude": 116.4113}
    placed = []
    for extra in (near_jiaodaokou, near_qianmen):
        body = {
            "kind": "ten_square",
            "street": "前门",
            "address": "东城区",
            "capacity": 10,
            "opening_hours": [{"weekday": 6, "opens": "09:00", "closes": "17:00"}],
            **extra,
        }
        r = await client.post("/api/v1/spaces", json=body, headers=space["admin"])
        assert r.status_code == 201, r.text
        placed.append(r.json()["id"])
    here = (39.8975, 116.3990)
    found = await find_spaces(q="", street="", open_only=False, this_week=False, clock=clock, near=here)
    assert [s.id for s in found.spaces] == [placed[1], placed[0], space["id"]]  # `space` has no coordinates
    assert round(found.distances[placed[1]], 2) == round(distance_km(here, (39.8968, 116.3985)), 2)
    assert 0.05 < found.distances[placed[1]] < 0.15 and 4.5 < found.distances[placed[0]] < 5.5
    assert space["id"] not in found.distances

    assert parse_near("39.8975,116.399") == (39.8975, 116.399)
    for wrong in ("", "39.9", "a,b", "91,116", "39,181", "nan,1", "1,2,3"):
        assert parse_near(wrong) is None, wrong
    page = await client.get("/", params={"near": "39.8975,116.3990"})
    assert "离我最近的空间" in page.text and "约 0.1 公里" in page.text
    assert page.text.index("草厂十平米阅读空间") < page.text.index("福祥十平米阅读空间")
    assert (await client.get("/", params={"near": "not-a-place"})).status_code == 200
