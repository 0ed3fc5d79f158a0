"""Every refusal a booking can get before its transaction: the slot's state and opening, the
family's suspension, children and cap. The transaction checks the cap again and takes the
places by a conditional update (spaces/services/places.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.accounts.errors import ChildNotFound
from app.accounts.people import age_band
from app.kernel import policies
from app.kernel.clock import Clock, aware, local_today, local_zone
from app.kernel.i18n import N_
from app.kernel.jsonvalue import loads
from app.kernel.sql import dialect, statement
from app.kernel.values import frozen
from spaces.errors import (
    AgeBandMismatch,
    AlreadyBooked,
    BookingClosed,
    BookingLimitReached,
    BookingNotOpen,
    BookingSuspended,
    PartyTooLarge,
    SlotFull,
    SlotNotFound,
    SpaceClosed,
)
from spaces.rules import SpaceRules
from spaces.schemas import BookingIn
from spaces.services.bookings import UPCOMING
from spaces.services.statements import SLOT_FOR_BOOKING
from spaces.tables import Booking, Slot


@frozen
class BookableSlot:
    """A slot as a booking reads it, with its space's rules."""

    id: int
    space_id: int
    kind: str
    title: str
    age_band: str
    starts_at: datetime
    capacity: int
    remaining: int
    waitlist: bool
    cancelled: bool
    booking_opens_at: datetime | None
    rules: SpaceRules

    @property
    def day(self) -> date:
        return self.starts_at.astimezone(local_zone()).date()


@frozen
class FamilyAtSlot:
    """What a booking reads of the family and the space beside the slot."""

    booked: bool  # an active booking of the family there already
    closures: tuple[tuple[str, str], ...]  # the space's, not yet over: (first day, last day)
    suspended_until: datetime | None
    children: dict[int, date]  # the family's: id → birth month
    upcoming: int  # the family's upcoming bookings (the cap counts them)


_PLAIN = (
    "id",
    "kind",
    "title",
    "age_band",
    "starts_at",
    "capacity",
    "remaining",
    "waitlist",
    "cancelled",
    "booking_opens_at",
)


async def bookable_slot(slot_id: int, family_id: int, now: datetime, today: date) -> tuple[BookableSlot, FamilyAtSlot]:
    """The slot with its space's rules (the cap and the horizon are policies: the space's
    override, else district-wide) and the family's side: one statement (SLOT_FOR_BOOKING)."""
    query = statement(
        dialect(SLOT_FOR_BOOKING),
        slot_id=slot_id,
        family_id=family_id,
        district=policies.DISTRICT,
        today=today,
        now=now,
    )
    rows = await Slot.raw("{}", query)
    if not rows:
        raise SlotNotFound()
    row = rows[0]
    rules = SpaceRules(
        max_future_bookings=policies.applying("future_booking_cap", here=row["cap_here"], district=row["cap_district"]),
        booking_horizon_days=policies.applying(
            "booking_horizon_days", here=row["horizon_here"], district=row["horizon_district"]
        ),
        check_in_opens_minutes=row["check_in_opens_minutes"],
        check_in_closes_minutes=row["check_in_closes_minutes"],
        offer_minutes=row["offer_minutes"],
    )
    slot = BookableSlot(**{name: row[name] for name in _PLAIN}, space_id=row["space"], rules=rules)
    family = FamilyAtSlot(
        booked=bool(row["mine"]),
        closures=tuple((first[:10], last[:10]) for first, last in loads(row["closures"], [])),
        suspended_until=aware(row["suspended_until"]) if row["suspended_until"] is not None else None,
        children={int(i): date.fromisoformat(str(born)[:10]) for i, born in loads(row["children"], [])},
        upcoming=int(row["upcoming"]),
    )
    return slot, family


async def check_cap(family_id: int, limit: int, now: datetime) -> None:
    upcoming = await Booking.count().where(
        (Booking.family == family_id) & Booking.status.is_in(list(UPCOMING)) & (Booking.slot.starts_at > now)
    )
    if upcoming >= limit:
        raise BookingLimitReached(limit=limit)


def check_rules(slot: BookableSlot, family: FamilyAtSlot, data: BookingIn, clock: Clock) -> int:
    """Every refusal that needs no lock, in the order a family meets them; returns the
    party's size."""
    now, today = clock.now(), local_today(clock)
    if slot.cancelled or now >= slot.starts_at:
        raise BookingClosed()
    if slot.booking_opens_at is not None and now < slot.booking_opens_at:
        raise BookingNotOpen(opens_at=slot.booking_opens_at.isoformat())
    people = data.adults + len(set(data.child_ids))
    if not slot.waitlist and people <= slot.capacity and slot.remaining < people:
        # A popular activity is refused a thousand times a minute after its places are gone:
        # say so first. The read may be stale only towards refusing a request that raced a
        # cancellation, as if it had come a moment earlier; the conditional update still
        # decides every booking that gets through.
        if family.booked:
            raise AlreadyBooked()
        raise SlotFull(remaining=slot.remaining, party=people)
    _check_day(slot, family, today)
    if family.suspended_until is not None:
        raise BookingSuspended(suspended_until=family.suspended_until.isoformat())
    _check_children(slot, family, set(data.child_ids), today)
    if people > slot.capacity:
        raise PartyTooLarge(capacity=slot.capacity)
    if family.booked:
        raise AlreadyBooked()
    if family.upcoming >= slot.rules.max_future_bookings:
        raise BookingLimitReached(limit=slot.rules.max_future_bookings)
    return people


def _check_day(slot: BookableSlot, family: FamilyAtSlot, today: date) -> None:
    """Open reading only `booking_horizon_days` ahead; never on a closure day."""
    horizon = slot.rules.booking_horizon_days
    if slot.kind == "open_reading" and slot.day > today + timedelta(days=horizon):
        raise BookingNotOpen(horizon_days=horizon)
    day = slot.day.isoformat()
    if any(first <= day <= last for first, last in family.closures):
        raise SpaceClosed()


def _check_children(slot: BookableSlot, family: FamilyAtSlot, child_ids: set[int], today: date) -> None:
    if not child_ids <= family.children.keys():
        raise ChildNotFound(N_("请选择您家的孩子。"))  # another family's child: not found, never forbidden
    if slot.age_band and any(age_band(family.children[c], today) != slot.age_band for c in child_ids):
        raise AgeBandMismatch(age_band=slot.age_band)
