"""Time comes from a clock passed in, so tests can use a fake one.

Local dates (age bands, opening days) use the service's time zone, set once by the wiring
from the `TIME_ZONE` setting.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


system_clock = SystemClock()

_local_zone = ZoneInfo("Asia/Shanghai")


def set_local_zone(zone: ZoneInfo) -> None:
    global _local_zone
    _local_zone = zone


def local_zone() -> ZoneInfo:
    return _local_zone


def local_today(clock: Clock) -> date:
    return clock.now().astimezone(_local_zone).date()


def aware(value: datetime | str) -> datetime:
    """A stored timestamp as an aware datetime: the engines give datetimes, except inside JSON
    built by a statement (ISO text; SQLite also for a column of an outer join)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
