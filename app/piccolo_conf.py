"""Piccolo configuration: the module-level `DB` engine Piccolo requires, and the app registry."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from app.kernel.db import PooledSQLiteEngine
from app.settings import Settings, get_settings


def make_engine(settings: Settings) -> Engine:  # type: ignore[type-arg]
    if settings.is_sqlite:
        # `timeout` is SQLite's busy timeout: writers queue instead of failing at once. Queries
        # outside a transaction reuse open connections (see app.kernel.db).
        return PooledSQLiteEngine(path=settings.sqlite_path, timeout=30)
    return PostgresEngine(config={"dsn": settings.database_url}, extensions=())


DB = make_engine(get_settings())

APP_REGISTRY = AppRegistry(
    apps=[
        "app.accounts.piccolo_app",
        "app.piccolo_app",
        "spaces.piccolo_app",
        "reading.piccolo_app",
        "qr.piccolo_app",
        "app.stats.piccolo_app",
    ]
)
