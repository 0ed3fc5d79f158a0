from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-12-05T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "loans by the time they were borrowed and returned (the statistics' days)"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="reading",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[],
        plain=[
            ("reading_loan_borrowed_at", "reading_loan", "borrowed_at"),
            ("reading_loan_returned_at", "reading_loan", "returned_at"),
        ],
    )
