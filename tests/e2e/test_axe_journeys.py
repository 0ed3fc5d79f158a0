"""Accessibility of every page of the journeys (issue 15): axe-core (axe-playwright-python)
finds no serious or critical violation on the pages a family opens inside WeChat on a
360 px phone, nor on the pages staff open on a desktop."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.test_lend_browser import corner_token
from tests.e2e.test_register_browser import CHROMIUM_ARGS, PHONE_VIEWPORT
from tests.e2e.test_stats_browser import DESKTOP, no_serious_violations, own_report_ended
from tests.e2e.test_wechat_browser import WECHAT_UA
from tests.fakes.fixtures import activity_body, space_body
from tests.helpers import create_staff, family_body

pytestmark = [pytest.mark.browser, pytest.mark.live]
BEIJING = ZoneInfo("Asia/Shanghai")

ANONYMOUS = ("/", "/login", "/register", "/privacy", "/books", "/spaces/{space}", "/slots/{slot}")
FAMILY = (
    "/family",
    "/bookings",
    "/loans",
    "/holds",
    "/reading-log",
    "/lead-reader",
    "/notifications",
    "/family/data",
    "/q/{corner}",
)
STAFF = (
    "/staff",
    "/staff/scan",
    "/staff/spaces",
    "/staff/spaces/{space}",
    "/staff/people",
    "/staff/policies",
    "/staff/stats",
    "/staff/books",
    "/staff/holds",
    "/staff/slots/{slot}",
    "/staff/sessions/new",
    "/staff/lead-readers",
    "/staff/volunteer-hours",
)


async def world(base: str, settings: Any) -> dict[str, Any]:
    """A space open all day with a corner and an activity tomorrow; a family that booked it."""
    await create_staff("axe-admin")
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        r = await api.post("/api/v1/auth/tokens", json={"login": "axe-admin", "password": "staff-pass-1"})
        admin = {"Authorization": f"Bearer {r.json()['token']}"}
        body = {**space_body("东四十平米阅读空间")}
        body["opening_hours"] = [{"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(1, 8)]
        r = await api.post("/api/v1/spaces", json=body, headers=admin)
        assert r.status_code == 201, r.text
        space = r.json()["id"]
        r = await api.post(f"/api/v1/spaces/{space}/corners", json={"name": "绘本架"}, headers=admin)
        corner = await corner_token(settings, r.json()["id"])
        starts = datetime.combine(datetime.now(UTC).astimezone(BEIJING).date() + timedelta(days=1), time(10), BEIJING)
        r = await api.post(f"/api/v1/spaces/{space}/slots", json=activity_body("绘本＋科学", starts), headers=admin)
        assert r.status_code == 201, r.text
        slot = int(r.json()["items"][0]["id"])
        family = family_body(children=2)
        assert (await api.post("/api/v1/families", json=family)).status_code == 201
        r = await api.post("/api/v1/auth/tokens", json={"login": family["phone"], "password": family["password"]})
        token = {"Authorization": f"Bearer {r.json()['token']}"}
        kids = [c["id"] for c in (await api.get("/api/v1/families/me", headers=token)).json()["children"]]
        r = await api.post(f"/api/v1/slots/{slot}/bookings", json={"child_ids": kids, "adults": 1}, headers=token)
        assert r.status_code == 201, r.text
    return {"space": space, "slot": slot, "corner": corner, "family": family}


async def check(page: Any, base: str, paths: tuple[str, ...], ids: dict[str, Any]) -> None:
    for path in paths:
        response = await page.goto(base + path.format(**ids))
        assert response is not None and response.status == 200, (path, response and response.status)
        await no_serious_violations(page)


async def log_in(page: Any, base: str, url: str, login: str, password: str) -> None:
    await page.goto(f"{base}{url}")
    await page.locator("input[name=login], input[name=phone]").first.fill(login)
    await page.locator("input[type=password]").first.fill(password)
    await page.get_by_role("button", name="登录", exact=True).click()
    await page.wait_for_load_state()


async def test_no_serious_violation_on_any_page_of_the_journeys(live_server: Any, chromium: str, settings: Any) -> None:
    from playwright.async_api import async_playwright

    base = live_server.start()
    ids = await world(base, settings)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            phone = await browser.new_context(
                viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, locale="zh-CN", user_agent=WECHAT_UA
            )
            page = await phone.new_page()
            await check(page, base, ANONYMOUS, ids)
            await log_in(page, base, "/login", ids["family"]["phone"], ids["family"]["password"])
            await check(page, base, FAMILY, ids)

            await own_report_ended()  # else /staff/stats may reload itself under axe
            desktop = await browser.new_context(**DESKTOP)
            page = await desktop.new_page()
            await log_in(page, base, "/staff/login", "axe-admin", "staff-pass-1")
            await check(page, base, STAFF, ids)
        finally:
            await browser.close()
