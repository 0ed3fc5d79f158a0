"""Catalogue, loans, returns and holds through the API (the core paths)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import register_family


async def test_isbn10_becomes_isbn13_and_search_finds_it(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    assert library["book"]["isbn"] == "9787544717441"
    for q in ("ccwydan", "7544717445", "978-7-5447-1744-1", "多爱"):
        r = await client.get("/api/v1/books", params={"q": q})
        assert r.status_code == 200
        assert [b["id"] for b in r.json()["items"]] == [library["book"]["id"]], q
    r = await client.post("/api/v1/books", json={"isbn": "7544717446", "title": "x"}, headers=library["librarian"])
    assert r.status_code == 400 and r.json()["code"] == "invalid_isbn"
    r = await client.post("/api/v1/books", json={"isbn": "9787544717441", "title": "x"}, headers=library["librarian"])
    assert r.status_code == 409 and r.json()["code"] == "isbn_exists"


async def test_lend_return_hold_route(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    lib = library["librarian"]
    fam, other = await register_family(client), await register_family(client)
    first, second = library["copies"]
    r = await client.post(
        "/api/v1/loans", json={"barcode": first["barcode"], "family_id": fam["family"]["id"]}, headers=lib
    )
    assert r.status_code == 201, r.text
    loan = r.json()
    r = await client.post(
        "/api/v1/loans", json={"barcode": first["barcode"], "family_id": other["family"]["id"]}, headers=lib
    )
    assert r.status_code == 409 and r.json()["code"] == "copy_unavailable"
    r = await client.post(
        f"/api/v1/books/{library['book']['id']}/holds", json={"pickup_space_id": library["b"]}, headers=other["headers"]
    )
    assert r.status_code == 201 and r.json()["position"] == 1
    r = await client.post(f"/api/v1/loans/{loan['id']}/renew", headers=fam["headers"])
    assert r.status_code == 409 and r.json()["code"] == "on_hold_for_other"
    r = await client.post("/api/v1/returns", json={"barcode": first["barcode"], "space_id": library["a"]}, headers=lib)
    assert r.status_code == 200, r.text
    assert r.json()["goes_to"] == "transit" and r.json()["destination_space_id"] == library["b"]
    r = await client.post(f"/api/v1/spaces/{library['b']}/receive", json={"barcodes": [first["barcode"]]}, headers=lib)
    assert r.status_code == 200 and r.json()["items"][0]["status"] == "on_hold_shelf"
    r = await client.post(
        "/api/v1/loans", json={"barcode": first["barcode"], "family_id": fam["family"]["id"]}, headers=lib
    )
    assert r.status_code == 409 and r.json()["code"] == "on_hold_for_other"
    r = await client.post(
        "/api/v1/loans", json={"barcode": first["barcode"], "family_id": other["family"]["id"]}, headers=lib
    )
    assert r.status_code == 201
    copy = (await client.get(f"/api/v1/copies/{second['barcode']}", headers=lib)).json()
    assert copy["copy"]["status"] == "available" and copy["history"][0]["kind"] == "added"


async def test_a_loan_to_an_unknown_family_is_404_and_the_copy_stays(
    client: httpx.AsyncClient, library: dict[str, Any]
) -> None:
    lib = library["librarian"]
    first, _ = library["copies"]
    r = await client.post("/api/v1/loans", json={"barcode": first["barcode"], "family_id": 999_999}, headers=lib)
    assert r.status_code == 404 and r.json()["code"] == "family_not_found", r.text
    copy = (await client.get(f"/api/v1/copies/{first['barcode']}", headers=lib)).json()
    assert copy["copy"]["status"] == "available" and copy["open_loan_id"] is None


async def test_stocktake_reports_planted_problems(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    lib = library["librarian"]
    first, second = library["copies"]
    r = await client.post(
        f"/api/v1/books/{library['book']['id']}/copies", json={"space_id": library["b"], "count": 1}, headers=lib
    )
    elsewhere = r.json()["items"][0]
    fam = await register_family(client)
    await client.post(
        "/api/v1/loans", json={"barcode": second["barcode"], "family_id": fam["family"]["id"]}, headers=lib
    )
    r = await client.post(f"/api/v1/spaces/{library['a']}/stocktakes", headers=lib)
    stocktake = r.json()
    base = f"/api/v1/spaces/{library['a']}/stocktakes/{stocktake['id']}"
    r = await client.post(
        f"{base}/scans", json={"barcodes": [second["barcode"], elsewhere["barcode"], "SC99999999"]}, headers=lib
    )
    assert r.status_code == 200 and r.json()["scanned"] == 3
    report = (await client.post(f"{base}/finish", headers=lib)).json()["report"]
    assert [e["barcode"] for e in report["missing"]] == [first["barcode"]]
    assert [e["barcode"] for e in report["unexpected"]] == [elsewhere["barcode"]]
    assert [e["barcode"] for e in report["inconsistent"]] == [second["barcode"]]
    assert report["unknown_barcodes"] == [{"barcode": "SC99999999"}]
    r = await client.post(f"{base}/apply", json={"confirm": True}, headers=lib)
    assert r.status_code == 200
    statuses = {
        c: (await client.get(f"/api/v1/copies/{c}", headers=lib)).json()["copy"]["status"]
        for c in (first["barcode"], second["barcode"], elsewhere["barcode"])
    }
    assert statuses[first["barcode"]] == "missing"
    assert statuses[second["barcode"]] == "available"
    assert statuses[elsewhere["barcode"]] == "in_transit"  # it belongs at space b: on its way home
