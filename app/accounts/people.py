"""Small value rules: mainland mobile numbers, staff logins, birth months and age bands."""

from __future__ import annotations

import re
from datetime import date

from app.kernel.errors import InvalidInput

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_LOGIN = re.compile(r"^[a-z][a-z0-9_.-]{2,31}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

AGE_BANDS = ("0-3", "3-6", "6-9", "9-12")
MAX_CHILD_AGE_YEARS = 14  # the programme serves children; PIPL's sensitive age is under 14


def normalize_phone(raw: str, field: str = "phone") -> str:
    """A mainland mobile number: 11 digits starting 13–19; "+86", spaces and dashes allowed."""
    digits = re.sub(r"[\s-]", "", raw or "")
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


def is_phone(login: str) -> bool:
    try:
        normalize_phone(login)
    except InvalidInput:
        return False
    return True


def normalize_staff_login(raw: str, field: str = "login") -> str:
    login = (raw or "").strip().lower()
    if not _LOGIN.match(login) or is_phone(login):
        raise InvalidInput(
            "用户名需为 3–32 位小写字母、数字、点、横线或下划线，并以字母开头",
            fields=[{"field": field, "message": "3-32 lowercase letters, digits, . _ -; starting with a letter"}],
        )
    return login


def parse_birth_month(raw: str, today: date, field: str = "birth_month") -> date:
    """ "YYYY-MM" → the first day of that month; not in the future, under 14 years ago."""
    match = _MONTH.match(raw or "")
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
