"""Where each figure comes from: one aggregate query per source table, grouped by any of
space, local day, local month and theme. Everything is counted in SQL (GROUP BY), so the
cost grows with the groups, not with the check-ins.

The theme filters the sources that have one (visits and bookings through their slot,
activities, reading sessions); loans, returns and the reading log have none.
"""

# S608: the SQL is built from this package's constants and checked integers; values are parameters.
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import field, replace
from datetime import timedelta
from typing import Any

from app.kernel.values import frozen
from app.stats.services import grown, kept, sql
from app.stats.services.grown import Stamp
from app.stats.services.scope import Scope


@frozen
class Source:
    body: str  # FROM … with its joins
    time: str  # the timestamp (or date, `dated`) that places a row in the period
    space: str | None  # the space column; None: a figure of no space (the reading log)
    theme: str | None
    measures: dict[str, str]
    where: str = ""
    dated: bool = False
    # measures reading the period's start instant as `{}` (in order)
    start_params: dict[str, int] = field(default_factory=dict)
    # distinct measures of few people (staff, lead readers): whom each counts. Their held
    # days' people are kept per rollup run as a set (counted.py), the later days' added.
    subjects: dict[str, str] = field(default_factory=dict)
    # Rows written at their time and not changed after (check-ins, the door, loans, returns):
    # the rollups hold today's up to their run. The others (a booking's status, an activity
    # cancelled, a session logged late, the reading log by date) count today live.
    stamped: bool = False
    # The stamp's table and indexed column: what a reading counted of the rows after the run
    # is kept until they change (grown.py). The door has no index on its stamp, and few rows.
    stamp: Stamp | None = None


def _checkins() -> Source:
    children = sql.json_length("c.child_ids")
    adults = f"COALESCE(b.adults, c.people - {children})"
    return Source(
        body=(
            "spaces_check_in c JOIN spaces_slot s ON s.id = c.slot "
            "LEFT JOIN spaces_booking b ON b.id = c.booking LEFT JOIN accounts_family f ON f.id = c.family"
        ),
        time="c.checked_in_at",
        space="c.space",
        theme="s.theme",
        measures={
            "checkins": "COUNT(*)",
            "walk_in": "SUM(CASE WHEN c.kind = 'visit' THEN 1 ELSE 0 END)",
            "booked": "SUM(CASE WHEN c.kind = 'booking' THEN 1 ELSE 0 END)",
            "children": f"SUM({children})",
            "adults": f"SUM({adults})",
            "families": "COUNT(DISTINCT c.family)",
            "new_families": "COUNT(DISTINCT CASE WHEN f.created_at >= {} THEN c.family END)",
        },
        start_params={"new_families": 1},
        stamped=True,
        stamp=grown.CHECK_INS,
    )


DOOR = Source(
    body="spaces_walk_in w JOIN spaces_slot s ON s.id = w.slot",
    time="w.created_at",
    space="s.space",
    theme="s.theme",
    measures={"door": "COUNT(*)", "door_adults": "SUM(w.adults)", "door_children": "SUM(w.children)"},
    stamped=True,
)
BOOKINGS = Source(
    body="spaces_booking b JOIN spaces_slot s ON s.id = b.slot",
    time="s.starts_at",
    space="s.space",
    theme="s.theme",
    measures={
        "bookings": "SUM(CASE WHEN b.status IN ('confirmed', 'attended', 'no_show') THEN 1 ELSE 0 END)",
        "attended": "SUM(CASE WHEN b.status = 'attended' THEN 1 ELSE 0 END)",
        "no_shows": "SUM(CASE WHEN b.status = 'no_show' THEN 1 ELSE 0 END)",
        "cancelled": "SUM(CASE WHEN b.status = 'cancelled' THEN 1 ELSE 0 END)",
    },
)
ACTIVITIES = Source(
    body="spaces_slot s",
    time="s.starts_at",
    space="s.space",
    theme="s.theme",
    measures={"activities": "COUNT(*)"},
    where="s.kind = 'activity' AND NOT s.cancelled",
)
_LED = "EXISTS (SELECT 1 FROM reading_session_lead_reader l WHERE l.session = r.id)"
SESSIONS = Source(
    body="reading_session r",
    time="r.started_at",
    space="r.space",
    theme="r.theme",
    measures={
        "sessions": "COUNT(*)",
        "session_minutes": "SUM(r.minutes)",
        "session_adults": "SUM(r.adults)",
        "session_children": "SUM(r.children)",
        "lead_sessions": f"SUM(CASE WHEN {_LED} THEN 1 ELSE 0 END)",
        "lead_minutes": f"SUM(CASE WHEN {_LED} THEN r.minutes ELSE 0 END)",
    },
)
LEADS = Source(
    body="reading_session_lead_reader l JOIN reading_session r ON r.id = l.session",
    time="r.started_at",
    space="r.space",
    theme="r.theme",
    measures={"lead_readers": "COUNT(DISTINCT l.lead_reader)"},
    subjects={"lead_readers": "l.lead_reader"},
)
# Each person once per session: who logged it and who led it (a parent who does both, once).
VOLUNTEERS = Source(
    body=(
        "(SELECT r.id AS sid, r.minutes, r.space, r.started_at, r.theme, r.logged_by AS person "
        "FROM reading_session r WHERE r.logged_by IS NOT NULL "
        'UNION SELECT r.id, r.minutes, r.space, r.started_at, r.theme, lr."user" '
        "FROM reading_session r JOIN reading_session_lead_reader l ON l.session = r.id "
        "JOIN reading_lead_reader lr ON lr.id = l.lead_reader) v"
    ),
    time="v.started_at",
    space="v.space",
    theme="v.theme",
    measures={"volunteer_minutes": "SUM(v.minutes)", "volunteers": "COUNT(DISTINCT v.person)"},
    subjects={"volunteers": "v.person"},
)
LOANS = Source(
    body="reading_loan l",
    time="l.borrowed_at",
    space="l.space",
    theme=None,
    measures={"loans": "COUNT(*)", "borrowers": "COUNT(DISTINCT l.family)"},
    stamped=True,
    stamp=grown.LOANS,
)
RETURNS = Source(
    body="reading_loan l",
    time="l.returned_at",
    space="l.returned_space",
    theme=None,
    measures={"returns": "COUNT(*)"},
    stamped=True,
    stamp=grown.RETURNS,
)
READING_LOG = Source(
    body="reading_log_entry e",
    time="e.read_on",
    space=None,
    theme=None,
    measures={"reading_log": "COUNT(*)"},
    dated=True,
)


