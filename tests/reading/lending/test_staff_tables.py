"""The staff's tables and their bulk actions (issue 15, item 12), over ASGI as a browser posts
them: tick copies and change their status or print their labels; tick copies to pull for
waiting families; the desk's history of loans and returns. One refused copy does not stop
the others, and the page says which and why."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pypdfium2
import zxingcpp

from tests.helpers import register_family
from tests.reading.lending.test_lending_pages import (  # noqa: F401
    Browsers,
    browsers,
    copy_status,
    librarian_browser,
)
from tests.reading.support import add_book, add_copies, lend
from tests.web.forms import submit


def code128s(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        found = []
        for index in range(len(document)):
            image = document[index].render(scale=200 / 72).to_pil()
            found += [b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)]
        return sorted(found)
    finally:
        document.close()


async def test_tick_copies_to_change_their_status_or_print_their_labels(
    client: httpx.AsyncClient,
    browsers: Browsers,  # noqa: F811
    library: dict[str, Any],
) -> None:
    lib, book = library["librarian"], library["book"]
    there = await add_copies(client, lib, book["id"], library["b"], 2)
    copies = library["copies"] + there
    fam = await register_family(client)
    assert (await lend(client, lib, copies[3]["barcode"], fam["family"]["id"])).status_code == 201
    staff = await librarian_browser(browsers)
    page = f"/staff/books/{book['id']}/copies"
    r = await staff.get(page)
    assert r.status_code == 200 and '<table class="data copies"' in r.text and 'class="wide"' in r.text
    assert r.text.count('name="copy_id"') == 4 and "打印所选的标签" in r.text

    ids = [str(c["id"]) for c in copies]
    r = await submit(
        staff, "/staff/copies/status", {"book_id": book["id"], "copy_id": ids[:2], "status": "damaged"}, page=page
    )
    assert r.status_code == 303 and "note=status" in r.headers["location"], r.text
    assert [await copy_status(client, library, c["barcode"]) for c in copies[:2]] == ["damaged", "damaged"]

    # One on loan among them: the others are done, the page names the one that was not.
    r = await submit(
        staff, "/staff/copies/status", {"book_id": book["id"], "copy_id": ids[1:], "status": "withdrawn"}, page=page
    )
    assert r.status_code == 200 and "已更新 2 册；下面这些没有改" in r.text
    refused = r.text.split("下面这些没有改", 1)[1].split("</ul>", 1)[0]
    assert copies[3]["barcode"] in refused and copies[2]["barcode"] not in refused
    assert await copy_status(client, library, copies[2]["barcode"]) == "withdrawn"
    assert await copy_status(client, library, copies[3]["barcode"]) == "on_loan"

    # Nothing ticked, or no status chosen: asked again, nothing changed.
    r = await submit(staff, "/staff/copies/status", {"book_id": book["id"], "status": "missing"}, page=page)
    assert r.status_code == 400 and "请先勾选要处理的册" in r.text
    r = await submit(
        staff, "/staff/copies/status", {"book_id": book["id"], "copy_id": ids[:1], "status": ""}, page=page
    )
    assert r.status_code == 400 and "请选择状态" in r.text

    # The ticked copies' labels, from two spaces at once.
    r = await submit(staff, "/staff/copies/labels.pdf", {"copy_id": [ids[0], ids[2], ids[3]]}, page=page)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert code128s(r.content) == sorted(copies[i]["barcode"] for i in (0, 2, 3))
    r = await submit(staff, "/staff/copies/labels.pdf", {}, page=page)
    assert r.status_code == 400


async def test_tick_copies_to_pull_for_waiting_families(
    client: httpx.AsyncClient,
    browsers: Browsers,  # noqa: F811
    library: dict[str, Any],
) -> None:
    lib, a, b = library["librarian"], library["a"], library["b"]
    other = await add_book(client, lib, "9787533259662", "好饿的毛毛虫", age_band="0-3")
    other_copy = (await add_copies(client, lib, other["id"], a, 1))[0]
    fam, far = await register_family(client), await register_family(client)
    for book_id, who, pickup in ((library["book"]["id"], fam, b), (other["id"], far, b)):
        r = await client.post(
            f"/api/v1/books/{book_id}/holds", json={"pickup_space_id": pickup}, headers=who["headers"]
        )
        assert r.status_code == 201, r.text
    staff = await librarian_browser(browsers)
    page = f"/staff/holds?space={a}"
    r = await staff.get(page)
    assert "要从书架取下的书（2）" in r.text, re.findall(r"要从书架取下的书（\d+）", r.text)
    assert '<table class="data pull"' in r.text
    ticked = re.findall(r'type="checkbox" name="copy_id" value="(\d+)"', r.text)
    assert len(ticked) == 2 and str(other_copy["id"]) in ticked
    r = await submit(staff, "/staff/holds/pull", {"space_id": a, "copy_id": ticked}, page=page)
    assert r.status_code == 303 and "note=pulled" in r.headers["location"] and "done=2" in r.headers["location"]
    assert await copy_status(client, library, other_copy["barcode"]) == "in_transit"
    r = await staff.get(r.headers["location"])
    assert "要从书架取下的书（0）" in r.text and "放入调拨箱" in r.text
    # Pulled already: a second try is refused in plain words.
    r = await submit(staff, "/staff/holds/pull", {"space_id": a, "only": ticked[0]}, page=page)
    assert r.status_code == 404 and "这一册已不在这个空间的书架上" in r.text


async def test_the_desk_history_lists_loans_and_returns_at_the_space(
    client: httpx.AsyncClient,
    browsers: Browsers,  # noqa: F811
    library: dict[str, Any],
) -> None:
    lib, a, b = library["librarian"], library["a"], library["b"]
    first, second = library["copies"]
    fam = await register_family(client)
    for copy in (first, second):
        r = await client.post(
            "/api/v1/loans",
            json={"barcode": copy["barcode"], "family_id": fam["family"]["id"], "space_id": a},
            headers=lib,
        )
        assert r.status_code == 201, r.text
    r = await client.post("/api/v1/returns", json={"barcode": first["barcode"], "space_id": b}, headers=lib)
    assert r.status_code == 200, r.text
    staff = await librarian_browser(browsers)
    r = await staff.get("/staff/desk", params={"space": a})
    assert f'href="/staff/desk/history?space={a}"' in r.text
    r = await staff.get("/staff/desk/history", params={"space": a})
    assert r.status_code == 200 and '<table class="data history"' in r.text
    rows = r.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.count("<tr>") == 2 and rows.count(">借出<") == 2 and "王妈妈" in rows
    assert first["barcode"] in rows and second["barcode"] in rows
    r = await staff.get("/staff/desk/history", params={"space": b})
    rows = r.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.count("<tr>") == 1 and ">归还<" in rows and first["barcode"] in rows
