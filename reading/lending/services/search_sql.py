"""The catalogue search's hand-written SQL (used by services/catalogue.py `search()`), with
named parameters (`:name`): the page's statements the same text on SQLite and PostgreSQL, the
candidates' through a piece PostgreSQL's alone.

One statement reads a search's page: the candidates (the matching ids, in order and limited:
services/matching.py decides how each engine finds them, through BY_PIECE and its indexes on
PostgreSQL) are joined back to their titles, ranked in SQL and cut to the page, and each
title's available copies, anywhere and at a space, are counted in the same statement.
"""

from __future__ import annotations

# Both read what `book_out()` needs (not the search text nor its pieces) and count each title's
# available copies, anywhere and at `:space_id` (0 without one).
PAGE_COLUMNS = (
    "SELECT b.id, b.isbn, b.title, b.subtitle, b.authors, b.illustrators, b.translators, b.publisher,"
    " b.year, b.age_band, b.themes, b.series, b.summary, b.draft, b.has_cover,"
    " (SELECT count(*) FROM reading_copy c WHERE c.book = b.id AND c.status = 'available') AS available,"
    " (SELECT count(*) FROM reading_copy c WHERE c.book = b.id AND c.status = 'available'"
    " AND c.current_space = :space_id) AS available_here"
)

# The rank of a title for a term (`:term` lowered; `:prefix` and `:within` its LIKE patterns):
# exact title, title prefix, exact initials, initials prefix, within the title, the rest
# (another field); then newest first. The candidates select `id, title, initials`, read with
# the rows that matched, so that only the page's rows are read again, by primary key: joining
# all 400 back cost PostgreSQL ~0.4-0.7 ms a search (EXPLAIN ANALYZE, the bench's 100,000
# titles).
RANKED_PAGE = (
    f"{PAGE_COLUMNS} FROM (SELECT found.id, CASE"  # noqa: S608 (a constant, no input)
    " WHEN lower(found.title) = :term THEN 0"
    " WHEN lower(found.title) LIKE :prefix ESCAPE '!' THEN 1"
    " WHEN found.initials = :term THEN 2"
    " WHEN found.initials LIKE :prefix ESCAPE '!' THEN 3"
    " WHEN lower(found.title) LIKE :within ESCAPE '!' THEN 4"
    " ELSE 5 END AS ranked FROM (:candidates) AS found"
    " ORDER BY 2, 1 DESC LIMIT :limit OFFSET :offset) AS page"
    " JOIN reading_book b ON b.id = page.id"
    " ORDER BY page.ranked, b.id DESC"
)

# The candidates are already the page (newest first, limited and offset).
NEWEST_PAGE = f"{PAGE_COLUMNS} FROM (:candidates) AS found JOIN reading_book b ON b.id = found.id ORDER BY b.id DESC"

STATEMENTS = {"RANKED_PAGE": RANKED_PAGE, "NEWEST_PAGE": NEWEST_PAGE}

# PostgreSQL's candidates through a term's pieces (services/matching.py `ByPiece`): the titles
# holding `:piece` (and `:other`), newest first from the pieces' key alone (the two merged),
# each then read by `:row` (a title by `p.book`, with the term and the search's other
# conditions), stopping at `:limit` found. The OFFSET 0 fences keep PostgreSQL from folding the
# parts into one join it may order otherwise: merging the lateral rows by id read titles newest
# first until 400 matched (4-6 ms a term, EXPLAIN ANALYZE at 100,000 titles).
ONE_PIECE = "SELECT p.book FROM reading_book_piece p WHERE p.piece = :piece ORDER BY p.book DESC OFFSET 0"
TWO_PIECES = (
    "SELECT p.book FROM reading_book_piece p JOIN reading_book_piece q ON q.book = p.book AND q.piece = :other"
    " WHERE p.piece = :piece ORDER BY p.book DESC OFFSET 0"
)
BY_PIECE = (
    "SELECT b.* FROM (:titles) AS p CROSS JOIN LATERAL (:row) AS b ORDER BY p.book DESC LIMIT :limit OFFSET :offset"
)
# Two sets of candidates (each newest first, limited), merged newest first.
EITHER = "SELECT * FROM ((:first) UNION (:second)) AS found ORDER BY 1 DESC LIMIT :limit OFFSET :offset"

POSTGRES_STATEMENTS = {"ONE_PIECE": ONE_PIECE, "TWO_PIECES": TWO_PIECES, "BY_PIECE": BY_PIECE, "EITHER": EITHER}
