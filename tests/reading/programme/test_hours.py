"""Volunteer hours, as a property: for any sessions logged by any volunteers with any lead
readers, a person's hours are the sum of the minutes of the sessions they ran or led — each
session once per person, even when they both logged and led it (a parent who volunteers)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import timedelta
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.tables import User
from reading.programme.tables import ReadingSession, SessionBook, SessionLeadReader
from spaces.services.staff import assign
from tests.helpers import FrozenClock, register_family
from tests.reading.programme.helpers import make_lead_reader, volunteer

# Each drawn session: who logs it (0..3; 3 is the parent who volunteers), at which space of
# theirs (0 or 1), its minutes, and which of the three lead readers (0..2) led it.
sessions_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3),
        st.integers(min_value=0, max_value=1),
        st.integers(min_value=1, max_value=480),
        st.sets(st.integers(min_value=0, max_value=2), max_size=3),
    ),
    min_size=0,
    max_size=8,
)

_cast: dict[str, Any] = {}


async def cast(client: httpx.AsyncClient, library: dict[str, Any]) -> dict[str, Any]:
    """Three volunteers (two serve both spaces, one only space a), three lead readers, and
    lead reader 0 is also a volunteer of both spaces. Made once per test run (argon2 is slow)."""
    if _cast.get("library") is library:
        return _cast
    a, b = library["a"], library["b"]
    volunteers = [
        await volunteer(client, "hours_v0", (a, b)),
        await volunteer(client, "hours_v1", (a, b)),
        await volunteer(client, "hours_v2", (a,)),
    ]
    leads = [await make_lead_reader(client, library, await register_family(client)) for _ in range(3)]
    parent = leads[0]
    me = (await client.get("/api/v1/users/me", headers=parent["headers"])).json()
    await User.update({User.roles: "family volunteer"}).where(User.id == me["id"])
    await assign(me["id"], [a, b])
    user_ids = []
    for headers in [*volunteers, parent["headers"]]:
        user_ids.append((await client.get("/api/v1/users/me", headers=headers)).json()["id"])
    _cast.clear()
    _cast.update(
        library=library,
        loggers=[*volunteers, parent["headers"]],
        logger_spaces=[(a, b), (a, b), (a, a), (a, b)],
        logger_ids=user_ids,
        lead_ids=[lead["lead_id"] for lead in leads],
        lead_user_ids=[user_ids[3], *[None, None]],
        leads=leads,
    )
    for i, lead in enumerate(leads[1:], start=1):
        _cast["lead_user_ids"][i] = (await client.get("/api/v1/users/me", headers=lead["headers"])).json()["id"]
    return _cast


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=sessions_strategy)
async def test_hours_are_the_sum_of_each_persons_sessions(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock, drawn: list[Any]
) -> None:
    people = await cast(client, library)
    # Each example starts without sessions (people and spaces are kept).
    await SessionBook.delete(force=True)
    await SessionLeadReader.delete(force=True)
    await ReadingSession.delete(force=True)

    expected_minutes: dict[int, int] = defaultdict(int)
    expected_sessions: dict[int, int] = defaultdict(int)
    expected_space: dict[tuple[int, int], int] = defaultdict(int)
    lead_minutes: dict[int, int] = defaultdict(int)
    for n, (logger, space_index, minutes, led_by) in enumerate(drawn):
        space_id = people["logger_spaces"][logger][space_index]
        lead_ids = sorted(people["lead_ids"][i] for i in led_by)
        body = {
            "space_id": space_id,
            "started_at": (clock.now() - timedelta(hours=n + 1)).isoformat(),
            "minutes": minutes,
            "adults": 2,
            "children": 3,
            "lead_reader_ids": lead_ids,
            "client_key": f"hours-{n}-{minutes}",
        }
        r = await client.post("/api/v1/reading-sessions", json=body, headers=people["loggers"][logger])
        assert r.status_code == 201, r.text
        # Who spent this session's time: the one who logged it and everyone who led it, once each.
        involved = {people["logger_ids"][logger]} | {people["lead_user_ids"][i] for i in led_by}
        for user_id in involved:
            expected_minutes[user_id] += minutes
            expected_sessions[user_id] += 1
            expected_space[(user_id, space_id)] += minutes
        for i in led_by:
            lead_minutes[people["lead_ids"][i]] += minutes

    items = (await client.get("/api/v1/volunteer-hours", headers=library["admin"])).json()["items"]
    per_person: dict[int, int] = defaultdict(int)
    sessions_per_person: dict[int, int] = defaultdict(int)
    for item in items:
        assert item["minutes"] == expected_space[(item["user_id"], item["space_id"])]
        assert item["hours"] == round(item["minutes"] / 60, 2)
        per_person[item["user_id"]] += item["minutes"]
        sessions_per_person[item["user_id"]] += item["sessions"]
    assert dict(per_person) == dict(expected_minutes)
    assert dict(sessions_per_person) == dict(expected_sessions)
    assert {(i["user_id"], i["space_id"]) for i in items} == set(expected_space)

    # The lead readers' own figures agree, and so does the CSV export.
    for lead_id in people["lead_ids"]:
        out = (await client.get(f"/api/v1/lead-readers/{lead_id}", headers=library["admin"])).json()
        assert out["minutes_led"] == lead_minutes[lead_id]
    exported = (await client.get("/api/v1/volunteer-hours.csv", headers=library["admin"])).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {(int(r["user_id"]), int(r["space_id"])): int(r["minutes"]) for r in rows} == dict(expected_space)
