"""The scan log for a space's staff: a failed scan shows up with its reason, the family
masked; filters by corner, outcome and day; only the space's staff read it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from qr.services import tokens
from qr.tokens import Purpose
from tests.helpers import FrozenClock, register_family, staff_headers
from tests.spaces.test_booking_pages import Browsers, browsers, family_browser, staff_browser

__all__ = ["browsers"]  # the fixture, used by name


async def corner(client: httpx.AsyncClient, space: dict[str, Any], name: str) -> int:
    r = await client.post(f"/api/v1/spaces/{space['id']}/corners", json={"name": name}, headers=space["admin"])
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def scan_at(client: httpx.AsyncClient, token: str, fam: dict[str, Any], nonce: str) -> httpx.Response:
    return await client.post("/api/v1/check-ins", json={"token": token, "nonce": nonce}, headers=fam["headers"])


async def test_a_failed_scan_shows_with_its_reason(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    shelf, sofa = await corner(client, space, "绘本架"), await corner(client, space, "小沙发")
    fam = await register_family(client)
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # 20:00 in Beijing: closed
    token = await tokens.issue(Purpose.corner, shelf, now=clock.now())
    r = await scan_at(client, token, fam, "n1")
    assert r.status_code == 409 and r.json()["code"] == "outside_opening_hours"
    clock.set(datetime(2026, 11, 29, 2, 30, tzinfo=UTC))  # Sunday 10:30: open
    assert (await scan_at(client, token, fam, "n2")).status_code == 201
    assert (await scan_at(client, token, fam, "n3")).status_code == 200  # duplicate
    other = await register_family(client)
    sofa_token = await tokens.issue(Purpose.corner, sofa, now=clock.now())
    assert (await scan_at(client, sofa_token, other, "n4")).status_code == 201

    volunteer = await staff_headers(client, "vol1", roles=("volunteer",), spaces=(space["id"],))
    url = f"/api/v1/spaces/{space['id']}/scans"
    r = await client.get(url, headers=volunteer)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(i["outcome"], i["corner_id"]) for i in items] == [
        ("checked_in", sofa),
        ("duplicate", shelf),
        ("checked_in", shelf),
        ("outside_opening_hours", shelf),
    ]
    refused = items[-1]
    assert refused["corner_name"] == "绘本架" and refused["family"] == f"王* · 尾号{fam['phone'][-4:]}"
    assert fam["phone"] not in r.text
    r = await client.get(url, params={"outcome": "outside_opening_hours"}, headers=volunteer)
    assert [i["id"] for i in r.json()["items"]] == [refused["id"]]
    r = await client.get(url, params={"corner_id": sofa}, headers=volunteer)
    assert [i["outcome"] for i in r.json()["items"]] == ["checked_in"]
    r = await client.get(url, params={"from": "2026-11-29", "to": "2026-11-29"}, headers=volunteer)
    assert len(r.json()["items"]) == 3
    r = await client.get(url, params={"limit": 2}, headers=volunteer)
    page = r.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    r = await client.get(url, params={"limit": 2, "cursor": page["next_cursor"]}, headers=volunteer)
    assert [i["outcome"] for i in r.json()["items"]] == ["checked_in", "outside_opening_hours"]
    assert (await client.get(url, params={"from": "yesterday"}, headers=volunteer)).status_code == 400
    r = await client.get(url, params={"to": "9999-12-31"}, headers=volunteer)
    assert r.status_code == 200 and len(r.json()["items"]) == 4

    # The page, as the volunteer at the door sees it: the reason in words, the family masked.
    vol_page = await staff_browser(browsers, "vol2", roles=("volunteer",), spaces=(space["id"],))
    r = await vol_page.get(f"/staff/spaces/{space['id']}/scans", params={"day": "2026-11-28"})
    assert r.status_code == 200 and "不在开放时间" in r.text and f"尾号{fam['phone'][-4:]}" in r.text
    assert fam["phone"] not in r.text and "签到成功" not in r.text.split("<tbody>")[1]
    r = await vol_page.get(
        f"/staff/spaces/{space['id']}/scans", params={"day": "2026-11-29", "corner": str(sofa), "outcome": "checked_in"}
    )
    assert r.text.count('data-outcome="checked_in"') == 1 and "重复签到" not in r.text.split("<tbody>")[1]


async def test_only_the_spaces_staff_read_its_scan_log(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any]
) -> None:
    url = f"/api/v1/spaces/{space['id']}/scans"
    lib = await staff_headers(client, "lib1", roles=("librarian",), spaces=(space["id"],))
    other = await staff_headers(client, "lib2", roles=("librarian",))
    family = (await register_family(client))["headers"]
    assert (await client.get(url, headers=lib)).status_code == 200
    assert (await client.get(url, headers=space["admin"])).status_code == 200
    for who in (other, family):
        assert (await client.get(url, headers=who)).status_code == 403
    assert (await client.get(url)).status_code == 401
    page = f"/staff/spaces/{space['id']}/scans"
    assert (await (await staff_browser(browsers, "lib3", roles=("librarian",))).get(page)).status_code == 403
    assert (await (await family_browser(browsers)).get(page)).status_code == 403
    r = await (await browsers()).get(page)
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")
