"""Platform tables of the web wiring: a key-value store (sessions) and idempotency records."""

from piccolo.columns import Bytea, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table


class KeyValue(Table, tablename="app_kv"):
    """Backs the database session store shared by all web processes."""

    id: Serial

    key = Varchar(length=255, unique=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)


class RateCounter(Table, tablename="app_rate_counter"):
    """Fixed-window request counters for rate limits when Redis is not configured."""

    id: Serial
    key = Varchar(length=200, unique=True)
    hits = Integer(default=0)
    expires_at = Timestamptz(index=True)
