from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-12-06T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a space's opening hours, closures, corners and slots by space"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="spaces",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[],
        # The space's page reads them in one statement (spaces/services/statements.py SPACE);
        # without these it scanned each table whole: ~20,000 opening ranges at city scale.
        plain=[
            ("spaces_opening_hours_space", "spaces_opening_hours", "space, weekday"),
            ("spaces_closure_space", "spaces_closure", "space, first_day"),
            ("spaces_corner_space", "spaces_corner", "space"),
            # A space's week (SLOTS) went through the index on the space alone and filtered its
            # whole history by start: at city scale a year of slots per space read for seven
            # days' (docs/benchmarks.md, city scale).
            ("spaces_slot_space_start", "spaces_slot", "space, starts_at"),
        ],
    )
