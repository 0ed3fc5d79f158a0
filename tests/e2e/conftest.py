"""Browser tests run the real app in uvicorn on the real clock, so they must not straddle
Beijing's midnight: their worlds open spaces "00:00-23:59" and book slots "today", and in the
last minute of the day such a space is closed ("下次开放：… 00:00") and "today" changes under
a running test. A test that would start in the day's last minutes waits for the new day.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import pytest

# The service's TIME_ZONE by default, which the live servers use.
BEIJING = ZoneInfo("Asia/Shanghai")
# Longer than any one browser test takes on a loaded machine.
MIDNIGHT_MARGIN = timedelta(minutes=5)


def seconds_to_wait(now: datetime) -> float:
    """How long a test starting at `now` waits: until a second past the next Beijing midnight
    when that is within `MIDNIGHT_MARGIN`, else not at all."""
    local = now.astimezone(BEIJING)
    midnight = datetime.combine(local.date() + timedelta(days=1), clock_time(0), BEIJING)
    left = midnight - local
    return left.total_seconds() + 1 if left <= MIDNIGHT_MARGIN else 0.0


@pytest.fixture(autouse=True)
def clear_of_midnight() -> None:
    wait = seconds_to_wait(datetime.now(UTC))
    if wait:
        print(f"waiting {wait:.0f} s for Beijing's midnight to pass before a browser test")
        time.sleep(wait)
