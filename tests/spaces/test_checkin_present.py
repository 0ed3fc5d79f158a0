"""A check-in counts who is actually there (issue 15, item 7) and a closed space says when it
opens (item 5), through the API on both engines: the family's scan carries the children
ticked and the adults who came; a booking of an adult and two children checked in with one
child counts two, a walk-in of two adults and a child three, a child alone one; nobody at all
is refused; outside the opening hours the refusal says when the space opens next."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.helpers import FrozenClock, register_family
from tests.spaces.conftest import make_slot
from tests.spaces.test_checkin_basics import corner_token


async def present(people: int, check_in_id: int) -> None:
    from spaces.tables import CheckIn

    row = await CheckIn.select(CheckIn.people).where(CheckIn.id == check_in_id).first()
    assert row is not None
    assert row["people"] == people


async def test_a_booking_counts_the_children_ticked_and_the_adults_who_came(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 28, 1, 0, tzinfo=UTC))  # 09:00 in Beijing
    slot = await make_slot(client, space, clock, starts_at=datetime(2026, 11, 28, 1, 20, tzinfo=UTC))
    fam = await register_family(client)
    children = [c["id"] for c in fam["family"]["children"]]
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings", json={"child_ids": children, "adults": 1}, headers=fam["headers"]
    )
    assert r.status_code == 201 and r.json()["people"] == 3, r.text
    token = await corner_token(client, space, clock)
    body = {"token": token, "child_ids": children[:1], "adults": 1, "nonce": "present-1"}
    r = await client.post("/api/v1/check-ins", json=body, headers=fam["headers"])
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "booking" and r.json()["people"] == 2
    await present(2, r.json()["id"])


async def test_a_walk_in_counts_the_adults_said(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 28, 2, 30, tzinfo=UTC))  # 10:30 in Beijing, open 09-17
    token = await corner_token(client, space, clock)
    two = await register_family(client)
    kids = [c["id"] for c in two["family"]["children"]]
    r = await client.post(
        "/api/v1/check-ins", json={"token": token, "child_ids": kids[:1], "adults": 2}, headers=two["headers"]
    )
    assert r.status_code == 201 and r.json()["kind"] == "visit" and r.json()["people"] == 3, r.text

    alone = await register_family(client, children=1)
    kid = alone["family"]["children"][0]["id"]
    r = await client.post(
        "/api/v1/check-ins", json={"token": token, "child_ids": [], "adults": 0}, headers=alone["headers"]
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_input", r.text
    r = await client.post(
        "/api/v1/check-ins", json={"token": token, "child_ids": [kid], "adults": 0}, headers=alone["headers"]
    )
    assert r.status_code == 201 and r.json()["people"] == 1, r.text

    unsaid = await register_family(client)  # without `adults`: one adult, as before
    r = await client.post("/api/v1/check-ins", json={"token": token}, headers=unsaid["headers"])
    assert r.status_code == 201 and r.json()["people"] == 3, r.text


async def test_outside_the_hours_the_refusal_says_when_it_opens(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # Saturday 20:00 in Beijing, open 09-17
    token = await corner_token(client, space, clock)
    fam = await register_family(client)
    r = await client.post("/api/v1/check-ins", json={"token": token}, headers=fam["headers"])
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "outside_opening_hours"
    assert problem["space_id"] == space["id"]
    assert datetime.fromisoformat(problem["next_opens_at"]) == datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    assert "下次开放：11-29 09:00" in problem["detail"]


async def test_a_check_in_sent_after_closing_says_when_and_where_next(
    app: Any, client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """The page was opened at 16:58 and sent at 17:01: the refusal page names the next opening
    once and leads to the space's hours and activities and to my bookings."""
    from tests.web.forms import register_in_browser, submit

    clock.set(datetime(2026, 11, 28, 8, 58, tzinfo=UTC))  # 16:58 in Beijing, open 09-17
    token = await corner_token(client, space, clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as phone:
        r = await register_in_browser(phone, "13912345678")
        assert r.status_code in (302, 303), r.text
        opened = await phone.get(f"/q/{token}")
        assert 'name="adults"' in opened.text and "现在不在开放时间内" not in opened.text
        clock.set(datetime(2026, 11, 28, 9, 1, tzinfo=UTC))
        r = await submit(phone, f"/q/{token}", {"nonce": "late-1", "adults": "1"}, page="/")
    assert r.status_code == 409
    assert r.text.count("现在不在开放时间内") == 2  # the page's title and its heading, no more
    assert "下次开放：11-29 09:00" in r.text
    assert f'href="/spaces/{space["id"]}"' in r.text and 'href="/bookings"' in r.text


async def test_the_refusal_is_english_for_an_english_client(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """No Chinese left in an English problem (issue 15, item 20): title and detail."""
    clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    token = await corner_token(client, space, clock)
    fam = await register_family(client)
    en = {**fam["headers"], "Accept-Language": "en"}
    r = await client.post("/api/v1/check-ins", json={"token": token}, headers=en)
    assert r.status_code == 409
    assert r.json()["detail"] == "Opens next: 11-29 09:00. Scan the code again then to check in."
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["title"] + r.json()["detail"])
