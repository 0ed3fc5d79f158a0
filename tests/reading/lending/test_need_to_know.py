"""Staff see families only where they need to (issue 13, item 7 and "need to know"), and every
look is in the access log that district admins read and the family finds in its export."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.helpers import register_family, staff_headers
from tests.reading.lending.test_lending_pages import check_in
from tests.reading.support import give_back, lend
from tests.web.forms import log_in


async def other_volunteer(client: httpx.AsyncClient, library: dict[str, Any]) -> dict[str, str]:
    """A volunteer of a third space, with nothing to do with the family or the copies."""
    admin = library["admin"]
    r = await client.post(
        "/api/v1/spaces",
        json={
            "name": "天坛十平米阅读",
            "kind": "ten_square",
            "street": "天坛",
            "address": "天坛东里 3 号",
            "capacity": 10,
            "opening_hours": [{"weekday": 6, "opens": "09:00", "closes": "17:00"}],
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    return await staff_headers(client, "far-away", roles=("volunteer",), spaces=(int(r.json()["id"]),))


async def test_a_phone_finds_a_family_only_for_staff_of_its_spaces(
    client: httpx.AsyncClient, library: dict[str, Any], clock: Any
) -> None:
    fam = await register_family(client)
    far = await other_volunteer(client, library)
    lookup = {"phone": fam["phone"]}
    # Before the family came to any space: its own librarian does not find it either.
    assert (await client.get("/api/v1/families/lookup", params=lookup, headers=library["librarian"])).status_code == 404
    await check_in(client, library, fam, "a", clock)
    r = await client.get("/api/v1/families/lookup", params=lookup, headers=library["librarian"])
    assert r.status_code == 200, r.text
    assert r.json()["family_id"] == fam["family"]["id"]
    # A volunteer elsewhere: "not found", exactly like a number nobody registered.
    r = await client.get("/api/v1/families/lookup", params=lookup, headers=far)
    unknown = await client.get("/api/v1/families/lookup", params={"phone": "13999999999"}, headers=far)
    assert (
        (r.status_code, r.json()["code"]) == (unknown.status_code, unknown.json()["code"]) == (404, "family_not_found")
    )
    # A district admin finds any family; the look is recorded.
    assert (await client.get("/api/v1/families/lookup", params=lookup, headers=library["admin"])).status_code == 200


async def test_the_desk_cannot_open_any_family_by_its_id(
    client: httpx.AsyncClient, library: dict[str, Any], app: Any
) -> None:
    fam = await register_family(client)
    await other_volunteer(client, library)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as far:
        r = await log_in(far, "far-away", "staff-pass-1")
        assert r.status_code in (302, 303), r.text
        r = await far.get("/staff/desk", params={"family": fam["family"]["id"]})
        assert r.status_code == 404
        assert "王妈妈" not in r.text and fam["phone"][-4:] not in r.text
        scan = await far.post(
            "/staff/desk/lend",
            json={"family_id": fam["family"]["id"], "code": library["copies"][0]["barcode"], "nonce": "n-1"},
            headers={"x-csrftoken": far.cookies.get("csrftoken") or "", "Accept": "application/json"},
        )
        assert scan.json()["ok"] is False
    r = await client.get(f"/api/v1/copies/{library['copies'][0]['barcode']}", headers=library["librarian"])
    assert r.json()["copy"]["status"] == "available"


async def test_a_copys_borrowers_are_shown_to_its_own_staff_only(
    client: httpx.AsyncClient, library: dict[str, Any], clock: Any
) -> None:
    fam = await register_family(client)
    copy = library["copies"][0]
    assert (await lend(client, library["librarian"], copy["barcode"], fam["family"]["id"])).status_code == 201
    assert (await give_back(client, library["librarian"], copy["barcode"], library["a"])).status_code == 200
    far = await other_volunteer(client, library)

    def families_in(detail: dict[str, Any]) -> set[int]:
        said = [json.loads(e["detail"]) if isinstance(e["detail"], str) else e["detail"] for e in detail["history"]]
        return {d["family"] for d in said if isinstance(d, dict) and "family" in d}

    own = (await client.get(f"/api/v1/copies/{copy['barcode']}", headers=library["librarian"])).json()
    other = (await client.get(f"/api/v1/copies/{copy['barcode']}", headers=far)).json()
    assert families_in(own) == {fam["family"]["id"]}
    assert families_in(other) == set()
    assert [e["kind"] for e in other["history"]] == [e["kind"] for e in own["history"]]  # the rest is the same


async def test_a_transfer_is_seen_by_the_staff_of_its_spaces_only(
    client: httpx.AsyncClient, library: dict[str, Any]
) -> None:
    copy = library["copies"][0]
    r = await client.post(
        "/api/v1/transfers",
        json={"from_space_id": library["a"], "to_space_id": library["b"], "barcodes": [copy["barcode"]]},
        headers=library["librarian"],
    )
    assert r.status_code == 201, r.text
    far = await other_volunteer(client, library)
    path = f"/api/v1/transfers/{r.json()['id']}"
    assert (await client.get(path, headers=library["librarian"])).status_code == 200
    r = await client.get(path, headers=far)
    assert (r.status_code, r.json()["code"]) == (404, "transfer_not_found")


async def test_every_look_is_in_the_access_log_and_the_familys_export(
    client: httpx.AsyncClient, library: dict[str, Any], clock: Any
) -> None:
    fam = await register_family(client)
    await check_in(client, library, fam, "a", clock)
    for headers in (library["librarian"], library["admin"]):
        assert (
            await client.get("/api/v1/families/lookup", params={"phone": fam["phone"]}, headers=headers)
        ).status_code == 200
    log = await client.get("/api/v1/audit/access", params={"family_id": fam["family"]["id"]}, headers=library["admin"])
    assert log.status_code == 200, log.text
    entries = log.json()["items"]
    assert [e["what"] for e in entries] == ["lookup", "lookup"]
    assert {e["family_id"] for e in entries} == {fam["family"]["id"]}
    # Staff other than district admins may not read the log.
    assert (await client.get("/api/v1/audit/access", headers=library["librarian"])).status_code == 403
    export = (await client.get("/api/v1/families/me/export", headers=fam["headers"])).json()
    assert len(export["staff_access"]) == 2
    assert {e["what"] for e in export["staff_access"]} == {"lookup"}
