"""Picture-book titles with valid ISBN-13s (978-7-…), about a quarter from the Dolphin
Publishing House (the ten-square spaces' partner), with the catalogue's own pinyin initials
and search text (reading.lending.services.catalogue, imported on first use: pypinyin is big)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator

from app.seed.context import Context
from app.seed.names import FOREIGN_AUTHORS, PUBLISHERS, THEMES, book_title, person_name
from app.seed.rows import BookRow

PUBLISHER_NAMES = [p for p, _ in PUBLISHERS]
PUBLISHER_WEIGHTS = list(itertools.accumulate(w for _, w in PUBLISHERS))
AGE_BANDS = ("0-3", "3-6", "3-6", "6-9", "9-12")


def isbn13(twelve: str) -> str:
    """The 12 digits plus their ISBN-13 check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve))
    return twelve + str((10 - total % 10) % 10)


def part_titles(ctx: Context) -> Iterator[None]:
    from reading.lending.services.catalogue import initials

    rng = ctx.rng("titles")
    initials_of: dict[str, str] = {}

    def initials_once(word: str) -> str:
        found = initials_of.get(word)
        if found is None:
            found = initials_of[word] = initials(word)
        return found

    for n in range(ctx.scale.titles):
        ctx.add(_book(ctx, rng, n, initials_once))
        if n % 10_000 == 9_999:
            yield
    yield


def _book(ctx: Context, rng: random.Random, n: int, initials: Callable[[str], str]) -> BookRow:
    from reading.lending.services.catalogue import search_text

    words = book_title(rng)
    title = "".join(words)
    ctx.titles.append(title)
    author = rng.choice(FOREIGN_AUTHORS) if rng.random() < 0.2 else person_name(rng)
    illustrator = person_name(rng) if rng.random() < 0.3 else ""
    translator = person_name(rng) if author.startswith("[") else ""
    themes = ",".join(sorted(set(rng.sample(THEMES, rng.randint(1, 2)))))
    series = "十平米阅读·海豚绘本花园" if rng.random() < 0.05 else ""
    book_id = ctx.next_id(BookRow)
    ctx.book_ids.append(book_id)
    publisher = rng.choices(PUBLISHER_NAMES, cum_weights=PUBLISHER_WEIGHTS)[0]
    year = rng.randint(1995, ctx.today.year)
    age_band = rng.choice(AGE_BANDS)
    values = {"title": title, "authors": author, "illustrators": illustrator, "translators": translator}
    return BookRow(
        id=book_id,
        isbn=isbn13(f"9787{5000 + n // 10_000:04d}{n % 10_000:04d}"),
        title=title,
        authors=author[:200],
        illustrators=illustrator,
        translators=translator,
        publisher=publisher,
        year=year,
        age_band=age_band,
        themes=themes,
        series=series,
        initials="".join(initials(word) for word in words)[:200],
        search_text=search_text({**values, "series": series}),
        created_at=ctx.anchor,
        updated_at=ctx.anchor,
    )
