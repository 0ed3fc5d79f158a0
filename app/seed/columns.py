"""The rows of app.seed.rows held against the Piccolo tables (`_meta.columns`,
`_meta.db_column_name`) before anything is written: a renamed or dropped column stops the
run with a clear message instead of a half-written COPY, and a column added to a table
later is written with its default (a time default: the data's anchor time)."""

from __future__ import annotations

import json
from typing import Any

from app.seed.rows import TABLES, Row, SeedError, columns_of

NOW = object()  # an extra column whose default is "now": it gets the data's anchor time

Extras = dict[type[Row], list[tuple[str, Any]]]


def check_columns() -> Extras:
    """Every field of every row must be a column of its Piccolo table (a renamed column fails
    loudly here rather than half-way through a COPY). Columns the rows leave out are
    returned with a deterministic value: their default, or the anchor time for a "now"
    default."""
    from piccolo.conf.apps import Finder

    tables = {t._meta.tablename: t for t in Finder().get_table_classes()}
    extras: Extras = {}
    for row, name in TABLES.items():
        table = tables.get(name)
        if table is None:
            raise SeedError(f"table {name} does not exist any more: update app/seed/rows.py")
        known = {c._meta.db_column_name: c for c in table._meta.columns}
        missing = [c for c in columns_of(row) if c not in known]
        if missing:
            raise SeedError(f"{name} has no column(s) {', '.join(missing)}: update app/seed/rows.py")
        left_out = [(n, _default(c)) for n, c in known.items() if n not in columns_of(row)]
        if left_out:
            extras[row] = left_out
    return extras


def _default(column: Any) -> Any:
    from piccolo.columns import JSON, JSONB, Date, Timestamp, Timestamptz

    if isinstance(column, (Timestamptz, Timestamp, Date)) and column.default is not None:
        return NOW
    value = column.get_default_value()
    if isinstance(column, (JSON, JSONB)) and not isinstance(value, str):
        value = json.dumps(value)
    return value
