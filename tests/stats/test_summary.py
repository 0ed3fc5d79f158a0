"""The summary, the series and refusals, against a known history (tests/stats/history.py),
every figure computed by hand: people actually present (not the booked party), Beijing's
day boundaries, door registrations, bookings kept and missed, activities by theme."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import staff_headers
from tests.stats.history import NOVEMBER, ROLLUPS, History, roll, seed_november, summary


@pytest.fixture(params=ROLLUPS)
async def history(request: pytest.FixtureRequest) -> History:
    """Every figure below holds read live and read from the rollups."""
    h = await seed_november()
    await roll(request.param)
    return h


async def test_district_summary(client: httpx.AsyncClient, history: History, admin: dict[str, str]) -> None:
    s = await summary(client, admin)
    # Check-ins on 1 (00:10 Beijing), 10, 15 and 16 November, not the one at 00:30 on
    # 1 December; plus one registration at the door.
    assert (s["visits"], s["visits_walk_in"], s["visits_booked"], s["door_registrations"]) == (5, 3, 2, 1)
    # Booked 2 adults + 2 children, one child ticked: 2 + 1. Walk-ins: the guardian and the
    # children ticked. The door: 1 adult, 2 children.
    assert (s["adults"], s["children"], s["people"]) == (6, 7, 13)
    assert s["children_by_age_band"] == {"0-3": 1, "3-6": 2, "6-9": 1, "9-12": 1, "unknown": 2}
    assert (s["families"], s["new_families"]) == (3, 1)
    assert (s["bookings"], s["attended"], s["no_shows"], s["cancelled"]) == (4, 2, 1, 1)
    assert (s["attendance_rate"], s["no_show_rate"]) == (0.6667, 0.3333)
    assert s["activities"] == 3
    themes = {t["theme"]: t for t in s["by_theme"]}
    assert set(themes) == {"culture", "reading", "science", "safety", "volunteer"}
    assert themes["culture"] == {"theme": "culture", "activities": 2, "people": 5, "sessions": 1, "session_minutes": 60}
    assert themes["science"] == {"theme": "science", "activities": 1, "people": 0, "sessions": 0, "session_minutes": 0}
    assert themes["reading"] == {"theme": "reading", "activities": 0, "people": 0, "sessions": 1, "session_minutes": 30}
    assert (s["sessions"], s["session_minutes"], s["session_adults"], s["session_children"]) == (2, 90, 6, 10)
    assert (s["lead_readers_active"], s["lead_reader_sessions"], s["lead_reader_minutes"]) == (1, 1, 60)
    assert (s["volunteers"], s["volunteer_hours"]) == (2, 2.5)
    assert (s["loans"], s["returns"], s["active_borrowers"]) == (2, 2, 2)
    assert s["reading_log_entries"] == 2
    assert s["by_street"] == [
        {"street": "东四", "spaces": 2, "visits": 5, "people": 13},
        {"street": "景山", "spaces": 1, "visits": 0, "people": 0},
    ]
    assert (s["from"], s["to"]) == ("2026-11-01", "2026-11-30")


async def test_filters(client: httpx.AsyncClient, history: History, admin: dict[str, str]) -> None:
    s = await summary(client, admin, street="景山")
    assert (s["visits"], s["people"], s["bookings"], s["loans"], s["returns"], s["sessions"]) == (0, 0, 0, 1, 0, 1)
    assert s["reading_log_entries"] is None  # entries belong to no space
    s = await summary(client, admin, space_id=history.spaces["B"])
    assert (s["visits"], s["people"], s["adults"], s["children"]) == (1, 2, 1, 1)
    assert (s["bookings"], s["attended"], s["no_shows"], s["returns"], s["loans"]) == (2, 1, 0, 1, 0)
    s = await summary(client, admin, theme="culture")
    assert (s["visits"], s["visits_walk_in"], s["visits_booked"], s["people"]) == (2, 0, 2, 5)
    assert (s["bookings"], s["activities"], s["sessions"], s["loans"]) == (4, 2, 1, 2)
    # 1 December alone holds the check-in of 00:30 Beijing time (UTC: 30 November).
    s = await summary(client, admin, **{"from": "2026-12-01", "to": "2026-12-01"})
    assert (s["visits"], s["people"], s["children_by_age_band"]["9-12"]) == (1, 2, 1)
    # An empty period: zeros, not errors.
    s = await summary(client, admin, **{"from": "2025-01-01", "to": "2025-01-31"})
    assert (s["visits"], s["attendance_rate"], s["volunteer_hours"], s["reading_log_entries"]) == (0, 0.0, 0.0, 0)


async def test_librarians_see_their_spaces(client: httpx.AsyncClient, history: History) -> None:
    lib = await staff_headers(client, "stats_lib", roles=("librarian",), spaces=(history.spaces["A"],))
    s = await summary(client, lib)
    assert (s["visits"], s["people"], s["loans"], s["returns"]) == (4, 11, 1, 1)
    assert s["reading_log_entries"] is None
    assert [x["street"] for x in s["by_street"]] == ["东四"]
    r = await client.get("/api/v1/stats/summary", params={"space_id": history.spaces["B"]}, headers=lib)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await client.get("/api/v1/stats/quiet-sites", headers=lib)
    assert r.status_code == 403
    s = await summary(client, lib, street="景山")  # a street without their spaces: nothing of it
    assert s["visits"] == 0 and s["loans"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-12-01", "to": "2026-11-01"}, "from"),
        ({"from": "2020-01-01", "to": "2026-11-01"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"street": "不存在"}, "street"),
        ({"space_id": 999999}, "space_id"),
        ({"theme": "sports"}, "theme"),
    ],
)
async def test_bad_filters(
    client: httpx.AsyncClient, history: History, admin: dict[str, str], params: dict[str, Any], field: str
) -> None:
    r = await client.get("/api/v1/stats/summary", params=params, headers=admin)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "invalid_input"
    assert field in str(body)


async def test_series(client: httpx.AsyncClient, history: History, admin: dict[str, str]) -> None:
    async def items(**params: Any) -> list[tuple[str, float]]:
        r = await client.get("/api/v1/stats/series", params={**NOVEMBER, **params}, headers=admin)
        assert r.status_code == 200, r.text
        return [(i["period"], i["value"]) for i in r.json()["items"]]

    days = dict(await items(metric="visits", by="day"))
    assert len(days) == 30
    assert {d: v for d, v in days.items() if v} == {"2026-11-01": 1, "2026-11-10": 2, "2026-11-15": 1, "2026-11-16": 1}
    assert await items(metric="visits", by="week") == [
        ("2026-10-26", 1),
        ("2026-11-02", 0),
        ("2026-11-09", 3),
        ("2026-11-16", 1),
        ("2026-11-23", 0),
        ("2026-11-30", 0),
    ]
    assert await items(metric="people", by="month") == [("2026-11", 13)]
    assert await items(metric="no_shows", by="month") == [("2026-11", 1)]
    assert await items(metric="reading_log", by="month") == [("2026-11", 2)]
    r = await client.get("/api/v1/stats/series", params={"metric": "height"}, headers=admin)
    assert r.status_code == 400 and "metric" in r.text
    r = await client.get("/api/v1/stats/series", params={"by": "year"}, headers=admin)
    assert r.status_code == 400 and "by" in r.text
