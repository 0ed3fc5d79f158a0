"""Read models of the families' pages: a space's week (each day's slots with their booking
state and the family's own bookings), an activity with its booking form, and "my bookings".
Shared with the staff pages (views_staff.py): the slot states and the week's days."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from app.accounts.actor import Actor
from app.accounts.schemas import FamilyOut
from app.accounts.services.families import get_family
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.recent import Recent
from app.kernel.values import frozen
from spaces.schemas import BookingOut, ClosureOut, SlotOut, SpaceOut, SpaceSummary
from spaces.services import bookings, calendar, slots
from spaces.services.spaces import get_space
from spaces.services.suspensions import suspended_until

WEEK = 7
FURTHEST = timedelta(days=366)  # how far ahead the week pager goes


@frozen
class SlotItem:
    """A slot on a day's list: its booking state (a word the templates make a badge of)."""

    slot: SlotOut
    state: str
    opens_on: date | None = None  # open reading: the first day it can be booked
    mine: str | None = None  # the status of the family's booking there
    space: SpaceSummary | None = None  # on the staff's schedule of several spaces


@frozen
class Day:
    day: date
    items: tuple[SlotItem, ...] = ()
    closure: str | None = None  # the reason ("" for none given) when the space is closed


@frozen
class SpaceWeek:
    space: SpaceOut
    first: date
    today: date
    days: tuple[Day, ...]
    prev_week: date | None
    next_week: date
    serves: bool  # the reader is staff of the space


@frozen
class SlotView:
    """An activity (or open reading) with what its booking form needs for this reader."""

    slot: SlotOut
    space: SpaceOut
    slot_day: date
    today: date
    state: str
    opens_on: date | None
    family: FamilyOut | None
    fits: dict[int, bool]  # child id → in the activity's age band
    mine: BookingOut | None
    suspended: datetime | None
    serves: bool

    @property
    def fitting(self) -> set[int]:
        """The children who fit the activity's age band."""
        return {child for child, ok in self.fits.items() if ok}

    @property
    def short(self) -> bool:
        """Fewer places left than the party ticked by default (the fitting children and an adult)."""
        return self.state == "open" and 0 < self.slot.remaining < len(self.fitting) + 1

    def suggested(self) -> tuple[set[int], int]:
        """The children ticked and the adults chosen before the family touches the form:
        booking is one tap. When fewer places are left than that party and the slot keeps no
        waitlist, only as many as fit: with one place left, one child and no adult place."""
        fitting = sorted(self.fitting)
        if not self.short or self.slot.waitlist:
            return set(fitting), 1
        adults = 1 if self.slot.remaining >= 2 else 0
        return set(fitting[: self.slot.remaining - adults]), adults


@frozen
class MyBookings:
    upcoming: tuple[BookingOut, ...]
    past: tuple[BookingOut, ...]  # the newest few
    days: dict[int, date]  # booking id → its local day
    nicknames: dict[int, str]  # child id → nickname
    feed_url: str  # the family's private calendar feed
    today: date
    now: datetime


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, local_zone())


def local_day(moment: datetime) -> date:
    return moment.astimezone(local_zone()).date()


def slot_state(slot: SlotOut, now: datetime, opens_on: date | None = None, today: date | None = None) -> str:
    """One word for a slot's booking state; the templates turn it into a badge."""
    if slot.cancelled:
        return "cancelled"
    if now >= slot.ends_at:
        return "ended"
    if now >= slot.starts_at:
        return "started"
    if (slot.booking_opens_at and now < slot.booking_opens_at) or (opens_on and today and today < opens_on):
        return "not_open"
    if slot.remaining <= 0:
        return "waitlist" if slot.waitlist else "full"
    return "open"


def opens_on(slot: SlotOut, horizon: int) -> date | None:
    """Open reading can be booked `horizon` days ahead: the first day it can."""
    return local_day(slot.starts_at) - timedelta(days=horizon) if slot.kind == "open_reading" else None


def closure_on(day: date, closures: Iterable[ClosureOut]) -> str | None:
    for c in closures:
        if c.first_day <= day.isoformat() <= c.last_day:
            return c.reason
    return None


