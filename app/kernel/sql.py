"""Hand-written SQL: named parameters, and the few words the two engines spell differently.

Each domain keeps its statements in a module of their own beside the services that use them
(`*_sql.py`), written once for both engines in SQLite's spelling; `dialect()` gives
PostgreSQL its words. A test runs each statement on both engines."""

from __future__ import annotations

import functools
import re
from typing import Any

from piccolo.querystring import QueryString

from app.kernel.db import is_sqlite

_NAME = re.compile(r"(?<![:\w]):([a-z_]+)")

# SQLite's JSON functions and PostgreSQL's (an aggregate over no rows: SQLite '[]', PostgreSQL
# NULL; `jsonvalue.loads(value, [])` reads both).
# `next_id('table')` reserves the table's next id ahead of its insert on PostgreSQL (the
# answer a nonce keeps names the check-in, and is written in the same statement); SQLite takes
# ids as it inserts: NULL.
_POSTGRES_WORDS = {"json_group_array(": "json_agg(", "json_array(": "json_build_array("}
_WORD = re.compile("|".join(re.escape(word) for word in _POSTGRES_WORDS))
_NEXT_ID = re.compile(r"next_id\('([a-z_]+)'\)")
# SQLite has no row locks (its write transactions are serial): a statement's FOR UPDATE is
# PostgreSQL's alone.
_FOR_UPDATE = " FOR UPDATE"


def statement(sql: str, **params: Any) -> QueryString:
    """`sql` with each `:name` bound to `params[name]` (a QueryString is nested as SQL)."""
    template, names = _template(sql)
    missing = set(names) - params.keys()
    if missing:
        raise KeyError(f"no value for {sorted(missing)}")
    return QueryString(template, *(params[n] for n in names))


# The statements are a few constants run on every hot request: each is parsed once (the
# regular expressions cost 5 % of a circulation request's CPU); bounded, should one be built.
@functools.lru_cache(maxsize=256)
def _template(sql: str) -> tuple[str, tuple[str, ...]]:
    return _NAME.sub("{}", sql), tuple(_NAME.findall(sql))


def dialect(sql: str) -> str:
    """`sql` (SQLite's spelling) in the spelling of the engine in use."""
    return _spelled(sql, is_sqlite())


@functools.lru_cache(maxsize=256)
def _spelled(sql: str, sqlite: bool) -> str:
    if sqlite:
        return _NEXT_ID.sub("NULL", sql).replace(_FOR_UPDATE, "")
    sql = _NEXT_ID.sub(r"nextval(pg_get_serial_sequence('\1', 'id'))", sql)
    return _WORD.sub(lambda found: _POSTGRES_WORDS[found.group(0)], sql)
