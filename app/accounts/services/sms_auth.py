"""What an SMS code lets a family do: log in, or set a new password (which logs it out
everywhere else). Registering with a code instead of a password: `registration`."""

from __future__ import annotations

from app.accounts.errors import BadCode
from app.accounts.passwords import check_strength, hash_password
from app.accounts.people import normalize_phone
from app.accounts.services import sms_codes
from app.accounts.tables import ApiToken, User
from app.kernel.clock import Clock
from app.kernel.db import write_transaction

# The password hash of an account registered with an SMS code: no password verifies against
# it (it is no Argon2 hash), until the family sets one with a reset code.
NO_PASSWORD = "!sms"  # noqa: S105 (a marker, not a password)


async def _family_user(phone: str) -> User:
    user = await User.objects().where((User.login == phone) & (User.active == True)).first()
    if user is None:
        raise BadCode()  # a code can only have been sent to an account's phone
    return user


async def log_in(raw_phone: str, code: str, *, clock: Clock) -> User:
    """The account of this phone, for a right code (401 bad_code otherwise)."""
    phone = await sms_codes.consume(raw_phone, "login", code, clock=clock)
    user = await _family_user(phone)
    await User.update({User.last_login_at: clock.now()}).where(User.id == user.id)
    return user


async def reset_password(raw_phone: str, code: str, new_password: str, *, clock: Clock) -> User:
    """A new password for a right code: a weak one is refused first (400 weak_password, the
    code still usable); every session and token of the account ends."""
    phone = normalize_phone(raw_phone)
    check_strength(new_password, identifiers=(phone,))
    await sms_codes.consume(phone, "reset", code, clock=clock)
    user = await _family_user(phone)
    password_hash = hash_password(new_password)
    now = clock.now()
    async with write_transaction():
        await User.update({User.password_hash: password_hash, User.session_epoch: User.session_epoch + 1}).where(
            User.id == user.id
        )
        await ApiToken.update({ApiToken.revoked_at: now}).where(
            (ApiToken.user == user.id) & ApiToken.revoked_at.is_null()
        )
    return await _family_user(phone)  # with the new session epoch, for the session it starts
