"""Lead readers, sessions, hours, the reading log and certificates: the core paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import zxingcpp
from PIL import Image
from stdnum import ean

from tests.helpers import FrozenClock, register_family, staff_headers


async def test_apply_decide_lead_and_certificate(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock
) -> None:
    fam = await register_family(client)
    r = await client.post(
        "/api/v1/lead-readers/applications",
        json={"motivation": "喜欢给孩子们讲故事", "preferred_space_ids": [library["a"]]},
        headers=fam["headers"],
    )
    assert r.status_code == 201 and r.json()["status"] == "applied"
    application = r.json()["id"]
    outsider = await staff_headers(client, "lib_other", roles=("librarian",), spaces=())
    r = await client.post(
        f"/api/v1/lead-readers/applications/{application}/decision", json={"approve": True}, headers=outsider
    )
    assert r.status_code == 403
    r = await client.post(
        f"/api/v1/lead-readers/applications/{application}/decision",
        json={"approve": True},
        headers=library["librarian"],
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    lead_id = r.json()["lead_reader_id"]
    r = await client.post(
        f"/api/v1/lead-readers/applications/{application}/decision",
        json={"approve": False},
        headers=library["librarian"],
    )
    assert r.status_code == 409 and r.json()["code"] == "already_decided"
    volunteer = await staff_headers(client, "vol1", roles=("volunteer",), spaces=(library["a"],))
    started = clock.now() - timedelta(hours=2)
    body = {
        "space_id": library["a"],
        "started_at": started.isoformat(),
        "minutes": 45,
        "adults": 6,
        "children": 8,
        "lead_reader_ids": [lead_id],
        "isbns": ["9787544717441", "9787533259662"],
        "client_key": "form-123456",
    }
    r1 = await client.post("/api/v1/reading-sessions", json=body, headers=volunteer)
    r2 = await client.post("/api/v1/reading-sessions", json=body, headers=volunteer)
    assert r1.status_code == 201 and r2.status_code == 200 and r1.json()["id"] == r2.json()["id"]
    assert len(r1.json()["book_ids"]) == 2  # one known title, one unknown ISBN → a draft title
    lead = (await client.get(f"/api/v1/lead-readers/{lead_id}", headers=fam["headers"])).json()
    assert (lead["sessions_led"], lead["minutes_led"], lead["level"]) == (1, 45, "见习领读人")
    hours = (await client.get("/api/v1/volunteer-hours", headers=library["librarian"])).json()["items"]
    assert {h["minutes"] for h in hours} == {45}
    r = await client.get(f"/api/v1/lead-readers/{lead_id}/certificate.png", headers=fam["headers"])
    assert r.status_code == 200
    import io

    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(r.content)))
    assert decoded and decoded[0].text.startswith("http://testserver/q/")
    page = await client.get(decoded[0].text.removeprefix("http://testserver"))
    assert page.status_code == 200 and "王妈妈" in page.text and "有效" in page.text


async def test_reading_log_milestones(client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock) -> None:
    fam = await register_family(client)
    child = fam["family"]["children"][0]["id"]
    clock.set(datetime(2026, 11, 28, 4, 0, tzinfo=UTC))
    today = datetime(2026, 11, 28).date()
    books = []
    for i in range(10):
        stem = f"978754480{i:03d}"
        r = await client.post(
            "/api/v1/books",
            json={"isbn": stem + ean.calc_check_digit(stem), "title": f"绘本{i}"},
            headers=library["librarian"],
        )
        assert r.status_code == 201, r.text
        books.append(r.json()["id"])
    for i, book in enumerate(books):
        r = await client.post(
            "/api/v1/families/me/reading-log",
            json={"book_id": book, "child_ids": [child], "read_on": str(today - timedelta(days=i))},
            headers=fam["headers"],
        )
        assert r.status_code == 201, r.text
    log = (await client.get("/api/v1/families/me/reading-log", headers=fam["headers"])).json()
    assert log["books_read"] == len(books) == 10
    assert log["current_streak"] == 10
    assert [(m["kind"], m["value"]) for m in log["milestones"]] == [("books", 10)]
    assert [(m["kind"], m["value"]) for m in log["milestones"]] == [("books", 10)]
    other = await register_family(client)
    r = await client.post(
        "/api/v1/families/me/reading-log",
        json={"book_id": books[0], "child_ids": [other["family"]["children"][0]["id"]], "read_on": str(today)},
        headers=fam["headers"],
    )
    assert r.status_code == 404
