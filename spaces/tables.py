"""Spaces tables: the reading base and ten-square-metre spaces, hours, closures, corners and
the staff assigned to each space."""

from piccolo.columns import (
    JSONB,
    Boolean,
    Bytea,
    Date,
    Float,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from app.accounts.tables import Family, User

SPACE_KINDS = ("reading_base", "ten_square")


class Space(Table, tablename="spaces_space"):
    id: Serial
    name = Varchar(length=100)
    kind = Varchar(length=20, index=True)  # one of SPACE_KINDS
    street = Varchar(length=20, index=True)  # 街道 (subdistrict)
    community = Varchar(length=50, default="")  # 社区
    host_name = Varchar(length=100, default="")  # e.g. the children's home hosting it
    address = Varchar(length=200)
    capacity = Integer()  # people at once
    description = Text(default="")
    created_at = Timestamptz()
    # Booking rules, per space (defaults in spaces/rules.py).
    max_future_bookings = Integer(default=4)
    booking_horizon_days = Integer(default=14)
    check_in_opens_minutes = Integer(default=30)  # before the start
    check_in_closes_minutes = Integer(default=15)  # after the start
    offer_minutes = Integer(default=120)
    # When set, check-in needs the rotating code shown on the space's screen; static
    # posters then only lead to the space's page.
    require_live_code = Boolean(default=False)
    # Where it is, for navigation apps (WGS-84 degrees); None until an admin sets them.
    latitude = Float(null=True, default=None)
    longitude = Float(null=True, default=None)


class OpeningHours(Table, tablename="spaces_opening_hours"):
    """One opening range; a weekday may have several (ISO weekday 1 = Monday)."""

    id: Serial

    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade)
    weekday = Integer()
    opens = Time()
    closes = Time()


class Closure(Table, tablename="spaces_closure"):
    id: Serial
    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade)
    first_day = Date()
    last_day = Date()
    reason = Varchar(length=200, default="")


class Corner(Table, tablename="spaces_corner"):
    """A reading corner: one QR-posted spot inside a space."""

    id: Serial

    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade)
    name = Varchar(length=50)
    created_at = Timestamptz()
    # Retired corners keep their history (check-ins, scans) but their codes stop working.
    retired_at = Timestamptz(null=True, default=None)


class StaffAssignment(Table, tablename="spaces_staff_assignment"):
    """A volunteer or librarian serves this space; unique (user, space) by migration."""

    id: Serial

    user = ForeignKey(User, null=False, on_delete=OnDelete.cascade)
    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade)


SLOT_KINDS = ("open_reading", "activity")
ACTIVE_BOOKING = ("confirmed", "offered", "waitlisted", "attended")


class Slot(Table, tablename="spaces_slot"):
    """A bookable time: open reading (generated from opening hours) or an activity.

    `remaining` is the capacity minus the people of confirmed, attended and offered bookings
    (and walk-ins). It only changes by conditional updates inside a write transaction.
    """

    id: Serial
    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=16)
    title = Varchar(length=100)
    theme = Varchar(length=32, default="")
    description = Text(default="")
    age_band = Varchar(length=8, default="")  # "" = every age
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    capacity = Integer()
    remaining = Integer()
    waitlist = Boolean(default=False)
    booking_opens_at = Timestamptz(null=True, default=None)
    cancel_deadline = Timestamptz(null=True, default=None)
    series = Varchar(length=32, default="")
    lead_reader_ids = JSONB(default="[]")
    cancelled = Boolean(default=False)
    created_at = Timestamptz()


class Booking(Table, tablename="spaces_booking"):
    """A family's places in a slot. Status: confirmed, waitlisted, offered, attended,
    cancelled, no_show, offer_expired, waitlist_closed. One active booking per family and
    slot (a partial unique index in a hand-written migration)."""

    id: Serial
    slot = ForeignKey(Slot, null=False, on_delete=OnDelete.cascade, index=True)
    family = ForeignKey(Family, null=False, on_delete=OnDelete.cascade, index=True)
    booked_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    status = Varchar(length=16, index=True)
    adults = Integer()
    child_ids = JSONB(default="[]")
    people = Integer()
    created_at = Timestamptz()
    offer_expires_at = Timestamptz(null=True, default=None)
    checked_in_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    late_cancel = Boolean(default=False)
    reminded_day = Boolean(default=False)
    reminded_hours = Boolean(default=False)


class WalkIn(Table, tablename="spaces_walk_in"):
    """People registered at the door by staff, counted against the slot's capacity."""

    id: Serial
    slot = ForeignKey(Slot, null=False, on_delete=OnDelete.cascade, index=True)
    family = ForeignKey(Family, null=True, default=None, on_delete=OnDelete.set_null)
    adults = Integer()
    children = Integer()
    registered_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class Suspension(Table, tablename="spaces_suspension"):
    """Booking suspended after repeated no-shows (spaces/rules.py: the policy)."""

    id: Serial
    family = ForeignKey(Family, null=False, on_delete=OnDelete.cascade, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    no_shows = Integer()
    # Lifted early by staff, with the reason (kept: who, when, why).
    lifted_at = Timestamptz(null=True, default=None)
    lifted_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    lift_reason = Varchar(length=200, default="")


class CalendarFeed(Table, tablename="spaces_calendar_feed"):
    """The secret of a family's private calendar feed URL."""

    id: Serial
    family = ForeignKey(Family, null=False, unique=True, on_delete=OnDelete.cascade)
    token = Varchar(length=64, unique=True)


class CheckIn(Table, tablename="spaces_check_in"):
    """A family present in a slot: a booking attended, or a walk-in visit counted against the
    open-reading slot of that opening period. Unique (family, slot) by migration: a repeat
    is a duplicate. (A retried request is answered from the first by its nonce's record in
    `app_idempotency`, written in the check-in's transaction.)"""

    id: Serial
    kind = Varchar(length=8)  # "visit" or "booking"
    space = ForeignKey(Space, null=False, on_delete=OnDelete.cascade, index=True)
    slot = ForeignKey(Slot, null=False, on_delete=OnDelete.cascade)
    family = ForeignKey(
        Family, null=True, default=None, on_delete=OnDelete.cascade
    )  # None: unlinked after KEEP_CHECK_IN_LINKS_YEARS
    booking = ForeignKey(Booking, null=True, default=None, on_delete=OnDelete.set_null)
    corner = ForeignKey(Corner, null=True, default=None, on_delete=OnDelete.set_null)
    child_ids = JSONB(default="[]")
    people = Integer()
    checked_in_at = Timestamptz(index=True)
    by_user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    override_reason = Varchar(length=200, default="")


class PosterExport(Table, tablename="spaces_poster_export"):
    """One PDF of the corner posters of some spaces or of every space, made by a job
    (spaces/services/poster_exports.py): status queued, running, done, failed; `progress` 0–1.

    `posters` is what each page shows (space, corner, URL with the corner's token), fixed when
    the export is asked for, so the job only draws. `attempt` counts the job's runs: a rerun
    restarts from the first page, and an older run still going stops at its next batch."""

    id: Serial
    user_id = Integer(null=True, default=None, index=True)  # who asked: only they see it
    scope = JSONB(default="{}")  # {"space_ids": [...]} or {"all": true}
    posters = JSONB(default="[]")
    status = Varchar(length=10, default="queued")
    progress = Float(default=0.0)
    pages = Integer(default=0)
    attempt = Integer(default=0)
    pdf = Bytea()
    error = Varchar(length=500, default="")
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    heartbeat_at = Timestamptz(null=True, default=None)  # the current run's last sign of life
