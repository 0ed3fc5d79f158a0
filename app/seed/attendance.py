"""What activities and open reading share: who of a family comes, and the booking and
check-in rows of a family's attendance."""

from __future__ import annotations

import random
from datetime import date, datetime

from app.accounts.people import age_band
from app.seed.context import Context, FamilyInfo, SpaceInfo
from app.seed.rows import BookingRow, CheckInRow, ids_json


def party(rng: random.Random, family: FamilyInfo, band: str, day: date) -> tuple[int, list[int]] | None:
    """Adults and children coming: the children fitting the age band, at least one."""
    fitting = [c for c, birth in family.children if not band or age_band(birth, day) == band]
    if not fitting:
        return None
    chosen = fitting if rng.random() < 0.7 else rng.sample(fitting, rng.randint(1, len(fitting)))
    return (2 if rng.random() < 0.2 else 1), sorted(chosen)


def add_booking(
    ctx: Context,
    slot: int,
    family: FamilyInfo,
    *,
    status: str,
    adults: int,
    child_ids: list[int],
    booked: datetime,
    checked: datetime | None,
    cancelled: datetime | None = None,
    past: bool,
) -> int:
    """A family's booking of a slot (past ones were reminded); returns its id."""
    booking_id = ctx.next_id(BookingRow)
    ctx.add(
        BookingRow(
            id=booking_id,
            slot=slot,
            family=family.id,
            booked_by=family.user,
            status=status,
            adults=adults,
            child_ids=ids_json(child_ids),
            people=adults + len(child_ids),
            created_at=booked,
            checked_in_at=checked,
            cancelled_at=cancelled,
            reminded_day=past,
            reminded_hours=past,
        )
    )
    return booking_id


def add_check_in(
    ctx: Context,
    rng: random.Random,
    space: SpaceInfo,
    slot: int,
    family: FamilyInfo,
    *,
    booking: int | None,
    child_ids: list[int],
    people: int,
    checked: datetime,
) -> None:
    """The family checked in by itself at one of the space's corners (with its booking, or a visit)."""
    ctx.add(
        CheckInRow(
            id=ctx.next_id(CheckInRow),
            kind="visit" if booking is None else "booking",
            space=space.id,
            slot=slot,
            family=family.id,
            booking=booking,
            corner=rng.choice(space.corners),
            child_ids=ids_json(child_ids),
            people=people,
            checked_in_at=checked,
            by_user=family.user,
        )
    )
