"""The volunteer's session log: prefilled from a slot's check-ins (and attendance marked by
hand, and walk-ins), saved once when submitted twice (API and page form), refused kindly for
bad input, editable for 7 days, reviewed by librarians."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from reading.lending.tables import Book
from reading.programme.tables import ReadingSession, SessionBook, SessionLeadReader
from tests.helpers import FrozenClock, register_family
from tests.reading.programme.helpers import (
    browser,
    corner_token,
    hidden_value,
    make_lead_reader,
    problem,
    session_body,
    space_of,
    volunteer,
)
from tests.spaces.conftest import make_slot
from tests.web.forms import log_in


async def book(client: httpx.AsyncClient, slot_id: int, fam: dict[str, Any], children: int, adults: int) -> int:
    kids = [c["id"] for c in fam["family"]["children"][:children]]
    r = await client.post(
        f"/api/v1/slots/{slot_id}/bookings", json={"child_ids": kids, "adults": adults}, headers=fam["headers"]
    )
    assert r.status_code == 201 and r.json()["status"] == "confirmed", r.text
    return int(r.json()["id"])


async def slot_with_people(client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock) -> dict[str, Any]:
    """An activity starting in ten minutes with: a family that scanned the corner's code
    (2 children + 1 adult), one staff marked present by hand (1 child + 2 adults), one that
    did both (1 + 1, counted once), one that did not come, and a walk-in (1 adult, 2 children)."""
    lead = await make_lead_reader(client, library)
    slot = await make_slot(
        client,
        space_of(library),
        clock,
        starts_at=clock.now() + timedelta(minutes=10),
        capacity=30,
        title="绘本＋阅读：好饿的毛毛虫",
        theme="reading",
        lead_reader_ids=[lead["lead_id"]],
    )
    token = await corner_token(client, library["librarian"], library["a"])
    scanned, by_hand, both, absent = [await register_family(client) for _ in range(4)]
    await book(client, slot["id"], scanned, 2, 1)
    hand_booking = await book(client, slot["id"], by_hand, 1, 2)
    both_booking = await book(client, slot["id"], both, 1, 1)
    await book(client, slot["id"], absent, 2, 2)
    for fam, nonce in ((scanned, "scan-1"), (both, "scan-2")):
        kids = [c["id"] for c in fam["family"]["children"][: (2 if fam is scanned else 1)]]
        r = await client.post(
            "/api/v1/check-ins", json={"token": token, "child_ids": kids, "nonce": nonce}, headers=fam["headers"]
        )
        assert r.status_code == 201 and r.json()["kind"] == "booking", r.text
    for booking in (hand_booking, both_booking):
        r = await client.post(f"/api/v1/bookings/{booking}/attendance", headers=library["librarian"])
        assert r.status_code == 200 and r.json()["status"] == "attended", r.text
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/walk-ins", json={"adults": 1, "children": 2}, headers=library["librarian"]
    )
    assert r.status_code == 201, r.text
    return {"slot": slot, "lead": lead}


async def test_prefill_counts_check_ins_attendance_and_walk_ins(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    made = await slot_with_people(client, library, clock)
    slot = made["slot"]
    vol = await volunteer(client, "vol_prefill", (library["a"],))
    r = await client.get("/api/v1/reading-sessions/prefill", params={"slot_id": slot["id"]}, headers=vol)
    assert r.status_code == 200, r.text
    filled = r.json()
    # Present: 3 + 3 + 2 people from bookings (4 children), plus the walk-in's 1 adult and 2 children.
    assert (filled["adults"], filled["children"]) == (5, 6)
    assert filled["minutes"] == 60 and filled["theme"] == "reading"
    assert filled["lead_reader_ids"] == [made["lead"]["lead_id"]]
    assert filled["space_id"] == library["a"] and filled["slot_id"] == slot["id"]

    other = await volunteer(client, "vol_prefill_b", (library["b"],))
    assert problem(await client.get("/api/v1/reading-sessions/prefill?slot_id=" + str(slot["id"]), headers=other)) == (
        403,
        "forbidden",
    )
    assert (await client.get("/api/v1/reading-sessions/prefill?slot_id=999999", headers=vol)).status_code == 404

    # The page form carries the same figures, the slot's lead reader ticked, and a client key.
    async with browser(app, "vol_prefill") as b:
        page = await b.get(f"/staff/sessions/new?slot_id={slot['id']}")
        assert page.status_code == 200, page.text
        assert 'name="adults" type="number" inputmode="numeric" min="0" max="500" value="5"' in page.text
        assert 'name="children" type="number" inputmode="numeric" min="0" max="500" value="6"' in page.text
        assert f'name="lead_reader_id" value="{made["lead"]["lead_id"]}" checked' in page.text
        assert len(hidden_value(page.text, "client_key")) >= 16
        assert (await b.get("/staff/sessions/new?slot_id=999999")).status_code == 404


async def test_a_session_submitted_twice_is_recorded_once(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    made = await slot_with_people(client, library, clock)
    slot = made["slot"]
    await volunteer(client, "vol_twice", (library["a"],))
    async with browser(app, "vol_twice") as b:
        page = await b.get(f"/staff/sessions/new?slot_id={slot['id']}")
        key = hidden_value(page.text, "client_key")
        form = {
            "_csrf_token": b.cookies["csrftoken"],
            "client_key": key,
            "slot_id": str(slot["id"]),
            "space_id": str(library["a"]),
            "started_at": hidden_started(page.text),
            "minutes": "50",
            "adults": "5",
            "children": "6",
            "lead_reader_id": [str(made["lead"]["lead_id"])],
            "isbns": "9787544717441\n",  # the fixture's book, scanned
            "theme": "reading",
            "notes": "孩子们很喜欢",
            "action": "save",
        }
        first = await b.post("/staff/sessions", data=form)
        again = await b.post("/staff/sessions", data=form)  # the answer was lost; the phone sends again
        assert first.status_code == again.status_code == 303, first.text
        assert first.headers["location"] == again.headers["location"]
        assert "note=saved" in first.headers["location"] and f"key={key}" in first.headers["location"]
        assert await ReadingSession.count() == 1
        row = await ReadingSession.select().first()
        assert row is not None and (row["minutes"], row["adults"], row["children"]) == (50, 5, 6)
        assert row["slot"] == slot["id"] and row["client_key"] == key
        assert await SessionLeadReader.count() == 1 and await SessionBook.count() == 1

        listing = await b.get(first.headers["location"])
        assert listing.status_code == 200
        assert "孩子们很喜欢" in listing.text and "猜猜我有多爱你" in listing.text
        assert made["lead"]["family"]["guardians"][0]["name"] in listing.text
        assert f'data-key="{key}"' in listing.text  # the page tells the draft script to forget it

        # A new form (a new key) is a new session.
        fresh = await b.get(f"/staff/sessions/new?slot_id={slot['id']}")
        assert hidden_value(fresh.text, "client_key") != key
        r = await b.post(
            "/staff/sessions", data={**form, "client_key": hidden_value(fresh.text, "client_key"), "isbns": ""}
        )
        assert r.status_code == 303
        assert await ReadingSession.count() == 2

    # Through the API: the same client_key answers 200 with the first session.
    vol = await volunteer(client, "vol_twice_api", (library["a"],))
    body = session_body(library["a"], clock, client_key="api-twice-01")
    r1 = await client.post("/api/v1/reading-sessions", json=body, headers=vol)
    r2 = await client.post("/api/v1/reading-sessions", json={**body, "minutes": 90}, headers=vol)
    assert (r1.status_code, r2.status_code) == (201, 200) and r1.json() == r2.json()
    assert await ReadingSession.count() == 3


def hidden_started(html: str) -> str:
    marker = 'name="started_at" type="datetime-local" value="'
    start = html.index(marker) + len(marker)
    return html[start : start + 16]


async def test_bad_input_is_refused(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    vol_b = await volunteer(client, "vol_bad_b", (library["b"],))
    vol_a = await volunteer(client, "vol_bad_a", (library["a"],))
    fam = await register_family(client)

    # A volunteer logging at a space they don't serve: 403.
    assert problem(
        await client.post("/api/v1/reading-sessions", json=session_body(library["a"], clock), headers=vol_b)
    ) == (
        403,
        "forbidden",
    )
    # Negative or absurd counts, minutes and times: 400.
    for change in (
        {"adults": -1},
        {"children": -5},
        {"children": 501},
        {"adults": 10_000},
        {"minutes": 0},
        {"minutes": 481},
        {"minutes": -30},
        {"started_at": (clock.now() - timedelta(days=40)).isoformat()},
        {"started_at": (clock.now() + timedelta(days=2)).isoformat()},
        {"isbns": ["9787544717442"]},  # a wrong check digit
    ):
        r = await client.post(
            "/api/v1/reading-sessions", json=session_body(library["a"], clock, **change), headers=vol_a
        )
        assert r.status_code == 400, (change, r.text)
    assert problem(
        await client.post(
            "/api/v1/reading-sessions", json=session_body(library["a"], clock, lead_reader_ids=[4242]), headers=vol_a
        )
    ) == (404, "lead_reader_not_found")
    other_slot = await make_slot(client, space_of(library, "b"), clock)
    assert problem(
        await client.post(
            "/api/v1/reading-sessions", json=session_body(library["a"], clock, slot_id=other_slot["id"]), headers=vol_a
        )
    ) == (404, "slot_not_found")
    assert (
        await client.post("/api/v1/reading-sessions", json=session_body(library["a"], clock), headers=fam["headers"])
    ).status_code == 403
    assert await ReadingSession.count() == 0

    # The page form says so kindly, keeps what was typed, and saves nothing.
    async with browser(app, "vol_bad_b") as b:
        page = await b.get("/staff/sessions/new")
        base = {
            "_csrf_token": b.cookies["csrftoken"],
            "client_key": hidden_value(page.text, "client_key"),
            "started_at": hidden_started(page.text),
            "minutes": "45",
            "adults": "3",
            "children": "4",
            "notes": "外面下雨",
            "action": "save",
        }
        r = await b.post("/staff/sessions", data={**base, "space_id": str(library["a"])})
        assert r.status_code == 403 and "您不负责这个空间" in r.text and "外面下雨" in r.text
        r = await b.post("/staff/sessions", data={**base, "space_id": str(library["b"]), "adults": "-3"})
        assert r.status_code == 400 and "大人的人数应在 0 到 500 之间" in r.text
        assert 'id="adults" name="adults"' in r.text and 'value="-3" required aria-invalid="true"' in r.text
        r = await b.post("/staff/sessions", data={**base, "space_id": str(library["b"]), "children": "9999"})
        assert r.status_code == 400 and "孩子的人数应在 0 到 500 之间" in r.text
        r = await b.post("/staff/sessions", data={**base, "space_id": str(library["b"]), "minutes": "abc"})
        assert r.status_code == 400 and "活动时长应在 1 到 480 分钟之间" in r.text
        r = await b.post(
            "/staff/sessions",
            data={**base, "space_id": str(library["b"]), "isbns": "http://testserver/q/not-a-real-token-at-all"},
        )
        assert r.status_code == 400 and "这个二维码不是故事角绘本的标签" in r.text
        r = await b.post("/staff/sessions", data={**base, "space_id": str(library["b"]), "isbns": "12345"})
        assert r.status_code == 400 and "ISBN 不正确" in r.text
    assert await ReadingSession.count() == 0

    # A family logging another family's child in its reading log: 404, also on the page.
    other = await register_family(client)
    async with browser(app, fam["phone"], fam["password"]) as b:
        page = await b.get("/reading-log")
        assert page.status_code == 200
        r = await b.post(
            "/reading-log",
            data={
                "_csrf_token": b.cookies["csrftoken"],
                "book_id": str(library["book"]["id"]),
                "child_id": [str(other["family"]["children"][0]["id"])],
                "read_on": "2026-11-27",
            },
        )
        assert r.status_code == 404 and "请选择您家的孩子。" in r.text


async def test_edit_within_seven_days_and_librarians_review(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, app: Any
) -> None:
    await volunteer(client, "vol_edit", (library["a"],))
    lead = await make_lead_reader(client, library)
    async with browser(app, "vol_edit") as vol, browser(app, "libr") as lib:
        page = await vol.get(f"/staff/sessions/new?space={library['a']}")
        form = {
            "_csrf_token": vol.cookies["csrftoken"],
            "client_key": hidden_value(page.text, "client_key"),
            "space_id": str(library["a"]),
            "started_at": hidden_started(page.text),
            "minutes": "40",
            "adults": "3",
            "children": "5",
            "isbns": "9787533259662",  # not in the catalogue: a draft title for the librarians
            "action": "save",
        }
        r = await vol.post("/staff/sessions", data=form)
        assert r.status_code == 303, r.text
        session = await ReadingSession.select().first()
        assert session is not None
        listing = await vol.get(r.headers["location"])
        assert "ISBN 9787533259662" in listing.text and "待补充" in listing.text and "待审核" in listing.text
        draft = await Book.select(Book.title, Book.draft).where(Book.isbn == "9787533259662").first()
        assert draft == {"title": "待补充（ISBN 9787533259662）", "draft": True}  # for the librarians to finish

        # A search in the form keeps everything typed and offers the book to tick.
        edit = await vol.get(f"/staff/sessions/{session['id']}/edit")
        assert edit.status_code == 200 and 'value="40"' in edit.text
        searched = await vol.post(
            f"/staff/sessions/{session['id']}",
            data={**form, "minutes": "55", "q": "猜猜", "action": "search", "_csrf_token": vol.cookies["csrftoken"]},
        )
        assert searched.status_code == 200 and f'name="book_id" value="{library["book"]["id"]}"' in searched.text
        assert 'value="55"' in searched.text
        r = await vol.post(
            f"/staff/sessions/{session['id']}",
            data={
                "_csrf_token": vol.cookies["csrftoken"],
                "minutes": "55",
                "adults": "4",
                "children": "5",
                "book_id": [str(library["book"]["id"])],
                "lead_reader_id": [str(lead["lead_id"])],
                "theme": "reading",
                "notes": "",
                "action": "save",
            },
        )
        assert r.status_code == 303, r.text
        out = (await client.get(f"/api/v1/lead-readers/{lead['lead_id']}", headers=library["admin"])).json()
        assert (out["sessions_led"], out["minutes_led"], out["books_read_aloud"]) == (1, 55, 1)

        # Volunteers do not review; librarians do, and can undo it.
        r = await vol.post(
            f"/staff/sessions/{session['id']}/review", data={"_csrf_token": vol.cookies["csrftoken"], "reviewed": "1"}
        )
        assert r.status_code == 403 and "只有馆员可以审核阅读活动记录" in r.text
        await lib.get("/staff/sessions")
        r = await lib.post(
            f"/staff/sessions/{session['id']}/review", data={"_csrf_token": lib.cookies["csrftoken"], "reviewed": "1"}
        )
        assert r.status_code == 303
        row = await ReadingSession.select(ReadingSession.reviewed_at).where(ReadingSession.id == session["id"]).first()
        assert row is not None and row["reviewed_at"] is not None
        assert "取消审核" in (await lib.get(r.headers["location"])).text

        # After 7 days the record is locked: the page says so kindly; review still works.
        clock.advance(days=8)
        for who, login in ((vol, "vol_edit"), (lib, "libr")):  # idle staff sessions end after 12 h
            assert (await log_in(who, login, "staff-pass-1")).status_code in (302, 303)
        edit = await vol.get(f"/staff/sessions/{session['id']}/edit")
        assert "这条记录已超过 7 天，不能再修改了" in edit.text
        day = (clock.now() - timedelta(days=8)).date().isoformat()
        listing = await vol.get(f"/staff/sessions?space={library['a']}&day={day}")
        assert f"/staff/sessions/{session['id']}/edit" not in listing.text
        r = await vol.post(
            f"/staff/sessions/{session['id']}",
            data={
                "_csrf_token": vol.cookies["csrftoken"],
                "minutes": "20",
                "adults": "1",
                "children": "1",
                "action": "save",
            },
        )
        assert r.status_code == 409 and "这条记录已超过 7 天，不能再修改了" in r.text
        r = await lib.post(
            f"/staff/sessions/{session['id']}/review", data={"_csrf_token": lib.cookies["csrftoken"], "reviewed": "0"}
        )
        assert r.status_code == 303
    row = await ReadingSession.select().where(ReadingSession.id == session["id"]).first()
    assert row is not None and row["minutes"] == 55 and row["reviewed_at"] is None
