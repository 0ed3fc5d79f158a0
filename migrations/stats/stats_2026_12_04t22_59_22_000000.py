from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-12-04T22:59:22:000000"
VERSION = "1.38.0"
DESCRIPTION = "one open quiet-site episode per space"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="stats",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[("stats_quiet_episode_open", "stats_quiet_episode", "space_id", "ended_on IS NULL")],
    )
