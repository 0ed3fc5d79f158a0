"""What the `/q/` pages of spaces show: a corner's check-in page, and a booking opened from
its code (by its family, or by staff who check it in)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

from app.accounts.schemas import FamilyOut
from app.accounts.services.families import get_family
from app.kernel.clock import Clock, local_zone
from app.kernel.values import frozen
from qr.checkin import Scanner
from spaces.errors import BookingNotFound, CornerNotFound
from spaces.rules import SpaceRules
from spaces.schemas import BookingOut
from spaces.services import checkin_steps as steps
from spaces.services.bookings import booking_out, family_bookings, get_booking_row
from spaces.services.checkins import refuses_printed_code
from spaces.services.spaces import get_space
from spaces.tables import Corner, Space


@frozen
class TodaysBooking:
    """The family's booking at this space today, and when its check-in opens and closes."""

    booking: BookingOut
    window_opens: datetime
    window_closes: datetime


@frozen
class CheckInPage:
    corner_id: int
    corner_name: str
    space_id: int
    space_name: str
    printed_refused: bool  # a printed code where only the live screen's checks in
    family: FamilyOut | None = None  # whose children to tick
    open_now: bool = True  # checking in works now (the space is open)
    next_opens_at: datetime | None = None  # when not open: when it opens next
    hours_today: tuple[tuple[str, str], ...] = ()  # today's opening ranges (none: closed today)
    todays: tuple[TodaysBooking, ...] = ()  # the family's bookings here today
    now: datetime | None = None  # when the page was made

    @property
    def booking_now(self) -> TodaysBooking | None:
        """Today's booking whose check-in window is open (the scan checks it in)."""
        now = self.now
        return next((t for t in self.todays if now and t.window_opens <= now <= t.window_closes), None)


@frozen
class BookingScan:
    booking: BookingOut
    owner: bool  # the family's own booking: its code to show
    staff: bool  # staff of its space: check it in
    elsewhere: bool  # staff of another space: told whose booking it is, nothing to do here


async def check_in_page(corner_id: int, *, live: bool, family_id: int | None, clock: Clock) -> CheckInPage:
    row = await (
        Corner.select(Corner.id, Corner.name, Corner.space.id, Corner.space.name, Corner.space.require_live_code)
        .where((Corner.id == corner_id) & Corner.retired_at.is_null())
        .first()
    )
    if row is None:
        raise CornerNotFound()
    refused = refuses_printed_code(row["space.require_live_code"], live=live)
    family = await get_family(family_id, clock=clock) if family_id and not refused else None
    page = CheckInPage(row["id"], row["name"], row["space.id"], row["space.name"], refused, family)
    if family is None:
        return page
    return await _with_hours_and_bookings(page, family.id, clock.now())


async def _with_hours_and_bookings(page: CheckInPage, family_id: int, now: datetime) -> CheckInPage:
    """What a family needs before it ticks anyone: is the space open, when it opens today and
    next, and its bookings here today with their check-in windows."""
    space = await get_space(page.space_id)
    today = now.astimezone(local_zone()).date()
    hours_today = tuple(
        (h.opens, h.closes)
        for h in sorted(space.opening_hours, key=lambda h: h.opens)
        if h.weekday == today.isoweekday()
    )
    if any(c.first_day <= today.isoformat() <= c.last_day for c in space.closures):
        hours_today = ()
    ranges = [(time.fromisoformat(opens), time.fromisoformat(closes)) for opens, closes in hours_today]
    open_now = steps.period_at(ranges, now) is not None
    rules = SpaceRules.of(await Space.select().where(Space.id == page.space_id).first() or {})
    todays = tuple(
        TodaysBooking(b, *rules.check_in_window(b.starts_at))
        for b in await family_bookings(family_id)
        if b.space_id == page.space_id
        and b.status in ("confirmed", "attended", "waitlisted", "offered")
        and b.starts_at.astimezone(local_zone()).date() == today
    )
    return replace(
        page,
        open_now=open_now,
        next_opens_at=None if open_now else await steps.next_opening(page.space_id, now),
        hours_today=hours_today,
        todays=todays,
        now=now,
    )


async def booking_scan(booking_id: int, scanner: Scanner) -> BookingScan:
    """The booking for its family and for staff; nobody else learns it exists."""
    row = await get_booking_row(booking_id)
    owner = row.family_id == scanner.family_id
    staff = scanner.serves(row.space_id)
    if not owner and not scanner.is_staff:
        raise BookingNotFound()
    return BookingScan(await booking_out(row), owner, staff, scanner.is_staff and not staff)
