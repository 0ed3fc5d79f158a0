"""The statistics dashboard in headless Chromium (issue 11): a district admin opens
/staff/stats on a 1280 px desktop and a 360 px phone, sees the charts and the table of every
space, filters by street and downloads the Excel file; axe-core (axe-playwright-python)
finds no serious or critical violation."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.e2e.test_lend_browser import fits_a_phone
from tests.e2e.test_register_browser import CHROMIUM_ARGS, PHONE_VIEWPORT
from tests.helpers import create_staff
from tests.stats.history import roll, seed_november

pytestmark = [pytest.mark.browser, pytest.mark.live]

DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN", "device_scale_factor": 1}
NOVEMBER = "from=2026-11-01&to=2026-11-30"


async def no_serious_violations(page: Any) -> None:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"axe on {page.url}: {serious}"


async def own_report_ended(timeout: float = 60) -> None:
    """Wait for the monthly report the live server's jobs ask for at start (the month before
    today's, not kept in a fresh database) to end. The dashboard shows a making under way and
    reloads itself when it ends (app/static/import.js): a check running then meets a
    navigation it did not make."""
    from app.stats.tables import StatsReport

    deadline = time.monotonic() + timeout
    while True:
        statuses = {row["status"] for row in await StatsReport.select(StatsReport.status)}
        if statuses and statuses <= {"done", "failed"}:
            return
        assert time.monotonic() < deadline, f"the server's own monthly report did not end: {statuses}"
        await asyncio.sleep(0.2)


async def log_in(page: Any, base: str) -> None:
    from playwright.async_api import expect

    await page.goto(f"{base}/staff/login")
    await page.get_by_label("用户名").fill("e2e-stats")
    await page.get_by_label("密码").fill("staff-pass-1")
    await page.get_by_role("button", name="登录", exact=True).click()
    await expect(page).to_have_url(f"{base}/staff")


async def charts_and_table(page: Any, rows: int) -> None:
    from playwright.async_api import expect

    charts = page.locator("figure.chart img")
    await expect(charts).to_have_count(4)
    for i in range(4):
        await expect(charts.nth(i)).to_be_visible()
        assert await charts.nth(i).evaluate("(img) => img.complete && img.naturalWidth > 0")
    await expect(page.locator("#space-table tbody tr[data-space]")).to_have_count(rows)


async def test_dashboard_in_a_browser(live_server: Any, chromium: str, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    h = await seed_november()
    # Read from the rollups, as in production. The server's own start-up run may meet the
    # history half written; whichever run comes last holds all of it.
    await roll("days")
    await create_staff("e2e-stats")
    await own_report_ended()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(**DESKTOP, accept_downloads=True)).new_page()
            await log_in(page, base)
            await page.goto(f"{base}/staff/stats?{NOVEMBER}")
            await charts_and_table(page, 3)
            await expect(page.locator('#headlines li[data-key="visits"] strong')).to_have_text("5")
            width = await page.locator("#space-table").evaluate("(t) => t.getBoundingClientRect().width")
            assert width > 600, width
            await no_serious_violations(page)

            await page.locator("#street").select_option("景山")
            await page.get_by_role("button", name="查看", exact=True).click()
            await expect(page).to_have_url(
                f"{base}/staff/stats?from=2026-11-01&to=2026-11-30&street=%E6%99%AF%E5%B1%B1&space_id=&theme="
            )
            await expect(page.locator("#space-table tbody tr[data-space]")).to_have_count(1)
            await expect(page.locator(f'#space-table tr[data-space="{h.spaces["C"]}"]')).to_be_visible()

            async with page.expect_download() as info:
                await page.locator("#download-xlsx").click()
            download = await info.value
            saved = tmp_path / "stats.xlsx"
            await download.save_as(saved)
            rows = list(openpyxl.load_workbook(saved).active.iter_rows(values_only=True))
            assert [r[0] for r in rows[1:]] == ["景山", "合计"]

            phone = await (
                await browser.new_context(
                    viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, locale="zh-CN", device_scale_factor=1
                )
            ).new_page()
            await log_in(phone, base)
            await phone.goto(f"{base}/staff/stats?{NOVEMBER}")
            await charts_and_table(phone, 3)
            await fits_a_phone(phone)
            await no_serious_violations(phone)
        finally:
            await browser.close()


async def test_a_report_ending_keeps_the_filters_being_chosen(live_server: Any, chromium: str) -> None:
    """The dashboard reloads itself when the monthly report it shows under way ends
    (app/static/import.js), but not over filters the admin has started to choose: that reload
    set the street back, and the admin's 查看 then asked for every street."""
    from datetime import UTC, date, datetime, timedelta

    from playwright.async_api import async_playwright, expect

    from app.stats.tables import StatsReport

    base = live_server.start()
    await seed_november()
    await roll("days")
    await create_staff("e2e-stats")
    # A making under way, the latest asked for (after any the server's own jobs ask for).
    later = datetime.now(UTC) + timedelta(days=1)
    await StatsReport.insert(
        StatsReport(month=date(2026, 9, 1), status="running", progress=0.5, asked_at=later, heartbeat_at=later)
    )
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(**DESKTOP)).new_page()
            await log_in(page, base)
            await page.goto(f"{base}/staff/stats?{NOVEMBER}")
            await expect(page.locator("#job-progress")).to_be_visible()
            await page.evaluate("window.sameDocument = true")
            await page.locator("#street").select_option("景山")
            await StatsReport.update({StatsReport.status: "done", StatsReport.progress: 1.0}).where(
                StatsReport.month == date(2026, 9, 1)
            )
            await expect(page.locator("#job-state")).to_contain_text("月报已生成")  # the poll saw it end
            await page.wait_for_timeout(1500)  # a reload would have come with it
            assert await page.evaluate("window.sameDocument === true"), "the page reloaded over the filters"
            await expect(page.locator("#street")).to_have_value("景山")
            await page.get_by_role("button", name="查看", exact=True).click()
            await expect(page).to_have_url(
                f"{base}/staff/stats?from=2026-11-01&to=2026-11-30&street=%E6%99%AF%E5%B1%B1&space_id=&theme="
            )
        finally:
            await browser.close()
