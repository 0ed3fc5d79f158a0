"""ISBNs with python-stdnum: validate, ISBN-10 → ISBN-13, hyphenate for display."""

from __future__ import annotations

from stdnum import isbn as stdnum_isbn
from stdnum.exceptions import ValidationError

from reading.lending.errors import InvalidIsbn


def normalize(raw: str, field: str = "isbn") -> str:
    """The 13-digit ISBN for any valid ISBN-10 or ISBN-13 spelling (hyphens, spaces)."""
    try:
        compact = str(stdnum_isbn.validate(raw or ""))  # 10 or 13 characters, check digit right
        return compact if len(compact) == 13 else str(stdnum_isbn.to_isbn13(compact))
    except ValidationError:
        raise InvalidIsbn(fields=[{"field": field, "message": "not a valid ISBN-10 or ISBN-13"}]) from None


def looks_like_isbn(text: str) -> bool:
    compact = text.replace("-", "").replace(" ", "")
    return (
        len(compact) in (10, 13)
        and compact.isascii()
        and compact[:-1].isdigit()
        and (compact[-1].isdigit() or compact[-1] in "Xx")
    )


def hyphenated(isbn13: str) -> str:
    try:
        return str(stdnum_isbn.format(isbn13))
    except ValidationError:
        return isbn13
