"""Check-in nonces are recorded in `app_idempotency` now, with the check-in: the unique index
on (by_user, nonce) goes first (SQLite cannot drop an indexed column), the column next."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T20:02:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "no unique index on check-in nonces"


async def _ddl(statement: str) -> None:
    engine = engine_finder()
    assert engine is not None, "no Piccolo engine configured"
    await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="spaces", description=DESCRIPTION)

    async def drop() -> None:
        await _ddl("DROP INDEX IF EXISTS spaces_check_in_user_nonce")

    async def create() -> None:
        await _ddl(
            "CREATE UNIQUE INDEX spaces_check_in_user_nonce ON spaces_check_in (by_user, nonce) WHERE nonce IS NOT NULL"
        )

    manager.add_raw(drop)
    manager.add_raw_backwards(create)
    return manager
