"""Kernel tables: the notifications outbox and the in-app inbox.

Recipients are user ids without a foreign key so the kernel depends on no other package;
erasing a family removes its inbox explicitly.
"""

from piccolo.columns import JSONB, Boolean, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class OutboxMessage(Table, tablename="kernel_outbox"):
    """A notification to deliver, written in the same transaction as the change causing it."""

    id: Serial

    recipient_id = Integer(index=True)
    kind = Varchar(length=64)
    title = Varchar(length=200)
    body = Text()
    link = Varchar(length=500, default="")
    payload = JSONB(default="{}")
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None, index=True)
    attempts = Integer(default=0)


class Notification(Table, tablename="kernel_notification"):
    """The in-app inbox; `outbox_id` is unique so one message is delivered once in effect."""

    id: Serial

    user_id = Integer(index=True)
    outbox_id = Integer(unique=True)
    kind = Varchar(length=64)
    title = Varchar(length=200)
    body = Text()
    link = Varchar(length=500, default="")
    created_at = Timestamptz()
    read = Boolean(default=False)
