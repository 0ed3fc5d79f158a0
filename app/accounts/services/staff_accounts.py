"""Staff accounts as district admins run them from pages and the API: the list, a new account
with a one-time password (shown once, to be changed at the first log-in), a password reset to
a new one-time password, disable (never the last active district admin) and re-enable; and
any staff member's change of their own password (the same strength rules as everywhere)."""

from __future__ import annotations

import secrets
from datetime import datetime

from app.accounts.errors import LastAdmin, SamePassword, UserNotFound, WeakPassword, WrongPassword
from app.accounts.passwords import check_strength, hash_password, verify_password
from app.accounts.roles import DISTRICT_ADMIN, STAFF_ROLES
from app.accounts.services import users
from app.accounts.tables import User
from app.kernel.clock import Clock
from app.kernel.db import serialize_on, write_transaction
from app.kernel.values import frozen

_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I: read aloud


@frozen
class StaffAccount:
    id: int
    login: str
    display_name: str
    roles: tuple[str, ...]
    active: bool
    must_change_password: bool
    last_login_at: datetime | None


def one_time_password() -> str:
    """16 random letters and digits in groups of four (about 92 bits), easy to read out."""
    while True:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
        password = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
        try:
            check_strength(password, staff=True)
        except WeakPassword:  # pragma: no cover - a random 16-character string is never common
            continue
        return password


def _account(row: dict[str, object]) -> StaffAccount:
    return StaffAccount(
        id=int(str(row["id"])),
        login=str(row["login"]),
        display_name=str(row["display_name"]),
        roles=tuple(str(row["roles"]).split()),
        active=bool(row["active"]),
        must_change_password=bool(row["must_change_password"]),
        last_login_at=row["last_login_at"] if isinstance(row["last_login_at"], datetime) else None,
    )


COLUMNS = (
    User.id,
    User.login,
    User.display_name,
    User.roles,
    User.active,
    User.must_change_password,
    User.last_login_at,
)


async def staff_accounts(*, q: str = "") -> list[StaffAccount]:
    """Every staff account (families are not staff), by login."""
    rows = await User.select(*COLUMNS).order_by(User.login)
    found = [_account(r) for r in rows if set(str(r["roles"]).split()) & STAFF_ROLES]
    needle = q.strip().casefold()
    return [a for a in found if needle in a.login.casefold() or needle in a.display_name.casefold()]


async def staff_account(user_id: int) -> StaffAccount:
    row = await User.select(*COLUMNS).where(User.id == user_id).first()
    if row is None or not set(str(row["roles"]).split()) & STAFF_ROLES:
        raise UserNotFound()
    return _account(row)


async def create_with_one_time_password(
    *, login: str, display_name: str, roles: list[str], clock: Clock
) -> tuple[User, str]:
    """A staff account whose password is to be changed at the first log-in; (user, password)."""
    password = one_time_password()
    async with write_transaction():
        user = await users.create_staff_user(
            login=login, password=password, display_name=display_name, roles=roles, clock=clock
        )
        await User.update({User.must_change_password: True}).where(User.id == user.id)
    return user, password


async def reset_to_one_time_password(user_id: int) -> str:
    """A new one-time password (the old one stops working); to be changed at the next log-in."""
    await staff_account(user_id)
    password = one_time_password()
    await User.update({User.password_hash: hash_password(password), User.must_change_password: True}).where(
        User.id == user_id
    )
    return password


async def disable(user_id: int, *, clock: Clock) -> None:
    """Disable an account; the last active district admin stays (someone must run the
    programme). Serialised so two admins disabling each other cannot both succeed."""
    row = await User.select(User.roles, User.active).where(User.id == user_id).first()
    if row is None:
        raise UserNotFound()
    async with write_transaction():
        await serialize_on("staff:admins")
        if DISTRICT_ADMIN in str(row["roles"]).split() and row["active"]:
            rows = await User.select(User.id, User.roles).where(User.active == True)
            admins = [r for r in rows if DISTRICT_ADMIN in str(r["roles"]).split()]
            if len(admins) <= 1:
                raise LastAdmin()
        await users.disable_user(user_id, clock=clock)


async def enable(user_id: int) -> None:
    await staff_account(user_id)
    await users.enable_user(user_id)


async def change_own_password(user_id: int, current: str, new: str) -> None:
    """The user's own change: the current password first, then a new one held to the rules
    (staff: 12 characters, not common, not the login); clears a one-time password's flag."""
    row = await User.select(User.password_hash, User.login).where(User.id == user_id).first()
    if row is None:
        raise UserNotFound()
    if not verify_password(str(row["password_hash"]), current):
        raise WrongPassword()
    if new == current:
        raise SamePassword()
    await users.set_password(user_id, new)
    await User.update({User.must_change_password: False}).where(User.id == user_id)
