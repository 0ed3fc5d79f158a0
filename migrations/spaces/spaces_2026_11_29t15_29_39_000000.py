from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-11-29T15:29:39:000000"
VERSION = "1.38.0"
DESCRIPTION = "one check-in per family and slot; a nonce answers once per user"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="spaces",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[
            ("spaces_check_in_family_slot", "spaces_check_in", "family, slot"),
            ("spaces_check_in_user_nonce", "spaces_check_in", "by_user, nonce", "nonce IS NOT NULL"),
        ],
    )
