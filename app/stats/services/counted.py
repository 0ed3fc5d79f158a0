"""The figures of a scope as the services read them: what the rollups hold (up to
`scope.rolled_through`) plus what happened since, counted live. Distinct counts do not add up
across days: families present and borrowers come from day masks (reach.py) joined with the
days since; the rest (lead readers, volunteers: a few rows) are counted live."""

# S608: the SQL is built from this package's constants and checked integers; values are parameters.
# ruff: noqa: S608
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from app.stats.services import kept, reach, sources, sql
from app.stats.services.scope import Scope, next_month
from app.stats.services.sources import Source
from app.stats.tables import Rollup

# The rollups' columns of the children's age bands (rollup.py counts them as age_band() does).
BAND_COLUMNS = {"0-3": "band_0_3", "3-6": "band_3_6", "6-9": "band_6_9", "9-12": "band_9_12"}
ROLLED_UNKNOWN = "band_unknown"
# Every measure the rollups hold (the columns of stats_rollup but its key).
ROLLED = tuple(
    column._meta.db_column_name
    for column in Rollup._meta.columns
    if column._meta.db_column_name not in ("id", "grain", "day", "space", "theme")
)
DISTINCT = frozenset({"families", "new_families", "lead_readers", "volunteers", "borrowers"})
# How a key of the sources reads in the rollups (days as `YYYY-MM-DD` text, as the sources give them).
ROLLED_KEYS = {
    "space": "space",
    "theme": "theme",
    "day": "CAST(day AS TEXT)",
    "month": "substr(CAST(day AS TEXT), 1, 7)",
}


def rolled_key(key: str) -> str:
    return sql.week_of("day") if key == "week" else ROLLED_KEYS[key]


def rolled_until(scope: Scope) -> date | None:
    """The last day of the scope the rollups hold, or None when they hold none of it."""
    if scope.rolled_through is None or scope.rolled_through < scope.first:
        return None
    return min(scope.rolled_through, scope.last)


def split(scope: Scope) -> tuple[Scope | None, Scope | None]:
    """The scope's days the rollups hold, and the days to count live (either may be None).

    When the rollups hold their last day up to an instant (`held_until`: today, up to their
    run), that day is in both parts: the held part ends at the instant and the later part
    starts there, for stamped rows; the others' day is wholly in the later part
    (sources.part). A part is not split again."""
    if scope.since is not None:
        return None, scope
    if scope.until is not None:
        return scope, None
    cut = rolled_until(scope)
    if cut is None:
        return None, scope
    if scope.held_until is not None and cut == scope.rolled_through:
        held = replace(scope.shifted(scope.first, cut), until=scope.held_until)
        return held, replace(scope.shifted(cut, scope.last), since=scope.held_until)
    later = scope.shifted(cut + timedelta(days=1), scope.last) if cut < scope.last else None
    return scope.shifted(scope.first, cut), later


