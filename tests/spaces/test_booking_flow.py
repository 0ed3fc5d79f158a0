"""Booking, waitlist, offers and cancellation through the API, with a fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from spaces.services import views
from tests.helpers import FrozenClock, register_family, statements
from tests.spaces.conftest import book, make_slot, quick_families


def children(fam: dict[str, Any], n: int = 1) -> list[int]:
    return [c["id"] for c in fam["family"]["children"][:n]]


async def test_book_waitlist_offer_accept(client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock) -> None:
    slot = await make_slot(client, space, clock, capacity=4, waitlist=True)
    a, b, c = [await register_family(client) for _ in range(3)]
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings", json={"child_ids": children(a, 2), "adults": 1}, headers=a["headers"]
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "confirmed" and r.json()["people"] == 3
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings", json={"child_ids": children(b, 1), "adults": 1}, headers=b["headers"]
    )
    assert r.json()["status"] == "waitlisted" and r.json()["waitlist_position"] == 1
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings", json={"child_ids": children(c, 1), "adults": 1}, headers=c["headers"]
    )
    assert r.json()["status"] == "waitlisted" and r.json()["waitlist_position"] == 2
    a_booking = (await client.get("/api/v1/bookings", headers=a["headers"])).json()["items"][0]
    r = await client.delete(f"/api/v1/bookings/{a_booking['id']}", headers=a["headers"])
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    b_booking = (await client.get("/api/v1/bookings", headers=b["headers"])).json()["items"][0]
    c_booking = (await client.get("/api/v1/bookings", headers=c["headers"])).json()["items"][0]
    assert b_booking["status"] == "offered" and c_booking["status"] == "offered"  # 2 + 2 people fit in 4
    r = await client.post(f"/api/v1/bookings/{b_booking['id']}/accept", headers=b["headers"])
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    clock.advance(hours=3)
    r = await client.post(f"/api/v1/bookings/{c_booking['id']}/accept", headers=c["headers"])
    assert r.status_code == 409 and r.json()["code"] == "offer_expired"
    got = (await client.get(f"/api/v1/slots/{slot['id']}")).json()
    assert got["remaining"] == 0  # c's offer still holds places until the housekeeping job expires it


async def test_full_without_waitlist(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, family: dict[str, Any]
) -> None:
    slot = await make_slot(client, space, clock, capacity=2)
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings",
        json={"child_ids": children(family, 2), "adults": 1},
        headers=family["headers"],
    )
    assert r.status_code == 409 and r.json()["code"] == "party_too_large"
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings",
        json={"child_ids": children(family, 1), "adults": 1},
        headers=family["headers"],
    )
    assert r.status_code == 201
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings",
        json={"child_ids": children(family, 1), "adults": 1},
        headers=family["headers"],
    )
    assert r.status_code == 409 and r.json()["code"] == "already_booked"
    other = await register_family(client)
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings",
        json={"child_ids": children(other, 1), "adults": 1},
        headers=other["headers"],
    )
    assert r.status_code == 409 and r.json()["code"] == "slot_full"


async def test_my_bookings_reads_as_many_statements_for_four_bookings_as_for_one(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """No query per booking: the waitlist positions come in one, the cancellation deadlines
    with the bookings."""
    fam, *others = await quick_families(5)
    slots = [
        await make_slot(client, space, clock, capacity=2, waitlist=True, starts_at=clock.now() + timedelta(days=1 + i))
        for i in range(4)
    ]
    for slot, other in zip(slots, others, strict=True):
        assert (await book(client, slot["id"], other)).json()["status"] == "confirmed"  # 2 people: full

    async def mine() -> object:
        return await views.my_bookings(fam["family"]["id"], base_url="http://testserver", clock=clock)

    assert (await book(client, slots[0]["id"], fam)).json()["status"] == "waitlisted"
    await mine()  # the calendar feed's secret is made on first use
    one = await statements(mine)
    assert one > 0
    for slot in slots[1:]:
        assert (await book(client, slot["id"], fam)).json()["status"] == "waitlisted"
    assert await statements(mine) == one
    shown = await views.my_bookings(fam["family"]["id"], base_url="http://testserver", clock=clock)
    assert [b.waitlist_position for b in shown.upcoming] == [1, 1, 1, 1]
    deadlines = [datetime.fromisoformat(s["cancel_deadline"]) for s in slots]
    assert [b.cancel_deadline for b in shown.upcoming] == deadlines
