"""The spaces domain's hand-written SQL (spaces/services/statements.py), each statement run on
the engine of the pass: a space with its hours, closures, corners and booking horizon in one
statement, a week's slots with their waitlists and the family's own bookings in one, the week
page in two (and anonymous weeks kept for at most two seconds), the plans on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest

from app.accounts.actor import Actor
from app.accounts.roles import FAMILY
from app.kernel import policies
from app.kernel.clock import local_zone
from app.kernel.sql import dialect, statement
from qr import checkin
from qr.checkin import Attempt, ScanRequest
from qr.services import tokens
from qr.tokens import Purpose
from spaces.errors import SlotNotFound
from spaces.services import booking_rules, bookings, slots, spaces, statements, views
from spaces.services import checkin_steps as steps
from spaces.services.views import day_start
from spaces.tables import Suspension
from tests.helpers import ON_SQLITE, FrozenClock, postgres_only, register_family, scanned_whole, staff_headers
from tests.helpers import statements as count_statements
from tests.spaces.conftest import book, make_slot, quick_families
from tests.web.forms import log_in


def test_every_statement_is_tested_here() -> None:
    """A statement added to statements.py needs its test in this module."""
    assert set(statements.STATEMENTS) == {
        "SPACE",
        "SLOTS",
        "CORNER_SCENE",
        "BOOKING_SCENE",
        "VISIT",
        "SLOT_FOR_BOOKING",
    }
    # SLOTS spells out the active statuses: they must be bookings.ACTIVE.
    assert "b.status IN (" + ", ".join(f"'{s}'" for s in bookings.ACTIVE) + ")" in statements.SLOTS


async def test_a_space_in_one_statement(client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock) -> None:
    sid, admin = space["id"], space["admin"]
    hours = [
        {"weekday": 3, "opens": "14:00", "closes": "17:30"},
        {"weekday": 1, "opens": "09:00", "closes": "12:00"},
        {"weekday": 3, "opens": "09:00", "closes": "11:00"},
    ]
    r = await client.patch(f"/api/v1/spaces/{sid}", json={"opening_hours": hours}, headers=admin)
    assert r.status_code in (200, 204), r.text
    for first, last, reason in (("2026-12-24", "2026-12-26", "圣诞"), ("2026-12-10", "2026-12-10", "")):
        r = await client.post(
            f"/api/v1/spaces/{sid}/closures",
            json={"first_day": first, "last_day": last, "reason": reason},
            headers=admin,
        )
        assert r.status_code == 201, r.text
    corners = [
        (await client.post(f"/api/v1/spaces/{sid}/corners", json={"name": name}, headers=admin)).json()["id"]
        for name in ("绘本角", "窗边")
    ]
    r = await client.patch(f"/api/v1/spaces/{sid}/corners/{corners[0]}", json={"retired": True}, headers=admin)
    assert r.status_code == 200, r.text

    got = await spaces.get_space(sid)
    assert [(h.weekday, h.opens, h.closes) for h in got.opening_hours] == [
        (1, "09:00", "12:00"),
        (3, "09:00", "11:00"),
        (3, "14:00", "17:30"),
    ]
    assert [(c.first_day, c.last_day, c.reason) for c in got.closures] == [
        ("2026-12-10", "2026-12-10", ""),
        ("2026-12-24", "2026-12-26", "圣诞"),
    ]
    assert [(c.id, c.name, c.retired) for c in got.corners] == [
        (corners[0], "绘本角", True),
        (corners[1], "窗边", False),
    ]
    assert (got.name, got.street, got.capacity, got.require_live_code) == ("吉祥十平米阅读空间", "景山", 12, False)
    assert got.booking_horizon_days == policies.RULES["booking_horizon_days"].default

    # The horizon: the district's value, then the space's own over it.
    await policies.set_value("booking_horizon_days", 10, space_id=None, user_id=None, now=clock.now())
    assert (await spaces.get_space(sid)).booking_horizon_days == 10
    await policies.set_value("booking_horizon_days", 21, space_id=sid, user_id=None, now=clock.now())
    assert (await spaces.get_space(sid)).booking_horizon_days == 21 == await policies.value("booking_horizon_days", sid)
    assert await count_statements(lambda: spaces.get_space(sid)) == 1


async def test_a_bare_space_reads_empty_lists(client: httpx.AsyncClient) -> None:
    """No hours, closures or corners: PostgreSQL's aggregate over no rows is NULL, SQLite's []."""
    admin = await staff_headers(client, "bareadmin")
    body = {"name": "空空", "kind": "ten_square", "street": "东华门", "address": "东华门", "capacity": 3}
    r = await client.post("/api/v1/spaces", json=body, headers=admin)
    assert r.status_code == 201, r.text
    got = await spaces.get_space(r.json()["id"])
    assert (got.opening_hours, got.closures, got.corners) == ([], [], [])


async def test_a_week_of_slots_with_waitlists_and_the_familys_own(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    fam, other, third = await quick_families(3)
    full = await make_slot(client, space, clock, capacity=2, waitlist=True)
    later = await make_slot(client, space, clock, starts_at=clock.now() + timedelta(days=3))
    assert (await book(client, full["id"], other)).json()["status"] == "confirmed"
    assert (await book(client, full["id"], fam)).json()["status"] == "waitlisted"
    assert (await book(client, full["id"], third)).json()["status"] == "waitlisted"
    mine = (await book(client, later["id"], fam)).json()
    assert (await client.delete(f"/api/v1/bookings/{mine['id']}", headers=fam["headers"])).status_code == 200
    assert (await book(client, later["id"], fam)).json()["status"] == "confirmed"  # a new booking after the cancelled

    start = clock.now()
    marked = await slots.marked_slots(space["id"], start, start + timedelta(days=7), family_id=fam["family"]["id"])
    assert [(s.id, s.waitlisted, status) for s, status in marked] == [
        (full["id"], 2, "waitlisted"),
        (later["id"], 0, "confirmed"),
    ]
    anyone = await slots.marked_slots(space["id"], start, start + timedelta(days=7))
    assert [(s.id, status) for s, status in anyone] == [(full["id"], None), (later["id"], None)]
    assert [s for s, _ in anyone] == [await slots.get_slot(full["id"]), await slots.get_slot(later["id"])]
    # Cut by the range and the limit, in order of start.
    assert [s.id for s, _ in await slots.marked_slots(space["id"], start, start + timedelta(days=2, minutes=1))] == [
        full["id"]
    ]
    assert len(await slots.marked_slots(space["id"], start, start + timedelta(days=7), limit=1)) == 1


async def test_the_week_page_reads_two_statements(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    (fam,) = await quick_families(1)
    for day in range(1, 4):
        await make_slot(client, space, clock, starts_at=clock.now() + timedelta(days=day))
    actor = Actor(1, "x", "x", frozenset({FAMILY}), family_id=fam["family"]["id"])
    today = date(2026, 11, 28)

    async def week(who: Actor | None) -> views.SpaceWeek:
        return await views.space_week(space["id"], today, actor=who, clock=clock)

    assert await count_statements(lambda: week(actor)) == 2
    assert await count_statements(lambda: week(None)) == 2
    assert (
        await count_statements(
            lambda: slots.list_slots(space["id"], day_start(today), day_start(today) + timedelta(days=7))
        )
        == 1
    )


async def test_anonymous_weeks_are_kept_two_seconds_and_families_read_afresh(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    (fam,) = await quick_families(1)
    slot = await make_slot(client, space, clock, capacity=5)
    actor = Actor(1, "x", "x", frozenset({FAMILY}), family_id=fam["family"]["id"])
    today = date(2026, 11, 28)

    async def remaining(who: Actor | None) -> int:
        view = await views.space_week(space["id"], today, actor=who, clock=clock)
        return next(item.slot.remaining for d in view.days for item in d.items if item.slot.id == slot["id"])

    assert await remaining(None) == 5
    assert (await book(client, slot["id"], fam)).status_code == 201
    assert await remaining(actor) == 3  # the family sees its booking at once
    assert await remaining(None) == 5  # an anonymous reader: the week read a moment ago
    assert await count_statements(lambda: remaining(None)) == 0
    clock.advance(seconds=2)
    assert await remaining(None) == 3
    # Through the page too: an anonymous reader's HTML shows what the API counts.
    page = await client.get(f"/spaces/{space['id']}")
    assert page.status_code == 200 and f'href="/slots/{slot["id"]}"' in page.text


async def test_anonymous_readers_of_a_kept_week_share_one_rendering(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """The page of a week kept for anonymous readers is rendered once per language; a new read
    of the week (two seconds on) is rendered again; a signed-in family's page every time."""
    from litestar.response import Template

    fam = await register_family(client)
    slot = await make_slot(client, space, clock, capacity=5)
    rendered: list[str] = []
    render = Template.to_asgi_response

    def spy(self: Template, *args: Any, **kwargs: Any) -> Any:
        rendered.append(str(self.template_name))
        return render(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Template, "to_asgi_response", spy)
        first = await client.get(f"/spaces/{space['id']}")
        again = await client.get(f"/spaces/{space['id']}")
        english = await client.get(f"/spaces/{space['id']}", params={"lang": "en"})
        assert rendered == ["spaces/space.html", "spaces/space.html"]  # Chinese once, English once
        assert again.status_code == 200 and again.content == first.content
        assert again.headers["content-type"] == first.headers["content-type"]
        assert english.text != first.text and 'lang="en"' in english.text
        client.cookies.clear()  # the language chosen, kept in a cookie
        assert (await book(client, slot["id"], fam)).status_code == 201
        assert (await log_in(client, fam["phone"], "family-pass-1")).status_code in (302, 303)
        rendered.clear()
        for _ in range(2):
            assert "badge mine" in (await client.get(f"/spaces/{space['id']}")).text
        assert len(rendered) == 2  # the family's own page, each time (the log-in form's too)
        client.cookies.clear()
        clock.advance(seconds=2)
        later = await client.get(f"/spaces/{space['id']}")
        assert len(rendered) == 3 and later.content != first.content  # the booking shows


