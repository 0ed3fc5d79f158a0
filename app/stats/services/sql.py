"""The statistics' SQL on both engines: local days and months of a timestamp in the service's
time zone, JSON array lengths and elements, and one way to run an aggregate query.

PostgreSQL converts with `AT TIME ZONE`. SQLite stores UTC text and knows no zones, so the
local day is `strftime(…, col, '+N minutes')` with the zone's offset; where the offset changes
inside the period (summer time) a CASE picks each instant's offset, so days stay exact.
"""

# S608: the SQL is built from this package's constants and checked integers; values are parameters.
# ruff: noqa: S608
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from app.kernel.clock import local_zone
from app.kernel.db import is_sqlite
from spaces.tables import Space

_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")
FORMATS = {"day": ("%Y-%m-%d", "YYYY-MM-DD"), "month": ("%Y-%m", "YYYY-MM")}


def _minutes(moment: datetime) -> int:
    offset = moment.astimezone(local_zone()).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


@lru_cache(maxsize=64)
def offsets(start: datetime, end: datetime) -> tuple[tuple[datetime, int], ...]:
    """The zone's UTC offset (minutes) from each change on, between two instants."""
    found = [(start, _minutes(start))]
    moment = start
    while moment < end:
        following = min(moment + timedelta(days=1), end)
        if _minutes(following) != found[-1][1]:
            step = moment
            while _minutes(step) == found[-1][1]:
                step += timedelta(minutes=15)
            found.append((step, _minutes(step)))
        moment = following
    return tuple(found)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def week_of(day: str) -> str:
    """SQL for the Monday (`YYYY-MM-DD`) of the week of a day (a DATE or `YYYY-MM-DD` text)."""
    if is_sqlite():
        return f"date({day}, 'weekday 0', '-6 days')"  # the next Sunday (or that day), less six
    return f"to_char(date_trunc('week', CAST({day} AS DATE)), 'YYYY-MM-DD')"


def local(column: str, unit: str, start: datetime, end: datetime) -> str:
    """SQL for the local day (`YYYY-MM-DD`), week (its Monday) or month (`YYYY-MM`) of a
    timestamp column."""
    if unit == "week":
        return week_of(local(column, "day", start, end))
    sqlite_format, pg_format = FORMATS[unit]
    if not is_sqlite():
        zone = str(local_zone().key)
        assert _ZONE_NAME.match(zone), zone
        return f"to_char({column} AT TIME ZONE '{zone}', '{pg_format}')"
    changes = offsets(start, end)
    if len(changes) == 1:
        return f"strftime('{sqlite_format}', {column}, '{changes[0][1]:+d} minutes')"
    cases = " ".join(
        f"WHEN {column} < '{_iso(moment)}' THEN '{minutes:+d} minutes'"
        for (moment, _), (_, minutes) in zip(changes[1:], changes, strict=False)
    )
    return f"strftime('{sqlite_format}', {column}, CASE {cases} ELSE '{changes[-1][1]:+d} minutes' END)"


def json_length(column: str) -> str:
    return f"json_array_length({column})" if is_sqlite() else f"jsonb_array_length({column})"


def json_ids(column: str, alias: str) -> str:
    """A join over the integer elements of a JSON array column, as `{alias}.value`."""
    if is_sqlite():
        return f"JOIN json_each({column}) {alias}"
    return f"CROSS JOIN LATERAL (SELECT CAST(x AS INTEGER) AS value FROM jsonb_array_elements_text({column}) x) {alias}"


def ids_in(column: str, ids: Sequence[int]) -> str:
    """`column IN (…)` with the ids written out (integers, checked); none matches no row."""
    if not ids:
        return "1 = 0"
    return f"{column} IN ({', '.join(str(int(i)) for i in ids)})"


async def rows(sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    """Run an aggregate query (`{}` placeholders) and hand back its rows."""
    return list(await Space.raw(sql, *params))


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
