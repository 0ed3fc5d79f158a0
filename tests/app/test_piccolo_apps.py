"""The packages' Piccolo apps, built by the one helper (app.kernel.piccolo_apps)."""

import os

from app.kernel.piccolo_apps import ROOT, app_config
from reading.piccolo_app import APP_CONFIG as READING
from spaces.tables import Corner, Space


def test_app_config_names_its_migrations_folder_tables_and_dependencies() -> None:
    config = app_config("spaces", [Space, Corner], after=["app.accounts.piccolo_app"])
    assert config.app_name == "spaces"
    assert config.migrations_folder_path == os.path.join(ROOT, "migrations", "spaces")
    assert config.table_classes == [Space, Corner]
    assert config.migration_dependencies == ["app.accounts.piccolo_app"]


def test_the_migrations_folders_are_the_repositorys() -> None:
    assert os.path.isdir(READING.migrations_folder_path)
    assert READING.migration_dependencies == ["spaces.piccolo_app"]
