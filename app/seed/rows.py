"""One typed row per table the synthetic data writes, in the order the tables are written
(foreign keys point backwards).

A row's fields are the table's column names, written here once: the parts build rows by
keyword, the sinks take the column list from the row's `_fields`, and
`app.seed.columns.check_columns()` holds them against the Piccolo tables before anything is
written. Field defaults below are the values every generated row shares.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, NamedTuple

Row = tuple[Any, ...]


class SeedError(RuntimeError):
    """Seeding cannot start (data already there, a table changed shape); the message says why."""


class FamilyRow(NamedTuple):
    id: int
    created_at: datetime
    erased_at: datetime | None = None


class UserRow(NamedTuple):
    id: int
    login: str
    display_name: str
    password_hash: str
    roles: str
    created_at: datetime
    family: int | None = None
    active: bool = True
    session_epoch: int = 0
    last_login_at: datetime | None = None
    must_change_password: bool = False


class GuardianRow(NamedTuple):
    id: int
    family: int
    user: int | None
    name: str
    phone: str | None


class ChildRow(NamedTuple):
    id: int
    family: int
    nickname: str
    birth_month: date
    created_at: datetime


class ConsentRow(NamedTuple):
    id: int
    family: int
    guardian: int
    policy_version: str
    scope: str
    accepted_at: datetime
    withdrawn_at: datetime | None = None


class SpaceRow(NamedTuple):
    id: int
    name: str
    kind: str
    street: str
    community: str
    host_name: str
    address: str
    capacity: int
    description: str
    created_at: datetime
    max_future_bookings: int = 4
    booking_horizon_days: int = 14
    check_in_opens_minutes: int = 30
    check_in_closes_minutes: int = 15
    offer_minutes: int = 120
    require_live_code: bool = False
    latitude: float | None = None
    longitude: float | None = None


class OpeningHoursRow(NamedTuple):
    id: int
    space: int
    weekday: int
    opens: time
    closes: time


class ClosureRow(NamedTuple):
    id: int
    space: int
    first_day: date
    last_day: date
    reason: str


class CornerRow(NamedTuple):
    id: int
    space: int
    name: str
    created_at: datetime
    retired_at: datetime | None = None


class StaffAssignmentRow(NamedTuple):
    id: int
    user: int
    space: int


class BookRow(NamedTuple):
    id: int
    isbn: str
    title: str
    authors: str
    illustrators: str
    translators: str
    publisher: str
    year: int
    age_band: str
    themes: str
    series: str
    initials: str
    search_text: str
    created_at: datetime
    updated_at: datetime
    subtitle: str = ""
    summary: str = ""
    draft: bool = False
    has_cover: bool = False


class CopyRow(NamedTuple):
    id: int
    book: int
    barcode: str
    home_space: int
    current_space: int | None
    status: str
    created_at: datetime
    last_seen_at: datetime


class SlotRow(NamedTuple):
    id: int
    space: int
    kind: str
    title: str
    theme: str
    age_band: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    remaining: int
    waitlist: bool
    booking_opens_at: datetime | None
    cancel_deadline: datetime
    created_at: datetime
    description: str = ""
    series: str = ""
    lead_reader_ids: str = "[]"
    cancelled: bool = False


class BookingRow(NamedTuple):
    id: int
    slot: int
    family: int
    booked_by: int
    status: str
    adults: int
    child_ids: str
    people: int
    created_at: datetime
    checked_in_at: datetime | None
    cancelled_at: datetime | None
    reminded_day: bool
    reminded_hours: bool
    offer_expires_at: datetime | None = None
    late_cancel: bool = False


class CheckInRow(NamedTuple):
    id: int
    kind: str
    space: int
    slot: int
    family: int
    booking: int | None
    corner: int
    child_ids: str
    people: int
    checked_in_at: datetime
    by_user: int
    override_reason: str = ""


class LoanRow(NamedTuple):
    id: int
    copy: int
    family: int
    space: int
    borrowed_at: datetime
    due_on: date
    renewals: int
    returned_at: datetime | None
    returned_space: int | None
    by_user: int | None
    self_service: bool = False


class LeadReaderRow(NamedTuple):
    id: int
    user: int
    family: int
    display_name: str
    status: str
    created_at: datetime
    updated_at: datetime
    application: int | None = None


class SessionRow(NamedTuple):
    id: int
    space: int
    slot: int
    started_at: datetime
    minutes: int
    adults: int
    children: int
    theme: str
    logged_by: int | None
    created_at: datetime
    updated_at: datetime
    notes: str = ""
    client_key: str | None = None
    reviewed_by: int | None = None
    reviewed_at: datetime | None = None


class SessionLeadReaderRow(NamedTuple):
    id: int
    session: int
    lead_reader: int


class SessionBookRow(NamedTuple):
    id: int
    session: int
    book: int


# The tables in the order they are written, each with its row.
TABLES: dict[type[Row], str] = {
    FamilyRow: "accounts_family",
    UserRow: "accounts_user",
    GuardianRow: "accounts_guardian",
    ChildRow: "accounts_child",
    ConsentRow: "accounts_consent",
    SpaceRow: "spaces_space",
    OpeningHoursRow: "spaces_opening_hours",
    ClosureRow: "spaces_closure",
    CornerRow: "spaces_corner",
    StaffAssignmentRow: "spaces_staff_assignment",
    BookRow: "reading_book",
    CopyRow: "reading_copy",
    SlotRow: "spaces_slot",
    BookingRow: "spaces_booking",
    CheckInRow: "spaces_check_in",
    LoanRow: "reading_loan",
    LeadReaderRow: "reading_lead_reader",
    SessionRow: "reading_session",
    SessionLeadReaderRow: "reading_session_lead_reader",
    SessionBookRow: "reading_session_book",
}


def columns_of(row: type[Row]) -> tuple[str, ...]:
    return row._fields  # type: ignore[attr-defined,no-any-return]


def ids_json(values: list[int]) -> str:
    """A JSON list of ids (what json.dumps gives, faster)."""
    return "[" + ", ".join(map(str, values)) + "]"
