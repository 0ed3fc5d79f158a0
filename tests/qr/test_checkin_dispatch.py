"""One check-in dispatch (`qr.checkin`): a check-in, its scan-log row and its nonce's answer
commit together or not at all; the log says where each scan happened, refused ones too; a
missing corner is `corner_not_found`; pages answer a refusal with the API's status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.kernel.tables import IdempotencyRecord
from qr import scanlog
from qr.services import tokens
from qr.tables import Scan
from qr.tokens import Purpose
from spaces.services import checkin_steps
from spaces.tables import CheckIn, Slot
from tests.helpers import FrozenClock, next_phone, register_family
from tests.qr.conftest import add_corner
from tests.web.forms import csrf_token, log_in, register_in_browser, submit

SAT_1030 = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)  # Saturday 10:30 in Beijing; open 09:00-17:00


async def check_in(client: httpx.AsyncClient, headers: dict[str, str], token: str, **body: Any) -> httpx.Response:
    return await client.post("/api/v1/check-ins", json={"token": token, **body}, headers=headers)


async def open_space(client: httpx.AsyncClient, space: dict[str, Any]) -> int:
    """Today's open-reading slots of `space` (as the generator makes them), and a corner."""
    r = await client.post(f"/api/v1/spaces/{space['id']}/slots/generate", json={"days": 2}, headers=space["admin"])
    assert r.status_code == 200, r.text
    return await add_corner(client, space)


