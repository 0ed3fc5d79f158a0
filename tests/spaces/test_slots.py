"""Slots: open-reading generation from opening hours (idempotent, closures skipped), weekly
series, bad slot input refused with 400 and never a 500."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from spaces import jobs
from spaces.tables import Slot
from tests.helpers import FrozenClock
from tests.spaces.conftest import local, make_slot, problem


async def slots_between(
    client: httpx.AsyncClient, space_id: int, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    r = await client.get(f"/api/v1/spaces/{space_id}/slots", params={"from": start.isoformat(), "to": end.isoformat()})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_open_reading_generation_is_idempotent_and_skips_closure_days(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    # Saturday 28 November, 10:00: today's 09:00 opening has begun, Tuesday 1 December is closed.
    r = await client.patch(
        f"/api/v1/spaces/{space['id']}",
        json={
            "opening_hours": [
                *({"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 6)),
                {"weekday": 6, "opens": "09:00", "closes": "12:00"},
                {"weekday": 6, "opens": "14:00", "closes": "17:00"},
            ]
        },
        headers=space["admin"],
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/spaces/{space['id']}/closures",
        json={"first_day": "2026-12-01", "last_day": "2026-12-01", "reason": "社区活动"},
        headers=space["admin"],
    )
    assert r.status_code == 201
    url = f"/api/v1/spaces/{space['id']}/slots/generate"
    r = await client.post(url, json={"days": 7}, headers=space["admin"])
    assert r.status_code == 200 and r.json() == {"created": 5}, r.text  # Sat 14:00, Mon, Wed, Thu, Fri
    r = await client.post(url, json={"days": 7}, headers=space["admin"])
    assert r.json() == {"created": 0}
    got = await slots_between(client, space["id"], local(2026, 11, 28), local(2026, 12, 5))
    assert [(datetime.fromisoformat(s["starts_at"]), datetime.fromisoformat(s["ends_at"])) for s in got] == [
        (local(2026, 11, 28, 14), local(2026, 11, 28, 17)),
        (local(2026, 11, 30, 9), local(2026, 11, 30, 17)),
        (local(2026, 12, 2, 9), local(2026, 12, 2, 17)),
        (local(2026, 12, 3, 9), local(2026, 12, 3, 17)),
        (local(2026, 12, 4, 9), local(2026, 12, 4, 17)),
    ]
    assert {(s["kind"], s["capacity"], s["remaining"], s["waitlist"]) for s in got} == {("open_reading", 12, 12, False)}
    # The job (every hour) extends the same schedule and repeats nothing.
    assert await jobs.generate_open_slots({"clock": clock}, days=14) == 7  # 2nd week: Sat ×2, Mon–Fri
    assert await jobs.generate_open_slots({"clock": clock}, days=14) == 0
    assert await Slot.count().where(Slot.kind == "open_reading") == 12
    clock.advance(days=1)  # a day later the window reaches Saturday 12 December
    assert await jobs.generate_open_slots({"clock": clock}, days=14) == 2
    assert await jobs.generate_open_slots({"clock": clock}, days=14) == 0


async def test_weekly_series_creates_every_week_at_once(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    starts = local(2026, 12, 5, 10)
    r = await client.post(
        f"/api/v1/spaces/{space['id']}/slots",
        json={
            "kind": "activity",
            "title": "绘本＋志愿服务",
            "theme": "volunteer",
            "age_band": "6-9",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1, minutes=30)).isoformat(),
            "capacity": 16,
            "waitlist": True,
            "booking_opens_at": (starts - timedelta(days=3)).isoformat(),
            "repeat_weeks": 6,
        },
        headers=space["admin"],
    )
    assert r.status_code == 201, r.text
    items = r.json()["items"]
    assert len(items) == 6 and len({s["series"] for s in items}) == 1 and items[0]["series"]
    for week, s in enumerate(items):
        begin = starts + timedelta(weeks=week)
        assert datetime.fromisoformat(s["starts_at"]) == begin
        assert datetime.fromisoformat(s["ends_at"]) == begin + timedelta(hours=1, minutes=30)
        assert datetime.fromisoformat(s["booking_opens_at"]) == begin - timedelta(days=3)
        assert datetime.fromisoformat(s["cancel_deadline"]) == begin - timedelta(hours=2)
        assert (s["capacity"], s["remaining"], s["age_band"], s["waitlist"]) == (16, 16, "6-9", True)
    listed = await slots_between(client, space["id"], starts, starts + timedelta(weeks=6))
    assert [s["id"] for s in listed] == [s["id"] for s in items]
    single = await make_slot(client, space, clock)
    assert single["series"] == ""


async def test_bad_slot_input_is_refused_and_never_a_server_error(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    starts = local(2026, 12, 2, 9)
    base = {"kind": "open_reading", "title": "开放阅读", "capacity": 12}
    url = f"/api/v1/spaces/{space['id']}/slots"
    first = {**base, "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=8)).isoformat()}
    assert (await client.post(url, json=first, headers=space["admin"])).status_code == 201
    # The same open-reading start twice (e.g. made by hand and by the generator).
    r = await client.post(url, json=first, headers=space["admin"])
    assert problem(r) == (400, "invalid_input"), r.text
    assert await Slot.count() == 1
    r = await client.post(f"/api/v1/spaces/{space['id']}/slots/generate", json={"days": 7}, headers=space["admin"])
    assert r.status_code == 200 and r.json()["created"] == 5  # 29 Nov to 4 Dec; 2 December already has one
    bad = [
        {**base, "starts_at": starts.isoformat(), "ends_at": starts.isoformat()},  # ends at the start
        {**base, "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=13)).isoformat()},
        {**base, "starts_at": local(2026, 11, 27, 9).isoformat(), "ends_at": local(2026, 11, 27, 10).isoformat()},
        {
            **base,
            "kind": "activity",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "booking_opens_at": (starts + timedelta(minutes=1)).isoformat(),
        },
        {**base, "starts_at": "2026-12-02T09:00:00", "ends_at": "2026-12-02T10:00:00"},  # no offset
        {**base, "kind": "concert", "starts_at": starts.isoformat(), "ends_at": starts.isoformat()},
        {**base, "capacity": 0, "starts_at": starts.isoformat(), "ends_at": starts.isoformat()},
    ]
    for body in bad:
        r = await client.post(url, json=body, headers=space["admin"])
        assert problem(r) == (400, "invalid_input"), (body, r.text)
    r = await client.get(url, params={"from": local(2026, 12, 1).isoformat(), "to": local(2027, 6, 1).isoformat()})
    assert problem(r) == (400, "invalid_input")
    assert problem(await client.get("/api/v1/spaces/999/slots")) == (404, "space_not_found")
    assert problem(await client.get("/api/v1/slots/999")) == (404, "slot_not_found")


async def test_the_week_of_an_unknown_space_is_404_and_an_empty_week_is_empty(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    start = local(2027, 3, 1)
    params = {"from": start.isoformat(), "to": (start + timedelta(days=7)).isoformat()}
    r = await client.get("/api/v1/spaces/999999/slots", params=params)
    assert problem(r) == (404, "space_not_found")
    assert await slots_between(client, space["id"], start, start + timedelta(days=7)) == []
    slot = await make_slot(client, space, clock, starts_at=local(2027, 3, 2, 10))
    assert [s["id"] for s in await slots_between(client, space["id"], start, start + timedelta(days=7))] == [slot["id"]]
