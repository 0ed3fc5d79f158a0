"""Request and response shapes of the spaces API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

HourMinute = Annotated[str, Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["09:00"])]
SpaceKind = Literal["reading_base", "ten_square"]
Latitude = Annotated[float, Meta(ge=-90, le=90, description="WGS-84 degrees")]
Longitude = Annotated[float, Meta(ge=-180, le=180, description="WGS-84 degrees")]


class OpeningHoursIn(Struct, forbid_unknown_fields=True):
    weekday: Annotated[int, Meta(ge=1, le=7)]
    opens: HourMinute
    closes: HourMinute


class SpaceIn(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    kind: SpaceKind
    street: Annotated[str, Meta(min_length=1, max_length=20)]
    address: Annotated[str, Meta(min_length=1, max_length=200)]
    capacity: Annotated[int, Meta(ge=1, le=1000)]
    community: Annotated[str, Meta(max_length=50)] = ""
    host_name: Annotated[str, Meta(max_length=100)] = ""
    description: Annotated[str, Meta(max_length=2000)] = ""
    opening_hours: Annotated[list[OpeningHoursIn], Meta(max_length=50)] = msgspec.field(default_factory=list)
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class OpeningHoursOut(Struct):
    weekday: int
    opens: str
    closes: str


class ClosureOut(Struct):
    id: int
    first_day: str
    last_day: str
    reason: str


class CornerOut(Struct):
    id: int
    name: str
    retired: bool = False  # its codes no longer work; kept for its history


class SpaceSummary(Struct):
    id: int
    name: str
    kind: str
    street: str
    community: str
    host_name: str
    address: str
    capacity: int


class SpaceOut(SpaceSummary):
    """A space with what its page shows (the summary's fields first)."""

    description: str
    opening_hours: list[OpeningHoursOut]
    closures: list[ClosureOut]
    corners: list[CornerOut]
    require_live_code: bool = False
    booking_horizon_days: int = 14  # open reading can be booked this many days ahead
    latitude: float | None = None
    longitude: float | None = None


AgeBand = Literal["0-3", "3-6", "6-9", "9-12"]
AwareTime = Annotated[datetime, Meta(tz=True, description="ISO 8601 with offset")]
Theme = Annotated[str, Meta(max_length=32)]


class SpaceUpdate(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    street: Annotated[str, Meta(min_length=1, max_length=20)] | None = None
    community: Annotated[str, Meta(max_length=50)] | None = None
    host_name: Annotated[str, Meta(max_length=100)] | None = None
    address: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    capacity: Annotated[int, Meta(ge=1, le=1000)] | None = None
    description: Annotated[str, Meta(max_length=2000)] | None = None
    opening_hours: Annotated[list[OpeningHoursIn], Meta(max_length=50)] | None = None
    max_future_bookings: Annotated[int, Meta(ge=1, le=50)] | None = None
    booking_horizon_days: Annotated[int, Meta(ge=1, le=90)] | None = None
    check_in_opens_minutes: Annotated[int, Meta(ge=0, le=240)] | None = None
    check_in_closes_minutes: Annotated[int, Meta(ge=0, le=240)] | None = None
    offer_minutes: Annotated[int, Meta(ge=10, le=1440)] | None = None
    require_live_code: bool | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None


class ClosureIn(Struct, forbid_unknown_fields=True):
    first_day: Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    last_day: Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    reason: Annotated[str, Meta(max_length=200)] = ""


class CornerIn(Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=50)]


class CornerUpdate(Struct, forbid_unknown_fields=True):
    """Rename a corner, or retire it (its codes stop working at once; not undone)."""

    name: Annotated[str, Meta(min_length=1, max_length=50)] | None = None
    retired: Literal[True] | None = None


class SlotIn(Struct, forbid_unknown_fields=True):
    kind: Literal["activity", "open_reading"]
    title: Annotated[str, Meta(min_length=1, max_length=100)]
    starts_at: AwareTime
    ends_at: AwareTime
    capacity: Annotated[int, Meta(ge=1, le=1000)]
    theme: Theme = ""
    description: Annotated[str, Meta(max_length=2000)] = ""
    age_band: AgeBand | None = None
    waitlist: bool = False
    booking_opens_at: AwareTime | None = None
    cancel_deadline: AwareTime | None = None
    lead_reader_ids: Annotated[list[int], Meta(max_length=20)] = msgspec.field(default_factory=list)
    repeat_weeks: Annotated[int, Meta(ge=1, le=26)] = 1  # a weekly series created at once


class SlotUpdate(Struct, forbid_unknown_fields=True):
    title: Annotated[str, Meta(min_length=1, max_length=100)] | None = None
    description: Annotated[str, Meta(max_length=2000)] | None = None
    theme: Theme | None = None
    capacity: Annotated[int, Meta(ge=1, le=1000)] | None = None
    waitlist: bool | None = None
    cancelled: bool | None = None


class GenerateIn(Struct, forbid_unknown_fields=True):
    days: Annotated[int, Meta(ge=1, le=90)] = 14


class SlotOut(Struct):
    id: int
    space_id: int
    kind: str
    title: str
    theme: str
    description: str
    age_band: str | None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    remaining: int
    waitlist: bool
    waitlisted: int
    booking_opens_at: datetime | None
    cancel_deadline: datetime | None
    lead_reader_ids: list[int]
    series: str
    cancelled: bool


class BookingIn(Struct, forbid_unknown_fields=True):
    child_ids: Annotated[list[int], Meta(min_length=1, max_length=8)]
    # 0: the children come with an adult who holds no place of this booking, or on their own
    # (so a single place left can be booked: issue 15, item 6).
    adults: Annotated[int, Meta(ge=0, le=4)] = 1


class BookingOut(Struct):
    id: int
    slot_id: int
    space_id: int
    family_id: int
    status: str
    adults: int
    child_ids: list[int]
    people: int
    created_at: datetime
    starts_at: datetime
    ends_at: datetime
    title: str
    space_name: str
    waitlist_position: int | None = None
    offer_expires_at: datetime | None = None
    checked_in_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_deadline: datetime | None = None  # the slot's: cancelling later counts as a no-show


class WalkInIn(Struct, forbid_unknown_fields=True):
    adults: Annotated[int, Meta(ge=0, le=20)]
    children: Annotated[int, Meta(ge=0, le=40)]


class WalkInOut(Struct):
    id: int
    remaining: int  # the slot's places left after it


class RosterEntry(Struct):
    booking_id: int
    status: str
    guardian_name: str
    children: list[str]
    adults: int
    people: int
    checked_in_at: datetime | None
