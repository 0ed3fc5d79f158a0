"""The demo catalogue: ~200 picture books (made-up titles in the synthetic data's style,
ISBNs in a demo range with valid check digits) with one to three copies each, shelved across
the demo spaces. Written in one transaction, and only what is missing: `make run` calls it
on every start."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from app.kernel.db import write_transaction
from app.seed.books import isbn13
from app.seed.names import FOREIGN_AUTHORS, THEMES, book_title, person_name
from reading.lending.tables import Book

DEMO_BOOKS = 200
DEMO_ISBN_PREFIX = "97875999"  # then 4 digits and the check digit
PUBLISHERS = ("海豚出版社", "接力出版社", "明天出版社", "二十一世纪出版社", "中信出版社", "新蕾出版社")
AGE_BANDS = ("0-3", "3-6", "3-6", "6-9", "9-12")


def demo_isbn(n: int) -> str:
    return isbn13(f"{DEMO_ISBN_PREFIX}{n:04d}")


def _book(rng: random.Random, n: int, now: datetime) -> Book:
    from reading.lending.services.catalogue import initials, search_text

    words = book_title(rng)
    title = "".join(words)
    author = rng.choice(FOREIGN_AUTHORS) if rng.random() < 0.2 else person_name(rng)
    values: dict[str, Any] = {
        "title": title,
        "authors": author,
        "illustrators": person_name(rng) if rng.random() < 0.3 else "",
        "translators": person_name(rng) if author.startswith("[") else "",
        "series": "十平米阅读·海豚绘本花园" if n % 10 == 0 else "",
    }
    return Book(
        isbn=demo_isbn(n),
        initials="".join(initials(word) for word in words)[:200],
        search_text=search_text(values),
        publisher=PUBLISHERS[0] if n % 4 == 0 else rng.choice(PUBLISHERS),
        year=rng.randint(2005, 2025),
        age_band=rng.choice(AGE_BANDS),
        themes=",".join(sorted(set(rng.sample(THEMES, rng.randint(1, 2))))),
        created_at=now,
        updated_at=now,
        **values,
    )


async def seed_books(space_ids: list[int], now: datetime) -> tuple[int, int]:
    """Adds the demo books not yet in the catalogue and their copies; (books, copies) added."""
    rng = random.Random("storycorner-demo-books")  # noqa: S311  (repeatable demo data, no secret)
    books = [_book(rng, n, now) for n in range(DEMO_BOOKS)]  # drawn in full: the same titles each run
    have = {r["isbn"] for r in await Book.select(Book.isbn).where(Book.isbn.like(f"{DEMO_ISBN_PREFIX}%"))}
    missing = [(n, b) for n, b in enumerate(books) if b.isbn not in have]
    if not missing:
        return 0, 0
    copies = 0
    async with write_transaction():
        ids = [r["id"] for r in await Book.insert(*(b for _, b in missing)).returning(Book.id)]
        for (n, _), book_id in zip(missing, ids, strict=True):
            # The reading base holds every title; each small space every fourth or so.
            shelves = [space_ids[0]] + [s for i, s in enumerate(space_ids[1:]) if (n + i) % 4 == 0]
            for space_id in shelves:
                copies += await _copies(book_id, space_id, 2 if space_id == space_ids[0] and n % 3 == 0 else 1, now)
    return len(missing), copies


async def _copies(book_id: int, space_id: int, count: int, now: datetime) -> int:
    from reading.lending.services.copies import shelve

    return len(await shelve(book_id, space_id, count, now=now, actor_id=None))
