"""Helpers for hand-written migrations.

Piccolo's composite `Unique` constraint does not work on SQLite, so composite unique indexes
are created here in plain SQL that both engines accept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder


async def _ddl(statement: str) -> None:
    engine = engine_finder()
    assert engine is not None, "no Piccolo engine configured"
    await engine.run_ddl(statement)


def unique_indexes(
    *,
    app_name: str,
    migration_id: str,
    description: str,
    indexes: list[tuple[str, ...]],
    plain: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
) -> MigrationManager:
    """A migration creating `(name, table, columns[, where])` unique indexes (partial when a
    `where` is given; both engines support it), and dropping them backwards."""
    manager = MigrationManager(migration_id=migration_id, app_name=app_name, description=description)

    async def create() -> None:
        for name, table, columns, *where in indexes:
            condition = f" WHERE {where[0]}" if where else ""
            await _ddl(f"CREATE UNIQUE INDEX {name} ON {table} ({columns}){condition}")
        # Plain indexes on columns added to existing tables: SQLite cannot drop a column that
        # Piccolo indexed itself, so the index lives here and goes first on the way back.
        for name, table, columns in plain:
            await _ddl(f"CREATE INDEX {name} ON {table} ({columns})")

    async def drop() -> None:
        for name, *_ in [*indexes, *plain]:
            await _ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
