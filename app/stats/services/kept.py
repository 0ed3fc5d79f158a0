"""What was read from the rollups, remembered until their next run.

The rollups (stats_rollup, stats_reach) change only when a rollup run writes them, and every
run leaves a new token in stats_rollup_state (rollup.py). A statement that reads nothing but
the rollups therefore answers the same for the same token: its rows are kept per process,
keyed by the token, the statement and its parameters, and a reader that finds them skips
the statement; so is what a reader makes of them (`value`: a summary's cells, the table's
sums per space, the trend lines). The days after the last run are read from the history, and
a summary, series or dashboard made with them is kept for FRESH seconds (`fresh`): today's
figures are at most that old. The people behind a few distinct counts (lead readers,
volunteers) on the days the rollups hold are taken as settled as the rollups take those
days. Readers that ask for the same value at once share one computation.
The figures of a rollup run still being written are read as they stand, as without this
module; a new token takes effect when the run has finished.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar, cast

from app.kernel.memory import give_back
from app.kernel.recent import Recent
from app.stats.services import sql

# Enough for every statement and value of a few dashboards with their filters; with rows kept
# only for answers of up to MAX_ROWS, a city's kept values stay within a few tens of MB.
MAX_KEPT = 256
MAX_ROWS = 4000

T = TypeVar("T")
Rows = list[dict[str, Any]]
_kept: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_running: dict[tuple[Any, ...], asyncio.Future[Any]] = {}


async def rows(run: str | None, statement: str, params: Sequence[Any]) -> Rows:
    """The rows of a statement over the rollups only, read once per rollup run (`run`: the
    scope's token; None, as before the first run, reads every time). Callers never change them.
    A larger answer than MAX_ROWS is not kept (a city's cells by space and theme are ~40 MB
    of dicts): its callers keep what they make of it instead."""
    return await value(
        run,
        ("rows", statement, tuple(params)),
        lambda: sql.rows(statement, params),
        keep=lambda found: len(found) <= MAX_ROWS,
    )


async def value(
    run: str | None,
    key: tuple[Any, ...],
    compute: Callable[[], Awaitable[T]],
    *,
    keep: Callable[[T], bool] = lambda _: True,
) -> T:
    """`compute()`, made once per rollup run and `key`: it must read nothing but the rollups
    (or derive from what did). Callers never change what it returns. Readers asking at once
    share one computation; what `keep` refuses is shared with them but not remembered."""
    if run is None:
        return await compute()
    key = (run, *key)
    if key in _kept:
        _kept.move_to_end(key)
        found: T = _kept[key]
        return found
    _forget_other_runs(run)
    found = await shared(key, compute)
    if keep(found):
        _remember(key, found)
    return found


async def shared(key: tuple[Any, ...], compute: Callable[[], Awaitable[T]]) -> T:
    """`compute()`, shared by the readers that ask for `key` while it runs: one computation,
    one answer for all of them. A reader that joins a computation already under way gets
    figures read from when it began (at most one computation, a fraction of a second,
    before the reader asked). A failed one fails its waiting readers too (a database down is
    one error, not one per reader); a cancelled one (its request went away) passes the
    reading to one of them."""
    loop = asyncio.get_running_loop()
    while (pending := _running.get(key)) is not None and pending.get_loop() is loop:
        await asyncio.wait([pending])
        if not pending.cancelled():
            led: T = pending.result()  # raises the reading's error
            return led
    future: asyncio.Future[T] = loop.create_future()
    _running[key] = future
    try:
        found = await compute()
    except Exception as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: asyncio need not log it when no reader was waiting
        raise
    else:
        future.set_result(found)
    finally:
        if _running.get(key) is future:
            del _running[key]
        if not future.done():
            future.cancel()  # cancelled: the readers waiting on it read for themselves
    return found


# A summary, a series or a dashboard, once read, answers the same request again for FRESH
# seconds (the service's clock): the day not yet rolled up is counted from the history by each
# reading, and at city scale that day is ~15,000 check-ins, 45-210 ms of PostgreSQL per
# statement (docs/benchmarks.md). Today's figures lag by at most this; nothing that writes
# reads them.
FRESH = 5.0
_fresh: Recent[tuple[Any, ...], Any] = Recent(seconds=FRESH, size=MAX_KEPT)


async def fresh(key: tuple[Any, ...], compute: Callable[[], Awaitable[T]], now: datetime) -> T:
    """`compute()` as read at most FRESH seconds before `now`, else read now (readers asking
    at once share that reading: `shared`). Callers never change what it returns."""
    found = _fresh.get(key, now)
    if found is None:
        found = await shared(key, compute)
        _fresh.put(key, found, now)
    return cast(T, found)


def peek(run: str, key: tuple[Any, ...]) -> Any:
    """What `keep` left for the run and key, or None."""
    found = _kept.get((run, *key))
    if found is not None:
        _kept.move_to_end((run, *key))
    return found


def keep(run: str, key: tuple[Any, ...], found: Any, *, remember: bool = True) -> None:
    """Remember `found` for the run and key, replacing what was there (`remember` False: forget it)."""
    if remember:
        _remember((run, *key), found)
    else:
        _kept.pop((run, *key), None)


def _forget_other_runs(run: str) -> None:
    """Drop what runs other than `run` left, before computing for it: they are not read again
    once a new run's token is read, and a city's kept cells are tens of MB (two runs' worth
    took a web process from 149 to 154 MB in the bench). Dropped first, their memory serves
    the new run's values."""
    if _kept and run != next(reversed(_kept))[0]:
        for old in [k for k in _kept if k[0] != run]:
            del _kept[old]
        give_back()


def _remember(key: tuple[Any, ...], found: Any) -> None:
    _forget_other_runs(key[0])
    _kept[key] = found
    while len(_kept) > MAX_KEPT:
        _kept.popitem(last=False)


# Within one reading (a dashboard: the summary, the table, the trends), the same statement
# over the live days is run once, and the spaces are read once: the parts of a page read them
# the same way.
_reading: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("stats_reading", default=None)


@contextmanager
def one_reading() -> Iterator[None]:
    """What `once` reads is read once within this block (one page's figures)."""
    token = _reading.set({})
    try:
        yield
    finally:
        _reading.reset(token)


async def once(key: tuple[Any, ...], compute: Callable[[], Awaitable[T]]) -> T:
    """`compute()` once per reading (`one_reading`), else each time. Callers never change it."""
    memo = _reading.get()
    if memo is None:
        return await compute()
    if key not in memo:
        memo[key] = await compute()
    found: T = memo[key]
    return found


async def live_rows(statement: str, params: Sequence[Any]) -> Rows:
    """The rows of a statement over the history: once per reading, else each time."""
    return await once(("rows", statement, tuple(params)), lambda: sql.rows(statement, params))


def forget() -> None:
    """Drop everything kept (for tests that rewrite the rollups under the same token)."""
    _kept.clear()
    _fresh.clear()
