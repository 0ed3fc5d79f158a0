from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from migrations.helpers import unique_indexes

ID = "2026-11-29T15:58:57:000000"
VERSION = "1.38.0"
DESCRIPTION = "one session per client key; one open application per family; one lead reader per session"


async def forwards() -> MigrationManager:
    return unique_indexes(
        app_name="reading",
        migration_id=ID,
        description=DESCRIPTION,
        indexes=[
            ("reading_session_client_key", "reading_session", "logged_by, client_key", "client_key IS NOT NULL"),
            ("reading_application_open", "reading_lead_reader_application", "family", "status = 'applied'"),
            ("reading_session_lead_reader_once", "reading_session_lead_reader", "session, lead_reader"),
        ],
    )
