from app.kernel.piccolo_apps import app_config, tables_in
from app.stats import tables

APP_CONFIG = app_config("stats", tables_in(tables), after=["app.accounts.piccolo_app"])  # stats_report.made_by
