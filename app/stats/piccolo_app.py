import os

from piccolo.conf.apps import AppConfig

from app.settings import ROOT
from app.stats.tables import QuietEpisode, Reach, Rollup, RollupState, StatsReport

APP_CONFIG = AppConfig(
    app_name="stats",
    migrations_folder_path=os.path.join(ROOT, "migrations", "stats"),
    table_classes=[QuietEpisode, Reach, Rollup, RollupState, StatsReport],
    migration_dependencies=["app.accounts.piccolo_app"],  # stats_report.made_by
    commands=[],
)
