"""A stocktake warns at the scan (issue 15, item 16): a copy found on this shelf that the
records put elsewhere (on loan from another space, on another shelf, missing, in transit) is
not a green good scan but a warning saying why, there and then; the page's recent scans say
the same; a copy that belongs here is a good scan."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import FrozenClock, register_family
from tests.reading.lending.test_lending_pages import Browsers, browsers, librarian_browser, scan  # noqa: F401
from tests.web.forms import submit


async def test_a_stocktake_scan_warns_about_a_copy_that_should_not_be_on_this_shelf(
    client: httpx.AsyncClient,
    browsers: Browsers,  # noqa: F811
    library: dict[str, Any],
    clock: FrozenClock,
) -> None:
    lib = library["librarian"]
    here, there = library["a"], library["b"]
    fits, missing = library["copies"]
    r = await client.post(
        f"/api/v1/books/{library['book']['id']}/copies", json={"space_id": there, "count": 3}, headers=lib
    )
    lent_there, on_their_shelf, travelling = r.json()["items"]
    fam = await register_family(client)
    r = await client.post(
        "/api/v1/loans",
        json={"barcode": lent_there["barcode"], "family_id": fam["family"]["id"], "space_id": there},
        headers=lib,
    )
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/v1/copies/{missing['barcode']}/status", json={"status": "missing"}, headers=lib)
    assert r.status_code == 200, r.text
    r = await client.post(
        "/api/v1/transfers",
        json={"from_space_id": there, "to_space_id": here, "barcodes": [travelling["barcode"]]},
        headers=lib,
    )
    assert r.status_code == 201, r.text

    staff = await librarian_browser(browsers)
    r = await submit(staff, "/staff/stocktakes", {"space_id": here}, page=f"/staff/stocktakes?space={here}")
    assert r.status_code == 303
    page = r.headers["location"]
    await staff.get(page)
    url = f"{page}/scans"

    r = await scan(staff, url, {"code": fits["barcode"], "nonce": "w-1"})
    assert r.json()["ok"] is True and r.json()["count"] == 1, r.json()

    r = await scan(staff, url, {"code": lent_there["barcode"], "nonce": "w-2"})
    answer = r.json()
    assert answer["ok"] is False, "a copy on loan from another space is not a good scan"
    assert "福祥十平米阅读空间借出" in answer["message"] and answer["count"] == 2
    assert answer["title"] == "猜猜我有多爱你" and answer["barcode"] == lent_there["barcode"]

    r = await scan(staff, url, {"code": on_their_shelf["barcode"], "nonce": "w-3"})
    assert r.json()["ok"] is False and "应在福祥十平米阅读空间" in r.json()["message"], r.json()
    r = await scan(staff, url, {"code": missing["barcode"], "nonce": "w-4"})
    assert r.json()["ok"] is False and "丢失" in r.json()["message"], r.json()
    r = await scan(staff, url, {"code": travelling["barcode"], "nonce": "w-5"})
    assert r.json()["ok"] is False and "调拨途中" in r.json()["message"] and r.json()["count"] == 5, r.json()

    # The page shows the same: one good scan, four warnings.
    r = await staff.get(page)
    recent = r.text[r.text.index('id="scan-results"') :].split("</ol>", 1)[0]
    assert recent.count('class="card good"') == 1 and recent.count('class="card bad"') == 4
