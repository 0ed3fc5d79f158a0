"""The corner without a network (issue 14, point 8), in headless Chromium against the real
app: a volunteer opens the scanning page, the desk (a family found) and a stocktake online;
then the network goes away (Playwright's offline mode). Offline, the volunteer scans a
booking's code, lends a copy (and scans an unknown barcode), records a stocktake scan and
reloads a page: the pages come from the service worker's cache and the scans wait in
IndexedDB ("待同步 N 条"), nothing reaches the server. Back online, the queue syncs in order:
each is recorded exactly once, the refusal is shown, the state says "已同步". Then the whole
queue is replayed a second time with the same keys: nothing changes in the database.

The in-process app (`client`, on a clock set to now) prepares the data; the browser talks to
a uvicorn subprocess (`live_server`, the system clock) on the same database.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from qr.services import tokens
from qr.tokens import Purpose
from reading.lending.tables import Loan, StocktakeScan
from spaces.tables import Booking, CheckIn
from tests.e2e.test_register_browser import CHROMIUM_ARGS, PHONE_VIEWPORT
from tests.helpers import FrozenClock, register_family, staff_headers
from tests.qr.conftest import make_space
from tests.spaces.conftest import make_slot

pytestmark = [pytest.mark.browser, pytest.mark.live]

VOLUNTEER = "e2e-corner-volunteer"
OTHER_VOLUNTEER = "e2e-corner-volunteer-2"
# The queue's items, as the page's IndexedDB holds them.
STORED = """() => new Promise((resolve) => {
  const open = indexedDB.open("storycorner-corner", 1);
  open.onsuccess = () => {
    const get = open.result.transaction("scans").objectStore("scans").getAll();
    get.onsuccess = () => resolve(get.result);
  };
})"""
# Every item waiting again, as if none had been answered: the queue sends them all again.
REPLAY = """() => new Promise((resolve) => {
  const open = indexedDB.open("storycorner-corner", 1);
  open.onsuccess = () => {
    const tx = open.result.transaction("scans", "readwrite");
    const scans = tx.objectStore("scans");
    const get = scans.getAll();
    get.onsuccess = () => get.result.forEach((item) => {
      item.state = "waiting"; delete item.answer; delete item.seen; scans.put(item);
    });
    tx.oncomplete = () => { window.StoryQueue.sync(); resolve(get.result.length); };
  };
})"""
UNCACHED = "() => fetch('/static/print.js').then(() => 'network', () => 'no network')"
KEPT_PAGES = """() => caches.open('corner-pages-v1').then((c) => c.keys())
  .then((kept) => kept.map((r) => new URL(r.url).pathname).filter((p) => p.startsWith('/staff/')))"""
CACHED = "(url) => caches.open('corner-pages-v1').then((c) => c.match(url)).then((hit) => !!hit)"


async def a_corner(client: httpx.AsyncClient, clock: FrozenClock) -> dict[str, Any]:
    """A space open all day with a volunteer; a family booked an activity starting in 10
    minutes (its check-in window is open); a book with two copies there; a stocktake."""
    clock.set(datetime.now(UTC).replace(microsecond=0))
    admin = await staff_headers(client, "e2e-corner-admin")
    space = await make_space(client, admin, opens="00:00", closes="23:59")
    librarian = await staff_headers(client, "e2e-corner-lib", roles=("librarian",), spaces=(space["id"],))
    volunteer = await staff_headers(client, VOLUNTEER, roles=("volunteer",), spaces=(space["id"],))
    slot = await make_slot(client, space, clock, starts_at=clock.now() + timedelta(minutes=10))
    family = await register_family(client)
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings",
        json={"child_ids": [family["family"]["children"][0]["id"]]},
        headers=family["headers"],
    )
    assert r.status_code == 201, r.text
    booking = r.json()
    r = await client.post("/api/v1/books", json={"isbn": "7544717445", "title": "猜猜我有多爱你"}, headers=librarian)
    assert r.status_code == 201, r.text
    r = await client.post(
        f"/api/v1/books/{r.json()['id']}/copies", json={"space_id": space["id"], "count": 2}, headers=librarian
    )
    assert r.status_code == 201, r.text
    copies = r.json()["items"]
    r = await client.post(f"/api/v1/spaces/{space['id']}/stocktakes", headers=volunteer)
    assert r.status_code == 201, r.text
    return {
        "space_id": space["id"],
        "family_id": family["family"]["id"],
        "booking_id": booking["id"],
        "booking_token": await tokens.issue(Purpose.booking, booking["id"], now=clock.now()),
        "copies": copies,
        "stocktake_id": r.json()["id"],
    }


async def recorded(corner: dict[str, Any]) -> dict[str, Any]:
    """What the database holds of the three scans."""
    lent, shelved = corner["copies"]
    return {
        "check_ins": await CheckIn.count().where(CheckIn.family == corner["family_id"]),
        "booking": (await Booking.select(Booking.status).where(Booking.id == corner["booking_id"]).first())["status"],
        "loans": await Loan.count().where(Loan.copy == lent["id"]),
        "loans_of_family": await Loan.count().where(Loan.family == corner["family_id"]),
        "stocktake_scans": await StocktakeScan.count().where(StocktakeScan.stocktake == corner["stocktake_id"]),
        "shelved_scans": await StocktakeScan.count().where(StocktakeScan.barcode == shelved["barcode"]),
    }


async def settled(page: Any) -> list[dict[str, Any]]:
    """The queue's items once none is waiting any more (at most 20 s)."""
    for _ in range(100):
        items: list[dict[str, Any]] = await page.evaluate(STORED)
        if all(i["state"] != "waiting" for i in items):
            return items
        await asyncio.sleep(0.2)
    raise AssertionError(f"still waiting: {items}")


