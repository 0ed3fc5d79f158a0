from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-11-29T15:21:31:000000"
VERSION = "1.38.0"
DESCRIPTION = "one active booking per family and slot; one open-reading slot per start"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="spaces",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[
            (
                "spaces_booking_one_active",
                "spaces_booking",
                "slot, family",
                "status IN ('confirmed', 'offered', 'waitlisted', 'attended')",
            ),
            ("spaces_slot_open_reading_start", "spaces_slot", "space, starts_at", "kind = 'open_reading'"),
        ],
    )
