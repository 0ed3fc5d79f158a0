"""A district admin runs the programme from pages, in headless Chromium at 360 px and 1280 px
(issue 12): a space with hours and a corner, its poster downloaded and its code decoded, a
librarian created with a one-time password and the space assigned, the librarian's first
log-in (a new password first), and a new loan period that a new loan uses while an old loan
keeps its due date."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_lend_browser import fits_a_phone
from tests.e2e.test_register_browser import CHROMIUM_ARGS, PHONE_VIEWPORT
from tests.helpers import create_staff, register_family
from tests.qr.conftest import decode_one

pytestmark = [pytest.mark.browser, pytest.mark.live]

VIEWPORTS = {"phone": PHONE_VIEWPORT, "desktop": {"width": 1280, "height": 900}}


async def log_in(page: Any, base: str, login: str, password: str) -> None:
    await page.goto(f"{base}/staff/login")
    await page.get_by_label("用户名").fill(login)
    await page.get_by_label("密码").fill(password)
    await page.get_by_role("button", name="登录", exact=True).click()


async def lend(api: httpx.AsyncClient, headers: dict[str, str], barcode: str, family_id: int, space_id: int) -> str:
    body = {"barcode": barcode, "family_id": family_id, "space_id": space_id}
    r = await api.post("/api/v1/loans", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["due_on"])


@pytest.mark.parametrize("size", sorted(VIEWPORTS))
async def test_a_district_admin_runs_the_programme_from_pages(
    live_server: Any, chromium: str, settings: Any, tmp_path: Path, size: str
) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    phone = size == "phone"
    await create_staff(f"e2e-admin-{size}")
    context_args: dict[str, Any] = {"viewport": VIEWPORTS[size], "locale": "zh-CN", "accept_downloads": True}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(**context_args)).new_page()
            await log_in(page, base, f"e2e-admin-{size}", "staff-pass-1")
            await page.goto(f"{base}/staff")
            await page.get_by_role("link", name="空间管理").click()
            await page.get_by_role("link", name="新建空间").click()
            await page.get_by_label("空间名称").fill(f"东四十平米阅读空间 {size}")
            await page.get_by_label("类型").select_option("ten_square")
            await page.get_by_label("街道").fill("东四")
            await page.get_by_label("地址").fill("东城区东四街道八条社区")
            await page.get_by_label("同时容纳人数").fill("12")
            for day in ("周一", "周二", "周三", "周四", "周五", "周六", "周日"):
                await page.get_by_label(day, exact=True).fill("00:00-12:00, 12:00-23:59")
            if phone:
                await fits_a_phone(page)
            await page.get_by_role("button", name="创建空间").click()
            await expect(page).to_have_url(re.compile(r"/staff/spaces/\d+\?note=space_created"))
            space_id = int(re.search(r"/staff/spaces/(\d+)", page.url).group(1))  # type: ignore[union-attr]
            await page.get_by_label("新阅读角的名称").fill("绘本架")
            await page.get_by_role("button", name="添加阅读角").click()
            await expect(page.locator("p.notice")).to_contain_text("阅读角已添加")
            if phone:
                await fits_a_phone(page)
            async with page.expect_download() as info:
                await page.get_by_role("link", name="下载海报（图片）").click()
            poster = tmp_path / "poster.png"
            await (await info.value).save_as(poster)
            url = decode_one(poster.read_bytes()).text
            assert url.startswith(f"{settings.base_url}/q/")

            # A librarian with a one-time password, then the space assigned.
            await page.goto(f"{base}/staff/people")
            await page.get_by_label("用户名（登录用）").fill(f"e2e-lib-{size}")
            await page.get_by_label("姓名", exact=True).fill("王馆员")
            await page.get_by_label("角色", exact=True).select_option("librarian")
            await page.get_by_role("button", name="创建账号").click()
            one_time = (await page.locator("#one-time-password").inner_text()).strip()
            assert re.fullmatch(r"\w{4}-\w{4}-\w{4}-\w{4}", one_time)
            await page.get_by_label("分配空间", exact=True).select_option(str(space_id))
            await page.get_by_role("button", name="分配", exact=True).click()
            await expect(page.locator("p.notice")).to_contain_text("已分配空间")
            assert one_time not in await page.content()
            if phone:
                await fits_a_phone(page)

            lib_page = await (await browser.new_context(**context_args)).new_page()
            await log_in(lib_page, base, f"e2e-lib-{size}", one_time)
            await expect(lib_page).to_have_url(f"{base}/staff/password")
            await lib_page.goto(f"{base}/staff/spaces/{space_id}")
            await expect(lib_page).to_have_url(f"{base}/staff/password")
            await lib_page.get_by_label("当前密码", exact=True).fill(one_time)
            await lib_page.get_by_label("新密码（至少 12 位）").fill("dongsi-reading-2027")
            await lib_page.get_by_label("再输入一次新密码").fill("dongsi-reading-2027")
            await lib_page.get_by_role("button", name="保存新密码").click()
            await expect(lib_page).to_have_url(f"{base}/staff")
            await lib_page.goto(f"{base}/staff/spaces/{space_id}")
            await expect(lib_page.get_by_role("button", name="保存")).to_be_visible()

            # An old loan, a new loan period, a new loan.
            async with httpx.AsyncClient(base_url=base, timeout=30) as api:
                r = await api.post(
                    "/api/v1/auth/tokens", json={"login": f"e2e-lib-{size}", "password": "dongsi-reading-2027"}
                )
                lib = {"Authorization": f"Bearer {r.json()['token']}"}
                r = await api.post("/api/v1/books", json={"isbn": "7544717445", "title": "猜猜我有多爱你"}, headers=lib)
                assert r.status_code == 201, r.text
                book = r.json()
                r = await api.post(
                    f"/api/v1/books/{book['id']}/copies", json={"space_id": space_id, "count": 2}, headers=lib
                )
                copies = r.json()["items"]
                fam = await register_family(api)
                family_id = fam["family"]["id"]
                old_due = await lend(api, lib, copies[0]["barcode"], family_id, space_id)
                today = date.fromisoformat(old_due) - timedelta(days=21)

                await page.goto(f"{base}/staff/policies")
                await page.get_by_label("借期（天）").fill("30")
                if phone:
                    await fits_a_phone(page)
                await page.get_by_role("button", name="保存规则").click()
                await expect(page.locator("p.notice")).to_contain_text("规则已保存")
                await expect(page.locator("ul.history")).to_contain_text("loan_days")

                new_due = await lend(api, lib, copies[1]["barcode"], family_id, space_id)
                assert new_due == str(today + timedelta(days=30))
                loans = (await api.get("/api/v1/loans", headers=lib)).json()["items"]
                assert sorted(loan["due_on"] for loan in loans) == sorted([old_due, new_due])
                assert old_due == str(today + timedelta(days=21))
        finally:
            await browser.close()
