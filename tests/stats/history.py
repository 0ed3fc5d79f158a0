"""A known history to check the statistics against hand-computed figures (see the tests).

Three spaces: A and B on 东四 street, C on 景山 (open on Saturdays only). November 2026 in
Beijing (UTC+8): some check-ins sit on a day boundary (UTC says another day than Beijing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import httpx

from app.accounts.tables import Child, Family, User
from app.stats.services.rollup import catch_up
from reading.lending.tables import Book, Copy, Loan
from reading.programme.tables import LeadReader, ReadingLogEntry, ReadingSession, SessionLeadReader
from spaces.tables import Booking, CheckIn, Closure, OpeningHours, Slot, Space, WalkIn
from tests.helpers import FrozenClock

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
# How the figures are read: all live; from rollups built through 27 November and the 28th's
# stamped rows before 09:58 (the test clock's morning: day rows, the rest of the 28th and
# 29-30 November live); through 10 December (November's month row).
ROLLUPS = ("live", "days", "months")
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


async def roll(mode: str) -> None:
    """Build the rollups as `mode` (one of ROLLUPS) says."""
    if mode != "live":
        now = datetime(2026, 11, 28, 2, tzinfo=UTC) if mode == "days" else datetime(2026, 12, 10, 2, tzinfo=UTC)
        await catch_up(clock=FrozenClock(now))


async def summary(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    """The summary of November (or of the period `params` say)."""
    r = await client.get("/api/v1/stats/summary", params={**NOVEMBER, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class History:
    spaces: dict[str, int] = field(default_factory=dict)
    families: dict[str, int] = field(default_factory=dict)
    children: dict[str, int] = field(default_factory=dict)
    slots: dict[str, int] = field(default_factory=dict)


async def insert_row(row: Any) -> int:
    result = await type(row).insert(row).returning(type(row).id)
    return int(result[0]["id"])


async def add_space(name: str, street: str, weekdays: range | tuple[int, ...] = range(1, 8)) -> int:
    space_id = await insert_row(
        Space(name=name, kind="ten_square", street=street, address=f"{street}{name}", capacity=20, created_at=CREATED)
    )
    for weekday in weekdays:
        await insert_row(OpeningHours(space=space_id, weekday=weekday, opens=time(9), closes=time(17)))
    return space_id


async def add_slot(space: int, starts: datetime, *, kind: str = "activity", theme: str = "") -> int:
    return await insert_row(
        Slot(
            space=space,
            kind=kind,
            title=theme or kind,
            theme=theme,
            starts_at=starts,
            ends_at=starts.replace(hour=starts.hour + 1),
            capacity=30,
            remaining=30,
            created_at=CREATED,
        )
    )


async def add_check_in(
    space: int,
    slot: int,
    at: datetime,
    *,
    family: int | None,
    children: list[int],
    people: int,
    booking: int | None = None,
) -> int:
    return await insert_row(
        CheckIn(
            kind="booking" if booking else "visit",
            space=space,
            slot=slot,
            family=family,
            booking=booking,
            child_ids=json.dumps(children),
            people=people,
            checked_in_at=at,
        )
    )


async def add_booking(slot: int, family: int, status: str, adults: int, children: list[int]) -> int:
    return await insert_row(
        Booking(
            slot=slot,
            family=family,
            status=status,
            adults=adults,
            child_ids=json.dumps(children),
            people=adults + len(children),
            created_at=CREATED,
        )
    )


async def _family(created: datetime, births: list[date]) -> tuple[int, list[int]]:
    family = await insert_row(Family(created_at=created))
    kids = [
        await insert_row(Child(family=family, nickname=f"孩子{i}", birth_month=born, created_at=created))
        for i, born in enumerate(births)
    ]
    return family, kids


async def seed_november() -> History:
    h = History()
    a = h.spaces["A"] = await add_space("东四甲空间", "东四")
    b = h.spaces["B"] = await add_space("东四乙空间", "东四")
    h.spaces["C"] = await add_space("景山空间", "景山", (6,))
    f1, (k1, k2) = await _family(utc(2026, 1, 5), [date(2021, 3, 1), date(2018, 1, 1)])
    f2, (k3,) = await _family(utc(2026, 11, 10), [date(2024, 6, 1)])
    f3, (k4,) = await _family(utc(2026, 2, 1), [date(2016, 1, 1)])
    h.families.update(F1=f1, F2=f2, F3=f3)
    h.children.update(k1=k1, k2=k2, k3=k3, k4=k4)
    s1 = await add_slot(a, utc(2026, 11, 10, 1), kind="open_reading")
    s2 = await add_slot(a, utc(2026, 11, 15, 2), theme="culture")
    s3 = await add_slot(a, utc(2026, 11, 20, 2), theme="science")
    s4 = await add_slot(b, utc(2026, 11, 16, 2), theme="culture")
    h.slots.update(S1=s1, S2=s2, S3=s3, S4=s4)
    # Booked two adults and two children; one child came: 3 present, not 4.
    b1 = await add_booking(s2, f1, "attended", 2, [k1, k2])
    await add_check_in(a, s2, utc(2026, 11, 15, 1, 50), family=f1, children=[k1], people=4, booking=b1)
    await add_booking(s2, f2, "no_show", 1, [k3])
    b3 = await add_booking(s4, f3, "attended", 1, [k4])
    await add_check_in(b, s4, utc(2026, 11, 16, 1, 55), family=f3, children=[k4], people=2, booking=b3)
    await add_booking(s3, f3, "cancelled", 1, [k4])
    await add_booking(s4, f1, "confirmed", 1, [k1])
    # 00:30 on 10 November in Beijing (UTC still says the 9th).
    await add_check_in(a, s1, utc(2026, 11, 9, 16, 30), family=f2, children=[k3], people=2)
    # 00:10 on 1 November in Beijing: in November, though UTC says 31 October.
    await add_check_in(a, s1, utc(2026, 10, 31, 16, 10), family=f1, children=[k1, k2], people=3)
    # 00:30 on 1 December in Beijing: not in November, though UTC says the 30th.
    await add_check_in(a, s1, utc(2026, 11, 30, 16, 30), family=f3, children=[k4], people=2)
    await insert_row(WalkIn(slot=s1, adults=1, children=2, created_at=utc(2026, 11, 10, 3)))
    await _lending(h)
    await _programme(h)
    return h


async def _lending(h: History) -> None:
    a, b, c = h.spaces["A"], h.spaces["B"], h.spaces["C"]
    book = await insert_row(Book(isbn="9787544270878", title="猜猜我有多爱你", created_at=CREATED, updated_at=CREATED))
    copies = [
        await insert_row(Copy(book=book, barcode=f"SC{i:06d}", home_space=a, status="on_shelf", created_at=CREATED))
        for i in range(3)
    ]
    f1, f2 = h.families["F1"], h.families["F2"]
    for copy, family, space, borrowed, returned, back in (
        (copies[0], f1, a, utc(2026, 11, 5, 2), utc(2026, 11, 12, 2), b),
        (copies[1], f2, c, utc(2026, 11, 20, 2), None, None),
        (copies[2], f1, a, utc(2026, 10, 20, 2), utc(2026, 11, 2, 2), a),
    ):
        await insert_row(
            Loan(
                copy=copy,
                family=family,
                space=space,
                borrowed_at=borrowed,
                due_on=borrowed.date(),
                returned_at=returned,
                returned_space=back,
            )
        )
    for day in (date(2026, 11, 3), date(2026, 11, 30), date(2026, 10, 31)):
        await insert_row(ReadingLogEntry(family=f1, book=book, read_on=day, created_at=CREATED))


async def add_user(login: str) -> int:
    user = User(login=login, display_name=login, password_hash="-", roles="volunteer", created_at=CREATED)
    return await insert_row(user)


async def _programme(h: History) -> None:
    volunteer = await add_user("stats_volunteer")
    lead_user = await add_user("stats_lead")
    lead = await insert_row(LeadReader(user=lead_user, display_name="领读妈妈", created_at=CREATED, updated_at=CREATED))
    for space, at, minutes, theme, leads in (
        (h.spaces["A"], utc(2026, 11, 15, 3), 60, "culture", [lead]),
        (h.spaces["C"], utc(2026, 11, 21, 3), 30, "reading", []),
        (h.spaces["C"], utc(2026, 10, 17, 3), 45, "reading", [lead]),
    ):
        session = await insert_row(
            ReadingSession(
                space=space,
                started_at=at,
                minutes=minutes,
                adults=3,
                children=5,
                theme=theme,
                logged_by=volunteer,
                created_at=at,
                updated_at=at,
            )
        )
        for one in leads:
            await insert_row(SessionLeadReader(session=session, lead_reader=one))


async def add_closure(space: int, first: date, last: date) -> None:
    await insert_row(Closure(space=space, first_day=first, last_day=last, reason="装修"))
