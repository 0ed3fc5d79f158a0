"""Answers read moments ago, kept in this process for a few seconds, for reads where an answer
that old is as good as a fresh one: a space's week for anonymous readers (2 s), the
statistics' summaries and dashboards (5 s, app/stats/services/kept.py). Nothing that writes
reads them, so bookings and check-ins stay exact. Time is the injected clock's."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

_every: weakref.WeakSet[Recent[object, object]] = weakref.WeakSet()


class Recent(Generic[K, V]):
    """At most `size` values, each for at most `seconds` after it was read; the least recently
    kept goes first."""

    def __init__(self, seconds: float, *, size: int = 1024) -> None:
        self._age = timedelta(seconds=seconds)
        self._size = size
        self._kept: OrderedDict[K, tuple[datetime, V]] = OrderedDict()
        _every.add(self)  # type: ignore[arg-type]

    def get(self, key: K, now: datetime) -> V | None:
        found = self._kept.get(key)
        if found is None:
            return None
        at, value = found
        if not at <= now < at + self._age:  # too old, or the clock went back
            del self._kept[key]
            return None
        return value

    def put(self, key: K, value: V, now: datetime) -> None:
        self._kept[key] = (now, value)
        self._kept.move_to_end(key)
        # The oldest first: drop what is too old to be answered, so a process keeps only what
        # was read within the last few seconds (a city's 3,000 weeks would stay otherwise).
        while self._kept:
            at, _ = next(iter(self._kept.values()))
            if len(self._kept) <= self._size and at <= now < at + self._age:
                break
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        self._kept.clear()


def forget_all() -> None:
    """Every kept answer of this process (tests: a new test's rows reuse the old ids)."""
    for recent in list(_every):
        recent.clear()
