"""Every booking rule through the API, with the fake clock: each refusal has its code from
API.md, and the rules bend where the issue says they should (per-space settings, cancelling
frees a place in the cap, staff act only on their own spaces)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx

from spaces.tables import Booking
from tests.helpers import FrozenClock, staff_headers
from tests.spaces.conftest import book, local, make_slot, outbox_kinds, problem, quick_families


async def test_booking_closed_at_the_start_after_it_and_for_a_cancelled_slot(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, starts_at=local(2026, 11, 28, 14), capacity=10)
    a, b, c, d = await quick_families(4)
    clock.set(local(2026, 11, 28, 13, 59))
    assert (await book(client, slot["id"], a)).status_code == 201  # a minute before: still open
    clock.set(local(2026, 11, 28, 14))
    r = await book(client, slot["id"], b)
    assert problem(r) == (409, "booking_closed")  # booking closes at the start
    clock.set(local(2026, 11, 29, 9))
    r = await book(client, slot["id"], c)
    assert problem(r) == (409, "booking_closed")  # a slot in the past
    later = await make_slot(client, space, clock, starts_at=local(2026, 12, 1, 10))
    r = await client.patch(f"/api/v1/slots/{later['id']}", json={"cancelled": True}, headers=space["admin"])
    assert r.status_code == 200 and r.json()["cancelled"] is True
    assert problem(await book(client, later["id"], d)) == (409, "booking_closed")
    assert await Booking.count() == 1


async def test_booking_not_open_before_booking_opens_at(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    opens = local(2026, 11, 30, 12)
    slot = await make_slot(client, space, clock, starts_at=local(2026, 12, 3, 10), booking_opens_at=opens.isoformat())
    [fam] = await quick_families(1)
    r = await book(client, slot["id"], fam)
    assert problem(r) == (409, "booking_not_open")
    assert datetime.fromisoformat(r.json()["opens_at"]) == opens
    clock.set(opens - timedelta(seconds=1))
    assert problem(await book(client, slot["id"], fam)) == (409, "booking_not_open")
    clock.set(opens)
    r = await book(client, slot["id"], fam)
    assert r.status_code == 201 and r.json()["status"] == "confirmed"


async def test_open_reading_books_only_within_the_space_horizon(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    far = await make_slot(client, space, clock, kind="open_reading", title="开放阅读", starts_at=local(2026, 12, 14, 9))
    near = await make_slot(
        client, space, clock, kind="open_reading", title="开放阅读", starts_at=local(2026, 12, 12, 9)
    )
    [fam] = await quick_families(1)
    assert problem(await book(client, far["id"], fam)) == (409, "booking_not_open")  # 16 days ahead, horizon 14
    assert (await book(client, near["id"], fam)).status_code == 201
    r = await client.patch(f"/api/v1/spaces/{space['id']}", json={"booking_horizon_days": 16}, headers=space["admin"])
    assert r.status_code == 200, r.text
    assert (await book(client, far["id"], fam)).status_code == 201


async def test_closure_cancels_that_days_slots_and_bookings_and_refuses_new_ones(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, starts_at=local(2026, 12, 2, 10), capacity=4, waitlist=True)
    other_day = await make_slot(client, space, clock, starts_at=local(2026, 12, 3, 10), capacity=4)
    a, b, c = await quick_families(3)
    assert [(await book(client, slot["id"], f)).json()["status"] for f in (a, b, c)] == [
        "confirmed",
        "confirmed",
        "waitlisted",
    ]
    assert (await book(client, other_day["id"], a)).status_code == 201
    r = await client.post(
        f"/api/v1/spaces/{space['id']}/closures",
        json={"first_day": "2026-12-02", "last_day": "2026-12-02", "reason": "设备检修"},
        headers=space["admin"],
    )
    assert r.status_code == 201, r.text
    closure_id = r.json()["id"]
    got = (await client.get(f"/api/v1/slots/{slot['id']}")).json()
    assert got["cancelled"] is True and got["remaining"] == 4
    statuses = {b["family"]: b["status"] for b in await Booking.select().where(Booking.slot == slot["id"])}
    assert set(statuses.values()) == {"cancelled"} and len(statuses) == 3
    for fam in (a, b, c):  # every family, waitlisted ones too, is told
        assert (await outbox_kinds(fam["user_id"])).count("slot_closed") == 1
    assert (await client.get(f"/api/v1/slots/{other_day['id']}")).json()["cancelled"] is False
    space_now = (await client.get(f"/api/v1/spaces/{space['id']}")).json()
    assert [(c["first_day"], c["last_day"], c["reason"]) for c in space_now["closures"]] == [
        ("2026-12-02", "2026-12-02", "设备检修")
    ]

    # A slot on the closed day (created after the closure) cannot be booked.
    again = await make_slot(client, space, clock, starts_at=local(2026, 12, 2, 15))
    assert problem(await book(client, again["id"], b)) == (409, "space_closed")
    assert problem(await book(client, slot["id"], b)) == (409, "booking_closed")  # the cancelled one
    r = await client.delete(f"/api/v1/spaces/{space['id']}/closures/{closure_id}", headers=space["admin"])
    assert r.status_code == 204
    assert (await book(client, again["id"], b)).status_code == 201


async def test_child_of_another_family_is_not_found(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock)
    a, b = await quick_families(2)
    theirs = b["family"]["children"][0]["id"]
    for kids in ([theirs], [a["family"]["children"][0]["id"], theirs], [999_999]):
        r = await book(client, slot["id"], a, kids=kids)
        assert problem(r) == (404, "child_not_found"), kids
    assert await Booking.count() == 0


async def test_party_larger_than_the_capacity(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=3, waitlist=True)
    [fam] = await quick_families(1, birth_months=("2018-03", "2019-05", "2020-07"))
    r = await book(client, slot["id"], fam, children=3, adults=1)
    assert problem(r) == (409, "party_too_large") and r.json()["capacity"] == 3  # never waitlisted: it can never fit
    r = await book(client, slot["id"], fam, children=1, adults=3)
    assert problem(r) == (409, "party_too_large")
    r = await book(client, slot["id"], fam, children=2, adults=1)
    assert r.status_code == 201 and r.json()["people"] == 3


async def test_one_booking_per_family_and_slot(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=2, waitlist=True)
    a, b = await quick_families(2)
    first = await book(client, slot["id"], a)
    assert first.status_code == 201
    assert problem(await book(client, slot["id"], a)) == (409, "already_booked")
    assert (await book(client, slot["id"], b)).json()["status"] == "waitlisted"
    assert problem(await book(client, slot["id"], b)) == (409, "already_booked")  # waiting counts as booked
    r = await client.delete(f"/api/v1/bookings/{first.json()['id']}", headers=a["headers"])
    assert r.status_code == 200
    r = await book(client, slot["id"], a)  # after cancelling, booking again is allowed (and queues)
    assert r.status_code == 201 and r.json()["status"] == "waitlisted"


async def test_a_full_slot_refuses_early_but_says_what_is_true(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """A full slot without a waitlist is refused before the rule queries; the family already in
    it still hears already_booked, a party that can never fit party_too_large."""
    slot = await make_slot(client, space, clock, capacity=2)
    a, b = await quick_families(2)
    assert (await book(client, slot["id"], a)).status_code == 201
    assert problem(await book(client, slot["id"], a)) == (409, "already_booked")
    assert problem(await book(client, slot["id"], b)) == (409, "slot_full")
    assert problem(await book(client, slot["id"], b, adults=3)) == (409, "party_too_large")


async def test_cap_on_future_bookings(client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock) -> None:
    slots = [await make_slot(client, space, clock, starts_at=local(2026, 12, 1 + i, 10), capacity=2) for i in range(6)]
    [fam] = await quick_families(1)
    made = [await book(client, s["id"], fam) for s in slots[:4]]
    assert [r.status_code for r in made] == [201] * 4
    r = await book(client, slots[4]["id"], fam)
    assert problem(r) == (409, "booking_limit_reached") and r.json()["limit"] == 4
    # Cancelling one frees a place in the cap; a slot that has passed no longer counts.
    assert (await client.delete(f"/api/v1/bookings/{made[0].json()['id']}", headers=fam["headers"])).status_code == 200
    assert (await book(client, slots[4]["id"], fam)).status_code == 201
    assert problem(await book(client, slots[5]["id"], fam)) == (409, "booking_limit_reached")
    clock.set(local(2026, 12, 2, 12))  # the 2 December slot is over
    assert (await book(client, slots[5]["id"], fam)).status_code == 201
    # The cap is a per-space setting.
    r = await client.patch(f"/api/v1/spaces/{space['id']}", json={"max_future_bookings": 2}, headers=space["admin"])
    assert r.status_code == 200
    extra = await make_slot(client, space, clock, starts_at=local(2026, 12, 9, 10))
    assert problem(await book(client, extra["id"], fam)) == (409, "booking_limit_reached")


async def test_simultaneous_bookings_of_one_family_stop_at_the_cap(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """Eight bookings of one family for eight slots at the same moment: exactly the cap (4)
    are made, the rest refused, on either engine (the family's row is locked to count)."""
    slots = [await make_slot(client, space, clock, starts_at=local(2026, 12, 1 + i, 10), capacity=5) for i in range(8)]
    [fam] = await quick_families(1)
    answers = await asyncio.gather(*[book(client, s["id"], fam) for s in slots])
    codes = sorted(problem(r) if r.status_code != 201 else (201, "") for r in answers)
    assert codes == [(201, "")] * 4 + [(409, "booking_limit_reached")] * 4, codes
    mine = await client.get("/api/v1/bookings", headers=fam["headers"])
    assert len([b for b in mine.json()["items"] if b["status"] == "confirmed"]) == 4


async def test_age_band(client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock) -> None:
    slot = await make_slot(client, space, clock, age_band="3-6")
    [fam] = await quick_families(1, birth_months=("2018-03", "2022-05"))  # 8 years and 4 years old
    older, younger = (c["id"] for c in fam["family"]["children"])
    assert problem(await book(client, slot["id"], fam, kids=[older])) == (409, "age_band_mismatch")
    assert problem(await book(client, slot["id"], fam, kids=[older, younger])) == (409, "age_band_mismatch")
    r = await book(client, slot["id"], fam, kids=[younger])
    assert r.status_code == 201 and r.json()["child_ids"] == [younger]


async def test_someone_elses_booking_is_not_found(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=2, waitlist=True)
    a, b = await quick_families(2)
    booking = (await book(client, slot["id"], a)).json()
    for r in (
        await client.delete(f"/api/v1/bookings/{booking['id']}", headers=b["headers"]),
        await client.get(f"/api/v1/bookings/{booking['id']}", headers=b["headers"]),
        await client.post(f"/api/v1/bookings/{booking['id']}/accept", headers=b["headers"]),
        await client.get(f"/api/v1/bookings/{booking['id']}/calendar.ics", headers=b["headers"]),
        await client.delete("/api/v1/bookings/424242", headers=b["headers"]),
    ):
        assert problem(r) == (404, "booking_not_found"), r.request.url
    assert (await client.get("/api/v1/bookings", headers=b["headers"])).json()["items"] == []
    got = (await client.get(f"/api/v1/bookings/{booking['id']}", headers=a["headers"])).json()
    assert got["status"] == "confirmed"


async def test_capacity_edits_never_strand_families_and_raising_offers_places(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await make_slot(client, space, clock, capacity=6, waitlist=True)
    families = await quick_families(5)
    statuses = [(await book(client, slot["id"], f)).json()["status"] for f in families]
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * 2
    url = f"/api/v1/slots/{slot['id']}"
    r = await client.patch(url, json={"capacity": 5}, headers=space["admin"])
    assert problem(r) == (409, "capacity_below_booked") and r.json()["held"] == 6
    assert (await client.get(url)).json()["capacity"] == 6
    r = await client.patch(url, json={"capacity": 9}, headers=space["admin"])
    assert r.status_code == 200, r.text
    assert r.json()["capacity"] == 9 and r.json()["remaining"] == 1  # 2 new places offered to the first waiting
    fourth, fifth = (await Booking.select().where(Booking.slot == slot["id"]).order_by(Booking.id))[3:]
    assert fourth["status"] == "offered" and fifth["status"] == "waitlisted"
    assert "waitlist_offer" in await outbox_kinds(families[3]["user_id"])
    assert "waitlist_offer" not in await outbox_kinds(families[4]["user_id"])
    r = await client.patch(url, json={"capacity": 7}, headers=space["admin"])
    assert problem(r) == (409, "capacity_below_booked") and r.json()["held"] == 8  # an offer holds places too
    r = await client.patch(url, json={"capacity": 8}, headers=space["admin"])
    assert r.status_code == 200 and r.json()["remaining"] == 0


async def test_staff_act_only_on_their_own_spaces(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    r = await client.post(
        "/api/v1/spaces",
        json={"name": "景山阅读基地", "kind": "reading_base", "street": "景山", "address": "景山街道", "capacity": 30},
        headers=space["admin"],
    )
    assert r.status_code == 201
    other_id = r.json()["id"]
    theirs = await make_slot(client, {**space, "id": other_id}, clock)
    [fam] = await quick_families(1)
    booking = (await book(client, theirs["id"], fam)).json()
    lib = await staff_headers(client, "lib-own", roles=("librarian",), spaces=(space["id"],))
    vol = await staff_headers(client, "vol-own", roles=("volunteer",), spaces=(space["id"],))
    body = {
        "kind": "activity",
        "title": "绘本＋科普",
        "starts_at": local(2026, 12, 5, 10).isoformat(),
        "ends_at": local(2026, 12, 5, 11).isoformat(),
        "capacity": 8,
    }
    for headers in (lib, vol):
        refused = [
            await client.post(f"/api/v1/spaces/{other_id}/slots", json=body, headers=headers),
            await client.patch(f"/api/v1/slots/{theirs['id']}", json={"capacity": 20}, headers=headers),
            await client.post(f"/api/v1/spaces/{other_id}/slots/generate", json={"days": 3}, headers=headers),
            await client.post(
                f"/api/v1/spaces/{other_id}/closures",
                json={"first_day": "2026-12-24", "last_day": "2026-12-25"},
                headers=headers,
            ),
            await client.get(f"/api/v1/slots/{theirs['id']}/roster", headers=headers),
            await client.post(f"/api/v1/bookings/{booking['id']}/attendance", headers=headers),
            await client.post(
                f"/api/v1/slots/{theirs['id']}/walk-ins", json={"adults": 1, "children": 1}, headers=headers
            ),
        ]
        assert [problem(r) for r in refused] == [(403, "forbidden")] * len(refused), [r.text for r in refused]
        assert problem(await client.delete(f"/api/v1/bookings/{booking['id']}", headers=headers)) == (
            404,
            "booking_not_found",
        )
        r = await client.post(f"/api/v1/spaces/{space['id']}/slots", json=body, headers=headers)
        assert r.status_code == 201, r.text  # their own space
    got = (await client.get(f"/api/v1/slots/{theirs['id']}")).json()
    assert got["capacity"] == 10 and got["remaining"] == 8 and got["cancelled"] is False
    roster = (await client.get(f"/api/v1/slots/{theirs['id']}/roster", headers=space["admin"])).json()["items"]
    assert [(e["guardian_name"], e["children"]) for e in roster] == [("家长0", ["孩子1"])]
