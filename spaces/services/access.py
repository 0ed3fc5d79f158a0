"""Who may act on a space: district admins everywhere, other staff on their assigned spaces."""

from __future__ import annotations

from app.accounts.actor import Actor
from spaces.errors import NotAFamily, NotStaffOfSpace


def ensure_serves(actor: Actor, space_id: int) -> None:
    if not actor.serves(space_id):
        raise NotStaffOfSpace()


def family_of(actor: Actor) -> int:
    if not actor.is_family or actor.family_id is None:
        raise NotAFamily()
    return actor.family_id
