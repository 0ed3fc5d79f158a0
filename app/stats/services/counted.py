"""The figures of a scope as the services read them: what the rollups hold (up to
`scope.rolled_through`) plus what happened since, counted live. Distinct counts (families,
borrowers, lead readers, volunteers) do not add up across days, so they are counted live over
the whole period."""

# S608: the SQL is built from this package's constants and checked integers; values are parameters.
# ruff: noqa: S608
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from app.stats.services import sources, sql
from app.stats.services.scope import Scope
from app.stats.services.sources import Source

DISTINCT = frozenset({"families", "new_families", "lead_readers", "volunteers", "borrowers"})
# How a key of the sources reads in the rollups (days as `YYYY-MM-DD` text, as the sources give them).
ROLLED_KEYS = {
    "space": "space",
    "theme": "theme",
    "day": "CAST(day AS TEXT)",
    "month": "substr(CAST(day AS TEXT), 1, 7)",
}


def rolled_until(scope: Scope) -> date | None:
    """The last day of the scope the rollups hold, or None when they hold none of it."""
    if scope.rolled_through is None or scope.rolled_through < scope.first:
        return None
    return min(scope.rolled_through, scope.last)


def split(scope: Scope) -> tuple[Scope | None, Scope | None]:
    """The scope's days the rollups hold, and the days to count live (either may be None)."""
    cut = rolled_until(scope)
    if cut is None:
        return None, scope
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
    parts = [await sources.live(source, scope, keys, distinct)] if distinct else []
    if additive:
        held, later = split(scope)
        if held is not None:
            parts.append(await rolled(source, held, keys, additive))
        if later is not None:
            parts.append(await sources.live(source, later, keys, additive))
    return merge(parts, len(keys), wanted)


def _period(scope: Scope, by_day: bool) -> tuple[str, list[Any]]:
    """Whole months from the month rows, the days around them from the day rows."""
    if by_day:
        return "grain = 'day' AND day >= {} AND day <= {}", [scope.first, scope.last]
    months_from = (
        scope.first if scope.first.day == 1 else (scope.first.replace(day=28) + timedelta(days=4)).replace(day=1)
    )
    months_until = (scope.last + timedelta(days=1)).replace(day=1)  # exclusive
    if months_from >= months_until:
        return "grain = 'day' AND day >= {} AND day <= {}", [scope.first, scope.last]
    condition = (
        "((grain = 'month' AND day >= {} AND day < {}) OR "
        "(grain = 'day' AND ((day >= {} AND day < {}) OR (day >= {} AND day <= {}))))"
    )
    return condition, [months_from, months_until, scope.first, months_from, months_until, scope.last]


async def rolled(source: Source, scope: Scope, keys: Sequence[str], measures: Sequence[str]) -> list[dict[str, Any]]:
    """The measures as the rollups hold them over `scope` (every day of which they hold)."""
    period, params = _period(scope, by_day="day" in keys)
    selected = [f"{ROLLED_KEYS[key]} AS k{i}" for i, key in enumerate(keys)]
    selected += [f"SUM({name}) AS {name}" for name in measures]
    conditions = [period, "space = 0" if source.space is None else "space <> 0"]
    if scope.space_ids is not None and source.space is not None:
        conditions.append(sql.ids_in("space", scope.space_ids))
    if scope.theme and source.theme is not None:
        conditions.append("theme = {}")
        params.append(scope.theme)
    statement = f"SELECT {', '.join(selected)} FROM stats_rollup WHERE {' AND '.join(conditions)}"
    if keys:
        statement += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys)))
    return await sql.rows(statement, params)


def merge(parts: Sequence[list[dict[str, Any]]], width: int, measures: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of the same keys added up (a measure missing from a part counts 0)."""
    names = [f"k{i}" for i in range(width)]
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rows in parts:
        for row in rows:
            key = tuple(row[name] for name in names)
            into = out.setdefault(key, {**dict(zip(names, key, strict=True)), **dict.fromkeys(measures, 0)})
            for name, value in row.items():
                if name not in names:
                    into[name] = int(into.get(name) or 0) + int(value or 0)
    return list(out.values())
