"""A family registers on a 360 px phone in headless Chromium, then logs out and in again.

Runs the real app in a uvicorn subprocess (`live_server`) and the system Chromium
(`/usr/bin/chromium`); Playwright never downloads a browser here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers import next_phone

pytestmark = [pytest.mark.browser, pytest.mark.live]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 360, "height": 740}
SCREENSHOT = Path("/tmp/register-360.png")
CONSENT = "我是孩子的监护人，已阅读并同意隐私政策，同意处理孩子的信息。"

# Everything a thumb taps must be at least 44 px high (WCAG 2.5.5); links inside sentences excepted.
TAP_TARGETS = (
    ".bar a, .bar button, .foot-links a, .alt a, .button, button, summary, label.check,"
    " input:not([type=hidden]):not([type=checkbox])"
)


async def assert_fits_a_phone(page: Any) -> None:
    """No horizontal scrolling at 360 px, and every tap target is big enough."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_VIEWPORT["width"], f"{page.url} scrolls sideways: {width}px"
    small = await page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter((el) => el.offsetParent !== null)
            .map((el) => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)""",
        TAP_TARGETS,
    )
    assert not small, f"tap targets under 44 px on {page.url}: {small}"


async def test_family_registers_on_a_phone_then_logs_out_and_in(live_server: Any, chromium: str) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    phone = next_phone()
    password = "family-pass-1"

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(
                viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, locale="zh-CN", device_scale_factor=1
            )
            page = await context.new_page()

            await page.goto(f"{base}/")
            await expect(page.get_by_role("heading", level=1)).to_have_text("和孩子一起读绘本")
            await assert_fits_a_phone(page)

            await page.get_by_role("navigation").get_by_role("link", name="注册", exact=True).tap()
            await expect(page).to_have_url(f"{base}/register")
            await expect(page.get_by_role("heading", level=1)).to_have_text("注册家庭账号")

            await page.get_by_label("监护人姓名").fill("王妈妈")
            await page.get_by_label("手机号（用于登录）").fill(phone)
            await page.get_by_label("密码（至少 8 位）").fill(password)
            for n, (nickname, month) in enumerate([("小雨", "2021-05"), ("豆豆", "2023-09")], start=1):
                child = page.get_by_role("group", name=f"孩子 {n}", exact=True)
                await child.get_by_label("昵称").fill(nickname)
                await child.get_by_label("出生年月").fill(month)
            consent = page.get_by_label(CONSENT)
            await consent.check()
            await expect(consent).to_be_checked()

            await assert_fits_a_phone(page)
            await page.screenshot(path=str(SCREENSHOT), full_page=True)

            await page.get_by_role("button", name="注册", exact=True).tap()
            # Welcomed with the next step (issue 15, item 9).
            await expect(page).to_have_url(f"{base}/family?welcome=1")
            await expect(page.get_by_role("heading", level=1)).to_have_text("我的家庭")
            await expect(page.get_by_role("status")).to_contain_text("欢迎加入！")
            await expect(page.get_by_role("link", name="找一个阅读空间")).to_be_visible()
            await expect(page.locator('input[name="nickname"][value="小雨"]')).to_have_count(1)
            await expect(page.locator('input[name="nickname"][value="豆豆"]')).to_have_count(1)
            await assert_fits_a_phone(page)
            await page.get_by_role("link", name="找一个阅读空间").tap()
            await expect(page).to_have_url(f"{base}/")
            await expect(page.get_by_role("heading", level=1)).to_have_text("和孩子一起读绘本")
            await page.go_back()

            # Log out from the header...
            await page.get_by_role("button", name="退出").tap()
            await expect(page).to_have_url(f"{base}/")
            nav = page.get_by_role("navigation")
            await expect(nav.get_by_role("link", name="登录", exact=True)).to_be_visible()

            # ...and back in through /login.
            await nav.get_by_role("link", name="登录", exact=True).tap()
            await expect(page).to_have_url(f"{base}/login")
            await assert_fits_a_phone(page)
            await page.get_by_label("手机号").fill(phone)
            await page.get_by_label("密码").fill(password)
            await page.get_by_role("button", name="登录", exact=True).tap()
            await expect(page).to_have_url(f"{base}/")
            await nav.get_by_role("link", name="我的家庭").tap()
            await expect(page).to_have_url(f"{base}/family")
            await expect(page.locator('input[name="nickname"][value="小雨"]')).to_have_count(1)
            await expect(page.locator('input[name="nickname"][value="豆豆"]')).to_have_count(1)
        finally:
            await browser.close()
    assert SCREENSHOT.stat().st_size > 10_000
