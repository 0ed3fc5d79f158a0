"""The picture-book catalogue: titles by ISBN, search, covers.

Search takes Chinese substrings (title, author, illustrator, series), ISBNs with or without
hyphens (ISBN-10 too) and pinyin initials ("ccwydan" finds 猜猜我有多爱你), ranked: exact
title, title prefix, exact initials, initials prefix, then the rest, newest first.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from piccolo.columns.combination import WhereRaw
from PIL import Image, ImageOps, UnidentifiedImageError
from pypinyin import Style, lazy_pinyin

from app.kernel.clock import Clock
from app.kernel.db import is_unique_violation, write_transaction
from reading.errors import BookNotFound, InvalidImage, IsbnExists
from reading.isbn import hyphenated, looks_like_isbn, normalize
from reading.schemas import BookIn, BookOut, BookUpdate
from reading.tables import Book, BookCover, Copy

MAX_COVER_BYTES = 5 * 1024 * 1024
MAX_COVER_PIXELS = 40_000_000  # refuse decompression bombs before decoding
COVER_SIZE = (1200, 1200)
THUMB_SIZE = (240, 240)
SEARCH_CANDIDATES = 400


def initials(text: str) -> str:
    """Pinyin initials of the Chinese characters, letters and digits kept: 猜猜我有多爱你 → ccwydan."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for part in letters for ch in part.lower() if ch.isalnum())


def search_text(values: dict[str, Any]) -> str:
    parts = [values.get(k) or "" for k in ("title", "subtitle", "authors", "illustrators", "translators", "series")]
    return " ".join(p for p in parts if p).lower()


def book_out(row: dict[str, Any], available: int = 0, available_here: int | None = None) -> BookOut:
    return BookOut(
        id=row["id"],
        isbn=row["isbn"],
        isbn_display=hyphenated(row["isbn"]),
        title=row["title"],
        subtitle=row["subtitle"],
        authors=row["authors"],
        illustrators=row["illustrators"],
        translators=row["translators"],
        publisher=row["publisher"],
        year=row["year"],
        age_band=row["age_band"] or None,
        themes=[t for t in row["themes"].split(",") if t],
        series=row["series"],
        summary=row["summary"],
        draft=row["draft"],
        has_cover=row["has_cover"],
        available=available,
        available_here=available_here,
    )


def _values(data: BookIn | BookUpdate) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in (
        "title",
        "subtitle",
        "authors",
        "illustrators",
        "translators",
        "publisher",
        "year",
        "series",
        "summary",
    ):
        value = getattr(data, field)
        if value is not None:
            values[field] = value.strip() if isinstance(value, str) else value
    if data.age_band is not None:
        values["age_band"] = data.age_band
    if data.themes is not None:
        values["themes"] = ",".join(sorted({t.strip() for t in data.themes if t.strip()}))
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


async def book_by_isbn(raw: str) -> dict[str, Any] | None:
    result: dict[str, Any] | None = await Book.select().where(Book.isbn == normalize(raw)).first()
    return result


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


def _escape(text: str) -> str:
    """Text for a LIKE pattern: % and _ typed in a search box are plain characters."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def _like(column: str, pattern: str, *, wrap: bool = False) -> WhereRaw:
    """`column LIKE pattern ESCAPE '!'` (both engines); `wrap` matches within ",column,"."""
    target = f"(',' || \"reading_book\".\"{column}\" || ',')" if wrap else f'"reading_book"."{column}"'
    return WhereRaw(f"{target} LIKE {{}} ESCAPE '!'", pattern)


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
    query = Book.select()
    text = (q or "").strip()
    if text and looks_like_isbn(text):
        try:
            query = query.where(Book.isbn == normalize(text))
        except Exception:
            query = query.where(Book.search_text.like(f"%{text.lower()}%"))
    elif text:
        lowered = text.lower()
        condition: Any = _like("search_text", f"%{_escape(lowered)}%")
        if lowered.isascii() and lowered.isalnum():
            condition = condition | Book.initials.like(f"{lowered}%")
        query = query.where(condition)
    if age_band:
        query = query.where(Book.age_band == age_band)
    if theme:  # one of the comma-separated themes, exactly
        query = query.where(_like("themes", f"%,{_escape(theme.strip())},%", wrap=True))
    if space_id is not None and available_only:
        query = query.where(
            Book.id.is_in(Copy.select(Copy.book).where((Copy.current_space == space_id) & (Copy.status == "available")))
        )
    rows = await query.order_by(Book.id, ascending=False).limit(SEARCH_CANDIDATES)
    if text and not looks_like_isbn(text):
        lowered = text.lower()

        def rank(row: dict[str, Any]) -> tuple[int, int]:
            title = row["title"].lower()
            if title == lowered:
                return (0, -row["id"])
            if title.startswith(lowered):
                return (1, -row["id"])
            if row["initials"] == lowered:  # "ccwydan": 猜猜我有多爱你 before longer titles
                return (2, -row["id"])
            if row["initials"].startswith(lowered):
                return (3, -row["id"])
            if lowered in title:
                return (4, -row["id"])
            return (5, -row["id"])

        rows.sort(key=rank)
    page = rows[offset : offset + limit]
    counts = await availability([r["id"] for r in page], space_id)
    return [
        book_out(r, counts.get(r["id"], (0, 0))[0], counts.get(r["id"], (0, 0))[1] if space_id is not None else None)
        for r in page
    ]


def reencode_cover(raw: bytes) -> tuple[bytes, bytes]:
    """Check an uploaded cover and re-encode it: JPEG, EXIF stripped, bounded size, thumbnail.
    Not an image, too large, or a decompression bomb → InvalidImage."""
    if len(raw) > MAX_COVER_BYTES:
        raise InvalidImage("封面图片不能超过 5 MB")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format not in ("JPEG", "PNG", "WEBP"):
                raise InvalidImage()
            width, height = probe.size
            if width * height > MAX_COVER_PIXELS:
                raise InvalidImage("封面图片的像素太多")
            probe.verify()
        with Image.open(io.BytesIO(raw)) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")  # orientation applied, EXIF gone
            image.thumbnail(COVER_SIZE)
            cover = io.BytesIO()
            image.save(cover, format="JPEG", quality=85, optimize=True)
            image.thumbnail(THUMB_SIZE)
            thumb = io.BytesIO()
            image.save(thumb, format="JPEG", quality=80, optimize=True)
    except InvalidImage:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise InvalidImage() from None
    return cover.getvalue(), thumb.getvalue()


async def set_cover(book_id: int, raw: bytes, *, now: datetime) -> None:
    image, thumbnail = reencode_cover(raw)
    if not await Book.exists().where(Book.id == book_id):
        raise BookNotFound()
    async with write_transaction():
        await BookCover.delete().where(BookCover.book == book_id)
        await BookCover.insert(BookCover(book=book_id, image=image, thumbnail=thumbnail, updated_at=now))
        await Book.update({Book.has_cover: True}).where(Book.id == book_id)


async def cover(book_id: int, *, thumbnail: bool) -> bytes | None:
    row = (
        await BookCover.select(BookCover.thumbnail if thumbnail else BookCover.image)
        .where(BookCover.book == book_id)
        .first()
    )
    return bytes(next(iter(row.values()))) if row else None
