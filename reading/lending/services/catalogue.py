"""The picture-book catalogue: titles by ISBN, search, covers.

Search takes Chinese substrings (title, author, illustrator, series), ISBNs with or without
hyphens (ISBN-10 too) and pinyin initials ("ccwydan" finds 猜猜我有多爱你), ranked: exact
title, title prefix, exact initials, initials prefix, then the rest, newest first.

On PostgreSQL substrings of 2+ characters go through the generated, GIN-indexed
`search_pairs` column (the search text's overlapping 2-character pieces) and the initials
prefix through a `text_pattern_ops` btree (migrations/reading/…_search_indexes.py); frequent
terms are read newest first instead (`_matches`). SQLite scans.
"""

from __future__ import annotations

import io
import time
from datetime import datetime
from functools import lru_cache
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString
from PIL import Image, ImageOps, UnidentifiedImageError

from app.kernel.clock import Clock
from app.kernel.db import is_sqlite, is_unique_violation, write_transaction
from reading.lending.errors import BookNotFound, InvalidImage, IsbnExists
from reading.lending.isbn import hyphenated, looks_like_isbn, normalize
from reading.lending.schemas import BookIn, BookOut, BookUpdate
from reading.lending.tables import Book, BookCover, Copy

MAX_COVER_BYTES = 5 * 1024 * 1024
MAX_COVER_PIXELS = 40_000_000  # refuse decompression bombs before decoding
COVER_SIZE = (1200, 1200)
THUMB_SIZE = (240, 240)
SEARCH_CANDIDATES = 400


def initials(text: str) -> str:
    """Pinyin initials of the Chinese characters, letters and digits kept: 猜猜我有多爱你 → ccwydan."""
    # pypinyin's dictionaries take 55 MB: only processes that add or edit titles load them.
    from pypinyin import Style, lazy_pinyin

    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for part in letters for ch in part.lower() if ch.isalnum())


def search_text(values: dict[str, Any]) -> str:
    parts = [values.get(k) or "" for k in ("title", "subtitle", "authors", "illustrators", "translators", "series")]
    return " ".join(p for p in parts if p).lower()


# python-stdnum looks the ranges up on every call (7 % of a search's CPU); an ISBN's display form never changes.
_isbn_display = lru_cache(maxsize=8192)(hyphenated)


