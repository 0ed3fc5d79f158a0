import os
from pathlib import Path

from piccolo.conf.apps import AppConfig

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

ROOT = Path(__file__).resolve().parent.parent

APP_CONFIG = AppConfig(
    app_name="spaces",
    migrations_folder_path=os.path.join(ROOT, "migrations", "spaces"),
    table_classes=[
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
    migration_dependencies=["app.accounts.piccolo_app"],
    commands=[],
)
