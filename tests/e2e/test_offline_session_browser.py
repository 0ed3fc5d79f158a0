"""The volunteer's session form without a network (issue 14, point 8), in headless Chromium
against the real app: the form was opened once online; offline, the volunteer fills it in and
saves: it joins the corner's durable queue (IndexedDB, its queue key sent as the form's
`client_key`), the draft stays; a reload offline brings the form (the service worker's copy),
the draft and the waiting save back; nothing reaches the server. Back online, the queue sends
it, the draft is thrown away and the page goes to the sessions list: exactly one session.
The same save replayed with the same key records nothing more.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_offline_corner_browser import REPLAY, STORED, open_online, settled
from tests.e2e.test_programme_browser import DRAFTS, sessions_logged, setup_programme
from tests.e2e.test_register_browser import CHROMIUM_ARGS, PHONE_VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.live]


async def test_a_session_saved_offline_is_recorded_once(live_server: Any, chromium: str) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    made = await setup_programme(base)
    form_url = f"{base}/staff/sessions/new"

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport=PHONE_VIEWPORT, locale="zh-CN")
            page = await context.new_page()
            await page.goto(f"{base}/staff/login")
            await page.get_by_label("用户名").fill("e2e_vol")
            await page.get_by_label("密码").fill("staff-pass-1")
            await page.get_by_role("button", name="登录", exact=True).click()
            await expect(page).to_have_url(f"{base}/staff")
            await open_online(page, form_url)
            status = page.locator("#sync-status")
            await expect(status).to_have_text("已同步")

            # Offline: the form is filled in and saved; it waits in the queue.
            await context.set_offline(True)
            await page.get_by_label("时长（分钟）").fill("35")
            await page.get_by_label("大人", exact=True).fill("2")
            await page.get_by_label("孩子", exact=True).fill("4")
            await page.get_by_label("李爸爸").check()
            await page.get_by_label("扫码或输入 ISBN，一行一本").fill("9787533259662")
            await page.get_by_label("主题").fill("月亮")
            await page.get_by_role("button", name="保存", exact=True).click()
            await expect(page.locator("#queued-notice")).to_be_visible()
            await expect(status).to_contain_text("待同步 1 条")
            await expect(page.locator("#session-queue li.queued")).to_contain_text("已保存在本机，联网后同步")

            # A reload offline: the form from the service worker, the draft, the waiting save.
            await page.reload()
            await expect(page.get_by_role("heading", level=1)).to_have_text("记录阅读活动")
            await expect(page.locator("#draft-notice")).to_be_visible()
            await expect(page.get_by_label("时长（分钟）")).to_have_value("35")
            await expect(page.get_by_label("李爸爸")).to_be_checked()
            await expect(status).to_contain_text("待同步 1 条")
            await expect(page.locator("#session-queue li.queued")).to_contain_text("月亮")
            stored = await page.evaluate(STORED)
            assert [i["state"] for i in stored] == ["waiting"]
            item = stored[0]
            assert item["body"]["client_key"] == item["key"] == item["body"]["nonce"]
            assert item["body"]["lead_reader_id"] and item["body"]["minutes"] == "35"
            assert await page.evaluate(DRAFTS) == 1
            assert await sessions_logged(base, made["admin"]) == [], "nothing reached the server offline"

            # Back online: sent once, the draft thrown away, on to the sessions list.
            await context.set_offline(False)
            await page.wait_for_url(f"{base}/staff/sessions?**")
            await expect(page.get_by_role("status")).to_have_text("阅读活动已记录。")
            await expect(page.locator("#sessions .card").first).to_contain_text("35 分钟")
            synced = await settled(page)
            logged = await sessions_logged(base, made["admin"])
            assert len(logged) == 1
            assert (logged[0]["minutes"], logged[0]["adults"], logged[0]["children"]) == (35, 2, 4)
            assert logged[0]["theme"] == "月亮" and len(logged[0]["book_ids"]) == 1
            assert [(i["state"], i["answer"]["ok"], i["answer"]["id"]) for i in synced] == [
                ("done", True, logged[0]["id"])
            ]
            assert await page.evaluate(DRAFTS) == 0

            # The form again shows what became of the save; replayed with the same key, the
            # server answers the first session and records nothing more.
            await page.goto(form_url)
            await expect(page.locator("#draft-notice")).to_be_hidden()
            assert await page.evaluate(REPLAY) == 1
            replayed = await settled(page)
            assert [(i["state"], i["answer"]["ok"], i["answer"]["id"]) for i in replayed] == [
                ("done", True, logged[0]["id"])
            ]
            await expect(page.locator("#session-queue li.good")).to_contain_text("阅读活动已记录。")
            await expect(page).to_have_url(form_url)
            assert len(await sessions_logged(base, made["admin"])) == 1
        finally:
            await browser.close()
