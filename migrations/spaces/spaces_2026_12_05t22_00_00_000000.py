from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-12-05T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "slots by start and bookings by slot, covering what the statistics read of today's"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="spaces",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[],
        # Today's bookings and activities (the statistics' live part) are read from these
        # indexes alone: a city's ~4,000 slots a day were ~4,000 heap reads per summary.
        plain=[
            ("spaces_booking_slot_status", "spaces_booking", "slot, status"),
            ("spaces_slot_day_figures", "spaces_slot", "starts_at, id, space, theme, kind, cancelled"),
        ],
    )
