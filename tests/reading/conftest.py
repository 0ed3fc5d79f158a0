"""Fixtures for the reading tests: two spaces with a librarian, a book with copies."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.helpers import staff_headers


async def make_space(client: httpx.AsyncClient, admin: dict[str, str], name: str, street: str) -> int:
    body = {
        "name": name,
        "kind": "ten_square",
        "street": street,
        "address": f"东城区{street}街道",
        "capacity": 12,
        "opening_hours": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)],
    }
    r = await client.post("/api/v1/spaces", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


@pytest.fixture
async def library(client: httpx.AsyncClient) -> dict[str, Any]:
    admin = await staff_headers(client, "readadmin")
    a = await make_space(client, admin, "吉祥十平米阅读空间", "景山")
    b = await make_space(client, admin, "福祥十平米阅读空间", "交道口")
    librarian = await staff_headers(client, "libr", roles=("librarian",), spaces=(a, b))
    r = await client.post(
        "/api/v1/books",
        json={"isbn": "7544717445", "title": "猜猜我有多爱你", "authors": "山姆·麦克布雷尼", "age_band": "3-6"},
        headers=librarian,
    )
    assert r.status_code == 201, r.text
    book = r.json()
    r = await client.post(f"/api/v1/books/{book['id']}/copies", json={"space_id": a, "count": 2}, headers=librarian)
    assert r.status_code == 201, r.text
    return {"admin": admin, "librarian": librarian, "a": a, "b": b, "book": book, "copies": r.json()["items"]}
