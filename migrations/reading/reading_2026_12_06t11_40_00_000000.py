"""The available copies of each title, for counting without reading the copies.

The search answers each title with its available copies, anywhere and at the reader's space
(reading/lending/services/search_sql.py). Through `reading_copy_book` every copy of the title
was read from the table: at city scale (24 copies a title, each on its own page) the 20
counts of a page cost 1.7 ms of PostgreSQL's time, a tenth of that at district scale. This
partial index holds exactly what is counted, so PostgreSQL counts from the index alone. Both
engines accept partial indexes; backwards drops it.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import _ddl

ID = "2026-12-06T11:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "available copies by title and space (the search's counts)"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="reading", description=DESCRIPTION)

    async def create() -> None:
        await _ddl(
            "CREATE INDEX reading_copy_available ON reading_copy (book, current_space) WHERE status = 'available'"
        )

    async def drop() -> None:
        await _ddl("DROP INDEX IF EXISTS reading_copy_available")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
