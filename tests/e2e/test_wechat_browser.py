"""Inside WeChat's browser (its user agent) on a 360 px phone: 微信一键登录 through the fake
WeChat's authorization, binding the family account once, logging in by WeChat afterwards,
and booking an activity.

The app runs in a uvicorn subprocess whose WeChat settings point at the fake (in this test's
process), and whose BASE_URL is its own address, so WeChat's redirect comes back to it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.test_register_browser import CHROMIUM_ARGS, PHONE_VIEWPORT, assert_fits_a_phone
from tests.fakes import wechat
from tests.fakes.fixtures import activity_body, space_body
from tests.fakes.wechat import FakeWeChat
from tests.helpers import create_staff, family_body, free_port

pytestmark = [pytest.mark.browser, pytest.mark.live]

SHOTS = Path("/tmp")
BEIJING = ZoneInfo("Asia/Shanghai")
TITLE = "绘本＋自然：秋天的树叶"
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
    "Chrome/120.0.6099.193 Mobile Safari/537.36 XWEB/1200137 MMWEBSDK/20240301 MMWEBID/9871 "
    "MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)


async def activity_tomorrow(base: str) -> int:
    """A space and an activity tomorrow at 10:00 in Beijing, through the API."""
    await create_staff("wx-admin")
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        r = await api.post("/api/v1/auth/tokens", json={"login": "wx-admin", "password": "staff-pass-1"})
        admin = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await api.post("/api/v1/spaces", json=space_body("东四十平米阅读空间"), headers=admin)
        assert r.status_code == 201, r.text
        starts = datetime.combine(datetime.now(UTC).astimezone(BEIJING).date() + timedelta(days=1), time(10), BEIJING)
        slot = activity_body(TITLE, starts)
        r = await api.post(f"/api/v1/spaces/{r.json()['id']}/slots", json=slot, headers=admin)
        assert r.status_code == 201, r.text
        return int(r.json()["items"][0]["id"])


async def registered_family(base: str) -> dict[str, Any]:
    body = family_body()
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        r = await api.post("/api/v1/families", json=body)
        assert r.status_code == 201, r.text
    return body


async def test_wechat_log_in_then_book(live_server: Any, chromium: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.async_api import async_playwright, expect

    with FakeWeChat() as fake:
        port = free_port()
        monkeypatch.setattr("tests.helpers.free_port", lambda: port)
        base = live_server.start(
            extra_env={
                "BASE_URL": f"http://127.0.0.1:{port}",
                "WECHAT_APP_ID": wechat.APP_ID,
                "WECHAT_APP_SECRET": wechat.APP_SECRET,
                "WECHAT_OAUTH_URL": fake.url,
                "WECHAT_API_URL": fake.url,
            }
        )
        assert base == f"http://127.0.0.1:{port}"
        slot_id = await activity_tomorrow(base)
        family = await registered_family(base)

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                context = await browser.new_context(
                    viewport=PHONE_VIEWPORT,
                    is_mobile=True,
                    has_touch=True,
                    locale="zh-CN",
                    device_scale_factor=1,
                    user_agent=WECHAT_UA,
                )
                page = await context.new_page()

                # The log-in page inside WeChat offers WeChat; its authorization brings the
                # follower back, who binds the family account once with its password.
                await page.goto(f"{base}/login?next=/slots/{slot_id}")
                await assert_fits_a_phone(page)
                await page.get_by_role("link", name="微信一键登录").tap()
                # (The browser keeps the authorization URL's #wechat_redirect through the redirects.)
                await expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/wechat/bind(#wechat_redirect)?$"))
                await expect(page.get_by_role("heading", level=1)).to_have_text("绑定微信")
                await assert_fits_a_phone(page)
                await page.screenshot(path=str(SHOTS / "wechat-bind-360.png"), full_page=True)
                await page.get_by_label("手机号").fill(family["phone"])
                await page.get_by_label("密码").fill(family["password"])
                await page.get_by_role("button", name="绑定并登录").tap()
                await expect(page).to_have_url(f"{base}/slots/{slot_id}")

                # Log out; WeChat logs the family straight in from now on.
                await page.get_by_role("button", name="退出").tap()
                await expect(page).to_have_url(f"{base}/")
                await page.goto(f"{base}/login?next=/slots/{slot_id}")
                await page.get_by_role("link", name="微信一键登录").tap()
                await expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/slots/{slot_id}(#wechat_redirect)?$"))
                assert len(fake.used) == 2  # two authorizations, each code used once

                # Book: both children ticked, 预约 → confirmed.
                await expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
                await page.get_by_role("button", name="预约", exact=True).tap()
                await expect(page).to_have_url(re.compile(rf"{re.escape(base)}/bookings\?note=confirmed&b=\d+"))
                await expect(page.get_by_role("status")).to_contain_text("预约成功")
                await expect(page.locator("li.booking", has_text=TITLE)).to_contain_text("已确认")
                await page.screenshot(path=str(SHOTS / "wechat-booked-360.png"), full_page=True)

                # 我的家庭 shows the binding and its notice choices, and fits the phone.
                await page.goto(f"{base}/family")
                await expect(page.get_by_role("button", name="解除微信绑定")).to_be_visible()
                await assert_fits_a_phone(page)
                await page.screenshot(path=str(SHOTS / "wechat-family-360.png"), full_page=True)
            finally:
                await browser.close()
