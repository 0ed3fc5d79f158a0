"""Quiet sites: an open space with no check-in for `days` of its open days (days with opening
hours and no closure; today, not yet over, does not count), or whose last four weeks fell
below half of its usual (its visits per open day over the twelve weeks before, times its open
days of the last four weeks; only when that expectation is at least a few visits)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.i18n import N_
from app.stats.errors import BadFilter
from app.stats.schemas import QuietSite, QuietSites
from app.stats.services import sql
from app.stats.services.scope import local_start
from spaces.tables import Closure, OpeningHours, Space

DEFAULT_DAYS = 14
MAX_DAYS = 365
RECENT = 28  # the last four weeks
BEFORE = 84  # the twelve weeks before them: the usual
MIN_EXPECTED = 4.0  # fewer expected visits say nothing


@dataclass(frozen=True, slots=True)
class Calendar:
    """When a space is open: its weekdays with opening hours, less its closures."""

    weekdays: frozenset[int]
    closed: tuple[tuple[date, date], ...]
    since: date  # created

    def open_on(self, day: date) -> bool:
        if day < self.since or day.isoweekday() not in self.weekdays:
            return False
        return not any(first <= day <= last for first, last in self.closed)

    def open_days(self, first: date, last: date) -> int:
        days = 0
        day = max(first, self.since)
        while day <= last:
            days += self.open_on(day)
            day += timedelta(days=1)
        return days


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def _calendars(window_start: date) -> dict[int, Calendar]:
    weekdays: dict[int, set[int]] = defaultdict(set)
    for row in await OpeningHours.select(OpeningHours.space, OpeningHours.weekday):
        weekdays[row["space"]].add(row["weekday"])
    closed: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for row in await Closure.select(Closure.space, Closure.first_day, Closure.last_day).where(
        Closure.last_day >= window_start
    ):
        closed[row["space"]].append((row["first_day"], row["last_day"]))
    out = {}
    for space in await Space.select(Space.id, Space.created_at):
        since = space["created_at"].astimezone(local_zone()).date()
        out[space["id"]] = Calendar(frozenset(weekdays[space["id"]]), tuple(closed[space["id"]]), since)
    return out


async def _check_ins(window_start: date, before_start: date, recent_start: date, today: date) -> dict[int, Any]:
    statement = (
        "SELECT c.space AS space, MAX(c.checked_in_at) AS last_at, "
        "SUM(CASE WHEN c.checked_in_at >= {} THEN 1 ELSE 0 END) AS recent, "
        "SUM(CASE WHEN c.checked_in_at >= {} AND c.checked_in_at < {} THEN 1 ELSE 0 END) AS earlier "
        "FROM spaces_check_in c WHERE c.checked_in_at >= {} AND c.checked_in_at < {} GROUP BY c.space"
    )
    recent = local_start(recent_start)
    params = [recent, local_start(before_start), recent, local_start(window_start), local_start(today)]
    return {int(r["space"]): r for r in await sql.rows(statement, params)}


async def quiet_sites(*, days: int = DEFAULT_DAYS, clock: Clock) -> QuietSites:
    if not 1 <= days <= MAX_DAYS:
        raise BadFilter(N_("天数应在 1 到 365 之间"), field="days", message="between 1 and 365")
    today = local_today(clock)
    yesterday = today - timedelta(days=1)
    window_start = today - timedelta(days=max(RECENT + BEFORE, 7 * days))
    recent_start = today - timedelta(days=RECENT)
    before_start = recent_start - timedelta(days=BEFORE)
    calendars = await _calendars(window_start)
    seen = await _check_ins(window_start, before_start, recent_start, today)
    spaces = await Space.select(Space.id, Space.name, Space.street).order_by(Space.street).order_by(Space.name)
    items = []
    for space in spaces:
        calendar = calendars[space["id"]]
        if not calendar.weekdays:
            continue  # never open
        row = seen.get(space["id"], {})
        last = _moment(row["last_at"]).astimezone(local_zone()).date() if row.get("last_at") else None
        without = calendar.open_days((last + timedelta(days=1)) if last else window_start, yesterday)
        recent_visits = int(row.get("recent") or 0)
        before_open = calendar.open_days(before_start, recent_start - timedelta(days=1))
        recent_open = calendar.open_days(recent_start, yesterday)
        expected = int(row.get("earlier") or 0) / before_open * recent_open if before_open >= 7 else 0.0
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
