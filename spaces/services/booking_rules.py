"""Every refusal a booking can get before its transaction: the slot's state and opening, the
family's suspension, children and cap. The transaction checks the cap again and takes the
places by a conditional update (spaces/services/places.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from app.accounts.errors import ChildNotFound
from app.accounts.people import age_band
from app.accounts.tables import Child
from app.kernel import policies
from app.kernel.clock import Clock, local_today, local_zone
from app.kernel.i18n import N_
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
from spaces.services.bookings import ACTIVE, UPCOMING
from spaces.services.slots import closed_on
from spaces.services.suspensions import suspended_until
from spaces.tables import Booking, Slot

RULE_COLUMNS = (
    Slot.space.max_future_bookings,
    Slot.space.booking_horizon_days,
    Slot.space.check_in_opens_minutes,
    Slot.space.check_in_closes_minutes,
    Slot.space.offer_minutes,
)


@dataclass(frozen=True, slots=True)
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


async def bookable_slot(slot_id: int) -> BookableSlot:
    plain = ["id", "kind", "title", "age_band", "starts_at", "capacity", "remaining", "waitlist"]
    plain += ["cancelled", "booking_opens_at"]
    columns = [getattr(Slot, name) for name in plain]
    row = await Slot.select(*columns, Slot.space, *RULE_COLUMNS).where(Slot.id == slot_id).first()
    if row is None:
        raise SlotNotFound()
    rules = await with_policies(
        SpaceRules.of({k.removeprefix("space."): v for k, v in row.items() if k.startswith("space.")}), row["space"]
    )
    return BookableSlot(**{name: row[name] for name in plain}, space_id=row["space"], rules=rules)


async def with_policies(rules: SpaceRules, space_id: int) -> SpaceRules:
    """The cap and the horizon are policies (app/kernel/policies.py: the space's override, else
    district-wide), read when a booking is made: the space's old columns are not."""
    found = {v.key: v.value for v in await policies.values(space_id)}
    return replace(
        rules, max_future_bookings=found["future_booking_cap"], booking_horizon_days=found["booking_horizon_days"]
    )


async def already_booked(slot_id: int, family_id: int) -> bool:
    return bool(
        await Booking.exists().where(
            (Booking.slot == slot_id) & (Booking.family == family_id) & Booking.status.is_in(list(ACTIVE))
        )
    )


async def check_cap(family_id: int, limit: int, now: datetime) -> None:
    upcoming = await Booking.count().where(
        (Booking.family == family_id) & Booking.status.is_in(list(UPCOMING)) & (Booking.slot.starts_at > now)
    )
    if upcoming >= limit:
        raise BookingLimitReached(limit=limit)


async def check_rules(slot: BookableSlot, family_id: int, data: BookingIn, clock: Clock) -> int:
    """Every refusal that needs no lock, in the order a family meets them; returns the
    party's size."""
    now = clock.now()
    if slot.cancelled or now >= slot.starts_at:
        raise BookingClosed()
    if slot.booking_opens_at is not None and now < slot.booking_opens_at:
        raise BookingNotOpen(opens_at=slot.booking_opens_at.isoformat())
    people = data.adults + len(set(data.child_ids))
    if not slot.waitlist and people <= slot.capacity and slot.remaining < people:
        # A popular activity is refused a thousand times a minute after its places are gone:
        # say so before the rule queries. The read may be stale only towards refusing a request
        # that raced a cancellation, as if it had come a moment earlier; the conditional update
        # still decides every booking that gets through.
        if await already_booked(slot.id, family_id):
            raise AlreadyBooked()
        raise SlotFull(remaining=slot.remaining, party=people)
    await _check_day(slot, clock)
    until = await suspended_until(family_id, now)
    if until is not None:
        raise BookingSuspended(suspended_until=until.isoformat())
    await _check_children(slot, family_id, sorted(set(data.child_ids)), local_today(clock))
    if people > slot.capacity:
        raise PartyTooLarge(capacity=slot.capacity)
    if await already_booked(slot.id, family_id):
        raise AlreadyBooked()
    await check_cap(family_id, slot.rules.max_future_bookings, now)
    return people


async def _check_day(slot: BookableSlot, clock: Clock) -> None:
    """Open reading only `booking_horizon_days` ahead; never on a closure day."""
    horizon = slot.rules.booking_horizon_days
    if slot.kind == "open_reading" and slot.day > local_today(clock) + timedelta(days=horizon):
        raise BookingNotOpen(horizon_days=horizon)
    if await closed_on(slot.space_id, slot.day):
        raise SpaceClosed()


async def _check_children(slot: BookableSlot, family_id: int, child_ids: list[int], today: date) -> None:
    children = await Child.select(Child.id, Child.birth_month).where(
        Child.id.is_in(child_ids) & (Child.family == family_id)
    )
    if len(children) != len(child_ids):
        raise ChildNotFound(N_("请选择您家的孩子。"))  # another family's child: not found, never forbidden
    if slot.age_band and any(age_band(c["birth_month"], today) != slot.age_band for c in children):
        raise AgeBandMismatch(age_band=slot.age_band)
