"""Finding a space among many (issue 15, item 8): the families' home page searches by name,
address or community, filters by subdistrict, by "open now" and by "activities this week",
and marks each space with both. Three queries whatever the number of spaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.kernel.clock import Clock, local_zone
from spaces.schemas import SpaceSummary
from spaces.services.spaces import list_spaces
from spaces.tables import Closure, OpeningHours, Slot, Space

WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Finder:
    spaces: tuple[SpaceSummary, ...]  # the spaces found, the reading bases first, then by subdistrict
    streets: tuple[str, ...]  # every subdistrict with a space (the filter's choices)
    open_ids: frozenset[int]  # open right now
    active_ids: frozenset[int]  # an activity in the coming seven days
    q: str = ""
    street: str = ""
    open_now: bool = False
    this_week: bool = False

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.street or self.open_now or self.this_week)


async def open_now(now: datetime) -> frozenset[int]:
    """The spaces open at `now`: an opening range of today holds it and no closure covers today."""
    local = now.astimezone(local_zone())
    ranges = await OpeningHours.select(OpeningHours.space, OpeningHours.opens, OpeningHours.closes).where(
        OpeningHours.weekday == local.isoweekday()
    )
    closed = await Closure.select(Closure.space).where(
        (Closure.first_day <= local.date()) & (Closure.last_day >= local.date())
    )
    shut = {r["space"] for r in closed}
    moment = local.time().replace(tzinfo=None)
    return frozenset(r["space"] for r in ranges if r["space"] not in shut and r["opens"] <= moment < r["closes"])


async def active_this_week(now: datetime) -> frozenset[int]:
    rows = await Slot.select(Slot.space).where(
        (Slot.kind == "activity") & (Slot.cancelled == False) & (Slot.starts_at > now) & (Slot.starts_at < now + WEEK)
    )
    return frozenset(r["space"] for r in rows)


async def find_spaces(*, q: str, street: str, open_only: bool, this_week: bool, clock: Clock) -> Finder:
    now = clock.now()
    found = await list_spaces(q=q.strip()[:50] or None, street=street or None, limit=1000)
    opened, active = await open_now(now), await active_this_week(now)
    if open_only:
        found = [s for s in found if s.id in opened]
    if this_week:
        found = [s for s in found if s.id in active]
    found.sort(key=lambda s: (s.kind != "reading_base", s.street, s.id))
    streets = sorted({r["street"] for r in await Space.select(Space.street).distinct()})
    return Finder(tuple(found), tuple(streets), opened, active, q.strip()[:50], street, open_only, this_week)
