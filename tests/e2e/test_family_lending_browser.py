"""A family on a 360 px phone in WeChat's browser (issue 15, items 10, 11 and 20): its loans
say which copy and where each was lent (two copies of one title told apart), its borrowing
card is one tap from "我的借阅" and "我的家庭" and shows big, ready to print; the reading log
keeps a logged book in the quick-pick (a re-read is one tap), shows each milestone's progress
("1 / 10 本") and reads a library copy's QR code with the phone's camera (a fake camera
showing the label's code); the footer offers no staff login to a logged-in family.

Real app in uvicorn (`live_server`), system Chromium (`/usr/bin/chromium`) with a fake camera
fed from a Y4M file; screenshots go to /tmp."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from qr.images import qr_image
from tests.e2e.test_lend_browser import a_library, copy_token, fits_a_phone
from tests.e2e.test_register_browser import CHROMIUM_ARGS, PHONE_VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.live]

SHOTS = Path("/tmp")
WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160117 MMWEBSDK/20231202 MMWEBID/2247"
    " MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)
WECHAT_PHONE: dict[str, Any] = {
    "viewport": PHONE_VIEWPORT,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "device_scale_factor": 1,
    "user_agent": WECHAT,
}


def fake_camera_video(text: str, path: Path, frames: int = 10) -> Path:
    """A Y4M clip (640 × 480, grey) of a QR code of `text`: what Chromium's fake camera shows."""
    frame = Image.new("L", (640, 480), 255)
    code = qr_image(text, correction="M", size=400).convert("L")
    frame.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    chroma = bytes([128]) * (320 * 240)
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


