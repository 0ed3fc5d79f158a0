"""Open days counted by weeks (quiet.py) agree with counting day by day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.stats.services.quiet import Calendar, merged

DAYS = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


def by_day(calendar: Calendar, first: date, last: date) -> int:
    days, day = 0, max(first, calendar.since)
    while day <= last:
        days += calendar.open_on(day)
        day += timedelta(days=1)
    return days


@given(
    weekdays=st.frozensets(st.integers(1, 7)),
    closures=st.lists(st.tuples(DAYS, st.integers(0, 40)), max_size=4),
    since=DAYS,
    first=DAYS,
    length=st.integers(-3, 200),
)
def test_open_days_by_weeks_match_day_by_day(
    weekdays: frozenset[int], closures: list[tuple[date, int]], since: date, first: date, length: int
) -> None:
    spans = [(start, start + timedelta(days=n)) for start, n in closures]  # overlapping too
    calendar = Calendar(weekdays, merged(spans), since)
    last = first + timedelta(days=length)
    assert calendar.open_days(first, last) == by_day(calendar, first, last)


def test_closures_merge_where_they_overlap_or_touch() -> None:
    d = date(2026, 5, 1)
    spans = [(d, d + timedelta(days=3)), (d + timedelta(days=4), d + timedelta(days=5)), (d + timedelta(days=2), d)]
    assert merged(spans) == ((d, d + timedelta(days=5)),)
    assert merged([(d + timedelta(days=9), d + timedelta(days=9)), (d, d)]) == ((d, d), (d + timedelta(days=9),) * 2)
