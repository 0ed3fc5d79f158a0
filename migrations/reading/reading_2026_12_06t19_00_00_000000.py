"""Book search by piece, newest first (PostgreSQL only; SQLite scans, and this does nothing there).

The GIN index on `search_pairs` found a piece's titles quickly, but gave them in no order:
to keep the newest 400 of a piece in 3,000 titles, PostgreSQL read each one's row, ~2,400
heap pages (3-6 ms, EXPLAIN ANALYZE at 100,000 titles). `reading_book_piece` holds each
(piece, title) once under its primary key, so the newest titles of a piece are a backward
index-only scan that stops at 400 (0.05 ms); `reading_book_ranked` gives those 400 their
title and initials from the index alone (0.6 ms, against 1.4 from the rows).

The pieces table is kept by statement triggers on `reading_book` (set-based, through
transition tables, so a seed's COPY or an import adds its titles' pieces in one statement):
inserts add pieces, deletes remove them, an update of the search text replaces them, a
TRUNCATE empties it. 14 pieces a title: 1.4 million rows, 100 MB with the index at 100,000
titles. The initials' prefix btree carries each title's id and title too. The GIN index is
dropped (nothing reads it now); `search_pairs` stays, the triggers'
source and, through ANALYZE, the pieces' frequencies (services/matching.py).

Backwards drops all of it and restores the GIN index and the plain initials btree.
"""

from migrations.helpers import postgres_statements

ID = "2026-12-06T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "book search: each title's pieces under a btree, newest first (PostgreSQL)"

# Each row's pieces, once per title: `rows` is a transition table of reading_book's rows.
_PIECES = "SELECT DISTINCT s.piece, r.id FROM {rows} r, unnest(r.search_pairs) AS s(piece)"

FORWARDS = (
    "CREATE TABLE reading_book_piece (piece text NOT NULL, book integer NOT NULL, PRIMARY KEY (piece, book))",
    f"""CREATE FUNCTION reading_book_pieces_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO reading_book_piece (piece, book) {_PIECES.format(rows="added")};
        RETURN NULL;
    END
    $$""",
    """CREATE FUNCTION reading_book_pieces_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM reading_book_piece p USING removed r, unnest(r.search_pairs) AS s(piece)
        WHERE p.piece = s.piece AND p.book = r.id;
        RETURN NULL;
    END
    $$""",
    # Only titles whose search text changed: an edit of the year or the cover rewrites nothing.
    """CREATE FUNCTION reading_book_pieces_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM reading_book_piece p
        USING removed r JOIN added a ON a.id = r.id, unnest(r.search_pairs) AS s(piece)
        WHERE a.search_text IS DISTINCT FROM r.search_text AND p.piece = s.piece AND p.book = r.id;
        INSERT INTO reading_book_piece (piece, book)
        SELECT DISTINCT s.piece, a.id FROM added a JOIN removed r ON r.id = a.id, unnest(a.search_pairs) AS s(piece)
        WHERE a.search_text IS DISTINCT FROM r.search_text;
        RETURN NULL;
    END
    $$""",
    """CREATE FUNCTION reading_book_pieces_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE reading_book_piece;
        RETURN NULL;
    END
    $$""",
    "CREATE TRIGGER reading_book_pieces_added AFTER INSERT ON reading_book"
    " REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION reading_book_pieces_added()",
    "CREATE TRIGGER reading_book_pieces_removed AFTER DELETE ON reading_book"
    " REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION reading_book_pieces_removed()",
    "CREATE TRIGGER reading_book_pieces_changed AFTER UPDATE ON reading_book"
    " REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT"
    " EXECUTE FUNCTION reading_book_pieces_changed()",
    "CREATE TRIGGER reading_book_pieces_emptied AFTER TRUNCATE ON reading_book"
    " FOR EACH STATEMENT EXECUTE FUNCTION reading_book_pieces_emptied()",
    # ALWAYS: the synthetic seed copies as a superuser with session_replication_role = replica,
    # to skip the per-row foreign-key triggers; the pieces must follow its titles all the same.
    *(
        f"ALTER TABLE reading_book ENABLE ALWAYS TRIGGER reading_book_pieces_{name}"
        for name in ("added", "removed", "changed", "emptied")
    ),
    f"INSERT INTO reading_book_piece (piece, book) {_PIECES.format(rows='reading_book')}",
    "CREATE INDEX reading_book_ranked ON reading_book (id) INCLUDE (title, initials)",
    # The initials' prefix with what a candidate carries, so that its titles come from the
    # index alone: without it PostgreSQL preferred reading all of reading_book_ranked (8 ms for
    # `mt`, 4,000 titles; 1.1 ms through this one).
    "DROP INDEX IF EXISTS reading_book_initials_prefix",
    "CREATE INDEX reading_book_initials_prefix ON reading_book (initials text_pattern_ops) INCLUDE (id, title)",
    "DROP INDEX IF EXISTS reading_book_search_pairs",
    # The planner's estimates for the new table (autovacuum then keeps them, and the
    # visibility map that index-only scans read).
    "ANALYZE reading_book_piece",
)

BACKWARDS = (
    "DROP INDEX IF EXISTS reading_book_initials_prefix",
    "CREATE INDEX reading_book_initials_prefix ON reading_book (initials text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS reading_book_search_pairs ON reading_book USING gin (search_pairs)"
    " WITH (gin_pending_list_limit = 128)",
    "DROP INDEX IF EXISTS reading_book_ranked",
    "DROP TRIGGER IF EXISTS reading_book_pieces_emptied ON reading_book",
    "DROP TRIGGER IF EXISTS reading_book_pieces_changed ON reading_book",
    "DROP TRIGGER IF EXISTS reading_book_pieces_removed ON reading_book",
    "DROP TRIGGER IF EXISTS reading_book_pieces_added ON reading_book",
    "DROP FUNCTION IF EXISTS reading_book_pieces_emptied()",
    "DROP FUNCTION IF EXISTS reading_book_pieces_changed()",
    "DROP FUNCTION IF EXISTS reading_book_pieces_removed()",
    "DROP FUNCTION IF EXISTS reading_book_pieces_added()",
    "DROP TABLE IF EXISTS reading_book_piece",
)


forwards = postgres_statements(
    migration_id=ID, app_name="reading", description=DESCRIPTION, forwards=FORWARDS, backwards=BACKWARDS
)