@postgres_only
async def test_the_plans_use_the_indexes(client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock) -> None:
    """With sequential scans priced out (a test database is too small to want indexes), every
    table of each statement is reached through an index: nothing scans a whole table at city
    scale (2,976 spaces, a year of slots and bookings). Which index the planner prefers
    depends on the statistics of a city's data: checked there by hand (docs/benchmarks.md)."""
    await make_slot(client, space, clock)
    start = clock.now()
    scene = {"purpose": "corner", "subject": "1", "owner": "user:1", "key": "check-in:n"}
    queries = {
        "SPACE": statement(dialect(statements.SPACE), space_id=space["id"], policy="booking_horizon_days", district=0),
        "SLOTS": statement(
            statements.SLOTS, space_id=space["id"], start=start, end=start + timedelta(days=7), family_id=1, limit=500
        ),
        "CORNER_SCENE": statement(
            dialect(statements.CORNER_SCENE),
            **scene,
            corner_id=1,
            family_id=1,
            day=start.date(),
            weekday=1,
            since=start,
            until=start + timedelta(days=1),
        ),
        "BOOKING_SCENE": statement(dialect(statements.BOOKING_SCENE), **scene, booking_id=1),
        "SLOT_FOR_BOOKING": statement(
            dialect(statements.SLOT_FOR_BOOKING), slot_id=1, family_id=1, district=0, today=start.date(), now=start
        ),
        "VISIT": statement(
            statements.VISIT,
            **{"owner": "user:1", "key": "check-in:n", "fingerprint": "corner:1", "body": b"{}", "purpose": "corner"},
            **{"subject": "1", "user_id": 1, "outcome": "checked_in", "id": 1, "slot": 1, "people": 2, "space": 1},
            **{"family": 1, "corner": 1, "child_ids": "[]", "now": start},
        ),
    }
    for name, query in queries.items():
        assert await scanned_whole(query) == [], name


