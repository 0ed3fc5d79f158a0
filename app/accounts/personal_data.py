"""A family's personal data across every domain, for its rights under PIPL (Art. 44-47): to
see all of it (export), to take back consent for its children's data, and to be erased.

The identity domain knows no other domain, so each domain registers what it keeps about a
family (`register`, done by the composition root, app/runtime.py): its part of the export,
what erasure does to it, and what withdrawing consent does to it. Erasure and withdrawal run
every part inside one transaction: all of it happens, or none.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from app.kernel.jsonvalue import loads
from app.kernel.values import frozen


@frozen
class Subject:
    """The family whose data is asked for, with what identifies it (to scrub it from text)."""

    family_id: int
    user_ids: tuple[int, ...]
    child_ids: tuple[int, ...]
    phones: tuple[str, ...]


class PersonalData(Protocol):
    """What one domain keeps about a family."""

    @property
    def name(self) -> str:
        """The export's section."""
        ...

    async def export(self, subject: Subject) -> Any:
        """Everything this domain keeps about the family, as JSON-ready values."""
        ...

    async def erase(self, subject: Subject, *, now: datetime) -> None:
        """Leave only anonymous figures: names gone, future commitments ended (inside the
        erasure's transaction)."""
        ...

    async def forget_children(self, subject: Subject, *, now: datetime) -> None:
        """Consent withdrawn: nothing about the children may stay (inside the transaction)."""
        ...


_parts: dict[str, PersonalData] = {}


def register(part: PersonalData) -> None:
    _parts[part.name] = part


def parts() -> list[PersonalData]:
    return list(_parts.values())


def exported(rows: Iterable[Mapping[str, Any]], drop: Collection[str] = ()) -> list[dict[str, Any]]:
    """Stored rows as every domain's part of the export shows them (JSON-ready): dates and
    times as ISO text, the JSON lists of ids (columns named `..._ids`) decoded, the columns in
    `drop` left out."""
    return [{k: _exported(k, v) for k, v in row.items() if k not in drop} for row in rows]


def _exported(column: str, value: Any) -> Any:
    if column.endswith("_ids"):
        return loads(value)
    return value.isoformat() if hasattr(value, "isoformat") else value
