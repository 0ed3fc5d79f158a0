"""The circulation desk on a 360 px phone in headless Chromium: a librarian logs in, opens
the desk, finds a family by phone number, scans two barcodes in a row (typed into the
keyboard-wedge input, each with Enter) and sees both lent; then returns one and is told
where it goes. The other lending pages, the family's too, must fit a phone.

The real app runs in a uvicorn subprocess (`live_server`) on the system clock; the space,
the book, its copies and the family are created through the API. System Chromium only
(`/usr/bin/chromium`); Playwright never downloads a browser here. Screenshots go to /tmp.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_register_browser import CHROMIUM_ARGS, PHONE_VIEWPORT
from tests.helpers import create_staff, family_body

pytestmark = [pytest.mark.browser, pytest.mark.live]

SHOTS = Path("/tmp")
# Everything a thumb taps must be at least 44 px high; links inside sentences excepted. Radio
# buttons and checkboxes sit inside a 44 px `label.check`, which is what the thumb taps.
TAP_TARGETS = (
    ".bar a, .bar button, .foot-links a, .alt a, .back, .button, button, summary, label.check, .chips a,"
    " .segmented a, .pager a, .card-link, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
)


async def fits_a_phone(page: Any) -> None:
    """No horizontal scrolling at 360 px, and every visible tap target is big enough."""
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


async def a_library(base: str, settings: Any) -> dict[str, Any]:
    """A space with a librarian, a book with two copies there, and a registered family."""
    await create_staff("e2e-lend-admin")
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        r = await api.post("/api/v1/auth/tokens", json={"login": "e2e-lend-admin", "password": "staff-pass-1"})
        assert r.status_code == 201, r.text
        admin = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await api.post(
            "/api/v1/spaces",
            json={
                "name": "吉祥十平米阅读空间",
                "kind": "ten_square",
                "street": "景山",
                "address": "东城区景山街道吉祥社区服务站一层",
                "capacity": 12,
                "opening_hours": [{"weekday": d, "opens": "00:00", "closes": "23:59"} for d in range(1, 8)],
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        space_id = int(r.json()["id"])
        await create_staff("e2e-desk", roles=("librarian",), spaces=(space_id,))
        r = await api.post("/api/v1/auth/tokens", json={"login": "e2e-desk", "password": "staff-pass-1"})
        librarian = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await api.post(
            "/api/v1/books",
            json={"isbn": "7544717445", "title": "猜猜我有多爱你", "authors": "山姆·麦克布雷尼", "age_band": "3-6"},
            headers=librarian,
        )
        assert r.status_code == 201, r.text
        book = r.json()
        r = await api.post(
            f"/api/v1/books/{book['id']}/copies", json={"space_id": space_id, "count": 2}, headers=librarian
        )
        assert r.status_code == 201, r.text
        copies = r.json()["items"]
        body = family_body()
        r = await api.post("/api/v1/families", json=body)
        assert r.status_code == 201, r.text
        # The family checked in at the space before (the desk finds by phone only families that
        # have to do with its spaces).
        corner = await api.post(f"/api/v1/spaces/{space_id}/corners", json={"name": "绘本架"}, headers=admin)
        assert corner.status_code == 201, corner.text
        family_token = (
            await api.post("/api/v1/auth/tokens", json={"login": body["phone"], "password": body["password"]})
        ).json()["token"]
        r = await api.post(
            "/api/v1/check-ins",
            json={"token": await corner_token(settings, int(corner.json()["id"])), "nonce": "e2e-lend"},
            headers={"Authorization": f"Bearer {family_token}"},
        )
        assert r.status_code == 201, r.text
    return {"space_id": space_id, "book": book, "copies": copies, "phone": body["phone"], "password": body["password"]}


async def copy_token(settings: Any, copy_id: int) -> str:
    """The copy's label code, signed as the server signs it (same secret key)."""
    from qr.tokens import Purpose

    return await signed(settings, Purpose.copy, copy_id)


async def corner_token(settings: Any, corner_id: int) -> str:
    from qr.tokens import Purpose

    return await signed(settings, Purpose.corner, corner_id)