async def open_online(page: Any, url: str) -> None:
    """Open a page online and wait until the service worker's cache holds it."""
    await page.goto(url)
    await page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    await page.wait_for_function(CACHED, arg=page.url)


async def test_scans_made_offline_sync_once_when_the_network_returns(
    client: httpx.AsyncClient, clock: FrozenClock, live_server: Any, chromium: str
) -> None:
    from playwright.async_api import async_playwright, expect

    corner = await a_corner(client, clock)
    lent, shelved = corner["copies"]
    base = live_server.start()
    scan_url = f"{base}/staff/scan"
    desk_url = f"{base}/staff/desk?space={corner['space_id']}&mode=lend&family={corner['family_id']}"
    stocktake_url = f"{base}/staff/stocktakes/{corner['stocktake_id']}"
    nothing = {
        "check_ins": 0,
        "booking": "confirmed",
        "loans": 0,
        "loans_of_family": 0,
        "stocktake_scans": 0,
        "shelved_scans": 0,
    }
    assert await recorded(corner) == nothing

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport=PHONE_VIEWPORT, locale="zh-CN")
            page = await context.new_page()
            await page.goto(f"{base}/staff/login")
            await page.get_by_label("用户名").fill(VOLUNTEER)
            await page.get_by_label("密码").fill("staff-pass-1")
            await page.get_by_role("button", name="登录", exact=True).click()
            await expect(page).to_have_url(f"{base}/staff")

            # Online once: the scanning page (its first visit caches itself), the desk with the
            # family found, the stocktake (both kept by the service worker as they open).
            for url in (scan_url, desk_url, stocktake_url):
                await open_online(page, url)
            status = page.locator("#sync-status")
            await expect(status).to_have_text("已同步")

            # The network goes away.
            await context.set_offline(True)
            await page.goto(scan_url)
            await expect(page.get_by_role("heading", level=1)).to_have_text("扫码签到")
            # The service worker is offline too: what it does not keep cannot be had, so the
            # pages it serves now come from its cache.
            assert await page.evaluate("() => !!navigator.serviceWorker.controller")
            assert await page.evaluate(UNCACHED) == "no network"
            await page.locator("#wedge-input").fill(f"{base}/q/{corner['booking_token']}")
            await page.locator("#wedge-input").press("Enter")
            await expect(page.locator("#results li.queued")).to_have_text("已保存在本机，联网后同步")
            await expect(status).to_contain_text("待同步 1 条")

            await page.goto(desk_url)
            wedge = page.get_by_label("扫描要借出的绘本")
            await wedge.fill(lent["barcode"])
            await wedge.press("Enter")
            await wedge.fill("SC99999999")
            await wedge.press("Enter")
            await expect(page.locator("#lend-results li.queued")).to_have_count(2)
            await expect(status).to_contain_text("待同步 3 条")

            await page.goto(stocktake_url)
            shelf = page.get_by_label("逐本扫描书架上的书")
            await shelf.fill(shelved["barcode"])
            await shelf.press("Enter")
            await expect(status).to_contain_text("待同步 4 条")

            # A reload offline: the page comes from the cache, the queue from IndexedDB.
            await page.reload()
            await expect(page.get_by_role("heading", level=1)).to_contain_text("盘点")
            await expect(status).to_contain_text("待同步 4 条")
            await expect(page.locator("#scan-results li.queued")).to_contain_text(shelved["barcode"])
            stored = await page.evaluate(STORED)
            assert [i["state"] for i in stored] == ["waiting"] * 4
            assert len({i["key"] for i in stored}) == 4 and all(i["body"]["nonce"] == i["key"] for i in stored)
            assert await recorded(corner) == nothing, "nothing reached the server while offline"

            # The network returns: the queue syncs, in the order the scans were made.
            await context.set_offline(False)
            synced = await settled(page)
            await expect(status).to_have_text("已同步")
            await expect(page.locator("#scan-results li.good").first).to_contain_text(shelved["barcode"])
            once = {
                "check_ins": 1,
                "booking": "attended",
                "loans": 1,
                "loans_of_family": 1,
                "stocktake_scans": 1,
                "shelved_scans": 1,
            }
            assert await recorded(corner) == once
            assert [i["state"] for i in synced] == ["done"] * 4
            assert [i["answer"]["ok"] for i in synced] == [True, True, False, True]
            assert synced[2]["answer"]["message"], "the refusal is kept with its words"

            # Each page shows what became of its scans, the refusal too.
            await page.goto(desk_url)
            await expect(page.locator("#lend-results li.good")).to_contain_text("已借出")
            await expect(page.locator("#lend-results li.bad")).to_contain_text("没有找到这个条码")
            await page.goto(scan_url)
            await expect(page.locator("#results li.good")).to_contain_text("签到成功")

            # Replayed a second time with the same keys: answered from the first, nothing doubled.
            assert await page.evaluate(REPLAY) == 4
            replayed = await settled(page)
            await expect(status).to_have_text("已同步")
            assert [i["state"] for i in replayed] == ["done"] * 4
            assert [i["answer"]["ok"] for i in replayed] == [True, True, False, True]
            assert await recorded(corner) == once
        finally:
            await browser.close()


