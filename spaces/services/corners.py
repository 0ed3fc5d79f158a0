"""A space's corners as staff manage them: rename, retire (its printed and live codes stop
working at once; its check-ins and scans stay). District admins and the space's librarians;
volunteers reprint and print posters (spaces/services/codes.py) but do not change corners."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.accounts.actor import Actor
from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from qr.services import tokens
from qr.tokens import Purpose
from spaces.errors import CornerNotFound, InvalidCorner, NotStaffOfSpace
from spaces.schemas import CornerOut, CornerUpdate
from spaces.services import spaces
from spaces.tables import Corner


def ensure_manages(actor: Actor, space_id: int) -> None:
    """District admins, and librarians of the space: who changes its details and corners."""
    if not (actor.is_admin or (actor.is_librarian and space_id in actor.space_ids)):
        raise NotStaffOfSpace()


async def update_corner(space_id: int, corner_id: int, data: CornerUpdate, *, actor: Actor, now: datetime) -> CornerOut:
    ensure_manages(actor, space_id)
    async with write_transaction():
        row = await (
            Corner.select(Corner.name, Corner.retired_at)
            .where((Corner.id == corner_id) & (Corner.space == space_id))
            .first()
        )
        if row is None or row["retired_at"] is not None:
            raise CornerNotFound()
        values: dict[Any, Any] = {}
        if data.name is not None:
            values[Corner.name] = data.name.strip()
        if data.retired:
            values[Corner.retired_at] = now
        if values:
            await Corner.update(values).where(Corner.id == corner_id)
        if data.retired:
            await tokens.revoke(Purpose.corner, corner_id, now=now)
            await tokens.revoke(Purpose.live, corner_id, now=now)
    name = data.name.strip() if data.name is not None else str(row["name"])
    return CornerOut(id=corner_id, name=name, retired=bool(data.retired))


async def add_corner(space_id: int, name: str, *, actor: Actor, clock: Clock) -> int:
    ensure_manages(actor, space_id)
    name = name.strip()
    if not name or len(name) > 50:
        raise InvalidCorner()
    return await spaces.add_corner(space_id, name, clock=clock)
