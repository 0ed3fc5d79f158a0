"""The demo `make run` loads on every start (issue 15, item 4): picture books with copies
across the spaces, two weeks of activities of every theme at the Wangfujing base and at small
spaces, a lead reader and some history; a second run adds nothing; the staff and family
logins it prints work."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx

from tests.helpers import FrozenClock


async def test_demo_has_every_journey_and_loads_once(clock: FrozenClock, client: httpx.AsyncClient) -> None:
    from app.accounts.tables import User
    from app.seed.demo import DEMO_FAMILY, STAFF, seed_demo
    from app.seed.demo_activities import THEMED
    from reading.lending.tables import Book, Copy, Loan
    from reading.programme.tables import LeadReader, ReadingLogEntry, ReadingSession
    from spaces.tables import Booking, Slot, Space

    started = time.monotonic()
    report = await seed_demo(clock)
    assert time.monotonic() - started < 60, "seed-demo runs on every `make run`"
    assert any("200 picture books" in line for line in report)

    assert await Book.count() >= 200
    shelves = await Copy.select(Copy.home_space).distinct()
    assert len(shelves) >= 5, "copies at the base and across the small spaces"
    base = await Space.select(Space.id).where(Space.name.like("王府井%")).first()
    assert base is not None
    now = clock.now()
    coming = await Slot.select(Slot.theme, Slot.space).where(
        (Slot.kind == "activity") & (Slot.starts_at > now) & (Slot.starts_at < now + timedelta(days=14))
    )
    base_themes = {r["theme"] for r in coming if r["space"] == base["id"]}
    assert base_themes == {theme for theme, _, _ in THEMED}
    assert len({r["space"] for r in coming}) >= 4, "activities at a few small spaces too"
    assert await LeadReader.count().where(LeadReader.status == "active") == 1
    assert await Booking.count().where(Booking.status == "attended") >= 6
    assert await ReadingSession.count() >= 2
    assert await Loan.count() == 2
    assert await ReadingLogEntry.count() >= 3

    counts = (await Book.count(), await Copy.count(), await Slot.count(), await Booking.count(), await User.count())
    again = await seed_demo(clock)
    assert any("0 picture books" in line for line in again)
    assert (
        await Book.count(),
        await Copy.count(),
        await Slot.count(),
        await Booking.count(),
        await User.count(),
    ) == counts

    for login, password, _, _ in STAFF:  # the printed passwords are accepted (not refused as weak)
        r = await client.post("/api/v1/auth/tokens", json={"login": login, "password": password})
        assert r.status_code == 201, (login, r.text)
    r = await client.post("/api/v1/auth/tokens", json={"login": DEMO_FAMILY[0], "password": DEMO_FAMILY[1]})
    assert r.status_code == 201, r.text
    r = await client.get("/api/v1/books", params={"q": ""})
    assert r.status_code == 200 and r.json()["items"], "the catalogue is not empty"
