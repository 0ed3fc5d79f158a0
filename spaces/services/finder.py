"""Finding a space among many (issue 15, item 8): the families' home page searches by name,
address or community, filters by subdistrict, by "open now" and by "activities this week",
marks each space with both, and lists the nearest first when the phone shares its location.
Three queries whatever the number of spaces (a fourth for the distances)."""

from __future__ import annotations

import math
from dataclasses import field
from datetime import datetime, timedelta

from app.kernel.clock import Clock, local_zone
from app.kernel.values import frozen
from spaces.schemas import SpaceSummary
from spaces.services.spaces import list_spaces
from spaces.tables import Closure, OpeningHours, Slot, Space

WEEK = timedelta(days=7)


@frozen
class Finder:
    spaces: tuple[SpaceSummary, ...]  # the spaces found, the reading bases first, then by subdistrict
    streets: tuple[str, ...]  # every subdistrict with a space (the filter's choices)
    open_ids: frozenset[int]  # open right now
    active_ids: frozenset[int]  # an activity in the coming seven days
    q: str = ""
    street: str = ""
    open_now: bool = False
    this_week: bool = False
    near: tuple[float, float] | None = None  # (latitude, longitude) the phone shared
    distances: dict[int, float] = field(default_factory=dict)  # km, for spaces with coordinates

    @property
    def filtered(self) -> bool:
        return bool(self.q or self.street or self.open_now or self.this_week)


def parse_near(text: str) -> tuple[float, float] | None:
    """`lat,lng` from the page's "nearest first" button; anything else is no location."""
    parts = text.split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lng = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or math.isnan(lat) or math.isnan(lng):
        return None
    return lat, lng


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine): plenty for "which space is nearest" within a city."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


async def distances_from(near: tuple[float, float], space_ids: list[int]) -> dict[int, float]:
    """Kilometres from `near` to each of those spaces that has coordinates."""
    if not space_ids:
        return {}
    rows = await Space.select(Space.id, Space.latitude, Space.longitude).where(
        Space.id.is_in(space_ids) & Space.latitude.is_not_null() & Space.longitude.is_not_null()
    )
    return {r["id"]: distance_km(near, (r["latitude"], r["longitude"])) for r in rows}


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


async def find_spaces(
    *, q: str, street: str, open_only: bool, this_week: bool, clock: Clock, near: tuple[float, float] | None = None
) -> Finder:
    now = clock.now()
    found = await list_spaces(q=q.strip()[:50] or None, street=street or None, limit=1000)
    opened, active = await open_now(now), await active_this_week(now)
    if open_only:
        found = [s for s in found if s.id in opened]
    if this_week:
        found = [s for s in found if s.id in active]
    distances: dict[int, float] = {}
    if near is not None:
        distances = await distances_from(near, [s.id for s in found])
        found.sort(key=lambda s: (s.id not in distances, distances.get(s.id, 0.0), s.id))  # unplaced ones last
    else:
        found.sort(key=lambda s: (s.kind != "reading_base", s.street, s.id))
    streets = sorted({r["street"] for r in await Space.select(Space.street).distinct()})
    return Finder(
        tuple(found), tuple(streets), opened, active, q.strip()[:50], street, open_only, this_week, near, distances
    )
