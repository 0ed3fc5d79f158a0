from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-12-04T23:27:28:000000"
VERSION = "1.38.0"
DESCRIPTION = "one value per policy and space"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="app",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[("app_policy_key_space", "app_policy", "key, space_id")],
    )
