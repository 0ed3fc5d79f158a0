"""Fifty simultaneous check-ins of one family against the real app in two uvicorn workers:
one record, every answer 201 or 200 with the same id, capacity taken once, every attempt
logged. Then the same for a booking, scanned at once by the family (corner code) and by staff
(the booking code). Tokens are issued here; the server derives the same keys from SECRET_KEY."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from qr.services import tokens
from qr.tables import Scan
from qr.tokens import Purpose
from spaces.tables import Booking, CheckIn, Slot
from tests.helpers import FrozenClock, register_family, staff_headers
from tests.qr.conftest import make_space
from tests.spaces.conftest import make_slot

pytestmark = pytest.mark.live

N = 50


async def fire(base: str, requests: list[tuple[str, dict[str, str], dict[str, Any]]]) -> list[httpx.Response]:
    """All requests at once, each on its own connection."""
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        return list(
            await asyncio.gather(
                *(http.post("/api/v1/check-ins", json=body, headers=headers) for _nonce, headers, body in requests)
            )
        )


def assert_one_answer(requests: list[tuple[str, dict[str, str], dict[str, Any]]], answers: list[httpx.Response]) -> int:
    """Every answer is 201 or 200 for the same check-in; 201 (not a duplicate) only for the one
    nonce that won (a retried request with that nonce is answered from the first)."""
    assert all(r.status_code in (200, 201) for r in answers), [(r.status_code, r.text) for r in answers]
    bodies = [r.json() for r in answers]
    assert len({b["id"] for b in bodies}) == 1, bodies
    assert len({b["checked_in_at"] for b in bodies}) == 1
    for r, b in zip(answers, bodies, strict=True):
        assert (r.status_code == 201) is (b["duplicate"] is False)
    winners = {nonce for (nonce, _h, _b), r in zip(requests, answers, strict=True) if r.status_code == 201}
    assert len(winners) == 1, winners
    return int(bodies[0]["id"])


async def test_fifty_simultaneous_check_ins_make_one_record(
    client: httpx.AsyncClient, clock: FrozenClock, live_server: Any
) -> None:
    # The servers run on the real clock: set ours to it, and open the space all day.
    clock.set(datetime.now(UTC).replace(microsecond=0))
    admin = await staff_headers(client, "raceadmin")
    space = await make_space(client, admin, capacity=40, opens="00:00", closes="23:59")
    r = await client.post(f"/api/v1/spaces/{space['id']}/corners", json={"name": "绘本架"}, headers=admin)
    corner_id = r.json()["id"]
    slot = await make_slot(client, space, clock, starts_at=clock.now() + timedelta(minutes=10), capacity=10)
    walker = await register_family(client)
    booker = await register_family(client)
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings",
        json={"child_ids": [booker["family"]["children"][0]["id"]]},
        headers=booker["headers"],
    )
    assert r.status_code == 201, r.text
    booking = r.json()
    staff = await staff_headers(client, "racelib", roles=("librarian",), spaces=(space["id"],))
    corner_token = await tokens.issue(Purpose.corner, corner_id, now=clock.now())
    booking_token = await tokens.issue(Purpose.booking, booking["id"], now=clock.now())
    base = live_server.start(workers=2, timeout=120)

    # One family, fifty scans at once: 45 distinct nonces and a request retried 5 times.
    nonces = [f"walk-{i}" for i in range(N - 5)] + ["walk-retried"] * 5
    requests = [(n, walker["headers"], {"token": corner_token, "nonce": n}) for n in nonces]
    answers = await fire(base, requests)
    visit_id = assert_one_answer(requests, answers)
    rows = await CheckIn.select().where(CheckIn.family == walker["family"]["id"])
    assert [r["id"] for r in rows] == [visit_id] and rows[0]["kind"] == "visit" and rows[0]["people"] == 3
    walk_in_slot = await Slot.select(Slot.capacity, Slot.remaining).where(Slot.id == rows[0]["slot"]).first()
    assert walk_in_slot == {"capacity": 40, "remaining": 37}, "the places were taken once"
    assert await Scan.count().where(Scan.purpose == "corner") == N, "every attempt is logged"

    # A booking: the family scans the corner 25 times while staff scan its booking code 25 times.
    requests = [(f"fam-{i}", booker["headers"], {"token": corner_token, "nonce": f"fam-{i}"}) for i in range(N // 2)]
    requests += [(f"staff-{i}", staff, {"token": booking_token, "nonce": f"staff-{i}"}) for i in range(N // 2)]
    answers = await fire(base, requests)
    booked_id = assert_one_answer(requests, answers)
    assert {r.json()["kind"] for r in answers} == {"booking"}
    assert {r.json()["booking_id"] for r in answers} == {booking["id"]}
    rows = await CheckIn.select().where(CheckIn.family == booker["family"]["id"])
    assert [r["id"] for r in rows] == [booked_id] and rows[0]["booking"] == booking["id"]
    status = await Booking.select(Booking.status).where(Booking.id == booking["id"]).first()
    assert status == {"status": "attended"}
    assert await Scan.count() == 2 * N
