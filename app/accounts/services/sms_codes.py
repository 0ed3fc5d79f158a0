"""SMS codes: 6 digits, valid 5 minutes, 5 tries, one use, stored as a keyed hash.

Sending is limited per phone (1 a minute, 10 a day) and per client address (generous: many
families share one). A code is issued the same way whether or not the phone can use it (no
account to log in to, or one already there to register): the limits and the answer are the
same, so this endpoint reveals nothing about who is registered; only a code that can be used
is sent (`IssuedCode.deliver`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import datetime, timedelta
from typing import Any

from app.accounts.errors import BadCode, TooManyAttempts, TooManyCodes
from app.accounts.people import normalize_phone
from app.accounts.tables import SmsCode, User
from app.kernel.clock import Clock
from app.kernel.db import serialize_on, write_transaction
from app.kernel.i18n import N_
from app.kernel.values import frozen

PURPOSES = ("login", "reset", "register")
CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5
PHONE_GAP = timedelta(minutes=1)
PHONE_DAY = 10
CLIENT_HOUR = 60
KEPT = timedelta(days=2)  # rows kept for the daily limit, then purged

_key = b"storycorner-unconfigured"


def configure(secret_key: str) -> None:
    """The hashing key, derived from SECRET_KEY (a 6-digit code hashed without a secret would
    fall to a million guesses)."""
    global _key
    _key = hmac.new(secret_key.encode(), b"storycorner sms codes", hashlib.sha256).digest()


def _hash(phone: str, purpose: str, code: str) -> str:
    return hmac.new(_key, f"{phone}:{purpose}:{code}".encode(), hashlib.sha256).hexdigest()


@frozen
class IssuedCode:
    phone: str
    purpose: str
    code: str
    expires_at: datetime
    deliver: bool  # False: nobody can use it (no SMS goes out), though the answer is the same


def _retry(oldest: datetime, window: timedelta, now: datetime) -> int:
    return max(1, math.ceil((oldest + window - now).total_seconds()))


async def _check_limits(phone: str, client: str, now: datetime) -> None:
    today = (SmsCode.phone == phone) & (SmsCode.created_at > now - timedelta(days=1))
    recent = [row["created_at"] for row in await SmsCode.select(SmsCode.created_at).where(today)]
    recent.sort(reverse=True)
    if recent and recent[0] > now - PHONE_GAP:
        raise TooManyCodes(retry_after=_retry(recent[0], PHONE_GAP, now))
    if len(recent) >= PHONE_DAY:
        raise TooManyCodes(
            N_("这个手机号今天获取验证码的次数已用完"), retry_after=_retry(recent[-1], timedelta(days=1), now)
        )
    by_client = (SmsCode.client == client) & (SmsCode.created_at > now - timedelta(hours=1))
    if await SmsCode.count().where(by_client) >= CLIENT_HOUR:
        first = await SmsCode.select(SmsCode.created_at).where(by_client).order_by(SmsCode.created_at).first()
        raise TooManyCodes(retry_after=_retry(first["created_at"] if first else now, timedelta(hours=1), now))


async def _usable(phone: str, purpose: str) -> bool:
    account = await User.select(User.active).where(User.login == phone).first()
    if purpose == "register":
        return account is None
    return bool(account and account["active"])


async def issue(raw_phone: str, purpose: str, *, client: str, clock: Clock) -> IssuedCode:
    """A new code for `purpose`; raises TooManyCodes (429) past a limit."""
    phone = normalize_phone(raw_phone)
    if purpose not in PURPOSES:
        raise BadCode()
    now = clock.now()
    code = f"{secrets.randbelow(1_000_000):06d}"
    deliver = await _usable(phone, purpose)
    async with write_transaction():
        await serialize_on(f"sms-code:{phone}")  # one check-then-insert per phone at a time
        await _check_limits(phone, client[:64], now)
        stored = _hash(phone, purpose, code) if deliver else secrets.token_hex(32)  # matches nothing
        await SmsCode.insert(
            SmsCode(
                phone=phone,
                purpose=purpose,
                code_hash=stored,
                client=client[:64],
                created_at=now,
                expires_at=now + CODE_TTL,
            )
        )
    return IssuedCode(phone=phone, purpose=purpose, code=code, expires_at=now + CODE_TTL, deliver=deliver)


async def withdraw(issued: IssuedCode) -> None:
    """The SMS could not be sent: the code never counts against the family's limits."""
    await SmsCode.delete().where(
        (SmsCode.phone == issued.phone) & (SmsCode.code_hash == _hash(issued.phone, issued.purpose, issued.code))
    )


async def consume(raw_phone: str, purpose: str, code: str, *, clock: Clock) -> str:
    """Use the phone's latest live code for `purpose`; returns the normalized phone. A wrong
    code costs one of its 5 tries (401 bad_code); with none left, 429 until a new code."""
    phone = normalize_phone(raw_phone)
    now = clock.now()
    live = (
        (SmsCode.phone == phone) & (SmsCode.purpose == purpose) & SmsCode.used_at.is_null() & (SmsCode.expires_at > now)
    )
    row: dict[str, Any] | None = await SmsCode.select().where(live).order_by(SmsCode.id, ascending=False).first()
    if row is None:
        raise BadCode()
    if row["tries"] >= MAX_TRIES:
        raise TooManyAttempts(N_("验证码输错次数太多，请重新获取验证码"), retry_after=60)
    if hmac.compare_digest(row["code_hash"], _hash(phone, purpose, (code or "").strip())):
        used = (
            await SmsCode.update({SmsCode.used_at: now})
            .where((SmsCode.id == row["id"]) & SmsCode.used_at.is_null() & (SmsCode.tries < MAX_TRIES))
            .returning(SmsCode.id)
        )
        if used:
            return phone
    else:
        await SmsCode.update({SmsCode.tries: SmsCode.tries + 1}).where(SmsCode.id == row["id"])
    raise BadCode()


async def purge(now: datetime) -> int:
    return len(await SmsCode.delete().where(SmsCode.created_at < now - KEPT).returning(SmsCode.id))
