from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T20:02:01:870958"
VERSION = "1.38.0"
DESCRIPTION = "check-in nonces live in app_idempotency: the column goes"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="spaces", description=DESCRIPTION
    )

    manager.drop_column(
        table_class_name="CheckIn",
        tablename="spaces_check_in",
        column_name="nonce",
        db_column_name="nonce",
        schema=None,
    )

    return manager
