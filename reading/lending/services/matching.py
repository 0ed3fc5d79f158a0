"""How a search term matches titles, on each engine (the ranking: services/search_sql.py).

On PostgreSQL substrings of 2+ characters go through the generated, GIN-indexed
`search_pairs` column (the search text's overlapping 2-character pieces) and the initials
prefix through a `text_pattern_ops` btree (migrations/reading/…_search_indexes.py); frequent
terms are read newest first instead (`matches`). SQLite scans.
"""

from __future__ import annotations

import time
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString

from app.kernel.db import is_sqlite
from reading.lending.tables import Book


def escape(text: str) -> str:
    """Text for a LIKE pattern: % and _ typed in a search box are plain characters."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def like(column: str, pattern: str, *, wrap: bool = False) -> WhereRaw:
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


async def matches(lowered: str, *, prefix: bool = True) -> tuple[Any, Any]:
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
        substring = like("search_text", f"%{escape(lowered)}%")
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
