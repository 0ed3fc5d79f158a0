from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-12-04T19:34:05:000000"
VERSION = "1.38.0"
DESCRIPTION = "scan log read per space and corner, newest first"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="qr",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[],
        plain=[
            ("qr_scan_space_at", "qr_scan", "space_id, at"),
            ("qr_scan_corner_at", "qr_scan", "corner_id, at"),
        ],
    )