async def signed(settings: Any, purpose: Any, subject: int) -> str:
    """A code signed as the server signs it (same secret key)."""
    from qr.services import tokens
    from qr.tokens import Keyring

    tokens.configure(
        Keyring.derived(
            settings.secret_key,
            key_ids=settings.qr_key_ids,
            signing_key_id=settings.qr_signing_key_id,
            retired=settings.qr_retired_key_ids,
        )
    )
    return await tokens.issue(purpose, subject, now=datetime.now(UTC))


async def test_librarian_lends_two_copies_at_the_desk_on_a_phone(
    live_server: Any, chromium: str, settings: Any
) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    lib = await a_library(base, settings)
    first, second = lib["copies"]
    phone_context: dict[str, Any] = {
        "viewport": PHONE_VIEWPORT,
        "is_mobile": True,
        "has_touch": True,
        "locale": "zh-CN",
        "device_scale_factor": 1,
    }

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            staff = await (await browser.new_context(**phone_context)).new_page()
            await staff.goto(f"{base}/staff/login")
            await staff.get_by_label("用户名").fill("e2e-desk")
            await staff.get_by_label("密码").fill("staff-pass-1")
            await staff.get_by_role("button", name="登录", exact=True).tap()
            await expect(staff).to_have_url(f"{base}/staff")

            # The lending work from the header, then the desk.
            await staff.get_by_role("navigation", name="主菜单").get_by_role("link", name="借阅台").tap()
            await expect(staff).to_have_url(f"{base}/staff/lending")
            await fits_a_phone(staff)
            await staff.screenshot(path=str(SHOTS / "lend-hub-360.png"), full_page=True)
            await staff.get_by_role("link", name=re.compile("借还台")).first.tap()
            await expect(staff).to_have_url(f"{base}/staff/desk")
            await expect(staff.get_by_role("heading", level=1)).to_have_text("借还台")

            # Find the family by phone number (the field has the focus: type and Enter).
            find = staff.get_by_label("找到借书的家庭")
            await expect(find).to_be_focused()
            await fits_a_phone(staff)
            await staff.screenshot(path=str(SHOTS / "lend-desk-find-360.png"), full_page=True)
            await staff.keyboard.type(lib["phone"])
            await staff.keyboard.press("Enter")
            await expect(staff.locator(".family-card")).to_contain_text("王妈妈")
            await expect(staff.locator("#open-count")).to_have_text("0")

            # Scan two barcodes in a row, as a keyboard-wedge scanner types them, once the page's
            # queue took the form over (before, the first Enter posts the plain form and the
            # page reloads under the second scan).
            wedge = staff.get_by_label("扫描要借出的绘本")
            await expect(wedge).to_be_focused()
            await expect(staff.locator("form#desk-lend")).to_have_attribute("data-queue", "ready")
            await staff.keyboard.type(first["barcode"])
            await staff.keyboard.press("Enter")
            await staff.keyboard.type(second["barcode"])
            await staff.keyboard.press("Enter")
            lent = staff.locator("#lend-results li.good")
            await expect(lent).to_have_count(2)
            for item in [lent.nth(0), lent.nth(1)]:
                await expect(item).to_contain_text("猜猜我有多爱你")
                await expect(item).to_contain_text("已借出")
            await expect(staff.locator("#lend-results li.bad")).to_have_count(0)
            await expect(staff.locator("#open-count")).to_have_text("2")
            await expect(wedge).to_be_focused()  # ready for the next scan
            await fits_a_phone(staff)
            await staff.screenshot(path=str(SHOTS / "lend-desk-lent-360.png"), full_page=True)

            # A scan of something unknown is refused in the list, not on an error page.
            await staff.keyboard.type("SC99999999")
            await staff.keyboard.press("Enter")
            await expect(staff.locator("#lend-results li.bad")).to_contain_text("没有找到这个条码")

            # Returns: the answer says where the copy goes.
            await staff.get_by_role("link", name="归还", exact=True).tap()
            await expect(staff).to_have_url(re.compile(r"/staff/desk\?.*mode=return"))
            await staff.get_by_label("扫描还回来的绘本").fill(first["barcode"])
            await staff.keyboard.press("Enter")
            returned = staff.locator("#return-results li.good")
            await expect(returned).to_have_count(1)
            await expect(returned).to_contain_text("放回书架")
            await fits_a_phone(staff)
            await staff.screenshot(path=str(SHOTS / "lend-desk-return-360.png"), full_page=True)

            async with httpx.AsyncClient(base_url=base, timeout=30) as api:
                r = await api.post("/api/v1/auth/tokens", json={"login": "e2e-desk", "password": "staff-pass-1"})
                headers = {"Authorization": f"Bearer {r.json()['token']}"}
                statuses = [
                    (await api.get(f"/api/v1/copies/{c['barcode']}", headers=headers)).json()["copy"]["status"]
                    for c in (first, second)
                ]
            assert statuses == ["available", "on_loan"]

            # The other staff pages fit a phone, in Chinese and in English.
            book_id = lib["book"]["id"]
            for path, shot in [
                ("/staff/books", "lend-staff-books-360.png"),
                (f"/staff/books/{book_id}", "lend-staff-book-360.png"),
                (f"/staff/books/{book_id}/copies", "lend-staff-copies-360.png"),
                ("/staff/books/import", "lend-staff-import-360.png"),
                ("/staff/holds", "lend-staff-holds-360.png"),
                ("/staff/transfers", "lend-staff-transfers-360.png"),
                ("/staff/receive", "lend-staff-receive-360.png"),
                ("/staff/stocktakes", "lend-staff-stocktakes-360.png"),
                ("/staff/desk?lang=en", "lend-desk-en-360.png"),
                ("/staff/lending?lang=en", "lend-hub-en-360.png"),
                ("/staff/books/import?lang=zh-CN", "lend-staff-import-zh-360.png"),
            ]:
                await staff.goto(f"{base}{path}")
                await fits_a_phone(staff)
                await staff.screenshot(path=str(SHOTS / shot), full_page=True)

            # A stocktake on the phone: start, scan one, finish, the report.
            await staff.goto(f"{base}/staff/stocktakes")
            await staff.get_by_role("button", name="开始盘点").tap()
            await expect(staff).to_have_url(re.compile(r"/staff/stocktakes/\d+$"))
            await staff.get_by_label("逐本扫描书架上的书").fill(first["barcode"])
            await staff.keyboard.press("Enter")
            await expect(staff.locator("#scan-count")).to_have_text("1")
            await fits_a_phone(staff)
            await staff.screenshot(path=str(SHOTS / "lend-stocktake-scan-360.png"), full_page=True)
            await staff.get_by_text("结束盘点", exact=True).tap()
            await staff.get_by_role("button", name="结束盘点，查看报告").tap()
            await expect(staff.get_by_role("heading", name="盘点报告")).to_be_visible()
            await fits_a_phone(staff)
            await staff.screenshot(path=str(SHOTS / "lend-stocktake-report-360.png"), full_page=True)

            # The family's pages: search, the book, the copy's QR page, loans and holds.
            family = await (await browser.new_context(**phone_context)).new_page()
            await family.goto(f"{base}/login")
            await family.get_by_label("手机号").fill(lib["phone"])
            await family.get_by_label("密码").fill(lib["password"])
            await family.get_by_role("button", name="登录", exact=True).tap()
            await expect(family).to_have_url(f"{base}/")
            await family.get_by_role("navigation", name="主菜单").get_by_role("link", name="借阅").tap()
            await expect(family).to_have_url(f"{base}/loans")
            await expect(family.locator("ul.loans li.card")).to_have_count(1)
            await fits_a_phone(family)
            await family.screenshot(path=str(SHOTS / "lend-family-loans-360.png"), full_page=True)
            token = await copy_token(settings, first["id"])
            for path, shot in [
                ("/books?q=ccwydan", "lend-family-search-360.png"),
                (f"/books/{book_id}", "lend-family-book-360.png"),
                (f"/lend/{token}", "lend-family-copy-360.png"),
                ("/holds", "lend-family-holds-360.png"),
                ("/loans?lang=en", "lend-family-loans-en-360.png"),
                (f"/books/{book_id}?lang=en", "lend-family-book-en-360.png"),
            ]:
                await family.goto(f"{base}{path}")
                await fits_a_phone(family)
                await family.screenshot(path=str(SHOTS / shot), full_page=True)
        finally:
            await browser.close()
    assert (SHOTS / "lend-desk-lent-360.png").stat().st_size > 10_000
