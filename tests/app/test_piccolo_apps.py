"""The packages' Piccolo apps, built by the one helper (app.kernel.piccolo_apps)."""

import os

from app.kernel.piccolo_apps import ROOT, app_config, tables_in
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


def test_an_apps_tables_are_those_its_modules_define_in_their_order() -> None:
    from reading.lending import tables as lending
    from reading.programme import tables as programme

    found = tables_in(lending, programme)
    assert found[:2] == [lending.Book, lending.BookCover]  # the order of definition
    assert lending.Copy in found and programme.Certificate in found
    assert Space not in found, "a table a module imports is its own module's"
    assert len(found) == len(set(found)) == len(READING.table_classes)
    for table in found:  # every foreign key points at a table created before
        for fk in table._meta.foreign_key_columns:
            target = fk._foreign_key_meta.resolved_references
            assert target not in found or found.index(target) < found.index(table), (table, target)
