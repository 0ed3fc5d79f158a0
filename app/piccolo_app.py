from app import tables
from app.kernel import tables as kernel_tables
from app.kernel.piccolo_apps import app_config, tables_in
from app.notify import tables as notify_tables

APP_CONFIG = app_config("app", tables_in(kernel_tables, tables, notify_tables))
