"""Passwords: what we accept, and Argon2id hashing.

A password is refused when it is one of the 10,000 most common ones (zxcvbn's list, which is
built from leaked password sets, plus the commonest Chinese ones it lacks), contains the
phone number or login, or is shorter than 8 characters (12 for staff, whose accounts reach
other families' data). NIST SP 800-63B asks for exactly this kind of check instead of
composition rules.

Hashing parameters follow OWASP's minimum (19 MiB, 2 passes): the library default (64 MiB)
would make a handful of simultaneous log-ins cost more memory than a whole web process may use.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.accounts.errors import WeakPassword
from app.kernel.i18n import N_

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified against when the login is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("storycorner-dummy-password")

MIN_LENGTH = 8
STAFF_MIN_LENGTH = 12
COMMON_COUNT = 10_000
# Common Chinese passwords (published analyses of the 2011 CSDN, Tianya and 178.com leaks) that
# zxcvbn's list, drawn mostly from English-speaking sites, ranks low or lacks.
CHINESE_COMMON = frozenset(
    """
    123456789 12345678 11111111 dearbook 00000000 123123123 1234567890 88888888 111111111
    147258369 987654321 aaaaaaaa 1111111111 66666666 a123456789 11223344 1qaz2wsx xiazhili
    789456123 87654321 qqqqqqqq 000000000 qwertyuiop qq123456 31415926 12344321 0000000000
    asdfghjkl 1q2w3e4r 123456abc 0123456789 123654789 12121212 qazwsxedc abcd1234 12341234
    110110110 asdasdasd 22222222 123321123 abc123456 a12345678 123456123 a1234567 1234qwer
    qwertyui 123456789a woaini1314 5201314520 520520520 woaiwojia 1314520520 wodemima woaini520
    iloveyou1314 qwe123456 zxcvbnm123 a5201314 5201314a 13145200 caonima123 z123456789 aa123456
    123456aa 888888888 999999999 77777777 55555555 zhang123 wang123456
    """.split()  # noqa: SIM905 (a word list reads better as words)
)
_LIST = re.compile(r'"passwords":\s*"([^"]*)"')
# Runs that people type as passwords: counting, keyboard rows, the alphabet.
_RUNS = ("01234567890123456789", "98765432109876543210", "qwertyuiopasdfghjklzxcvbnm", "abcdefghijklmnopqrstuvwxyz")
_DECORATION = "0123456789!@#$%^&*()._-+= "


@cache
def common_passwords() -> frozenset[str]:
    """The most common passwords, read once from zxcvbn's data without importing its 14 MB of
    word lists (only this one list is kept)."""
    spec = importlib.util.find_spec("zxcvbn.frequency_lists")
    assert spec is not None, "zxcvbn is a dependency"
    assert spec.origin is not None, "zxcvbn is installed as files"
    match = _LIST.search(Path(spec.origin).read_text(encoding="utf-8"))
    assert match is not None, "zxcvbn's frequency list format changed"
    return frozenset(match.group(1).split(",")[:COMMON_COUNT]) | CHINESE_COMMON


def is_common(password: str) -> bool:
    """One of the common passwords, one with digits or symbols stuck to its ends
    ("password1234"), one repeated character, or a run such as "12345678901234"."""
    folded = password.casefold()
    common = common_passwords()
    core = folded.strip(_DECORATION)
    return (
        folded in common
        or (len(core) >= 4 and core in common)
        or len(set(folded)) == 1
        or any(folded in run for run in _RUNS)
    )


def check_strength(password: str, *, identifiers: tuple[str, ...] = (), staff: bool = False) -> None:
    """Refuse a password that is easy to guess: too short, common, or made of the phone
    number or login (`identifiers`)."""
    shortest = STAFF_MIN_LENGTH if staff else MIN_LENGTH
    if len(password) < shortest:
        detail = N_("工作人员的密码至少 12 位") if staff else N_("密码至少 8 位")
        raise WeakPassword(detail, fields=[{"field": "password", "message": f"at least {shortest} characters"}])
    if is_common(password):
        raise WeakPassword(
            N_("这个密码太常见，很容易被猜到，请换一个"), fields=[{"field": "password", "message": "too common"}]
        )
    if any(len(i) >= 4 and i.casefold() in password.casefold() for i in identifiers if i):
        raise WeakPassword(
            N_("密码不能包含手机号或用户名"), fields=[{"field": "password", "message": "contains the login"}]
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
