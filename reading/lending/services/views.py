"""Read models of the lending pages. This module holds what most pages share (the spaces'
names, the spaces a staff member serves and the one they work at); each page's own read model
is in `views_<topic>.py`. Every one is typed: frozen dataclasses, or the API's Structs."""

from __future__ import annotations

from app.accounts.actor import Actor
from app.kernel.values import frozen
from spaces.tables import Space


@frozen
class SpaceName:
    id: int
    name: str


async def space_names() -> dict[int, str]:
    """Every space's name by id."""
    rows = await Space.select(Space.id, Space.name).order_by(Space.id).limit(5000)
    return {int(r["id"]): str(r["name"]) for r in rows}


async def served_spaces(actor: Actor) -> list[SpaceName]:
    """The spaces a staff member acts on (district admins: all)."""
    query = Space.select(Space.id, Space.name).order_by(Space.id).limit(5000)
    if not actor.is_admin:
        query = query.where(Space.id.is_in(sorted(actor.space_ids) or [-1]))
    return [SpaceName(int(r["id"]), str(r["name"])) for r in await query]


def pick_space(served: list[SpaceName], wanted: int | None, fallback: int | None = None) -> int | None:
    """The space a page works at: the one asked for, else `fallback`, else the first served."""
    ids = [s.id for s in served]
    for candidate in (wanted, fallback):
        if candidate is not None and candidate in ids:
            return candidate
    return ids[0] if ids else None


@frozen
class Workplace:
    """The spaces a staff member serves and the one a page works at."""

    served: list[SpaceName]
    space_id: int | None


async def workplace(actor: Actor, wanted: int | None, fallback: int | None = None) -> Workplace:
    served = await served_spaces(actor)
    return Workplace(served, pick_space(served, wanted, fallback))
