"""The default cancellation deadline is a policy: new slots (activities, generated open
reading) take the value set then; slots made before keep theirs. The per-family cap and the
booking horizon are policies too: district-wide, a space's override wins at that space only,
new bookings only, out-of-range values refused with nothing saved."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from app.kernel.tables import Policy, PolicyChange
from spaces.tables import Booking, Slot
from tests.helpers import FrozenClock
from tests.spaces.conftest import book, local, make_slot, problem, quick_families


async def test_new_slots_take_the_cancellation_deadline_policy(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    before = await make_slot(client, space, clock)
    starts = datetime.fromisoformat(before["starts_at"])
    assert datetime.fromisoformat(before["cancel_deadline"]) == starts - timedelta(hours=2)
    body = {"values": {"cancel_deadline_hours": 5}}
    r = await client.patch("/api/v1/policies", json=body, headers=space["admin"])
    assert r.status_code == 200, r.text
    after = await make_slot(client, space, clock, starts_at=clock.now() + timedelta(days=3))
    starts_after = datetime.fromisoformat(after["starts_at"])
    assert datetime.fromisoformat(after["cancel_deadline"]) == starts_after - timedelta(hours=5)
    r = await client.get(f"/api/v1/slots/{before['id']}")
    assert datetime.fromisoformat(r.json()["cancel_deadline"]) == starts - timedelta(hours=2)
    r = await client.post(f"/api/v1/spaces/{space['id']}/slots/generate", json={"days": 2}, headers=space["admin"])
    assert r.status_code in (200, 201), r.text
    generated = await Slot.select(Slot.starts_at, Slot.cancel_deadline).where(Slot.kind == "open_reading")
    assert generated and all(s["starts_at"] - s["cancel_deadline"] == timedelta(hours=5) for s in generated)
    r = await client.patch("/api/v1/policies", json={"values": {"cancel_deadline_hours": 100}}, headers=space["admin"])
    assert r.status_code == 400


async def test_district_cap_refuses_new_bookings_beyond_it_and_keeps_the_old(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    slots = [await make_slot(client, space, clock, starts_at=local(2026, 12, 1 + i, 10)) for i in range(4)]
    [fam] = await quick_families(1)
    made = [await book(client, s["id"], fam) for s in slots[:3]]
    assert [r.status_code for r in made] == [201] * 3
    r = await client.patch("/api/v1/policies", json={"values": {"future_booking_cap": 2}}, headers=space["admin"])
    assert r.status_code == 200, r.text
    r = await book(client, slots[3]["id"], fam)
    assert problem(r) == (409, "booking_limit_reached") and r.json()["limit"] == 2
    kept = await Booking.select(Booking.status).where(Booking.family == fam["family"]["id"])
    assert [b["status"] for b in kept] == ["confirmed"] * 3  # existing bookings stay
    history = (await client.get("/api/v1/policies", headers=space["admin"])).json()["history"]
    assert [(h["key"], h["space_id"], h["before"], h["after"]) for h in history] == [
        ("future_booking_cap", None, None, 2)
    ]


async def test_a_space_override_of_cap_and_horizon_wins_there_only(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    body = {k: space[k] for k in ("kind", "street", "address", "capacity")}
    r = await client.post("/api/v1/spaces", json={**body, "name": "另一个空间"}, headers=space["admin"])
    other = {**r.json(), "admin": space["admin"]}
    admin = space["admin"]
    values = {"future_booking_cap": 1, "booking_horizon_days": 20}
    r = await client.patch("/api/v1/policies", json={"space_id": space["id"], "values": values}, headers=admin)
    assert r.status_code == 200, r.text
    [fam] = await quick_families(1)
    here = [await make_slot(client, space, clock, starts_at=local(2026, 12, 1 + i, 10)) for i in range(2)]
    there = [await make_slot(client, other, clock, starts_at=local(2026, 12, 1 + i, 10)) for i in range(2)]
    assert (await book(client, here[0]["id"], fam)).status_code == 201
    assert problem(await book(client, here[1]["id"], fam)) == (409, "booking_limit_reached")
    assert [(await book(client, s["id"], fam)).status_code for s in there] == [201, 201]  # district cap 4
    far = {"kind": "open_reading", "title": "开放阅读", "starts_at": local(2026, 12, 14, 9)}
    [fam2] = await quick_families(1)
    assert (await book(client, (await make_slot(client, space, clock, **far))["id"], fam2)).status_code == 201
    r = await book(client, (await make_slot(client, other, clock, **far))["id"], fam2)
    assert problem(r) == (409, "booking_not_open")  # 16 days ahead, district horizon 14
    assert (await client.get(f"/api/v1/spaces/{space['id']}")).json()["booking_horizon_days"] == 20
    assert (await client.get(f"/api/v1/spaces/{other['id']}")).json()["booking_horizon_days"] == 14


async def test_out_of_range_cap_or_horizon_saves_nothing(client: httpx.AsyncClient, space: dict[str, Any]) -> None:
    for values in ({"future_booking_cap": 0}, {"booking_horizon_days": 30, "future_booking_cap": 51}):
        r = await client.patch("/api/v1/policies", json={"values": values}, headers=space["admin"])
        assert r.status_code == 400 and r.json()["code"] == "invalid_input", r.text
    body = {"space_id": space["id"], "values": {"booking_horizon_days": 91}}
    r = await client.patch("/api/v1/policies", json=body, headers=space["admin"])
    assert r.status_code == 400
    assert await Policy.count() == 0 and await PolicyChange.count() == 0


async def test_the_migration_keeps_a_spaces_own_cap_and_horizon(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """A space whose old columns differ from the defaults gets them as its policy overrides."""
    import importlib

    from spaces.tables import Space

    await Space.update({Space.max_future_bookings: 6}).where(Space.id == space["id"])
    migration = importlib.import_module("migrations.spaces.spaces_2026_12_05t00_00_00_000000")
    await (await migration.forwards()).run()
    stored = await Policy.select(Policy.key, Policy.space_id, Policy.value)
    assert [(p["key"], p["space_id"], p["value"]) for p in stored] == [("future_booking_cap", space["id"], 6)]
    r = await client.get("/api/v1/policies", params={"space_id": space["id"]}, headers=space["admin"])
    assert next(p["value"] for p in r.json()["items"] if p["key"] == "future_booking_cap") == 6
    await (await migration.forwards()).run()  # run twice: nothing doubled
    assert await Policy.count() == 1 and await PolicyChange.count() == 1
