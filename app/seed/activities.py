"""~2,600 activities a year per district (the report's 2,625 lectures), mostly at weekends and
at the reading base, booked by families living nearby: 85 % attended, 8 % no-shows, 7 %
cancelled in the past; partly booked (when booking has opened) in the coming two weeks."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from app.kernel.values import frozen
from app.seed.attendance import add_booking, add_check_in, party
from app.seed.context import Context, FamilyInfo, PastActivity, SpaceInfo
from app.seed.names import ACTIVITY_TITLES, ANIMALS, THEMES, THINGS
from app.seed.rows import SlotRow

MAX_FUTURE_BOOKINGS = 2  # per family: stays well under the limit of 4
WEEKEND_STARTS = (time(9, 30), time(10), time(14), time(15), time(16))


@frozen
class Activity:
    space: SpaceInfo
    space_index: int
    day: date
    starts: datetime
    ends: datetime
    capacity: int
    theme: str
    band: str
    title: str
    opens_at: datetime  # booking opens a week before, at noon
    waitlist: bool


@dataclass(slots=True)
class Turnout:
    taken: int = 0  # places held by bookings not cancelled
    check_ins: int = 0
    adults: int = 0  # of the check-ins
    people: int = 0  # of the check-ins


def part_activities(ctx: Context) -> Iterator[None]:
    rng = ctx.rng("activities")
    days = [ctx.first_day + timedelta(days=d) for d in range(ctx.scale.history_days + ctx.scale.future_days)]
    weekend = [d for d, day in enumerate(days) if day.isoweekday() >= 6]
    weekdays = [d for d, day in enumerate(days) if day.isoweekday() < 6]
    for district in range(ctx.scale.districts):
        indexes = [i for i, s in enumerate(ctx.spaces) if s.district == district]
        weights = [20.0 if ctx.spaces[i].kind == "reading_base" else 1.0 for i in indexes]
        for s_index in rng.choices(indexes, weights=weights, k=ctx.scale.activities_per_district):
            offset = rng.choice(weekend if rng.random() < 0.75 else weekdays)
            _hold(ctx, rng, _plan(ctx, rng, s_index, ctx.first_day + timedelta(days=offset)))
            yield


def _plan(ctx: Context, rng: random.Random, space_index: int, day: date) -> Activity:
    """When, how long, for how many and whom (an age band or every age), on what theme."""
    space = ctx.spaces[space_index]
    if space.closed_on(day):  # two weeks later (closures last at most ten days)
        day += timedelta(days=14)
    start = rng.choice(WEEKEND_STARTS) if day.isoweekday() >= 6 else time(16)
    starts = ctx.at(day, start)
    ends = starts + timedelta(minutes=rng.choice((60, 90)))
    capacity = rng.choice((30, 40, 50, 60)) if space.kind == "reading_base" else rng.choice((10, 12, 15, 20))
    theme = rng.choice(THEMES)
    band = rng.choice(("", "", "", "3-6", "6-9", "0-3"))
    title = rng.choice(ACTIVITY_TITLES).format(
        theme=theme,
        book=rng.choice(ctx.titles) if ctx.titles else "好饿的毛毛虫",
        thing=rng.choice(THINGS),
        animal=rng.choice(ANIMALS),
    )[:100]
    opens_at = ctx.at(day - timedelta(days=7), time(12))
    waitlist = rng.random() < 0.5
    return Activity(space, space_index, day, starts, ends, capacity, theme, band, title, opens_at, waitlist)


def _hold(ctx: Context, rng: random.Random, activity: Activity) -> None:
    """The activity's slot with its bookings and check-ins; a past one with check-ins gets a
    reading session later (the programme part)."""
    slot_id = ctx.next_id(SlotRow)
    past = activity.day < ctx.today
    if past:
        target = int(activity.capacity * rng.uniform(0.6, 1.0))
    elif activity.opens_at < ctx.at(ctx.today, time(0)):  # booking open already: partly booked
        target = int(activity.capacity * rng.uniform(0.2, 0.8))
    else:  # not open yet: empty
        target = 0
    turnout = _bookings(ctx, rng, activity, slot_id, past, target)
    ctx.add(
        SlotRow(
            id=slot_id,
            space=activity.space.id,
            kind="activity",
            title=activity.title,
            theme=activity.theme,
            age_band=activity.band,
            starts_at=activity.starts,
            ends_at=activity.ends,
            capacity=activity.capacity,
            remaining=activity.capacity - turnout.taken,
            waitlist=activity.waitlist,
            booking_opens_at=activity.opens_at,
            cancel_deadline=activity.starts - timedelta(hours=2),
            created_at=activity.opens_at - timedelta(days=3),
        )
    )
    ctx.activity_check_ins += turnout.check_ins
    if past and turnout.check_ins:
        minutes = int((activity.ends - activity.starts).total_seconds()) // 60
        children = turnout.people - turnout.adults
        ctx.past_activities.append(
            PastActivity(
                slot_id, activity.space_index, activity.starts, minutes, activity.theme, turnout.adults, children
            )
        )


def _bookings(ctx: Context, rng: random.Random, activity: Activity, slot_id: int, past: bool, target: int) -> Turnout:
    """Families of the space (seven in ten) or the district book until the target is taken."""
    turnout = Turnout()
    drawn = ctx.families_drawn(rng, activity.space_index, 0.7, activity.capacity * 3, lambda: turnout.taken >= target)
    for f_index, family in drawn:
        coming = party(rng, family, activity.band, activity.day)
        if coming is None:
            continue
        adults, child_ids = coming
        people = adults + len(child_ids)
        if turnout.taken + people > activity.capacity:
            continue
        window = int(((activity.starts if past else ctx.at(ctx.today, time(0))) - activity.opens_at).total_seconds())
        booked = activity.opens_at + timedelta(seconds=rng.randrange(max(1, window)))
        if past:
            outcome = _outcome(rng, activity.starts, booked)
        elif ctx.future_bookings.get(f_index, 0) >= MAX_FUTURE_BOOKINGS:
            continue
        else:
            ctx.future_bookings[f_index] = ctx.future_bookings.get(f_index, 0) + 1
            outcome = Outcome("confirmed", None, None)
        _book(ctx, rng, activity, slot_id, family, coming, booked, outcome, turnout)
    return turnout


class Outcome(NamedTuple):
    status: str
    checked: datetime | None
    cancelled: datetime | None


def _outcome(rng: random.Random, starts: datetime, booked: datetime) -> Outcome:
    """How a past booking ended: its status, when it checked in, when it was cancelled."""
    roll = rng.random()
    status = "attended" if roll < 0.85 else ("no_show" if roll < 0.93 else "cancelled")
    checked = starts + timedelta(seconds=rng.randint(-20 * 60, 10 * 60)) if status == "attended" else None
    late = timedelta(seconds=int((starts - booked).total_seconds()) // 2)
    cancelled = booked + late if status == "cancelled" else None
    return Outcome(status, checked, cancelled)


def _book(
    ctx: Context,
    rng: random.Random,
    activity: Activity,
    slot_id: int,
    family: FamilyInfo,
    coming: tuple[int, list[int]],
    booked: datetime,
    outcome: Outcome,
    turnout: Turnout,
) -> None:
    adults, child_ids = coming
    people = adults + len(child_ids)
    past = outcome.status != "confirmed"  # the coming bookings are all confirmed
    booking = add_booking(
        ctx,
        slot_id,
        family,
        status=outcome.status,
        adults=adults,
        child_ids=child_ids,
        booked=booked,
        checked=outcome.checked,
        cancelled=outcome.cancelled,
        past=past,
    )
    if outcome.status != "cancelled":
        turnout.taken += people
    if outcome.checked is not None:
        add_check_in(
            ctx,
            rng,
            activity.space,
            slot_id,
            family,
            booking=booking,
            child_ids=child_ids,
            people=people,
            checked=outcome.checked,
        )
        turnout.check_ins += 1
        turnout.adults += adults
        turnout.people += people
