"""Fixtures for the spaces tests: a space, its staff, families, slots."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.helpers import FrozenClock, register_family, staff_headers


@pytest.fixture
async def space(client: httpx.AsyncClient) -> dict[str, Any]:
    admin = await staff_headers(client, "spaceadmin")
    body = {
        "name": "吉祥十平米阅读空间",
        "kind": "ten_square",
        "street": "景山",
        "address": "东城区景山街道吉祥社区",
        "capacity": 12,
        "opening_hours": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)],
    }
    r = await client.post("/api/v1/spaces", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return {**r.json(), "admin": admin}


@pytest.fixture
async def librarian(client: httpx.AsyncClient, space: dict[str, Any]) -> dict[str, str]:
    return await staff_headers(client, "lib1", roles=("librarian",), spaces=(space["id"],))


async def make_slot(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock, **overrides: Any
) -> dict[str, Any]:
    starts = overrides.pop("starts_at", clock.now() + timedelta(days=2))
    if isinstance(starts, datetime):
        starts = starts.isoformat()
    ends = overrides.pop("ends_at", (datetime.fromisoformat(starts) + timedelta(hours=1)).isoformat())
    body = {
        "kind": "activity",
        "title": "绘本＋安全教育",
        "theme": "safety",
        "starts_at": starts,
        "ends_at": ends,
        "capacity": 10,
        "waitlist": False,
        **overrides,
    }
    r = await client.post(f"/api/v1/spaces/{space['id']}/slots", json=body, headers=space["admin"])
    assert r.status_code == 201, r.text
    return dict(r.json()["items"][0])


@pytest.fixture
async def family(client: httpx.AsyncClient) -> dict[str, Any]:
    return await register_family(client)
