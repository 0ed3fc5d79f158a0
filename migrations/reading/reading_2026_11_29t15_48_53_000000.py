from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-11-29T15:48:53:000000"
VERSION = "1.38.0"
DESCRIPTION = "one open loan per copy; one active hold per family and title; one scan per barcode"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="reading",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[
            ("reading_loan_one_open", "reading_loan", "copy", "returned_at IS NULL"),
            ("reading_hold_one_active", "reading_hold", "book, family", "status IN ('waiting', 'ready')"),
            ("reading_stocktake_scan_once", "reading_stocktake_scan", "stocktake, barcode"),
            ("reading_loan_reminder_once", "reading_loan_reminder", "loan, kind"),
        ],
        plain=[("reading_book_initials", "reading_book", "initials")],
    )
