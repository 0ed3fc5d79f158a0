from app.kernel.piccolo_apps import app_config, tables_in
from spaces import tables

APP_CONFIG = app_config("spaces", tables_in(tables), after=["app.accounts.piccolo_app"])
