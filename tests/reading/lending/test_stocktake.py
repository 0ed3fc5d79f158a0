"""A stocktake at a space with planted problems: exactly the missing, unexpected and
inconsistent copies are reported, repeats count once, and applying it twice changes the
records once."""

from __future__ import annotations

from typing import Any

import httpx

from qr.services import tokens
from qr.tokens import Purpose
from reading.lending.tables import Copy, CopyEvent, Loan, Stocktake, TransferItem
from tests.helpers import FrozenClock
from tests.reading.support import (
    add_book,
    add_copies,
    assert_lending_invariants,
    code,
    lend,
    quick_families,
    quick_library,
)


async def test_stocktake_reports_exactly_the_planted_copies(client: httpx.AsyncClient, clock: FrozenClock) -> None:
    lib = await quick_library(client)
    staff, a, b = lib["librarian"], lib["a"], lib["b"]
    at_a = lib["copies"] + await add_copies(client, staff, lib["book"]["id"], a, 11)  # 13 copies at a
    other_book = await add_book(client, staff, "9787533259662", "好饿的毛毛虫", age_band="0-3")
    at_b = await add_copies(client, staff, other_book["id"], b, 3)
    fam, reader = await quick_families(2)
    bc = [c["barcode"] for c in at_a]

    # On loan and on the shelf (inconsistent): 5 and 6; on loan and not here: 10 (not reported).
    for i in (5, 6, 10):
        assert (await lend(client, staff, bc[i], fam["family"]["id"])).status_code == 201
    # Marked missing, but on the shelf (inconsistent): 7.
    r = await client.post(f"/api/v1/copies/{bc[7]}/status", json={"status": "missing"}, headers=staff)
    assert r.status_code == 200
    # Sent to b, still in transit, yet on a's shelf (unexpected): 8.
    r = await client.post(
        "/api/v1/transfers", json={"from_space_id": a, "to_space_id": b, "barcodes": [bc[8]]}, headers=staff
    )
    assert r.status_code == 201
    # Sent to b and received there, then carried back without a transfer (unexpected): 11.
    r = await client.post(
        "/api/v1/transfers", json={"from_space_id": a, "to_space_id": b, "barcodes": [bc[11]]}, headers=staff
    )
    assert r.status_code == 201
    r = await client.post(f"/api/v1/spaces/{b}/receive", json={"barcodes": [bc[11]]}, headers=staff)
    assert r.json()["items"][0]["current_space_id"] == b
    # Returned by the family itself, waiting for a volunteer (to shelve): 9.
    assert (await lend(client, staff, bc[9], reader["family"]["id"])).status_code == 201
    token = await tokens.issue(Purpose.copy, at_a[9]["id"], now=clock.now())
    r = await client.post("/api/v1/returns", json={"copy_token": token}, headers=reader["headers"])
    assert r.status_code == 200 and r.json()["status"] == "awaiting_shelving"
    # 0, 1, 2 and 12 are on a's shelf in the records but not found: missing. 3 and 4 are fine.

    r = await client.post(f"/api/v1/spaces/{a}/stocktakes", headers=staff)
    assert r.status_code == 201, r.text
    stocktake = r.json()
    base = f"/api/v1/spaces/{a}/stocktakes/{stocktake['id']}"
    unexpected = [at_b[0]["barcode"], at_b[1]["barcode"], bc[8], bc[11]]
    first_batch = [bc[3], bc[4], bc[5], bc[3], "SC99999998", *unexpected[:2]]
    second_batch = [bc[4].lower(), f" {bc[6]} ", bc[7], bc[8], bc[9], bc[11], "sc99999998", "XX-1"]
    r = await client.post(f"{base}/scans", json={"barcodes": first_batch}, headers=staff)
    assert r.status_code == 200 and r.json()["scanned"] == 6, r.text
    r = await client.post(f"{base}/scans", json={"barcodes": second_batch}, headers=staff)
    assert r.status_code == 200 and r.json()["scanned"] == 12, r.text  # repeats (any case, spaces) count once
    last_seen = await Copy.select(Copy.barcode, Copy.last_seen_at).where(Copy.barcode.is_in([bc[3], bc[0]]))
    assert {r["barcode"]: r["last_seen_at"] is not None for r in last_seen} == {bc[3]: True, bc[0]: True}

    r = await client.post(f"{base}/finish", headers=staff)
    assert r.status_code == 200, r.text
    report = r.json()["report"]

    def barcodes(kind: str) -> list[str]:
        return sorted(e["barcode"] for e in report[kind])

    assert barcodes("missing") == sorted([bc[0], bc[1], bc[2], bc[12]])
    assert barcodes("unexpected") == sorted(unexpected)
    assert barcodes("inconsistent") == sorted([bc[5], bc[6], bc[7]])
    assert barcodes("to_shelve") == [bc[9]]
    assert report["unknown_barcodes"] == [{"barcode": "SC99999998"}, {"barcode": "XX-1"}]
    assert {e["barcode"]: e["status"] for e in report["inconsistent"]} == {
        bc[5]: "on_loan",
        bc[6]: "on_loan",
        bc[7]: "missing",
    }
    # Finished: no more scans, and finishing again gives the same report.
    r = await client.post(f"{base}/scans", json={"barcodes": [bc[0]]}, headers=staff)
    assert code(r) == (409, "stocktake_closed")
    assert (await client.post(f"{base}/finish", headers=staff)).json()["report"] == report
    assert code(await client.post(f"{base}/apply", json={"confirm": False}, headers=staff)) == (400, "invalid_input")

    # Between the report and its application, one of the "missing" copies turns up and is lent:
    # the newer fact wins.
    assert (await lend(client, staff, bc[12], reader["family"]["id"])).status_code == 201
    events_before = await CopyEvent.count()
    r = await client.post(f"{base}/apply", json={"confirm": True}, headers=staff)
    assert r.status_code == 200, r.text
    applied = r.json()
    assert applied["applied_at"] is not None and applied["report"] == report

    async def state(barcode: str) -> tuple[str, int | None]:
        row = await Copy.select(Copy.status, Copy.current_space).where(Copy.barcode == barcode).first()
        assert row is not None
        return row["status"], row["current_space"]

    expected: dict[str, tuple[str, int | None]] = {
        bc[0]: ("missing", a),
        bc[1]: ("missing", a),
        bc[2]: ("missing", a),
        bc[12]: ("on_loan", None),
        bc[3]: ("available", a),
        bc[4]: ("available", a),
        bc[5]: ("available", a),  # the forgotten loans are closed
        bc[6]: ("available", a),
        bc[7]: ("available", a),  # found
        bc[8]: ("available", a),  # its transfer ends here
        bc[9]: ("available", a),  # shelved
        bc[10]: ("on_loan", None),
        bc[11]: ("available", a),  # back home
        at_b[0]["barcode"]: ("in_transit", a),  # belongs at b: on its way home
        at_b[1]["barcode"]: ("in_transit", a),
        at_b[2]["barcode"]: ("available", b),
    }
    assert {bcode: await state(bcode) for bcode in expected} == expected
    open_loans = await Loan.select(Loan.copy).where(Loan.returned_at.is_null())
    assert sorted(r["copy"] for r in open_loans) == [at_a[10]["id"], at_a[12]["id"]]
    transit = await TransferItem.select(TransferItem.copy).where(TransferItem.received_at.is_null())
    assert sorted(r["copy"] for r in transit) == sorted([at_b[0]["id"], at_b[1]["id"]])
    await assert_lending_invariants()

    # Applying again changes nothing.
    events_after = await CopyEvent.count()
    assert events_after > events_before
    again = (await client.post(f"{base}/apply", json={"confirm": True}, headers=staff)).json()
    assert again["applied_at"] == applied["applied_at"] and again["report"] == report
    assert await CopyEvent.count() == events_after
    assert {bcode: await state(bcode) for bcode in expected} == expected
    # Kept as history.
    row = (
        await Stocktake.select(Stocktake.finished_at, Stocktake.applied_at)
        .where(Stocktake.id == stocktake["id"])
        .first()
    )
    assert row is not None and row["finished_at"] and row["applied_at"]
    got = (await client.get(base, headers=staff)).json()
    assert got["report"] == report and got["scanned"] == 12


