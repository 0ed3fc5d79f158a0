"""The statistics API's answers (msgspec Structs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from msgspec import Struct


class ThemeFigures(Struct):
    theme: str
    activities: int
    people: int  # present at the theme's activities (check-ins and the door)
    sessions: int
    session_minutes: int


class StreetFigures(Struct):
    street: str
    spaces: int
    visits: int
    people: int


class Summary(Struct):
    first: date = msgspec.field(name="from")
    last: date = msgspec.field(name="to")
    street: str = ""
    space_id: int | None = None
    theme: str = ""
    visits: int = 0  # check-ins and registrations at the door
    visits_walk_in: int = 0
    visits_booked: int = 0
    door_registrations: int = 0
    people: int = 0  # present: adults and children
    adults: int = 0
    children: int = 0
    children_by_age_band: dict[str, int] = msgspec.field(default_factory=dict)
    families: int = 0
    new_families: int = 0
    bookings: int = 0
    attended: int = 0
    no_shows: int = 0
    cancelled: int = 0
    attendance_rate: float = 0.0
    no_show_rate: float = 0.0
    activities: int = 0
    by_theme: list[ThemeFigures] = msgspec.field(default_factory=list)
    sessions: int = 0
    session_minutes: int = 0
    session_adults: int = 0
    session_children: int = 0
    lead_readers_active: int = 0
    lead_reader_sessions: int = 0
    lead_reader_minutes: int = 0
    volunteers: int = 0
    volunteer_hours: float = 0.0
    loans: int = 0
    returns: int = 0
    active_borrowers: int = 0
    reading_log_entries: int | None = None  # the whole district only (entries have no space)
    by_street: list[StreetFigures] = msgspec.field(default_factory=list)


class SeriesPoint(Struct):
    period: str
    value: float


class Series(Struct):
    metric: str
    by: str
    items: list[SeriesPoint]


class QuietSite(Struct):
    space_id: int
    name: str
    street: str
    reason: str  # "no_check_in" or "below_usual"
    last_check_in_on: date | None
    open_days_without: int
    recent_visits: int
    usual_visits: float


class QuietSites(Struct):
    days: int
    items: list[QuietSite]


class StoredReport(Struct):
    """A month's report kept (`GET /api/v1/stats/reports`): both files, made at `made_at`;
    `complete` is false for one made before its month was over (the job makes it again)."""

    month: str  # YYYY-MM
    made_at: datetime
    complete: bool
    pdf_size: int
    xlsx_size: int
    pdf_url: str
    xlsx_url: str


class StoredReports(Struct):
    items: list[StoredReport]  # newest month first


class ReportIn(Struct, forbid_unknown_fields=True):
    # Checked by the service (archive.parse_month), so a missing, bad or future month is one
    # refusal naming `month`, in the reader's language.
    month: Annotated[str, msgspec.Meta(max_length=20, description="YYYY-MM", examples=["2026-11"])] = ""


class ReportQueued(Struct):
    job_id: str  # progress: GET /api/v1/jobs/{job_id}
    month: str
