"""Quiet sites: an open space with no check-in for `days` of its open days (days with opening
hours and no closure; today, not yet over, does not count), or whose last four weeks fell
below half of its usual (its visits per open day over the twelve weeks before, times its open
days of the last four weeks; only when that expectation is at least a few visits)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.i18n import N_
from app.kernel.values import frozen
from app.stats.errors import BadFilter
from app.stats.schemas import QuietSite, QuietSites
from app.stats.services import kept, sql
from app.stats.services.scope import local_start, places, rollup_state
from spaces.tables import Closure, Space

DEFAULT_DAYS = 14
MAX_DAYS = 365
RECENT = 28  # the last four weeks
BEFORE = 84  # the twelve weeks before them: the usual
MIN_EXPECTED = 4.0  # fewer expected visits say nothing


@frozen
class Calendar:
    """When a space is open: its weekdays with opening hours, less its closures."""

    weekdays: frozenset[int]
    closed: tuple[tuple[date, date], ...]  # merged: no two overlap
    since: date  # opened (quiet_sites: the window's first day for a space opened before it)

    def open_on(self, day: date) -> bool:
        if day < self.since or day.isoweekday() not in self.weekdays:
            return False
        return not any(first <= day <= last for first, last in self.closed)

    def open_days(self, first: date, last: date) -> int:
        """Open days of [first, last], counted by weeks (a city's spaces × months of days)."""
        first = max(first, self.since)
        days = weekdays_in(self.weekdays, first, last)
        for closed_from, closed_to in self.closed:
            days -= weekdays_in(self.weekdays, max(first, closed_from), min(last, closed_to))
        return days


@lru_cache(maxsize=4096)  # a city's spaces share a few sets of weekdays and the same windows
def weekdays_in(weekdays: frozenset[int], first: date, last: date) -> int:
    """Days of [first, last] on one of `weekdays` (ISO, Monday 1)."""
    if first > last:
        return 0
    weeks, rest = divmod((last - first).days + 1, 7)
    start = first.isoweekday()
    return weeks * len(weekdays) + sum(1 for i in range(rest) if (start + i - 1) % 7 + 1 in weekdays)


def merged(spans: list[tuple[date, date]]) -> tuple[tuple[date, date], ...]:
    """Closures joined where they overlap or touch, so that no day is taken away twice."""
    out: list[tuple[date, date]] = []
    for first, last in sorted(spans):
        if out and first <= out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return tuple(out)


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def _calendars(window_start: date, spaces: list[dict[str, Any]]) -> dict[int, Calendar]:
    # The weekdays as a bit set per space: one row a space, not one an opening period.
    weekdays = {
        int(row["space"]): _weekdays_of(int(row["days"]))
        for row in await sql.rows(
            "SELECT space, SUM(DISTINCT 1 << weekday) AS days FROM spaces_opening_hours GROUP BY space", []
        )
    }
    closed: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for row in await Closure.select(Closure.space, Closure.first_day, Closure.last_day).where(
        Closure.last_day >= window_start
    ):
        closed[row["space"]].append((row["first_day"], row["last_day"]))
    # Only a space opened within the window has days before its opening to leave out.
    opened = {
        row["id"]: row["created_at"].astimezone(local_zone()).date()
        for row in await Space.select(Space.id, Space.created_at).where(Space.created_at >= local_start(window_start))
    }
    return {
        space["id"]: Calendar(
            weekdays.get(space["id"], NEVER),
            merged(closed[space["id"]]) if space["id"] in closed else (),
            opened.get(space["id"], window_start),
        )
        for space in spaces
    }


NEVER: frozenset[int] = frozenset()


@lru_cache(maxsize=128)
def _weekdays_of(bits: int) -> frozenset[int]:
    """The ISO weekdays of a bit set (bit d: weekday d); one object per set, shared by spaces."""
    return frozenset(day for day in range(1, 8) if bits >> day & 1)


@frozen
class Seen:
    last: date | None  # the last local day with a check-in in the window
    recent: int  # check-ins of the last four weeks
    earlier: int  # of the twelve weeks before them


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


async def _held(run: str, first: date, last: date, recent_start: date, before_start: date) -> dict[int, Seen]:
    """The check-ins of the rollups' days [first, last], per space (kept per run)."""
    statement = (
        "SELECT space, MAX(CASE WHEN checkins > 0 THEN day END) AS last_day, "
        "SUM(CASE WHEN day >= {} THEN checkins ELSE 0 END) AS recent, "
        "SUM(CASE WHEN day >= {} AND day < {} THEN checkins ELSE 0 END) AS earlier "
        "FROM stats_rollup WHERE grain = 'day' AND space > 0 AND day >= {} AND day <= {} GROUP BY space"
    )
    params = [recent_start, before_start, recent_start, first, last]

    async def read() -> dict[int, Seen]:
        rows = await sql.rows(statement, params)
        return {int(r["space"]): Seen(_day(r["last_day"]), int(r["recent"] or 0), int(r["earlier"] or 0)) for r in rows}

    return await kept.value(run, ("quiet", statement, *params), read)


async def _live(first: date, today: date, recent_start: date, before_start: date) -> dict[int, Seen]:
    """The check-ins of the days [first, today) from the history, per space."""
    statement = (
        "SELECT c.space AS space, MAX(c.checked_in_at) AS last_at, "
        "SUM(CASE WHEN c.checked_in_at >= {} THEN 1 ELSE 0 END) AS recent, "
        "SUM(CASE WHEN c.checked_in_at >= {} AND c.checked_in_at < {} THEN 1 ELSE 0 END) AS earlier "
        "FROM spaces_check_in c WHERE c.checked_in_at >= {} AND c.checked_in_at < {} GROUP BY c.space"
    )
    recent = local_start(recent_start)
    params = [recent, local_start(before_start), recent, local_start(first), local_start(today)]
    return {
        int(r["space"]): Seen(
            _moment(r["last_at"]).astimezone(local_zone()).date() if r["last_at"] else None,
            int(r["recent"] or 0),
            int(r["earlier"] or 0),
        )
        for r in await sql.rows(statement, params)
    }


async def _check_ins(window_start: date, before_start: date, recent_start: date, today: date) -> dict[int, Seen]:
    """Per space, the check-ins of the window up to yesterday: the days the rollups hold from
    them, the rest from the history."""
    held = await rollup_state()
    run = held.run
    # The last day the rollups hold whole (a day they hold up to an instant is read live).
    through = held.through if held.through is None or held.until is None else held.through - timedelta(days=1)
    if through is None or run is None or through < window_start:
        return await _live(window_start, today, recent_start, before_start)
    held_until = min(through, today - timedelta(days=1))
    seen = dict(await _held(run, window_start, held_until, recent_start, before_start))
    for space, later in (await _live(held_until + timedelta(days=1), today, recent_start, before_start)).items():
        earlier = seen.get(space)
        if earlier is None:
            seen[space] = later
        else:
            last = max((d for d in (earlier.last, later.last) if d is not None), default=None)
            seen[space] = Seen(last, earlier.recent + later.recent, earlier.earlier + later.earlier)
    return seen


async def quiet_sites(*, days: int = DEFAULT_DAYS, clock: Clock) -> QuietSites:
    if not 1 <= days <= MAX_DAYS:
        raise BadFilter(N_("天数应在 1 到 365 之间"), field="days", message="between 1 and 365")
    today = local_today(clock)
    yesterday = today - timedelta(days=1)
    window_start = today - timedelta(days=max(RECENT + BEFORE, 7 * days))
    recent_start = today - timedelta(days=RECENT)
    before_start = recent_start - timedelta(days=BEFORE)
    spaces = await places()
    calendars = await _calendars(window_start, spaces)
    seen = await _check_ins(window_start, before_start, recent_start, today)
    items = []
    for space in spaces:
        calendar = calendars[space["id"]]
        if not calendar.weekdays:
            continue  # never open
        found = seen.get(space["id"], Seen(None, 0, 0))
        last = found.last
        without = calendar.open_days((last + timedelta(days=1)) if last else window_start, yesterday)
        recent_visits = found.recent
        before_open = calendar.open_days(before_start, recent_start - timedelta(days=1))
        recent_open = calendar.open_days(recent_start, yesterday)
        expected = found.earlier / before_open * recent_open if before_open >= 7 else 0.0
        reason = ""
        if without >= days:
            reason = "no_check_in"
        elif expected >= MIN_EXPECTED and recent_visits < expected / 2:
            reason = "below_usual"
        if reason:
            items.append(
                QuietSite(
                    space_id=space["id"],
                    name=space["name"],
                    street=space["street"],
                    reason=reason,
                    last_check_in_on=last,
                    open_days_without=without,
                    recent_visits=recent_visits,
                    usual_visits=round(expected, 1),
                )
            )
    return QuietSites(days=days, items=items)