async def test_stocktake_rules_of_access_and_order(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    staff, a = lib["librarian"], lib["a"]
    (fam,) = await quick_families(1)
    r = await client.post(f"/api/v1/spaces/{a}/stocktakes", headers=fam["headers"])
    assert r.status_code == 403
    stocktake = (await client.post(f"/api/v1/spaces/{a}/stocktakes", headers=staff)).json()
    base = f"/api/v1/spaces/{a}/stocktakes/{stocktake['id']}"
    r = await client.post(f"{base}/apply", json={"confirm": True}, headers=staff)
    assert code(r) == (409, "stocktake_closed")  # finish first, look at the report, then apply
    r = await client.post(f"/api/v1/spaces/{lib['b']}/stocktakes/{stocktake['id']}/finish", headers=staff)
    assert code(r) == (404, "stocktake_not_found")
    r = await client.post(f"{base}/scans", json={"barcodes": []}, headers=staff)
    assert code(r) == (400, "invalid_input")
    report = (await client.post(f"{base}/finish", headers=staff)).json()["report"]
    assert sorted(e["barcode"] for e in report["missing"]) == sorted(c["barcode"] for c in lib["copies"])
    assert report["unexpected"] == report["inconsistent"] == report["unknown_barcodes"] == []
    rows: list[dict[str, Any]] = await Copy.select(Copy.status)
    assert {r["status"] for r in rows} == {"available"}  # finishing alone changes nothing
