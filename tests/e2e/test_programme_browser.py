"""A volunteer logs a reading session on a 360 px phone in headless Chromium: log in, open
/staff/sessions/new, fill it (counts, a lead reader, a book scanned by ISBN and one found
by search), lose the connection on "save" (the draft stays on the phone), come back, save
once, and find the session in the list.

Runs the real app in a uvicorn subprocess (`live_server`) and the system Chromium
(`/usr/bin/chromium`); Playwright never downloads a browser here.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_register_browser import CHROMIUM_ARGS, PHONE_VIEWPORT, assert_fits_a_phone
from tests.helpers import bearer, create_staff, family_body

pytestmark = [pytest.mark.browser, pytest.mark.live]

SCREENSHOT = Path("/tmp/programme-session-360.png")
DRAFTS = "Object.keys(localStorage).filter((k) => k.startsWith('storycorner:session-draft:')).length"


async def setup_programme(base: str) -> dict[str, Any]:
    """A space, a volunteer serving it, a picture book and an approved lead reader, made
    through the live server's API (staff accounts straight in the shared database)."""
    await create_staff("e2e_admin")
    await create_staff("e2e_lib", roles=("librarian",))
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:

        async def token(login: str, password: str = "staff-pass-1") -> dict[str, str]:
            r = await api.post("/api/v1/auth/tokens", json={"login": login, "password": password})
            assert r.status_code == 201, r.text
            return bearer(r.json()["token"])

        admin = await token("e2e_admin")
        r = await api.post(
            "/api/v1/spaces",
            json={
                "name": "吉祥十平米阅读空间",
                "kind": "ten_square",
                "street": "景山",
                "address": "东城区景山街道吉祥社区",
                "capacity": 12,
                "opening_hours": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)],
            },
            headers=admin,
        )
        assert r.status_code == 201, r.text
        space_id = r.json()["id"]
        await create_staff("e2e_vol", roles=("volunteer",), spaces=(space_id,))
        r = await api.post("/api/v1/books", json={"isbn": "9787544717441", "title": "猜猜我有多爱你"}, headers=admin)
        assert r.status_code == 201, r.text
        r = await api.post("/api/v1/books", json={"isbn": "9787533259662", "title": "好饿的毛毛虫"}, headers=admin)
        assert r.status_code == 201, r.text
        body = family_body(children=1)
        body["guardian_name"] = "李爸爸"
        assert (await api.post("/api/v1/families", json=body)).status_code == 201
        family = await token(body["phone"], body["password"])
        r = await api.post(
            "/api/v1/lead-readers/applications",
            json={"motivation": "周末有空", "preferred_space_ids": [space_id]},
            headers=family,
        )
        assert r.status_code == 201, r.text
        r = await api.post(
            f"/api/v1/lead-readers/applications/{r.json()['id']}/decision", json={"approve": True}, headers=admin
        )
        assert r.status_code == 200, r.text
        return {"space_id": space_id, "admin": admin, "family": body, "family_headers": family}


