from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-11-29T15:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique indexes"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="qr",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[("qr_token_subject_purpose_subject", "qr_token_subject", "purpose, subject")],
    )
