from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-12-05T03:44:09:000000"
VERSION = "1.38.0"
DESCRIPTION = "one reach row per kind, family, space and year; read by kind, space and year"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="stats",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[("stats_reach_key", "stats_reach", "kind, subject, space, year")],
        plain=[("stats_reach_read", "stats_reach", "kind, space, year")],
    )
