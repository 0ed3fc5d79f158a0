"""The one place that knows the difference between the engines.

SQLite: writes take the lock at BEGIN (`IMMEDIATE`), else two readers upgrading to writers
deadlock into "database is locked". PostgreSQL: a plain transaction; invariants are held by
conditional updates and unique indexes inside it.
"""

from __future__ import annotations

import sqlite3
from functools import cache
from typing import Any

from piccolo.engine import engine_finder
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType


@cache
def engine() -> Engine:  # type: ignore[type-arg]
    found = engine_finder()
    if found is None:
        raise RuntimeError("no Piccolo engine configured (PICCOLO_CONF)")
    return found


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


def write_transaction() -> Any:
    """An async context manager: a write transaction, nested calls join the outer one."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


def is_unique_violation(exc: BaseException) -> bool:
    """True when `exc` is a unique-constraint failure on either engine."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg ships with the postgres extra
        return False
    return isinstance(exc, asyncpg.UniqueViolationError)
