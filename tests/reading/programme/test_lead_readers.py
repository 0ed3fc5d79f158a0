"""Family lead readers: every state transition and who may make it, and levels that follow the
configured thresholds (the basics — an outside librarian refused, a second decision 409 —
are in test_programme_basics.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from reading.programme import rules as programme_rules
from reading.programme.rules import DEFAULT_LEVELS, level_for
from tests.helpers import FrozenClock, register_family, staff_headers
from tests.reading.programme.helpers import (
    apply,
    attend_training,
    decide,
    make_lead_reader,
    problem,
    session_body,
    set_status,
    space_of,
    volunteer,
)
from tests.spaces.conftest import make_slot


async def test_only_a_family_applies_once_for_real_spaces(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    fam = await register_family(client)
    body = {"motivation": "想陪孩子们读书", "preferred_space_ids": [library["a"]]}
    assert (await client.post("/api/v1/lead-readers/applications", json=body)).status_code == 401
    for staff in (library["librarian"], library["admin"], await volunteer(client, "vol_apply", (library["a"],))):
        assert (await client.post("/api/v1/lead-readers/applications", json=body, headers=staff)).status_code == 403
    assert problem(await apply(client, fam, [library["a"], 999_999])) == (404, "space_not_found")
    r = await client.post(
        "/api/v1/lead-readers/applications", json={"motivation": "", "preferred_space_ids": []}, headers=fam["headers"]
    )
    assert r.status_code == 400
    r = await apply(client, fam, [library["a"], library["b"]])
    assert r.status_code == 201 and r.json()["status"] == "applied"
    assert r.json()["preferred_space_ids"] == sorted([library["a"], library["b"]])
    assert problem(await apply(client, fam, [library["a"]])) == (409, "already_applied")  # one open application


async def test_who_decides_an_application(client: httpx.AsyncClient, library: dict[str, Any]) -> None:
    only_b = await staff_headers(client, "lib_b", roles=("librarian",), spaces=(library["b"],))
    vol_a = await volunteer(client, "vol_a", (library["a"],))
    fam = await register_family(client)
    other_family = await register_family(client)
    application = (await apply(client, fam, [library["a"]])).json()["id"]

    assert (await decide(client, application, vol_a)).status_code == 403  # a volunteer, even of that space
    assert (await decide(client, application, other_family["headers"])).status_code == 403
    assert problem(await decide(client, application, only_b)) == (403, "forbidden")  # not a preferred space
    assert problem(await decide(client, 999_999, library["admin"])) == (404, "application_not_found")

    # The librarian of a preferred space sees it in the list; the other librarian does not.
    listed = (await client.get("/api/v1/lead-readers/applications", headers=library["librarian"])).json()["items"]
    assert [a["id"] for a in listed] == [application]
    assert (await client.get("/api/v1/lead-readers/applications", headers=only_b)).json()["items"] == []

    r = await decide(client, application, library["admin"], approve=False, note="这学期名额已满")
    assert r.status_code == 200 and r.json() == {"status": "rejected", "lead_reader_id": None}
    assert problem(await decide(client, application, library["librarian"])) == (409, "already_decided")
    assert problem(await decide(client, application, library["admin"], approve=True)) == (409, "already_decided")

    # Rejected: the family may apply again, and a district admin (any space) approves it.
    again = (await apply(client, fam, [library["b"]])).json()["id"]
    r = await decide(client, again, library["admin"])
    assert r.status_code == 200 and r.json()["status"] == "approved"
    lead = (await client.get(f"/api/v1/lead-readers/{r.json()['lead_reader_id']}", headers=fam["headers"])).json()
    assert lead["status"] == "trainee" and lead["level"] == "见习领读人"
    # A lead reader does not apply again.
    assert problem(await apply(client, fam, [library["a"]])) == (409, "already_applied")
    # Another family cannot see this lead reader; staff can.
    assert (await client.get(f"/api/v1/lead-readers/{lead['id']}", headers=other_family["headers"])).status_code == 404
    assert (await client.get(f"/api/v1/lead-readers/{lead['id']}", headers=vol_a)).status_code == 200


async def test_trainee_becomes_active_only_after_a_training_attended(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock
) -> None:
    lead = await make_lead_reader(client, library)
    lead_id = lead["lead_id"]
    assert problem(await set_status(client, lead_id, "active", library["librarian"])) == (409, "training_required")

    # Another activity attended is not a training.
    slot = await make_slot(client, space_of(library), clock, title="绘本＋科普", theme="science")
    r = await client.post(
        f"/api/v1/slots/{slot['id']}/bookings",
        json={"child_ids": [lead["family"]["children"][0]["id"]], "adults": 1},
        headers=lead["headers"],
    )
    assert r.status_code == 201
    assert (await client.post(f"/api/v1/bookings/{r.json()['id']}/attendance", headers=library["admin"])).is_success
    assert problem(await set_status(client, lead_id, "active", library["admin"])) == (409, "training_required")

    # A training booked but not attended is not enough either.
    training = await make_slot(
        client, space_of(library), clock, title="领读人培训", theme=programme_rules.TRAINING_THEME
    )
    r = await client.post(
        f"/api/v1/slots/{training['id']}/bookings",
        json={"child_ids": [lead["family"]["children"][0]["id"]], "adults": 1},
        headers=lead["headers"],
    )
    assert r.status_code == 201
    assert problem(await set_status(client, lead_id, "active", library["librarian"])) == (409, "training_required")
    # The lead reader cannot promote themselves, even after the training.
    assert (await client.post(f"/api/v1/bookings/{r.json()['id']}/attendance", headers=library["librarian"])).is_success
    assert problem(await set_status(client, lead_id, "active", lead["headers"])) == (403, "forbidden")

    r = await set_status(client, lead_id, "active", library["librarian"])
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active" and r.json()["trainings_attended"] == 1


async def test_active_paused_retired_and_who_may_move_them(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock
) -> None:
    lead = await make_lead_reader(client, library)  # preferred space: a
    lead_id = lead["lead_id"]
    vol_a = await volunteer(client, "vol_states", (library["a"],))
    only_b = await staff_headers(client, "lib_states_b", roles=("librarian",), spaces=(library["b"],))
    stranger = await register_family(client)

    # trainee: paused is not a transition; nobody but deciders may move it.
    assert problem(await set_status(client, lead_id, "paused", library["librarian"])) == (409, "illegal_transition")
    assert problem(await set_status(client, lead_id, "paused", lead["headers"])) == (403, "forbidden")
    await attend_training(client, library, clock, lead)
    for who in (vol_a, only_b):
        assert problem(await set_status(client, lead_id, "active", who)) == (403, "forbidden")
    assert problem(await set_status(client, lead_id, "active", stranger["headers"])) == (404, "lead_reader_not_found")
    assert (await set_status(client, lead_id, "active", library["admin"])).json()["status"] == "active"
    assert problem(await set_status(client, lead_id, "active", library["admin"])) == (409, "illegal_transition")

    # active ⇄ paused, by the lead reader or by a decider; never by a volunteer or another family.
    assert problem(await set_status(client, lead_id, "paused", vol_a)) == (403, "forbidden")
    assert problem(await set_status(client, lead_id, "paused", stranger["headers"])) == (404, "lead_reader_not_found")
    assert (await set_status(client, lead_id, "paused", lead["headers"])).json()["status"] == "paused"
    assert problem(await set_status(client, lead_id, "paused", lead["headers"])) == (409, "illegal_transition")
    assert (await set_status(client, lead_id, "active", lead["headers"])).json()["status"] == "active"
    assert (await set_status(client, lead_id, "paused", library["librarian"])).json()["status"] == "paused"
    assert (await set_status(client, lead_id, "active", library["admin"])).json()["status"] == "active"
    r = await client.post(f"/api/v1/lead-readers/{lead_id}/status", json={"status": "trainee"}, headers=lead["headers"])
    assert r.status_code == 400  # only active, paused or retired can be asked for

    # retired is final, whoever asks.
    assert (await set_status(client, lead_id, "retired", lead["headers"])).json()["status"] == "retired"
    for status in ("active", "paused", "retired"):
        for who in (library["admin"], lead["headers"]):
            assert problem(await set_status(client, lead_id, status, who)) == (409, "illegal_transition")

    # A trainee may withdraw (retire) too; a decider may retire a lead reader.
    second = await make_lead_reader(client, library)
    assert (await set_status(client, second["lead_id"], "retired", second["headers"])).json()["status"] == "retired"
    third = await make_lead_reader(client, library)
    assert problem(await set_status(client, third["lead_id"], "retired", only_b)) == (403, "forbidden")
    assert (await set_status(client, third["lead_id"], "retired", library["librarian"])).json()["status"] == "retired"
    assert problem(await set_status(client, 999_999, "active", library["admin"])) == (404, "lead_reader_not_found")


def test_default_levels_need_both_sessions_and_minutes() -> None:
    assert [lv.name for lv in DEFAULT_LEVELS] == ["见习领读人", "领读人", "资深领读人"]
    assert level_for(0, 0) == "见习领读人"
    assert level_for(4, 10_000) == "见习领读人"  # minutes without enough sessions
    assert level_for(5, 299) == "见习领读人"
    assert level_for(5, 300) == "领读人"
    assert level_for(29, 1_799) == "领读人"
    assert level_for(30, 1_800) == "资深领读人"


async def test_levels_follow_the_configured_thresholds(
    client: httpx.AsyncClient, library: dict[str, Any], clock: FrozenClock
) -> None:
    saved = tuple((lv.name, lv.min_sessions, lv.min_minutes) for lv in programme_rules._levels)
    # LEAD_READER_LEVELS as the settings give it: (name, sessions led, minutes led), any order.
    programme_rules.configure((("高级", 3, 200), ("新手", 0, 0), ("中级", 2, 60)))
    try:
        lead = await make_lead_reader(client, library)
        vol = await volunteer(client, "vol_levels", (library["a"],))

        async def level_after(minutes: int, offset: int) -> tuple[str, int, int]:
            body = session_body(
                library["a"], clock, minutes=minutes, lead_reader_ids=[lead["lead_id"]], client_key=f"levels-{offset}x"
            )
            body["started_at"] = (clock.now() - timedelta(days=offset)).isoformat()
            assert (await client.post("/api/v1/reading-sessions", json=body, headers=vol)).status_code == 201
            out = (await client.get(f"/api/v1/lead-readers/{lead['lead_id']}", headers=lead["headers"])).json()
            return out["level"], out["sessions_led"], out["minutes_led"]

        assert (await client.get(f"/api/v1/lead-readers/{lead['lead_id']}", headers=lead["headers"])).json()[
            "level"
        ] == "新手"
        assert await level_after(30, 1) == ("新手", 1, 30)
        assert await level_after(30, 2) == ("中级", 2, 60)  # both thresholds exactly reached
        assert await level_after(30, 3) == ("中级", 3, 90)  # sessions enough for 高级, minutes not
        assert await level_after(110, 4) == ("高级", 4, 200)
    finally:
        programme_rules.configure(saved)
    assert level_for(0, 0) == saved[0][0]
