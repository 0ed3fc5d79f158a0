from app.kernel.piccolo_apps import app_config, tables_in
from qr import tables

APP_CONFIG = app_config("qr", tables_in(tables))
