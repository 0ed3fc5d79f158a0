"""Helpers of the reading-programme tests: lead readers through the real API, a training
attended, volunteers, slots with check-ins, books."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import zxingcpp
from PIL import Image
from stdnum import ean

from reading.programme.rules import TRAINING_THEME
from tests.helpers import FrozenClock, register_family, staff_headers
from tests.spaces.conftest import make_slot
from tests.web.forms import log_in


def space_of(library: dict[str, Any], key: str = "a") -> dict[str, Any]:
    """The shape `make_slot` wants: the space id and a district admin's headers."""
    return {"id": library[key], "admin": library["admin"]}


def qr_text(png: bytes) -> str:
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert decoded, "no QR code found in the image"
    return str(decoded[0].text)


async def apply(client: httpx.AsyncClient, fam: dict[str, Any], space_ids: list[int]) -> httpx.Response:
    return await client.post(
        "/api/v1/lead-readers/applications",
        json={"motivation": "喜欢给孩子们讲故事", "availability": "周六上午", "preferred_space_ids": space_ids},
        headers=fam["headers"],
    )


async def decide(
    client: httpx.AsyncClient, application_id: int, headers: dict[str, str], *, approve: bool = True, note: str = ""
) -> httpx.Response:
    return await client.post(
        f"/api/v1/lead-readers/applications/{application_id}/decision",
        json={"approve": approve, "note": note},
        headers=headers,
    )


async def make_lead_reader(
    client: httpx.AsyncClient, library: dict[str, Any], fam: dict[str, Any] | None = None, space: str = "a"
) -> dict[str, Any]:
    """A family whose application (preferring `space`) a librarian approved: a trainee."""
    fam = fam or await register_family(client)
    r = await apply(client, fam, [library[space]])
    assert r.status_code == 201, r.text
    application = r.json()["id"]
    r = await decide(client, application, library["librarian"])
    assert r.status_code == 200, r.text
    return {**fam, "application_id": application, "lead_id": r.json()["lead_reader_id"]}


async def set_status(client: httpx.AsyncClient, lead_id: int, status: str, headers: dict[str, str]) -> httpx.Response:
    return await client.post(f"/api/v1/lead-readers/{lead_id}/status", json={"status": status}, headers=headers)


async def attend_training(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, fam: dict[str, Any]
) -> int:
    """The family books a "lead-reader training" activity and staff mark it attended."""
    slot = await make_slot(client, space_of(library), clock, title="领读人培训", theme=TRAINING_THEME)
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings",
        json={"child_ids": [fam["family"]["children"][0]["id"]], "adults": 1},
        headers=fam["headers"],
    )
    assert r.status_code == 201, r.text
    booking = r.json()["id"]
    r = await client.post(f"/api/v1/bookings/{booking}/attendance", headers=library["librarian"])
    assert r.status_code == 200 and r.json()["status"] == "attended", r.text
    return int(booking)


async def volunteer(client: httpx.AsyncClient, login: str, space_ids: tuple[int, ...]) -> dict[str, str]:
    return await staff_headers(client, login, roles=("volunteer",), spaces=space_ids)


def isbn13(n: int) -> str:
    stem = f"978754481{n:03d}"
    return stem + ean.calc_check_digit(stem)


async def make_books(client: httpx.AsyncClient, headers: dict[str, str], count: int, start: int = 0) -> list[int]:
    ids = []
    for i in range(start, start + count):
        r = await client.post("/api/v1/books", json={"isbn": isbn13(i), "title": f"共读绘本{i}"}, headers=headers)
        assert r.status_code == 201, r.text
        ids.append(int(r.json()["id"]))
    return ids


def session_body(space_id: int, clock: FrozenClock, **overrides: Any) -> dict[str, Any]:
    return {
        "space_id": space_id,
        "started_at": (clock.now() - timedelta(hours=1)).isoformat(),
        "minutes": 45,
        "adults": 4,
        "children": 6,
        **overrides,
    }


def problem(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, str(r.json().get("code"))


@asynccontextmanager
async def browser(
    app: Any, login: str | None = None, password: str = "staff-pass-1"
) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser on the same app (its own cookies), logged in through the login form."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        if login is not None:
            r = await log_in(c, login, password)
            assert r.status_code in (302, 303), r.text
        yield c


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


async def corner_token(client: httpx.AsyncClient, headers: dict[str, str], space_id: int) -> str:
    """A reading corner's token, read from its printed QR code."""
    r = await client.post(f"/api/v1/spaces/{space_id}/corners", json={"name": "绘本角"}, headers=headers)
    assert r.status_code == 201, r.text
    png = await client.get(f"/api/v1/spaces/{space_id}/corners/{r.json()['id']}/qr.png", headers=headers)
    assert png.status_code == 200
    return qr_text(png.content).rsplit("/q/", 1)[1]
