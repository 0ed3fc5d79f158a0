import os

from piccolo.conf.apps import AppConfig

from app.accounts.tables import ApiToken, Child, Consent, Family, Guardian, LoginAttempt, User
from app.settings import ROOT

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(ROOT, "migrations", "accounts"),
    table_classes=[Family, User, Guardian, Child, Consent, ApiToken, LoginAttempt],
    migration_dependencies=[],
    commands=[],
)
