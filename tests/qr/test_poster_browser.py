"""From a printed poster to "签到成功" on a 360 px phone, end to end.

The real app runs in a uvicorn subprocess (`live_server`, system clock). A space open all day
and a corner are created through the API; the corner's poster PNG is fetched from the server
and its QR code DECODED with zxing-cpp; headless Chromium opens the decoded URL, is sent to
log in, registers a family there, comes straight back and taps 签到. The servers' BASE_URL is
`http://testserver`, so Chromium resolves that host to the live server: the exact decoded URL
is opened, as a phone would. System Chromium only (`/usr/bin/chromium`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from spaces.tables import CheckIn
from tests.e2e.test_register_browser import CHROMIUM_ARGS, CONSENT, PHONE_VIEWPORT, assert_fits_a_phone
from tests.helpers import create_staff, next_phone
from tests.qr.conftest import decode_one, token_of

pytestmark = [pytest.mark.browser, pytest.mark.live]

SCREENSHOT = Path("/tmp/qr-check-in-360.png")
SPACE = "史家十平米阅读空间"
CORNER = "绘本架"


async def poster_of_a_space_open_now(base: str) -> tuple[bytes, int]:
    """A space open all day every day with one corner, through the API; its poster PNG."""
    await create_staff("qr-e2e-admin")
    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        r = await api.post("/api/v1/auth/tokens", json={"login": "qr-e2e-admin", "password": "staff-pass-1"})
        assert r.status_code == 201, r.text
        admin = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await api.post(
            "/api/v1/spaces",
            json={
                "name": SPACE,
                "kind": "ten_square",
                "street": "朝阳门",
                "address": "东城区朝阳门街道史家社区服务站一层",
                "capacity": 12,
                "opening_hours": [{"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(1, 8)],
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        space_id = r.json()["id"]
        r = await api.post(f"/api/v1/spaces/{space_id}/corners", json={"name": CORNER}, headers=admin)
        assert r.status_code == 201, r.text
        r = await api.get(f"/api/v1/spaces/{space_id}/poster.png", headers=admin)
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        return r.content, space_id


async def test_decoded_poster_url_logs_in_and_checks_in_on_a_phone(
    live_server: Any, chromium: str, settings: Any
) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start(timeout=120)
    poster, space_id = await poster_of_a_space_open_now(base)
    url = decode_one(poster).text  # what a phone camera reads off the printed poster
    token = token_of(url, settings.base_url)
    origin = settings.base_url
    host = urlsplit(origin)
    phone = next_phone()

    resolve = f"--host-resolver-rules=MAP {host.hostname}:{host.port or 80} 127.0.0.1:{urlsplit(base).port}"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=[*CHROMIUM_ARGS, resolve])
        try:
            context = await browser.new_context(
                viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, locale="zh-CN", device_scale_factor=1
            )
            page = await context.new_page()

            await page.goto(url)
            await expect(page).to_have_url(f"{origin}/login?next=/q/{token}")
            await expect(page.get_by_role("heading", level=1)).to_be_visible()
            await assert_fits_a_phone(page)

            # No account yet: register from the log-in page, and come straight back.
            await page.get_by_role("link", name="注册家庭账号").tap()
            await expect(page).to_have_url(f"{origin}/register?next=/q/{token}")
            await page.get_by_label("监护人姓名").fill("李爸爸")
            await page.get_by_label("手机号（用于登录）").fill(phone)
            await page.get_by_label("密码（至少 8 位）").fill("family-pass-1")
            for n, (nickname, month) in enumerate([("小雨", "2021-05"), ("豆豆", "2023-09")], start=1):
                child = page.get_by_role("group", name=f"孩子 {n}", exact=True)
                await child.get_by_label("昵称").fill(nickname)
                await child.get_by_label("出生年月").fill(month)
            await page.get_by_label(CONSENT).check()
            await page.get_by_role("button", name="注册", exact=True).tap()

            await expect(page).to_have_url(url)
            await expect(page.get_by_role("heading", level=1)).to_have_text("签到")
            await expect(page.get_by_text(SPACE)).to_be_visible()
            await expect(page.get_by_text(CORNER, exact=True)).to_be_visible()
            for nickname in ("小雨", "豆豆"):
                await expect(page.get_by_label(nickname)).to_be_checked()
            await assert_fits_a_phone(page)

            await page.get_by_role("button", name="签到", exact=True).tap()
            await expect(page.get_by_role("heading", level=1)).to_have_text("签到成功")
            await expect(page.get_by_role("status")).to_contain_text("签到时间")
            await assert_fits_a_phone(page)
            await page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            await browser.close()

    rows = await CheckIn.select(CheckIn.kind, CheckIn.people, CheckIn.space).where(CheckIn.space == space_id)
    assert rows == [{"kind": "visit", "people": 3, "space": space_id}]
    assert SCREENSHOT.stat().st_size > 5_000
