import os

from piccolo.conf.apps import AppConfig

from app.settings import ROOT
from reading.tables import Book

APP_CONFIG = AppConfig(
    app_name="reading",
    migrations_folder_path=os.path.join(ROOT, "migrations", "reading"),
    table_classes=[Book],
    migration_dependencies=["spaces.piccolo_app"],
    commands=[],
)
