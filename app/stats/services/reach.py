"""Distinct counts from day masks: families present and borrowers, per space or anywhere.

A family counted once however often it came cannot be summed from daily figures. stats_reach
keeps, per kind (visit, loan), family, space (0: anywhere) and year, a mask per month whose
bit d-1 says "seen on day d"; a period's distinct families are the rows with a bit set inside
it, whatever its length. The days after the last rollup run (today) are read from the history
and joined in, so the count stays exact. A theme filter is not held (visits are kept per
space, not per theme): those counts are read live (counted.py).
"""

# S608: the SQL is built from this package's constants and checked integers; values are parameters.
# ruff: noqa: S608
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from app.kernel.values import frozen
from app.stats.services import grown, kept, sql
from app.stats.services.scope import Scope, day_bits, month_spans


@frozen
class Kind:
    name: str
    table: str  # the history: its table, time, space and family columns
    time: str
    space: str
    subject: str


VISIT = Kind("visit", "spaces_check_in", "checked_in_at", "space", "family")
LOAN = Kind("loan", "reading_loan", "borrowed_at", "space", "family")
# measure → (kind, counts only families new in the period)
MEASURES = {"families": (VISIT, False), "new_families": (VISIT, True), "borrowers": (LOAN, False)}
HELD_KEYS = ("space", "month")


def held(measure: str, scope: Scope, keys: Sequence[str]) -> bool:
    """Whether the masks can answer this count (else it is counted live)."""
    return measure in MEASURES and not scope.theme and all(key in HELD_KEYS for key in keys)


# --- building ------------------------------------------------------------------------------


async def rebuild(first: date, last: date, write: Any, *, until: datetime | None = None) -> None:
    """Set the masks' bits for the days [first, last] of one month again from the history, up
    to `until` on the last (inside the rollups' transaction; `write(statement, params)` runs a
    statement). Check-ins and loans are stamped when written (sources.py)."""
    column = f"m{first.month}"
    bits = day_bits(first, last)
    # Only the rows with one of these days set (none when the days are new): an UPDATE of
    # the whole year for every month rebuilt left millions of dead rows behind.
    await write(
        f"UPDATE stats_reach SET {column} = {column} & ~{bits} WHERE year = {first.year} AND ({column} & {bits}) <> 0",
        [],
    )
    scope = Scope(first, last, None, until=until)
    merged = f"{column} = stats_reach.{column} | excluded.{column}"
    for kind in (VISIT, LOAN):
        local = sql.local(f"h.{kind.time}", "day", scope.start, scope.end)
        bit = f"SUM(DISTINCT 1 << (CAST(substr({local}, 9, 2) AS INTEGER) - 1))"  # the days' bits, OR-ed
        for space, group in ((f"h.{kind.space}", f"h.{kind.subject}, h.{kind.space}"), ("0", f"h.{kind.subject}")):
            await write(
                f"INSERT INTO stats_reach (kind, subject, space, year, {column}) "
                f"SELECT '{kind.name}', q.subject, q.space, {first.year}, q.bits FROM ("
                f"SELECT h.{kind.subject} AS subject, {space} AS space, {bit} AS bits FROM {kind.table} h "
                f"WHERE h.{kind.time} >= {{}} AND h.{kind.time} < {{}} AND h.{kind.subject} IS NOT NULL "
                f"GROUP BY {group}) q WHERE true "
                f"ON CONFLICT (kind, subject, space, year) DO UPDATE SET {merged}",
                [scope.start, scope.end],
            )


# --- reading -------------------------------------------------------------------------------


def _months(first: date, last: date) -> list[tuple[int, int, int]]:
    """(year, month, day bits) of each month of [first, last]."""
    return [(start.year, start.month, day_bits(start, end)) for start, end in month_spans(first, last)]


def _seen(months: Sequence[tuple[int, int, int]], row: str = "") -> str:
    """Seen on one of the days of `months` (the masks of the stats_reach row aliased `row`)."""
    by_year: dict[int, list[str]] = {}
    for year, month, bits in months:
        by_year.setdefault(year, []).append(f"({row}m{month} & {bits}) <> 0")
    tests = [f"({row}year = {y} AND ({' OR '.join(tests)}))" for y, tests in by_year.items()]
    return "(" + (" OR ".join(tests) or "false") + ")"


