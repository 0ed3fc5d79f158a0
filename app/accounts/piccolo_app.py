import os
from pathlib import Path

from piccolo.conf.apps import AppConfig

from app.accounts.tables import (
    AccessLog,
    ApiToken,
    Child,
    Consent,
    Family,
    Guardian,
    LoginAttempt,
    NoticePreference,
    SmsCode,
    User,
    WeChatBinding,
)

ROOT = Path(__file__).resolve().parent.parent.parent

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(ROOT, "migrations", "accounts"),
    table_classes=[
        Family,
        User,
        Guardian,
        Child,
        Consent,
        ApiToken,
        LoginAttempt,
        SmsCode,
        WeChatBinding,
        NoticePreference,
        AccessLog,
    ],
    migration_dependencies=[],
    commands=[],
)
