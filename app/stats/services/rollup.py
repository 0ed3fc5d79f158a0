"""The rollups: every additive figure per space, local day and theme, and per month, built from
the history by a job that catches up idempotently (hourly, and `python -m app stats-rollup`).

Each run rebuilds the days since the last run and the month before it (`REOPEN_DAYS`: a
no-show is marked, a reading session logged, a few days late), one month per transaction:
the month's day rows are deleted and counted again by the same queries the live figures use
(sources.py), then its month row is summed from them. Today is built too, up to the run
(less `HELD_BEFORE`), for the rows stamped when written (check-ins, the door, loans,
returns); a booking's status, a session logged late or the reading log count today live.
Reads take the rollups up to the day and instant recorded in `stats_rollup_state` and count
what follows live (counted.py), so a figure never waits for the job, and what happened since
the last run always counts.
"""

# S608: the SQL is built from this package's constants and checked integers; values are parameters.
# ruff: noqa: S608
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.db import is_sqlite, serialize_on, write_transaction
from app.kernel.values import frozen
from app.stats.services import reach, sources, sql
from app.stats.services.counted import BAND_COLUMNS, DISTINCT, ROLLED, ROLLED_UNKNOWN
from app.stats.services.scope import Scope, local_start, month_spans, next_month
from app.stats.tables import Rollup, RollupState

REOPEN_DAYS = 31
# Today is held up to this long before the run: a row stamped earlier but committed after the
# run read the history would otherwise be counted by neither part until the next run.
HELD_BEFORE = timedelta(minutes=2)
DISTRICT = -1  # the rows of the whole district (0: the reading log, of no space)
WORK_MEM = "64MB"
KEY = "(grain, space, day, theme)"


@frozen
class RollupRun:
    first: date | None  # the first day rebuilt (None: nothing to build)
    through: date
    months: int


def _as_date(expression: str) -> str:
    # SQLite keeps dates as ISO text (and CAST AS DATE would make a number of it).
    return expression if is_sqlite() else f"CAST({expression} AS DATE)"


async def _write(statement: str, params: Sequence[Any]) -> None:
    await Rollup.raw(statement, *params)


async def _upsert(select: tuple[str, list[Any]], measures: Sequence[str], *, by_space: bool) -> None:
    """Day rows from a query grouped by (space, day, theme), or by day alone (space 0)."""
    statement, params = select
    space, day, theme = ("q.k0", "q.k1", "COALESCE(q.k2, '')") if by_space else ("0", "q.k0", "''")
    columns = ", ".join(measures)
    values = ", ".join(f"COALESCE(q.{m}, 0)" for m in measures)
    updates = ", ".join(f"{m} = excluded.{m}" for m in measures)
    await _write(
        f"INSERT INTO stats_rollup (grain, day, space, theme, {columns}) "
        f"SELECT 'day', {_as_date(day)}, {space}, {theme}, {values} FROM ({statement}) q WHERE true "
        f"ON CONFLICT {KEY} DO UPDATE SET {updates}",
        params,
    )


def _bands(scope: Scope) -> tuple[str, list[Any]]:
    """Children present per space, day and theme by age band at the month of the visit."""
    month = sql.local("c.checked_in_at", "month", scope.start, scope.end)
    day = sql.local("c.checked_in_at", "day", scope.start, scope.end)
    born = "CAST(ch.birth_month AS TEXT)"
    months_old = (
        f"(CAST(substr({month}, 1, 4) AS INTEGER) * 12 + CAST(substr({month}, 6, 2) AS INTEGER) "
        f"- CAST(substr({born}, 1, 4) AS INTEGER) * 12 - CAST(substr({born}, 6, 2) AS INTEGER))"
    )
    bounds = {"band_0_3": (None, 36), "band_3_6": (36, 72), "band_6_9": (72, 108), "band_9_12": (108, None)}
    counts = [f"SUM(CASE WHEN ch.birth_month IS NULL THEN 1 ELSE 0 END) AS {ROLLED_UNKNOWN}"]
    for column, (low, high) in bounds.items():
        tests = ["ch.birth_month IS NOT NULL"]
        tests += [f"{months_old} >= {low}"] if low is not None else []
        tests += [f"{months_old} < {high}"] if high is not None else []
        counts.append(f"SUM(CASE WHEN {' AND '.join(tests)} THEN 1 ELSE 0 END) AS {column}")
    statement = (
        f"SELECT c.space AS k0, {day} AS k1, s.theme AS k2, {', '.join(counts)} "
        f"FROM spaces_check_in c JOIN spaces_slot s ON s.id = c.slot {sql.json_ids('c.child_ids', 'j')} "
        "LEFT JOIN accounts_child ch ON ch.id = j.value "
        "WHERE c.checked_in_at >= {} AND c.checked_in_at < {} GROUP BY 1, 2, 3"
    )
    return statement, [scope.start, scope.end]


