"""Booking rules: per-space settings (columns of Space, defaults here) and the no-show policy.

The no-show policy (its numbers are policies district admins set, app/kernel/policies.py:
3 no-shows within 60 days suspend booking for 14 days by default): a late cancellation counts
as a no-show; cancelling before the deadline never counts.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from app.kernel.values import frozen

NO_SHOW_WINDOW = timedelta(days=60)
# Offers made less than OFFER_CUTOFF before the start, or after it (a no-show release),
# are short "come now" offers that end by the slot's end.
OFFER_CUTOFF = timedelta(hours=1)
LATE_OFFER = timedelta(minutes=15)
MAX_ADULTS = 4


@frozen
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


# The band across the top of a corner's poster, by the kind of space (issue 15, item 15).
POSTER_PROGRAMMES = {
    "reading_base": "东城区家庭亲子阅读体验基地",
    "ten_square": "东城区家庭亲子阅读 · 十平米阅读",
}


def poster_programme(kind: str) -> str:
    return POSTER_PROGRAMMES.get(kind, "东城区家庭亲子阅读")  # as qr.posters.DEFAULT_PROGRAMME


# The one list of activity themes (issue 15, item 17): the code stored with a slot, and the
# words it is known by. The five kinds of 绘本＋ and the lead-reader training (reading.programme
# counts a family's trainings by it). Pages offer these; the API stores a theme given by any of
# its words as its code, and keeps other text as it is.
TRAINING_THEME = "lead-reader training"
THEMES: dict[str, tuple[str, ...]] = {
    "culture": ("绘本＋文化", "文化"),
    "reading": ("绘本＋阅读", "阅读"),
    "science": ("绘本＋科普", "科普"),
    "safety": ("绘本＋安全教育", "安全教育", "安全"),
    "volunteer": ("绘本＋志愿服务", "志愿服务", "志愿"),
    TRAINING_THEME: ("家庭领读人培训", "领读人培训", "training"),
}
_THEME_WORDS = {word.casefold(): code for code, words in THEMES.items() for word in (code, *words)}


def theme_code(text: str) -> str:
    """A theme as stored: the code of one of THEMES when `text` is one of its words."""
    plain = text.strip()
    return _THEME_WORDS.get(plain.casefold().replace("+", "＋"), _THEME_WORDS.get(plain.casefold(), plain))
