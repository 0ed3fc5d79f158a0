"""Few places left (issue 15, item 6), over ASGI on both engines: the slot page says how many
places are left before the family ticks anyone and pre-fills a party that fits (one place: one
child and no adult place), so a single remaining place can be booked; a party larger than the
places left is told so in numbers ("您这次一共 3 人……比剩下的 1 个位置多"), on the page and in
the API; a party waitlisted for want of places is told why and its position, and the space's
list says how many families wait beside the places left."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.helpers import FrozenClock
from tests.spaces.conftest import make_slot
from tests.spaces.test_booking_pages import Browsers, book, boxes, browsers, family_browser, friendly
from tests.web.forms import submit

__all__ = ["browsers"]  # the fixture, imported to be used here
TOO_MANY = "您这次一共 3 人（大人和孩子都算），比剩下的 1 个位置多"


def adults_chosen(html: str) -> int:
    match = re.search(r'<option value="(\d+)" selected>', html)
    assert match, html
    return int(match.group(1))


async def one_place_left(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock, *, waitlist: bool
) -> dict[str, Any]:
    """An activity of 3 places; another family takes 2 (an adult and a child)."""
    slot = await make_slot(client, space, clock, capacity=3, waitlist=waitlist)
    other = await family_browser(browsers)
    page = await other.get(f"/slots/{slot['id']}")
    first_child = boxes(page.text)[0][0]
    r = await book(other, slot["id"], child_id=[str(first_child)], adults="1")
    assert r.status_code == 303, r.text
    return slot


async def test_a_single_place_left_is_offered_and_booked(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await one_place_left(client, browsers, space, clock, waitlist=False)
    fam = await family_browser(browsers)  # two children
    page = await fam.get(f"/slots/{slot['id']}")
    assert "只剩 1 个位置（大人和孩子都算）" in page.text
    assert page.text.index("只剩 1 个位置") < page.text.index('name="child_id"'), "said before the ticks"
    assert [ticked for _, ticked in boxes(page.text)] == [True, False]
    assert adults_chosen(page.text) == 0

    # Both children and an adult: refused in numbers, the form kept.
    children = [str(c) for c, _ in boxes(page.text)]
    r = await submit(fam, f"/slots/{slot['id']}", {"child_id": children, "adults": "1"}, page=f"/slots/{slot['id']}")
    friendly(r, 409, TOO_MANY)
    assert "约满了" not in r.text
    assert [ticked for _, ticked in boxes(r.text)] == [True, True]

    # What the page pre-filled: one child, no adult place: booked.
    r = await submit(
        fam, f"/slots/{slot['id']}", {"child_id": children[:1], "adults": "0"}, page=f"/slots/{slot['id']}"
    )
    assert r.status_code == 303, r.text
    assert "note=confirmed" in r.headers["location"]
    r = await client.get(f"/api/v1/slots/{slot['id']}")
    assert r.json()["remaining"] == 0


async def test_the_api_says_the_party_and_the_places_left(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    from tests.helpers import register_family

    slot = await one_place_left(client, browsers, space, clock, waitlist=False)
    fam = await register_family(client)
    children = [c["id"] for c in fam["family"]["children"]]
    body = {"child_ids": children[:2], "adults": 1}
    r = await client.post(f"/api/v1/slots/{slot['id']}/bookings", json=body, headers=fam["headers"])
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "slot_full"
    assert TOO_MANY in problem["detail"]
    assert (problem["remaining"], problem["party"]) == (1, 3)
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings",
        json={"child_ids": children[:1], "adults": 0},
        headers=fam["headers"],
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "confirmed"


async def test_a_party_waitlisted_for_want_of_places_is_told_why_and_where(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    slot = await one_place_left(client, browsers, space, clock, waitlist=True)
    fam = await family_browser(browsers)
    page = await fam.get(f"/slots/{slot['id']}")
    assert "只剩 1 个位置（大人和孩子都算）。来的人比这多时会加入候补名单" in page.text
    assert [ticked for _, ticked in boxes(page.text)] == [True, True]  # the family chooses

    r = await book(fam, slot["id"], adults="1")
    assert r.status_code == 303, r.text
    mine = await fam.get(r.headers["location"])
    assert "剩下的位置不够您这次的人数，您已加入候补名单" in mine.text
    assert "这个时段已满" not in mine.text
    assert "候补第 1 位" in mine.text

    week = await fam.get(f"/spaces/{space['id']}")
    assert "剩 1 位 · 1 家候补" in week.text


async def test_the_party_and_places_in_english(
    client: httpx.AsyncClient, browsers: Browsers, space: dict[str, Any], clock: FrozenClock
) -> None:
    from tests.helpers import register_family

    slot = await one_place_left(client, browsers, space, clock, waitlist=False)
    fam = await register_family(client)
    children = [c["id"] for c in fam["family"]["children"]]
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings",
        json={"child_ids": children, "adults": 1},
        headers={**fam["headers"], "Accept-Language": "en"},
    )
    assert r.status_code == 409
    assert r.json()["detail"].startswith(
        "Your party of 3 (adults and children both count) is more than the places left (1)"
    )
