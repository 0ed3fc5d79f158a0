from app.kernel.piccolo_apps import app_config
from app.kernel.tables import IdempotencyRecord, Notification, OutboxMessage, Policy, PolicyChange
from app.notify.tables import ConsoleSms, Delivery, DeliveryAttempt
from app.tables import KeyValue, RateCounter

APP_CONFIG = app_config(
    "app",
    [
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
)