async def test_a_family_finds_its_copies_its_card_and_logs_reading_on_a_wechat_phone(
    live_server: Any, chromium: str, settings: Any, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright, expect

    base = live_server.start()
    lib = await a_library(base, settings)
    first, second = lib["copies"]
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        r = await api.post("/api/v1/auth/tokens", json={"login": "e2e-desk", "password": "staff-pass-1"})
        desk = {"Authorization": f"Bearer {r.json()['token']}"}
        r = await api.get("/api/v1/families/lookup", params={"phone": lib["phone"]}, headers=desk)
        assert r.status_code == 200, r.text
        family_id = r.json()["family_id"]
        for copy in (first, second):  # two copies of one title, to one family
            r = await api.post(
                "/api/v1/loans",
                json={"barcode": copy["barcode"], "family_id": family_id, "space_id": lib["space_id"]},
                headers=desk,
            )
            assert r.status_code == 201, r.text
        r = await api.post(
            "/api/v1/books", json={"isbn": "9787533259662", "title": "好饿的毛毛虫", "age_band": "0-3"}, headers=desk
        )
        assert r.status_code == 201, r.text
        r = await api.post(
            f"/api/v1/books/{r.json()['id']}/copies", json={"space_id": lib["space_id"], "count": 1}, headers=desk
        )
        caterpillar = r.json()["items"][0]
    label = f"http://testserver/q/{await copy_token(settings, caterpillar['id'])}"
    video = fake_camera_video(label, tmp_path / "label.y4m")
    camera_args = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS + camera_args)
        try:
            context = await browser.new_context(**WECHAT_PHONE)
            await context.grant_permissions(["camera"], origin=base)
            page = await context.new_page()
            await page.goto(f"{base}/login")
            await page.get_by_label("手机号").fill(lib["phone"])
            await page.get_by_label("密码").fill(lib["password"])
            await page.get_by_role("button", name="登录", exact=True).tap()
            await expect(page).to_have_url(f"{base}/")
            # Logged in: the footer offers no staff login (item 20).
            await expect(page.locator("footer")).not_to_contain_text("工作人员登录")

            # My loans: two copies of one title, each with its barcode and where it was lent.
            await page.goto(f"{base}/loans")
            cards = page.locator("ul.loans li.card")
            await expect(cards).to_have_count(2)
            for copy in (first, second):
                card = cards.filter(has_text=copy["barcode"])
                await expect(card).to_have_count(1)
                await expect(card).to_contain_text("猜猜我有多爱你")
                await expect(card).to_contain_text("借自吉祥十平米阅读空间")
            await fits_a_phone(page)
            await page.screenshot(path=str(SHOTS / "family-loans-copies-360.png"), full_page=True)

            # The borrowing card: linked from my loans, big on the phone, printable.
            await page.get_by_role("link", name=re.compile("家庭借阅卡")).tap()
            await expect(page).to_have_url(f"{base}/loans/card")
            await expect(page.get_by_role("heading", level=1)).to_have_text("家庭借阅卡")
            card_image = page.get_by_role("img", name=re.compile("家庭借阅卡"))
            await expect(card_image).to_be_visible()
            await page.wait_for_function(
                "() => { const i = document.querySelector('.family-card-view img');"
                " return i && i.complete && i.naturalWidth > 600; }"
            )
            width = await card_image.evaluate("(img) => img.getBoundingClientRect().width")
            assert width >= 300, f"the card is too small to scan from the phone: {width}px"
            await expect(page.get_by_role("button", name="打印借阅卡")).to_be_visible()
            await fits_a_phone(page)
            await page.screenshot(path=str(SHOTS / "family-card-360.png"), full_page=True)
            await page.emulate_media(media="print")
            await expect(page.locator("header.bar")).to_be_hidden()
            await expect(page.get_by_role("button", name="打印借阅卡")).to_be_hidden()
            await expect(card_image).to_be_visible()
            await page.emulate_media(media="screen")
            # ... and from my family's page.
            await page.goto(f"{base}/family")
            await page.get_by_role("link", name=re.compile("家庭借阅卡")).tap()
            await expect(page).to_have_url(f"{base}/loans/card")

            # The reading log: milestones with their progress.
            await page.goto(f"{base}/reading-log")
            books_goal = page.locator(".goal").filter(has_text="一起读完 10 本绘本")
            await expect(books_goal).to_contain_text("0 / 10 本")
            await expect(books_goal.get_by_role("progressbar")).to_have_attribute("value", "0")
            await expect(page.locator(".goal").filter(has_text="连续 21 天共读")).to_contain_text("0 / 21 天")
            await fits_a_phone(page)
            # A borrowed book from the suggestions, then again from the quick-pick: no ISBN typed.
            await page.get_by_role("button", name="记录读过《猜猜我有多爱你》").tap()
            await expect(page).to_have_url(re.compile(r"/reading-log\?note=logged"))
            await expect(books_goal).to_contain_text("1 / 10 本")
            again = page.get_by_role("button", name="又读了一遍《猜猜我有多爱你》")
            await expect(again).to_be_visible()
            await again.tap()
            await expect(page).to_have_url(re.compile(r"/reading-log\?note=logged"))
            await expect(page.locator("#books").locator("xpath=..").locator("li.card")).to_have_count(2)
            await expect(page.get_by_role("button", name="又读了一遍《猜猜我有多爱你》")).to_be_visible()
            await expect(books_goal).to_contain_text("1 / 10 本")  # the same book counts once

            # The camera: a library copy's label QR code, read by the phone, then logged.
            camera = page.get_by_role("button", name="扫码", exact=True)
            await expect(camera).to_be_visible()
            await fits_a_phone(page)
            await page.screenshot(path=str(SHOTS / "family-reading-log-360.png"), full_page=True)
            await camera.tap()
            await expect(page.get_by_label("扫描或输入 ISBN")).to_have_value(label, timeout=20_000)
            await expect(page.locator("#isbn-status")).to_contain_text("扫到了")
            await expect(page.locator("#isbn-video")).to_be_hidden()
            await page.get_by_role("button", name="记录这本书", exact=True).tap()
            await expect(page).to_have_url(re.compile(r"/reading-log\?note=logged"))
            await expect(books_goal).to_contain_text("2 / 10 本")
            await expect(page.get_by_role("button", name="又读了一遍《好饿的毛毛虫》")).to_be_visible()
            await fits_a_phone(page)
        finally:
            await browser.close()
