"""Platform tables of the web wiring: a key-value store (sessions) and idempotency records."""

from piccolo.columns import JSONB, Boolean, Bytea, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table


class KeyValue(Table, tablename="app_kv"):
    """Backs the database session store shared by all web processes."""

    id: Serial

    key = Varchar(length=255, unique=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)


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


class RateCounter(Table, tablename="app_rate_counter"):
    """Fixed-window request counters for rate limits when Redis is not configured."""

    id: Serial
    key = Varchar(length=200, unique=True)
    hits = Integer(default=0)
    expires_at = Timestamptz(index=True)
