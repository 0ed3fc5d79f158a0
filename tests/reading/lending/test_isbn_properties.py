"""Property tests of ISBN handling: every valid ISBN-10 becomes the right ISBN-13 (check digit
recomputed here, independently of python-stdnum), and any single-character change of a valid
ISBN-10 or ISBN-13 is refused with `invalid_isbn`."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stdnum import isbn as stdnum_isbn
from stdnum import numdb

from reading.lending import isbn as isbn_module
from reading.lending.errors import InvalidIsbn
from reading.lending.isbn import hyphenated, normalize

DIGITS = "0123456789"
nine_digits = st.text(alphabet=DIGITS, min_size=9, max_size=9)
twelve_digits = st.tuples(st.sampled_from(["978", "979"]), nine_digits).map("".join)
quick = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def clean_tables() -> None:
    """These tests touch no table: no truncation before each (it costs a second on PostgreSQL)."""


def isbn10_check(first9: str) -> str:
    total = sum((10 - i) * int(d) for i, d in enumerate(first9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def isbn13_check(first12: str) -> str:
    total = sum((1 if i % 2 == 0 else 3) * int(d) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def isbn10(first9: str) -> str:
    return first9 + isbn10_check(first9)


def isbn13(first12: str) -> str:
    return first12 + isbn13_check(first12)


def spellings(compact: str, cuts: list[int], sep: str) -> str:
    """The same number with separators at the given positions (as printed on a book)."""
    out, last = [], 0
    for cut in sorted(set(c for c in cuts if 0 < c < len(compact))):
        out.append(compact[last:cut])
        last = cut
    out.append(compact[last:])
    return sep.join(out)


def refused(raw: str) -> bool:
    try:
        normalize(raw)
    except InvalidIsbn as exc:
        return exc.code == "invalid_isbn"
    return False


@quick
@given(first9=nine_digits, cuts=st.lists(st.integers(1, 9), max_size=3), sep=st.sampled_from(["-", " ", ""]))
@example(first9="754471744", cuts=[1, 5, 9], sep="-")  # 猜猜我有多爱你: 7-5447-1744-5
@example(first9="080442957", cuts=[], sep="")  # check character X
def test_every_valid_isbn10_maps_to_its_isbn13(first9: str, cuts: list[int], sep: str) -> None:
    ten = isbn10(first9)
    expected = isbn13("978" + first9)
    assert normalize(spellings(ten, cuts, sep)) == expected
    assert normalize(ten.lower()) == expected  # a lower-case x from a scanner or a keyboard
    # The 13-digit form is itself accepted, in any spelling, and stays the same.
    assert normalize(expected) == expected
    assert normalize(hyphenated(expected)) == expected


@quick
@given(first9=nine_digits, position=st.integers(0, 9), replacement=st.sampled_from(list(DIGITS + "X")))
@example(first9="754471744", position=9, replacement="X")
def test_any_single_change_of_an_isbn10_is_refused(first9: str, position: int, replacement: str) -> None:
    valid = isbn10(first9)
    if valid[position] == replacement:
        replacement = "0" if replacement != "0" else "1"
    changed = valid[:position] + replacement + valid[position + 1 :]
    assert changed != valid
    assert refused(changed), (valid, changed)
    assert refused(spellings(changed, [1, 5, 9], "-")), (valid, changed)


@quick
@given(first12=twelve_digits, position=st.integers(0, 12), replacement=st.sampled_from(list(DIGITS + "X")))
@example(first12="978754471744", position=12, replacement="X")
def test_any_single_change_of_an_isbn13_is_refused(first12: str, position: int, replacement: str) -> None:
    valid = isbn13(first12)
    assert normalize(valid) == valid
    if valid[position] == replacement:
        replacement = "0" if replacement != "0" else "1"
    changed = valid[:position] + replacement + valid[position + 1 :]
    assert refused(changed), (valid, changed)
    assert refused(spellings(changed, [3, 4, 8, 12], "-")), (valid, changed)


@pytest.mark.parametrize(
    "raw", ["", "x", "978754471744", "97875447174411", "12345678", "12345678901", "ISBN", "X123456789"]
)
def test_wrong_lengths_and_junk_are_refused(raw: str) -> None:
    assert refused(raw)


def test_nine_digits_read_as_an_isbn10_that_lost_its_leading_zero() -> None:
    """python-stdnum reads 9 digits as an SBN, i.e. an ISBN-10 with its leading 0 dropped (as
    Excel does to a number column); the check digit still has to be right."""
    assert normalize("123456789") == normalize("0123456789") == isbn13("978012345678")
    assert refused("123456788")


def test_hyphenated_splits_at_every_range_boundary_as_python_stdnum() -> None:
    """The indexed range table (isbn._Level) hyphenates as python-stdnum does: numbers at both
    ends of every range of every level, and just outside them, the rest filled three ways."""
    assert isbn_module._RANGES is not None, "the table was not indexed: hyphenated() fell back to stdnum"
    numbers: set[str] = set()

    def walk(prefixes: list[Any], before: str) -> None:
        for _length, low, high, _props, children in prefixes:
            for edge in (low, high, str(int(low) - 1).zfill(len(low)), str(int(high) + 1).zfill(len(high))):
                start = before + edge
                if len(start) <= 12 and start.isdigit():
                    for fill in "059":
                        numbers.add(isbn13((start + fill * 12)[:12]))
            if len(before) < 12:
                walk(children, before + low)
                walk(children, before + high)

    walk(numdb.get("isbn").prefixes, "")
    numbers = {n for n in numbers if n[:3] in ("978", "979")}
    assert len(numbers) > 5_000
    wrong = [
        (n, hyphenated(n), stdnum_isbn.format(n)) for n in sorted(numbers) if hyphenated(n) != stdnum_isbn.format(n)
    ]
    assert not wrong, wrong[:5]


@quick
@given(first12=twelve_digits)
@example(first12="978754471744")  # 978-7-5447-1744-5
@example(first12="979100000000")
def test_hyphenated_is_python_stdnums_format(first12: str) -> None:
    number = isbn13(first12)
    assert hyphenated(number) == stdnum_isbn.format(number)