def days_of(
    first: date, length: int, items: Iterable[SlotItem], closures: Sequence[ClosureOut] = ()
) -> tuple[Day, ...]:
    """`length` days from `first`, each with its slots (in the order given) and closure."""
    by_day: list[list[SlotItem]] = [[] for _ in range(length)]
    for item in items:
        index = (local_day(item.slot.starts_at) - first).days
        if 0 <= index < length:
            by_day[index].append(item)
    return tuple(
        Day(day, tuple(found), closure_on(day, closures))
        for day, found in ((first + timedelta(days=i), by_day[i]) for i in range(length))
    )


# What anonymous readers see of a space's week, read at most 2 seconds ago (issue 17): the
# busiest public page. Signed-in readers, whose own bookings are marked, always read afresh.
_ANONYMOUS_WEEKS: Recent[tuple[int, date], SpaceWeek] = Recent(seconds=2)


async def space_week(space_id: int, week: date, *, actor: Actor | None, clock: Clock) -> SpaceWeek:
    """The space and the week from `week` (today at the earliest): each day with its slots,
    their remaining places and badges, and the family's own bookings marked. Two statements."""
    now, today = clock.now(), local_today(clock)
    first = min(max(week, today), today + FURTHEST)
    if actor is not None:
        return await _space_week(space_id, first, actor=actor, now=now, today=today)
    if (kept := _ANONYMOUS_WEEKS.get((space_id, first), now)) is None or kept.today != today:
        kept = await _space_week(space_id, first, actor=None, now=now, today=today)
        _ANONYMOUS_WEEKS.put((space_id, first), kept, now)
    return kept


async def _space_week(space_id: int, first: date, *, actor: Actor | None, now: datetime, today: date) -> SpaceWeek:
    space = await get_space(space_id)
    family_id = actor.family_id if actor is not None and actor.is_family else None
    found = await slots.marked_slots(
        space_id, day_start(first), day_start(first + timedelta(days=WEEK)), family_id=family_id
    )
    items = []
    for s, mine in found:
        starts = opens_on(s, space.booking_horizon_days)
        items.append(SlotItem(s, slot_state(s, now, starts, today), starts, mine))
    return SpaceWeek(
        space=space,
        first=first,
        today=today,
        days=days_of(first, WEEK, items, space.closures),
        prev_week=max(first - timedelta(days=WEEK), today) if first > today else None,
        next_week=first + timedelta(days=WEEK),
        serves=actor is not None and actor.serves(space_id),
    )


async def slot_view(slot_id: int, *, actor: Actor | None, clock: Clock) -> SlotView:
    slot = await slots.get_slot(slot_id)
    space = await get_space(slot.space_id)
    now, today = clock.now(), local_today(clock)
    starts = opens_on(slot, space.booking_horizon_days)
    family: FamilyOut | None = None
    mine: BookingOut | None = None
    suspended: datetime | None = None
    if actor is not None and actor.is_family and actor.family_id is not None:
        family = await get_family(actor.family_id, clock=clock)
        active = [
            b for b in await bookings.family_bookings(actor.family_id, slot_id=slot_id) if b.status in bookings.ACTIVE
        ]
        mine = active[-1] if active else None
        suspended = await suspended_until(actor.family_id, now)
    return SlotView(
        slot=slot,
        space=space,
        slot_day=local_day(slot.starts_at),
        today=today,
        state=slot_state(slot, now, starts, today),
        opens_on=starts,
        family=family,
        fits={c.id: not slot.age_band or c.age_band == slot.age_band for c in family.children} if family else {},
        mine=mine,
        suspended=suspended,
        serves=actor is not None and actor.serves(slot.space_id),
    )


async def my_bookings(family_id: int, *, base_url: str, clock: Clock, past: int = 30) -> MyBookings:
    """A family's upcoming bookings (soonest first) and its newest `past` other ones."""
    now = clock.now()
    everything = await bookings.family_bookings(family_id)
    upcoming = sorted(
        (b for b in everything if b.status in bookings.UPCOMING and b.ends_at > now), key=lambda b: (b.starts_at, b.id)
    )
    coming = {b.id for b in upcoming}
    before = sorted((b for b in everything if b.id not in coming), key=lambda b: (b.starts_at, b.id), reverse=True)
    family = await get_family(family_id, clock=clock)
    return MyBookings(
        upcoming=tuple(upcoming),
        past=tuple(before[:past]),
        days={b.id: local_day(b.starts_at) for b in upcoming},
        nicknames={c.id: c.nickname for c in family.children},
        feed_url=calendar.feed_url(await calendar.feed_token(family_id), base_url),
        today=local_today(clock),
        now=now,
    )
