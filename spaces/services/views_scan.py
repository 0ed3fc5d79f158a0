"""What the `/q/` pages of spaces show: a corner's check-in page, and a booking opened from
its code (by its family, or by staff who check it in)."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.schemas import FamilyOut
from app.accounts.services.families import get_family
from app.kernel.clock import Clock
from qr.checkin import Scanner
from spaces.errors import BookingNotFound, CornerNotFound
from spaces.schemas import BookingOut
from spaces.services.bookings import booking_out, get_booking_row
from spaces.services.checkins import refuses_printed_code
from spaces.tables import Corner


@dataclass(frozen=True, slots=True)
class CheckInPage:
    corner_id: int
    corner_name: str
    space_id: int
    space_name: str
    printed_refused: bool  # a printed code where only the live screen's checks in
    family: FamilyOut | None = None  # whose children to tick


@dataclass(frozen=True, slots=True)
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
    return CheckInPage(row["id"], row["name"], row["space.id"], row["space.name"], refused, family)


async def booking_scan(booking_id: int, scanner: Scanner) -> BookingScan:
    """The booking for its family and for staff; nobody else learns it exists."""
    row = await get_booking_row(booking_id)
    owner = row.family_id == scanner.family_id
    staff = scanner.serves(row.space_id)
    if not owner and not scanner.is_staff:
        raise BookingNotFound()
    return BookingScan(await booking_out(row), owner, staff, scanner.is_staff and not staff)
