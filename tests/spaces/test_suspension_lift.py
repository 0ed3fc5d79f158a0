"""Staff lift a no-show suspension with a reason (recorded), and see a family's bookings at
their own spaces only; for every role, on the API and the page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from spaces.tables import Suspension
from tests.helpers import FrozenClock, bearer, create_staff, login, register_family
from tests.spaces.conftest import local, problem, quick_families
from tests.spaces.test_booking_pages import Browsers, browsers, staff_browser
from tests.spaces.test_noshows import bookable, no_show_at
from tests.web.forms import submit

__all__ = ["browsers"]  # the fixture, used by name


async def suspended(client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock) -> dict[str, Any]:
    [fam] = await quick_families(1)
    for day in (1, 10, 20):
        await no_show_at(client, space, clock, fam, local(2026, 12, day, 10))
    assert problem(await bookable(client, space, clock, fam)) == (403, "booking_suspended")
    return fam


async def other_space(client: httpx.AsyncClient, space: dict[str, Any]) -> int:
    body = {"name": "别处", "kind": "ten_square", "street": "东四", "address": "东四", "capacity": 5}
    r = await client.post("/api/v1/spaces", json=body, headers=space["admin"])
    return int(r.json()["id"])


async def test_lift_a_suspension_by_the_api(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    fam = await suspended(client, space, clock)
    family_id = fam["family"]["id"]
    elsewhere = await other_space(client, space)
    await create_staff("vol1", roles=("volunteer",), spaces=(space["id"],))
    await create_staff("lib2", roles=("librarian",), spaces=(elsewhere,))
    vol, other = (
        bearer(await login(client, "vol1", "staff-pass-1")),
        bearer(await login(client, "lib2", "staff-pass-1")),
    )
    url = f"/api/v1/families/{family_id}/suspension"
    body = {"reason": "孩子生病，家长已电话说明"}
    assert (await client.request("DELETE", url, json=body)).status_code == 401
    for who in (other, fam["headers"]):
        assert (await client.request("DELETE", url, json=body, headers=who)).status_code == 403
    r = await client.request("DELETE", url, json={"reason": ""}, headers=vol)
    assert r.status_code == 400
    # The family's bookings: at the volunteer's space only.
    r = await client.get(f"/api/v1/families/{family_id}/bookings", headers=vol)
    assert r.status_code == 200 and r.json()["suspended_until"] and len(r.json()["items"]) >= 3
    assert {b["space_id"] for b in r.json()["items"]} == {space["id"]}
    assert (await client.get(f"/api/v1/families/{family_id}/bookings", headers=other)).status_code == 403
    assert (await client.get(f"/api/v1/families/{family_id}/bookings", headers=fam["headers"])).status_code == 403
    r = await client.request("DELETE", url, json=body, headers=vol)
    assert r.status_code == 204, r.text
    row = await Suspension.select().first()
    assert row is not None and row["lift_reason"] == body["reason"] and row["lifted_at"] == clock.now()
    assert (await bookable(client, space, clock, fam)).status_code == 201
    r = await client.request("DELETE", url, json=body, headers=space["admin"])
    assert r.status_code == 404 and r.json()["code"] == "suspension_not_found"
    # The no-shows before the lift do not suspend again at the next one.
    await no_show_at(client, space, clock, fam, local(2026, 12, 25, 10))
    assert (await bookable(client, space, clock, fam)).status_code == 201


async def test_lift_a_suspension_on_the_page(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    fam = await suspended(client, space, clock)
    family_id = fam["family"]["id"]
    page = f"/staff/families/{family_id}"
    lib = await staff_browser(browsers, "lib1", spaces=(space["id"],))
    r = await lib.get(page)
    assert r.status_code == 200 and "预约已暂停" in r.text and "解除暂停" in r.text
    r = await submit(lib, f"{page}/suspension/lift", {"reason": ""}, page=page)
    assert r.status_code == 400 and "请写明解除暂停的原因" in r.text
    r = await submit(lib, f"{page}/suspension/lift", {"reason": "误记为未到"}, page=page)
    assert r.status_code == 303 and r.headers["location"].endswith("note=lifted")
    assert "预约已暂停" not in (await lib.get(page)).text
    stranger = await staff_browser(browsers, "lib9", spaces=(await other_space(client, space),))
    assert (await stranger.get(page)).status_code == 403
    newcomer = await register_family(client)
    admin = await staff_browser(browsers, "district9", roles=("district_admin",))
    r = await admin.get(f"/staff/families/{newcomer['family']['id']}")
    assert r.status_code == 200 and "在您负责的空间没有预约" in r.text
    r = await (await browsers()).get(page)
    assert r.status_code in (302, 303)


async def test_the_no_show_policy_is_read_when_a_no_show_is_recorded(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    r = await client.patch(
        "/api/v1/policies", json={"values": {"no_show_limit": 1, "suspension_days": 3}}, headers=space["admin"]
    )
    assert r.status_code == 200, r.text
    [fam] = await quick_families(1)
    await no_show_at(client, space, clock, fam, local(2026, 12, 1, 10))
    r = await bookable(client, space, clock, fam)
    assert problem(r) == (403, "booking_suspended")
    row = await Suspension.select().first()
    assert row is not None and row["ends_at"] - row["starts_at"] == timedelta(days=3)
