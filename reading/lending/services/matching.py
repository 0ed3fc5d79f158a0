"""How a search term matches titles, on each engine (the ranking: services/search_sql.py).

On PostgreSQL a substring of 2+ characters goes through its rarest 2-character piece in
`reading_book_piece` (each title's pieces under a btree, newest first: migrations/reading/
…_book_pieces.py), the initials prefix through a `text_pattern_ops` btree
(…_search_indexes.py); a few frequent terms are read newest first instead (`matches`). The
pieces' frequencies are the statistics of the generated `search_pairs`. SQLite scans.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString

from app.kernel.db import is_sqlite
from app.kernel.sql import statement
from app.kernel.values import frozen
from reading.lending.services import search_sql
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


@frozen
class Shares:
    """The share of the titles holding each piece of a term (0 for a piece the statistics do
    not list: a rare one), and whose initials start with the term (0 without a prefix)."""

    pieces: dict[str, float]
    prefix: float


async def _shares(pieces: list[str], prefix: str | None) -> Shares:
    """A term's shares (its 2-character pieces, and for letters its initials prefix), by the
    statistics.

    PostgreSQL's own choice is not good enough here: it misjudged reading newest first
    (13-34 ms for terms it could have collected in 2-4 ms), and once a prepared statement
    goes generic it collects every match of every term (17-21 ms for 你好 or （精装)."""
    stats = await _search_stats()
    share = 0.0
    if prefix:  # the initials' prefix: common values, then the histogram's buckets
        common = stats["initials"]
        share += sum(f for v, f in common if v.startswith(prefix))
        bounds = stats["bounds"]
        if len(bounds) > 1:
            inside = sum(1 for b in bounds if b.startswith(prefix)) / (len(bounds) - 1)
            share += (1 - sum(f for _, f in common)) * inside
    return Shares({p: stats["pieces"].get(p, 0.0) for p in pieces}, share)


@frozen
class ByPiece:
    """A term's candidates on PostgreSQL, newest first: the titles holding `pieces` (its one or
    two rarest 2-character pieces) in `reading_book_piece`, rechecked for the whole `term` when
    it is longer, merged with the titles whose initials fall in `initials` (a range; ASCII
    terms)."""

    pieces: tuple[str, ...]
    term: str | None
    initials: tuple[str, str] | None

    def candidates(self, columns: Sequence[Any], conditions: Sequence[Any], limit: int, offset: int) -> QueryString:
        """A query of `columns` of the matches that also meet `conditions`, newest first."""
        if len(self.pieces) == 1:
            titles = statement(search_sql.ONE_PIECE, piece=self.pieces[0])
        else:
            titles = statement(search_sql.TWO_PIECES, piece=self.pieces[0], other=self.pieces[1])
        row = Book.select(*columns).where(WhereRaw('"reading_book"."id" = p.book'), *conditions)
        if self.term is not None:
            row = row.where(WhereRaw('strpos("reading_book"."search_text", {}) > 0', self.term))
        each = row.offset(0).querystrings[0]  # a fence: see search_sql.BY_PIECE
        # Merged with the initials' titles, each part keeps the first limit + offset.
        cut, skip = (limit, offset) if self.initials is None else (limit + offset, 0)
        by_piece = statement(search_sql.BY_PIECE, titles=titles, row=each, limit=cut, offset=skip)
        if self.initials is None:
            return by_piece
        low, high = self.initials
        prefixed = Book.select(*columns).where(
            WhereRaw('("reading_book"."initials" ~>=~ {} AND "reading_book"."initials" ~<~ {})', low, high), *conditions
        )
        prefixed = prefixed.order_by(EVERY_MATCH, ascending=False).limit(cut)
        return statement(search_sql.EITHER, first=by_piece, second=prefixed.querystrings[0], limit=limit, offset=offset)


async def matches(lowered: str, *, prefix: bool = True) -> tuple[Any, Any] | ByPiece:
    """The titles matching `lowered` within the search text or (with `prefix`, letters and
    digits) at the start of the initials: a condition and the order to read them in, or on
    PostgreSQL mostly a `ByPiece`.

    On PostgreSQL (migrations/reading/…_search_indexes.py, …_book_pieces.py) a term of 2+
    characters goes through its one or two rarest pieces, newest first, in `reading_book_piece`
    (the two together hold few titles that are not the term's); a longer
    term whose pieces are all frequent (so the term may be too, and a piece's titles are
    mostly not the term's) and a term whose initials' prefix is frequent are read newest first
    with no index (`strpos`), as is a single character."""
    letters = prefix and lowered.isascii() and lowered.isalnum()
    if is_sqlite():
        substring = like("search_text", f"%{escape(lowered)}%")
        return (substring | Book.initials.like(f"{lowered}%") if letters else substring), NEWEST_FIRST
    pieces = sorted({lowered[i : i + 2] for i in range(len(lowered) - 1)})
    if pieces:
        shares = await _shares(pieces, lowered if letters else None)
        rarest = tuple(sorted(pieces, key=lambda piece: (shares.pieces[piece], piece))[:2])
        frequent = len(lowered) > 2 and shares.pieces[rarest[0]] >= FREQUENT_SHARE
        if not frequent and shares.prefix < FREQUENT_SHARE:
            # every string starting with the ASCII prefix, in byte order (text_pattern_ops);
            # `LIKE 'x%'` can use the index only with the pattern known when planning
            after = lowered[:-1] + chr(ord(lowered[-1]) + 1)
            return ByPiece(rarest, lowered if len(lowered) > 2 else None, (lowered, after) if letters else None)
    contains = WhereRaw('strpos("reading_book"."search_text", {}) > 0', lowered)
    if letters:
        return contains | WhereRaw('strpos("reading_book"."initials", {}) = 1', lowered), NEWEST_FIRST
    return contains, NEWEST_FIRST
