"""Cursor pagination: `?limit=&cursor=` → `{"items": [...], "next_cursor": ...}`.

The cursor is opaque to clients (base64 of the last id seen).
"""

from __future__ import annotations

import base64
import binascii

from app.kernel.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_ID = 2**31 - 1  # ids are 32-bit serials on PostgreSQL


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        value = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = -1
    if not 0 <= value <= MAX_ID:
        raise InvalidInput("分页游标无效", fields=[{"field": "cursor", "message": "not a cursor from this API"}])
    return value


def next_cursor(ids: list[int], limit: int) -> str | None:
    return encode_cursor(ids[-1]) if len(ids) == limit and ids else None