async def _build(first: date, last: date, until: datetime | None = None) -> None:
    """Count the days [first, last] of one month again, and sum its month row; `until`: the
    last day's stamped rows only before that instant, and not its other rows (sources.part)."""
    scope = Scope(first, last, None, until=until)
    month = first.replace(day=1)
    following = next_month(month)
    async with write_transaction():
        await serialize_on("stats-rollup")
        if not is_sqlite():
            # A month of check-ins is hashed for its bookings; most have none, and NULL keys
            # cannot be split across batches: under the default 4 MB the join took 80 s, not 1.
            await _write(f"SET LOCAL work_mem = '{WORK_MEM}'", [])
        await _write("DELETE FROM stats_rollup WHERE grain = 'day' AND day >= {} AND day <= {}", [first, last])
        for source in sources.sources():
            additive = [m for m in source.measures if m not in DISTINCT]
            if not additive:
                continue
            keys = ("space", "day", "theme") if source.space is not None else ("day",)
            await _upsert(sources.select(source, scope, keys, additive), additive, by_space=source.space is not None)
        await _upsert(_bands(scope), [*BAND_COLUMNS.values(), ROLLED_UNKNOWN], by_space=True)
        await reach.rebuild(first, last, _write, until=until)
        # The whole district's days (space -1): a year of them is a few hundred rows, not a million.
        where = "grain = 'day' AND day >= {} AND day <= {} AND space > 0"
        await _summed("day", "day", str(DISTRICT), where, "day, theme", [first, last])
        await _write("DELETE FROM stats_rollup WHERE grain = 'month' AND day = {}", [month])
        where = "grain = 'day' AND day >= {} AND day < {}"
        await _summed("month", "{}", "space", where, "space, theme", [month, month, following])


async def _summed(grain: str, day: str, space: str, where: str, group: str, params: list[Any]) -> None:
    """Rows of `grain` summed from the day rows (`where`, grouped by `group`)."""
    columns = ", ".join(ROLLED)
    await _write(
        f"INSERT INTO stats_rollup (grain, day, space, theme, {columns}) "
        f"SELECT '{grain}', {day}, {space}, theme, {', '.join(f'SUM({m})' for m in ROLLED)} FROM stats_rollup "
        f"WHERE {where} GROUP BY {group}",
        params,
    )


async def _earliest() -> date | None:
    """The first local day of any history (the first run builds from there)."""
    found: list[date] = []
    for source in sources.sources():
        rows = await sql.rows(f"SELECT MIN({source.time}) AS t FROM {source.body}", [])
        value = rows[0]["t"] if rows else None
        if isinstance(value, str):
            value = date.fromisoformat(value[:10]) if source.dated else datetime.fromisoformat(value)
        if isinstance(value, datetime):
            value = value.astimezone(local_zone()).date()
        if isinstance(value, date):
            found.append(value)
    return min(found, default=None)


async def _record(through: date, until: datetime, now: datetime) -> None:
    async with write_transaction():
        await serialize_on("stats-rollup")
        # A new run token: readers remember what they read from the rollups per token (kept.py).
        run = uuid4()
        if await RollupState.exists():
            values: dict[Any, Any] = {
                RollupState.built_through: through,
                RollupState.built_until: until,
                RollupState.built_at: now,
                RollupState.run: run,
            }
            await RollupState.update(values, force=True)
        else:
            await RollupState.insert(RollupState(built_through=through, built_until=until, built_at=now, run=run))


async def catch_up(*, clock: Clock, full: bool = False) -> RollupRun:
    """Build the rollups through today up to now (`HELD_BEFORE`; today's stamped rows only:
    sources.py): from the first history on the first run (or `full`), else the days since the
    last run and the `REOPEN_DAYS` before."""
    now = clock.now()
    through = local_today(clock)
    until = max(now - HELD_BEFORE, local_start(through))
    state = await RollupState.select(RollupState.built_through).first()
    if full or state is None:
        first = await _earliest()
    else:
        first = min(state["built_through"] + timedelta(days=1), through - timedelta(days=REOPEN_DAYS - 1))
    if first is None or first > through:
        # No history: record nothing, so that history arriving later (an import, demo or
        # synthetic data) is built from its first day by the next run.
        return RollupRun(None, through, 0)
    months = 0
    spans = month_spans(first, through)
    for start, end in spans:
        await _build(start, end, until if end == through else None)
        months += 1
    await _record(through, until, now)
    if months and not is_sqlite():
        # Fresh planner statistics: with the tables' sizes unknown, a year's count joined the
        # families row by row (0.45 s instead of a hash join).
        await _write("ANALYZE stats_rollup, stats_reach", [])
    return RollupRun(first, through, months)
