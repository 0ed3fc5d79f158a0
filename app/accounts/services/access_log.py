"""The staff access log: every staff read of a family's personal data is recorded (who, when,
which family, what, why). District admins read the whole log; a family finds its own in its
export. Families reading their own data are not logged: only staff reads are."""

from __future__ import annotations

from datetime import datetime

from app.accounts.actor import Actor
from app.accounts.schemas import AccessEntryOut
from app.accounts.tables import AccessLog

# What was read, by code (the log says these words).
LOOKUP = "lookup"  # found by phone or family card
DESK = "desk"  # the lending desk showed the family with its loans
CARD = "family_card"  # a family card scanned and shown
ROSTER = "roster"  # a slot's roster with names
EXPORT = "export"  # an export with names


async def record(
    actor: Actor, family_id: int, what: str, *, now: datetime, why: str = "", space_id: int | None = None
) -> None:
    if not actor.is_staff or actor.family_id == family_id:
        return
    await AccessLog.insert(
        AccessLog(user=actor.user_id, family=family_id, what=what, why=why[:200], space_id=space_id, at=now)
    )


async def record_many(
    actor: Actor, family_ids: list[int], what: str, *, now: datetime, space_id: int | None = None
) -> None:
    """One row per family (a roster, an export), in one statement."""
    rows = [
        AccessLog(user=actor.user_id, family=f, what=what, why="", space_id=space_id, at=now)
        for f in sorted(set(family_ids))
        if f != actor.family_id
    ]
    if actor.is_staff and rows:
        await AccessLog.insert(*rows)


async def seen_lately(actor: Actor, family_id: int, *, since: datetime) -> bool:
    """Whether this staff member was shown the family since then (a card scanned at the desk:
    the family showed it, so the desk may go on serving it)."""
    return bool(
        await AccessLog.exists().where(
            (AccessLog.user == actor.user_id) & (AccessLog.family == family_id) & (AccessLog.at >= since)
        )
    )


async def entries(
    *, family_id: int | None = None, user_id: int | None = None, after: int = 0, limit: int = 50
) -> list[AccessEntryOut]:
    """Newest first; `after` is the id to continue below (pagination)."""
    query = (
        AccessLog.select(
            AccessLog.id,
            AccessLog.user,
            AccessLog.user.display_name,
            AccessLog.family,
            AccessLog.what,
            AccessLog.why,
            AccessLog.space_id,
            AccessLog.at,
        )
        .order_by(AccessLog.id, ascending=False)
        .limit(limit)
    )
    if family_id is not None:
        query = query.where(AccessLog.family == family_id)
    if user_id is not None:
        query = query.where(AccessLog.user == user_id)
    if after:
        query = query.where(AccessLog.id < after)
    return [
        AccessEntryOut(
            id=r["id"],
            user_id=r["user"],
            user_name=r["user.display_name"] or "",
            family_id=r["family"],
            what=r["what"],
            why=r["why"],
            space_id=r["space_id"],
            at=r["at"],
        )
        for r in await query
    ]
