import os

from piccolo.conf.apps import AppConfig

from app.kernel.tables import IdempotencyRecord, Notification, OutboxMessage, Policy, PolicyChange
from app.notify.tables import ConsoleSms, Delivery, DeliveryAttempt
from app.settings import ROOT
from app.tables import KeyValue, RateCounter

APP_CONFIG = AppConfig(
    app_name="app",
    migrations_folder_path=os.path.join(ROOT, "migrations", "app"),
    table_classes=[
        OutboxMessage,
        Notification,
        KeyValue,
        IdempotencyRecord,
        RateCounter,
        Delivery,
        DeliveryAttempt,
        ConsoleSms,
        Policy,
        PolicyChange,
    ],
    migration_dependencies=[],
    commands=[],
)
