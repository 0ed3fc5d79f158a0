"""Self-service at a corner: a family borrows by scanning the copy's QR code only when it
checked in at that space within the last 3 hours; it returns by scanning too, and the copy
waits (`awaiting_shelving`) until staff scan it back onto the shelf or the hold shelf."""

from __future__ import annotations

from typing import Any

import httpx

from qr.services import tokens
from qr.tokens import Purpose
from reading.lending.tables import Loan
from tests.helpers import FrozenClock
from tests.reading.support import (
    assert_lending_invariants,
    code,
    copy_detail,
    give_back,
    lend,
    quick_families,
    quick_library,
)


async def corner_token(client: httpx.AsyncClient, headers: dict[str, str], space_id: int, clock: FrozenClock) -> str:
    r = await client.post(f"/api/v1/spaces/{space_id}/corners", json={"name": "绘本角"}, headers=headers)
    assert r.status_code == 201, r.text
    return await tokens.issue(Purpose.corner, r.json()["id"], now=clock.now())


async def test_borrowing_needs_a_check_in_at_that_space_within_3_hours(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    lib = await quick_library(client)
    staff, a, b = lib["librarian"], lib["a"], lib["b"]
    first, second = lib["copies"]
    corner_a = await corner_token(client, staff, a, clock)
    corner_b = await corner_token(client, staff, b, clock)
    fam, other = await quick_families(2)
    token1 = await tokens.issue(Purpose.copy, first["id"], now=clock.now())
    token2 = await tokens.issue(Purpose.copy, second["id"], now=clock.now())

    async def borrow(token: str, who: dict[str, Any] = fam) -> httpx.Response:
        return await client.post("/api/v1/loans", json={"copy_token": token}, headers=who["headers"])

    async def check_in(token: str, nonce: str) -> httpx.Response:
        return await client.post("/api/v1/check-ins", json={"token": token, "nonce": nonce}, headers=fam["headers"])

    # Saturday 10:00 in Beijing, both spaces open 09–17. No check-in: refused.
    assert code(await borrow(token1)) == (403, "not_checked_in")
    # A check-in at another space does not count.
    assert (await check_in(corner_b, "n-b")).status_code == 201
    assert code(await borrow(token1)) == (403, "not_checked_in")
    # Checked in at a: the family borrows by scanning.
    r = await check_in(corner_a, "n-a")
    assert r.status_code == 201 and r.json()["space_id"] == a, r.text
    clock.advance(hours=2, minutes=59)
    r = await borrow(token1)
    assert r.status_code == 201, r.text
    loan = r.json()
    assert loan["family_id"] == fam["family"]["id"] and loan["copy_id"] == first["id"] and loan["due_on"]
    row = await Loan.select(Loan.self_service, Loan.space).where(Loan.id == loan["id"]).first()
    assert row == {"self_service": True, "space": a}
    assert (await copy_detail(client, staff, first["barcode"]))["copy"]["status"] == "on_loan"
    # More than 3 hours after the check-in: refused again, also for the family that has not checked in.
    clock.advance(minutes=2)
    assert code(await borrow(token2)) == (403, "not_checked_in")
    assert code(await borrow(token2, other)) == (403, "not_checked_in")
    assert (await copy_detail(client, staff, second["barcode"]))["copy"]["status"] == "available"
    # The next morning, a new check-in: borrowing works again.
    clock.advance(hours=21)
    assert (await check_in(corner_a, "n-a2")).status_code == 201
    r = await borrow(token2)
    assert r.status_code == 201, r.text
    # Only families borrow by QR code; staff lend by barcode (and families cannot).
    assert code(await borrow(token2, {"headers": staff})) == (403, "forbidden")
    r = await lend(client, fam["headers"], second["barcode"], fam["family"]["id"])
    assert r.status_code == 403
    r = await client.post("/api/v1/loans", json={"copy_token": token1[:-3] + "abc"}, headers=fam["headers"])
    assert code(r) == (400, "invalid_token")
    await assert_lending_invariants()


async def test_self_return_waits_for_shelving(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    lib = await quick_library(client)
    staff, a, b = lib["librarian"], lib["a"], lib["b"]
    first, second = lib["copies"]
    fam, other = await quick_families(2)
    token1 = await tokens.issue(Purpose.copy, first["id"], now=clock.now())
    token2 = await tokens.issue(Purpose.copy, second["id"], now=clock.now())
    loan = (await lend(client, staff, first["barcode"], fam["family"]["id"])).json()
    assert (await lend(client, staff, second["barcode"], fam["family"]["id"])).status_code == 201

    async def self_return(token: str, who: dict[str, Any], space_id: int | None = None) -> httpx.Response:
        body: dict[str, Any] = {"copy_token": token}
        if space_id is not None:
            body["space_id"] = space_id
        return await client.post("/api/v1/returns", json=body, headers=who["headers"])

    # Another family cannot return a copy it did not borrow.
    assert code(await self_return(token1, other)) == (404, "loan_not_found")
    assert (await Loan.select(Loan.returned_at).where(Loan.id == loan["id"]).first()) == {"returned_at": None}

    r = await self_return(token1, fam)
    assert r.status_code == 200, r.text
    back = r.json()
    assert (back["status"], back["goes_to"], back["loan_id"]) == ("awaiting_shelving", "awaiting_shelving", loan["id"])
    detail = await copy_detail(client, staff, first["barcode"])
    assert (detail["copy"]["status"], detail["copy"]["current_space_id"]) == ("awaiting_shelving", a)
    assert detail["open_loan_id"] is None
    assert code(await self_return(token1, fam)) == (404, "loan_not_found")  # returned twice
    # Not on the shelf yet: nobody can borrow it until staff shelve it.
    assert code(await lend(client, staff, first["barcode"], other["family"]["id"])) == (409, "copy_unavailable")
    r = await give_back(client, staff, first["barcode"], a)
    assert r.status_code == 200 and r.json()["goes_to"] == "shelf" and r.json()["loan_id"] is None, r.text
    assert (await copy_detail(client, staff, first["barcode"]))["copy"]["status"] == "available"

    # Returned at b by the family while another family waits at a: shelving routes it to the hold.
    r = await client.post(
        f"/api/v1/books/{lib['book']['id']}/holds", json={"pickup_space_id": a}, headers=other["headers"]
    )
    assert r.status_code == 201 and r.json()["status"] == "ready"  # first, on a's shelf, is held at once
    r = await client.post(
        f"/api/v1/books/{lib['book']['id']}/holds", json={"pickup_space_id": a}, headers=fam["headers"]
    )
    assert r.status_code == 201 and r.json()["status"] == "waiting"
    r = await self_return(token2, fam, b)
    assert r.status_code == 200 and r.json()["status"] == "awaiting_shelving"
    assert (await copy_detail(client, staff, second["barcode"]))["copy"]["current_space_id"] == b
    r = await give_back(client, staff, second["barcode"], b)
    assert r.status_code == 200, r.text
    assert (r.json()["goes_to"], r.json()["destination_space_id"]) == ("transit", a)
    await assert_lending_invariants()