def _held_rows(kind: Kind, scope: Scope, keys: Sequence[str]) -> list[str]:
    """The held part: SELECTs of (keys…, subject), one per month when grouping by month."""
    where = f"kind = '{kind.name}'"
    if "space" in keys:
        where += " AND space <> 0"
        if scope.space_ids is not None:
            where += f" AND {sql.ids_in('space', scope.space_ids)}"
    elif scope.space_ids is None:
        where += " AND space = 0"
    else:
        where += f" AND {sql.ids_in('space', scope.space_ids)}"
    months = _months(scope.first, scope.last)
    groups = [[m] for m in months] if "month" in keys else [months]
    selects = []
    for group in groups:
        year, month, _bits = group[0]
        label = {"space": "space", "month": f"'{year:04d}-{month:02d}'"}
        columns = ", ".join([*(f"{label[k]} AS k{i}" for i, k in enumerate(keys)), "subject"])
        selects.append(f"SELECT {columns} FROM stats_reach WHERE {where} AND {_seen(group)}")
    return selects


def _live_rows(kind: Kind, scope: Scope, keys: Sequence[str]) -> tuple[str, list[Any]]:
    label = {"space": f"h.{kind.space}", "month": sql.local(f"h.{kind.time}", "month", scope.start, scope.end)}
    columns = ", ".join([*(f"{label[k]} AS k{i}" for i, k in enumerate(keys)), f"h.{kind.subject} AS subject"])
    where = f"h.{kind.time} >= {{}} AND h.{kind.time} < {{}} AND h.{kind.subject} IS NOT NULL"
    if scope.space_ids is not None:
        where += f" AND {sql.ids_in(f'h.{kind.space}', scope.space_ids)}"
    return f"SELECT {columns} FROM {kind.table} h WHERE {where}", [scope.start, scope.end]


def _counted(kind: Kind, measures: Sequence[str], rows: str, width: int) -> tuple[str, int]:
    """Count each (keys…, subject) of `rows` once per group; the statement and how many
    parameters (the period's start, for new families) it takes first."""
    names = [f"k{i}" for i in range(width)]
    selected = [f"x.{n}" for n in names]
    join = ""
    for measure in measures:
        if MEASURES[measure][1]:
            selected.append(f"SUM(CASE WHEN f.created_at >= {{}} THEN 1 ELSE 0 END) AS {measure}")
            join = " LEFT JOIN accounts_family f ON f.id = x.subject"
        else:
            selected.append(f"COUNT(*) AS {measure}")
    statement = f"SELECT {', '.join(selected)} FROM ({rows}) x{join}"
    if names:
        statement += " GROUP BY " + ", ".join(f"x.{n}" for n in names)
    return statement, sum(1 for m in measures if MEASURES[m][1])


def _once(parts: Sequence[str], width: int) -> str:
    """Each family once per group (GROUP BY hashes; COUNT(DISTINCT) would sort them all)."""
    inner = ", ".join([*(f"k{i}" for i in range(width)), "subject"])
    return f"SELECT {inner} FROM ({' UNION ALL '.join(parts)}) u GROUP BY {inner}"


def _unseen(kind: Kind, held_part: Scope, keys: Sequence[str]) -> str:
    """A condition on a live row `x`: its family has no bit in the masks over `held_part` for
    the row's group (its space, or any of the scope's; its month), so it was not counted."""
    where = [f"r.kind = '{kind.name}'", "r.subject = x.subject"]
    if "space" in keys:
        where.append(f"r.space = x.k{keys.index('space')}")
    elif held_part.space_ids is None:
        where.append("r.space = 0")
    else:
        where.append(sql.ids_in("r.space", held_part.space_ids))
    months = _months(held_part.first, held_part.last)
    if "month" in keys:
        label = f"x.k{keys.index('month')}"
        seen = " OR ".join(f"({label} = '{y:04d}-{m:02d}' AND {_seen([(y, m, bits)], 'r.')})" for y, m, bits in months)
        where.append(f"({seen})")
    else:
        where.append(_seen(months, "r."))
    return f"NOT EXISTS (SELECT 1 FROM stats_reach r WHERE {' AND '.join(where)})"


async def count(
    measures: Sequence[str], whole: Scope, held_part: Scope, later: Scope | None, keys: Sequence[str]
) -> list[dict[str, Any]]:
    """The distinct counts over `whole`: the masks over `held_part` (read once per rollup run,
    kept.py), then the families of the history over `later` that the masks did not count."""
    kind = MEASURES[measures[0]][0]
    width = len(keys)
    statement, starts = _counted(kind, measures, _once(_held_rows(kind, held_part, keys), width), width)
    parts = [await kept.rows(held_part.rollup_run, statement, [whole.start] * starts)]
    if later is not None:
        live, params = _live_rows(kind, later, keys)
        statement, starts = _counted(kind, measures, _once([live], width), width)
        newcomers = f" WHERE {_unseen(kind, held_part, keys)}"
        cut = statement.rindex(" GROUP BY ") if width else len(statement)
        statement = statement[:cut] + newcomers + statement[cut:]
        stamp = grown.Stamp(kind.table, kind.time)  # check-ins or loans: kept until they change
        parts.append(await grown.rows(stamp, later, statement, [*[whole.start] * starts, *params]))
    return sql.merge(parts, width, measures)
