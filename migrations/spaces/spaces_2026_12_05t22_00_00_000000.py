from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-12-05T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "bookings by slot with their status (the statistics read today's without the rows)"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="spaces",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[],
        plain=[("spaces_booking_slot_status", "spaces_booking", "slot, status")],
    )
