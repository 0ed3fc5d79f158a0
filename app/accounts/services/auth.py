"""Log-in with rate limits, and API bearer tokens.

Failures are counted in sliding windows:
- per login *and* address: a guesser at one address is stopped after a few tries, while the
  family, elsewhere, still logs in with the right password (a per-login lockout let anyone
  lock any family out);
- per login from every address, slower: distributed guessing; an address the login has
  logged in from lately is let through it, so the family is not locked out by it either;
- per address: generous, since many families share one (a corner's Wi-Fi, a school).
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import datetime, timedelta

from app.accounts.errors import BadCredentials, TooManyAttempts
from app.accounts.passwords import verify_password
from app.accounts.people import is_phone, normalize_phone
from app.accounts.tables import ApiToken, LoginAttempt, User
from app.kernel.clock import Clock
from app.kernel.values import frozen

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_PAIR = 5
MAX_FAILURES_PER_CLIENT = 50
LOGIN_WINDOW = timedelta(hours=1)
MAX_FAILURES_PER_LOGIN = 30
KNOWN_ADDRESS = timedelta(days=30)
TOKEN_TTL = timedelta(days=30)


def normalize_login(login: str) -> str:
    login = unicodedata.normalize("NFKC", login or "").strip()
    return normalize_phone(login) if is_phone(login) else login.lower()


async def _retry_after(condition: object, now: datetime, window: timedelta = WINDOW) -> int:
    oldest = await LoginAttempt.select(LoginAttempt.at).where(condition).order_by(LoginAttempt.at).first()  # type: ignore[arg-type]
    if not oldest:
        return int(window.total_seconds())
    return max(1, int((oldest["at"] + window - now).total_seconds()) + 1)


async def _check_limits(key: str, client: str, now: datetime) -> None:
    failed = LoginAttempt.succeeded == False
    recent = failed & (LoginAttempt.at >= now - WINDOW)
    by_pair = recent & (LoginAttempt.login == key) & (LoginAttempt.client == client)
    by_client = recent & (LoginAttempt.client == client)
    by_login = failed & (LoginAttempt.at >= now - LOGIN_WINDOW) & (LoginAttempt.login == key)
    for condition, limit, window in (
        (by_pair, MAX_FAILURES_PER_PAIR, WINDOW),
        (by_client, MAX_FAILURES_PER_CLIENT, WINDOW),
    ):
        if await LoginAttempt.count().where(condition) >= limit:
            raise TooManyAttempts(retry_after=await _retry_after(condition, now, window))
    if await LoginAttempt.count().where(by_login) >= MAX_FAILURES_PER_LOGIN:
        known = (LoginAttempt.login == key) & (LoginAttempt.client == client) & (LoginAttempt.succeeded == True)
        if not await LoginAttempt.exists().where(known & (LoginAttempt.at >= now - KNOWN_ADDRESS)):
            raise TooManyAttempts(retry_after=await _retry_after(by_login, now, LOGIN_WINDOW))


async def authenticate(login: str, password: str, *, client: str, clock: Clock) -> User:
    """The user for these credentials; raises BadCredentials or TooManyAttempts."""
    now = clock.now()
    key = normalize_login(login)[:64]
    client = client[:64]
    await _check_limits(key, client, now)

    user = await User.objects().where(User.login == key).first()
    ok = verify_password(user.password_hash if user else None, password) and bool(user and user.active)
    await LoginAttempt.insert(LoginAttempt(login=key, client=client, succeeded=ok, at=now))
    if not ok or user is None:
        raise BadCredentials()
    # A success clears this address's failures for the login, so a family that finally types it
    # right is not locked; others' failures still count towards the slower per-login limit.
    await LoginAttempt.delete().where(
        (LoginAttempt.login == key) & (LoginAttempt.client == client) & (LoginAttempt.succeeded == False)
    )
    await User.update({User.last_login_at: now}).where(User.id == user.id)
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@frozen
class IssuedToken:
    token: str
    expires_at: datetime


async def issue_token(user_id: int, *, clock: Clock) -> IssuedToken:
    """A new bearer token: 256 random bits, only its hash is stored."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    expires_at = now + TOKEN_TTL
    await ApiToken.insert(ApiToken(user=user_id, token_hash=hash_token(token), created_at=now, expires_at=expires_at))
    return IssuedToken(token=token, expires_at=expires_at)


async def revoke_token(token: str, *, now: datetime) -> None:
    await ApiToken.update({ApiToken.revoked_at: now}).where(ApiToken.token_hash == hash_token(token))
