"""Today's stamped rows after the rollups' run, counted once per process until they change.

A run cannot hold the rows of its last `HELD_BEFORE` (rollup.py), so right after the day's
busiest minutes every reading counted them from the history again: at city scale 15,000
check-ins, ~0.5 s of PostgreSQL for a summary (docs/benchmarks.md). Rows stamped when written
(check-ins, loans, returns) are only added, and removed only with a family's account. So what
a statement counted of them is kept with their number and the sum of their ids, read in the
same statement (one snapshot), and a later reading reuses it when the same pair, read alone
(a range of the stamp's index, no joins), finds the rows unchanged: equal while rows are only
added, and changed by a removal unless it were matched by additions of the same number and
id sum at once.

What the kept rows joined (a slot's theme, a child's birth month) is taken as of that count,
as the rollups take it as of their run; a new row or the next run reads it again.
"""

# S608: the SQL is built from this package's constants; values are parameters.
# ruff: noqa: S608
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from app.kernel.values import frozen
from app.stats.services import kept, sql
from app.stats.services.kept import Rows
from app.stats.services.scope import Scope


@frozen
class Stamp:
    """A table whose rows are stamped when written, and the stamp's (indexed) column."""

    table: str
    time: str


CHECK_INS = Stamp("spaces_check_in", "checked_in_at")
LOANS = Stamp("reading_loan", "borrowed_at")
RETURNS = Stamp("reading_loan", "returned_at")

Mark = tuple[int, int]


def _marks(stamp: Stamp) -> str:
    return (
        f"SELECT COUNT(*) AS marked_rows, COALESCE(SUM(id), 0) AS marked_ids "
        f"FROM {stamp.table} WHERE {stamp.time} >= {{}}"
    )


def _mark(row: dict[str, Any]) -> Mark:
    return int(row["marked_rows"]), int(row["marked_ids"])


async def _current(stamp: Stamp, since: datetime) -> Mark:
    return _mark((await sql.rows(_marks(stamp), [since]))[0])


async def rows(stamp: Stamp, scope: Scope, statement: str, params: Sequence[Any]) -> Rows:
    """The rows of `statement` (its `{}` placeholders filled by `params`), which counts rows
    of `stamp.table` from `scope.since` on: kept per process with their mark until the rows
    change or the rollups run again. Without that instant (the whole day live, or no run yet)
    it is counted each reading, as `kept.live_rows`. Callers never change what it returns."""
    if scope.since is None or scope.rollup_run is None:
        return await kept.live_rows(statement, params)
    since = scope.since
    key = ("grown", statement, tuple(params))
    found: tuple[Mark, Rows] | None = kept.peek(scope.rollup_run, key)
    # The pair alone only when there is something to compare it with: on a miss the statement
    # below reads it anyway.
    if found is not None and found[0] == await kept.once(("mark", stamp, since), lambda: _current(stamp, since)):
        return found[1]
    marked = await kept.live_rows(
        f"SELECT m.*, q.* FROM ({_marks(stamp)}) m "
        f"LEFT JOIN (SELECT 1 AS counted_row, x.* FROM ({statement}) x) q ON true",
        [since, *params],
    )
    mark = _mark(marked[0])
    out = [
        {name: value for name, value in row.items() if name not in ("marked_rows", "marked_ids", "counted_row")}
        for row in marked
        if row["counted_row"] is not None
    ]
    kept.keep(scope.rollup_run, key, (mark, out), remember=len(out) <= kept.MAX_ROWS)
    return out
