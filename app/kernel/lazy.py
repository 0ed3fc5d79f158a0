"""Modules a process imports by their first use.

Drawing (Pillow, qrcode, python-barcode), calendars, charts and Redis's client weigh 8-30 MB
resident each, and most processes never use some of them: the embedded default runs without
Redis, a check-in draws nothing. A module named here is imported by the first attribute read
from it; `importlib.import_module` takes the import lock, so a first use from a worker thread
is as safe as one from the event loop. Callers keep their types by importing under
`TYPE_CHECKING`:

    if TYPE_CHECKING:
        from qr import posters
    else:
        posters = lazy("qr.posters")
"""

from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy(name: str) -> Any:
    return LazyModule(name)
