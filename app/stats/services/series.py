"""One figure over time, by local day, week (starting Monday) or month, every period of the
scope present (zeros included)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from app.kernel.i18n import N_
from app.stats.errors import BadFilter
from app.stats.schemas import Series, SeriesPoint
from app.stats.services import counted, sources
from app.stats.services.scope import Scope
from app.stats.services.sources import Source

UNITS = ("day", "week", "month")


def metrics() -> dict[str, list[tuple[Source, str]]]:
    """Each metric's parts: (source, measure) summed."""
    checkins = sources.checkins()
    return {
        "visits": [(checkins, "checkins"), (sources.DOOR, "door")],
        "people": [
            (checkins, "adults"),
            (checkins, "children"),
            (sources.DOOR, "door_adults"),
            (sources.DOOR, "door_children"),
        ],
        "adults": [(checkins, "adults"), (sources.DOOR, "door_adults")],
        "children": [(checkins, "children"), (sources.DOOR, "door_children")],
        "bookings": [(sources.BOOKINGS, "bookings")],
        "attended": [(sources.BOOKINGS, "attended")],
        "no_shows": [(sources.BOOKINGS, "no_shows")],
        "activities": [(sources.ACTIVITIES, "activities")],
        "sessions": [(sources.SESSIONS, "sessions")],
        "session_minutes": [(sources.SESSIONS, "session_minutes")],
        "loans": [(sources.LOANS, "loans")],
        "returns": [(sources.RETURNS, "returns")],
        "reading_log": [(sources.READING_LOG, "reading_log")],
    }


METRICS = tuple(metrics())


def label(day: date, unit: str) -> str:
    if unit == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if unit == "month":
        return day.isoformat()[:7]
    return day.isoformat()


def periods(scope: Scope, unit: str) -> list[str]:
    out: list[str] = []
    day = scope.first
    while day <= scope.last:
        if not out or out[-1] != label(day, unit):
            out.append(label(day, unit))
        day += timedelta(days=1)
    return out


async def series(scope: Scope, *, metric: str, by: str) -> Series:
    parts = metrics().get(metric)
    if parts is None:
        raise BadFilter(N_("没有这个统计指标"), field="metric", message=f"one of {', '.join(METRICS)}")
    if by not in UNITS:
        raise BadFilter(N_("按日、周或月统计"), field="by", message="one of day, week, month")
    values: Counter[str] = Counter()
    wanted: dict[int, tuple[Source, list[str]]] = {}
    for source, measure in parts:
        wanted.setdefault(id(source), (source, []))[1].append(measure)
    for source, measures in wanted.values():
        for row in await counted.run(source, scope, ("day",), measures):
            key = label(date.fromisoformat(str(row["k0"])), by)
            values[key] += sum(int(row[m] or 0) for m in measures)
    return Series(
        metric=metric, by=by, items=[SeriesPoint(period=p, value=values.get(p, 0)) for p in periods(scope, by)]
    )
