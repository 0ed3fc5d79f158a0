"""Booking pages over ASGI, as a browser uses them (session cookie, CSRF forms, a fake clock):
families book from the slot page, see, cancel and accept in /bookings, and are refused
kindly; staff see only their spaces, the roster, attendance, walk-ins, series, capacity and
closures."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.helpers import FrozenClock, create_staff, next_phone
from tests.spaces.conftest import make_slot
from tests.web.forms import log_in, register_in_browser, submit

Browsers = Callable[[], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def browsers(app: Any) -> AsyncIterator[Browsers]:
    """New browsers (cookie jars) on the same app: one per family or staff member."""
    opened: list[httpx.AsyncClient] = []

    async def make() -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()


async def family_browser(browsers: Browsers, **kw: Any) -> httpx.AsyncClient:
    """A family registered through the page (children 小雨 2021-05 and 豆豆 2023-09), logged in."""
    browser = await browsers()
    browser.phone = next_phone()  # type: ignore[attr-defined]
    r = await register_in_browser(browser, browser.phone, **kw)  # type: ignore[attr-defined]
    assert r.status_code in (302, 303), r.text
    return browser


async def staff_browser(
    browsers: Browsers, login: str, roles: tuple[str, ...] = ("librarian",), spaces: tuple[int, ...] = ()
) -> httpx.AsyncClient:
    await create_staff(login, roles=roles, spaces=spaces)
    browser = await browsers()
    r = await log_in(browser, login, "staff-pass-1")
    assert r.status_code in (302, 303), r.text
    return browser


def boxes(html: str) -> list[tuple[int, bool]]:
    """The children checkboxes of a booking form: (id, ticked)."""
    return [(int(m.group(1)), bool(m.group(2))) for m in re.finditer(r'name="child_id" value="(\d+)"( checked)?', html)]


async def book(browser: httpx.AsyncClient, slot_id: int, **overrides: Any) -> httpx.Response:
    """Tap 预约 on the slot page with what it pre-filled (or `overrides`)."""
    page = await browser.get(f"/slots/{slot_id}")
    assert page.status_code == 200, page.text
    data: dict[str, Any] = {"child_id": [str(c) for c, ticked in boxes(page.text) if ticked], "adults": "1"}
    data.update(overrides)
    return await submit(browser, f"/slots/{slot_id}", data, page=f"/slots/{slot_id}")


async def slot_api(client: httpx.AsyncClient, slot_id: int) -> dict[str, Any]:
    r = await client.get(f"/api/v1/slots/{slot_id}")
    assert r.status_code == 200
    return dict(r.json())


def friendly(r: httpx.Response, status: int, text: str) -> None:
    """A refusal: the right status, an HTML page with the kind message, no dump."""
    assert r.status_code == status, (r.status_code, r.text[:2000])
    assert r.headers["content-type"].startswith("text/html")
    assert text in r.text, r.text
    assert 'role="alert"' in r.text
    for leak in ("Traceback", '"code":', "problem+json", "DomainError"):
        assert leak not in r.text


def found(pattern: str, text: str) -> int:
    """The number captured by the first match of `pattern`."""
    match = re.search(pattern, text)
    assert match, (pattern, text[:3000])
    return int(match.group(1))


def card(html: str, anchor: str) -> str:
    """The `<li id="anchor">` card of a list."""
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</li>", start)]


async def family_id_of(phone: str) -> int:
    from app.accounts.tables import User

    row = await User.select(User.family).where(User.login == phone).first()
    assert row is not None
    return int(row["family"])


# --- family: book, see, cancel, accept ----------------------------------------------------------


async def test_family_books_from_the_space_page_in_three_taps(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=10, waitlist=True, age_band="3-6")
    fam = await family_browser(browsers)

    # Tap 1: the space page lists the week with the activity and its places.
    r = await fam.get(f"/spaces/{space['id']}")
    assert r.status_code == 200
    week = r.text[r.text.index('id="week"') :]
    assert f'href="/slots/{slot["id"]}"' in week
    assert "绘本＋安全教育" in week and "剩 10 位" in week and "11月30日 周一" in week
    assert "10:00" in week and "11:00" in week  # Beijing time, not UTC

    # Tap 2: the activity page, both children ticked, one adult.
    r = await fam.get(f"/slots/{slot['id']}")
    assert r.status_code == 200
    assert "适合 3-6 岁" in r.text and "剩余 10 位，共 10 位" in r.text
    assert "约满后可以排候补，有空位时按顺序通知确认。" in r.text
    assert [ticked for _, ticked in boxes(r.text)] == [True, True]
    assert '<option value="1" selected>' in r.text
    assert 'name="_csrf_token"' in r.text and ">预约</button>" in r.text

    # Tap 3: 预约.
    r = await book(fam, slot["id"])
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/bookings?note=confirmed&b=")
    booking_id = found(r"b=(\d+)", r.headers["location"])

    r = await fam.get(r.headers["location"])
    assert r.status_code == 200
    assert "预约成功！" in r.text
    mine = card(r.text, f"b{booking_id}")
    assert "绘本＋安全教育" in mine and "已确认" in mine and "3 人" in mine and "小雨、豆豆" in mine
    assert "11月30日 周一 10:00–11:00" in mine
    assert f'src="/bookings/{booking_id}/qr.png"' in mine
    assert f'href="/bookings/{booking_id}/calendar.ics"' in mine
    assert (await slot_api(client, slot["id"]))["remaining"] == 7

    # Add to calendar (the browser session, no token), the QR code, and the private feed.
    ics = await fam.get(f"/bookings/{booking_id}/calendar.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text and "绘本＋安全教育" in ics.text
    png = await fam.get(f"/bookings/{booking_id}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    feed = re.search(r'id="feed-url"[^>]*value="http://testserver(/calendar/[^"]+\.ics)"', r.text)
    assert feed, r.text
    r = await client.get(feed.group(1))  # no login: the secret URL is the key
    assert r.status_code == 200 and f"booking-{booking_id}@storycorner" in r.text

    # The space page and the slot page now know.
    r = await fam.get(f"/spaces/{space['id']}")
    assert "剩 7 位" in r.text and '<span class="badge mine">已确认</span>' in r.text
    r = await fam.get(f"/slots/{slot['id']}")
    assert "您已预约这个时段：已确认" in r.text and 'name="child_id"' not in r.text


async def test_week_navigation(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    later = await make_slot(client, space, clock, title="下周的故事会", starts_at=clock.now() + timedelta(days=9))
    fam = await browsers()
    r = await fam.get(f"/spaces/{space['id']}")
    assert "下周的故事会" not in r.text
    assert "这一周还没有可以预约的时段。" in r.text
    assert "上一周" not in r.text  # no going back before today
    assert 'href="?week=2026-12-05#week"' in r.text
    r = await fam.get(f"/spaces/{space['id']}?week=2026-12-05")
    assert r.status_code == 200
    assert f'href="/slots/{later["id"]}"' in r.text and "12月7日 周一" in r.text
    assert 'href="?week=2026-11-28#week"' in r.text  # back to this week
    for bad in ("2026-13-40", "yesterday", "2020-01-01"):
        r = await fam.get(f"/spaces/{space['id']}?week={bad}")
        assert r.status_code == 200 and "今天 11月28日 周六" not in r.text  # nothing today, but no error
        assert "11月28日 – 12月4日" in r.text
    r = await fam.get("/spaces/999999")
    assert r.status_code == 404 and "没有找到这个空间" in r.text


async def test_open_reading_and_closures_show_on_the_week(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    admin = await staff_browser(browsers, "admin2", roles=("district_admin",))
    r = await submit(admin, f"/staff/spaces/{space['id']}/generate", {}, page="/staff")
    assert r.status_code == 303 and "note=generated&n=" in r.headers["location"]
    r = await admin.get(r.headers["location"])
    assert "已生成 13 个开放阅读时段。" in r.text  # 14 days, but today's 09:00 has passed
    r = await submit(
        admin,
        f"/staff/spaces/{space['id']}/closures",
        {"first_day": "2026-11-30", "last_day": "2026-11-30", "reason": "设备检修"},
        page=f"/staff/spaces/{space['id']}/closures",
    )
    assert r.status_code == 303
    fam = await browsers()
    r = await fam.get(f"/spaces/{space['id']}")
    week = r.text[r.text.index('id="week"') : r.text.index("开放时间</h2>")]
    assert "开放阅读" in week and "剩 12 位" in week
    assert "闭馆：设备检修" in week
    monday = week[week.index("11月30日 周一") : week.index("12月1日 周二")]
    assert "已取消" in monday and "剩 12 位" not in monday


async def test_family_cancels_after_confirming(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=10)
    fam = await family_browser(browsers)
    r = await book(fam, slot["id"])
    booking_id = found(r"b=(\d+)", r.headers["location"])
    r = await fam.get("/bookings")
    mine = card(r.text, f"b{booking_id}")
    assert "<summary" in mine and "取消预约" in mine and "确定取消这个预约吗？" in mine  # behind a second tap
    assert "已经过了取消截止时间" not in mine

    r = await submit(fam, f"/bookings/{booking_id}/cancel", {}, page="/bookings")
    assert r.status_code == 303 and r.headers["location"] == f"/bookings?note=cancelled&b={booking_id}"
    r = await fam.get(r.headers["location"])
    assert "预约已取消。" in r.text and "还没有待参加的预约。" in r.text
    past = r.text[r.text.index("以往的预约") :]
    assert "绘本＋安全教育" in past and "已取消" in past
    assert (await slot_api(client, slot["id"]))["remaining"] == 10

    # Cancelling twice is harmless; someone else's booking is not found.
    r = await submit(fam, f"/bookings/{booking_id}/cancel", {}, page="/bookings")
    assert r.status_code == 303
    other = await family_browser(browsers)
    r = await submit(other, f"/bookings/{booking_id}/cancel", {}, page="/bookings")
    friendly(r, 404, "没有找到这个预约")
    assert (await other.get(f"/bookings/{booking_id}/calendar.ics")).status_code == 404


async def test_late_cancellation_is_announced(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=10)
    fam = await family_browser(browsers)
    r = await book(fam, slot["id"])
    booking_id = found(r"b=(\d+)", r.headers["location"])
    clock.advance(days=1, hours=23)  # 1 hour before the start; the deadline was 2 hours before
    r = await fam.get("/bookings")
    assert "已经过了取消截止时间（11-30 08:00），现在取消会记为一次未到。" in card(r.text, f"b{booking_id}")


async def test_waitlisted_family_sees_its_position_then_accepts_the_offer(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=3, waitlist=True)
    first, second = await family_browser(browsers), await family_browser(browsers)
    r = await book(first, slot["id"])  # 2 children + 1 adult: full
    first_booking = found(r"b=(\d+)", r.headers["location"])

    r = await second.get(f"/spaces/{space['id']}")
    assert "已满 · 可候补" in r.text
    r = await second.get(f"/slots/{slot['id']}")
    assert "名额已满。现在提交会加入候补名单" in r.text and ">加入候补</button>" in r.text
    r = await book(second, slot["id"])
    assert r.status_code == 303 and "note=waitlisted" in r.headers["location"]
    second_booking = found(r"b=(\d+)", r.headers["location"])
    r = await second.get(r.headers["location"])
    assert "您已加入候补名单" in r.text
    mine = card(r.text, f"b{second_booking}")
    assert "候补中" in mine and "候补第 1 位" in mine
    assert "calendar.ics" not in mine and "qr.png" not in mine

    await submit(first, f"/bookings/{first_booking}/cancel", {}, page="/bookings")
    r = await second.get("/bookings")
    mine = card(r.text, f"b{second_booking}")
    assert "候补到位，待确认" in mine
    assert "有空位了！请在 11-28 12:00 前确认" in mine  # 2 hours, shown in Beijing time
    assert f'action="/bookings/{second_booking}/accept"' in mine and "确认参加" in mine

    r = await submit(second, f"/bookings/{second_booking}/accept", {}, page="/bookings")
    assert r.status_code == 303
    r = await second.get(r.headers["location"])
    assert "已确认参加，期待与您见面！" in r.text
    assert "已确认" in card(r.text, f"b{second_booking}")


async def test_an_expired_offer_is_refused_kindly(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=3, waitlist=True)
    first, second = await family_browser(browsers), await family_browser(browsers)
    r = await book(first, slot["id"])
    first_booking = found(r"b=(\d+)", r.headers["location"])
    r = await book(second, slot["id"])
    second_booking = found(r"b=(\d+)", r.headers["location"])
    await submit(first, f"/bookings/{first_booking}/cancel", {}, page="/bookings")
    clock.advance(hours=3)
    r = await submit(second, f"/bookings/{second_booking}/accept", {}, page="/bookings")
    friendly(r, 409, "确认时间已经过了，名额已让给下一位候补家庭。")


# --- refusals -----------------------------------------------------------------------------------


async def children_of(browser: httpx.AsyncClient) -> list[str]:
    return re.findall(r'action="/family/children/(\d+)"', (await browser.get("/family")).text)


async def test_full_and_already_booked(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=3)
    first, second = await family_browser(browsers), await family_browser(browsers)
    assert (await book(first, slot["id"])).status_code == 303
    r = await first.get(f"/slots/{slot['id']}")
    assert "您已预约这个时段：已确认" in r.text and 'name="child_id"' not in r.text
    # A double tap posts the form again: said kindly.
    data = {"child_id": await children_of(first), "adults": "1"}
    r = await submit(first, f"/slots/{slot['id']}", data, page="/")
    friendly(r, 409, "您已经预约过这个时段了，可以在“我的预约”里查看。")
    # Another family sees it full, without a form; posting anyway is refused kindly.
    page = await second.get(f"/slots/{slot['id']}")
    assert "这个时段已经约满了，看看其他时间吧。" in page.text and 'name="child_id"' not in page.text
    assert '<span class="badge full">已满</span>' in page.text
    data = {"child_id": await children_of(second), "adults": "1"}
    r = await submit(second, f"/slots/{slot['id']}", data, page="/")
    friendly(r, 409, "这个时段已经约满了，看看其他时间吧。")
    assert r.text.count("这个时段已经约满了") == 1


async def test_party_too_large_and_bad_adults(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=2)
    fam = await family_browser(browsers)
    r = await book(fam, slot["id"], child_id=[])
    friendly(r, 400, "请至少选择一个孩子")
    everyone = [str(c) for c, _ in boxes((await fam.get(f"/slots/{slot['id']}")).text)]
    r = await book(fam, slot["id"], child_id=everyone)  # the page ticks only the one child who fits
    friendly(r, 409, "这个时段最多容纳 2 人，请减少同行的人数。")
    assert [ticked for _, ticked in boxes(r.text)] == [True, True]  # the form keeps what was chosen
    r = await book(fam, slot["id"], adults="9")
    friendly(r, 400, "同行的大人应为 0 到 4 位")
    r = await book(fam, slot["id"], child_id=[str(boxes(r.text)[0][0])], adults="1")
    assert r.status_code == 303


async def test_booking_not_open_shows_the_opening_time(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, booking_opens_at=(clock.now() + timedelta(days=1)).isoformat())
    fam = await family_browser(browsers)
    r = await fam.get(f"/spaces/{space['id']}")
    assert "11-29 10:00 开放预约" in r.text
    r = await fam.get(f"/slots/{slot['id']}")
    assert "预约将于 11-29 10:00 开放。" in r.text and 'name="child_id"' in r.text  # ready for the moment
    r = await book(fam, slot["id"])
    friendly(r, 409, "预约还没有开始，将于 11-29 10:00 开放，到时再来吧。")
    clock.advance(days=1)
    assert (await book(fam, slot["id"])).status_code == 303


async def test_booking_suspended_shows_the_end_date_kindly(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    from spaces.tables import Suspension

    slot = await make_slot(client, space, clock)
    fam = await family_browser(browsers)
    family_id = await family_id_of(fam.phone)  # type: ignore[attr-defined]
    await Suspension.insert(
        Suspension(family=family_id, starts_at=clock.now(), ends_at=clock.now() + timedelta(days=14), no_shows=3)
    )
    r = await fam.get(f"/slots/{slot['id']}")
    assert "预约功能暂停到 12-12 10:00，到时会自动恢复。这段时间仍然欢迎您直接到空间阅读。" in r.text
    assert 'name="child_id"' not in r.text
    r = await submit(fam, f"/slots/{slot['id']}", {"child_id": await children_of(fam), "adults": "1"}, page="/")
    friendly(r, 403, "由于近期有几次预约没有到场，预约功能暂停到 12-12 10:00")


async def test_age_band_mismatch(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, age_band="6-9")
    fam = await family_browser(browsers)
    r = await fam.get(f"/slots/{slot['id']}")
    assert "适合 6-9 岁" in r.text and r.text.count("不在适龄范围") == 2
    assert [ticked for _, ticked in boxes(r.text)] == [False, False]  # only children who fit are ticked
    children = [str(c) for c, _ in boxes(r.text)]
    r = await book(fam, slot["id"], child_id=children)
    friendly(r, 409, "这个活动适合 6-9 岁的孩子，请只勾选这个年龄段的孩子。")


async def test_started_and_cancelled_slots_cannot_be_booked(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock)
    fam = await family_browser(browsers)
    children = await children_of(fam)
    clock.advance(days=2, minutes=5)
    r = await fam.get(f"/slots/{slot['id']}")
    assert "这个时段已经开始，不能再预约了。" in r.text
    r = await submit(fam, f"/slots/{slot['id']}", {"child_id": children, "adults": "1"}, page="/")
    friendly(r, 409, "这个时段已经开始或已取消，不能再预约了。")
    assert (await fam.get("/slots/999999")).status_code == 404


async def test_booking_limit_and_another_familys_child(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slots = [
        await make_slot(client, space, clock, starts_at=clock.now() + timedelta(days=2, hours=i)) for i in range(5)
    ]
    fam, other = await family_browser(browsers), await family_browser(browsers)
    for s in slots[:4]:
        assert (await book(fam, s["id"])).status_code == 303
    r = await book(fam, slots[4]["id"])
    friendly(r, 409, "您已有 4 个待参加的预约，达到了上限。")
    theirs = [str(c) for c, _ in boxes((await other.get(f"/slots/{slots[4]['id']}")).text)]
    mine = [str(c) for c, _ in boxes((await fam.get(f"/slots/{slots[4]['id']}")).text)]
    r = await submit(other, f"/slots/{slots[4]['id']}", {"child_id": mine, "adults": "1"}, page="/")
    friendly(r, 404, "请选择您家的孩子。")
    assert theirs != mine


async def test_booking_pages_need_a_family_and_csrf(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock)
    visitor = await browsers()
    r = await visitor.get(f"/slots/{slot['id']}")
    assert r.status_code == 200 and f'href="/login?next=/slots/{slot["id"]}"' in r.text and "登录后预约" in r.text
    r = await visitor.get("/bookings")
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login?next=")
    staff = await staff_browser(browsers, "lib9", spaces=(space["id"],))
    r = await staff.get(f"/slots/{slot['id']}")
    assert "只有家庭账号可以预约。" in r.text and f'href="/staff/slots/{slot["id"]}"' in r.text
    assert (await staff.get("/bookings")).status_code == 403
    fam = await family_browser(browsers)
    r = await fam.post(f"/slots/{slot['id']}", data={"child_id": "1", "adults": "1"})  # no CSRF token
    assert r.status_code == 403
    assert (await slot_api(client, slot["id"]))["remaining"] == 10


# --- staff ------------------------------------------------------------------------------------


async def other_space(client: httpx.AsyncClient, space: dict[str, Any]) -> dict[str, Any]:
    body = {
        "name": "福祥十平米阅读空间",
        "kind": "ten_square",
        "street": "交道口",
        "address": "东城区交道口街道福祥社区",
        "capacity": 8,
    }
    r = await client.post("/api/v1/spaces", json=body, headers=space["admin"])
    assert r.status_code == 201, r.text
    return {**r.json(), "admin": space["admin"]}


async def test_staff_schedule_shows_only_their_spaces(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    other = await other_space(client, space)
    mine = await make_slot(client, space, clock, title="吉祥故事会")
    await make_slot(client, other, clock, title="福祥科普课")
    await make_slot(client, space, clock, title="今天的手工", starts_at=clock.now() + timedelta(hours=3))

    lib = await staff_browser(browsers, "lib1", spaces=(space["id"],))
    r = await lib.get("/")
    assert 'href="/staff"' in r.text and "工作台" in r.text and 'href="/bookings"' not in r.text
    r = await lib.get("/staff")
    assert r.status_code == 200
    assert "吉祥故事会" in r.text and f'href="/staff/slots/{mine["id"]}"' in r.text
    assert "福祥科普课" not in r.text and "福祥十平米阅读空间" not in r.text
    assert "已约 0 / 10 人" in r.text
    r = await lib.get("/staff?view=day")
    assert "今天的手工" in r.text and "吉祥故事会" not in r.text
    r = await lib.get("/staff?view=day&day=2026-11-30")
    assert "吉祥故事会" in r.text and "今天的手工" not in r.text
    r = await lib.get(f"/staff?space={other['id']}")
    assert r.status_code == 403 and "福祥科普课" not in r.text

    admin = await staff_browser(browsers, "admin2", roles=("district_admin",))
    r = await admin.get("/staff")
    assert f'<option value="{other["id"]}"' in r.text and f'<option value="{space["id"]}"' in r.text
    r = await admin.get(f"/staff?space={other['id']}")
    assert "福祥科普课" in r.text and "吉祥故事会" not in r.text

    volunteer = await staff_browser(browsers, "vol1", roles=("volunteer",))
    r = await volunteer.get("/staff")
    assert "您还没有负责的空间" in r.text and "今天的手工" not in r.text and "吉祥故事会" not in r.text

    fam = await family_browser(browsers)
    assert (await fam.get("/staff")).status_code == 403
    r = await fam.get("/")
    assert 'href="/bookings"' in r.text and 'href="/staff"' not in r.text


async def test_roster_is_for_staff_of_that_space_only(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    other = await other_space(client, space)
    slot = await make_slot(client, space, clock)
    fam = await family_browser(browsers)
    await book(fam, slot["id"])

    lib = await staff_browser(browsers, "lib1", spaces=(space["id"],))
    r = await lib.get(f"/staff/slots/{slot['id']}")
    assert r.status_code == 200
    assert "王妈妈" in r.text and "小雨、豆豆" in r.text and "大人 1 位，共 3 人" in r.text
    assert "3/10" in r.text

    stranger = await staff_browser(browsers, "lib2", spaces=(other["id"],))
    r = await stranger.get(f"/staff/slots/{slot['id']}")
    assert r.status_code == 403 and "王妈妈" not in r.text and "小雨" not in r.text
    r = await fam.get(f"/staff/slots/{slot['id']}")
    assert r.status_code == 403 and "小雨" not in r.text
    r = await (await browsers()).get(f"/staff/slots/{slot['id']}")
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")
    # Nor can other staff act on it.
    booking_id = found(r'id="r(\d+)"', (await lib.get(f"/staff/slots/{slot['id']}")).text)
    page = f"/staff/spaces/{other['id']}/closures"
    r = await submit(stranger, f"/staff/slots/{slot['id']}/bookings/{booking_id}/attended", {}, page=page)
    assert r.status_code == 403
    r = await submit(stranger, f"/staff/slots/{slot['id']}/walk-ins", {"adults": "1", "children": "1"}, page=page)
    assert r.status_code == 403
    r = await submit(stranger, f"/staff/slots/{slot['id']}/capacity", {"capacity": "50"}, page=page)
    assert r.status_code == 403
    assert (await slot_api(client, slot["id"]))["capacity"] == 10


async def test_mark_attendance(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock)
    fam, late = await family_browser(browsers), await family_browser(browsers)
    await book(fam, slot["id"])
    r = await book(late, slot["id"])
    late_booking = found(r"b=(\d+)", r.headers["location"])
    await submit(late, f"/bookings/{late_booking}/cancel", {}, page="/bookings")

    vol = await staff_browser(browsers, "vol1", roles=("volunteer",), spaces=(space["id"],))
    page = f"/staff/slots/{slot['id']}"
    r = await vol.get(page)
    booking_id = found(r'id="r(\d+)"', r.text)
    assert f'id="r{late_booking}"' not in r.text  # cancelled bookings are not on the roster
    assert ">到场签到</button>" in card(r.text, f"r{booking_id}")
    clock.advance(days=1, hours=23, minutes=50)
    assert (await log_in(vol, "vol1", "staff-pass-1")).status_code in (302, 303)  # idle sessions end after 12 h
    r = await submit(vol, f"{page}/bookings/{booking_id}/attended", {}, page=page)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?note=attended#r{booking_id}"
    r = await vol.get(r.headers["location"])
    entry = card(r.text, f"r{booking_id}")
    assert "已到场" in r.text and "已标记到场。" in r.text
    assert "已签到" in entry and "签到时间 09:50" in entry and "到场签到</button>" not in entry
    # Twice is harmless; a cancelled booking cannot be marked.
    assert (await submit(vol, f"{page}/bookings/{booking_id}/attended", {}, page=page)).status_code == 303
    r = await submit(vol, f"{page}/bookings/{late_booking}/attended", {}, page=page)
    friendly(r, 409, "只有已确认的预约可以签到")
    r = await fam.get("/bookings")
    assert "已签到" in r.text[r.text.index("以往的预约") :]


async def test_walk_ins(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=5)
    lib = await staff_browser(browsers, "lib1", spaces=(space["id"],))
    page = f"/staff/slots/{slot['id']}"
    r = await submit(lib, f"{page}/walk-ins", {"adults": "1", "children": "2"}, page=page)
    assert r.status_code == 303
    r = await lib.get(r.headers["location"])
    assert "现场登记成功。" in r.text and "3/5" in r.text
    assert (await slot_api(client, slot["id"]))["remaining"] == 2
    r = await submit(lib, f"{page}/walk-ins", {"adults": "2", "children": "1"}, page=page)
    friendly(r, 409, "名额不够了：这个时段只剩 2 个位置。")
    r = await submit(lib, f"{page}/walk-ins", {"adults": "0", "children": "0"}, page=page)
    friendly(r, 409, "请至少登记 1 人")
    r = await submit(lib, f"{page}/walk-ins", {"adults": "-1", "children": "1"}, page=page)
    friendly(r, 400, "现场登记的人数不正确")
    assert (await slot_api(client, slot["id"]))["remaining"] == 2


async def test_create_an_activity_and_a_weekly_series(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    lib = await staff_browser(browsers, "lib1", spaces=(space["id"],))
    new = f"/staff/spaces/{space['id']}/slots/new"
    r = await lib.get(new)
    assert r.status_code == 200 and 'value="2026-11-29"' in r.text  # tomorrow by default
    form = {
        "kind": "activity",
        "title": "周六绘本＋科普",
        "theme": "science",
        "age_band": "3-6",
        "description": "一起读《神奇校车》",
        "day": "2026-12-05",
        "starts": "10:00",
        "ends": "11:30",
        "capacity": "12",
        "waitlist": "yes",
        "booking_opens_at": "2026-11-30T20:00",
        "repeat_weeks": "4",
    }
    r = await submit(lib, f"/staff/spaces/{space['id']}/slots", form, page=new)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/staff?space={space['id']}&day=2026-12-05&note=created&n=4"
    r = await lib.get(r.headers["location"])
    assert "已创建 4 个时段。" in r.text and r.text.count("周六绘本＋科普") == 1  # the week from 12-05

    found = (
        await client.get(
            f"/api/v1/spaces/{space['id']}/slots",
            params={"from": "2026-12-01T00:00:00+08:00", "to": "2027-01-01T00:00:00+08:00"},
        )
    ).json()["items"]
    series = [s for s in found if s["title"] == "周六绘本＋科普"]
    assert [s["starts_at"][:10] for s in series] == ["2026-12-05", "2026-12-12", "2026-12-19", "2026-12-26"]
    assert {s["starts_at"][11:16] for s in series} == {"02:00"}  # 10:00 in Beijing
    assert {s["series"] for s in series} != {""} and len({s["series"] for s in series}) == 1
    first = series[0]
    assert first["capacity"] == 12 and first["waitlist"] and first["age_band"] == "3-6" and first["theme"] == "science"
    assert first["booking_opens_at"].startswith("2026-11-30T12:00")

    # The family side shows it with the theme and the opening time.
    fam = await browsers()
    r = await fam.get(f"/spaces/{space['id']}?week=2026-12-05")
    assert f'href="/slots/{first["id"]}"' in r.text and "11-30 20:00 开放预约" in r.text
    r = await fam.get(f"/slots/{first['id']}")
    assert "绘本＋科普" in r.text and "一起读《神奇校车》" in r.text and "登录后预约" in r.text


@pytest.mark.parametrize(
    ("change", "status", "message", "field"),
    [
        ({"title": ""}, 400, "请填写活动名称", "title"),
        ({"day": "not-a-day"}, 400, "请选择日期", "day"),
        ({"ends": "09:00"}, 400, "时段的时间设置不正确", "ends"),
        ({"day": "2026-11-27"}, 400, "不能创建已经开始的时段", "day"),
        ({"capacity": "0"}, 400, "名额应在 1 到 1000 之间", "capacity"),
        ({"repeat_weeks": "30"}, 400, "每周重复的次数应在 1 到 26 之间", "repeat_weeks"),
        ({"booking_opens_at": "2026-12-06T09:00"}, 400, "时段的时间设置不正确", "booking_opens_at"),
    ],
)
async def test_slot_form_mistakes_are_named(
    browsers: Browsers,
    space: dict[str, Any],
    change: dict[str, str],
    status: int,
    message: str,
    field: str,
) -> None:
    lib = await staff_browser(browsers, "lib1", spaces=(space["id"],))
    new = f"/staff/spaces/{space['id']}/slots/new"
    form = {"kind": "activity", "title": "故事会", "day": "2026-12-05", "starts": "10:00", "ends": "11:00"}
    form |= {"capacity": "10", "repeat_weeks": "1", **change}
    r = await submit(lib, f"/staff/spaces/{space['id']}/slots", form, page=new)
    friendly(r, status, message)
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', r.text), r.text
    assert f'value="{form["title"]}"' in r.text  # what was typed is kept


async def test_slot_forms_are_for_staff_of_the_space(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    other = await other_space(client, space)
    lib = await staff_browser(browsers, "lib1", spaces=(other["id"],))
    assert (await lib.get(f"/staff/spaces/{space['id']}/slots/new")).status_code == 403
    assert (await lib.get(f"/staff/spaces/{space['id']}/closures")).status_code == 403
    form = {"title": "x", "day": "2026-12-05", "starts": "10:00", "ends": "11:00", "capacity": "5"}
    page = f"/staff/spaces/{other['id']}/slots/new"
    r = await submit(lib, f"/staff/spaces/{space['id']}/slots", form, page=page)
    assert r.status_code == 403
    r = await submit(lib, f"/staff/spaces/{space['id']}/generate", {}, page=page)
    assert r.status_code == 403
    fam = await family_browser(browsers)
    assert (await fam.get(f"/staff/spaces/{space['id']}/slots/new")).status_code == 403


async def test_capacity_edits_and_cancelling_a_slot(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=10)
    fam = await family_browser(browsers)
    await book(fam, slot["id"])  # 3 people
    lib = await staff_browser(browsers, "lib1", spaces=(space["id"],))
    page = f"/staff/slots/{slot['id']}"
    r = await submit(lib, f"{page}/capacity", {"capacity": "2"}, page=page)
    friendly(r, 409, "已有 3 人预约，名额不能少于 3。")
    assert re.search(r'id="capacity"[^>]*aria-invalid="true"', r.text)
    assert (await slot_api(client, slot["id"]))["capacity"] == 10
    r = await submit(lib, f"{page}/capacity", {"capacity": "abc"}, page=page)
    friendly(r, 400, "名额应在 1 到 1000 之间")
    r = await submit(lib, f"{page}/capacity", {"capacity": "3"}, page=page)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?note=saved"
    got = await slot_api(client, slot["id"])
    assert got["capacity"] == 3 and got["remaining"] == 0

    r = await lib.get(page)
    assert "确定取消这个时段" in r.text
    r = await submit(lib, f"{page}/cancel", {}, page=page)
    assert r.status_code == 303
    r = await lib.get(r.headers["location"])
    assert "活动已取消，已预约的家庭会收到通知。" in r.text and ">已取消</span>" in r.text
    assert "确定取消这个时段" not in r.text and 'action="/staff/slots' not in r.text.split("名单</h2>")[1]
    r = await fam.get("/bookings")
    assert "已取消" in r.text[r.text.index("以往的预约") :]
    r = await fam.get(f"/spaces/{space['id']}")
    assert '<span class="badge off">已取消</span>' in r.text


async def test_closures_add_and_remove(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock)  # Monday 11-30
    fam = await family_browser(browsers)
    await book(fam, slot["id"])
    lib = await staff_browser(browsers, "lib1", spaces=(space["id"],))
    page = f"/staff/spaces/{space['id']}/closures"
    r = await lib.get(page)
    assert r.status_code == 200 and "没有闭馆安排。" in r.text

    r = await submit(lib, page, {"first_day": "2026-12-02", "last_day": "2026-12-01", "reason": ""}, page=page)
    friendly(r, 400, "结束日期应不早于开始日期")
    assert 'value="2026-12-02"' in r.text
    r = await submit(lib, page, {"first_day": "2026-11-30", "last_day": "", "reason": "设备检修"}, page=page)
    assert r.status_code == 303 and r.headers["location"] == f"{page}?note=closure_added"
    r = await lib.get(r.headers["location"])
    assert "闭馆安排已添加。" in r.text and "2026-11-30" in r.text and "设备检修" in r.text
    closure_id = found(r'id="c(\d+)"', r.text)
    assert (await slot_api(client, slot["id"]))["cancelled"]
    r = await fam.get("/bookings")
    assert "已取消" in r.text[r.text.index("以往的预约") :]

    r = await submit(lib, f"{page}/{closure_id}/delete", {}, page=page)
    assert r.status_code == 303
    r = await lib.get(r.headers["location"])
    assert "闭馆安排已删除。" in r.text and "没有闭馆安排。" in r.text
    r = await submit(lib, f"{page}/{closure_id}/delete", {}, page=page)
    friendly(r, 404, "没有找到这个闭馆安排")


async def test_english_booking_pages(
    client: httpx.AsyncClient, browsers: Browsers, clock: FrozenClock, queue: Any
) -> None:
    """The booking pages speak English too (texts typed by people stay as typed)."""
    from tests.web.test_i18n import ascii_space, visible_chinese

    space_id = await ascii_space()
    await create_staff("admin3")
    admin = await browsers()
    await log_in(admin, "admin3", "staff-pass-1")
    await admin.get("/?lang=en")
    new = f"/staff/spaces/{space_id}/slots/new"
    form = {"title": "Safety stories", "theme": "safety", "age_band": "3-6", "day": "2026-11-30", "starts": "10:00"}
    form |= {"ends": "11:00", "capacity": "3", "waitlist": "yes", "repeat_weeks": "1"}
    r = await submit(admin, f"/staff/spaces/{space_id}/slots", form, page=new)
    assert r.status_code == 303
    slot_id = found(r'href="/staff/slots/(\d+)"', (await admin.get(r.headers["location"])).text)

    fam = await browsers()
    await fam.get("/?lang=en")
    r = await register_in_browser(
        fam, next_phone(), guardian_name="Anna", child_nickname=["Bo", "Lily"], child_birth_month=["2021-05", "2022-09"]
    )
    assert r.status_code in (302, 303)
    r = await book(fam, slot_id, adults="2")
    friendly(r, 409, "This time holds at most 3 people.")
    r = await book(fam, slot_id)
    assert r.status_code == 303
    for browser, path in [
        (fam, f"/spaces/{space_id}"),
        (fam, f"/slots/{slot_id}"),
        (fam, r.headers["location"]),
        (admin, "/staff"),
        (admin, f"/staff/slots/{slot_id}"),
        (admin, new),
        (admin, f"/staff/spaces/{space_id}/closures"),
    ]:
        page = await browser.get(path)
        assert page.status_code == 200, path
        assert '<html lang="en">' in page.text, path
        assert not visible_chinese(page.text), (path, visible_chinese(page.text))
    assert "Booked! Please arrive on time" in (await fam.get("/bookings?note=confirmed")).text
