from app.accounts import tables
from app.kernel.piccolo_apps import app_config, tables_in

APP_CONFIG = app_config("accounts", tables_in(tables))
