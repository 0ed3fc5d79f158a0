"""`/q/<token>` pages: log in first and come straight back, check in with a tap, clear pages
for bad codes, nothing revealed about another family's booking."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from qr.services import tokens
from qr.tokens import Purpose
from tests.helpers import FrozenClock, next_phone
from tests.spaces.conftest import make_slot
from tests.web.forms import log_in, register_in_browser, submit


async def test_corner_scan_login_then_check_in(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 28, 2, 30, tzinfo=UTC))
    r = await client.post(f"/api/v1/spaces/{space['id']}/corners", json={"name": "绘本架"}, headers=space["admin"])
    token = await tokens.issue(Purpose.corner, r.json()["id"], now=clock.now())
    phone = next_phone()
    r = await client.get(f"/q/{token}")
    assert r.status_code in (302, 303) and r.headers["location"] == f"/login?next=/q/{token}"
    await register_in_browser(client, phone)
    await log_out_keep(client)
    r = await log_in(client, phone, "family-pass-1", next=f"/q/{token}")
    assert r.headers["location"] == f"/q/{token}"
    page = await client.get(f"/q/{token}")
    assert page.status_code == 200 and "吉祥十平米阅读空间" in page.text and 'name="child_id"' in page.text
    r = await submit(client, f"/q/{token}", {"nonce": "abc", "child_id": []}, page=f"/q/{token}")
    assert r.status_code == 200, r.text
    assert "签到成功" in r.text
    r = await submit(client, f"/q/{token}", {"nonce": "def"}, page=f"/q/{token}")
    assert "已签到" in r.text


async def log_out_keep(client: httpx.AsyncClient) -> None:
    await submit(client, "/logout", {}, page="/")


async def test_bad_and_revoked_codes_get_a_clear_page(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    r = await client.get("/q/not-a-real-token")
    assert r.status_code == 400 and "二维码无效" in r.text and "<html" in r.text
    r = await client.post(f"/api/v1/spaces/{space['id']}/corners", json={"name": "绘本架"}, headers=space["admin"])
    corner_id = r.json()["id"]
    token = await tokens.issue(Purpose.corner, corner_id, now=clock.now())
    await tokens.revoke(Purpose.corner, corner_id, now=clock.now())
    r = await client.get(f"/q/{token}")
    assert r.status_code == 410 and "二维码已作废" in r.text


async def test_someone_elses_booking_reveals_nothing(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    from tests.helpers import register_family

    owner = await register_family(client)
    slot = await make_slot(client, space, clock)
    child = owner["family"]["children"][0]["id"]
    booking = (
        await client.post(f"/api/v1/slots/{slot['id']}/bookings", json={"child_ids": [child]}, headers=owner["headers"])
    ).json()
    token = await tokens.issue(Purpose.booking, booking["id"], now=clock.now())
    stranger = next_phone()
    await register_in_browser(client, stranger)
    r = await client.get(f"/q/{token}")
    assert r.status_code == 404
    assert "绘本＋安全教育" not in r.text and owner["phone"] not in r.text
