"""The rollups: reads take rolled days from them (not from the history), today and the days
since the last run live; a run counts the last month again and is idempotent; any period
(across months, part months) reads the same as live, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from app.stats.services.kept import FRESH
from app.stats.services.rollup import catch_up
from app.stats.tables import Rollup, RollupState
from reading.lending.tables import Loan
from reading.programme.tables import ReadingSession
from spaces.tables import CheckIn, WalkIn
from tests.helpers import FrozenClock
from tests.stats.history import (
    NOVEMBER,
    add_booking,
    add_check_in,
    add_slot,
    add_user,
    insert_row,
    roll,
    seed_november,
    utc,
)


async def get(client: httpx.AsyncClient, headers: dict[str, str], path: str, **params: Any) -> Any:
    r = await client.get(f"/api/v1/stats/{path}", params=params or NOVEMBER, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_rolled_days_are_read_from_the_rollups(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await seed_november()
    await roll("months")
    before = await get(client, admin, "summary")
    assert (before["visits"], before["children"], before["families"]) == (5, 7, 3)
    await CheckIn.delete(force=True)
    await WalkIn.delete(force=True)
    await Loan.delete(force=True)
    after = await get(client, admin, "summary")
    # Nothing is read from the history: the sums from the day rows, the distinct families and
    # borrowers from the day masks.
    for name in ("visits", "children", "children_by_age_band", "families", "new_families", "loans"):
        assert after[name] == before[name], name
    assert after["active_borrowers"] == before["active_borrowers"] == 2


async def test_today_and_the_days_since_the_run_are_live(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    h = await seed_november()
    await roll("days")  # through 27 November; the app's clock says the 28th
    a = h.spaces["A"]
    slot = await add_slot(a, utc(2026, 11, 28, 1), kind="open_reading")
    await add_check_in(a, slot, utc(2026, 11, 28, 2), family=h.families["F2"], children=[h.children["k3"]], people=2)
    s = await get(client, admin, "summary")
    assert (s["visits"], s["children"]) == (6, 8)
    series = await get(client, admin, "series", metric="visits", by="day", **NOVEMBER)
    assert {p["period"]: p["value"] for p in series["items"]}["2026-11-28"] == 1


async def test_today_is_held_up_to_the_run_for_stamped_rows(
    client: httpx.AsyncClient, admin: dict[str, str], clock: FrozenClock
) -> None:
    """A run holds today's check-ins (and the door, loans, returns) stamped before it, less
    HELD_BEFORE; what is stamped after counts live. Bookings, activities and sessions (a
    status changes, a session is logged late) and the reading log count today live."""
    h = await seed_november()
    a, f1, f2 = h.spaces["A"], h.families["F1"], h.families["F2"]
    today = {"from": "2026-11-28", "to": "2026-11-28"}

    async def summary(**period: str) -> Any:
        clock.advance(seconds=FRESH)  # past the answer kept for the same request (kept.fresh)
        return await get(client, admin, "summary", **period)

    slot = await add_slot(a, utc(2026, 11, 28, 1), theme="science")
    early = await add_check_in(a, slot, utc(2026, 11, 28, 1), family=f2, children=[h.children["k3"]], people=2)
    live = await summary(**today)
    await roll("days")  # 10:00 on the 28th in Beijing (02:00 UTC)
    state = await RollupState.select().first()
    assert state is not None and state["built_through"].isoformat() == "2026-11-28"
    assert state["built_until"] == utc(2026, 11, 28, 1, 58)  # the run less HELD_BEFORE
    assert await summary(**today) == live
    assert (await summary(**NOVEMBER))["visits"] == 6  # November's 5 and today's

    # The early check-in is held: gone from the history, it counts until the next run.
    await CheckIn.delete().where(CheckIn.id == early)
    assert (await summary(**today))["visits"] == 1
    # Stamped at the run's instant or after: live.
    await add_check_in(a, slot, utc(2026, 11, 28, 1, 58), family=f1, children=[], people=1)
    found = await summary(**today)
    assert (found["visits"], found["families"], found["activities"]) == (2, 2, 1)
    # A booking of today and a session logged late for this morning count at once.
    await add_booking(slot, f1, "no_show", 1, [])
    volunteer = await add_user("late_volunteer")
    at = utc(2026, 11, 28, 0, 30)
    session = ReadingSession(
        space=a, started_at=at, minutes=20, adults=1, children=2, logged_by=volunteer, created_at=at, updated_at=at
    )
    await insert_row(session)
    found = await summary(**today)
    assert (found["bookings"], found["no_shows"], found["sessions"], found["volunteers"]) == (1, 1, 1, 1)
    # The next run lets the deleted check-in go; the rest is as it was.
    await roll("days")
    again = await summary(**today)
    assert (again["visits"], again["families"], again["people"]) == (1, 1, 1)
    assert (again["bookings"], again["no_shows"], again["sessions"], again["activities"]) == (1, 1, 1, 1)


async def test_a_run_counts_the_last_month_again_and_is_idempotent(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    h = await seed_november()
    clock = FrozenClock(datetime(2026, 11, 28, 2, tzinfo=UTC))
    await catch_up(clock=clock)
    # A check-in recorded late for the 20th: the rollups do not hold it until the next run.
    await add_check_in(h.spaces["B"], h.slots["S4"], utc(2026, 11, 20, 3), family=None, children=[], people=1)
    assert (await get(client, admin, "summary"))["visits"] == 5
    await catch_up(clock=clock)
    rows = await Rollup.count()
    assert (await get(client, admin, "summary"))["visits"] == 6
    await catch_up(clock=clock)
    assert await Rollup.count() == rows
    assert (await get(client, admin, "summary"))["visits"] == 6
    state = await RollupState.select().first()
    assert state is not None and state["built_through"].isoformat() == "2026-11-28"  # today, up to the run
    # A family's only November check-in goes (its December one stays): the next run clears its bit.
    await CheckIn.delete().where((CheckIn.family == h.families["F3"]) & (CheckIn.slot == h.slots["S4"]))
    assert (await get(client, admin, "summary"))["families"] == 3
    await catch_up(clock=clock)
    assert (await get(client, admin, "summary"))["families"] == 2


@pytest.mark.parametrize(
    "period",
    [
        {"from": "2026-10-15", "to": "2026-12-05"},  # part months around a whole one, and live days
        {"from": "2026-11-02", "to": "2026-11-29"},  # inside one month
        {"from": "2026-10-01", "to": "2026-12-31"},
    ],
)
async def test_any_period_reads_as_live(
    client: httpx.AsyncClient, admin: dict[str, str], period: dict[str, str]
) -> None:
    await seed_november()
    live = {
        "summary": await get(client, admin, "summary", **period),
        "week": await get(client, admin, "series", metric="people", by="week", **period),
        "day": await get(client, admin, "series", metric="loans", by="day", **period),
    }
    await roll("months")
    assert (await RollupState.select().first()) is not None
    for name, path, params in (
        ("summary", "summary", period),
        ("week", "series", {"metric": "people", "by": "week", **period}),
        ("day", "series", {"metric": "loans", "by": "day", **period}),
    ):
        assert await get(client, admin, path, **params) == live[name], name
    street = await get(client, admin, "summary", street="东四", **period)
    await RollupState.delete(force=True)
    assert await get(client, admin, "summary", street="东四", **period) == street


async def test_a_run_before_any_history_holds_nothing(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    """A fresh install's first run records nothing, so history that arrives later (an import,
    the demo data) is built from its first day, not from the day of that first run."""
    clock = FrozenClock(datetime(2026, 11, 28, 2, tzinfo=UTC))
    run = await catch_up(clock=clock)
    assert run.first is None and run.months == 0
    assert await RollupState.count() == 0
    await seed_november()
    run = await catch_up(clock=clock)
    assert run.first is not None and run.first.isoformat() < "2026-11-01" and run.months == 2  # October's too
    await CheckIn.delete(force=True)
    await WalkIn.delete(force=True)
    assert (await get(client, admin, "summary"))["visits"] == 5
