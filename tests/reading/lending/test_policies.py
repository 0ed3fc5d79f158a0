"""Policies set by district admins (/api/v1/policies, /staff/policies): read by staff,
changed by district admins only, out-of-range values refused with nothing saved, every change
in the history; a new loan uses the new loan period while an old loan keeps its due date; a
space's override wins over the district-wide value."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from app.kernel.tables import Policy
from tests.helpers import register_family
from tests.reading.support import add_copies, code, lend, quick_families, quick_library, quick_staff

TODAY = date(2026, 11, 28)


def value(body: dict[str, Any], key: str) -> int:
    return int(next(p["value"] for p in body["items"] if p["key"] == key))


async def test_a_new_loan_uses_the_new_period_an_old_one_keeps_its_due_date(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    staff, admin, a, b = lib["librarian"], lib["admin"], lib["a"], lib["b"]
    [first, second] = await quick_families(2)
    old = await lend(client, staff, lib["copies"][0]["barcode"], first["family"]["id"])
    assert old.json()["due_on"] == str(TODAY + timedelta(days=21))
    r = await client.patch("/api/v1/policies", json={"values": {"loan_days": 28}}, headers=admin)
    assert r.status_code == 200, r.text
    assert value(r.json(), "loan_days") == 28
    new = await lend(client, staff, lib["copies"][1]["barcode"], second["family"]["id"])
    assert new.json()["due_on"] == str(TODAY + timedelta(days=28))
    loans = (await client.get("/api/v1/loans", headers=staff)).json()["items"]
    assert {loan["id"]: loan["due_on"] for loan in loans}[old.json()["id"]] == str(TODAY + timedelta(days=21))
    # A space's override wins there, and only there.
    r = await client.patch("/api/v1/policies", json={"space_id": b, "values": {"loan_days": 7}}, headers=admin)
    assert r.status_code == 200 and value(r.json(), "loan_days") == 7
    at_b = await add_copies(client, staff, lib["book"]["id"], b, 1)
    r = await lend(client, staff, at_b[0]["barcode"], first["family"]["id"])
    assert r.json()["due_on"] == str(TODAY + timedelta(days=7))
    r = await client.get("/api/v1/policies", params={"space_id": a}, headers=staff)
    assert value(r.json(), "loan_days") == 28
    # Back to the district-wide value: the override removed.
    r = await client.patch("/api/v1/policies", json={"space_id": b, "values": {"loan_days": None}}, headers=admin)
    assert value(r.json(), "loan_days") == 28
    history = (await client.get("/api/v1/policies", headers=staff)).json()["history"]
    assert [(h["key"], h["space_id"], h["before"], h["after"]) for h in history] == [
        ("loan_days", b, 7, None),
        ("loan_days", b, None, 7),
        ("loan_days", None, None, 28),
    ]
    assert all(h["user_id"] for h in history)


async def test_loan_limit_policy_and_bad_values(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    staff, admin = lib["librarian"], lib["admin"]
    [fam] = await quick_families(1)
    r = await client.patch("/api/v1/policies", json={"values": {"max_loans": 1, "renewals": 99}}, headers=admin)
    assert code(r) == (400, "invalid_input") and r.json()["fields"][0]["field"] == "renewals"
    assert await Policy.count() == 0  # nothing half-saved
    r = await client.patch("/api/v1/policies", json={"values": {"fines": 5}}, headers=admin)
    assert code(r) == (404, "policy_not_found")
    r = await client.patch(
        "/api/v1/policies", json={"space_id": lib["a"], "values": {"suspension_days": 3}}, headers=admin
    )
    assert r.status_code == 400
    r = await client.patch("/api/v1/policies", json={"space_id": 999999, "values": {"loan_days": 3}}, headers=admin)
    assert code(r) == (404, "space_not_found")
    r = await client.patch("/api/v1/policies", json={"values": {"max_loans": 1}}, headers=admin)
    assert r.status_code == 200
    assert (await lend(client, staff, lib["copies"][0]["barcode"], fam["family"]["id"])).status_code == 201
    r = await lend(client, staff, lib["copies"][1]["barcode"], fam["family"]["id"])
    assert code(r) == (409, "loan_limit_reached")


async def test_who_reads_and_changes_policies(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    volunteer = await quick_staff("vol7", roles=("volunteer",), spaces=(lib["a"],))
    family = (await register_family(client))["headers"]
    body = {"values": {"loan_days": 30}}
    for who in (volunteer, lib["librarian"], lib["admin"]):
        assert (await client.get("/api/v1/policies", headers=who)).status_code == 200
    assert (await client.get("/api/v1/policies", headers=family)).status_code == 403
    assert (await client.get("/api/v1/policies")).status_code == 401
    for who in (volunteer, lib["librarian"], family):
        assert (await client.patch("/api/v1/policies", json=body, headers=who)).status_code == 403
    assert (await client.patch("/api/v1/policies", json=body)).status_code == 401
    assert await Policy.count() == 0


async def test_policies_page(app: Any, client: httpx.AsyncClient) -> None:
    from tests.helpers import create_staff
    from tests.web.forms import log_in, submit

    lib = await quick_library(client)
    await create_staff("district5", roles=("district_admin",))
    await create_staff("vol5", roles=("volunteer",), spaces=(lib["a"],))
    browsers = [httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") for _ in "ab"]
    admin, vol = browsers
    try:
        await log_in(admin, "district5", "staff-pass-1")
        await log_in(vol, "vol5", "staff-pass-1")
        r = await submit(admin, "/staff/policies", {"loan_days": "200"}, page="/staff/policies")
        assert r.status_code == 400 and 'aria-invalid="true"' in r.text
        form = {"loan_days": "14", "max_loans": "10", "renewals": "2", "hold_pickup_days": "5"}
        r = await submit(admin, "/staff/policies", {**form, "future_booking_cap": "3"}, page="/staff/policies")
        assert r.status_code == 303
        page = (await admin.get("/staff/policies")).text
        for key in ("booking_horizon_days", "future_booking_cap", "cancel_deadline_hours", "suspension_days"):
            assert f'name="{key}"' in page
        assert 'name="future_booking_cap" type="number" inputmode="numeric" min="1" max="50" value="3"' in page
        assert 'name="booking_horizon_days" type="number" inputmode="numeric" min="1" max="90" value="14"' in page
        assert 'name="loan_days" type="number" inputmode="numeric" min="1" max="90" value="14"' in page
        assert "21 → 14" not in page and "— → 14" in page
        r = await submit(
            admin, "/staff/policies", {"space_id": str(lib["a"]), "loan_days": "10"}, page="/staff/policies"
        )
        assert r.status_code == 303 and r.headers["location"] == f"/staff/policies?space={lib['a']}&note=saved"
        r = await vol.get("/staff/policies")
        assert r.status_code == 200 and "只有区管理员可以修改规则" in r.text
        r = await submit(vol, "/staff/policies", {"loan_days": "60"}, page="/staff/policies")
        assert r.status_code == 403
        r = await client.get("/api/v1/policies", params={"space_id": lib["a"]}, headers=lib["librarian"])
        assert value(r.json(), "loan_days") == 10 and value(r.json(), "hold_pickup_days") == 5
    finally:
        for b in browsers:
            await b.aclose()
