"""Open-reading slots from the opening hours for the whole window, with past attendance
(weekends busier, the base busiest) making up the rest of the ~90,000 attendances: four in
five as walk-in visits at a corner, one in five with a booking of that slot."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from app.seed.attendance import add_booking, add_check_in
from app.seed.context import Context, FamilyInfo, SpaceInfo
from app.seed.rows import SlotRow


def part_open_reading(ctx: Context) -> Iterator[None]:
    rng = ctx.rng("open_reading")
    total_weight = sum(_weight(s, day) for s in ctx.spaces for day, _o, _c in open_slots(ctx, s) if day < ctx.today)
    target = max(0, ctx.scale.attendances_per_district * ctx.scale.districts - ctx.activity_check_ins)
    per_weight = target / total_weight if total_weight else 0.0
    for s_index, space in enumerate(ctx.spaces):
        for day, opens, closes in open_slots(ctx, space):
            starts, ends = ctx.at(day, opens), ctx.at(day, closes)
            slot_id = ctx.next_id(SlotRow)
            taken = 0
            if day < ctx.today:
                expected = _weight(space, day) * per_weight * rng.uniform(0.5, 1.5)
                wanted = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
                taken = _visits(ctx, rng, s_index, slot_id, starts, ends, wanted)
            ctx.add(
                SlotRow(
                    id=slot_id,
                    space=space.id,
                    kind="open_reading",
                    title="开放阅读",
                    theme="",
                    age_band="",
                    starts_at=starts,
                    ends_at=ends,
                    capacity=space.capacity,
                    remaining=space.capacity - taken,
                    waitlist=False,
                    booking_opens_at=None,
                    cancel_deadline=starts - timedelta(hours=2),
                    created_at=starts - timedelta(days=14),
                )
            )
        yield


def open_slots(ctx: Context, space: SpaceInfo) -> Iterator[tuple[date, time, time]]:
    """Every opening of the space in the window (history and the coming days), closures left out."""
    by_weekday: dict[int, list[tuple[time, time]]] = {}
    for w, opens, closes in space.hours:
        by_weekday.setdefault(w, []).append((opens, closes))
    for offset in range(ctx.scale.history_days + ctx.scale.future_days):
        day = ctx.first_day + timedelta(days=offset)
        ranges = by_weekday.get(day.isoweekday())
        if not ranges or (space.closed and space.closed_on(day)):
            continue
        for opens, closes in ranges:
            yield day, opens, closes


def _weight(space: SpaceInfo, day: date) -> float:
    return space.capacity * (2.5 if day.isoweekday() >= 6 else 1.0)


def _visits(
    ctx: Context, rng: random.Random, s_index: int, slot_id: int, starts: datetime, ends: datetime, wanted: int
) -> int:
    """Families of the space (four in five) or the district come until as many as wanted
    have, or the space is full; returns the people who came."""
    space = ctx.spaces[s_index]
    length = max(60, int((ends - starts).total_seconds()) - 1800)
    taken = 0
    came: list[FamilyInfo] = []
    for _f_index, family in ctx.families_drawn(rng, s_index, 0.8, wanted * 2, lambda: len(came) >= wanted):
        children = sorted(c for c, _b in family.children)
        people = 1 + len(children)
        if taken + people > space.capacity:
            break
        taken += people
        came.append(family)
        _visit(ctx, rng, space, slot_id, family, children, starts, length)
    return taken


def _visit(
    ctx: Context,
    rng: random.Random,
    space: SpaceInfo,
    slot_id: int,
    family: FamilyInfo,
    children: list[int],
    starts: datetime,
    length: int,
) -> None:
    """One adult with all the children: a walk-in at a corner, or (one in five) booked before."""
    booking = None
    if rng.random() < 0.2:
        booked = starts - timedelta(days=rng.randint(1, 10), seconds=rng.randrange(86_400))
        checked = starts + timedelta(seconds=rng.randint(-20 * 60, 15 * 60))
        booking = add_booking(
            ctx,
            slot_id,
            family,
            status="attended",
            adults=1,
            child_ids=children,
            booked=booked,
            checked=checked,
            past=True,
        )
    else:
        checked = starts + timedelta(seconds=rng.randrange(length))
    people = 1 + len(children)
    add_check_in(ctx, rng, space, slot_id, family, booking=booking, child_ids=children, people=people, checked=checked)
