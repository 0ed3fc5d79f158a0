"""A family on a 360 px phone in WeChat's browser books the last place of an activity (issue
15, item 6): the page says how many places are left before anyone is ticked and pre-fills a
party that fits (one child, no adult place); ticking more is refused in numbers ("您这次一共
3 人……比剩下的 1 个位置多"), not with "约满了" beside "剩余 1 位"; the pre-filled party books.

Real app in uvicorn (`live_server`), system Chromium; screenshots go to /tmp."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.test_family_lending_browser import WECHAT_PHONE
from tests.e2e.test_register_browser import CHROMIUM_ARGS, assert_fits_a_phone
from tests.fakes.fixtures import activity_body, space_body
from tests.helpers import create_staff, family_body

pytestmark = [pytest.mark.browser, pytest.mark.live]

SHOTS = Path("/tmp")
BEIJING = ZoneInfo("Asia/Shanghai")
TITLE = "绘本＋科普：小种子去旅行"


async def one_place_left(base: str) -> tuple[int, dict[str, Any]]:
    """An activity of 3 places without a waitlist; another family took 2; a family of two
    children registered (returned: its registration body)."""
    await create_staff("places-admin")
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        r = await api.post("/api/v1/auth/tokens", json={"login": "places-admin", "password": "staff-pass-1"})
        admin = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await api.post("/api/v1/spaces", json=space_body(), headers=admin)
        assert r.status_code == 201, r.text
        starts = datetime.combine(datetime.now(UTC).astimezone(BEIJING).date() + timedelta(days=1), time(10), BEIJING)
        slot = activity_body(TITLE, starts, capacity=3) | {"waitlist": False}
        r = await api.post(f"/api/v1/spaces/{r.json()['id']}/slots", json=slot, headers=admin)
        assert r.status_code == 201, r.text
        slot_id = int(r.json()["items"][0]["id"])
        other = family_body(children=1)
        r = await api.post("/api/v1/families", json=other)
        child = r.json()["children"][0]["id"]
        r = await api.post("/api/v1/auth/tokens", json={"login": other["phone"], "password": other["password"]})
        token = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await api.post(f"/api/v1/slots/{slot_id}/bookings", json={"child_ids": [child], "adults": 1}, headers=token)
        assert r.status_code == 201, r.text
        mine = family_body(children=2)
        r = await api.post("/api/v1/families", json=mine)
        assert r.status_code == 201, r.text
    return slot_id, mine


async def test_the_last_place_is_offered_and_booked_on_a_wechat_phone(live_server: Any, chromium: str) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    slot_id, family = await one_place_left(base)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(**WECHAT_PHONE)).new_page()
            await page.goto(f"{base}/login?next=/slots/{slot_id}")
            await page.get_by_label("手机号").fill(family["phone"])
            await page.get_by_label("密码").fill(family["password"])
            await page.get_by_role("button", name="登录", exact=True).tap()
            await expect(page).to_have_url(f"{base}/slots/{slot_id}")

            # Said before the ticks, and a party that fits pre-filled.
            await expect(page.locator("#places-left")).to_contain_text("只剩 1 个位置（大人和孩子都算）")
            boxes = page.locator('input[name="child_id"]')
            await expect(boxes.nth(0)).to_be_checked()
            await expect(boxes.nth(1)).not_to_be_checked()
            await expect(page.get_by_label("同行的大人")).to_have_value("0")
            await assert_fits_a_phone(page)
            await page.screenshot(path=str(SHOTS / "booking-last-place-360.png"), full_page=True)

            # Everyone ticked: refused in numbers, the form kept as chosen.
            await boxes.nth(1).check()
            await page.get_by_label("同行的大人").select_option("1")
            await page.get_by_role("button", name="预约", exact=True).tap()
            alert = page.get_by_role("alert")
            await expect(alert).to_contain_text("您这次一共 3 人（大人和孩子都算），比剩下的 1 个位置多")
            await expect(page.locator("main")).not_to_contain_text("约满了")
            await expect(boxes.nth(1)).to_be_checked()

            # One child, no adult place: booked.
            await boxes.nth(1).uncheck()
            await page.get_by_label("同行的大人").select_option("0")
            await page.get_by_role("button", name="预约", exact=True).tap()
            await expect(page).to_have_url(re.compile(r"/bookings\?note=confirmed"))
            await expect(page.get_by_role("status")).to_contain_text("预约成功")
            await assert_fits_a_phone(page)
        finally:
            await browser.close()