async def test_a_check_in_whose_log_row_fails_leaves_nothing(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The transaction fails once the scan-log row is written (on SQLite its own insert after
    the check-in's; on PostgreSQL the one statement that writes them all): nothing of it stays
    (no check-in, no places taken, no nonce answer), and the same nonce then checks in afresh."""
    clock.set(SAT_1030)
    corner_id = await open_space(client, space)
    token = await tokens.issue(Purpose.corner, corner_id, now=clock.now())
    fam = await register_family(client)
    real_record, real_visit = scanlog.record, checkin_steps.visit

    async def failing(*args: Any, **kwargs: Any) -> None:
        await real_record(*args, **kwargs)  # the row is written, then the transaction fails
        raise RuntimeError("the scan log is full")

    async def failing_visit(*args: Any, **kwargs: Any) -> bool:
        assert await real_visit(*args, **kwargs)  # every row is written, then the transaction fails
        raise RuntimeError("the scan log is full")

    monkeypatch.setattr(scanlog, "record", failing)
    monkeypatch.setattr(checkin_steps, "visit", failing_visit)
    r = await check_in(client, fam["headers"], token, nonce="n1")
    assert r.status_code == 500
    monkeypatch.undo()
    assert await CheckIn.count() == 0
    assert await Scan.count() == 0, "the log row went with the check-in it logged"
    assert await IdempotencyRecord.count() == 0
    assert all(r["remaining"] == r["capacity"] for r in await Slot.select(Slot.capacity, Slot.remaining))

    r = await check_in(client, fam["headers"], token, nonce="n1")
    assert r.status_code == 201 and r.json()["duplicate"] is False, r.text
    assert await CheckIn.count() == 1 and await Scan.count() == 1


async def test_the_log_says_where_each_scan_happened(
    client: httpx.AsyncClient, space: dict[str, Any], lib: dict[str, str], clock: FrozenClock
) -> None:
    """A check-in's row names its space, corner and family; a refused scan its space and its
    reason; a retry answered from the first says so; a staff scan of a booking names its space
    and family (no corner)."""
    clock.set(SAT_1030)
    corner_id = await open_space(client, space)
    token = await tokens.issue(Purpose.corner, corner_id, now=clock.now())
    fam = await register_family(client)
    family_id = fam["family"]["id"]

    r = await check_in(client, fam["headers"], token, nonce="a")
    assert r.status_code == 201, r.text
    assert (await check_in(client, fam["headers"], token, nonce="a")).status_code == 201  # a retry
    assert (await check_in(client, fam["headers"], token, nonce="b")).status_code == 200  # a repeat
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # 20:00, closed
    other = await register_family(client)
    r = await check_in(client, other["headers"], token, nonce="c")
    assert r.status_code == 409 and r.json()["code"] == "outside_opening_hours"

    rows = await Scan.select().order_by(Scan.id)
    where = [(s["outcome"], s["space_id"], s["corner_id"], s["family_id"]) for s in rows]
    assert where == [
        ("checked_in", space["id"], corner_id, family_id),
        ("replayed", space["id"], corner_id, family_id),
        ("duplicate", space["id"], corner_id, family_id),
        ("outside_opening_hours", space["id"], corner_id, other["family"]["id"]),
    ]

    # The nonce's answer lives in the one idempotency helper, for that user and that corner.
    records = await IdempotencyRecord.select(
        IdempotencyRecord.owner, IdempotencyRecord.key, IdempotencyRecord.fingerprint
    )
    assert [(r["key"], r["fingerprint"]) for r in records] == [("check-in:a", f"corner:{corner_id}")]
    assert records[0]["owner"].startswith("user:")


@asynccontextmanager
async def browser(app: Any, login: str, password: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser (cookie jar) on the same app, logged in."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as opened:
        assert (await log_in(opened, login, password)).status_code in (302, 303)
        yield opened


async def test_a_missing_corner_is_corner_not_found(
    client: httpx.AsyncClient, app: Any, space: dict[str, Any], lib: dict[str, str], clock: FrozenClock
) -> None:
    """A genuine code of a corner that is no more: the API, the `/q/` page and the live screen
    all say it is the corner that was not found (not a booking)."""
    clock.set(SAT_1030)
    gone = 987654
    token = await tokens.issue(Purpose.corner, gone, now=clock.now())
    fam = await register_family(client)
    r = await check_in(client, fam["headers"], token, nonce="x")
    assert r.status_code == 404 and r.json()["code"] == "corner_not_found", r.text
    scan = await Scan.select().first()
    assert scan is not None and (scan["outcome"], scan["subject"], scan["space_id"]) == (
        "corner_not_found",
        str(gone),
        None,
    )

    async with browser(app, fam["phone"], fam["password"]) as phone:
        page = await phone.get(f"/q/{token}")
    assert page.status_code == 404 and "没有找到这个阅读角" in page.text and "没有找到这个预约" not in page.text
    async with browser(app, "qrlib", "staff-pass-1") as staff:
        page = await staff.get(f"/staff/live/{gone}")
    assert page.status_code == 404 and "没有找到这个阅读角" in page.text and "没有找到这个预约" not in page.text


async def test_pages_answer_a_revoked_code_as_the_api_does(
    client: httpx.AsyncClient, app: Any, space: dict[str, Any], lib: dict[str, str], clock: FrozenClock
) -> None:
    """410 from the API, from opening the code, from posting its check-in form, and the staff
    scan page says `token_revoked`; a closed space is 409 on the form as in the API."""
    clock.set(SAT_1030)
    corner_id = await open_space(client, space)
    old = await tokens.issue(Purpose.corner, corner_id, now=clock.now())
    await tokens.revoke(Purpose.corner, corner_id, now=clock.now())
    fam = await register_family(client)
    api = await check_in(client, fam["headers"], old, nonce="r1")
    assert api.status_code == 410 and api.json()["code"] == "token_revoked"

    phone = next_phone()
    await register_in_browser(client, phone)
    opened = await client.get(f"/q/{old}")
    assert opened.status_code == api.status_code and "二维码已作废" in opened.text
    posted = await submit(client, f"/q/{old}", {"nonce": "r2"}, page="/")
    assert posted.status_code == api.status_code and "二维码已作废" in posted.text

    current = await tokens.issue(Purpose.corner, corner_id, now=clock.now())
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # 20:00
    api = await check_in(client, fam["headers"], current, nonce="r3")
    posted = await submit(client, f"/q/{current}", {"nonce": "r4"}, page="/")
    assert api.status_code == posted.status_code == 409 and "现在不在开放时间内" in posted.text

    async with browser(app, "qrlib", "staff-pass-1") as staff:
        csrf = await csrf_token(staff, "/staff/scan")
        booking_code = await tokens.issue(Purpose.booking, 1, now=clock.now())
        await tokens.revoke(Purpose.booking, 1, now=clock.now())
        r = await staff.post(
            "/staff/scan/check-in", json={"token": booking_code, "nonce": "s1"}, headers={"x-csrftoken": csrf}
        )
        assert r.status_code == 200 and r.json()["ok"] is False and r.json()["code"] == "token_revoked"