def sources() -> tuple[Source, ...]:
    """Every source of the summary and the export (built now: the SQL depends on the engine)."""
    return (_checkins(), DOOR, BOOKINGS, ACTIVITIES, SESSIONS, LEADS, VOLUNTEERS, LOANS, RETURNS, READING_LOG)


def checkins() -> Source:
    return _checkins()


def _key(source: Source, key: str, scope: Scope) -> str:
    if key == "space":
        return source.space or "0"  # a figure of no space: the rollups' space 0
    if key == "theme":
        return source.theme or "''"
    if source.dated:
        day = f"substr(CAST({source.time} AS TEXT), 1, 10)"
        return {"day": day, "week": sql.week_of(day)}.get(key, f"substr(CAST({source.time} AS TEXT), 1, 7)")
    return sql.local(source.time, key, scope.start, scope.end)


def applies(source: Source, scope: Scope, keys: Sequence[str]) -> bool:
    """A figure of no space counts for the whole district only, and has no per-space rows."""
    return source.space is not None or (scope.district and "space" not in keys)


def select(
    source: Source,
    scope: Scope,
    keys: Sequence[str] = (),
    measures: Sequence[str] | None = None,
    *,
    distinct: bool = False,
) -> tuple[str, list[Any]]:
    """The aggregate query of `measures` (all the source's by default) over the history, one
    row per group of `keys` (named `k0`, `k1`…), and its parameters (`{}` placeholders).
    `distinct`: no aggregates, each row of keys and measures once."""
    params: list[Any] = []
    scope = part(source, scope)
    selected = [f"{_key(source, key, scope)} AS k{i}" for i, key in enumerate(keys)]
    for name in source.measures if measures is None else measures:
        selected.append(f"{source.measures[name]} AS {name}")
        params.extend([scope.start] * source.start_params.get(name, 0))
    if source.dated:
        conditions = [f"{source.time} >= {{}}", f"{source.time} <= {{}}"]
        params.extend([scope.first, scope.last])
    else:
        conditions = [f"{source.time} >= {{}}", f"{source.time} < {{}}"]
        params.extend([scope.start, scope.end])
    if source.where:
        conditions.append(source.where)
    if scope.space_ids is not None and source.space is not None:
        conditions.append(sql.ids_in(source.space, scope.space_ids))
    if scope.theme and source.theme is not None:
        conditions.append(f"{source.theme} = {{}}")
        params.append(scope.theme)
    verb = "SELECT DISTINCT" if distinct else "SELECT"
    statement = f"{verb} {', '.join(selected)} FROM {source.body} WHERE {' AND '.join(conditions)}"
    if keys and not distinct:
        statement += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys)))
    return statement, params


async def live(
    source: Source, scope: Scope, keys: Sequence[str] = (), measures: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The measures counted from the history itself (once per reading: kept.one_reading; today's
    stamped rows after the run until they change: grown.py)."""
    statement, params = select(source, scope, keys, measures)
    if source.stamp is not None:
        return await grown.rows(source.stamp, scope, statement, params)
    return await kept.live_rows(statement, params)


def part(source: Source, scope: Scope) -> Scope:
    """A part of a scope cut where the rollups stop (counted.split) as `source` reads it: its
    stamped rows are cut at that instant; the others' day is left whole to the later part, so
    a held part ends the day before (an empty one starts after it ends)."""
    if source.stamped:
        return scope
    if scope.until is not None:
        return replace(scope, last=scope.last - timedelta(days=1), until=None)
    if scope.since is not None:
        return replace(scope, since=None)
    return scope
