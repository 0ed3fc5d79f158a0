"""A family scans a corner's code on a 360 px phone in WeChat's browser (issue 15, items 5,
7 and 9).

Closed now: before anything can be ticked the page says so once, with today's opening hours,
when the space opens next, the family's booking today and when its check-in opens, and what
to do next (come back then; the space's hours and activities; my bookings); there is no form.
Open: the family ticks the children who came and says how many adults came, and the
check-in counts exactly them; its success page names the space and the children and offers
"借本书" (this space's books) and "记一笔" (the reading log).

Real app in uvicorn (`live_server`, the real clock: the hours are set around the current
time), system Chromium; screenshots go to /tmp."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.test_family_lending_browser import WECHAT_PHONE
from tests.e2e.test_lend_browser import corner_token
from tests.e2e.test_register_browser import CHROMIUM_ARGS, assert_fits_a_phone
from tests.helpers import create_staff, family_body

pytestmark = [pytest.mark.browser, pytest.mark.live]

SHOTS = Path("/tmp")
BEIJING = ZoneInfo("Asia/Shanghai")


def closed_hours(now: datetime) -> tuple[str, str]:
    """An opening range today that does not hold `now` (local): an hour from the next full
    hour, or, late in the evening, earlier in the day."""
    if now.hour <= 21:
        return f"{now.hour + 1:02d}:00", f"{now.hour + 2:02d}:00"
    return f"{now.hour - 3:02d}:00", f"{now.hour - 2:02d}:00"


async def spaces_and_family(base: str, settings: Any) -> dict[str, Any]:
    """A space closed now (a booking of the family's today, when today has minutes left), one
    open all day, and a family of two children; the corners' codes."""
    await create_staff("checkin-admin")
    now = datetime.now(UTC).astimezone(BEIJING)
    opens, closes = closed_hours(now)
    found: dict[str, Any] = {"hours": f"{opens}–{closes}"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        r = await api.post("/api/v1/auth/tokens", json={"login": "checkin-admin", "password": "staff-pass-1"})
        admin = {"Authorization": f"Bearer {r.json()['token']}"}
        for key, name, hours in (
            ("closed", "吉祥十平米阅读空间", (opens, closes)),
            ("open", "福祥十平米阅读空间", ("00:00", "23:59")),
        ):
            body = {
                "name": name,
                "kind": "ten_square",
                "street": "景山",
                "address": "东城区景山街道",
                "capacity": 12,
                "opening_hours": [{"weekday": d, "opens": hours[0], "closes": hours[1]} for d in range(1, 8)],
            }
            r = await api.post("/api/v1/spaces", json=body, headers=admin)
            assert r.status_code == 201, r.text
            space_id = r.json()["id"]
            r = await api.post(f"/api/v1/spaces/{space_id}/corners", json={"name": "绘本架"}, headers=admin)
            found[key] = {"id": space_id, "token": await corner_token(settings, r.json()["id"])}
        family = family_body(children=2)
        r = await api.post("/api/v1/families", json=family)
        assert r.status_code == 201, r.text
        found["family"] = family
        found["children"] = [c["nickname"] for c in r.json()["children"]]
        starts = (now + timedelta(minutes=10)).replace(second=0, microsecond=0)
        found["booked"] = starts.date() == now.date()
        if found["booked"]:
            slot = {
                "kind": "activity",
                "title": "绘本＋阅读：家庭领读人带读",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=1)).isoformat(),
                "capacity": 10,
            }
            r = await api.post(f"/api/v1/spaces/{found['closed']['id']}/slots", json=slot, headers=admin)
            assert r.status_code == 201, r.text
            slot_id = r.json()["items"][0]["id"]
            r = await api.post("/api/v1/auth/tokens", json={"login": family["phone"], "password": family["password"]})
            token = {"Authorization": f"Bearer {r.json()['token']}"}
            kids = [c["id"] for c in (await api.get("/api/v1/families/me", headers=token)).json()["children"]]
            body = {"child_ids": kids, "adults": 1}
            r = await api.post(f"/api/v1/slots/{slot_id}/bookings", json=body, headers=token)
            assert r.status_code == 201, r.text
            found["starts"] = starts.strftime("%H:%M")
    return found


