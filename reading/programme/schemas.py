"""Request and response shapes of the reading-programme API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from reading.lending.schemas import BookOut


class ApplicationIn(Struct, forbid_unknown_fields=True):
    motivation: Annotated[str, Meta(min_length=1, max_length=2000)]
    preferred_space_ids: Annotated[list[int], Meta(min_length=1, max_length=10)]
    availability: Annotated[str, Meta(max_length=200)] = ""


class ApplicationOut(Struct):
    id: int
    status: str
    created_at: datetime
    preferred_space_ids: list[int]
    lead_reader_id: int | None = None


class ApplicationRow(Struct):
    """An open application as the API lists it (the column names of the table, and the
    applicant's display name under `user.display_name`)."""

    id: int
    family: int
    user: int
    motivation: str
    availability: str
    preferred_space_ids: list[int]
    status: str
    decided_by: int | None
    decided_at: datetime | None
    note: str
    created_at: datetime
    display_name: str = msgspec.field(default="", name="user.display_name")


class ApplicationList(Struct):
    items: list[ApplicationRow]


class DecisionIn(Struct, forbid_unknown_fields=True):
    approve: bool
    note: Annotated[str, Meta(max_length=500)] = ""


class DecisionOut(Struct):
    status: str
    lead_reader_id: int | None


class LeadReaderOut(Struct):
    id: int
    display_name: str
    status: str
    level: str
    sessions_led: int
    minutes_led: int
    families_reached: int = 0
    books_read_aloud: int = 0
    trainings_attended: int = 0


class LeadReaderStatusIn(Struct, forbid_unknown_fields=True):
    status: Literal["active", "paused", "retired"]


class SessionIn(Struct, forbid_unknown_fields=True):
    space_id: int
    started_at: Annotated[datetime, Meta(tz=True)]
    minutes: Annotated[int, Meta(ge=1, le=480)]
    adults: Annotated[int, Meta(ge=0, le=500)] = 0
    children: Annotated[int, Meta(ge=0, le=500)] = 0
    slot_id: int | None = None
    lead_reader_ids: Annotated[list[int], Meta(max_length=10)] = msgspec.field(default_factory=list)
    book_ids: Annotated[list[int], Meta(max_length=30)] = msgspec.field(default_factory=list)
    isbns: Annotated[list[Annotated[str, Meta(max_length=20)]], Meta(max_length=30)] = msgspec.field(
        default_factory=list
    )
    theme: Annotated[str, Meta(max_length=32)] = ""
    notes: Annotated[str, Meta(max_length=2000)] = ""
    client_key: Annotated[str, Meta(min_length=8, max_length=64)] | None = None


class SessionUpdate(Struct, forbid_unknown_fields=True):
    minutes: Annotated[int, Meta(ge=1, le=480)] | None = None
    adults: Annotated[int, Meta(ge=0, le=500)] | None = None
    children: Annotated[int, Meta(ge=0, le=500)] | None = None
    theme: Annotated[str, Meta(max_length=32)] | None = None
    notes: Annotated[str, Meta(max_length=2000)] | None = None
    lead_reader_ids: Annotated[list[int], Meta(max_length=10)] | None = None
    book_ids: Annotated[list[int], Meta(max_length=30)] | None = None
    reviewed: bool | None = None


class SessionOut(Struct):
    id: int
    space_id: int
    slot_id: int | None
    started_at: datetime
    minutes: int
    adults: int
    children: int
    theme: str
    notes: str
    lead_reader_ids: list[int]
    book_ids: list[int]
    logged_by: int | None
    reviewed: bool
    created_at: datetime


class SessionList(Struct):
    items: list[SessionOut]


class SessionPrefill(Struct):
    space_id: int
    slot_id: int | None
    started_at: datetime | None
    minutes: int
    adults: int
    children: int
    theme: str
    lead_reader_ids: list[int]


class HoursOut(Struct):
    user_id: int
    display_name: str
    space_id: int | None
    sessions: int
    minutes: int
    hours: float


class HoursList(Struct):
    items: list[HoursOut]


class RevokedOut(Struct):
    id: int
    serial: str
    revoked: bool


class LogIn(Struct, forbid_unknown_fields=True):
    child_ids: Annotated[list[int], Meta(min_length=1, max_length=8)]
    read_on: date
    book_id: int | None = None
    isbn: Annotated[str, Meta(max_length=20)] | None = None
    minutes: Annotated[int, Meta(ge=1, le=600)] | None = None


class LogEntryOut(Struct):
    id: int
    book_id: int
    title: str
    child_ids: list[int]
    read_on: date
    minutes: int | None


class Milestone(Struct):
    kind: str  # "books" or "streak"
    value: int
    reached_on: date | None
    title: str


class ReadingLogOut(Struct):
    items: list[LogEntryOut]
    books_read: int
    days_read: int
    current_streak: int
    milestones: list[Milestone]
    suggestions: list[BookOut]
