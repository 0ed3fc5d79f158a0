"""Staff: two district admins, a librarian per ten spaces, a volunteer per space, all with
the shared synthetic password and assigned to the spaces they serve."""

from __future__ import annotations

import random
from collections.abc import Iterator

from app.seed.context import STAFF_LOGIN_PREFIX, Context
from app.seed.names import person_name
from app.seed.rows import StaffAssignmentRow


def add_staff(ctx: Context, rng: random.Random) -> Iterator[None]:
    """After the spaces, with the spaces' random stream (their names follow the spaces')."""
    for n in (1, 2):
        _user(ctx, f"{STAFF_LOGIN_PREFIX}admin.{n}", f"{person_name(rng)}（区妇联）", "district_admin")
    for start in range(0, len(ctx.spaces), 10):
        login = f"{STAFF_LOGIN_PREFIX}lib.{start // 10 + 1:04d}"
        user_id = _user(ctx, login, f"{person_name(rng)}（馆员）", "librarian")
        for space in ctx.spaces[start : start + 10]:
            _assign(ctx, user_id, space.id)
    for n, space in enumerate(ctx.spaces, 1):
        user_id = _user(ctx, f"{STAFF_LOGIN_PREFIX}vol.{n:05d}", f"{person_name(rng)}（志愿者）", "volunteer")
        space.volunteer_user = user_id
        _assign(ctx, user_id, space.id)
    yield


def _user(ctx: Context, login: str, name: str, roles: str) -> int:
    return ctx.add_user(login=login, name=name, roles=roles, created=ctx.anchor)


def _assign(ctx: Context, user_id: int, space_id: int) -> None:
    ctx.add(StaffAssignmentRow(id=ctx.next_id(StaffAssignmentRow), user=user_id, space=space_id))
