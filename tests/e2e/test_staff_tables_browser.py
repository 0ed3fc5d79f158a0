"""The staff's lending tables in headless Chromium (issue 15, item 12): on a 1280 px desktop
the catalogue, a title's copies, holds and the desk's history fill the width as tables that
sort by a column; copies are ticked (all at once) and their status changed in one go; on a
360 px phone the same pages show each row as a card, with no sideways scrolling and 44 px
targets."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.e2e.test_lend_browser import SHOTS, a_library, fits_a_phone
from tests.e2e.test_register_browser import CHROMIUM_ARGS, PHONE_VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.live]

DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", "device_scale_factor": 1}


async def test_staff_tables_on_a_desktop_and_a_phone(live_server: Any, chromium: str, settings: Any) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    lib = await a_library(base, settings)
    book_id = lib["book"]["id"]
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        r = await api.post("/api/v1/auth/tokens", json={"login": "e2e-desk", "password": "staff-pass-1"})
        desk = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await api.post(
            f"/api/v1/books/{book_id}/copies", json={"space_id": lib["space_id"], "count": 3}, headers=desk
        )
        copies = lib["copies"] + r.json()["items"]
        r = await api.get("/api/v1/families/lookup", params={"phone": lib["phone"]}, headers=desk)
        r = await api.post(
            "/api/v1/loans",
            json={"barcode": copies[0]["barcode"], "family_id": r.json()["family_id"], "space_id": lib["space_id"]},
            headers=desk,
        )
        assert r.status_code == 201, r.text

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(**DESKTOP)).new_page()
            await page.goto(f"{base}/staff/login")
            await page.get_by_label("用户名").fill("e2e-desk")
            await page.get_by_label("密码").fill("staff-pass-1")
            await page.get_by_role("button", name="登录", exact=True).click()
            await expect(page).to_have_url(f"{base}/staff")

            # A title's copies: a table as wide as the screen allows, sorted by a column.
            await page.goto(f"{base}/staff/books/{book_id}/copies")
            table = page.locator("table.data.copies")
            await expect(table.locator("thead")).to_be_visible()
            width = await table.evaluate("(t) => t.getBoundingClientRect().width")
            assert width > 1000, f"a 640 px phone column on a desktop: {width}px"
            barcodes = table.locator("tbody tr td.mono")
            shown = await barcodes.all_inner_texts()
            assert shown == sorted(shown)
            heading = table.get_by_role("columnheader", name="编号")
            await heading.get_by_role("button").click()
            await expect(heading).to_have_attribute("aria-sort", "ascending")
            await heading.get_by_role("button").click()
            await expect(heading).to_have_attribute("aria-sort", "descending")
            assert await barcodes.all_inner_texts() == sorted(shown, reverse=True)
            await page.screenshot(path=str(SHOTS / "staff-copies-1280.png"), full_page=True)

            # Tick all, untick the one on loan, mark the rest damaged in one go.
            await table.get_by_label("全选").check()
            await expect(page.locator("#copies-selected")).to_have_text("5")
            await table.get_by_label(f"选择 {copies[0]['barcode']}").uncheck()
            await expect(page.locator("#copies-selected")).to_have_text("4")
            await page.get_by_label("新状态").select_option("damaged")
            await page.get_by_role("button", name="改状态", exact=True).click()
            await expect(page).to_have_url(re.compile(r"note=status"))
            await expect(page.locator("p.notice")).to_contain_text("状态已更新")
            await expect(table.locator("tbody tr").filter(has_text="损坏")).to_have_count(4)
            await expect(table.locator("tbody tr").filter(has_text="已借出")).to_have_count(1)

            for path, name in [
                ("/staff/books", "books"),
                (f"/staff/holds?space={lib['space_id']}", "holds"),
                (f"/staff/desk/history?space={lib['space_id']}", "history"),
            ]:
                await page.goto(f"{base}{path}")
                width = await page.evaluate("document.querySelector('main').getBoundingClientRect().width")
                assert width > 1000, f"{path} is a phone column on a desktop: {width}px"
                await page.screenshot(path=str(SHOTS / f"staff-{name}-1280.png"), full_page=True)
            history = page.locator("table.data.history")
            await expect(history.locator("tbody tr")).to_have_count(1)
            await expect(history.get_by_role("columnheader", name="时间")).to_have_attribute("aria-sort", "descending")

            # The same pages on a phone: a card per row, nothing scrolls sideways.
            phone = await (
                await browser.new_context(
                    viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, locale="zh-CN", device_scale_factor=1
                )
            ).new_page()
            await phone.goto(f"{base}/staff/login")
            await phone.get_by_label("用户名").fill("e2e-desk")
            await phone.get_by_label("密码").fill("staff-pass-1")
            await phone.get_by_role("button", name="登录", exact=True).tap()
            await expect(phone).to_have_url(f"{base}/staff")
            for path in (
                f"/staff/books/{book_id}/copies",
                "/staff/books",
                f"/staff/holds?space={lib['space_id']}",
                f"/staff/desk/history?space={lib['space_id']}",
                f"/staff/books/{book_id}/copies?lang=en",
            ):
                await phone.goto(f"{base}{path}")
                await fits_a_phone(phone)
                rows = phone.locator("table.data tbody tr")
                if await rows.count():
                    assert await rows.first.evaluate("(r) => getComputedStyle(r).display") == "block"
                    box = await rows.first.bounding_box()
                    assert box is not None and box["width"] <= PHONE_VIEWPORT["width"]
            await phone.goto(f"{base}/staff/books/{book_id}/copies?lang=zh-CN")
            await phone.get_by_label(f"选择 {copies[1]['barcode']}").check()
            await expect(phone.locator("#copies-selected")).to_have_text("1")
            await phone.screenshot(path=str(SHOTS / "staff-copies-360.png"), full_page=True)
        finally:
            await browser.close()
