"""Check-in rules over the API (and the `/q/` form) on the engine under test: a booking
checked in twice is one record; walk-ins count against capacity; closed hours and closure
days are refused; a live code older than two periods is refused; a live-code space refuses
static posters; a reprint revokes the old poster; a family learns nothing from another
family's booking code; staff overrides are kept; every scan is logged with its outcome."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from qr.services import tokens
from qr.tables import Scan
from qr.tokens import Purpose
from spaces.tables import Booking, CheckIn
from tests.helpers import FrozenClock, next_phone, register_family, staff_headers
from tests.qr.conftest import add_corner, decode_one, make_space, token_of
from tests.spaces.conftest import make_slot
from tests.web.forms import register_in_browser, submit

SAT_1030 = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)  # Saturday 10:30 in Beijing; open 09:00-17:00


async def corner_token(client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock) -> tuple[int, str]:
    corner_id = await add_corner(client, space)
    return corner_id, await tokens.issue(Purpose.corner, corner_id, now=clock.now())


async def check_in(client: httpx.AsyncClient, headers: dict[str, str], token: str, **body: Any) -> httpx.Response:
    return await client.post("/api/v1/check-ins", json={"token": token, **body}, headers=headers)


async def check_in_rows(**where: int) -> list[dict[str, Any]]:
    query = CheckIn.select()
    for column, value in where.items():
        query = query.where(getattr(CheckIn, column) == value)
    return list(await query)


async def booked(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, starts_at: datetime, children: int = 1
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A family with a confirmed booking of a slot starting at `starts_at`."""
    slot = await make_slot(client, space, clock, starts_at=starts_at, capacity=10)
    fam = await register_family(client)
    kids = [c["id"] for c in fam["family"]["children"][:children]]
    r = await client.post(f"/api/v1/slots/{slot['id']}/bookings", json={"child_ids": kids}, headers=fam["headers"])
    assert r.status_code == 201, r.text
    return fam, r.json()


async def test_booking_checked_in_twice_is_one_record(
    client: httpx.AsyncClient, space: dict[str, Any], lib: dict[str, str], clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 28, 1, 0, tzinfo=UTC))  # 09:00 local
    fam, booking = await booked(client, space, clock, datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    booking_token = await tokens.issue(Purpose.booking, booking["id"], now=clock.now())
    clock.advance(minutes=40)  # 09:40, the window opened at 09:30

    r = await check_in(client, lib, booking_token, nonce="s1")
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["kind"] == "booking" and first["booking_id"] == booking["id"] and first["duplicate"] is False
    r = await check_in(client, lib, booking_token, nonce="s1")  # the scanner retried: answered from the first
    assert r.status_code == 201 and r.json()["id"] == first["id"] and r.json()["duplicate"] is False
    clock.advance(minutes=5)
    r = await check_in(client, lib, booking_token, nonce="s2")  # scanned again
    assert r.status_code == 200 and r.json()["duplicate"] is True
    assert r.json()["id"] == first["id"] and r.json()["checked_in_at"] == first["checked_in_at"]
    _corner, token = await corner_token(client, space, clock)
    r = await check_in(client, fam["headers"], token, nonce="f1")  # and the family scans the corner too
    assert r.status_code == 200 and r.json()["duplicate"] is True and r.json()["id"] == first["id"]
    assert r.json()["kind"] == "booking"

    rows = await check_in_rows(family=fam["family"]["id"])
    assert len(rows) == 1 and rows[0]["booking"] == booking["id"] and rows[0]["people"] == booking["people"]
    status = await Booking.select(Booking.status).where(Booking.id == booking["id"]).first()
    assert status == {"status": "attended"}


async def test_family_corner_scan_marks_its_booking_attended_once(
    client: httpx.AsyncClient, space: dict[str, Any], lib: dict[str, str], clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 28, 1, 50, tzinfo=UTC))  # 09:50 local, slot at 10:00
    fam, booking = await booked(client, space, clock, datetime(2026, 11, 28, 2, 0, tzinfo=UTC), children=2)
    _corner, token = await corner_token(client, space, clock)
    r = await check_in(client, fam["headers"], token, nonce="a")
    assert r.status_code == 201 and r.json()["kind"] == "booking" and r.json()["booking_id"] == booking["id"]
    first = r.json()
    r = await check_in(client, fam["headers"], token, nonce="b")
    assert r.status_code == 200 and r.json()["duplicate"] is True and r.json()["id"] == first["id"]
    booking_token = await tokens.issue(Purpose.booking, booking["id"], now=clock.now())
    r = await check_in(client, lib, booking_token, nonce="c")
    assert r.status_code == 200 and r.json()["duplicate"] is True and r.json()["id"] == first["id"]
    assert len(await check_in_rows(family=fam["family"]["id"])) == 1
    got = (await client.get(f"/api/v1/bookings/{booking['id']}", headers=fam["headers"])).json()
    assert got["status"] == "attended"


