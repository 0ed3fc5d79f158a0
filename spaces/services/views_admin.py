"""Read models of the space-management pages (/staff/spaces): the list with search and
subdistrict filter, and one space's editor (details, hours, corners)."""

from __future__ import annotations

from app.accounts.actor import Actor
from app.kernel.values import frozen
from spaces.schemas import SpaceOut, SpaceSummary
from spaces.services.access import ensure_serves
from spaces.services.spaces import get_space, list_spaces
from spaces.tables import Space


@frozen
class SpaceList:
    spaces: tuple[SpaceSummary, ...]
    streets: tuple[str, ...]  # every subdistrict with a space, for the filter
    q: str
    street: str
    can_create: bool


@frozen
class SpaceEditor:
    space: SpaceOut
    can_edit: bool  # details, hours and corners: district admins and the space's librarians
    hours_text: dict[int, str]  # weekday → "09:00-12:00, 14:00-17:00", the form's value


async def space_list(actor: Actor, *, q: str = "", street: str = "") -> SpaceList:
    """District admins: every space; other staff: the spaces they serve."""
    found = await list_spaces(street=street or None, q=q or None, limit=1000)
    if not actor.is_admin:
        found = [s for s in found if s.id in actor.space_ids]
    rows = await Space.select(Space.street).distinct().order_by(Space.street)
    streets = tuple(str(r["street"]) for r in rows)
    return SpaceList(tuple(found), streets, q, street, actor.is_admin)


def hours_text(space: SpaceOut) -> dict[int, str]:
    text: dict[int, list[str]] = {d: [] for d in range(1, 8)}
    for h in space.opening_hours:
        text[h.weekday].append(f"{h.opens}-{h.closes}")
    return {d: ", ".join(ranges) for d, ranges in text.items()}


async def space_editor(space_id: int, *, actor: Actor) -> SpaceEditor:
    ensure_serves(actor, space_id)
    space = await get_space(space_id)
    can_edit = actor.is_admin or (actor.is_librarian and space_id in actor.space_ids)
    return SpaceEditor(space, can_edit, hours_text(space))
