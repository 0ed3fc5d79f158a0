"""The browser tests' guard against Beijing's midnight (tests/e2e/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.e2e.conftest import seconds_to_wait


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        # 23:59:00 in Beijing: the minute the "00:00-23:59" worlds are closed.
        ("2026-12-07T15:59:00", 61.0),
        # Five minutes before midnight: still inside the margin.
        ("2026-12-07T15:55:00", 301.0),
        # Just outside the margin, just after midnight, midday: no wait.
        ("2026-12-07T15:54:59", 0.0),
        ("2026-12-07T16:00:01", 0.0),
        ("2026-12-07T04:00:00", 0.0),
        # 15:59 UTC is only late in Beijing: the guard is on Beijing's clock, not UTC's.
        ("2026-12-07T23:59:00", 0.0),
    ],
)
def test_a_browser_test_waits_only_in_the_last_minutes_of_beijings_day(utc: str, expected: float) -> None:
    assert seconds_to_wait(datetime.fromisoformat(utc).replace(tzinfo=UTC)) == expected