async def test_scans_wait_for_a_new_log_in_when_the_session_ended_offline(
    client: httpx.AsyncClient, clock: FrozenClock, live_server: Any, chromium: str
) -> None:
    """The session ends while the corner is offline (idle limit, a log-out elsewhere): back
    online the queue is not thrown away nor sent as nobody; it says to log in again, waits
    (another volunteer logging in on the phone does not send it in their name), and syncs
    once the volunteer who scanned has logged in and opened a scanning page."""
    from playwright.async_api import async_playwright, expect

    from app.web.sessions import SESSION_COOKIE

    corner = await a_corner(client, clock)
    shelved = corner["copies"][1]
    await staff_headers(client, OTHER_VOLUNTEER, roles=("volunteer",), spaces=(corner["space_id"],))
    base = live_server.start()
    stocktake_url = f"{base}/staff/stocktakes/{corner['stocktake_id']}"

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport=PHONE_VIEWPORT, locale="zh-CN")
            page = await context.new_page()

            async def log_in(login: str = VOLUNTEER) -> None:
                await page.goto(f"{base}/staff/login")
                await page.get_by_label("用户名").fill(login)
                await page.get_by_label("密码").fill("staff-pass-1")
                await page.get_by_role("button", name="登录", exact=True).click()
                await expect(page).to_have_url(f"{base}/staff")

            await log_in()
            await open_online(page, f"{base}/staff/scan")
            await open_online(page, stocktake_url)
            await context.set_offline(True)
            shelf = page.get_by_label("逐本扫描书架上的书")
            await shelf.fill(shelved["barcode"])
            await shelf.press("Enter")
            status = page.locator("#sync-status")
            await expect(status).to_contain_text("待同步 1 条")

            await context.clear_cookies(name=SESSION_COOKIE)
            await context.set_offline(False)
            await expect(status).to_contain_text("请重新登录，登录后自动同步", timeout=20_000)
            await expect(status).to_contain_text("待同步 1 条")
            assert (await recorded(corner))["stocktake_scans"] == 0

            # Another volunteer logs in on the same phone: the scan is not sent in their name,
            # and the pages kept for the first one are gone.
            await log_in(OTHER_VOLUNTEER)
            await page.goto(stocktake_url)
            await expect(status).to_contain_text("其中 1 条由另一位工作人员扫描，需本人登录后同步")
            await page.wait_for_function(f"() => ({CACHED})(location.href)")
            assert not await page.evaluate(CACHED, f"{base}/staff/scan")
            assert (await page.evaluate(STORED))[0]["state"] == "waiting"
            assert (await recorded(corner))["stocktake_scans"] == 0

            await log_in()
            await page.goto(stocktake_url)
            items = await settled(page)
            await expect(status).to_have_text("已同步")
            assert [(i["state"], i["answer"]["ok"]) for i in items] == [("done", True)]
            await expect(page.locator("#scan-results li.good").first).to_contain_text(shelved["barcode"])
            assert (await recorded(corner))["shelved_scans"] == 1
        finally:
            await browser.close()


