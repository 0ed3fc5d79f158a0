"""The spaces domain's notices are stored as kinds and parameters, so the English interface
shows them in English (issue 16, item 6) and the Chinese one as before."""

from __future__ import annotations

from typing import Any

import httpx

from app.kernel.tables import OutboxMessage
from app.notify.delivery import deliver_pending
from tests.helpers import FrozenClock
from tests.spaces.conftest import book, local, make_slot


async def _inbox(
    client: httpx.AsyncClient, fam: dict[str, Any], language: str, clock: FrozenClock
) -> list[dict[str, Any]]:
    await deliver_pending(clock=clock)
    r = await client.get("/api/v1/notifications", headers={**fam["headers"], "Accept-Language": language})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def test_a_booking_confirmation_reads_in_the_readers_language(
    client: httpx.AsyncClient, clock: FrozenClock, space: dict[str, Any], family: dict[str, Any]
) -> None:
    slot = await make_slot(client, space, clock, starts_at=local(2026, 11, 30, 10, 30), title="秋天的树叶")
    assert (await book(client, slot["id"], family, children=2)).status_code == 201
    row = (
        await OutboxMessage.select(OutboxMessage.params)
        .where(OutboxMessage.kind == "booking_confirmed")
        .output(load_json=True)
        .first()
    )
    assert row is not None and row["params"]["title"] == "秋天的树叶" and row["params"]["people"] == 3
    [zh] = [n for n in await _inbox(client, family, "zh-CN", clock) if n["kind"] == "booking_confirmed"]
    assert zh["title"] == "预约成功：秋天的树叶"
    assert zh["body"] == "11月30日 10:30「秋天的树叶」，共 3 人。请在开始前后到场扫码签到。"
    [en] = [n for n in await _inbox(client, family, "en", clock) if n["kind"] == "booking_confirmed"]
    assert en["title"] == "Booked: 秋天的树叶"
    assert en["body"].startswith("30 Nov 10:30 “秋天的树叶”, 3 people.")


async def test_a_closure_says_which_space_closed_and_why(
    client: httpx.AsyncClient, clock: FrozenClock, space: dict[str, Any], family: dict[str, Any]
) -> None:
    slot = await make_slot(client, space, clock, starts_at=local(2026, 12, 2, 10, 0))
    assert (await book(client, slot["id"], family)).status_code == 201
    body = {"first_day": "2026-12-02", "last_day": "2026-12-02", "reason": "设备检修"}
    r = await client.post(f"/api/v1/spaces/{space['id']}/closures", json=body, headers=space["admin"])
    assert r.status_code == 201, r.text
    [en] = [n for n in await _inbox(client, family, "en", clock) if n["kind"] == "slot_closed"]
    assert en["title"] == "Space closed, cancelled: 绘本＋安全教育"
    assert en["body"].startswith(f"{space['name']} is closed at 02 Dec 10:00 (设备检修)")
