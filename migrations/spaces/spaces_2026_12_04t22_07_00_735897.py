from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

from migrations.helpers import NullableColumn

ID = "2026-12-04T22:07:00:735897"
VERSION = "1.38.0"
DESCRIPTION = "check-ins can be unlinked from their family (retention)"


async def forwards() -> MigrationManager:
    manager = NullableColumn(
        table="spaces_check_in", column="family", migration_id=ID, app_name="spaces", description=DESCRIPTION
    )
    manager.alter_column(
        table_class_name="CheckIn",
        tablename="spaces_check_in",
        column_name="family",
        db_column_name="family",
        params={"null": True},
        old_params={"null": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )
    return manager
