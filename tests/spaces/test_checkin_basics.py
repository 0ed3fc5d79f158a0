"""Corner and booking check-in through the API: visit, duplicate, nonce replay, booking
attended, staff window, closed hours. (Issue 4 adds posters, live codes and more.)"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from qr.services import tokens
from qr.tokens import Purpose
from tests.helpers import FrozenClock, register_family, staff_headers
from tests.spaces.conftest import make_slot


async def corner_token(client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock) -> str:
    r = await client.post(f"/api/v1/spaces/{space['id']}/corners", json={"name": "绘本架"}, headers=space["admin"])
    assert r.status_code == 201, r.text
    return await tokens.issue(Purpose.corner, r.json()["id"], now=clock.now())


async def test_visit_then_duplicate_then_nonce_replay(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 28, 2, 30, tzinfo=UTC))  # Saturday 10:30 in Beijing, open 09-17
    token = await corner_token(client, space, clock)
    fam = await register_family(client)
    r = await client.post("/api/v1/check-ins", json={"token": token, "nonce": "n1"}, headers=fam["headers"])
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["kind"] == "visit" and first["duplicate"] is False and first["people"] == 3
    r = await client.post("/api/v1/check-ins", json={"token": token, "nonce": "n1"}, headers=fam["headers"])
    assert r.status_code == 201 and r.json()["id"] == first["id"]  # the same nonce: the first answer
    clock.advance(minutes=10)
    r = await client.post("/api/v1/check-ins", json={"token": token, "nonce": "n2"}, headers=fam["headers"])
    assert r.status_code == 200 and r.json()["duplicate"] is True
    assert r.json()["checked_in_at"] == first["checked_in_at"]


async def test_a_nonce_reused_at_another_space_checks_in_there(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """A client that reuses a nonce for another corner gets that check-in, not the old answer."""
    clock.set(datetime(2026, 11, 28, 2, 30, tzinfo=UTC))
    here = await corner_token(client, space, clock)
    body = {
        "name": "和平里十平米阅读空间",
        "kind": "ten_square",
        "street": "和平里",
        "address": "东城区和平里街道",
        "capacity": 12,
        "opening_hours": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)],
    }
    r = await client.post("/api/v1/spaces", json=body, headers=space["admin"])
    assert r.status_code == 201, r.text
    other_space = {**r.json(), "admin": space["admin"]}
    there = await corner_token(client, other_space, clock)
    fam = await register_family(client)
    r = await client.post("/api/v1/check-ins", json={"token": here, "nonce": "same"}, headers=fam["headers"])
    assert r.status_code == 201 and r.json()["space_id"] == space["id"], r.text
    clock.advance(minutes=30)
    r = await client.post("/api/v1/check-ins", json={"token": there, "nonce": "same"}, headers=fam["headers"])
    assert r.status_code == 201, r.text
    assert r.json()["space_id"] == other_space["id"] and r.json()["duplicate"] is False
    # The first corner again with that nonce: still its own first answer.
    r = await client.post("/api/v1/check-ins", json={"token": here, "nonce": "same"}, headers=fam["headers"])
    assert r.status_code == 201 and r.json()["space_id"] == space["id"]


async def test_outside_opening_hours(client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock) -> None:
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # 20:00 in Beijing
    token = await corner_token(client, space, clock)
    fam = await register_family(client)
    r = await client.post("/api/v1/check-ins", json={"token": token}, headers=fam["headers"])
    assert r.status_code == 409 and r.json()["code"] == "outside_opening_hours"


async def test_booking_attended_by_corner_scan_and_staff_scan(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 28, 1, 0, tzinfo=UTC))  # 09:00 local
    slot = await make_slot(client, space, clock, starts_at=datetime(2026, 11, 28, 2, 0, tzinfo=UTC), capacity=10)
    fam = await register_family(client)
    child = fam["family"]["children"][0]["id"]
    r = await client.post(f"/api/v1/slots/{slot['id']}/bookings", json={"child_ids": [child]}, headers=fam["headers"])
    booking = r.json()
    booking_token = await tokens.issue(Purpose.booking, booking["id"], now=clock.now())
    lib = await staff_headers(client, "lib2", roles=("librarian",), spaces=(space["id"],))
    r = await client.post("/api/v1/check-ins", json={"token": booking_token}, headers=lib)
    assert r.status_code == 409 and r.json()["code"] == "outside_check_in_window"  # 60 min early
    clock.advance(minutes=40)
    token = await corner_token(client, space, clock)
    r = await client.post("/api/v1/check-ins", json={"token": token}, headers=fam["headers"])
    assert r.status_code == 201 and r.json()["kind"] == "booking" and r.json()["booking_id"] == booking["id"]
    r = await client.post("/api/v1/check-ins", json={"token": booking_token}, headers=lib)
    assert r.status_code == 200 and r.json()["duplicate"] is True
    other = await staff_headers(client, "lib3", roles=("librarian",), spaces=())
    r = await client.post("/api/v1/check-ins", json={"token": booking_token}, headers=other)
    assert r.status_code == 409 and r.json()["code"] == "wrong_space"
    got = (await client.get(f"/api/v1/bookings/{booking['id']}", headers=fam["headers"])).json()
    assert got["status"] == "attended"


async def test_bad_tokens(client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock) -> None:
    clock.set(datetime(2026, 11, 28, 2, 30, tzinfo=UTC))
    token = await corner_token(client, space, clock)
    fam = await register_family(client)
    for bad in (token[:-2], token + "A", "x" * 30, token.replace(token[5], "A" if token[5] != "A" else "B")):
        r = await client.post("/api/v1/check-ins", json={"token": bad}, headers=fam["headers"])
        assert r.status_code == 400 and r.json()["code"] == "invalid_token", bad
    corner_id = (await tokens.verify(token, purposes=(Purpose.corner,), now=clock.now())).subject
    await tokens.revoke(Purpose.corner, corner_id, now=clock.now())
    r = await client.post("/api/v1/check-ins", json={"token": token}, headers=fam["headers"])
    assert r.status_code == 410 and r.json()["code"] == "token_revoked"
