"""iCalendar files: one per booking, and a private feed per family behind a secret URL."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

from piccolo.query.mixins import OnConflictAction

from app.accounts.actor import Actor
from app.kernel.i18n import N_
from spaces.errors import BookingNotFound
from spaces.services.bookings import own_booking
from spaces.tables import Booking, CalendarFeed

if TYPE_CHECKING:
    from icalendar import Calendar, Event

FEED_STATUSES = ("confirmed", "attended", "offered")

# icalendar (~10 MB resident with its time-zone tables) is imported by the first calendar
# asked for, not by every process at start.


def _calendar(name: str) -> Calendar:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//StoryCorner//故事角//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _event(row: dict[str, Any], base_url: str, now: datetime) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", f"booking-{row['id']}@storycorner")
    event.add("dtstamp", now)
    event.add("dtstart", row["slot.starts_at"])
    event.add("dtend", row["slot.ends_at"])
    event.add("summary", f"{row['slot.title']} · {row['slot.space.name']}")
    event.add("location", row["slot.space.address"])
    event.add("url", f"{base_url}/bookings")
    event.add("status", "CONFIRMED" if row["status"] in ("confirmed", "attended") else "TENTATIVE")
    return event


ICS_COLUMNS = (
    Booking.id,
    Booking.status,
    Booking.slot.starts_at,
    Booking.slot.ends_at,
    Booking.slot.title,
    Booking.slot._.space._.name,
    Booking.slot._.space._.address,
)


async def booking_ics(booking_id: int, *, actor: Actor, base_url: str, now: datetime) -> bytes:
    """The family's booking as an iCalendar file (another family's: not found)."""
    await own_booking(booking_id, actor)
    row = await Booking.select(*ICS_COLUMNS).where(Booking.id == booking_id).first()
    assert row is not None
    cal = _calendar("故事角预约")
    cal.add_component(_event(row, base_url, now))
    return bytes(cal.to_ical())


async def feed_token(family_id: int) -> str:
    """The family's feed secret, created on first use."""
    row = await CalendarFeed.select(CalendarFeed.token).where(CalendarFeed.family == family_id).first()
    if row is not None:
        return str(row["token"])
    token = secrets.token_urlsafe(24)
    await CalendarFeed.insert(CalendarFeed(family=family_id, token=token)).on_conflict(
        action=OnConflictAction.do_nothing
    )
    row = await CalendarFeed.select(CalendarFeed.token).where(CalendarFeed.family == family_id).first()
    assert row is not None
    return str(row["token"])


def feed_url(token: str, base_url: str) -> str:
    return f"{base_url}/calendar/{token}.ics"


async def family_feed(token: str, *, base_url: str, now: datetime) -> bytes:
    """The feed behind a family's secret URL; an unknown secret finds nothing."""
    feed = await CalendarFeed.select(CalendarFeed.family).where(CalendarFeed.token == token).first()
    if feed is None:
        raise BookingNotFound(N_("没有找到这个日历"))
    rows = (
        await Booking.select(*ICS_COLUMNS)
        .where((Booking.family == feed["family"]) & Booking.status.is_in(list(FEED_STATUSES)))
        .order_by(Booking.id)
    )
    cal = _calendar("故事角 · 我的预约")
    for row in rows:
        cal.add_component(_event(row, base_url, now))
    return bytes(cal.to_ical())
