"""Whole numbers typed by people or sent by clients.

`str.isdigit()` is true for '³' and '٣' as well as '3': `int('³')` raises and `int('٣')` is 3, so
a check with `isdigit()` alone lets a stray superscript through to a 500. These accept ASCII only.
"""


def is_whole_number(text: str, max_digits: int = 9) -> bool:
    """True for 1 to `max_digits` ASCII digits and nothing else."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def whole_number(text: str, max_digits: int = 9) -> int | None:
    """The number `text` spells in ASCII digits, or None."""
    return int(text) if is_whole_number(text, max_digits) else None
