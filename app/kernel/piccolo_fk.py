"""A contained workaround for Piccolo's `ForeignKey.__getattribute__` (piccolo 1.38.0, the
newest release): every public attribute read on a foreign key (`Booking.slot.title`, and each
one Piccolo makes itself while building a query or reading rows) runs
`name not in dir(self)` before anything else. `dir()` lists and sorts a few hundred names each
time: 7-15 % of the CPU of every benchmark scenario (docs/benchmarks.md).

The check only matters for a foreign key to a `LazyTableReference` whose proxy columns are not
set yet; for every other key the branch it guards does nothing. Piccolo looks `dir` up in its
module's globals, so we give that one module a `dir` that answers "present" at once when the
branch would do nothing, and asks the real `dir()` otherwise: the same behaviour, without the
cost. The write-up for upstream is docs/piccolo-foreignkey.md."""

from __future__ import annotations

import builtins
from typing import Any

from piccolo.columns import column_types
from piccolo.columns.reference import LazyTableReference


class _Names:
    """What `name in dir(fk)` asks, answered cheaply for a key whose proxy columns are final."""

    __slots__ = ("_of",)

    def __init__(self, of: Any) -> None:
        self._of = of

    def __contains__(self, name: object) -> bool:
        try:
            meta = object.__getattribute__(self._of, "_foreign_key_meta")
        except AttributeError:
            meta = None
        if meta is not None and (meta.proxy_columns or not isinstance(meta.references, LazyTableReference)):
            return True  # the guarded branch would change nothing
        return name in builtins.dir(self._of)

    def __iter__(self) -> Any:
        return iter(builtins.dir(self._of))


def _dir(*of: Any) -> Any:
    return _Names(of[0]) if len(of) == 1 else builtins.dir()


def install() -> None:
    """Idempotent; called when `app.kernel.db` is imported (before any query)."""
    column_types.dir = _dir  # type: ignore[attr-defined]
