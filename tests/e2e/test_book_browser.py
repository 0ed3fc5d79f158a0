"""A family books an activity on a 360 px phone in headless Chromium, end to end; then a
librarian, on a phone too, opens the slot's roster and marks the family present.

The real app runs in a uvicorn subprocess (`live_server`) on the system clock; the space and
the activity (tomorrow, Beijing time) are created through the API with a district admin's
token, the family registers through the page. System Chromium only (`/usr/bin/chromium`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.test_register_browser import CHROMIUM_ARGS, CONSENT, PHONE_VIEWPORT, assert_fits_a_phone
from tests.helpers import create_staff, next_phone

pytestmark = [pytest.mark.browser, pytest.mark.live]

SHOTS = Path("/tmp")
BEIJING = ZoneInfo("Asia/Shanghai")
TITLE = "绘本＋安全教育：过马路"


async def space_with_an_activity(base: str) -> tuple[int, int]:
    """A space and an activity starting tomorrow at 10:00 in Beijing, through the API."""
    await create_staff("e2e-admin")
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        r = await api.post("/api/v1/auth/tokens", json={"login": "e2e-admin", "password": "staff-pass-1"})
        assert r.status_code == 201, r.text
        admin = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await api.post(
            "/api/v1/spaces",
            json={
                "name": "吉祥十平米阅读空间",
                "kind": "ten_square",
                "street": "景山",
                "community": "吉祥社区",
                "host_name": "吉祥社区儿童之家",
                "address": "东城区景山街道吉祥社区服务站一层",
                "capacity": 12,
                "opening_hours": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)],
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        space_id = int(r.json()["id"])
        tomorrow = datetime.now(UTC).astimezone(BEIJING).date() + timedelta(days=1)
        starts = datetime.combine(tomorrow, time(10, 0), BEIJING)
        r = await api.post(
            f"/api/v1/spaces/{space_id}/slots",
            json={
                "kind": "activity",
                "title": TITLE,
                "theme": "safety",
                "description": "读《小兔子过马路》，再到路口学认红绿灯。",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=1)).isoformat(),
                "capacity": 10,
                "waitlist": True,
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        return space_id, int(r.json()["items"][0]["id"])


async def test_family_books_an_activity_then_a_librarian_marks_it_attended(live_server: Any, chromium: str) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    space_id, slot_id = await space_with_an_activity(base)
    await create_staff("e2e-lib", roles=("librarian",), spaces=(space_id,))
    phone = next_phone()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            phone_context: dict[str, Any] = {
                "viewport": PHONE_VIEWPORT,
                "is_mobile": True,
                "has_touch": True,
                "locale": "zh-CN",
                "device_scale_factor": 1,
            }
            family = await (await browser.new_context(**phone_context)).new_page()

            # The family registers through the page.
            await family.goto(f"{base}/register")
            await family.get_by_label("监护人姓名").fill("王妈妈")
            await family.get_by_label("手机号（用于登录）").fill(phone)
            await family.get_by_label("密码（至少 8 位）").fill("family-pass-1")
            for n, (nickname, month) in enumerate([("小雨", "2021-05"), ("豆豆", "2023-09")], start=1):
                child = family.get_by_role("group", name=f"孩子 {n}", exact=True)
                await child.get_by_label("昵称").fill(nickname)
                await child.get_by_label("出生年月").fill(month)
            await family.get_by_label(CONSENT).check()
            await family.get_by_role("button", name="注册", exact=True).tap()
            await expect(family).to_have_url(f"{base}/family?welcome=1")

            # Tap 1: the space page, with the week and the activity's remaining places.
            await family.goto(f"{base}/")
            await family.get_by_role("link", name=re.compile("吉祥十平米阅读空间")).tap()
            await expect(family).to_have_url(f"{base}/spaces/{space_id}")
            activity = family.get_by_role("link", name=re.compile(TITLE))
            await expect(activity).to_contain_text("剩 10 位")
            await expect(activity).to_contain_text("10:00")
            await assert_fits_a_phone(family)
            await family.screenshot(path=str(SHOTS / "book-space-360.png"), full_page=True)

            # Tap 2: the activity, both children ticked.
            await activity.tap()
            await expect(family).to_have_url(f"{base}/slots/{slot_id}")
            await expect(family.get_by_role("heading", level=1)).to_have_text(TITLE)
            await expect(family.get_by_label(re.compile("小雨"))).to_be_checked()
            await expect(family.get_by_label(re.compile("豆豆"))).to_be_checked()
            await assert_fits_a_phone(family)
            await family.screenshot(path=str(SHOTS / "book-slot-360.png"), full_page=True)

            # Tap 3: 预约 → confirmed, in my bookings.
            await family.get_by_role("button", name="预约", exact=True).tap()
            await expect(family).to_have_url(re.compile(rf"{re.escape(base)}/bookings\?note=confirmed&b=\d+"))
            await expect(family.get_by_role("status")).to_contain_text("预约成功")
            mine = family.locator("li.booking", has_text=TITLE)
            await expect(mine).to_contain_text("已确认")
            await expect(mine).to_contain_text("3 人")
            await mine.get_by_text("签到二维码").tap()
            qr = mine.get_by_role("img", name="预约二维码")
            await expect(qr).to_be_visible()
            await expect(qr).to_have_js_property("complete", True)
            assert await qr.evaluate("(img) => img.naturalWidth") > 0  # the code really loaded
            await assert_fits_a_phone(family)
            await family.screenshot(path=str(SHOTS / "book-bookings-360.png"), full_page=True)
            await mine.get_by_text("取消预约").tap()  # the confirmation opens, nothing is cancelled yet
            await expect(mine.get_by_role("button", name="确定取消")).to_be_visible()
            await assert_fits_a_phone(family)
            await family.screenshot(path=str(SHOTS / "book-cancel-confirm-360.png"), full_page=False)

            # The librarian, on a phone: the staff desk, the roster, mark the family present.
            staff = await (await browser.new_context(**phone_context)).new_page()
            await staff.goto(f"{base}/staff/login")
            await staff.get_by_label("用户名").fill("e2e-lib")
            await staff.get_by_label("密码").fill("staff-pass-1")
            await staff.get_by_role("button", name="登录", exact=True).tap()
            await expect(staff).to_have_url(f"{base}/staff")  # staff land on their 工作台 (issue 15, item 9)
            await staff.get_by_role("navigation").get_by_role("link", name="工作台").tap()
            await expect(staff).to_have_url(f"{base}/staff")
            row = staff.get_by_role("link", name=re.compile(TITLE))
            await expect(row).to_contain_text("已约 3 / 10 人")
            await assert_fits_a_phone(staff)
            await staff.screenshot(path=str(SHOTS / "book-staff-360.png"), full_page=True)

            await row.tap()
            await expect(staff).to_have_url(f"{base}/staff/slots/{slot_id}")
            entry = staff.locator("ul.roster li", has_text="王妈妈")
            await expect(entry).to_contain_text("小雨、豆豆")
            await expect(entry).to_contain_text("已确认")
            await assert_fits_a_phone(staff)
            await entry.get_by_role("button", name="王妈妈 到场签到").tap()
            await expect(staff).to_have_url(re.compile(r"/staff/slots/\d+\?note=attended"))
            await expect(staff.get_by_role("status")).to_contain_text("已标记到场")
            await expect(entry).to_contain_text("已签到")
            await expect(entry.get_by_role("button")).to_have_count(0)
            await assert_fits_a_phone(staff)
            await staff.screenshot(path=str(SHOTS / "book-roster-360.png"), full_page=True)

            # The family sees it among past bookings.
            await family.goto(f"{base}/bookings")
            await expect(family.locator("ul.past li", has_text=TITLE)).to_contain_text("已签到")

            # The other staff pages fit a phone too, and so do the pages in English (longer words).
            for path, shot in [
                (f"/staff/spaces/{space_id}/slots/new", "book-new-slot-360.png"),
                (f"/staff/spaces/{space_id}/closures", "book-closures-360.png"),
                (f"/staff/slots/{slot_id}?lang=en", "book-roster-en-360.png"),
                ("/staff?view=day&lang=en", "book-staff-en-360.png"),
            ]:
                await staff.goto(f"{base}{path}")
                await assert_fits_a_phone(staff)
                await staff.screenshot(path=str(SHOTS / shot), full_page=True)
            for path, shot in [
                (f"/spaces/{space_id}?lang=en", "book-space-en-360.png"),
                (f"/slots/{slot_id}?lang=en", "book-slot-en-360.png"),
                ("/bookings?lang=en", "book-bookings-en-360.png"),
            ]:
                await family.goto(f"{base}{path}")
                await expect(family.locator("html")).to_have_attribute("lang", "en")
                await assert_fits_a_phone(family)
                await family.screenshot(path=str(SHOTS / shot), full_page=True)
        finally:
            await browser.close()
    for name in ("space", "slot", "bookings", "staff", "roster"):
        assert (SHOTS / f"book-{name}-360.png").stat().st_size > 10_000
