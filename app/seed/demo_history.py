"""The demo's past, made once: neighbour families, one of them an active family lead reader;
three past Saturdays' 绘本＋ activities at the Wangfujing base that the demo family and the
neighbours booked and attended, each with its reading session logged; the demo family's
loans (one returned, one out) and a reading log. Written through the services with a clock
set back to when each thing happened, so the rows are what the pages make."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from app.accounts.actor import Actor
from app.accounts.consent import CURRENT_POLICY
from app.accounts.schemas import ChildIn, ConsentIn, FamilyRegistration
from app.accounts.services.registration import register_family
from app.accounts.tables import Child, User
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.values import frozen
from app.seed.demo_activities import THEMED
from app.seed.demo_books import demo_isbn
from reading.lending.services.loans import lend
from reading.lending.services.returns import staff_return
from reading.lending.tables import Book, Copy
from reading.programme.schemas import LogIn, SessionIn
from reading.programme.services.readinglog import add_entry
from reading.programme.services.sessions import log_session
from reading.programme.tables import LeadReader
from spaces.schemas import BookingIn, SlotIn
from spaces.services.attendance import mark_attended
from spaces.services.places import book
from spaces.services.slots import create_slots
from spaces.tables import Booking

NEIGHBOURS = [  # phone, guardian, children (nickname, birth month); the first is the lead reader
    ("13800000002", "刘爸爸", [("果果", "2020-03")]),
    ("13800000003", "陈妈妈", [("乐乐", "2019-11"), ("安安", "2022-06")]),
    ("13800000004", "赵奶奶", [("朵朵", "2021-01")]),
]
NEIGHBOUR_PASSWORD = "demo-family-2026"  # noqa: S105  (public by design, printed by make run)


class At:
    """A clock stopped at one moment of the demo's past."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@frozen
class Who:
    actor: Actor
    children: list[int]


async def register_demo_family(
    phone: str, password: str, guardian: str, children: list[tuple[str, str]], clock: Clock
) -> None:
    """A demo family that accepted the consent policy, with these children (nickname, birth
    month), unless its login exists already: the demo seed may run again."""
    if not await User.exists().where(User.login == phone):
        await register_family(
            FamilyRegistration(
                phone=phone,
                password=password,
                guardian_name=guardian,
                consent=ConsentIn(policy_version=CURRENT_POLICY.version, accepted=True),
                children=[ChildIn(nickname=n, birth_month=m) for n, m in children],
            ),
            clock=clock,
        )


async def _family(phone: str, guardian: str, children: list[tuple[str, str]], clock: Clock) -> Who:
    await register_demo_family(phone, NEIGHBOUR_PASSWORD, guardian, children, clock)
    return await family_actor(phone)


async def family_actor(phone: str) -> Who:
    user = await User.select(User.id, User.family, User.display_name).where(User.login == phone).first()
    if user is None or user["family"] is None:
        raise LookupError(f"no demo family with the login {phone}")
    kids = await Child.select(Child.id).where(Child.family == user["family"]).order_by(Child.id)
    actor = Actor(user["id"], phone, user["display_name"], frozenset({"family"}), family_id=user["family"])
    return Who(actor, [k["id"] for k in kids])


async def seed_history(space_ids: list[int], demo_phone: str, staff: dict[str, Actor], clock: Clock) -> bool:
    """Makes the past once (it is there when the demo family has attended something)."""
    demo = await family_actor(demo_phone)
    if await Booking.exists().where((Booking.family == demo.actor.family_id) & (Booking.status == "attended")):
        return False
    today = local_today(clock)
    first = today - timedelta(days=28)
    neighbours = [await _family(p, g, c, At(_at(first, time(9)))) for p, g, c in NEIGHBOURS]
    lead_reader = await _lead_reader(neighbours[0].actor, _at(first, time(10)))
    base = space_ids[0]
    saturdays = [d for d in (today - timedelta(days=n) for n in range(1, 22)) if d.isoweekday() == 6]
    books = [r["id"] for r in await Book.select(Book.id).where(Book.isbn.is_in([demo_isbn(n) for n in range(6)]))]
    for n, day in enumerate(sorted(saturdays)):
        await _past_activity(base, day, n, [demo, *neighbours], staff, lead_reader, books[n : n + 2])
    await _loans(base, demo, staff["librarian"], today)
    await _reading_log(demo, books, today)
    return True


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, local_zone()).astimezone(UTC)


async def _lead_reader(actor: Actor, now: datetime) -> int:
    row = await LeadReader.select(LeadReader.id).where(LeadReader.user == actor.user_id).first()
    if row is not None:
        return int(row["id"])
    created = await LeadReader.insert(
        LeadReader(
            user=actor.user_id,
            family=actor.family_id,
            display_name=actor.display_name,
            status="active",
            created_at=now,
            updated_at=now,
        )
    ).returning(LeadReader.id)
    return int(created[0]["id"])


async def _past_activity(
    space_id: int, day: date, n: int, families: list[Who], staff: dict[str, Actor], lead_reader: int, books: list[int]
) -> None:
    theme, title, description = THEMED[n % 5]
    starts = _at(day, time(10))
    data = SlotIn(
        kind="activity",
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
        capacity=30,
        theme=theme,
        description=description,
        lead_reader_ids=[lead_reader],
    )
    slot = (await create_slots(space_id, data, actor=staff["admin"], clock=At(starts - timedelta(days=8))))[0]
    adults = children = 0
    for who in families:
        booking = await book(
            slot.id, BookingIn(child_ids=who.children), actor=who.actor, clock=At(starts - timedelta(days=3))
        )
        await mark_attended(booking.id, actor=staff["librarian"], clock=At(starts + timedelta(minutes=5)))
        adults, children = adults + booking.adults, children + len(who.children)
    session = SessionIn(
        space_id=space_id,
        started_at=starts,
        minutes=90,
        adults=adults,
        children=children,
        slot_id=slot.id,
        lead_reader_ids=[lead_reader],
        book_ids=books,
        theme=theme,
        notes="孩子们很投入，读完后一起做了手工。",
        client_key=f"demo-history-{day.isoformat()}",
    )
    await log_session(session, actor=staff["volunteer"], clock=At(starts + timedelta(hours=2)))


async def _loans(space_id: int, demo: Who, librarian: Actor, today: date) -> None:
    """Two loans ten days ago at the base: one returned three days ago, one still out."""
    copies = await Copy.select(Copy.id).where(Copy.home_space == space_id).order_by(Copy.id).limit(2)
    lent = At(_at(today - timedelta(days=10), time(11)))
    for c in copies:
        await lend(c["id"], demo.actor.family_id or 0, actor=librarian, clock=lent)
    if copies:
        await staff_return(
            copies[0]["id"], space_id, actor=librarian, clock=At(_at(today - timedelta(days=3), time(16)))
        )


async def _reading_log(demo: Who, books: list[int], today: date) -> None:
    for n, book_id in enumerate(books[:5]):
        read_on = today - timedelta(days=2 * n + 1)
        entry = LogIn(child_ids=demo.children[:1], read_on=read_on, book_id=book_id, minutes=15 + 5 * n)
        await add_entry(demo.actor.family_id, entry, clock=At(_at(read_on, time(20))))