async def test_walk_ins_count_against_capacity(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    clock.set(SAT_1030)
    small = await make_space(client, space["admin"], capacity=5)
    r = await client.post(f"/api/v1/spaces/{small['id']}/slots/generate", json={"days": 3}, headers=space["admin"])
    assert r.status_code == 200, r.text
    _corner, token = await corner_token(client, small, clock)
    families = [await register_family(client, children=2) for _ in range(4)]  # a guardian and two children each

    r = await check_in(client, families[0]["headers"], token)
    assert r.status_code == 201 and r.json()["kind"] == "visit" and r.json()["people"] == 3
    r = await check_in(client, families[1]["headers"], token)
    assert r.status_code == 409 and r.json()["code"] == "space_full", r.text
    # The next opening period with room: Sunday 09:00 in Beijing.
    assert datetime.fromisoformat(r.json()["next_free_at"]) == datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    one_child = [families[2]["family"]["children"][0]["id"]]
    r = await check_in(client, families[2]["headers"], token, child_ids=one_child)
    assert r.status_code == 201 and r.json()["people"] == 2  # 3 + 2 = 5: exactly full
    r = await check_in(client, families[3]["headers"], token, child_ids=[families[3]["family"]["children"][0]["id"]])
    assert r.status_code == 409 and r.json()["code"] == "space_full"
    r = await check_in(client, families[0]["headers"], token)  # a family already in is never refused
    assert r.status_code == 200 and r.json()["duplicate"] is True
    visits = await check_in_rows(space=small["id"])
    assert sorted(v["people"] for v in visits) == [2, 3]
    # Another family's child is not yours to bring.
    r = await check_in(client, families[1]["headers"], token, child_ids=one_child)
    assert r.status_code == 404 and r.json()["code"] == "child_not_found", r.text


async def test_space_full_on_the_scan_page_shows_the_next_free_time(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """The `/q/` form shows the refusal as a page (not an error dump), with the next free time."""
    clock.set(SAT_1030)
    small = await make_space(client, space["admin"], capacity=4)
    r = await client.post(f"/api/v1/spaces/{small['id']}/slots/generate", json={"days": 3}, headers=space["admin"])
    assert r.status_code == 200, r.text
    _corner, token = await corner_token(client, small, clock)
    first = await register_family(client, children=2)
    assert (await check_in(client, first["headers"], token)).status_code == 201  # 3 of 4 places taken
    await register_in_browser(client, next_phone())  # a guardian and two children: 3 > 1
    page = await client.get(f"/q/{token}")
    children = re.findall(r'name="child_id" value="(\d+)" checked', page.text)
    assert len(children) == 2, "all children are ticked by default"
    r = await submit(client, f"/q/{token}", {"nonce": "n", "child_id": children}, page=f"/q/{token}")
    assert r.status_code == 409, r.text
    main = r.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert "空间已满" in main and "下一个有空位的时间" in main and "11-29 09:00" in main, main


async def test_closed_hours_and_closure_days_are_refused(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    _corner, token = await corner_token(client, space, clock)
    fam = await register_family(client)
    for local in ("08:59", "17:00", "23:30"):
        hour, minute = map(int, local.split(":"))
        clock.set(datetime(2026, 11, 28, hour, minute, tzinfo=UTC) - timedelta(hours=8))
        r = await check_in(client, fam["headers"], token)
        assert r.status_code == 409 and r.json()["code"] == "outside_opening_hours", local
    r = await client.post(
        f"/api/v1/spaces/{space['id']}/closures",
        json={"first_day": "2026-11-29", "last_day": "2026-11-29", "reason": "社区活动"},
        headers=space["admin"],
    )
    assert r.status_code == 201, r.text
    clock.set(datetime(2026, 11, 29, 2, 30, tzinfo=UTC))  # Sunday 10:30, closed for the day
    r = await check_in(client, fam["headers"], token)
    assert r.status_code == 409 and r.json()["code"] == "outside_opening_hours"
    clock.set(datetime(2026, 11, 28, 8, 59, tzinfo=UTC))  # Saturday 16:59: still open
    r = await check_in(client, fam["headers"], token)
    assert r.status_code == 201
    assert len(await check_in_rows(family=fam["family"]["id"])) == 1


async def test_live_code_lives_two_periods(
    client: httpx.AsyncClient, space: dict[str, Any], lib: dict[str, str], clock: FrozenClock, settings: Any
) -> None:
    corner_id = await add_corner(client, space)
    live_url = f"/api/v1/spaces/{space['id']}/corners/{corner_id}/live-token"
    families = [await register_family(client) for _ in range(2)]
    period_start = SAT_1030  # a multiple of 30 s

    clock.set(period_start)
    r = await client.get(live_url, headers=lib)
    assert r.status_code == 200, r.text
    live = r.json()
    assert live["url"] == f"{settings.base_url}/q/{live['token']}" and live["refresh_seconds"] == 30
    assert datetime.fromisoformat(live["expires_at"]) == period_start + timedelta(seconds=60)
    clock.advance(seconds=61)  # older than two periods
    r = await check_in(client, families[0]["headers"], live["token"])
    assert r.status_code == 400 and r.json()["code"] == "invalid_token"

    clock.set(period_start + timedelta(seconds=29))  # shown at the very end of its period
    late = (await client.get(live_url, headers=lib)).json()
    assert late["refresh_seconds"] == 1
    clock.set(period_start + timedelta(seconds=60))  # exactly two periods after the period began
    r = await check_in(client, families[0]["headers"], late["token"])
    assert r.status_code == 400 and r.json()["code"] == "invalid_token"

    clock.set(period_start + timedelta(seconds=29))
    late = (await client.get(live_url, headers=lib)).json()
    clock.advance(seconds=30)  # within 30 s of being read off the screen
    r = await check_in(client, families[0]["headers"], late["token"])
    assert r.status_code == 201 and r.json()["kind"] == "visit", r.text
    clock.set(period_start + timedelta(seconds=5))
    fresh = (await client.get(live_url, headers=lib)).json()
    clock.advance(seconds=20)
    r = await check_in(client, families[1]["headers"], fresh["token"])
    assert r.status_code == 201, r.text

    # A family cannot mint live codes for itself.
    r = await client.get(live_url, headers=families[0]["headers"])
    assert r.status_code == 403


async def test_live_code_required_refuses_static_posters(
    client: httpx.AsyncClient, space: dict[str, Any], lib: dict[str, str], clock: FrozenClock
) -> None:
    clock.set(SAT_1030)
    corner_id, static = await corner_token(client, space, clock)
    r = await client.patch(f"/api/v1/spaces/{space['id']}", json={"require_live_code": True}, headers=space["admin"])
    assert r.status_code == 200 and r.json()["require_live_code"] is True
    fam = await register_family(client)
    r = await check_in(client, fam["headers"], static)
    assert r.status_code == 409 and r.json()["code"] == "live_code_required"
    r = await client.get(f"/q/{static}")  # a photo of the poster leads to the space's page
    assert r.status_code in (302, 303) and r.headers["location"] == f"/spaces/{space['id']}"
    live = (await client.get(f"/api/v1/spaces/{space['id']}/corners/{corner_id}/live-token", headers=lib)).json()
    clock.advance(seconds=10)
    r = await check_in(client, fam["headers"], live["token"])
    assert r.status_code == 201 and r.json()["kind"] == "visit"
    assert len(await check_in_rows(family=fam["family"]["id"])) == 1


async def test_reprint_revokes_the_old_poster(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, settings: Any
) -> None:
    clock.set(SAT_1030)
    corner_id = await add_corner(client, space)
    png = f"/api/v1/spaces/{space['id']}/corners/{corner_id}/qr.png"
    old = token_of(decode_one((await client.get(png, headers=space["admin"])).content).text, settings.base_url)
    r = await client.post(f"/api/v1/spaces/{space['id']}/corners/{corner_id}/reprint", headers=space["admin"])
    assert r.status_code == 200, r.text
    reprinted = r.json()
    assert reprinted["version"] == 2
    new = token_of(reprinted["url"], settings.base_url)
    assert new != old
    now_printed = token_of(decode_one((await client.get(png, headers=space["admin"])).content).text, settings.base_url)
    assert now_printed == new

    fam = await register_family(client)
    r = await check_in(client, fam["headers"], old)
    assert r.status_code == 410 and r.json()["code"] == "token_revoked"
    page = await client.get(f"/q/{old}")
    assert page.status_code == 410 and "二维码已作废" in page.text
    r = await check_in(client, fam["headers"], new)
    assert r.status_code == 201
    # A family (or a stranger) cannot revoke a corner's poster.
    r = await client.post(f"/api/v1/spaces/{space['id']}/corners/{corner_id}/reprint", headers=fam["headers"])
    assert r.status_code == 403


async def test_someone_elses_booking_code_tells_a_family_nothing(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 28, 1, 50, tzinfo=UTC))
    owner, booking = await booked(client, space, clock, datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    booking_token = await tokens.issue(Purpose.booking, booking["id"], now=clock.now())
    stranger = await register_family(client)
    r = await check_in(client, stranger["headers"], booking_token, nonce="x")
    garbage = await check_in(client, stranger["headers"], "A" * 38, nonce="y")
    assert r.status_code == 400 and r.json()["code"] == "invalid_token"
    assert r.content == garbage.content, "indistinguishable from a code that is not ours at all"
    for secret in (str(booking["id"]), owner["phone"], "王妈妈", "绘本", "booking"):
        assert secret not in r.text
    # The owner cannot check itself in with its own booking code either (staff scan it).
    r = await check_in(client, owner["headers"], booking_token, nonce="z")
    assert r.status_code == 400 and r.json()["code"] == "invalid_token"
    assert await check_in_rows() == []
    got = await Booking.select(Booking.status).where(Booking.id == booking["id"]).first()
    assert got == {"status": "confirmed"}


async def test_staff_override_is_recorded(
    client: httpx.AsyncClient, space: dict[str, Any], lib: dict[str, str], clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 28, 1, 0, tzinfo=UTC))  # 09:00, the 10:00 slot's window opens at 09:30
    fam, booking = await booked(client, space, clock, datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    token = await tokens.issue(Purpose.booking, booking["id"], now=clock.now())
    other_space = await make_space(client, space["admin"], name="国子监十平米阅读空间")
    elsewhere = await staff_headers(client, "elsewhere", roles=("librarian",), spaces=(other_space["id"],))

    r = await check_in(client, elsewhere, token, nonce="1")
    assert r.status_code == 409 and r.json()["code"] == "wrong_space"
    r = await check_in(client, elsewhere, token, nonce="2", override_reason="   ")
    assert r.status_code == 409 and r.json()["code"] == "wrong_space", "a blank reason is no reason"
    # Nor does a real one: a reason opens the time window, never another space's bookings.
    r = await check_in(client, elsewhere, token, nonce="2b", override_reason="家长说是这里")
    assert r.status_code == 409 and r.json()["code"] == "wrong_space"
    r = await check_in(client, lib, token, nonce="3")
    assert r.status_code == 409 and r.json()["code"] == "outside_check_in_window"
    assert "window_opens_at" in r.json()
    r = await check_in(client, lib, token, nonce="4", override_reason="家长提前到了，活动室已开门")
    assert r.status_code == 201, r.text
    rows = await check_in_rows(family=fam["family"]["id"])
    assert len(rows) == 1 and rows[0]["override_reason"] == "家长提前到了，活动室已开门"
    staff_id = (await Scan.select(Scan.user_id).where(Scan.outcome == "override").first() or {}).get("user_id")
    assert staff_id is not None and rows[0]["by_user"] == staff_id


async def test_every_scan_is_logged_with_its_outcome(
    client: httpx.AsyncClient, space: dict[str, Any], lib: dict[str, str], clock: FrozenClock
) -> None:
    clock.set(SAT_1030)
    corner_id, token = await corner_token(client, space, clock)
    fam = await register_family(client)
    attempts: list[tuple[str, dict[str, str], str, str, str]] = []  # token, who, outcome, purpose, subject

    async def attempt(tok: str, who: dict[str, str], outcome: str, purpose: str, subject: str, **kw: Any) -> None:
        resp = await check_in(client, who, tok, **kw)
        assert resp.json().get("code", "ok") in (outcome, "ok"), resp.text
        attempts.append((tok, who, outcome, purpose, subject))

    await attempt("garbage-token", fam["headers"], "invalid_token", "", "")
    await attempt(token, fam["headers"], "checked_in", "corner", str(corner_id))
    await attempt(token, fam["headers"], "duplicate", "corner", str(corner_id))
    await attempt(token, lib, "invalid_token", "", "")  # staff scanned a corner code
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    await attempt(token, fam["headers"], "outside_opening_hours", "corner", str(corner_id))
    await tokens.revoke(Purpose.corner, corner_id, now=clock.now())
    await attempt(token, fam["headers"], "token_revoked", "", "")
    rows = await Scan.select().order_by(Scan.id)
    assert [(r["outcome"], r["purpose"], r["subject"]) for r in rows] == [(a[2], a[3], a[4]) for a in attempts]
    assert all(r["user_id"] is not None for r in rows) and all(r["at"] is not None for r in rows)
    user_ids = {r["user_id"] for r in rows}
    assert len(user_ids) == 2  # the family's guardian and the librarian
    # Codes opened through the /q/ pages are logged as well, failed ones too.
    before = len(rows)
    page = await client.get("/q/garbage-token")
    assert page.status_code == 400
    page = await client.get(f"/q/{token}")
    assert page.status_code == 410
    current = await tokens.issue(Purpose.corner, corner_id, now=clock.now())
    page = await client.get(f"/q/{current}")
    assert page.status_code in (302, 303)  # to the log-in page
    rows = await Scan.select().order_by(Scan.id)
    assert [(r["outcome"], r["purpose"], r["subject"]) for r in rows[before:]] == [
        ("invalid_token", "", ""),
        ("token_revoked", "", ""),
        ("opened", "corner", str(corner_id)),
    ]
    assert {r["user_id"] for r in rows[before:]} == {None}  # nobody is logged in in this client
