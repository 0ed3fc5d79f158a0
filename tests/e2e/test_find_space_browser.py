"""Finding a space on a 360 px phone in WeChat's browser (issue 15, item 8): search by name or
address, a subdistrict filter, "现在开放" and "本周有活动" (each space marked with both), and
a space's page opens its address in AMap or Baidu Maps.

Real app in uvicorn (`live_server`, the real clock: the hours are set around the current
time), system Chromium; screenshots go to /tmp."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.test_check_in_browser import closed_hours
from tests.e2e.test_family_lending_browser import WECHAT_PHONE
from tests.e2e.test_register_browser import CHROMIUM_ARGS, assert_fits_a_phone
from tests.helpers import create_staff

pytestmark = [pytest.mark.browser, pytest.mark.live]

SHOTS = Path("/tmp")
BEIJING = ZoneInfo("Asia/Shanghai")
OPEN, CLOSED, BUSY = "吉祥十平米阅读空间", "福祥十平米阅读空间", "草厂十平米阅读空间"
PLACES = {OPEN: (39.9255, 116.3972), CLOSED: (39.9405, 116.4113), BUSY: (39.8968, 116.3985)}


async def three_spaces(base: str) -> dict[str, int]:
    """Open all day (景山); closed now (交道口); closed now with an activity tomorrow (前门)."""
    await create_staff("finder-admin")
    now = datetime.now(UTC).astimezone(BEIJING)
    opens, closes = closed_hours(now)
    ids: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        r = await api.post("/api/v1/auth/tokens", json={"login": "finder-admin", "password": "staff-pass-1"})
        admin = {"Authorization": f"Bearer {r.json()['token']}"}
        for name, street, hours, (lat, lng) in (
            (OPEN, "景山", ("00:00", "23:59"), PLACES[OPEN]),
            (CLOSED, "交道口", (opens, closes), PLACES[CLOSED]),
            (BUSY, "前门", (opens, closes), PLACES[BUSY]),
        ):
            body = {
                "name": name,
                "kind": "ten_square",
                "street": street,
                "address": f"东城区{street}街道社区服务站一层",
                "capacity": 12,
                "opening_hours": [{"weekday": d, "opens": hours[0], "closes": hours[1]} for d in range(1, 8)],
                "latitude": lat,
                "longitude": lng,
            }
            r = await api.post("/api/v1/spaces", json=body, headers=admin)
            assert r.status_code == 201, r.text
            ids[name] = r.json()["id"]
        starts = now + timedelta(days=1)
        slot = {
            "kind": "activity",
            "title": "绘本＋科普：小种子去旅行",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "capacity": 10,
        }
        r = await api.post(f"/api/v1/spaces/{ids[BUSY]}/slots", json=slot, headers=admin)
        assert r.status_code == 201, r.text
    return ids


async def test_search_filter_and_navigate_on_a_wechat_phone(live_server: Any, chromium: str) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    ids = await three_spaces(base)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(**WECHAT_PHONE)).new_page()
            await page.goto(f"{base}/")
            cards = page.locator("ul.cards li.card")
            await expect(cards).to_have_count(3)
            await expect(cards.filter(has_text=OPEN)).to_contain_text("开放中")
            await expect(cards.filter(has_text=BUSY)).to_contain_text("本周有活动")
            await expect(cards.filter(has_text=CLOSED)).not_to_contain_text("开放中")
            await assert_fits_a_phone(page)
            await page.screenshot(path=str(SHOTS / "find-space-360.png"), full_page=True)

            # Search by a word of the address.
            await page.get_by_label("搜索空间").fill("交道口")
            await page.get_by_role("button", name="找空间").tap()
            await expect(page.locator("#found")).to_contain_text("找到 1 个空间")
            await expect(cards).to_have_count(1)
            await expect(cards).to_contain_text(CLOSED)

            # A subdistrict; then open now; then activities this week.
            await page.goto(f"{base}/")
            await page.get_by_label("街道").select_option("前门")
            await page.get_by_role("button", name="找空间").tap()
            await expect(cards).to_have_count(1)
            await expect(cards).to_contain_text(BUSY)
            await page.goto(f"{base}/")
            await page.get_by_text("现在开放", exact=True).tap()
            await page.get_by_role("button", name="找空间").tap()
            await expect(cards).to_have_count(1)
            await expect(cards).to_contain_text(OPEN)
            await page.goto(f"{base}/?week=1")
            await expect(cards).to_have_count(1)
            await expect(cards).to_contain_text(BUSY)
            await expect(page.get_by_label("本周有活动")).to_be_checked()
            await assert_fits_a_phone(page)

            # The space's page: navigation in AMap or Baidu Maps.
            await cards.get_by_role("link").tap()
            await expect(page).to_have_url(f"{base}/spaces/{ids[BUSY]}")
            where = quote("北京市东城区前门街道社区服务站一层 " + BUSY)
            amap = page.get_by_role("link", name="导航（高德地图）")
            await expect(amap).to_have_attribute(
                "href", f"https://uri.amap.com/search?keyword={where}&city=110000&src=storycorner&callnative=1"
            )
            baidu = page.get_by_role("link", name="百度地图")
            await expect(baidu).to_have_attribute(
                "href", f"https://api.map.baidu.com/geocoder?address={where}&output=html&src=storycorner"
            )
            await assert_fits_a_phone(page)
        finally:
            await browser.close()


async def test_nearest_first_when_the_phone_shares_its_location(live_server: Any, chromium: str) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    await three_spaces(base)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            # A family standing by the 前门 space (草厂), then by the 交道口 one.
            context = await browser.new_context(
                **WECHAT_PHONE, geolocation={"latitude": 39.8975, "longitude": 116.3990}, permissions=["geolocation"]
            )
            page = await context.new_page()
            await page.goto(f"{base}/")
            await page.get_by_role("button", name="离我最近").tap()
            await expect(page).to_have_url(re.compile(r"near=39\.8975.*116\.399"))
            await expect(page.get_by_role("heading", name="离我最近的空间")).to_be_visible()
            cards = page.locator("ul.cards li.card")
            await expect(cards).to_have_count(3)
            await expect(cards.nth(0)).to_contain_text(BUSY)
            await expect(cards.nth(0)).to_contain_text("约 0.1 公里")
            await expect(cards.nth(1)).to_contain_text(OPEN)
            await expect(cards.nth(2)).to_contain_text(CLOSED)
            await assert_fits_a_phone(page)

            await context.set_geolocation({"latitude": 39.9410, "longitude": 116.4110})
            await page.get_by_role("button", name="离我最近").tap()
            await expect(cards.nth(0)).to_contain_text(CLOSED)
            # The filters keep the order: 现在开放 leaves one space.
            await page.get_by_text("现在开放", exact=True).tap()
            await page.get_by_role("button", name="找空间").tap()
            await expect(page).to_have_url(re.compile(r"near="))
            await expect(cards).to_have_count(1)
            await expect(cards).to_contain_text(OPEN)
        finally:
            await browser.close()


async def test_a_refused_location_says_what_to_do(live_server: Any, chromium: str) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(**WECHAT_PHONE, permissions=[])).new_page()
            await page.goto(f"{base}/")
            await page.get_by_role("button", name="离我最近").tap()
            await expect(page.locator("#near-status")).to_contain_text("没能取得位置")
            await expect(page).to_have_url(f"{base}/")
        finally:
            await browser.close()
