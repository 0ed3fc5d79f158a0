"""Helpers for hand-written migrations.

Piccolo's composite `Unique` constraint does not work on SQLite, so composite unique indexes
are created here in plain SQL that both engines accept.
"""

from collections.abc import Awaitable, Callable

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString


async def _ddl(statement: str) -> None:
    engine = engine_finder()
    assert engine is not None, "no Piccolo engine configured"
    await engine.run_ddl(statement)


def postgres_statements(
    *, migration_id: str, app_name: str, description: str, forwards: tuple[str, ...], backwards: tuple[str, ...]
) -> Callable[[], Awaitable[MigrationManager]]:
    """A migration's `forwards()` running `forwards` on PostgreSQL, `backwards` to undo them,
    and nothing on SQLite (which scans where these add indexes)."""

    async def run(statements: tuple[str, ...]) -> None:
        engine = engine_finder()
        assert engine is not None, "no Piccolo engine configured"
        if engine.engine_type != "postgres":
            return
        for statement in statements:
            await engine.run_ddl(statement)

    async def make() -> MigrationManager:
        manager = MigrationManager(migration_id=migration_id, app_name=app_name, description=description)

        async def run_forwards() -> None:
            await run(forwards)

        async def run_backwards() -> None:
            await run(backwards)

        manager.add_raw(run_forwards)
        manager.add_raw_backwards(run_backwards)
        return manager

    return make


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


class NullableColumn(MigrationManager):
    """A migration that lets a NOT NULL column hold NULL. PostgreSQL alters the column; SQLite
    has no ALTER COLUMN, so there the table is rebuilt with the same definition minus that
    NOT NULL, its rows copied and its indexes made again. The recorded `alter_column` keeps
    Piccolo's view of the schema in step (`check-migrations`)."""

    def __init__(self, *, table: str, column: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.table, self.column = table, column

        async def forwards() -> None:
            await _sqlite_not_null(table, column, nullable=True)

        async def backwards() -> None:
            await _sqlite_not_null(table, column, nullable=False)

        self.add_raw(forwards)
        self.add_raw_backwards(backwards)

    async def _run_alter_columns(self, backwards: bool = False) -> None:
        engine = engine_finder()
        if engine is not None and engine.engine_type == "sqlite":
            return  # done by the rebuild
        await super()._run_alter_columns(backwards=backwards)


async def _sqlite_not_null(table: str, column: str, *, nullable: bool) -> None:
    import re

    engine = engine_finder()
    assert engine is not None
    if engine.engine_type != "sqlite":
        return
    rows = await engine.run_querystring(
        QueryString("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = {}", table)
    )
    create = rows[0]["sql"]
    pattern = re.compile(rf'("{column}" [A-Z]+)( NOT NULL)?')
    create = pattern.sub(lambda m: m.group(1) + ("" if nullable else " NOT NULL"), create, count=1)
    indexes = await engine.run_querystring(
        QueryString("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = {} AND sql IS NOT NULL", table)
    )
    rebuilt = f"{table}__rebuilt"
    await _ddl(
        create.replace(f'CREATE TABLE "{table}"', f'CREATE TABLE "{rebuilt}"', 1).replace(
            f"CREATE TABLE {table}", f'CREATE TABLE "{rebuilt}"', 1
        )
    )
    copy = f'INSERT INTO "{rebuilt}" SELECT * FROM "{table}"'  # noqa: S608 (our own table names)
    await _ddl(copy)
    await _ddl(f'DROP TABLE "{table}"')
    await _ddl(f'ALTER TABLE "{rebuilt}" RENAME TO "{table}"')
    for index in indexes:
        await _ddl(index["sql"])
