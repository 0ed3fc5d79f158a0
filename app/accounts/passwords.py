"""Argon2id password hashing.

Parameters follow OWASP's minimum (19 MiB, 2 passes): the library default (64 MiB) would
make a handful of simultaneous log-ins cost more memory than a whole web process may use.
"""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified against when the login is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("storycorner-dummy-password")

MIN_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
