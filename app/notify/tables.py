"""Delivery bookkeeping of the outside channels, and the console provider's messages.

`Delivery` is one notice on one channel: a unique (outbox_id, channel) index (hand-written
migration) makes "at most once per channel" a database fact; each try is a `DeliveryAttempt`
with the provider's message id, status and error.
"""

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class Delivery(Table, tablename="notify_delivery"):
    id: Serial

    outbox_id = Integer()
    recipient_id = Integer(index=True)
    channel = Varchar(length=16)
    # pending → sending → sent | failed (given up: the inbox holds it) | unknown (no answer:
    # never sent again) ; skipped (nothing to send to any more)
    status = Varchar(length=16, default="pending")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    claimed_at = Timestamptz(null=True, default=None)
    provider_message_id = Varchar(length=128, default="")
    last_error = Varchar(length=500, default="")
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)


class DeliveryAttempt(Table, tablename="notify_delivery_attempt"):
    """Every try on an outside channel: notices (`delivery_id`) and SMS codes (none)."""

    id: Serial

    delivery_id = Integer(null=True, default=None, index=True)
    channel = Varchar(length=16)
    provider = Varchar(length=16)
    kind = Varchar(length=64, default="")
    provider_message_id = Varchar(length=128, default="")
    status = Varchar(length=16)
    error = Varchar(length=500, default="")
    at = Timestamptz(index=True)


class ConsoleSms(Table, tablename="notify_console_sms"):
    """What `SMS_PROVIDER=console` "sent": shown to staff at /staff/dev/sms (and logged)."""

    id: Serial

    phone = Varchar(length=16)
    text = Text()
    at = Timestamptz(index=True)
