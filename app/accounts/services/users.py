"""Staff users: create with roles, disable (which ends every session and token at once)."""

from __future__ import annotations

from app.accounts.errors import LoginTaken, UserNotFound
from app.accounts.passwords import check_strength, hash_password
from app.accounts.people import clean_name, normalize_staff_login
from app.accounts.roles import ROLES, STAFF_ROLES
from app.accounts.tables import ApiToken, User
from app.kernel.clock import Clock
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.errors import InvalidInput


def check_staff_roles(roles: list[str]) -> frozenset[str]:
    chosen = frozenset(roles)
    if not chosen or not chosen <= STAFF_ROLES:
        raise InvalidInput(
            "员工角色只能是 volunteer、librarian 或 district_admin",
            fields=[{"field": "roles", "message": f"choose from {sorted(STAFF_ROLES)}"}],
        )
    return chosen


def encode_roles(roles: frozenset[str]) -> str:
    return " ".join(r for r in ROLES if r in roles)


async def create_staff_user(*, login: str, password: str, display_name: str, roles: list[str], clock: Clock) -> User:
    key = normalize_staff_login(login)
    chosen = check_staff_roles(roles)
    check_strength(password, identifiers=(key,), staff=True)
    if await User.exists().where(User.login == key):
        raise LoginTaken()
    password_hash = hash_password(password)
    user = User(
        login=key,
        display_name=clean_name(display_name, "display_name") if display_name.strip() else key,
        password_hash=password_hash,
        roles=encode_roles(chosen),
        created_at=clock.now(),
    )
    try:
        async with write_transaction():
            await user.save()
    except Exception as exc:
        if is_unique_violation(exc):
            raise LoginTaken() from exc
        raise
    return user


async def set_password(user_id: int, password: str) -> None:
    """A new password, held to the same rules as at creation (staff: 12 characters)."""
    row = await User.select(User.login, User.roles).where(User.id == user_id).first()
    if row is None:
        raise UserNotFound()
    staff = bool(set(str(row["roles"]).split()) & STAFF_ROLES)
    check_strength(password, identifiers=(str(row["login"]),), staff=staff)
    await User.update({User.password_hash: hash_password(password)}).where(User.id == user_id)


async def disable_user(user_id: int, *, clock: Clock) -> None:
    """Ends all of the user's sessions (epoch bump) and tokens in one transaction."""
    async with write_transaction():
        rows = (
            await User.update({User.active: False, User.session_epoch: User.session_epoch + 1})
            .where(User.id == user_id)
            .returning(User.id)
        )
        if not rows:
            raise UserNotFound()
        await ApiToken.update({ApiToken.revoked_at: clock.now()}).where(
            (ApiToken.user == user_id) & ApiToken.revoked_at.is_null()
        )


async def enable_user(user_id: int) -> None:
    rows = await User.update({User.active: True}).where(User.id == user_id).returning(User.id)
    if not rows:
        raise UserNotFound()
