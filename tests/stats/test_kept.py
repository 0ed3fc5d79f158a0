"""Distinct counts across the rollups and the live days, and what is kept of the rollups
between runs (app/stats/services/kept.py)."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from typing import Any
from uuid import uuid4

import httpx
import pytest

from app.accounts.tables import User
from app.stats.services import kept
from app.stats.services.kept import FRESH
from app.stats.tables import Reach, Rollup, RollupState
from reading.lending.tables import Book, Copy, Loan
from reading.programme.tables import LeadReader, ReadingSession, SessionLeadReader
from tests.helpers import FrozenClock
from tests.stats.history import (
    CREATED,
    NOVEMBER,
    ROLLUPS,
    History,
    add_check_in,
    add_slot,
    add_user,
    insert_row,
    roll,
    seed_november,
    summary,
    utc,
)
from tests.web.forms import log_in


async def _more_people_on_the_29th(h: History) -> None:
    """A session led by the known lead reader, logged by the known volunteer; another logged
    by a new volunteer; loans to f1 (a borrower already) and f3 (new)."""
    volunteer = await User.select(User.id).where(User.login == "stats_volunteer").first()
    lead = await LeadReader.select(LeadReader.id).first()
    assert volunteer and lead
    newcomer = await add_user("stats_volunteer_2")
    for logged_by, leads in ((volunteer["id"], [lead["id"]]), (newcomer, [])):
        at = utc(2026, 11, 29, 3)
        session = await insert_row(
            ReadingSession(
                space=h.spaces["A"],
                started_at=at,
                minutes=30,
                adults=1,
                children=1,
                theme="reading",
                logged_by=logged_by,
                created_at=at,
                updated_at=at,
            )
        )
        for one in leads:
            await insert_row(SessionLeadReader(session=session, lead_reader=one))
    book = await insert_row(Book(isbn="9787533259563", title="好饿的毛毛虫", created_at=CREATED, updated_at=CREATED))
    for i, family in enumerate(("F1", "F3")):
        copy = await insert_row(
            Copy(book=book, barcode=f"SK{i:06d}", home_space=h.spaces["A"], status="on_loan", created_at=CREATED)
        )
        at = utc(2026, 11, 29, 4)
        loan = Loan(copy=copy, family=h.families[family], space=h.spaces["A"], borrowed_at=at, due_on=at.date())
        await insert_row(loan)


async def families(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> int:
    r = await client.get("/api/v1/stats/summary", params={**NOVEMBER, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return int(r.json()["families"])


async def families_per_space(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, int]:
    r = await client.get("/api/v1/stats/export.csv", params=NOVEMBER, headers=headers)
    assert r.status_code == 200, r.text
    header, *rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    name, month, count = header.index("阅读空间"), header.index("月份"), header.index("到场家庭")
    return {row[name]: int(row[count]) for row in rows if row[month] == "2026-11"}


@pytest.mark.parametrize("mode", ROLLUPS)
async def test_families_seen_before_and_after_the_last_run_count_once(
    client: httpx.AsyncClient, admin: dict[str, str], mode: str
) -> None:
    h: History = await seed_november()
    a, b = h.spaces["A"], h.spaces["B"]
    # 29 November, after the rollups' last day (27 November) in "days": f1 again at A (seen
    # there on the 1st and the 15th), f2 at B for the first time (seen at A on the 10th).
    for space, family in ((a, "F1"), (b, "F2")):
        slot = await add_slot(space, utc(2026, 11, 29, 2))
        await add_check_in(space, slot, utc(2026, 11, 29, 2, 5), family=h.families[family], children=[], people=1)
    await _more_people_on_the_29th(h)
    await roll(mode)
    figures = await summary(client, admin)
    # The lead reader and the volunteer again (the lead reader's user with them), a new volunteer.
    assert (figures["lead_readers_active"], figures["volunteers"]) == (1, 3)
    assert figures["active_borrowers"] == 3  # f1 again, f2, and f3 new
    assert await families(client, admin) == 3  # f1, f2, f3: nobody twice
    assert await families(client, admin, space_id=a) == 2  # f1, f2
    assert await families(client, admin, space_id=b) == 2  # f3, and f2 new here
    assert await families(client, admin, street="东四") == 3
    assert await families_per_space(client, admin) == {"东四甲空间": 2, "东四乙空间": 2, "景山空间": 0}


async def test_the_rollups_are_read_once_per_run(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    await seed_november()
    await roll("months")
    assert await families(client, admin) == 3
    # Rows taken away under the same run token are not seen: what was read is kept...
    await Reach.delete(force=True)
    await Rollup.delete(force=True)
    assert await families(client, admin) == 3
    # ...until the token changes, as a rollup run changes it.
    await RollupState.update({RollupState.run: uuid4()}, force=True)
    assert await families(client, admin) == 0
    await roll("months")
    assert await families(client, admin) == 3
    # What the earlier runs left is dropped once the new run's is kept.
    runs = {key[0] for key in kept._kept}
    assert runs == {str((await RollupState.select(RollupState.run).first() or {})["run"])}, runs


async def test_readers_at_once_share_one_computation_and_later_ones_compute_anew() -> None:
    from app.stats.services import kept

    calls = 0
    release = asyncio.Event()

    async def compute() -> int:
        nonlocal calls
        calls += 1
        await release.wait()
        return calls

    readers = [asyncio.create_task(kept.shared(("test", "k"), compute)) for _ in range(8)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*readers) == [1] * 8
    assert calls == 1
    # Nothing is kept once it has finished: the next reader reads afresh.
    assert await kept.shared(("test", "k"), compute) == 2
    # Another key is another computation.
    assert await kept.shared(("test", "other"), compute) == 3


async def test_a_failed_shared_computation_fails_its_waiting_readers_and_a_cancelled_one_leaves_them_to_read() -> None:
    from app.stats.services import kept

    attempts = 0
    release = asyncio.Event()

    async def compute() -> str:
        nonlocal attempts
        attempts += 1
        await release.wait()
        if attempts == 1:
            raise RuntimeError("the reading failed")
        return "read"

    leader = asyncio.create_task(kept.shared(("test", "fails"), compute))
    await asyncio.sleep(0)
    followers = [asyncio.create_task(kept.shared(("test", "fails"), compute)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    outcomes = await asyncio.gather(leader, *followers, return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes), outcomes
    assert attempts == 1  # one failed reading, not one per reader

    release.clear()
    leader = asyncio.create_task(kept.shared(("test", "cancelled"), compute))
    await asyncio.sleep(0)
    followers = [asyncio.create_task(kept.shared(("test", "cancelled"), compute)) for _ in range(3)]
    await asyncio.sleep(0)
    leader.cancel()
    for _ in range(3):  # the readers wake, one of them reading again
        await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*followers) == ["read"] * 3
    assert leader.cancelled()
    assert attempts == 3  # the cancelled reading, then one for the three readers


async def test_concurrent_summaries_agree_and_a_later_one_sees_a_new_check_in(
    client: httpx.AsyncClient, admin: dict[str, str], clock: FrozenClock
) -> None:
    h: History = await seed_november()
    await roll("days")  # the 28th on is counted live
    answers = await asyncio.gather(*(summary(client, admin) for _ in range(6)))
    assert all(a == answers[0] for a in answers)
    slot = await add_slot(h.spaces["A"], utc(2026, 11, 29, 2))
    await add_check_in(h.spaces["A"], slot, utc(2026, 11, 29, 2, 5), family=h.families["F1"], children=[], people=1)
    # Read less than kept.FRESH seconds later, the summary is the one just read; then, read again.
    clock.advance(seconds=FRESH - 1)
    assert await summary(client, admin) == answers[0]
    clock.advance(seconds=1)
    assert (await summary(client, admin))["visits"] == answers[0]["visits"] + 1


async def test_a_series_and_the_dashboard_are_kept_for_a_few_seconds_per_request(
    client: httpx.AsyncClient, admin: dict[str, str], clock: FrozenClock
) -> None:
    h: History = await seed_november()
    await roll("days")

    async def visits_on_the_29th() -> int:
        r = await client.get(
            "/api/v1/stats/series", params={**NOVEMBER, "metric": "visits", "by": "day"}, headers=admin
        )
        assert r.status_code == 200, r.text
        return sum(p["value"] for p in r.json()["items"] if p["period"] == "2026-11-29")

    assert (await log_in(client, "stats_admin", "staff-pass-1")).status_code in (302, 303)

    async def headline_visits() -> str:
        r = await client.get("/staff/stats", params=NOVEMBER)
        assert r.status_code == 200, r.text
        found = re.search(r'data-key="visits"><span class="label">[^<]+</span><strong>(\d+)</strong>', r.text)
        assert found, r.text
        return found.group(1)

    series, page = await visits_on_the_29th(), await headline_visits()
    slot = await add_slot(h.spaces["A"], utc(2026, 11, 29, 2))
    await add_check_in(h.spaces["A"], slot, utc(2026, 11, 29, 2, 5), family=h.families["F1"], children=[], people=1)
    clock.advance(seconds=FRESH - 1)
    assert await visits_on_the_29th() == series and await headline_visits() == page
    clock.advance(seconds=1)
    assert await visits_on_the_29th() == series + 1
    assert int(await headline_visits()) == int(page) + 1


async def test_a_kept_summary_and_series_are_encoded_once_and_answered_as_read(
    client: httpx.AsyncClient, admin: dict[str, str], clock: FrozenClock
) -> None:
    """The API answers a kept summary or series with the JSON encoded when it was read (a
    city's summary lists 271 streets), not encoded again per request; the bytes are the
    figures' own encoding."""
    import msgspec

    from app.accounts.actor import Actor
    from app.accounts.roles import DISTRICT_ADMIN
    from app.stats.schemas import Series, Summary
    from app.stats.services import figures
    from app.stats.services import summary as summary_of
    from app.stats.services.scope import Filters, resolve

    await seed_november()
    await roll("days")
    actor = Actor(user_id=1, login="stats_admin", display_name="", roles=frozenset({DISTRICT_ADMIN}))
    filters = Filters(first=NOVEMBER["from"], last=NOVEMBER["to"])
    first = await figures.summary(filters, actor=actor, clock=clock)
    assert await figures.summary(filters, actor=actor, clock=clock) is first  # kept as bytes
    scope = await resolve(filters, actor=actor, clock=clock)
    assert msgspec.json.decode(first, type=Summary) == await summary_of.summary(scope)
    r = await client.get("/api/v1/stats/summary", params=NOVEMBER, headers=admin)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.content == first
    series = await figures.series(filters, metric="visits", by="day", actor=actor, clock=clock)
    assert await figures.series(filters, metric="visits", by="day", actor=actor, clock=clock) is series
    assert len(msgspec.json.decode(series, type=Series).items) == 30
