"""The picture-book catalogue: titles by ISBN, adding and editing them, search.

Search takes Chinese substrings (title, author, illustrator, series), ISBNs with or without
hyphens (ISBN-10 too) and pinyin initials ("ccwydan" finds 猜猜我有多爱你), ranked: exact
title, title prefix, exact initials, initials prefix, then the rest, newest first. How a term
matches on each engine: services/matching.py; covers: services/covers.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import msgspec
from piccolo.querystring import QueryString

from app.kernel.clock import Clock
from app.kernel.db import is_unique_violation, write_transaction
from app.kernel.errors import InvalidInput
from app.kernel.i18n import N_
from app.kernel.numbers import is_whole_number
from app.kernel.sql import statement
from app.kernel.values import frozen
from reading.lending import books
from reading.lending.errors import BookNotFound, IsbnExists
from reading.lending.isbn import hyphenated, looks_like_isbn, normalize
from reading.lending.schemas import BookIn, BookOut, BookPage, BookUpdate
from reading.lending.services import search_sql
from reading.lending.services.matching import NEWEST_FIRST, ByPiece, escape, like, matches
from reading.lending.tables import Book, Copy

SEARCH_CANDIDATES = 400


def initials(text: str) -> str:
    """Pinyin initials of the Chinese characters, letters and digits kept: 猜猜我有多爱你 → ccwydan."""
    # pypinyin's dictionaries take 55 MB: only processes that add or edit titles load them.
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for part in letters for ch in part.lower() if ch.isalnum())


def search_text(values: dict[str, Any]) -> str:
    parts = [values.get(k) or "" for k in books.SEARCHED]
    return " ".join(p for p in parts if p).lower()


# An ISBN's display form never changes: a page's titles are mostly hyphenated already (2.4 µs a miss).
_isbn_display = lru_cache(maxsize=8192)(hyphenated)


def book_out(row: dict[str, Any], available: int = 0, available_here: int | None = None) -> BookOut:
    """A title from its row (the columns keep BookOut's names) and its copies on the shelf."""
    return msgspec.convert(
        {
            **row,
            "isbn_display": _isbn_display(row["isbn"]),
            "age_band": row["age_band"] or None,
            "themes": [t for t in row["themes"].split(",") if t],
            "available": available,
            "available_here": available_here,
        },
        BookOut,
    )


def _values(data: BookIn | BookUpdate) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in (*books.TEXT, "year"):
        value = getattr(data, field)
        if value is not None:
            values[field] = value.strip() if isinstance(value, str) else value
    if data.age_band is not None:
        values["age_band"] = data.age_band
    if data.themes is not None:
        values["themes"] = books.stored_themes(data.themes)
    return values


async def create_book(data: BookIn, *, clock: Clock, draft: bool = False) -> BookOut:
    isbn = normalize(data.isbn)
    values = _values(data)
    now = clock.now()
    if await Book.exists().where(Book.isbn == isbn):
        raise IsbnExists(isbn=isbn)
    try:
        async with write_transaction():
            rows = await Book.insert(
                Book(
                    isbn=isbn,
                    initials=initials(values["title"]),
                    search_text=search_text(values),
                    draft=draft,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            ).returning(*Book.all_columns())
    except Exception as exc:
        if is_unique_violation(exc):
            raise IsbnExists(isbn=isbn) from exc
        raise
    return book_out(rows[0])


async def update_book(book_id: int, data: BookUpdate, *, clock: Clock) -> BookOut:
    row = await Book.select().where(Book.id == book_id).first()
    if row is None:
        raise BookNotFound()
    values = _values(data)
    merged = {**row, **values}
    updates = {getattr(Book, k): v for k, v in values.items()}
    updates.update(
        {
            Book.initials: initials(merged["title"]),
            Book.search_text: search_text(merged),
            Book.updated_at: clock.now(),
            Book.draft: False,
        }
    )
    await Book.update(updates).where(Book.id == book_id)
    return await get_book(book_id)


async def get_book(book_id: int, *, space_id: int | None = None) -> BookOut:
    row = await Book.select().where(Book.id == book_id).first()
    if row is None:
        raise BookNotFound()
    counts = await availability([book_id], space_id)
    total, here = counts.get(book_id, (0, 0))
    return book_out(row, total, here if space_id is not None else None)


async def book_by_isbn(raw: str) -> BookOut | None:
    row = await Book.select().where(Book.isbn == normalize(raw)).first()
    return book_out(row) if row else None


async def recent_books(limit: int = 10) -> list[BookOut]:
    """The titles added last."""
    return [book_out(r) for r in await Book.select().order_by(Book.id, ascending=False).limit(limit)]


@frozen
class Added:
    """A scanned ISBN at the catalogue: the title it is (`existed`), the new one, or none yet
    (`book_id` None: a new ISBN whose title the librarian is asked for)."""

    isbn: str
    book_id: int | None = None
    existed: bool = False


async def add_from_form(form: dict[str, str], *, clock: Clock) -> Added:
    """Scan an ISBN: a known title is found; a new one is added once the form has its title."""
    isbn = normalize(form.get("isbn", ""))
    existing = await book_by_isbn(isbn)
    if existing is not None:
        return Added(isbn, existing.id, existed=True)
    if not form.get("title", "").strip():
        return Added(isbn)
    try:
        book = await create_book(books.book_in({**form, "isbn": isbn}), clock=clock)
    except IsbnExists:  # added meanwhile (a second scan)
        existing = await book_by_isbn(isbn)
        if existing is None:
            raise
        return Added(isbn, existing.id, existed=True)
    return Added(isbn, book.id)


async def edit_from_form(book_id: int, form: dict[str, str], *, clock: Clock) -> None:
    """The edit form saved; "不限" (no age band) clears the age band."""
    await update_book(book_id, books.book_update(form), clock=clock)
    if not form.get("age_band"):
        await Book.update({Book.age_band: ""}).where(Book.id == book_id)


async def copy_count(book_id: int) -> int:
    return int(await Copy.count().where(Copy.book == book_id))


async def availability(book_ids: list[int], space_id: int | None) -> dict[int, tuple[int, int]]:
    """(available copies anywhere, available at the space) per title."""
    if not book_ids:
        return {}
    rows = await Copy.select(Copy.book, Copy.current_space).where(
        Copy.book.is_in(book_ids) & (Copy.status == "available")
    )
    counts: dict[int, list[int]] = {}
    for r in rows:
        entry = counts.setdefault(r["book"], [0, 0])
        entry[0] += 1
        if space_id is not None and r["current_space"] == space_id:
            entry[1] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}


def candidates(
    match: tuple[Any, Any] | ByPiece, conditions: Sequence[Any], columns: Sequence[Any], limit: int, offset: int
) -> QueryString:
    """A query of `columns` of the titles `match` finds that meet `conditions`, in its order."""
    if isinstance(match, ByPiece):
        return match.candidates(columns, conditions, limit, offset)
    condition, order = match
    query = Book.select(*columns).order_by(order, ascending=False).limit(limit).offset(offset)
    for where in (condition, *conditions) if condition is not None else conditions:
        query = query.where(where)
    return query.querystrings[0]


async def search(
    q: str | None = None,
    *,
    age_band: str | None = None,
    theme: str | None = None,
    space_id: int | None = None,
    available_only: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> list[BookOut]:
    """A page (`offset` ≥ 0) of the newest SEARCH_CANDIDATES matches, ranked for a text term,
    with each title's available copies: one statement (services/search_sql.py)."""
    conditions: list[Any] = []
    match: tuple[Any, Any] | ByPiece = (None, NEWEST_FIRST)
    text = (q or "").strip()
    ranked = bool(text) and not looks_like_isbn(text)
    if text and not ranked:
        try:
            conditions.append(Book.isbn == normalize(text))
        except Exception:  # not a valid ISBN: digits within the search text
            match = await matches(text.lower(), prefix=False)
    elif ranked:
        match = await matches(text.lower())
    if age_band:
        conditions.append(Book.age_band == age_band)
    if theme:  # one of the comma-separated themes, exactly
        conditions.append(like("themes", f"%,{escape(theme.strip())},%", wrap=True))
    if space_id is not None and available_only:
        conditions.append(
            Book.id.is_in(Copy.select(Copy.book).where((Copy.current_space == space_id) & (Copy.status == "available")))
        )
    if ranked:  # the newest SEARCH_CANDIDATES matches, ranked in SQL
        found = candidates(match, conditions, (Book.id, Book.title, Book.initials), SEARCH_CANDIDATES, 0)
        term = text.lower()
        sql = search_sql.RANKED_PAGE
        bounds: dict[str, Any] = {"term": term, "prefix": f"{escape(term)}%", "within": f"%{escape(term)}%"}
        bounds.update(limit=limit, offset=offset)
    else:  # no ranking: the page straight from the database, the same rows as that slice
        size = min(offset + limit, SEARCH_CANDIDATES) - offset
        if size <= 0:
            return []
        found = candidates(match, conditions, (Book.id,), size, offset)
        sql, bounds = search_sql.NEWEST_PAGE, {}
    page = await Book.raw("{}", statement(sql, candidates=found, space_id=space_id, **bounds))
    here = space_id is not None
    return [book_out(r, r["available"], r["available_here"] if here else None) for r in page]


def cursor_number(cursor: str | None) -> int:
    """The number in a lending API cursor (an offset or the last id seen); 0 for none."""
    if not cursor:
        return 0
    if not is_whole_number(cursor, 6):
        raise InvalidInput(N_("分页游标无效"), fields=[{"field": "cursor", "message": "not a cursor from this API"}])
    return int(cursor)


async def search_page(
    q: str | None,
    *,
    age_band: str | None,
    theme: str | None,
    space_id: int | None,
    available_only: bool,
    limit: int,
    cursor: str | None,
) -> BookPage:
    """The API's search: a page of `search()` and the cursor of the next one."""
    offset = cursor_number(cursor)
    items = await search(
        q, age_band=age_band, theme=theme, space_id=space_id, available_only=available_only, limit=limit, offset=offset
    )
    more = len(items) == limit and offset + limit < SEARCH_CANDIDATES
    return BookPage(items=items, next_cursor=str(offset + limit) if more else None)