async def run(
    source: Source, scope: Scope, keys: Sequence[str] = (), measures: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The source's measures (all by default) in the scope, one row per group of `keys`
    (named `k0`, `k1`…). Ask only for what is needed: a distinct count reads the history."""
    if not sources.applies(source, scope, keys):
        return []
    wanted = list(source.measures) if measures is None else measures
    additive = [m for m in wanted if m not in DISTINCT]
    distinct = [m for m in wanted if m in DISTINCT]
    held, later = split(scope)
    parts = await _distinct(source, scope, keys, distinct) if distinct else []
    if additive:
        if held is not None:
            parts.append(await rolled(source, held, keys, additive))
        if later is not None:
            parts.append(await sources.live(source, later, keys, additive))
    return sql.merge(parts, len(keys), wanted)


async def totals(scope: Scope) -> dict[str, int]:
    """Every source's measures over the whole scope, in one flat mapping."""
    found = await grouped(scope, ())
    out = {name: int(value or 0) for name, value in (found[0] if found else {}).items()}
    return {**out, **await distinct_totals(scope)}


async def distinct_totals(scope: Scope) -> dict[str, int]:
    """Every distinct count over the whole scope (families, borrowers, lead readers, volunteers)."""
    out: dict[str, int] = {}
    for source in sources.sources():
        if sources.applies(source, scope, ()):
            for rows in await _distinct(source, scope, (), [m for m in source.measures if m in DISTINCT]):
                for name, value in (rows[0] if rows else {}).items():
                    out[name] = out.get(name, 0) + int(value or 0)
    return out


def additive_measures() -> list[str]:
    return [m for s in sources.sources() for m in s.measures if m not in DISTINCT]


async def grouped(scope: Scope, keys: Sequence[str]) -> list[dict[str, Any]]:
    """Every additive measure of every source (and the held days' age bands), one row per group
    of `keys`: the held days in one pass over the rollups, the later days from each source."""
    return sql.merge(await grouped_parts(scope, keys), len(keys), ROLLED)


async def grouped_parts(scope: Scope, keys: Sequence[str]) -> list[list[dict[str, Any]]]:
    """What `grouped` adds up, part by part (the rollups', then each source's), for callers
    that only sum them: merging first gave each of a city's ~6,000 groups of today every
    measure (~50 ms a reading)."""
    held, later = split(scope)
    parts = [await _held(held, keys, ROLLED, _spaces(held, keys, of_no_space=True))] if held is not None else []
    live_days = scope if held is None else later
    if live_days is not None:
        for source in sources.sources():
            additive = [m for m in source.measures if m not in DISTINCT]
            if additive and (source.space is not None or scope.district):  # as the held rows: space 0
                parts.append(await sources.live(source, live_days, keys, additive))
    return parts


async def _held(scope: Scope, keys: Sequence[str], measures: Sequence[str], spaces: str) -> list[dict[str, Any]]:
    """`measures` summed over held days from the rows `spaces` picks. A theme filters what has
    one: all of them by a condition, a mix measure by measure (loans have no theme)."""
    themed = _themed()
    period, params = _period(scope, by_day="day" in keys or "week" in keys)
    conditions = [period, spaces]
    per_measure = bool(scope.theme) and not themed.issuperset(measures)
    if scope.theme and not per_measure:
        conditions.append("theme = {}")
        params.append(scope.theme)
    columns = [f"{rolled_key(key)} AS k{i}" for i, key in enumerate(keys)]
    sums: list[Any] = []
    for name in measures:
        if per_measure and name in themed:
            columns.append(f"SUM(CASE WHEN theme = {{}} THEN {name} ELSE 0 END) AS {name}")
            sums.append(scope.theme)
        else:
            columns.append(f"SUM({name}) AS {name}")
    statement = f"SELECT {', '.join(columns)} FROM stats_rollup WHERE {' AND '.join(conditions)}"
    if keys:
        statement += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys)))
    return await kept.rows(scope.rollup_run, statement, [*sums, *params])


def _themed() -> set[str]:
    """The measures of sources with a theme, the children's age bands among them."""
    bands = {*BAND_COLUMNS.values(), ROLLED_UNKNOWN}
    return bands | {m for s in sources.sources() if s.theme is not None for m in s.measures}


async def _distinct(
    source: Source, scope: Scope, keys: Sequence[str], measures: Sequence[str]
) -> list[list[dict[str, Any]]]:
    """Distinct counts: from the day masks where they hold them, else from the history."""
    if not measures:
        return []
    held, later = split(scope)
    masked = [m for m in measures if held is not None and reach.held(m, scope, keys)]
    people = [m for m in measures if held is not None and m in source.subjects]
    rest = [m for m in measures if m not in masked and m not in people]
    parts = [await sources.live(source, scope, keys, rest)] if rest else []
    for measure in people:
        parts.append(await _people(source, measure, held, later, keys))
    if held is not None:
        for kind in {reach.MEASURES[m][0] for m in masked}:
            wanted = [m for m in masked if reach.MEASURES[m][0] == kind]
            parts.append(await reach.count(wanted, scope, held, later, keys))
    return parts


