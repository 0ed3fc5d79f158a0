import os

from piccolo.conf.apps import AppConfig

from qr.tables import Scan, TokenSubject

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

APP_CONFIG = AppConfig(
    app_name="qr",
    migrations_folder_path=os.path.join(ROOT, "migrations", "qr"),
    table_classes=[TokenSubject, Scan],
    migration_dependencies=[],
    commands=[],
)
