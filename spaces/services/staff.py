"""Which spaces a volunteer or librarian serves."""

from __future__ import annotations

from app.kernel.db import write_transaction
from spaces.errors import SpaceNotFound
from spaces.tables import Space, StaffAssignment


async def assign(user_id: int, space_ids: list[int]) -> None:
    """Add assignments; unknown spaces are refused, existing ones kept (idempotent)."""
    wanted = sorted(set(space_ids))
    if not wanted:
        return
    async with write_transaction():
        found = {r["id"] for r in await Space.select(Space.id).where(Space.id.is_in(wanted))}
        missing = [s for s in wanted if s not in found]
        if missing:
            raise SpaceNotFound(f"没有找到空间 {missing}")
        have = {
            r["space"]
            for r in await StaffAssignment.select(StaffAssignment.space).where(StaffAssignment.user == user_id)
        }
        new = [StaffAssignment(user=user_id, space=s) for s in wanted if s not in have]
        if new:
            await StaffAssignment.insert(*new)


async def unassign(user_id: int, space_ids: list[int]) -> None:
    """Remove assignments (those that do not exist are ignored: idempotent)."""
    if space_ids:
        await StaffAssignment.delete().where(
            (StaffAssignment.user == user_id) & StaffAssignment.space.is_in(sorted(set(space_ids)))
        )


async def space_ids_of(user_id: int) -> frozenset[int]:
    rows = await StaffAssignment.select(StaffAssignment.space).where(StaffAssignment.user == user_id)
    return frozenset(r["space"] for r in rows)


async def staff_of(space_id: int, *, roles: tuple[str, ...] = ()) -> list[int]:
    """The active staff users serving the space (with one of `roles`, when given)."""
    rows = await StaffAssignment.select(StaffAssignment.user, StaffAssignment.user.roles).where(
        (StaffAssignment.space == space_id) & (StaffAssignment.user.active == True)
    )
    return sorted({int(r["user"]) for r in rows if not roles or set(str(r["user.roles"]).split()) & set(roles)})
