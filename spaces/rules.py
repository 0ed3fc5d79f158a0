"""Booking rules: per-space settings (columns of Space, defaults here) and the no-show policy.

The no-show policy (its numbers are policies district admins set, app/kernel/policies.py:
3 no-shows within 60 days suspend booking for 14 days by default): a late cancellation counts
as a no-show; cancelling before the deadline never counts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

NO_SHOW_WINDOW = timedelta(days=60)
# Offers made less than OFFER_CUTOFF before the start, or after it (a no-show release),
# are short "come now" offers that end by the slot's end.
OFFER_CUTOFF = timedelta(hours=1)
LATE_OFFER = timedelta(minutes=15)
MAX_ADULTS = 4


@dataclass(frozen=True, slots=True)
class SpaceRules:
    max_future_bookings: int = 4
    booking_horizon_days: int = 14
    check_in_opens_minutes: int = 30
    check_in_closes_minutes: int = 15
    offer_minutes: int = 120

    @classmethod
    def of(cls, space: dict[str, Any]) -> SpaceRules:
        """The rules from a space's row (its columns of the same names)."""
        return cls(**{f.name: space[f.name] for f in fields(cls)})

    def check_in_window(self, starts_at: datetime) -> tuple[datetime, datetime]:
        return (
            starts_at - timedelta(minutes=self.check_in_opens_minutes),
            starts_at + timedelta(minutes=self.check_in_closes_minutes),
        )


def offer_deadline(now: datetime, starts_at: datetime, ends_at: datetime, offer_minutes: int) -> datetime | None:
    """Until when an offer made now holds its places; None when no offer makes sense."""
    if now >= ends_at:
        return None
    if now < starts_at - OFFER_CUTOFF:
        return min(now + timedelta(minutes=offer_minutes), starts_at - OFFER_CUTOFF)
    return min(now + LATE_OFFER, ends_at)
