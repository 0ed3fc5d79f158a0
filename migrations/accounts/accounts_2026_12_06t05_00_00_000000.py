from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-12-06T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a family's children by family"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="accounts",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[],
        # Every corner check-in reads the family's children (spaces/services/statements.py
        # CORNER_SCENE); without it PostgreSQL scanned every child of the district.
        plain=[("accounts_child_family", "accounts_child", "family")],
    )