async def _people(
    source: Source, measure: str, held: Scope | None, later: Scope | None, keys: Sequence[str]
) -> list[dict[str, Any]]:
    """A distinct count of few people: whom the held days counted, read once per rollup run
    (the rollups take the days they hold as settled until their next run), and whom the later
    days count, as one set per group of `keys`."""
    counts: Counter[tuple[Any, ...]] = Counter()
    seen: frozenset[tuple[Any, ...]] = frozenset()
    if held is not None:
        key = ("people", measure, held, *keys)
        seen, counts = await kept.value(held.rollup_run, key, lambda: _held_people(source, measure, held, keys))
    if later is not None:
        later_people = await _whom(source, measure, later, keys)
        counts = counts + _counted(found for found in later_people if found not in seen)
    return [{**{f"k{i}": key for i, key in enumerate(group)}, measure: n} for group, n in counts.items()]


async def _held_people(
    source: Source, measure: str, held: Scope, keys: Sequence[str]
) -> tuple[frozenset[tuple[Any, ...]], Counter[tuple[Any, ...]]]:
    """Whom the held days counted, and how many per group (kept together per rollup run)."""
    seen = await _whom(source, measure, held, keys)
    return seen, _counted(seen)


def _counted(people: Iterable[tuple[Any, ...]]) -> Counter[tuple[Any, ...]]:
    """How many people per group of keys (the last item of each tuple is the person)."""
    return Counter(found[:-1] for found in people)


async def _whom(source: Source, measure: str, scope: Scope, keys: Sequence[str]) -> frozenset[tuple[Any, ...]]:
    """(keys…, person) of everyone the measure counts in the scope."""
    whom = replace(source, measures={"subject": source.subjects[measure]})
    rows = await sql.rows(*sources.select(whom, scope, keys, ["subject"], distinct=True))
    return frozenset((*(row[f"k{i}"] for i in range(len(keys))), row["subject"]) for row in rows)


def _period(scope: Scope, by_day: bool) -> tuple[str, list[Any]]:
    """Whole months from the month rows, the days around them from the day rows."""
    if by_day:
        return "grain = 'day' AND day >= {} AND day <= {}", [scope.first, scope.last]
    months_from = scope.first if scope.first.day == 1 else next_month(scope.first)
    months_until = (
        next_month(scope.last)
        if scope.last == next_month(scope.last) - timedelta(days=1)
        else scope.last.replace(day=1)
    )  # exclusive
    if months_from >= months_until:
        return "grain = 'day' AND day >= {} AND day <= {}", [scope.first, scope.last]
    condition = (
        "((grain = 'month' AND day >= {} AND day < {}) OR "
        "(grain = 'day' AND ((day >= {} AND day < {}) OR (day >= {} AND day <= {}))))"
    )
    return condition, [months_from, months_until, scope.first, months_from, months_until, scope.last]


async def rolled(source: Source, scope: Scope, keys: Sequence[str], measures: Sequence[str]) -> list[dict[str, Any]]:
    """The source's measures as the rollups hold them over `scope` (every day of which they hold)."""
    spaces = "space = 0" if source.space is None else _spaces(scope, keys, of_no_space=False)
    return await _held(scope, keys, measures, spaces)


def _spaces(scope: Scope, keys: Sequence[str], *, of_no_space: bool) -> str:
    """Which rollup rows: the district's (space -1) for the whole district not split by space,
    else the spaces' own; `of_no_space` adds the reading log's (space 0) where it counts."""
    if scope.space_ids is not None:
        return sql.ids_in("space", scope.space_ids)
    if "space" in keys:
        return "space >= 0" if of_no_space else "space > 0"
    return "space IN (-1, 0)" if of_no_space else "space = -1"
