"""A weekly series skips the space's closures (issue 15, item 18), on both engines: the page
creates the weeks the space is open and says the closed ones were skipped; a series whose
every day is closed is refused; a single activity is not checked (staff may hold one on a
closed day on purpose)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import FrozenClock
from tests.spaces.test_booking_pages import Browsers, browsers, staff_browser
from tests.web.forms import submit

__all__ = ["browsers"]  # the fixture, imported to be used here


def series_form(**change: str) -> dict[str, str]:
    return {
        "kind": "activity",
        "title": "周六绘本＋文化",
        "theme": "culture",
        "day": "2026-12-05",
        "starts": "10:00",
        "ends": "11:00",
        "capacity": "12",
        "repeat_weeks": "4",
        **change,
    }


async def close(client: httpx.AsyncClient, space: dict[str, Any], first: str, last: str) -> None:
    body = {"first_day": first, "last_day": last, "reason": "设备检修"}
    r = await client.post(f"/api/v1/spaces/{space['id']}/closures", json=body, headers=space["admin"])
    assert r.status_code == 201, r.text


async def test_a_weekly_series_skips_closed_days(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    await close(client, space, "2026-12-10", "2026-12-13")  # the second Saturday
    lib = await staff_browser(browsers, "series-lib", spaces=(space["id"],))
    new = f"/staff/spaces/{space['id']}/slots/new"
    r = await submit(lib, f"/staff/spaces/{space['id']}/slots", series_form(), page=new)
    assert r.status_code == 303, r.text
    assert r.headers["location"].endswith("note=created_skipping_closures&n=3")
    r = await lib.get(r.headers["location"])
    assert "已创建 3 个时段；闭馆的日子已跳过。" in r.text
    found = (
        await client.get(
            f"/api/v1/spaces/{space['id']}/slots",
            params={"from": "2026-12-01T00:00:00+08:00", "to": "2027-01-01T00:00:00+08:00"},
        )
    ).json()["items"]
    days = [s["starts_at"][:10] for s in found if s["title"] == "周六绘本＋文化"]
    assert days == ["2026-12-05", "2026-12-19", "2026-12-26"]


async def test_a_series_closed_every_week_is_refused(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    await close(client, space, "2026-12-01", "2026-12-31")
    body = {
        "kind": "activity",
        "title": "周六绘本＋文化",
        "starts_at": "2026-12-05T10:00:00+08:00",
        "ends_at": "2026-12-05T11:00:00+08:00",
        "capacity": 12,
        "repeat_weeks": 3,
    }
    r = await client.post(f"/api/v1/spaces/{space['id']}/slots", json=body, headers=space["admin"])
    assert r.status_code == 400 and r.json()["code"] == "invalid_input", r.text
    r = await client.post(
        f"/api/v1/spaces/{space['id']}/slots", json=body | {"repeat_weeks": 1}, headers=space["admin"]
    )
    assert r.status_code == 201, r.text
