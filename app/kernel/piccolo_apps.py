"""The one way a package declares its Piccolo app (its `piccolo_app.py`): a name, its tables,
its migrations in `migrations/<name>/`, and the apps whose migrations must run before them.
Kept here so that the packages' declarations differ only in what really differs."""

import os
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from piccolo.conf.apps import AppConfig
from piccolo.table import Table

ROOT = Path(__file__).resolve().parent.parent.parent  # the repository: migrations/ lives here


def app_config(name: str, tables: Sequence[type[Table]], *, after: Sequence[str] = ()) -> AppConfig:
    """The Piccolo app `name` with `tables` (in this order) and migrations in `migrations/<name>/`,
    run after those of the apps `after` (their `piccolo_app` modules)."""
    return AppConfig(
        app_name=name,
        migrations_folder_path=os.path.join(ROOT, "migrations", name),
        table_classes=list(tables),
        migration_dependencies=list(after),
        commands=[],
    )


def tables_in(*modules: ModuleType) -> list[type[Table]]:
    """The tables the modules define (not those they import), in the order they define them.
    A table's foreign keys name tables defined before it, so this is an order to create them
    in; and a table added to a `tables.py` is in its app without being listed a second time."""
    return [
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Table) and value.__module__ == module.__name__
    ]
