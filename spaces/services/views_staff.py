"""Read models of the staff pages: the schedule of the spaces one serves, a slot's roster
with attendance and walk-ins, a space's closures, and the new-activity form's space."""

from __future__ import annotations

from datetime import date, timedelta

from app.accounts.actor import Actor
from app.kernel.clock import Clock, local_today
from app.kernel.values import frozen
from spaces.schemas import ClosureOut, RosterEntry, SlotOut, SpaceOut, SpaceSummary
from spaces.services import attendance, poster_exports, slots
from spaces.services.access import ensure_serves
from spaces.services.closures import upcoming_closures
from spaces.services.poster_exports import ExportStatus
from spaces.services.spaces import get_space, served_spaces
from spaces.services.views import Day, SlotItem, day_start, days_of, local_day, slot_state

COMING = ("confirmed", "offered", "attended")


@frozen
class Schedule:
    served: tuple[SpaceSummary, ...]  # the picker's choices
    shown: tuple[SpaceSummary, ...]
    picked: int | None
    view: str  # "day" or "week"
    first: date
    today: date
    days: tuple[Day, ...]
    prev_day: date
    next_day: date
    poster_export: ExportStatus | None  # district admins: their latest PDF of every poster


@frozen
class Roster:
    slot: SlotOut
    space: SpaceOut
    slot_day: date
    today: date
    state: str
    roster: tuple[RosterEntry, ...]
    coming: tuple[RosterEntry, ...]
    waiting: tuple[RosterEntry, ...]
    missed: tuple[RosterEntry, ...]
    attended_people: int
    walk_in_people: int


@frozen
class Closures:
    space: SpaceOut
    closures: tuple[ClosureOut, ...]  # those not over yet
    today: date


async def schedule(actor: Actor, *, picked: int | None, view: str, first: date, clock: Clock) -> Schedule:
    """The day or week from `first` of the spaces the actor serves: one picked, else every
    one (district admins, who serve all: the first)."""
    served = tuple(await served_spaces(actor))
    if picked is not None:
        ensure_serves(actor, picked)
        shown = tuple(s for s in served if s.id == picked)
    else:
        shown = served[:1] if actor.is_admin else served
    length = 1 if view == "day" else 7
    now = clock.now()
    names = {s.id: s for s in shown}
    found = await slots.slots_of(list(names), day_start(first), day_start(first + timedelta(days=length)), limit=2000)
    items = [SlotItem(slot, slot_state(slot, now), space=names[slot.space_id]) for slot in found]
    return Schedule(
        served=served,
        shown=shown,
        picked=picked,
        view="day" if view == "day" else "week",
        first=first,
        today=local_today(clock),
        days=days_of(first, length, items),
        prev_day=first - timedelta(days=length),
        next_day=first + timedelta(days=length),
        poster_export=await poster_exports.latest_export(actor.user_id) if actor.is_admin else None,
    )


async def roster(slot_id: int, *, actor: Actor, clock: Clock) -> Roster:
    """A slot's roster (staff of its space only: it names families), attendance and walk-ins."""
    slot = await slots.get_slot(slot_id)
    ensure_serves(actor, slot.space_id)
    entries = tuple(await attendance.roster(slot_id, actor=actor))
    return Roster(
        slot=slot,
        space=await get_space(slot.space_id),
        slot_day=local_day(slot.starts_at),
        today=local_today(clock),
        state=slot_state(slot, clock.now()),
        roster=entries,
        coming=tuple(r for r in entries if r.status in COMING),
        waiting=tuple(r for r in entries if r.status == "waitlisted"),
        missed=tuple(r for r in entries if r.status == "no_show"),
        attended_people=sum(r.people for r in entries if r.status == "attended"),
        walk_in_people=await attendance.walk_in_people(slot_id),
    )


async def closures(space_id: int, *, actor: Actor, clock: Clock) -> Closures:
    ensure_serves(actor, space_id)
    today = local_today(clock)
    return Closures(
        space=await get_space(space_id), closures=tuple(await upcoming_closures(space_id, today)), today=today
    )


async def served_space(space_id: int, *, actor: Actor) -> SpaceOut:
    """A space the actor serves (the new-activity form's)."""
    ensure_serves(actor, space_id)
    return await get_space(space_id)
