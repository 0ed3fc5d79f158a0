from app.kernel.piccolo_apps import app_config
from spaces.tables import (
    Booking,
    CalendarFeed,
    CheckIn,
    Closure,
    Corner,
    OpeningHours,
    PosterExport,
    Slot,
    Space,
    StaffAssignment,
    Suspension,
    WalkIn,
)

APP_CONFIG = app_config(
    "spaces",
    [
        Space,
        OpeningHours,
        Closure,
        Corner,
        StaffAssignment,
        Slot,
        Booking,
        WalkIn,
        Suspension,
        CalendarFeed,
        CheckIn,
        PosterExport,
    ],
    after=["app.accounts.piccolo_app"],
)
