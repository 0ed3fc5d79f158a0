"""ISBNs with python-stdnum: validate, ISBN-10 → ISBN-13, hyphenate for display."""

from __future__ import annotations

from bisect import bisect_right
from itertools import pairwise
from typing import Any

from stdnum import isbn as stdnum_isbn
from stdnum import numdb
from stdnum.exceptions import ValidationError

from app.kernel.values import frozen
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
    """The ISBN-13 as printed (978-7-5447-1744-5): its parts by python-stdnum's range table."""
    if _RANGES is None or len(isbn13) != 13 or not isbn13.isdigit():
        return _stdnum_hyphenated(isbn13)
    parts = _RANGES.split(isbn13[:-1])
    item = parts.pop() if parts else ""
    return "-".join(part for part in (*parts[:3], item, isbn13[-1]) if part)


def _stdnum_hyphenated(isbn: str) -> str:
    try:
        return str(stdnum_isbn.format(isbn))
    except ValidationError:
        return isbn


@frozen
class _Span:
    """The ranges of one length within a level: where any range holds a prefix (`covered`:
    merged, as lows and highs), and the ranges that lead to a next level (`lows`, each with its
    high end and that level)."""

    length: int
    covered_lows: list[str]
    covered_highs: list[str]
    lows: list[str]
    ranges: list[tuple[str, _Level]]


@frozen
class _Level:
    """One level of python-stdnum's ISBN range tree (EAN prefix, group, registrant), indexed
    per length of prefix, shortest first. stdnum walks each level's ranges one by one
    (`numdb._find`: 7-10 % of a search's CPU, for the page's ISBNs the cache does not hold);
    this bisects them and splits the same way: the shortest length some range holds wins, the
    next level is what the ranges holding it lead to, and the rest of the number, where no
    range holds it, is one part."""

    spans: tuple[_Span, ...]

    def split(self, number: str) -> list[str]:
        parts: list[str] = []
        level = self
        while number:
            found = level.find(number)
            if found is None:
                parts.append(number)
                break
            part, level = found
            parts.append(part)
            number = number[len(part) :]
        return parts

    def find(self, number: str) -> tuple[str, _Level] | None:
        for span in self.spans:
            if len(number) < span.length:
                continue
            part = number[: span.length]
            at = bisect_right(span.covered_lows, part) - 1
            if at < 0 or part > span.covered_highs[at]:
                continue
            at = bisect_right(span.lows, part) - 1
            below = span.ranges[at][1] if at >= 0 and part <= span.ranges[at][0] else _LAST
            return part, below
        return None


_LAST = _Level(())


def _indexed(prefixes: list[Any]) -> _Level | None:
    """The level of these stdnum prefixes, or None where ranges that lead on overlap (stdnum
    would merge what they lead to; hyphenated() then uses stdnum itself)."""
    by_length: dict[int, list[tuple[str, str, list[Any]]]] = {}
    for length, low, high, _props, children in prefixes:
        by_length.setdefault(length, []).append((low, high, children))
    spans = []
    for length in sorted(by_length):
        entries = sorted(by_length[length], key=lambda e: (e[0], e[1]))
        covered: list[list[str]] = []
        for low, high, _ in entries:
            if covered and low <= covered[-1][1]:
                covered[-1][1] = max(covered[-1][1], high)
            else:
                covered.append([low, high])
        leading: dict[tuple[str, str], list[Any]] = {}
        for low, high, children in entries:
            if children:
                leading.setdefault((low, high), []).extend(children)
        keys = sorted(leading)
        if any(later[0] <= earlier[1] for earlier, later in pairwise(keys)):
            return None
        ranges = []
        for key in keys:
            below = _indexed(leading[key])
            if below is None:
                return None
            ranges.append((key[1], below))
        spans.append(_Span(length, [c[0] for c in covered], [c[1] for c in covered], [k[0] for k in keys], ranges))
    return _Level(tuple(spans))


_RANGES = _indexed(numdb.get("isbn").prefixes)
