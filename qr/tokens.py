"""Compact signed tokens for QR codes.

A token is base64url (no padding) of

    version(1) | key id(1) | purpose(1) | subject version (varint) | subject (varint)
    | expiry in unix seconds (varint, 0 = none) | HMAC-SHA256 over all of it, first 16 bytes

about 28 bytes, 38 characters: with `<base_url>/q/` the QR code stays small enough to scan
from a metre away. HMAC rather than Ed25519: the signature is 16 bytes instead of 64 (a
smaller code), and every scan is checked online anyway (revocation needs the database), so
offline verification would buy nothing. 128 bits of MAC make forgery hopeless.

Several keys may verify; one signs. Retiring a key id is a setting. No personal data is in a
token: only a purpose, an integer subject id and its version.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime
from enum import IntEnum

from app.kernel.values import frozen
from qr.errors import InvalidToken

TOKEN_VERSION = 1
MAC_BYTES = 16
MAX_TOKEN_CHARS = 96


class Purpose(IntEnum):
    corner = 1
    booking = 2
    copy = 3
    family = 4
    certificate = 5
    live = 6  # a corner's rotating on-screen code


@frozen
class Keyring:
    signing_key_id: int
    keys: dict[int, bytes]
    retired: frozenset[int] = frozenset()

    @classmethod
    def derived(
        cls,
        secret: str,
        *,
        key_ids: tuple[int, ...] = (1,),
        signing_key_id: int = 1,
        retired: frozenset[int] = frozenset(),
    ) -> Keyring:
        """Keys derived from the service secret, one per key id (rotation = a new id)."""
        keys = {
            kid: hmac.new(secret.encode(), f"storycorner-qr-key-{kid}".encode(), hashlib.sha256).digest()
            for kid in key_ids
        }
        return cls(signing_key_id=signing_key_id, keys=keys, retired=retired)


@frozen
class TokenClaims:
    purpose: Purpose
    subject: int
    version: int
    expires_at: datetime | None
    key_id: int


def _varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("varints are unsigned")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    for _ in range(10):
        if pos >= len(data):
            raise InvalidToken()
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if byte == 0 and shift:  # a non-minimal encoding: one token, one spelling
                raise InvalidToken()
            return value, pos
        shift += 7
    raise InvalidToken()


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()[:MAC_BYTES]


def encode(keyring: Keyring, purpose: Purpose, subject: int, version: int, expires_at: datetime | None = None) -> str:
    kid = keyring.signing_key_id
    expiry = int(expires_at.timestamp()) if expires_at is not None else 0
    body = bytes([TOKEN_VERSION, kid, int(purpose)]) + _varint(version) + _varint(subject) + _varint(expiry)
    raw = body + _mac(keyring.keys[kid], body)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(keyring: Keyring, token: str) -> TokenClaims:
    """Verify the MAC and parse; raises InvalidToken for anything wrong (never saying what).
    Expiry and revocation are checked by the caller (`qr.services`)."""
    if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii() or "=" in token:
        raise InvalidToken()
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken() from None
    # base64 must round-trip exactly: no alternative spellings of one token.
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != token or len(raw) < 3 + 3 + MAC_BYTES:
        raise InvalidToken()
    body, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    version, kid, purpose_code = body[0], body[1], body[2]
    key = keyring.keys.get(kid)
    if version != TOKEN_VERSION or key is None or kid in keyring.retired:
        raise InvalidToken()
    if not hmac.compare_digest(_mac(key, body), mac):
        raise InvalidToken()
    try:
        purpose = Purpose(purpose_code)
    except ValueError:
        raise InvalidToken() from None
    subject_version, pos = _read_varint(body, 3)
    subject, pos = _read_varint(body, pos)
    expiry, pos = _read_varint(body, pos)
    if pos != len(body):
        raise InvalidToken()
    try:
        expires_at = datetime.fromtimestamp(expiry, UTC) if expiry else None
    except (OverflowError, OSError, ValueError):  # beyond year 9999: no token of ours says that
        raise InvalidToken() from None
    return TokenClaims(purpose=purpose, subject=subject, version=subject_version, expires_at=expires_at, key_id=kid)