async def sessions_logged(base: str, admin: dict[str, str]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        r = await api.get("/api/v1/reading-sessions", headers=admin)
        assert r.status_code == 200, r.text
        return list(r.json()["items"])


async def test_a_volunteer_logs_a_session_on_a_phone(live_server: Any, chromium: str) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    made = await setup_programme(base)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(
                viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, locale="zh-CN", device_scale_factor=1
            )
            page = await context.new_page()
            await page.goto(f"{base}/staff/login")
            await page.get_by_label("用户名").fill("e2e_vol")
            await page.get_by_label("密码").fill("staff-pass-1")
            await page.get_by_role("button", name="登录", exact=True).tap()
            await expect(page).to_have_url(f"{base}/staff")

            await page.goto(f"{base}/staff/sessions/new")
            await expect(page.get_by_role("heading", level=1)).to_have_text("记录阅读活动")
            await assert_fits_a_phone(page)
            await page.get_by_label("时长（分钟）").fill("40")
            await page.get_by_label("大人", exact=True).fill("3")
            await page.get_by_label("孩子", exact=True).fill("5")
            await page.get_by_label("李爸爸").check()
            # A wedge scanner types the ISBN and Enter: one line per book, nothing sent yet.
            isbns = page.get_by_label("扫码或输入 ISBN，一行一本")
            await isbns.press_sequentially("9787533259662")
            await isbns.press("Enter")
            await page.get_by_label("主题").fill("绘本＋阅读")
            await page.get_by_label("主题").press("Enter")  # moves on; never sends half a form
            await expect(page).to_have_url(f"{base}/staff/sessions/new")
            # The other book by search: the form comes back with everything kept.
            await page.get_by_label("按书名搜索").fill("猜猜")
            await page.get_by_role("button", name="搜索", exact=True).tap()
            result = page.get_by_label("猜猜我有多爱你")
            await expect(result).to_be_visible()
            await expect(page.get_by_label("大人", exact=True)).to_have_value("3")
            await expect(isbns).to_have_value("9787533259662\n")
            await result.check()
            await page.get_by_label("备注").fill("孩子们跟着一起数数")
            await assert_fits_a_phone(page)
            await page.screenshot(path=str(SCREENSHOT), full_page=True)

            # The connection drops as the volunteer taps save: the save waits on the phone, in
            # the corner's queue, with its draft (app/static/session-draft.js).
            await context.set_offline(True)
            await page.get_by_role("button", name="保存", exact=True).tap()
            await expect(page.locator("#queued-notice")).to_be_visible()
            await expect(page.locator("#sync-status")).to_contain_text("待同步 1 条")
            assert await page.evaluate(DRAFTS) == 1

            # Back online, the queue sends it (with its client key) and the page goes on.
            await context.set_offline(False)
            await page.wait_for_url(f"{base}/staff/sessions?**")
            await expect(page.get_by_role("status")).to_have_text("阅读活动已记录。")
            card = page.locator("#sessions .card").first
            await expect(card).to_contain_text("40 分钟")
            await expect(card).to_contain_text("大人 3 位，孩子 5 位")
            await expect(card).to_contain_text("李爸爸")
            await expect(card).to_contain_text("猜猜我有多爱你")
            await expect(card).to_contain_text("好饿的毛毛虫")
            await expect(card).to_contain_text("孩子们跟着一起数数")
            await assert_fits_a_phone(page)
            assert await page.evaluate(DRAFTS) == 0  # saved: the draft is forgotten

            # Editing it is one tap away (within 7 days).
            await card.get_by_role("link", name="修改").tap()
            await expect(page.get_by_role("heading", level=1)).to_have_text("修改阅读活动记录")
            await assert_fits_a_phone(page)
        finally:
            await browser.close()

    logged = await sessions_logged(base, made["admin"])
    assert len(logged) == 1  # the retried form recorded once
    assert (logged[0]["minutes"], logged[0]["adults"], logged[0]["children"]) == (40, 3, 5)
    assert len(logged[0]["book_ids"]) == 2 and len(logged[0]["lead_reader_ids"]) == 1
    assert SCREENSHOT.stat().st_size > 10_000


async def test_the_other_programme_pages_fit_a_phone(live_server: Any, chromium: str) -> None:
    """The family's lead-reader and reading-log pages and the staff's lists: no sideways
    scrolling at 360 px, every tap target at least 44 px."""
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    made = await setup_programme(base)
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        kids = (await api.get("/api/v1/families/me", headers=made["family_headers"])).json()["children"]
        r = await api.post(
            "/api/v1/families/me/reading-log",
            json={
                "isbn": "9787544717441",
                "child_ids": [kids[0]["id"]],
                "read_on": str(date.today() - timedelta(days=1)),
            },
            headers=made["family_headers"],
        )
        assert r.status_code == 201, r.text
        second = family_body(children=1)
        second["guardian_name"] = "张妈妈"
        assert (await api.post("/api/v1/families", json=second)).status_code == 201
        r = await api.post("/api/v1/auth/tokens", json={"login": second["phone"], "password": second["password"]})
        r = await api.post(
            "/api/v1/lead-readers/applications",
            json={
                "motivation": "想带孩子们读书",
                "availability": "周日下午",
                "preferred_space_ids": [made["space_id"]],
            },
            headers=bearer(r.json()["token"]),
        )
        assert r.status_code == 201, r.text

    pages = {
        ("/login", made["family"]["phone"], made["family"]["password"]): [
            ("/lead-reader", "家庭领读人"),
            ("/lead-reader/apply", "申请成为家庭领读人"),
            ("/reading-log", "亲子共读记录"),
            ("/reading-log?q=猜猜", "亲子共读记录"),
        ],
        ("/staff/login", "e2e_admin", "staff-pass-1"): [
            ("/staff/lead-readers", "家庭领读人"),
            ("/staff/volunteer-hours", "志愿时长"),
            ("/staff/sessions", "活动记录"),
        ],
    }
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for (login_page, login, password), paths in pages.items():
                context = await browser.new_context(
                    viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, locale="zh-CN", device_scale_factor=1
                )
                page = await context.new_page()
                await page.goto(f"{base}{login_page}")
                await page.locator("#login").fill(login)
                await page.locator("#password").fill(password)
                await page.get_by_role("button", name="登录", exact=True).tap()
                await page.wait_for_url(f"{base}/staff" if login_page == "/staff/login" else f"{base}/")
                for path, heading in paths:
                    await page.goto(f"{base}{path}")
                    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
                    await assert_fits_a_phone(page)
                    name = path.split("?")[0].strip("/").replace("/", "-")
                    await page.screenshot(path=f"/tmp/programme-{name}-360.png", full_page=True)
                    for summary in await page.locator("details.confirm > summary").all():
                        await summary.tap()  # the second step of a confirmation fits too
                    await assert_fits_a_phone(page)
                await context.close()
        finally:
            await browser.close()