def _attempt(token: str, scanner: Actor, now: datetime, *, nonce: str | None = None) -> Attempt:
    claims = tokens.claims_of(token, purposes=tuple(Purpose), now=now)
    target = checkin.registered()[claims.purpose]
    fingerprint = f"{target.subject}:{claims.subject}"
    return Attempt(ScanRequest(token, scanner, nonce=nonce), claims, now, fingerprint, nonce)


async def test_a_corner_scene_in_one_statement(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """CORNER_SCENE: the token's version, the nonce's record, the space and its rules, today's
    closure and hours, the children, the bookings and open-reading slots a day either side."""
    clock.set(datetime(2026, 11, 28, 2, 30, tzinfo=UTC))  # Saturday 10:30 in Beijing
    (fam,) = await quick_families(1, birth_months=("2018-03", "2021-06"))
    actor = Actor(fam["user_id"], "x", "x", frozenset({FAMILY}), family_id=fam["family"]["id"])
    sid, admin = space["id"], space["admin"]
    corner = (await client.post(f"/api/v1/spaces/{sid}/corners", json={"name": "绘本架"}, headers=admin)).json()["id"]
    token = await tokens.issue(Purpose.corner, corner, now=clock.now())
    soon = await make_slot(client, space, clock, starts_at=clock.now() + timedelta(minutes=20))
    far = await make_slot(client, space, clock, starts_at=clock.now() + timedelta(days=2))
    booked = [(await book(client, slot["id"], fam)).json()["id"] for slot in (soon, far)]

    scene = await steps.corner_scene(_attempt(token, actor, clock.now()))
    found: steps.CornerScene = scene.found
    assert scene.token_version == 1 and scene.nonce_record is None
    assert found.space is not None and found.space["id"] == sid and found.space["name"] == "吉祥十平米阅读空间"
    assert (found.space["capacity"], bool(found.space["require_live_code"])) == (12, False)
    assert not found.closed and found.hours == [(time(9), time(17))]
    assert sorted(found.children) == [c["id"] for c in fam["family"]["children"]]
    assert [b["id"] for b in found.bookings] == booked[:1]  # the other is two days away
    assert steps.booking_in_window(found, clock.now())["id"] == booked[0]  # type: ignore[index]
    assert steps.opening_period(found, clock.now()) == (
        datetime(2026, 11, 28, 9, tzinfo=local_zone()),
        datetime(2026, 11, 28, 17, tzinfo=local_zone()),
    )
    assert await count_statements(lambda: steps.corner_scene(_attempt(token, actor, clock.now())), ("",)) == 1

    # A check-in with a nonce: its record is found next time; a closure and a reprint show.
    r = await client.post("/api/v1/check-ins", json={"token": token, "nonce": "n1"}, headers=fam["headers"])
    assert r.status_code == 201, r.text
    day = "2026-11-28"
    r = await client.post(
        f"/api/v1/spaces/{sid}/closures", json={"first_day": day, "last_day": day, "reason": "停电"}, headers=admin
    )
    assert r.status_code == 201
    await tokens.revoke(Purpose.corner, corner, now=clock.now())
    scene = await steps.corner_scene(_attempt(token, actor, clock.now(), nonce="n1"))
    assert scene.token_version == 2 and scene.nonce_record is not None
    assert scene.nonce_record["fingerprint"] == f"corner:{corner}" and scene.nonce_record["completed"]
    assert scene.nonce_record["created_at"] == clock.now()
    assert scene.found.closed and steps.opening_period(scene.found, clock.now()) is None

    # A retired corner finds no space.
    await client.patch(f"/api/v1/spaces/{sid}/corners/{corner}", json={"retired": True}, headers=admin)
    assert (await steps.corner_scene(_attempt(token, actor, clock.now()))).found.space is None


async def test_a_booking_scene_in_one_statement(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    (fam,) = await quick_families(1)
    slot = await make_slot(client, space, clock)
    booking = (await book(client, slot["id"], fam)).json()
    staff = Actor(1, "x", "x", frozenset({"district_admin"}))
    token = await tokens.issue(Purpose.booking, booking["id"], now=clock.now())
    scene = await steps.booking_scene(_attempt(token, staff, clock.now()))
    assert scene.token_version == 1 and scene.nonce_record is None
    got = scene.found
    assert (got["id"], got["slot"], got["family"], got["status"]) == (
        booking["id"],
        slot["id"],
        fam["family"]["id"],
        "confirmed",
    )
    assert got["child_ids"] == booking["child_ids"] and got["slot.space"] == space["id"]
    assert got["slot.starts_at"] == datetime.fromisoformat(slot["starts_at"])
    assert (got["slot.space.check_in_opens_minutes"], got["slot.space.check_in_closes_minutes"]) == (30, 15)
    missing = await tokens.issue(Purpose.booking, booking["id"] + 1, now=clock.now())
    assert (await steps.booking_scene(_attempt(missing, staff, clock.now()))).found is None


async def test_a_corner_check_in_reads_twice_then_writes_once(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """Through the API: the family's token, then one lookup; then the transaction's writes."""
    clock.set(datetime(2026, 11, 28, 2, 30, tzinfo=UTC))
    (fam,) = await quick_families(1)
    corner = (
        await client.post(f"/api/v1/spaces/{space['id']}/corners", json={"name": "角"}, headers=space["admin"])
    ).json()["id"]
    token = await tokens.issue(Purpose.corner, corner, now=clock.now())
    await steps.period_slot({"id": space["id"], "capacity": 12}, *_period(clock), clock.now())  # as the generator does

    async def check_in() -> None:
        r = await client.post("/api/v1/check-ins", json={"token": token, "nonce": "n1"}, headers=fam["headers"])
        assert r.status_code == 201, r.text
        assert r.json()["kind"] == "visit"

    seen: list[str] = []
    await count_statements(check_in, ("",), seen)
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2, reads  # the token's user; everything else
    assert seen[:2] == reads
    # The writes: on PostgreSQL one statement (VISIT); SQLite takes the places, then writes the
    # check-in, the nonce's answer and the scan log, one by one in the transaction.
    assert len(seen) == (6 if ON_SQLITE else 3), seen
    assert ON_SQLITE or seen[2].lstrip().startswith("WITH taken AS")


def _period(clock: FrozenClock) -> tuple[datetime, datetime]:
    day = clock.now().astimezone(local_zone()).date()
    return datetime.combine(day, time(9), local_zone()), datetime.combine(day, time(17), local_zone())


async def test_a_slot_for_booking_in_one_statement(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """SLOT_FOR_BOOKING: the slot and its rules, the cap and horizon as the policies say, and
    the family's side: booked there already, closures not over, suspension, children, upcoming."""
    fam, other = await quick_families(2, birth_months=("2018-03", "2021-06"))
    family_id, now, today = fam["family"]["id"], clock.now(), date(2026, 11, 28)
    slot = await make_slot(client, space, clock, capacity=6, waitlist=True, age_band="6-9")
    elsewhere = await make_slot(client, space, clock, starts_at=now + timedelta(days=3))
    got, side = await booking_rules.bookable_slot(slot["id"], family_id, now, today)
    assert (got.id, got.space_id, got.capacity, got.remaining, got.waitlist, got.cancelled) == (
        slot["id"],
        space["id"],
        6,
        6,
        True,
        False,
    )
    assert (got.kind, got.age_band, got.starts_at) == ("activity", "6-9", datetime.fromisoformat(slot["starts_at"]))
    assert (got.rules.max_future_bookings, got.rules.booking_horizon_days) == (4, 14)  # the defaults
    assert (got.rules.check_in_opens_minutes, got.rules.check_in_closes_minutes, got.rules.offer_minutes) == (
        30,
        15,
        120,
    )
    assert side == booking_rules.FamilyAtSlot(
        booked=False,
        closures=(),
        suspended_until=None,
        children={c["id"]: date.fromisoformat(c["birth_month"] + "-01") for c in fam["family"]["children"]},
        upcoming=0,
    )

    await policies.set_value("future_booking_cap", 6, space_id=None, user_id=None, now=now)
    await policies.set_value("booking_horizon_days", 7, space_id=space["id"], user_id=None, now=now)
    assert (await book(client, slot["id"], fam, kids=[fam["family"]["children"][0]["id"]])).status_code == 201
    assert (await book(client, elsewhere["id"], fam)).status_code == 201
    r = await client.post(
        f"/api/v1/spaces/{space['id']}/closures",
        json={"first_day": "2026-12-24", "last_day": "2026-12-26"},
        headers=space["admin"],
    )
    assert r.status_code == 201
    until = now + timedelta(days=9)
    await Suspension.insert(Suspension(family=family_id, starts_at=now, ends_at=until, no_shows=3))
    got, side = await booking_rules.bookable_slot(slot["id"], family_id, now, today)
    assert (got.remaining, got.rules.max_future_bookings, got.rules.booking_horizon_days) == (4, 6, 7)
    assert side.booked and side.upcoming == 2 and side.closures == (("2026-12-24", "2026-12-26"),)
    assert side.suspended_until == until
    _, theirs = await booking_rules.bookable_slot(slot["id"], other["family"]["id"], now, today)
    assert not theirs.booked and theirs.upcoming == 0 and theirs.suspended_until is None
    with pytest.raises(SlotNotFound):
        await booking_rules.bookable_slot(slot["id"] + 100, family_id, now, today)


async def test_a_refused_booking_reads_once_after_auth(
    client: httpx.AsyncClient, space: dict[str, Any], clock: FrozenClock
) -> None:
    """The hot slot's thousand refusals: the caller, the rate counter, then one lookup."""
    first, late = await quick_families(2)
    slot = await make_slot(client, space, clock, capacity=2)
    assert (await book(client, slot["id"], first)).status_code == 201

    async def refused() -> None:
        r = await book(client, slot["id"], late)
        assert r.status_code == 409 and r.json()["code"] == "slot_full", r.text

    seen: list[str] = []
    assert await count_statements(refused, ("",), seen) == 3, seen
    assert "app_rate_counter" in seen[1] and "spaces_slot sl JOIN spaces_space" in seen[2]