async def test_a_closed_space_says_what_to_do_and_a_check_in_counts_who_came(
    live_server: Any, chromium: str, settings: Any
) -> None:
    from playwright.async_api import async_playwright, expect

    from spaces.tables import CheckIn

    base = live_server.start()
    found = await spaces_and_family(base, settings)
    family = found["family"]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(**WECHAT_PHONE)).new_page()
            await page.goto(f"{base}/login")
            await page.get_by_label("手机号").fill(family["phone"])
            await page.get_by_label("密码").fill(family["password"])
            await page.get_by_role("button", name="登录", exact=True).tap()
            await expect(page).to_have_url(f"{base}/")

            # Closed now: said before any tick, once, with the hours, the booking and what next.
            await page.goto(f"{base}/q/{found['closed']['token']}")
            help_box = page.locator("#check-in-help")
            await expect(help_box).to_contain_text("现在不在开放时间内")
            await expect(page.get_by_text("现在不在开放时间内")).to_have_count(1)
            await expect(help_box).to_contain_text(f"今天开放：{found['hours']}")
            await expect(help_box).to_contain_text("下次开放：")
            if found["booked"]:
                await expect(help_box).to_contain_text(f"您今天的预约：绘本＋阅读：家庭领读人带读 {found['starts']}")
                await expect(page.locator("#main").get_by_role("link", name="我的预约", exact=True)).to_be_visible()
            await expect(page.locator('input[name="child_id"]')).to_have_count(0)
            await expect(page.get_by_role("button", name="签到", exact=True)).to_have_count(0)
            await assert_fits_a_phone(page)
            await page.screenshot(path=str(SHOTS / "check-in-closed-360.png"), full_page=True)
            await page.get_by_role("link", name="看看开放时间和活动").tap()
            await expect(page).to_have_url(f"{base}/spaces/{found['closed']['id']}")

            # Open: one of the two children came, with two adults.
            await page.goto(f"{base}/q/{found['open']['token']}")
            boxes = page.locator('input[name="child_id"]')
            await expect(boxes).to_have_count(2)
            await expect(boxes.nth(0)).to_be_checked()
            await expect(page.get_by_label("来了几位大人")).to_have_value("1")
            await boxes.nth(1).uncheck()
            await page.get_by_label("来了几位大人").select_option("2")
            await assert_fits_a_phone(page)
            await page.screenshot(path=str(SHOTS / "check-in-open-360.png"), full_page=True)
            await page.get_by_role("button", name="签到", exact=True).tap()
            # Success names the space and the children, and offers the next steps (item 9).
            done = page.get_by_role("status")
            await expect(done).to_contain_text("签到成功")
            await expect(done).to_contain_text("福祥十平米阅读空间")
            await expect(done).to_contain_text(f"今天来的孩子：{found['children'][0]}")
            await expect(done).not_to_contain_text(found["children"][1])
            await expect(done).to_contain_text("这次签到共 3 人")
            borrow = page.get_by_role("link", name="借本书")
            await expect(borrow).to_have_attribute("href", f"/books?space={found['open']['id']}")
            await assert_fits_a_phone(page)
            await page.screenshot(path=str(SHOTS / "check-in-done-360.png"), full_page=True)
            await page.get_by_role("link", name="记一笔：今天读了什么").tap()
            await expect(page).to_have_url(f"{base}/reading-log")
        finally:
            await browser.close()
    rows = await CheckIn.select(CheckIn.people, CheckIn.child_ids).where(CheckIn.space == found["open"]["id"])
    assert [r["people"] for r in rows] == [3]
