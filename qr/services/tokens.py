"""Issue, verify and revoke tokens. A subject's current version lives in `qr_token_subject`;
reprinting bumps it, so every older token for that subject answers 410 `token_revoked`."""

from __future__ import annotations

from datetime import datetime

from piccolo.query.mixins import OnConflictAction

from app.kernel.db import write_transaction
from qr.errors import InvalidToken, TokenRevoked
from qr.tables import TokenSubject
from qr.tokens import Keyring, Purpose, TokenClaims, decode, encode

_keyring: Keyring | None = None


def configure(keyring: Keyring) -> None:
    """Set by the wiring at start (from SECRET_KEY and the QR key settings)."""
    global _keyring
    _keyring = keyring


def keyring() -> Keyring:
    if _keyring is None:
        raise RuntimeError("qr keyring not configured")
    return _keyring


def url(base_url: str, token: str) -> str:
    """What a code says: the `/q/` page of the token, where any phone can open it."""
    return f"{base_url}/q/{token}"


async def current_version(purpose: Purpose, subject: int, *, now: datetime) -> int:
    where = (TokenSubject.purpose == purpose.name) & (TokenSubject.subject == str(subject))
    row = await TokenSubject.select(TokenSubject.version).where(where).first()
    if row is not None:
        return int(row["version"])
    await TokenSubject.insert(
        TokenSubject(purpose=purpose.name, subject=str(subject), version=1, updated_at=now)
    ).on_conflict(action=OnConflictAction.do_nothing)
    row = await TokenSubject.select(TokenSubject.version).where(where).first()
    assert row is not None
    return int(row["version"])


async def issue(purpose: Purpose, subject: int, *, now: datetime, expires_at: datetime | None = None) -> str:
    version = await current_version(purpose, subject, now=now)
    return encode(keyring(), purpose, subject, version, expires_at)


async def revoke(purpose: Purpose, subject: int, *, now: datetime) -> int:
    """Bump the subject's version (e.g. a poster reprinted); returns the new version."""
    async with write_transaction():
        await current_version(purpose, subject, now=now)
        rows = (
            await TokenSubject.update({TokenSubject.version: TokenSubject.version + 1, TokenSubject.updated_at: now})
            .where((TokenSubject.purpose == purpose.name) & (TokenSubject.subject == str(subject)))
            .returning(TokenSubject.version)
        )
    return int(rows[0]["version"])


async def verify(token: str, *, purposes: tuple[Purpose, ...], now: datetime) -> TokenClaims:
    """The token's claims if it is genuine, of an expected purpose, unexpired and current."""
    claims = claims_of(token, purposes=purposes, now=now)
    check_version(claims, await current_version(claims.purpose, claims.subject, now=now))
    return claims


def claims_of(token: str, *, purposes: tuple[Purpose, ...], now: datetime) -> TokenClaims:
    """The token's claims if it is genuine, of an expected purpose and unexpired; whether it is
    current is `check_version`'s, for a caller that reads the version with other things."""
    claims = decode(keyring(), token)
    if claims.purpose not in purposes:
        raise InvalidToken()
    if claims.expires_at is not None and claims.expires_at <= now:
        raise InvalidToken()
    return claims


def check_version(claims: TokenClaims, current: int | None) -> None:
    """Refuse a token older than its subject's current version (`qr_token_subject`; no row
    yet: version 1, as `current_version` makes it)."""
    current = current or 1
    if claims.version < current:
        raise TokenRevoked()
    if claims.version > current:
        raise InvalidToken()  # never issued: a valid MAC on it means a leaked key
