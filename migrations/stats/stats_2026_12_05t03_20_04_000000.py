from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-12-05T03:20:04:000000"
VERSION = "1.38.0"
DESCRIPTION = "one rollup row per grain, space, day and theme (a space's days, or the district's, in one range)"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="stats",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[("stats_rollup_key", "stats_rollup", "grain, space, day, theme")],
    )
