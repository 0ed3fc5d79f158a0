"""Book search indexes (PostgreSQL only; SQLite scans, and this migration does nothing there).

- `search_pairs`, a generated column: the search text's overlapping 2-character pieces, GIN
  indexed. A term of 2+ characters is in the text only if all its pieces are, so
  `search_pairs @> ARRAY[its pieces]` finds the candidates (exactly, for 2 characters; a
  longer term is rechecked). Generated, so PostgreSQL keeps it right on every insert and
  update, the synthetic seed's COPY included, and Piccolo never sees it (not in tables.py).
- A `text_pattern_ops` btree on `initials` for the prefix search, replacing the plain btree:
  under the C.UTF-8 collation the plain one can serve neither `LIKE 'x%'` nor the range
  (text_pattern_ops serves equality too).

pg_trgm was measured and left out: no trigram serves a 2-character term (half the Chinese
searches), and it splits words at punctuation, so 筝（第 collected the 22,000 titles with （第
to recheck (17 ms; 1 ms through the pieces).

Backwards drops them and restores the plain btree.
"""

from migrations.helpers import postgres_statements

ID = "2026-11-29T18:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "book search indexes: 2-character pieces, initials prefix (PostgreSQL)"

FORWARDS = (
    # Overlapping pieces of two characters: "猜猜我 ab" -> {猜猜, 猜我, "我 ", " a", ab}.
    # plpgsql, IMMUTABLE as a generated column requires (4 µs for a title, 3x faster than SQL).
    """CREATE FUNCTION reading_book_pairs(t text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
    DECLARE
        pairs text[] := '{}';
    BEGIN
        FOR i IN 1 .. length(t) - 1 LOOP
            pairs := pairs || substr(t, i, 2);
        END LOOP;
        RETURN pairs;
    END
    $$""",
    "ALTER TABLE reading_book ADD COLUMN search_pairs text[]"
    " GENERATED ALWAYS AS (reading_book_pairs(search_text)) STORED",
    # GIN queues new entries in a pending list that every search reads through: the default
    # 4 MB cost 3-4 ms a search after a bulk insert (the seed, an import) until the next
    # vacuum; 128 kB costs little more to insert.
    "CREATE INDEX reading_book_search_pairs ON reading_book USING gin (search_pairs)"
    " WITH (gin_pending_list_limit = 128)",
    "CREATE INDEX reading_book_initials_prefix ON reading_book (initials text_pattern_ops)",
    "DROP INDEX IF EXISTS reading_book_initials",
    # The search reads the new column's element statistics to tell frequent pieces from rare
    # ones (reading/lending/services/catalogue.py), and rewriting the table does not count towards
    # autovacuum's analyze.
    "ANALYZE reading_book",
)

BACKWARDS = (
    "CREATE INDEX IF NOT EXISTS reading_book_initials ON reading_book (initials)",
    "DROP INDEX IF EXISTS reading_book_initials_prefix",
    "DROP INDEX IF EXISTS reading_book_search_pairs",
    "ALTER TABLE reading_book DROP COLUMN IF EXISTS search_pairs",
    "DROP FUNCTION IF EXISTS reading_book_pairs(text)",
)


forwards = postgres_statements(
    migration_id=ID, app_name="reading", description=DESCRIPTION, forwards=FORWARDS, backwards=BACKWARDS
)
