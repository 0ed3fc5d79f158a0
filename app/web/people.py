"""Staff accounts for district admins (API.md: `/api/v1/staff`): the list, a new account
(with a one-time password when none is given), assign and unassign spaces, disable and
re-enable, a new one-time password; and every staff member's own password change
(`/api/v1/users/me/password`). Accounts live in app.accounts, assignments in spaces: this
wiring module puts the two together, each change in one transaction."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from app.accounts.roles import ADMINS, OWN_PASSWORD
from app.accounts.schemas import OwnPasswordIn, StaffIn, StaffOut, StaffPage, StaffUpdate
from app.accounts.services import staff_accounts, users
from app.kernel.clock import Clock
from app.kernel.db import write_transaction
from app.kernel.web import ActorDep, ClockDep
from spaces.services import staff as space_staff


async def staff_out(user_id: int, one_time_password: str | None = None, *, plain: bool = False) -> StaffOut:
    """The account; `plain`: as a plain user (created with a password of its own)."""
    account = await staff_accounts.staff_account(user_id)
    return StaffOut(
        id=account.id,
        login=account.login,
        display_name=account.display_name,
        roles=list(account.roles),
        active=account.active,
        space_ids=sorted(await space_staff.space_ids_of(user_id)),
        must_change_password=msgspec.UNSET if plain else account.must_change_password,
        one_time_password=one_time_password or msgspec.UNSET,
    )


async def _assign(user_id: int, space_ids: list[int]) -> None:
    """Unknown spaces: 404 space_not_found (API.md), naming them; nothing is assigned."""
    await space_staff.assign(user_id, space_ids)


async def create_staff(data: StaffIn, *, clock: Clock) -> StaffOut:
    """The account and its spaces together, or nothing (an unknown space leaves no account)."""
    password = None
    async with write_transaction():
        if data.password is None:
            user, password = await staff_accounts.create_with_one_time_password(
                login=data.login, display_name=data.display_name, roles=data.roles, clock=clock
            )
        else:
            user = await users.create_staff_user(
                login=data.login, password=data.password, display_name=data.display_name, roles=data.roles, clock=clock
            )
        await _assign(int(user.id), data.space_ids)
    return await staff_out(int(user.id), password, plain=password is None)


async def update_staff(user_id: int, data: StaffUpdate, *, clock: Clock) -> StaffOut:
    password = None
    async with write_transaction():
        await staff_accounts.staff_account(user_id)
        await _assign(user_id, data.add_space_ids)
        await space_staff.unassign(user_id, data.remove_space_ids)
        if data.active is False:
            await staff_accounts.disable(user_id, clock=clock)
        elif data.active is True:
            await staff_accounts.enable(user_id)
        if data.reset_password:
            password = await staff_accounts.reset_to_one_time_password(user_id)
    return await staff_out(user_id, password)


class StaffController(Controller):
    path = "/api/v1"
    tags = ("accounts",)

    @get("/staff", opt=ADMINS)
    async def list_staff(self, q: Annotated[str, QueryParameter(max_length=64)] = "") -> StaffPage:
        """Every staff account with roles and spaces, by login (`q`: part of login or name)."""
        return StaffPage(items=[await staff_out(a.id) for a in await staff_accounts.staff_accounts(q=q)])

    @post("/staff", opt=ADMINS, status_code=201)
    async def create(self, data: JSONBody[StaffIn], clock: ClockDep) -> StaffOut:
        """Create a staff user with roles and the spaces they serve; without `password`, a
        one-time password answered once in `one_time_password` (changed at the first log-in)."""
        return await create_staff(data, clock=clock)

    @get("/staff/{user_id:int}", opt=ADMINS)
    async def get_staff(self, user_id: FromPath[int]) -> StaffOut:
        return await staff_out(user_id)

    @patch("/staff/{user_id:int}", opt=ADMINS)
    async def update(self, user_id: FromPath[int], data: JSONBody[StaffUpdate], clock: ClockDep) -> StaffOut:
        """Assign (`add_space_ids`) and unassign (`remove_space_ids`) spaces, disable
        (`active: false`; never the last active district admin: 409 `last_admin`) or re-enable,
        or a new one-time password (`reset_password: true`, answered once)."""
        return await update_staff(user_id, data, clock=clock)

    @post("/users/me/password", opt=OWN_PASSWORD, status_code=204)
    async def change_password(self, data: JSONBody[OwnPasswordIn], actor: ActorDep) -> None:
        """Change one's own password (staff: at least 12 characters, not a common one, not
        the login); needed first after a one-time password (until then every other call
        answers 403 `password_change_required`)."""
        await staff_accounts.change_own_password(actor.user_id, data.current_password, data.new_password)
