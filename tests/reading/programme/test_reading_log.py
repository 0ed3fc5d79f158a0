"""The family reading log: milestones at the right counts (10, 50, 100 distinct books; a
21-day streak), the daily sanity cap, and the yearly summary image (1080 × 1920) drawn in the
shipped font with a QR code back to the site."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import httpx
from fontTools.ttLib import TTFont
from PIL import Image

from qr import documents
from qr.images import BOLD, REGULAR
from qr.posters import ACCENT
from reading.programme.services.documents import summary_doc
from tests.helpers import FrozenClock, register_family
from tests.reading.programme.helpers import browser, make_books, problem, qr_text

TODAY = date(2026, 11, 28)  # the clock fixture's day in Beijing


async def log_book(
    client: httpx.AsyncClient, fam: dict[str, Any], book_id: int, day: date, **extra: Any
) -> httpx.Response:
    body = {"book_id": book_id, "child_ids": [fam["family"]["children"][0]["id"]], "read_on": day.isoformat(), **extra}
    return await client.post("/api/v1/families/me/reading-log", json=body, headers=fam["headers"])


async def reading_log(client: httpx.AsyncClient, fam: dict[str, Any]) -> dict[str, Any]:
    r = await client.get("/api/v1/families/me/reading-log", headers=fam["headers"])
    assert r.status_code == 200, r.text
    return dict(r.json())


def reached(log: dict[str, Any]) -> list[tuple[str, int, str | None]]:
    return [(m["kind"], m["value"], m["reached_on"]) for m in log["milestones"]]


async def test_book_milestones_at_10_50_and_100_distinct_books(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    fam = await register_family(client)
    books = await make_books(client, library["librarian"], 100)
    first = TODAY - timedelta(days=60)
    # Five books every other day (no streak), oldest first; book 0 is read again every day.
    days = {}
    for n, book in enumerate(books):
        day = first + timedelta(days=2 * (n // 5))
        days[n + 1] = day
        assert (await log_book(client, fam, book, day)).status_code == 201
        if n % 5 == 4:
            assert (await log_book(client, fam, books[0], day)).status_code == 201  # a favourite, again
        if n + 1 == 9:
            log = await reading_log(client, fam)
            assert log["books_read"] == 9 and log["milestones"] == []
        if n + 1 == 10:
            log = await reading_log(client, fam)
            assert reached(log) == [("books", 10, days[10].isoformat())]
        if n + 1 == 49:
            assert [m[:2] for m in reached(await reading_log(client, fam))] == [("books", 10)]
        if n + 1 == 50:
            assert [m[:2] for m in reached(await reading_log(client, fam))] == [("books", 10), ("books", 50)]
    log = await reading_log(client, fam)
    assert log["books_read"] == 100 and log["current_streak"] == 0
    assert reached(log) == [
        ("books", 10, days[10].isoformat()),
        ("books", 50, days[50].isoformat()),
        ("books", 100, days[100].isoformat()),
    ]

    async with browser(app, fam["phone"], fam["password"]) as b:
        page = await b.get("/reading-log")
        assert page.status_code == 200
        for text in ("一起读完 10 本绘本", "一起读完 50 本绘本", "一起读完 100 本绘本", "连续 21 天每天一起读一本书"):
            assert text in page.text
        assert "排行" not in page.text and "排名" not in page.text  # no leaderboards for young children


async def test_a_21_day_streak_and_the_kind_nudges_before_it(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    fam = await register_family(client)
    book = library["book"]["id"]
    start = clock.now()
    # A 20-day run, a missed day, then one more day: no streak milestone yet.
    for i in range(20):
        assert (await log_book(client, fam, book, TODAY - timedelta(days=60 - i))).status_code == 201
    assert (await log_book(client, fam, book, TODAY - timedelta(days=39))).status_code == 201
    log = await reading_log(client, fam)
    assert log["milestones"] == [] and log["days_read"] == 21 and log["current_streak"] == 0
    # Now read every day, logging it that evening, for 21 days.
    for n in range(21):
        clock.set(start - timedelta(days=20 - n))
        assert (await log_book(client, fam, book, TODAY - timedelta(days=20 - n))).status_code == 201
        log = await reading_log(client, fam)
        assert log["current_streak"] == n + 1
        streak = [m for m in reached(log) if m[0] == "streak"]
        if n + 1 < 21:
            assert streak == [], n
        else:
            assert streak == [("streak", 21, TODAY.isoformat())]
    assert (await reading_log(client, fam))["current_streak"] == 21  # read today
    clock.advance(days=2)
    log = await reading_log(client, fam)
    assert log["current_streak"] == 0 and ("streak", 21, TODAY.isoformat()) in reached(log)  # a milestone stays
    assert log["books_read"] == 1 and [m for m in reached(log) if m[0] == "books"] == []

    async with browser(app, fam["phone"], fam["password"]) as b:
        page = await b.get("/reading-log")
        assert "连续 21 天共读" in page.text and "再读 9 本，就到 10 本啦" in page.text


async def test_the_daily_cap(client: httpx.AsyncClient, library: dict[str, Any], app: Any) -> None:
    fam = await register_family(client)
    books = await make_books(client, library["librarian"], 21, start=200)
    for book in books[:20]:
        assert (await log_book(client, fam, book, TODAY)).status_code == 201
    assert problem(await log_book(client, fam, books[20], TODAY)) == (409, "daily_cap_reached")
    assert (await log_book(client, fam, books[20], TODAY - timedelta(days=1))).status_code == 201
    # Out of range days and minutes are refused too.
    assert (await log_book(client, fam, books[0], TODAY + timedelta(days=1))).status_code == 400
    assert (await log_book(client, fam, books[0], TODAY - timedelta(days=400))).status_code == 400
    assert (await log_book(client, fam, books[0], TODAY - timedelta(days=2), minutes=0)).status_code == 400
    assert (await log_book(client, fam, books[0], TODAY - timedelta(days=2), minutes=601)).status_code == 400

    async with browser(app, fam["phone"], fam["password"]) as b:
        await b.get("/reading-log")
        r = await b.post(
            "/reading-log",
            data={
                "_csrf_token": b.cookies["csrftoken"],
                "book_id": str(books[3]),
                "child_id": [str(fam["family"]["children"][0]["id"])],
                "read_on": TODAY.isoformat(),
            },
        )
        assert r.status_code == 409 and "今天记录的共读已经很多了，明天再来记录吧" in r.text


async def test_the_summary_image_is_drawn_in_the_shipped_font_with_a_qr_code_home(
    client: httpx.AsyncClient, library: dict[str, Any], app: Any
) -> None:
    fam = await register_family(client)
    # A nickname with a character outside GB 2312 (喆) must not print as boxes.
    r = await client.post(
        "/api/v1/families/me/children", json={"nickname": "喆喆", "birth_month": "2021-06"}, headers=fam["headers"]
    )
    assert r.status_code == 201, r.text
    books = await make_books(client, library["librarian"], 4, start=300)
    for n, book in enumerate(books[:3]):
        assert (await log_book(client, fam, book, TODAY - timedelta(days=n))).status_code == 201
    assert (await log_book(client, fam, books[0], TODAY - timedelta(days=5))).status_code == 201  # read again
    assert (await log_book(client, fam, books[3], date(2025, 12, 30))).status_code == 201  # last year

    r = await client.get("/api/v1/families/me/reading-summary.png", headers=fam["headers"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(r.content))
    assert image.size == (1080, 1920)
    assert qr_text(r.content) == "http://testserver/"

    doc = await summary_doc(fam["family"]["id"], 2026, "http://testserver")
    texts = documents.summary_texts(doc)
    assert texts[:2] == ["故事角 · 亲子共读", "今年共读 3 本绘本"]
    assert "一起读书 4 天" in texts and "最长连续 3 天" in texts and "孩子1、孩子2" in texts
    assert "2026 · 东城区家庭亲子阅读 · 故事角" in texts
    assert not any("喆" in t for t in texts)
    for path in (REGULAR, BOLD):  # the title and headline are bold, the lines regular: both cover all
        cmap = TTFont(str(path)).getBestCmap()
        missing = {ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in cmap}
        assert not missing, f"{path.name} cannot draw {missing}"
    # The headline really is drawn: the accent colour fills its band.
    band = image.crop((0, 420, 1080, 540)).convert("RGB")
    colours = {colour: n for n, colour in band.getcolors(band.width * band.height) or []}
    assert colours.get(ACCENT, 0) > 2_000

    # The same picture from the reading-log page's link (the browser session), and last year's.
    async with browser(app, fam["phone"], fam["password"]) as b:
        page = await b.get("/reading-log")
        assert 'href="/reading-log/summary.png?year=2026"' in page.text
        mine = await b.get("/reading-log/summary.png?year=2026")
        assert mine.status_code == 200 and mine.content == r.content
        last = await b.get("/reading-log/summary.png?year=2025")
        assert last.status_code == 200 and last.content != r.content
    last_doc = await summary_doc(fam["family"]["id"], 2025, "http://testserver")
    assert last_doc.headline == "今年共读 1 本绘本"


async def test_a_read_book_stays_one_tap_away_and_a_copys_label_logs_its_title(
    client: httpx.AsyncClient, library: dict[str, Any], app: Any, clock: FrozenClock
) -> None:
    """Issue 15, item 10: a logged book stays in the page's quick-pick (a re-read without the
    ISBN), milestones show their progress, and the ISBN field takes what the camera read off a
    library copy: its label's QR link or its barcode (an unknown code is refused kindly)."""
    from qr.services import tokens
    from qr.tokens import Purpose

    fam = await register_family(client)
    book = library["book"]
    child = str(fam["family"]["children"][0]["id"])
    copy = library["copies"][0]
    async with browser(app, fam["phone"], fam["password"]) as b:
        r = await b.get("/reading-log")
        assert "0 / 10 本" in r.text and '<progress max="10" value="0"' in r.text
        assert "又读了一遍" not in r.text

        async def post(**fields: str) -> httpx.Response:
            data = {"_csrf_token": b.cookies["csrftoken"], "child_id": [child], "read_on": TODAY.isoformat()}
            return await b.post("/reading-log", data={**data, **fields})

        r = await post(book_id=str(book["id"]))
        assert r.status_code == 303
        r = await b.get("/reading-log")
        assert f"又读了一遍《{book['title']}》" in r.text and "1 / 10 本" in r.text
        assert f'name="book_id" value="{book["id"]}"' in r.text  # one tap: a re-read, no ISBN

        label = f"http://testserver/q/{await tokens.issue(Purpose.copy, copy['id'], now=clock.now())}"
        for code in (label, copy["barcode"].lower()):
            r = await post(isbn=code)
            assert r.status_code == 303, r.text
        r = await post(isbn="SC99999999")
        assert r.status_code == 404 and "没有找到这本绘本" in r.text and 'aria-invalid="true"' in r.text
    log = await reading_log(client, fam)
    assert [e["book_id"] for e in log["items"]] == [book["id"]] * 3 and log["books_read"] == 1
