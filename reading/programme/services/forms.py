"""Reading a posted page form: every field's values as the controller hands them over
(`(await request.form()).dict()`), read into the typed forms of the programme's pages. The
pages show a form again exactly as typed, so the forms keep text; the services that save
them check it and say which field is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Fields = Mapping[str, list[Any]]


def text(fields: Fields, name: str, limit: int | None = None) -> str:
    """The field's first value, stripped (and cut to `limit` characters)."""
    values = fields.get(name) or [""]
    value = str(values[0] or "").strip()
    return value[:limit] if limit is not None else value


def number(value: Any) -> int | None:
    """A typed number, or None when it is missing or not a number."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def ids(fields: Fields, name: str) -> tuple[int, ...]:
    """The positive ids ticked in a group of checkboxes, sorted, each once."""
    found = (number(v) for v in fields.get(name) or [])
    return tuple(sorted({i for i in found if i is not None and i > 0}))
