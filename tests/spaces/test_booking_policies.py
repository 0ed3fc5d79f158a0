"""The default cancellation deadline is a policy: new slots (activities, generated open
reading) take the value set then; slots made before keep theirs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from spaces.tables import Slot
from tests.helpers import FrozenClock
from tests.spaces.conftest import make_slot


async def test_new_slots_take_the_cancellation_deadline_policy(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    before = await make_slot(client, space, clock)
    starts = datetime.fromisoformat(before["starts_at"])
    assert datetime.fromisoformat(before["cancel_deadline"]) == starts - timedelta(hours=2)
    body = {"values": {"cancel_deadline_hours": 5}}
    r = await client.patch("/api/v1/policies", json=body, headers=space["admin"])
    assert r.status_code == 200, r.text
    after = await make_slot(client, space, clock, starts_at=clock.now() + timedelta(days=3))
    starts_after = datetime.fromisoformat(after["starts_at"])
    assert datetime.fromisoformat(after["cancel_deadline"]) == starts_after - timedelta(hours=5)
    r = await client.get(f"/api/v1/slots/{before['id']}")
    assert datetime.fromisoformat(r.json()["cancel_deadline"]) == starts - timedelta(hours=2)
    r = await client.post(f"/api/v1/spaces/{space['id']}/slots/generate", json={"days": 2}, headers=space["admin"])
    assert r.status_code in (200, 201), r.text
    generated = await Slot.select(Slot.starts_at, Slot.cancel_deadline).where(Slot.kind == "open_reading")
    assert generated and all(s["starts_at"] - s["cancel_deadline"] == timedelta(hours=5) for s in generated)
    r = await client.patch("/api/v1/policies", json={"values": {"cancel_deadline_hours": 100}}, headers=space["admin"])
    assert r.status_code == 400
