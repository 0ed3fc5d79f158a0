"""Small value rules: mainland mobile numbers, staff logins, birth months and age bands."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_

# ASCII digits only: `\d` also matches full-width and other scripts' digits, which made a
# second account for the same phone. Input is NFKC-folded first, so "１３９…" is the same phone.
_PHONE = re.compile(r"^1[3-9][0-9]{9}$")
_LOGIN = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
# Characters never allowed in a name: controls (NUL included) and the invisible bidirectional
# and zero-width marks that let a name display as something else.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff]")
NAME_PATTERN = "^[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff]*$"

AGE_BANDS = ("0-3", "3-6", "6-9", "9-12")
MAX_CHILD_AGE_YEARS = 14  # the programme serves children; PIPL's sensitive age is under 14


def normalize_phone(raw: str, field: str = "phone") -> str:
    """A mainland mobile number: 11 digits starting 13–19; "+86", spaces and dashes allowed."""
    digits = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", raw or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _PHONE.match(digits):
        raise InvalidInput(
            "手机号格式不正确，请输入 11 位中国大陆手机号",
            fields=[{"field": field, "message": "expected an 11-digit mainland mobile number"}],
        )
    return digits


def clean_name(raw: str, field: str = "name", *, longest: int = 32) -> str:
    """A person's name or a child's nickname as shown to others: trimmed, inner runs of spaces
    made one, never empty, never with control or invisible direction characters."""
    name = " ".join((raw or "").split())
    if not name or len(name) > longest or _HIDDEN.search(name):
        raise InvalidInput(
            N_("请填写名字（最多 32 个字，不能含有特殊控制字符）"),
            fields=[{"field": field, "message": f"1-{longest} visible characters"}],
        )
    return name


def is_phone(login: str) -> bool:
    try:
        normalize_phone(login)
    except InvalidInput:
        return False
    return True


def normalize_staff_login(raw: str, field: str = "login") -> str:
    login = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if not _LOGIN.match(login) or is_phone(login):
        raise InvalidInput(
            "用户名需为 3–32 位小写字母、数字、点、横线或下划线，并以字母开头",
            fields=[{"field": field, "message": "3-32 lowercase letters, digits, . _ -; starting with a letter"}],
        )
    return login


def parse_birth_month(raw: str, today: date, field: str = "birth_month") -> date:
    """ "YYYY-MM" → the first day of that month; not in the future, under 14 years ago."""
    match = _MONTH.match(unicodedata.normalize("NFKC", raw or ""))
    bad = InvalidInput(
        "出生年月格式应为 YYYY-MM，且孩子应未满 14 岁",
        fields=[{"field": field, "message": "expected YYYY-MM, not in the future, child under 14"}],
    )
    if not match:
        raise bad
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise bad
    first = date(year, month, 1)
    months_old = (today.year - year) * 12 + today.month - month
    if months_old < 0 or months_old >= MAX_CHILD_AGE_YEARS * 12:
        raise bad
    return first


def age_band(birth_month: date, today: date) -> str:
    months_old = (today.year - birth_month.year) * 12 + today.month - birth_month.month
    years = max(months_old, 0) // 12
    if years < 3:
        return "0-3"
    if years < 6:
        return "3-6"
    if years < 9:
        return "6-9"
    return "9-12"
