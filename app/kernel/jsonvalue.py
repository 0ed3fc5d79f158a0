"""JSON columns come back from Piccolo as text on both engines (unless a query asks for
`output(load_json=True)`); `loads` accepts either form."""

from __future__ import annotations

import json
from typing import Any


def loads(value: Any, default: Any = None) -> Any:
    if value is None or value == "":
        return default
    if isinstance(value, str | bytes):
        return json.loads(value)
    return value
