"""Kernel tables: the notifications outbox, the in-app inbox, and idempotency records.

Recipients are user ids without a foreign key so the kernel depends on no other package;
erasing a family removes its inbox explicitly.
"""

from piccolo.columns import JSONB, Boolean, Bytea, Integer, Serial, Text, Timestamptz, Varchar
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
    # A notice's parameters (`outbox.notice`): rendered in the reader's language at delivery.
    params = JSONB(null=True, default=None)
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
    params = JSONB(null=True, default=None)
    created_at = Timestamptz()
    read = Boolean(default=False)


class IdempotencyRecord(Table, tablename="app_idempotency"):
    """The first response to (owner, key); unique index on both in a hand-written migration."""

    id: Serial

    owner = Varchar(length=80)
    key = Varchar(length=255)
    fingerprint = Varchar(length=64)
    method = Varchar(length=10)
    path = Varchar(length=500)
    completed = Boolean(default=False)
    status = Integer(default=0)
    headers = JSONB(default="[]")
    body = Bytea(default=b"")
    created_at = Timestamptz(index=True)


class Policy(Table, tablename="app_policy"):
    """A programme rule's value set by a district admin (app/kernel/policies.py): district-wide
    (`space_id` 0) or a space's override. Unique (key, space_id) by migration."""

    id: Serial
    key = Varchar(length=40)
    space_id = Integer(default=0)
    value = Integer()
    updated_at = Timestamptz()
    updated_by = Integer(null=True, default=None)


class PolicyChange(Table, tablename="app_policy_change"):
    """Every change of a policy: who, when, the value before and after (None: the default,
    or no override)."""

    id: Serial
    key = Varchar(length=40)
    space_id = Integer(default=0)
    before = Integer(null=True, default=None)
    after = Integer(null=True, default=None)
    user_id = Integer(null=True, default=None)
    at = Timestamptz(index=True)
