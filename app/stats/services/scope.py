"""What a request for figures covers: a period of local days, and which spaces (a street, one
space, or every space the actor serves), and a 绘本＋ theme. Bad filters are refused naming
the field; a librarian asking for a space they do not serve is refused (403)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.accounts.actor import Actor
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.i18n import N_
from app.kernel.values import frozen
from app.stats.errors import BadFilter
from app.stats.services import kept
from app.stats.tables import RollupState
from spaces.errors import NotStaffOfSpace
from spaces.tables import Space

THEMES = ("culture", "reading", "science", "safety", "volunteer")
MAX_DAYS = 5 * 366  # a period over five years is refused
DEFAULT_DAYS = 30


@frozen
class Filters:
    """The raw filters of a request (query strings), as the API and the pages take them."""

    first: str | None = None
    last: str | None = None
    street: str | None = None
    space_id: int | None = None
    theme: str | None = None


@frozen
class Scope:
    first: date  # local days, both included
    last: date
    space_ids: tuple[int, ...] | None  # None: every space
    street: str = ""
    space_id: int | None = None
    theme: str = ""
    rolled_through: date | None = None  # the last day the rollups hold (None: count it all live)
    rollup_run: str | None = None  # the rollups' run token: what was read of them holds until it changes
    # The instant before which the rollups hold that last day's stamped rows (sources.py
    # `stamped`); None: they hold all of it.
    held_until: datetime | None = None
    # A part of a scope cut at `held_until` (counted.split): the held part ends there, the
    # later part starts there (for stamped rows; the others count the whole day live).
    since: datetime | None = None
    until: datetime | None = None

    @property
    def start(self) -> datetime:
        return self.since or local_start(self.first)

    @property
    def end(self) -> datetime:
        return self.until or local_start(self.last + timedelta(days=1))

    @property
    def district(self) -> bool:
        """The whole district: figures that belong to no space (the reading log) count."""
        return self.space_ids is None

    def shifted(self, first: date, last: date) -> Scope:
        return replace(self, first=first, last=last)

    def previous(self) -> Scope:
        """The period of the same length just before (the dashboard's comparison)."""
        days = (self.last - self.first).days + 1
        return self.shifted(self.first - timedelta(days=days), self.first - timedelta(days=1))


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_spans(first: date, last: date) -> list[tuple[date, date]]:
    """[first, last] cut at month ends: (first day, last day) of each month's part."""
    spans = []
    while first <= last:
        spans.append((first, min(last, next_month(first) - timedelta(days=1))))
        first = next_month(first)
    return spans


def day_bits(first: date, last: date) -> int:
    """The bits of the days [first, last] of one month in a day mask (bit d-1: day d)."""
    return sum(1 << (day - 1) for day in range(first.day, last.day + 1))


async def places() -> list[dict[str, Any]]:
    """Every space (id, name, street) by street and name, read once per reading
    (kept.one_reading: a dashboard's parts each need them). Callers never change the list."""
    return await kept.once(("places",), _places)


async def _places() -> list[dict[str, Any]]:
    query = Space.select(Space.id, Space.name, Space.street).order_by(Space.street).order_by(Space.name)
    return list(await query)


def covered(scope: Scope, spaces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The spaces of `spaces` the scope covers (a new list)."""
    if scope.space_ids is None:
        return list(spaces)
    allowed = set(scope.space_ids)
    return [s for s in spaces if s["id"] in allowed]


@frozen
class Held:
    through: date | None = None  # the last local day the rollups hold, if they were built
    run: str | None = None  # their run token
    until: datetime | None = None  # on that day, the stamped rows before this instant only


async def rollup_state() -> Held:
    """What the rollups hold (nothing, before their first run)."""
    row = await RollupState.select(RollupState.built_through, RollupState.run, RollupState.built_until).first()
    if row is None:
        return Held()
    return Held(row["built_through"], None if row["run"] is None else str(row["run"]), row["built_until"])


def local_start(day: date) -> datetime:
    """The instant a local day starts, in UTC."""
    return datetime.combine(day, time(0), local_zone()).astimezone(UTC)


def _day(raw: str | None, field: str) -> date | None:
    if raw is None or not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise BadFilter(N_("日期格式应为 YYYY-MM-DD"), field=field, message="expected YYYY-MM-DD") from None


def period(filters: Filters, clock: Clock) -> tuple[date, date]:
    today = local_today(clock)
    last = _day(filters.last, "to") or today
    first = _day(filters.first, "from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadFilter(N_("开始日期晚于结束日期"), field="from", message="from is after to")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadFilter(N_("统计期间不能超过五年"), field="to", message="the period is over five years")
    return first, last


async def resolve(filters: Filters, *, actor: Actor, clock: Clock) -> Scope:
    """The scope of a request, checked: the period, the street, the space, the theme, and what
    the actor may see (district admins everything, other staff their own spaces)."""
    first, last = period(filters, clock)
    theme = (filters.theme or "").strip()
    if theme and theme not in THEMES:
        raise BadFilter(N_("没有这个活动主题"), field="theme", message=f"one of {', '.join(THEMES)}")
    street = (filters.street or "").strip()
    ids: tuple[int, ...] | None = None
    spaces = await places() if street or filters.space_id is not None else []
    if street:
        ids = tuple(sorted(s["id"] for s in spaces if s["street"] == street))
        if not ids:
            raise BadFilter(N_("没有这个街道"), field="street", message="unknown street")
    if filters.space_id is not None:
        if not any(s["id"] == filters.space_id for s in spaces):
            raise BadFilter(N_("没有这个阅读空间"), field="space_id", message="unknown space")
        if not actor.serves(filters.space_id):
            raise NotStaffOfSpace()
        ids = (filters.space_id,) if ids is None or filters.space_id in ids else ()
    if not actor.is_admin:
        mine = set(actor.space_ids)
        ids = tuple(sorted(mine if ids is None else mine.intersection(ids)))
    held = await rollup_state()
    return Scope(first, last, ids, street, filters.space_id, theme, held.through, held.run, held.until)
