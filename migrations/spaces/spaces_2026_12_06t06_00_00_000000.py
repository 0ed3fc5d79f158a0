from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-12-06T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a space's slots by start"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="spaces",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[],
        # A space's week (spaces/services/statements.py SLOTS) went through the index on the
        # space alone and filtered its whole history by start: at city scale a year of slots
        # per space read for seven days' (docs/benchmarks.md, city scale).
        plain=[("spaces_slot_space_start", "spaces_slot", "space, starts_at")],
    )
