"""Answers kept a few seconds in the process (app/kernel/recent.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.kernel.recent import Recent

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def test_an_answer_is_kept_for_its_seconds_only() -> None:
    kept: Recent[str, int] = Recent(seconds=2)
    kept.put("week", 1, T0)
    assert kept.get("week", T0 + timedelta(seconds=1.9)) == 1
    assert kept.get("week", T0 - timedelta(seconds=1)) is None  # the clock went back
    kept.put("week", 1, T0)
    assert kept.get("week", T0 + timedelta(seconds=2)) is None
    assert len(kept) == 0


def test_the_least_recently_kept_goes_first_past_the_size() -> None:
    kept: Recent[int, int] = Recent(seconds=2, size=3)
    for n in range(5):
        kept.put(n, n, T0)
    assert len(kept) == 3 and kept.get(0, T0) is None and kept.get(4, T0) == 4


def test_what_is_too_old_is_dropped_as_new_answers_are_kept() -> None:
    """A process keeps only what was read within the last seconds, however many were read
    before: 3,000 weeks read once do not stay."""
    kept: Recent[int, int] = Recent(seconds=2, size=4096)
    for n in range(3000):
        kept.put(n, n, T0 + timedelta(milliseconds=n))
    later = T0 + timedelta(seconds=5)
    kept.put(-1, -1, later)
    assert len(kept) == 1 and kept.get(-1, later) == -1