def book_out(row: dict[str, Any], available: int = 0, available_here: int | None = None) -> BookOut:
    return BookOut(
        id=row["id"],
        isbn=row["isbn"],
        isbn_display=_isbn_display(row["isbn"]),
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


# A term in at least this share of the titles is read newest first, stopping at
# SEARCH_CANDIDATES matches; a rarer one is collected through the index and sorted. Measured
# at 100,000 titles: the two cost the same around 3-5 % (3,000-5,000 matches to collect, or
# 8,000-13,000 rows to read); above it newest first wins, below it the index, by far.
FREQUENT_SHARE = 0.05
STATS_SECONDS = 600.0
_stats: dict[str, Any] = {}
NEWEST_FIRST: Any = Book.id
# Not the primary key's order, so PostgreSQL cannot choose to read newest first.
EVERY_MATCH = QueryString('"reading_book"."id" + 0')


async def _search_stats() -> dict[str, Any]:
    """PostgreSQL's statistics (kept by ANALYZE) of the 2-character pieces and the initials,
    read again every STATS_SECONDS: the most common pieces, and the initials' most common
    values and histogram."""
    if _stats and time.monotonic() - _stats["at"] < STATS_SECONDS:
        return _stats
    rows = await Book.raw(
        "SELECT attname, most_common_elems::text::text[] AS elems, most_common_elem_freqs AS elem_freqs,"
        " most_common_vals::text::text[] AS vals, most_common_freqs AS freqs,"
        " histogram_bounds::text::text[] AS bounds FROM pg_stats"
        " WHERE schemaname = current_schema() AND tablename = 'reading_book'"
        " AND attname IN ('search_pairs', 'initials')"
    )
    stats: dict[str, Any] = {"at": time.monotonic(), "pieces": {}, "initials": [], "bounds": []}
    for row in rows:
        if row["attname"] == "search_pairs":  # the frequencies end with min, max and nulls: zip drops them
            stats["pieces"] = dict(zip(row["elems"] or [], row["elem_freqs"] or [], strict=False))
        else:
            stats["initials"] = list(zip(row["vals"] or [], row["freqs"] or [], strict=False))
            stats["bounds"] = row["bounds"] or []
    _stats.clear()
    _stats.update(stats)
    return stats


async def _frequent(pieces: list[str], prefix: str | None) -> bool:
    """Whether a term (its 2-character pieces, and for letters its initials prefix) is in at
    least FREQUENT_SHARE of the titles, by the statistics: a piece they do not list is rare;
    the rarest piece is exact for a 2-character term and a bound for a longer one.

    PostgreSQL's own choice is not good enough here: it misjudged reading newest first
    (13-34 ms for terms it could have collected in 2-4 ms), and once a prepared statement
    goes generic it collects every match of every term (17-21 ms for 你好 or （精装)."""
    stats = await _search_stats()
    share: float = min(stats["pieces"].get(p, 0.0) for p in pieces)
    if prefix:  # the initials' prefix: common values, then the histogram's buckets
        common = stats["initials"]
        share += sum(f for v, f in common if v.startswith(prefix))
        bounds = stats["bounds"]
        if len(bounds) > 1:
            inside = sum(1 for b in bounds if b.startswith(prefix)) / (len(bounds) - 1)
            share += (1 - sum(f for _, f in common)) * inside
    return share >= FREQUENT_SHARE


async def _matches(lowered: str, *, prefix: bool = True) -> tuple[Any, Any]:
    """The condition for `lowered` within the search text or (with `prefix`, letters and
    digits) at the start of the initials, and the order to read the candidates in.

    On PostgreSQL (indexes: migrations/reading/…_search_indexes.py) each term goes one of two
    ways, by its frequency, each one plan whatever the parameters: newest first with no index
    (`strpos`), or every match through the generated `search_pairs` (the search text's
    overlapping 2-character pieces: `@>` the term's pieces, rechecked for longer terms) and
    the initials' `text_pattern_ops` btree, then sorted. A single character has no index and
    is read newest first."""
    letters = prefix and lowered.isascii() and lowered.isalnum()
    if is_sqlite():
        substring = _like("search_text", f"%{_escape(lowered)}%")
        return (substring | Book.initials.like(f"{lowered}%") if letters else substring), NEWEST_FIRST
    pieces = sorted({lowered[i : i + 2] for i in range(len(lowered) - 1)})
    contains = WhereRaw('strpos("reading_book"."search_text", {}) > 0', lowered)
    if not pieces or await _frequent(pieces, lowered if letters else None):
        if letters:
            return contains | WhereRaw('strpos("reading_book"."initials", {}) = 1', lowered), NEWEST_FIRST
        return contains, NEWEST_FIRST
    condition: Any = WhereRaw('"reading_book"."search_pairs" @> {}', pieces)
    if len(lowered) > 2:  # the pieces can be apart in the text ("猜猜猜": just 猜猜)
        condition = condition & contains
    if letters:  # every string starting with the ASCII prefix, in byte order (text_pattern_ops);
        # `LIKE 'x%'` can use the index only with the pattern known when planning
        after = lowered[:-1] + chr(ord(lowered[-1]) + 1)
        condition = condition | WhereRaw(
            '("reading_book"."initials" ~>=~ {} AND "reading_book"."initials" ~<~ {})', lowered, after
        )
    return condition, EVERY_MATCH


def _rank(lowered: str) -> Any:
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

    return rank


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
    """A page (`offset` ≥ 0) of the newest SEARCH_CANDIDATES matches, ranked for a text term.
    The candidates are ranked on id, title and initials alone; only the page is read in full."""
    conditions: list[Any] = []
    order = NEWEST_FIRST
    text = (q or "").strip()
    ranked = bool(text) and not looks_like_isbn(text)
    if text and not ranked:
        try:
            conditions.append(Book.isbn == normalize(text))
        except Exception:  # not a valid ISBN: digits within the search text
            condition, order = await _matches(text.lower(), prefix=False)
            conditions.append(condition)
    elif ranked:
        condition, order = await _matches(text.lower())
        conditions.append(condition)
    if age_band:
        conditions.append(Book.age_band == age_band)
    if theme:  # one of the comma-separated themes, exactly
        conditions.append(_like("themes", f"%,{_escape(theme.strip())},%", wrap=True))
    if space_id is not None and available_only:
        conditions.append(
            Book.id.is_in(Copy.select(Copy.book).where((Copy.current_space == space_id) & (Copy.status == "available")))
        )
    if ranked:
        candidates = Book.select(Book.id, Book.title, Book.initials)
        for condition in conditions:
            candidates = candidates.where(condition)
        found = await candidates.order_by(order, ascending=False).limit(SEARCH_CANDIDATES)
        found.sort(key=_rank(text.lower()))
        ids = [r["id"] for r in found[offset : offset + limit]]
        full = {r["id"]: r for r in await Book.select().where(Book.id.is_in(ids))} if ids else {}
        page = [full[i] for i in ids if i in full]
    else:  # no ranking: the page straight from the database, the same rows as that slice
        size = min(offset + limit, SEARCH_CANDIDATES) - offset
        if size <= 0:
            return []
        query = Book.select()
        for condition in conditions:
            query = query.where(condition)
        page = await query.order_by(order, ascending=False).limit(size).offset(offset)
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