async def test_logging_out_throws_the_kept_staff_pages_away(
    client: httpx.AsyncClient, clock: FrozenClock, live_server: Any, chromium: str
) -> None:
    """A volunteer logs out on a shared phone: the pages the service worker kept for them
    are gone (nobody can open them offline after), a scan still waiting stays queued."""
    from playwright.async_api import async_playwright, expect

    corner = await a_corner(client, clock)
    base = live_server.start()
    stocktake_url = f"{base}/staff/stocktakes/{corner['stocktake_id']}"

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport=PHONE_VIEWPORT, locale="zh-CN")
            page = await context.new_page()
            await page.goto(f"{base}/staff/login")
            await page.get_by_label("用户名").fill(VOLUNTEER)
            await page.get_by_label("密码").fill("staff-pass-1")
            await page.get_by_role("button", name="登录", exact=True).click()
            await expect(page).to_have_url(f"{base}/staff")
            await open_online(page, f"{base}/staff/scan")
            await open_online(page, stocktake_url)
            await context.set_offline(True)
            shelf = page.get_by_label("逐本扫描书架上的书")
            await shelf.fill(corner["copies"][1]["barcode"])
            await shelf.press("Enter")
            await expect(page.locator("#sync-status")).to_contain_text("待同步 1 条")
            await context.set_offline(False)
            await page.wait_for_function("() => navigator.onLine")

            # (Sent at once back online, or still waiting: either way not lost by logging out.)
            await page.get_by_role("button", name="退出").click()
            await expect(page).to_have_url(f"{base}/")
            await expect(page.get_by_role("link", name="工作人员登录")).to_be_visible()
            assert not await page.evaluate(CACHED, f"{base}/staff/scan")
            assert not await page.evaluate(CACHED, stocktake_url)
            assert await page.evaluate(KEPT_PAGES) == [], "no staff page kept (static files may be)"
            assert len(await page.evaluate(STORED)) == 1

            # Offline now, the staff page is no longer there to open.
            await context.set_offline(True)
            await page.goto(f"{base}/staff/scan")
            await expect(page.get_by_role("heading", level=1)).to_have_count(0)
            await expect(page.locator("body")).to_contain_text("这个页面还没有在本机保存过")
        finally:
            await browser.close()
