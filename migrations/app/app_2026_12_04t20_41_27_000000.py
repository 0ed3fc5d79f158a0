from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-12-04T20:41:27:000000"
VERSION = "1.38.0"
DESCRIPTION = "a notice is delivered at most once per channel"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="app",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[("notify_delivery_outbox_channel", "notify_delivery", "outbox_id, channel")],
    )
