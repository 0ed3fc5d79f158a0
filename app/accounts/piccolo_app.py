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
from app.kernel.piccolo_apps import app_config

APP_CONFIG = app_config(
    "accounts",
    [
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
)
